"""Cameras: the interface the core sees, and the OpenCV implementation.

A camera hands out :class:`~hardware.media.VideoFrame` objects, all of the size
its :attr:`Camera.info` announces. Live sources (a device, a network stream) that
stop delivering raise :class:`~kiosk.errors.DeviceLostError` within a bounded
time rather than hanging, so the interview can re-ask the question.
"""

from __future__ import annotations

import math
import time
from types import TracebackType
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

import cv2
import numpy as np
import numpy.typing as npt

from hardware.media import CameraInfo, OpensOnEnter, VideoFrame
from kiosk.errors import DeviceLostError, ErrorKind, HardwareError

# Between retries of a device that returned no frame; short enough not to add
# visible latency, long enough not to spin a core while the device is gone.
_RETRY_PAUSE = 0.05


@runtime_checkable
class Camera(Protocol):
    """A source of video frames: a device, a stream or a file.

    Not thread-safe: one worker opens, reads and closes it.
    """

    @property
    def info(self) -> CameraInfo:
        """Size and rate of the frames :meth:`read` returns.

        Raises ``HardwareError`` before :meth:`open`; so, before Python 3.12,
        ``isinstance(x, Camera)`` (which reads it) needs an open camera.
        """
        ...

    def open(self) -> None:
        """Start the source; raises ``HardwareError`` naming it if that fails."""
        ...

    def read(self, timeout: float = 2.0) -> VideoFrame | None:
        """The next frame, or ``None`` at the end of a file-backed source.

        A live source that delivers nothing for ``timeout`` seconds raises
        ``DeviceLostError``.
        """
        ...

    def close(self) -> None:
        """Release the source; safe to call twice."""
        ...

    def __enter__(self) -> Camera: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def fit_frame(image: npt.NDArray[Any], size: tuple[int, int]) -> npt.NDArray[np.uint8]:
    """``image`` as a ``uint8`` BGR array of ``size`` (width, height).

    Downstream code (vision, recorder) relies on a fixed frame size, whatever a
    camera or file actually delivers.
    """
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    elif image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    width, height = size
    if image.shape[1] != width or image.shape[0] != height:
        image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(image, dtype=np.uint8)


def describe_source(source: int | str) -> str:
    """A name for ``source`` fit for logs: device index, file path or URL.

    A URL loses its user name and password, which belong in no log.
    """
    if isinstance(source, int):
        return f"camera device {source}"
    if "://" not in source:
        return f"video file {source}"
    parts = urlsplit(source)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"camera stream {parts.scheme}://{host}{port}{parts.path}"


class OpenCVCamera(OpensOnEnter):
    """A camera read through ``cv2.VideoCapture``.

    ``source`` is a device index (``0`` is the first camera), a file path or a
    URL such as an MJPEG stream over HTTP. Frames are always ``width`` x
    ``height``: the size is requested from a device and, where a source ignores
    the request, frames are resized.

    For a device or URL, :meth:`read` retries failed reads (reconnecting to a
    URL) and raises ``DeviceLostError`` once they have failed for ``lost_after``
    seconds. FFmpeg's own open/read timeouts are set to ``lost_after`` so that a
    stalled network stream cannot block a read for longer than that (FFmpeg's
    default is 30 s). For a file, the end of the file returns ``None``.
    """

    def __init__(
        self,
        source: int | str,
        *,
        width: int = 640,
        height: int = 480,
        fps: float = 15.0,
        lost_after: float = 2.0,
    ) -> None:
        if width <= 0 or height <= 0 or fps <= 0 or lost_after <= 0:
            raise ValueError("width, height, fps and lost_after must be positive")
        self._source = source
        self._size = (width, height)
        self._fps = fps
        self._lost_after = lost_after
        self._name = describe_source(source)
        self._capture: cv2.VideoCapture | None = None
        self._info: CameraInfo | None = None
        self._index = 0
        self._opened_at = 0.0

    @property
    def _is_url(self) -> bool:
        return isinstance(self._source, str) and "://" in self._source

    @property
    def _is_file(self) -> bool:
        return isinstance(self._source, str) and not self._is_url

    @property
    def info(self) -> CameraInfo:
        """Size and rate of the frames :meth:`read` returns."""
        if self._info is None:
            raise HardwareError(f"{self._name} is not open")
        return self._info

    def open(self) -> None:
        """Open the source; ``HardwareError`` naming it if it cannot be opened."""
        if self._capture is not None:
            return
        capture = self._new_capture(self._lost_after)
        if not capture.isOpened():
            capture.release()
            kind = ErrorKind.MEDIA_INVALID if self._is_file else None
            raise HardwareError(f"cannot open {self._name}", kind=kind)
        if isinstance(self._source, int):
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self._size[0])
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self._size[1])
            capture.set(cv2.CAP_PROP_FPS, self._fps)
        reported = capture.get(cv2.CAP_PROP_FPS)
        # Some backends report 0 or NaN; fall back to the rate we asked for.
        fps = reported if math.isfinite(reported) and reported > 0 else self._fps
        self._capture = capture
        self._info = CameraInfo(self._size[0], self._size[1], fps)
        self._index = 0
        self._opened_at = time.monotonic()

    def read(self, timeout: float = 2.0) -> VideoFrame | None:
        """The next frame; ``None`` at the end of a file.

        For a device or URL, raises ``DeviceLostError`` when reads have failed
        for ``lost_after`` seconds or no frame came within ``timeout`` seconds,
        whichever is first (a blocked read may overrun ``timeout``, never
        ``lost_after`` by more than one reconnect attempt).
        """
        if self._capture is None or self._info is None:
            raise HardwareError(f"{self._name} is not open")
        called_at = time.monotonic()
        failing_since: float | None = None
        while True:
            attempt_at = time.monotonic()
            ok, image = self._capture.read()
            if ok and image is not None:
                return self._frame(np.asarray(image), self._info)
            if self._is_file:
                return None
            now = time.monotonic()
            if failing_since is None:
                failing_since = attempt_at
            if now - failing_since >= self._lost_after or now - called_at >= timeout:
                raise DeviceLostError(
                    f"{self._name} delivered no frame for {now - failing_since:.1f} s"
                )
            if self._is_url:
                # A failed FFmpeg stream never recovers; only a new connection can.
                remaining = self._lost_after - (now - failing_since)
                self._capture.release()
                self._capture = self._new_capture(max(remaining, 0.1))
                if not self._capture.isOpened():
                    time.sleep(_RETRY_PAUSE)
            else:
                time.sleep(_RETRY_PAUSE)

    def close(self) -> None:
        """Release the source; safe to call twice."""
        if self._capture is not None:
            self._capture.release()
            self._capture = None

    def _new_capture(self, open_timeout: float) -> cv2.VideoCapture:
        if isinstance(self._source, int) or not self._is_url:
            return cv2.VideoCapture(self._source)
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            max(int(open_timeout * 1000), 1),
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            max(int(self._lost_after * 1000), 1),
        ]
        return cv2.VideoCapture(self._source, cv2.CAP_FFMPEG, params)

    def _frame(self, image: npt.NDArray[Any], info: CameraInfo) -> VideoFrame:
        # A file has media time; a live source only has the time since open().
        timestamp = self._index / info.fps if self._is_file else time.monotonic() - self._opened_at
        frame = VideoFrame(fit_frame(image, self._size), self._index, timestamp)
        self._index += 1
        return frame
