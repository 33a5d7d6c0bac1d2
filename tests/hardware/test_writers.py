"""WAV and video writers: exact round trips, and real write failures."""

from __future__ import annotations

import wave
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from hardware import (
    AudioBlock,
    ReplayCamera,
    ReplayMicrophone,
    VideoFileWriter,
    VideoFrame,
    WavWriter,
)
from kiosk.errors import ErrorKind, HardwareError
from tests.hardware.conftest import random_frames, random_pcm

RATE = 16000


def blocks_of(samples: npt.NDArray[np.float32], size: int) -> list[AudioBlock]:
    return [
        AudioBlock(samples[start : start + size], start, RATE)
        for start in range(0, len(samples), size)
    ]


def test_wav_round_trip_is_exact(tmp_path: Path) -> None:
    pcm = random_pcm(5000)
    samples = pcm.astype(np.float32) / 32768
    path = tmp_path / "answer.wav"
    with WavWriter(path, RATE) as writer:
        for block in blocks_of(samples, 1600):
            writer.write(block)
        assert writer.frames_written == 5000
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, RATE)
        assert wav.getnframes() == 5000
        stored = np.frombuffer(wav.readframes(5000), dtype="<i2")
    assert np.array_equal(stored, pcm)
    with ReplayMicrophone(path, sample_rate=RATE, pace="fast") as mic:
        played = mic.read(5000)
    assert played is not None and np.array_equal(played.samples, samples)


def test_wav_clips_out_of_range_samples(tmp_path: Path) -> None:
    path = tmp_path / "loud.wav"
    with WavWriter(path, RATE) as writer:
        writer.write(AudioBlock(np.array([-2.0, 1.0, 2.0, 0.5], dtype=np.float32), 0, RATE))
    with wave.open(str(path), "rb") as wav:
        stored = np.frombuffer(wav.readframes(4), dtype="<i2")
    assert stored.tolist() == [-32768, 32767, 32767, 16384]


def test_wav_rejects_a_block_at_another_rate(tmp_path: Path) -> None:
    with WavWriter(tmp_path / "a.wav", RATE) as writer, pytest.raises(ValueError, match="Hz"):
        writer.write(AudioBlock(np.zeros(10, dtype=np.float32), 0, 48000))


def test_wav_on_a_full_disk_is_disk_full(tmp_path: Path) -> None:
    # /dev/full fails every write with ENOSPC, as a full disk does.
    writer = WavWriter("/dev/full", RATE)
    with pytest.raises(HardwareError, match="/dev/full") as caught:
        writer.write(AudioBlock(np.zeros(1600, dtype=np.float32), 0, RATE))
    assert caught.value.kind is ErrorKind.DISK_FULL
    with pytest.raises(HardwareError):
        writer.close()


def test_wav_in_a_missing_folder_fails(tmp_path: Path) -> None:
    with pytest.raises(HardwareError, match="no-such-dir") as caught:
        WavWriter(tmp_path / "no-such-dir" / "a.wav", RATE)
    assert caught.value.kind is ErrorKind.DEVICE_UNAVAILABLE  # the class default


def test_wav_write_after_close_fails(tmp_path: Path) -> None:
    writer = WavWriter(tmp_path / "a.wav", RATE)
    writer.close()
    writer.close()  # twice is fine
    with pytest.raises(HardwareError, match="closed"):
        writer.write(AudioBlock(np.zeros(10, dtype=np.float32), 0, RATE))


def test_video_round_trip(tmp_path: Path) -> None:
    # Smooth pictures, because MJPG is lossy; sized 80x60 to check the resize to 64x48.
    ramp = np.linspace(0, 255, 80, dtype=np.uint8)
    images = [
        (np.tile(ramp[None, :, None], (60, 1, 3)) // (k + 1)).astype(np.uint8) for k in range(9)
    ]
    path = tmp_path / "answer.avi"
    with VideoFileWriter(path, fps=15.0, size=(64, 48)) as writer:
        for index, image in enumerate(images):
            writer.write(VideoFrame(image, index, index / 15.0))
        assert writer.frames_written == 9
    with ReplayCamera(path, pace="fast") as camera:
        assert (camera.info.width, camera.info.height) == (64, 48)
        assert camera.info.fps == pytest.approx(15.0)
        frames = []
        while (frame := camera.read()) is not None:
            frames.append(frame)
    assert len(frames) == 9
    for frame, image in zip(frames, images, strict=True):
        expected = cv2.resize(image, (64, 48), interpolation=cv2.INTER_AREA)
        assert np.abs(frame.image.astype(int) - expected).mean() < 3


def test_video_in_a_missing_folder_fails(tmp_path: Path) -> None:
    with pytest.raises(HardwareError, match="no-such-dir"):
        VideoFileWriter(tmp_path / "no-such-dir" / "a.avi", fps=15.0, size=(64, 48))


def test_video_write_failure_is_reported(tmp_path: Path) -> None:
    # OpenCV reports no write errors itself; the writer must notice that nothing
    # was stored (here on /dev/full, behind a name with the .avi extension).
    target = tmp_path / "full.avi"
    target.symlink_to("/dev/full")
    frame = VideoFrame(random_frames(1)[0], 0, 0.0)
    with pytest.raises(HardwareError, match=r"full\.avi"):
        writer = VideoFileWriter(target, fps=15.0, size=(64, 48))
        for _ in range(5):
            writer.write(frame)
        writer.close()


def test_video_write_after_close_fails(tmp_path: Path) -> None:
    writer = VideoFileWriter(tmp_path / "a.avi", fps=15.0, size=(64, 48))
    writer.close()
    writer.close()
    with pytest.raises(HardwareError, match="closed"):
        writer.write(VideoFrame(random_frames(1)[0], 0, 0.0))


def test_video_stops_with_disk_full_before_the_disk_is_full(tmp_path: Path) -> None:
    # Asking for more reserve than any disk has is the same, to the writer, as a
    # disk with less free space than its reserve.
    path = tmp_path / "answer.avi"
    writer = VideoFileWriter(path, fps=15.0, size=(64, 48), min_free_bytes=2**62)
    with pytest.raises(HardwareError, match=r"answer\.avi") as caught:
        writer.write(VideoFrame(random_frames(1)[0], 0, 0.0))
    assert caught.value.kind is ErrorKind.DISK_FULL
    assert writer.frames_written == 0
    writer.close()
