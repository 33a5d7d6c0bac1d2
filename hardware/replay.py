"""Replay devices: a camera and a microphone that play media files.

They are product features, not test doubles: the demo mode runs a whole
interview from sample media, and ``ReplayMicrophone`` is the "virtual
microphone" through which the demo's synthetic candidate speaks. They satisfy
the same :class:`~hardware.camera.Camera` and
:class:`~hardware.microphone.Microphone` protocols as the real devices.
"""

from __future__ import annotations

import math
import threading
import time
import wave
from pathlib import Path
from typing import Any, Literal

import av
import cv2
import numpy as np
import numpy.typing as npt

from hardware.camera import fit_frame
from hardware.media import AudioBlock, CameraInfo, OpensOnEnter, Pace, VideoFrame
from kiosk.errors import ErrorKind, HardwareError


class ReplayCamera(OpensOnEnter):
    """Plays a video file as a camera: exactly its frames, in order.

    Frame indices count from 0 across loops and ``timestamp = index / fps``.
    With ``pace="realtime"`` frame *i* is returned no earlier than *i / fps*
    seconds after :meth:`open`; with ``"fast"`` as fast as it decodes. With
    ``loop=True`` the file restarts at its end forever; otherwise :meth:`read`
    returns ``None`` there. ``size`` (width, height) resizes every frame.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        pace: Pace = "realtime",
        loop: bool = False,
        size: tuple[int, int] | None = None,
    ) -> None:
        self._path = Path(path)
        self._pace = pace
        self._loop = loop
        self._size = size
        # None once a non-looping file has ended; _info tells whether we are open.
        self._capture: cv2.VideoCapture | None = None
        self._info: CameraInfo | None = None
        self._pending: npt.NDArray[Any] | None = None
        self._index = 0
        self._opened_at = 0.0

    @property
    def info(self) -> CameraInfo:
        """Size and rate of the frames :meth:`read` returns."""
        if self._info is None:
            raise HardwareError(f"video file {self._path} is not open")
        return self._info

    def open(self) -> None:
        """Open the file; ``HardwareError`` naming it if it is missing or unreadable."""
        if self._info is not None:
            return
        capture, first = self._start_file()
        fps = capture.get(cv2.CAP_PROP_FPS)
        if not (math.isfinite(fps) and fps > 0):
            capture.release()
            raise HardwareError(
                f"video file {self._path} reports no frame rate", kind=ErrorKind.MEDIA_INVALID
            )
        width, height = self._size or (first.shape[1], first.shape[0])
        self._capture, self._pending = capture, first
        self._info = CameraInfo(width, height, fps)
        self._index = 0
        self._opened_at = time.monotonic()

    def read(self, timeout: float = 2.0) -> VideoFrame | None:
        """The next frame of the file, or ``None`` at its end (unless looping).

        ``timeout`` is unused: a file never stalls; a realtime wait lasts at most
        one frame interval for a reader that keeps up.
        """
        if self._info is None:
            raise HardwareError(f"video file {self._path} is not open")
        image = self._next_image()
        if image is None:
            return None
        info = self._info
        if self._pace == "realtime":
            delay = self._opened_at + self._index / info.fps - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        frame = VideoFrame(
            fit_frame(image, (info.width, info.height)), self._index, self._index / info.fps
        )
        self._index += 1
        return frame

    def close(self) -> None:
        """Release the file; safe to call twice."""
        if self._capture is not None:
            self._capture.release()
            self._capture = None
        self._pending, self._info = None, None

    def _start_file(self) -> tuple[cv2.VideoCapture, npt.NDArray[Any]]:
        # Reading the first frame up front turns a file OpenCV "opens" but cannot
        # decode into an error at open(), and stops a looping reader spinning on it.
        if not self._path.is_file():
            raise HardwareError(f"video file {self._path} not found", kind=ErrorKind.MEDIA_INVALID)
        capture = cv2.VideoCapture(str(self._path))
        ok, first = capture.read() if capture.isOpened() else (False, None)
        if not ok or first is None:
            capture.release()
            raise HardwareError(
                f"video file {self._path} has no decodable video", kind=ErrorKind.MEDIA_INVALID
            )
        return capture, np.asarray(first)

    def _next_image(self) -> npt.NDArray[Any] | None:
        if self._pending is not None:
            image, self._pending = self._pending, None
            return image
        if self._capture is None:  # at the end of a non-looping file
            return None
        ok, image = self._capture.read()
        if ok and image is not None:
            return np.asarray(image)
        self._capture.release()
        if not self._loop:
            self._capture = None
            return None
        # Reopening rather than seeking to 0: seeking is unreliable for some codecs.
        self._capture, first = self._start_file()
        return first


def decode_audio(path: str | Path, sample_rate: int) -> npt.NDArray[np.float32]:
    """All samples of an audio file as mono ``float32`` in [-1, 1] at ``sample_rate``.

    A PCM16 WAV already at ``sample_rate`` is read with the stdlib ``wave``
    module, so its samples are exact (``int16 / 32768``; several channels are
    averaged). Anything else, including WAVs at other rates or widths, is
    decoded by FFmpeg through PyAV and resampled with ``av.AudioResampler``.
    """
    path = Path(path)
    if not path.is_file():
        raise HardwareError(f"audio file {path} not found", kind=ErrorKind.MEDIA_INVALID)
    samples = _read_exact_wav(path, sample_rate) if path.suffix.lower() == ".wav" else None
    if samples is None:
        samples = _decode_with_ffmpeg(path, sample_rate)
    if samples.size == 0:
        raise HardwareError(f"audio file {path} contains no audio", kind=ErrorKind.MEDIA_INVALID)
    return samples


def _read_exact_wav(path: Path, sample_rate: int) -> npt.NDArray[np.float32] | None:
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2 or wav.getframerate() != sample_rate:
                return None
            channels = wav.getnchannels()
            raw = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError):
        return None  # e.g. a float WAV, which ``wave`` cannot read; FFmpeg may
    data = np.frombuffer(raw, dtype="<i2")
    data = data[: len(data) // channels * channels].reshape(-1, channels)
    samples = data.astype(np.float32) / np.float32(32768.0)
    return samples[:, 0] if channels == 1 else samples.mean(axis=1, dtype=np.float32)


def _samples(frame: av.AudioFrame) -> npt.NDArray[np.float32]:
    # The resampler's "flt" mono frames are one packed row of float32.
    return frame.to_ndarray().reshape(-1).astype(np.float32, copy=False)


def _decode_with_ffmpeg(path: Path, sample_rate: int) -> npt.NDArray[np.float32]:
    resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
    chunks: list[npt.NDArray[np.float32]] = []
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise HardwareError(
                    f"media file {path} has no audio stream", kind=ErrorKind.MEDIA_INVALID
                )
            for frame in container.decode(container.streams.audio[0]):
                chunks.extend(_samples(out) for out in resampler.resample(frame))
            chunks.extend(_samples(out) for out in resampler.resample(None))
    except (av.FFmpegError, OSError) as error:
        raise HardwareError(
            f"cannot decode audio file {path} ({type(error).__name__})",
            kind=ErrorKind.MEDIA_INVALID,
        ) from error
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    return np.clip(np.concatenate(chunks).astype(np.float32), -1.0, 1.0)


class ReplayMicrophone(OpensOnEnter):
    """Plays audio files as a microphone; also the demo's "virtual microphone".

    Delivers exactly the decoded samples (see :func:`decode_audio`) in blocks of
    the size asked for. :meth:`cue` switches, from any thread, to another clip
    from its start; :attr:`clip_done` is set once the current clip has been
    fully delivered. With ``loop=True`` a clip repeats forever.

    When no clip is playing, :meth:`read` returns ``None`` or, with
    ``fill_silence=True``, blocks of zeros: the room between clips. Silence is
    always paced in real time, even with ``pace="fast"``, because there is
    nothing to fast-forward and a reader must not spin. ``start`` offsets run on
    across clips and silence; the last block of a clip is padded with silence
    when ``fill_silence`` is on, so every block then has the size asked for.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        sample_rate: int = 16000,
        pace: Pace = "realtime",
        loop: bool = False,
        fill_silence: bool = False,
    ) -> None:
        if sample_rate <= 0:
            raise ValueError("sample_rate must be positive")
        self._path = None if path is None else Path(path)
        self._sample_rate = sample_rate
        self._pace = pace
        self._loop = loop
        self._fill_silence = fill_silence
        #: Set when the current clip has been fully delivered; cleared by :meth:`cue`.
        self.clip_done = threading.Event()
        # Guards everything below: cue() comes from another thread than read().
        self._lock = threading.Lock()
        self._open = False
        self._clip: npt.NDArray[np.float32] | None = None
        self._position = 0
        self._start = 0
        # Realtime pacing: the sample at ``_anchor_sample`` is due at ``_anchor_time``.
        # Re-anchored whenever playback switches between clip, silence and idle, so
        # a pause (idle) or a fast clip does not make the next part burst or lag.
        self._anchor_time = 0.0
        self._anchor_sample = 0
        self._segment: Literal["clip", "silence", "idle"] = "idle"
        self._generation = 0  # bumped by cue(), so a stale clip cannot set clip_done

    @property
    def sample_rate(self) -> int:
        """Samples per second of every block."""
        return self._sample_rate

    def open(self) -> None:
        """Decode the initial clip, if any; ``HardwareError`` naming a bad file."""
        clip = None if self._path is None else decode_audio(self._path, self._sample_rate)
        with self._lock:
            self._clip, self._position, self._start = clip, 0, 0
            self._segment = "clip" if clip is not None else "idle"
            self._anchor_time, self._anchor_sample = time.monotonic(), 0
            self._open = True
        self.clip_done.clear()

    def cue(self, path: str | Path) -> None:
        """Play ``path`` from its start, replacing whatever is playing. Thread-safe."""
        clip = decode_audio(path, self._sample_rate)  # outside the lock: may take a while
        with self._lock:
            self._clip, self._position = clip, 0
            self._generation += 1
            self.clip_done.clear()

    def read(self, frames: int, timeout: float = 2.0) -> AudioBlock | None:
        """The next ``frames`` samples; ``None`` when nothing plays and no silence fills.

        ``timeout`` is unused: replay never stalls (a realtime wait lasts one block).
        """
        if frames <= 0:
            raise ValueError("frames must be positive")
        with self._lock:
            if not self._open:
                raise HardwareError("replay microphone is not open")
            if self._clip is None and not self._fill_silence:
                self._segment = "idle"
                return None
            segment: Literal["clip", "silence"] = "clip" if self._clip is not None else "silence"
            if segment != self._segment:
                self._segment = segment
                self._anchor_time, self._anchor_sample = time.monotonic(), self._start
            samples, finished = self._take(frames)
            block = AudioBlock(samples, self._start, self._sample_rate)
            self._start += len(samples)
            due = self._anchor_time + (self._start - self._anchor_sample) / self._sample_rate
            generation = self._generation
        if self._pace == "realtime" or segment == "silence":
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        if finished:
            # Only now is the clip's last sample on its way to the reader.
            with self._lock:
                if generation == self._generation:
                    self.clip_done.set()
        return block

    def discard_pending(self) -> None:
        """Forget time that passed unread: pacing restarts now, so silence that accrued
        while nobody read does not come out as a burst. A cued clip keeps playing."""
        with self._lock:
            self._anchor_time, self._anchor_sample = time.monotonic(), self._start

    def close(self) -> None:
        """Stop playing; safe to call twice."""
        with self._lock:
            self._open, self._clip = False, None

    def _take(self, frames: int) -> tuple[npt.NDArray[np.float32], bool]:
        # Called with the lock held. Returns the samples and whether a clip ended.
        parts: list[npt.NDArray[np.float32]] = []
        needed, finished = frames, False
        while needed > 0 and self._clip is not None:
            part = self._clip[self._position : self._position + needed]
            parts.append(part)
            self._position += len(part)
            needed -= len(part)
            if self._position >= len(self._clip):
                finished, self._position = True, 0
                if not self._loop:
                    self._clip = None
        if needed > 0 and self._fill_silence:
            parts.append(np.zeros(needed, dtype=np.float32))
        # concatenate copies, so a block never shares memory with its clip.
        return np.concatenate(parts), finished
