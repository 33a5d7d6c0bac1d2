"""OpenCVCamera on a real MJPEG-over-HTTP stream, a real file and a missing device."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from hardware import Camera, OpenCVCamera
from kiosk.errors import DeviceLostError, ErrorKind, HardwareError
from tests.hardware.mjpeg import MjpegServer

# Bound on how long loss may take to report: lost_after (2 s) plus one
# reconnect attempt, with room for a slow CI machine.
LOSS_BOUND = 10.0


@pytest.fixture
def mjpeg_server() -> Iterator[MjpegServer]:
    server = MjpegServer()
    yield server
    if not server.stopping.is_set():
        server.stop()


def read_frames(camera: OpenCVCamera, count: int) -> list[npt.NDArray[np.uint8]]:
    images = []
    for index in range(count):
        frame = camera.read(timeout=5)
        assert frame is not None and frame.index == index
        images.append(frame.image)
    return images


def test_frames_arrive_from_an_mjpeg_stream(mjpeg_server: MjpegServer) -> None:
    with OpenCVCamera(mjpeg_server.url, width=160, height=120) as camera:
        assert isinstance(camera, Camera)
        assert (camera.info.width, camera.info.height) == (160, 120)
        images = read_frames(camera, 10)
    assert all(image.shape == (120, 160, 3) and image.dtype == np.uint8 for image in images)
    # The server's frames are flat grey levels that change every frame.
    assert len({int(image.mean()) for image in images}) > 5


def test_frames_are_resized_to_the_requested_size(mjpeg_server: MjpegServer) -> None:
    with OpenCVCamera(mjpeg_server.url, width=320, height=200) as camera:
        images = read_frames(camera, 3)
    assert all(image.shape == (200, 320, 3) for image in images)


@pytest.mark.parametrize("fault", ["stop", "stall"])
def test_a_lost_stream_is_reported_within_a_bounded_time(
    mjpeg_server: MjpegServer, fault: str
) -> None:
    with OpenCVCamera(mjpeg_server.url, width=160, height=120, lost_after=2.0) as camera:
        read_frames(camera, 5)
        # "stall" would block for FFmpeg's default 30 s without the read timeout.
        mjpeg_server.stop() if fault == "stop" else mjpeg_server.stall()
        started = time.monotonic()
        with pytest.raises(DeviceLostError, match=r"camera stream http://127\.0\.0\.1") as caught:
            # Frames already buffered may still come; the loss must follow them.
            for _ in range(200):
                camera.read(timeout=5)
        elapsed = time.monotonic() - started
    assert caught.value.kind is ErrorKind.DEVICE_LOST
    assert elapsed < LOSS_BOUND


def test_a_stream_that_is_not_there_fails_to_open() -> None:
    # Port 1 on loopback: nothing listens, so the connection is refused at once.
    started = time.monotonic()
    with pytest.raises(HardwareError, match=r"camera stream http://127\.0\.0\.1:1/"):
        OpenCVCamera("http://127.0.0.1:1/stream.mjpg", lost_after=2.0).open()
    assert time.monotonic() - started < LOSS_BOUND


def test_credentials_in_a_url_stay_out_of_errors() -> None:
    with pytest.raises(HardwareError) as caught:
        OpenCVCamera("http://kiosk:s3cret@127.0.0.1:1/stream.mjpg").open()
    assert "s3cret" not in str(caught.value) and "kiosk:" not in str(caught.value)


def test_a_device_that_does_not_exist_fails_to_open() -> None:
    camera = OpenCVCamera(63)
    with pytest.raises(HardwareError, match="camera device 63") as caught:
        camera.open()
    assert caught.value.kind is ErrorKind.DEVICE_UNAVAILABLE
    with pytest.raises(HardwareError, match="not open"):
        camera.read()


def test_a_file_plays_to_its_end(video_file: tuple[Path, list[npt.NDArray[np.uint8]]]) -> None:
    path, images = video_file
    with OpenCVCamera(str(path), width=64, height=48) as camera:
        assert camera.info.fps == pytest.approx(15.0)
        got = read_frames(camera, len(images))
        assert camera.read() is None
    assert all(np.array_equal(a, b) for a, b in zip(got, images, strict=True))


def test_a_missing_file_fails_to_open(tmp_path: Path) -> None:
    with pytest.raises(HardwareError, match=r"absent\.avi") as caught:
        OpenCVCamera(str(tmp_path / "absent.avi")).open()
    assert caught.value.kind is ErrorKind.MEDIA_INVALID
