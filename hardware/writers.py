"""Writers that record what the devices deliver: WAV audio and AVI video.

Both open their file when constructed, as the builtin ``open()`` does, so that a
file that cannot be created fails at once, not at the first frame of an answer.
A full disk raises ``HardwareError`` with ``ErrorKind.DISK_FULL`` so the kiosk
can stop taking interviews; other write failures keep the class default kind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import wave
from pathlib import Path
from typing import BinaryIO

import cv2
import numpy as np
import numpy.typing as npt

from hardware.camera import fit_frame
from hardware.media import AudioBlock, ClosesOnExit, VideoFrame
from kiosk.errors import ErrorKind, HardwareError

# Below this much free space a video writer stops, before FFmpeg's silent
# buffered writes start failing; an answer's video is a few MB per minute.
DEFAULT_MIN_FREE_BYTES = 8 * 1024 * 1024


def _write_failure(what: str, path: Path, error: OSError) -> HardwareError:
    kind = ErrorKind.DISK_FULL if error.errno == errno.ENOSPC else None
    return HardwareError(f"cannot write {what} {path}: {error.strerror or error}", kind=kind)


class WavWriter(ClosesOnExit):
    """Writes mono audio blocks to a 16-bit PCM WAV file.

    Samples are stored as ``round(x * 32768)`` clipped to the int16 range, the
    inverse of how :class:`~hardware.replay.ReplayMicrophone` reads them, so a
    WAV survives a read/write round trip unchanged.
    """

    def __init__(self, path: str | Path, sample_rate: int) -> None:
        if sample_rate <= 0:
            raise ValueError("sample_rate must be positive")
        self._path = Path(path)
        self._sample_rate = sample_rate
        self._frames_written = 0
        self._file: BinaryIO | None = None
        try:
            # Both stay open until close(): a writer outlives any one `with` block.
            self._file = open(self._path, "wb")  # noqa: SIM115
            self._wav: wave.Wave_write = wave.open(self._file, "wb")  # noqa: SIM115
            self._wav.setnchannels(1)
            self._wav.setsampwidth(2)
            self._wav.setframerate(sample_rate)
        except OSError as error:
            if self._file is not None:
                self._file.close()
            raise _write_failure("audio file", self._path, error) from error

    @property
    def frames_written(self) -> int:
        """Samples written so far."""
        return self._frames_written

    def write(self, block: AudioBlock) -> None:
        """Append ``block``; its sample rate must be the file's."""
        if self._file is None:
            raise HardwareError(f"audio file {self._path} is closed")
        if block.sample_rate != self._sample_rate:
            raise ValueError(
                f"block at {block.sample_rate} Hz written to a {self._sample_rate} Hz WAV"
            )
        scaled = np.rint(np.asarray(block.samples, dtype=np.float64) * 32768.0)
        pcm = np.clip(scaled, -32768, 32767).astype("<i2")
        try:
            self._wav.writeframesraw(pcm.tobytes())
            # Flush each block so a full disk shows up now, not at close().
            self._file.flush()
        except OSError as error:
            raise _write_failure("audio file", self._path, error) from error
        self._frames_written += len(pcm)

    def close(self) -> None:
        """Finish the header and close the file; safe to call twice."""
        file, self._file = self._file, None
        if file is None:
            return
        try:
            self._wav.close()  # patches the header's lengths
            file.close()
        except OSError as error:
            with contextlib.suppress(OSError):  # it still has to let go of the descriptor
                file.close()
            raise _write_failure("audio file", self._path, error) from error


class VideoFileWriter(ClosesOnExit):
    """Writes frames to an MJPG ``.avi`` file with ``cv2.VideoWriter``.

    MJPG in AVI is one of the codecs known to work on the kiosk machines (H.264
    encoding does not). Frames are resized to ``size`` (width, height).

    ``cv2.VideoWriter`` reports no write errors, and FFmpeg buffers ~256 KB
    (over 100 dark frames) before the file grows, so failures cannot be seen
    per frame. Instead each write checks that the file system keeps
    ``min_free_bytes`` free (``DISK_FULL`` otherwise), and :meth:`close`
    checks that a file holding the frames exists.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        fps: float,
        size: tuple[int, int],
        min_free_bytes: int = DEFAULT_MIN_FREE_BYTES,
    ) -> None:
        if fps <= 0 or size[0] <= 0 or size[1] <= 0:
            raise ValueError("fps and size must be positive")
        self._path = Path(path)
        self._min_free_bytes = min_free_bytes
        self._size = size
        self._frames_written = 0
        self._writer: cv2.VideoWriter | None = None
        try:
            writer = cv2.VideoWriter(str(self._path), cv2.VideoWriter.fourcc(*"MJPG"), fps, size)
        except cv2.error as error:
            # When every backend refuses the path, OpenCV's last resort (an
            # image-sequence writer) raises instead of reporting "not opened".
            raise HardwareError(f"cannot create video file {self._path} (MJPG/AVI)") from error
        if not writer.isOpened():
            raise HardwareError(f"cannot create video file {self._path} (MJPG/AVI)")
        self._writer = writer

    @property
    def frames_written(self) -> int:
        """Frames written so far."""
        return self._frames_written

    def write(self, frame: VideoFrame) -> None:
        """Append ``frame``, resized to the file's size."""
        if self._writer is None:
            raise HardwareError(f"video file {self._path} is closed")
        try:
            disk = os.statvfs(self._path.parent)
        except OSError as error:
            raise _write_failure("video file", self._path, error) from error
        if disk.f_bavail * disk.f_frsize < self._min_free_bytes:
            raise HardwareError(
                f"cannot write video file {self._path}: disk almost full", kind=ErrorKind.DISK_FULL
            )
        self._writer.write(fit_frame(frame.image, self._size))
        self._frames_written += 1

    def close(self) -> None:
        """Finish and close the file; safe to call twice.

        Raises ``HardwareError`` if frames were written but no file holds them.
        """
        writer, self._writer = self._writer, None
        if writer is None:
            return
        writer.release()
        try:
            size = self._path.stat().st_size
        except OSError as error:
            raise _write_failure("video file", self._path, error) from error
        if self._frames_written and size == 0:
            raise HardwareError(f"video file {self._path} is empty after writing")


#: JPEG quality of recorded frames: at 320x240 about 10 kB a frame, and faces stay sharp
#: enough for landmark analysis (MJPG video files used the same codec).
JPEG_QUALITY = 85


def encode_jpeg(image: npt.NDArray[np.uint8], quality: int = JPEG_QUALITY) -> bytes:
    """A BGR frame as JPEG bytes (to be encrypted before it reaches disk)."""
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise HardwareError("cannot encode a video frame as JPEG")
    return bytes(data)


def decode_jpeg(data: bytes) -> npt.NDArray[np.uint8]:
    """A BGR frame from JPEG bytes (MEDIA_INVALID if they are not a JPEG image)."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise HardwareError("a recorded frame is not a readable JPEG", kind=ErrorKind.MEDIA_INVALID)
    return np.asarray(image, dtype=np.uint8)
