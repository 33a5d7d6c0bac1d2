"""Microphones: the interface the core sees, and the PortAudio implementation.

A microphone hands out :class:`~hardware.media.AudioBlock` objects of mono
``float32`` samples. A live device that stops delivering raises
:class:`~kiosk.errors.DeviceLostError` within a bounded time.
"""

from __future__ import annotations

import contextlib
import queue
import time
from types import ModuleType, TracebackType
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from hardware.media import AudioBlock, OpensOnEnter
from kiosk.errors import DeviceLostError, HardwareError

# How much audio the callback may queue ahead of a slow reader before the
# oldest blocks are dropped (and counted as overflows).
_QUEUE_SECONDS = 10.0
# read() wakes at least this often to notice a stream that died without data.
_POLL = 0.25


@runtime_checkable
class Microphone(Protocol):
    """A source of mono audio: a device or a file.

    Not thread-safe for reading: one worker opens, reads and closes it.
    """

    @property
    def sample_rate(self) -> int:
        """Samples per second of every block."""
        ...

    def open(self) -> None:
        """Start capturing; raises ``HardwareError`` naming the device if that fails."""
        ...

    def read(self, frames: int, timeout: float = 2.0) -> AudioBlock | None:
        """The next ``frames`` samples, or ``None`` at the end of the media.

        Blocks hold exactly ``frames`` samples, except possibly the last block of
        a finite file. A live device that delivers nothing for ``timeout``
        seconds raises ``DeviceLostError``.
        """
        ...

    def discard_pending(self) -> None:
        """Drop audio that arrived before now.

        Called when a recording starts: what the room said while nobody was recording
        belongs to no answer. Sample offsets stay continuous.
        """
        ...

    def close(self) -> None:
        """Stop capturing; safe to call twice."""
        ...

    def __enter__(self) -> Microphone: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def _sounddevice() -> ModuleType:
    # Imported on first use: importing sounddevice loads PortAudio, and a kiosk
    # configured with replay devices must start on a machine without it.
    try:
        import sounddevice  # noqa: PLC0415 - deliberately lazy, see above
    except OSError as error:  # sounddevice raises OSError when libportaudio2 is missing
        raise HardwareError(
            "the PortAudio library is missing (Debian package libportaudio2)"
        ) from error
    module: ModuleType = sounddevice
    return module


def list_input_devices() -> list[str]:
    """Names of the audio devices PortAudio can record from."""
    devices = _sounddevice().query_devices()
    return [str(device["name"]) for device in devices if device["max_input_channels"] > 0]


class SoundDeviceMicrophone(OpensOnEnter):
    """A microphone read through PortAudio (``sounddevice.InputStream``).

    ``device`` is a PortAudio device index, a (part of a) device name, or
    ``None`` for the system default. PortAudio's audio thread pushes blocks of
    ``block_frames`` samples into a bounded queue; :meth:`read` regroups them
    into blocks of the size asked for. Overflows (PortAudio's, or the queue
    dropping its oldest block behind a reader more than ~10 s late) are counted
    in :attr:`overflows` rather than treated as failures.

    :meth:`open` returns once audio flows. Devices can take seconds to deliver
    their first block (PulseAudio's null sink up to 2 s, a USB microphone ~1.7 s),
    longer than a running device may pause, so the first block gets
    ``start_timeout`` seconds, after which opening fails with ``HardwareError``.
    """

    def __init__(
        self,
        device: int | str | None = None,
        *,
        sample_rate: int = 16000,
        block_frames: int = 1600,
        lost_after: float = 2.0,
        start_timeout: float = 5.0,
    ) -> None:
        if min(sample_rate, block_frames, lost_after, start_timeout) <= 0:
            raise ValueError("sample_rate, block_frames and the timeouts must be positive")
        self._device = device
        self._sample_rate = sample_rate
        self._block_frames = block_frames
        self._lost_after = lost_after
        self._start_timeout = start_timeout
        self._name = "default microphone" if device is None else f"microphone {device!r}"
        size = max(8, int(_QUEUE_SECONDS * sample_rate / block_frames))
        self._queue: queue.Queue[npt.NDArray[np.float32]] = queue.Queue(maxsize=size)
        self._stream: Any = None
        self._pending = np.zeros(0, dtype=np.float32)
        self._start = 0
        self._overflows = 0
        self._last_data = 0.0
        self._failure: str | None = None
        self._closing = False

    @property
    def sample_rate(self) -> int:
        """Samples per second of every block."""
        return self._sample_rate

    @property
    def overflows(self) -> int:
        """How many times audio was lost because a buffer overflowed since :meth:`open`."""
        return self._overflows

    def open(self) -> None:
        """Start the stream and wait for its first audio.

        Raises ``HardwareError`` naming the device if it cannot be opened or
        delivers nothing within ``start_timeout`` seconds.
        """
        if self._stream is not None:
            return
        sd = _sounddevice()
        self._reset()
        stream: Any = None
        try:
            stream = sd.InputStream(
                device=self._device,
                samplerate=self._sample_rate,
                blocksize=self._block_frames,
                channels=1,
                dtype="float32",
                callback=self._on_audio,
                finished_callback=self._on_finished,
            )
            stream.start()
        except (sd.PortAudioError, ValueError) as error:
            # ValueError: no device matches the name, or none is an input.
            if stream is not None:
                with contextlib.suppress(sd.PortAudioError):
                    stream.close()
            raise HardwareError(f"cannot open {self._name}: {error}") from error
        try:
            self._pending = self._queue.get(timeout=self._start_timeout)
        except queue.Empty:
            self._closing = True
            with contextlib.suppress(sd.PortAudioError):
                stream.abort()
                stream.close()
            raise HardwareError(
                f"{self._name} delivered no audio within {self._start_timeout:.1f} s of opening"
            ) from None
        self._stream = stream

    def read(self, frames: int, timeout: float = 2.0) -> AudioBlock:
        """The next ``frames`` samples from the device (never ``None``: it has no end).

        Raises ``DeviceLostError`` if the stream fails, or if no audio arrives
        for ``timeout`` seconds or for the ``lost_after`` seconds the device
        was configured with, whichever is shorter.
        """
        if frames <= 0:
            raise ValueError("frames must be positive")
        if self._stream is None:
            raise HardwareError(f"{self._name} is not open")
        chunks = [self._pending]
        have = len(self._pending)
        progress_at = time.monotonic()
        while have < frames:
            if self._failure is not None:
                raise DeviceLostError(f"{self._name} failed: {self._failure}")
            now = time.monotonic()
            deadline = min(progress_at + timeout, self._last_data + self._lost_after)
            if now >= deadline:
                silent = now - max(progress_at, self._last_data)
                raise DeviceLostError(f"{self._name} delivered no audio for {silent:.1f} s")
            try:
                chunk = self._queue.get(timeout=min(deadline - now, _POLL))
            except queue.Empty:
                continue
            chunks.append(chunk)
            have += len(chunk)
            progress_at = time.monotonic()
        samples = np.concatenate(chunks)
        self._pending = samples[frames:]
        block = AudioBlock(samples[:frames], self._start, self._sample_rate)
        self._start += frames
        return block

    def discard_pending(self) -> None:
        """Drop buffered audio (see :meth:`Microphone.discard_pending`)."""
        dropped = len(self._pending)
        while True:
            try:
                dropped += len(self._queue.get_nowait())
            except queue.Empty:
                break
        self._pending = np.zeros(0, dtype=np.float32)
        self._start += dropped

    def close(self) -> None:
        """Stop and close the stream; safe to call twice, quiet about a lost device."""
        stream, self._stream = self._stream, None
        if stream is None:
            return
        self._closing = True
        with contextlib.suppress(_sounddevice().PortAudioError):
            stream.abort()
            stream.close()

    def _reset(self) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()
        self._pending = np.zeros(0, dtype=np.float32)
        self._start = self._overflows = 0
        self._failure, self._closing = None, False

    def _on_audio(
        self, indata: npt.NDArray[np.float32], frames: int, time_info: Any, status: Any
    ) -> None:
        # Runs on PortAudio's audio thread: must never block.
        if status.input_overflow:
            self._overflows += 1
        self._last_data = time.monotonic()
        block = indata[:, 0].copy()
        try:
            self._queue.put_nowait(block)
        except queue.Full:
            # The reader is far behind: keep the newest audio, drop the oldest.
            with contextlib.suppress(queue.Empty):
                self._queue.get_nowait()
            self._overflows += 1
            self._queue.put_nowait(block)

    def _on_finished(self) -> None:
        # PortAudio ends a stream on its own only when the device failed.
        if not self._closing:
            self._failure = "the audio stream stopped"
