"""Recording one answer: audio (16 kHz PCM) and video (JPEG frames) on worker threads, each
encrypted as it is written (:mod:`kiosk.vault.media`): no plaintext media file ever exists.

The audio thread reads the microphone and is the media clock; the video thread writes one frame
per 1/fps of *audio* time. With real devices both advance in real time; with replay devices at
``fast`` pace the video still matches the audio's length instead of racing ahead.

The encrypted streams are written to the session's private scratch directory and live only
until the session closes. A device that stops delivering is
reported through ``on_device_lost`` from the worker thread; the runner turns that into a
``DeviceLost`` event.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hardware import AudioBlock, Camera, Microphone, VideoFrame
from kiosk.errors import DeviceLostError, HardwareError
from kiosk.vault.envelope import SessionKey
from kiosk.vault.media import EncryptedAudioWriter, EncryptedVideoWriter

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
#: An audio block at or above this level counts as "voiced". A crude energy gate, reported as
#: such; the speech models replace it with voice activity detection.
VOICED_DBFS = -35.0


@dataclass(frozen=True, slots=True)
class AnswerRecording:
    """What was captured for one attempt. The files are personal data (scratch only)."""

    index: int
    attempt: int
    practice: bool
    audio_path: Path
    video_path: Path
    seconds: float
    samples: int
    frames: int
    level_dbfs: float  # mean level of the voiced blocks
    voiced_ratio: float  # share of 100 ms blocks at or above VOICED_DBFS
    complete: bool  # False if a device was lost while recording

    @property
    def recording_id(self) -> str:
        """The attempt's name, which its encrypted streams are bound to."""
        return recording_id(self.index, self.attempt, self.practice)


def recording_id(index: int, attempt: int, practice: bool = False) -> str:
    """An attempt's name: ``q03-a1`` (the practice question: ``practice00-a1``)."""
    return f"{'practice' if practice else 'q'}{index:02d}-a{attempt}"


def recording_paths(workdir: Path, index: int, attempt: int, practice: bool) -> tuple[Path, Path]:
    """Where an attempt's encrypted audio and video streams live."""
    stem = recording_id(index, attempt, practice)
    return workdir / f"{stem}.audio.enc", workdir / f"{stem}.video.enc"


class AnswerRecorder:
    """Records one attempt at a time from an open camera and microphone."""

    def __init__(
        self,
        camera: Camera,
        microphone: Microphone,
        *,
        video_size: tuple[int, int] = (320, 240),
        video_fps: float = 10.0,
        block_seconds: float = 0.1,
        on_device_lost: Callable[[str], None] | None = None,
    ) -> None:
        self._camera = camera
        self._microphone = microphone
        self._video_size = video_size
        self._video_fps = video_fps
        self._block = int(SAMPLE_RATE * block_seconds)
        #: Called from a worker thread when a device stops delivering; it must only post.
        self.on_device_lost = on_device_lost
        #: Called from the audio thread with every captured block (live monitoring and
        #: analysis); they must return at once.
        self.audio_taps: list[Callable[[AudioBlock], None]] = []
        #: Called from the video thread with every recorded frame and its time in the answer
        #: (live analysis); they must return at once.
        self.frame_taps: list[Callable[[VideoFrame, float], None]] = []
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._active: tuple[int, int, bool] | None = None
        self._paths: tuple[Path, Path] | None = None
        self._samples = 0
        self._frames = 0
        self._voiced_blocks = 0
        self._blocks = 0
        self._voiced_power = 0.0
        self._lost: str | None = None

    @property
    def recording(self) -> bool:
        """Whether an attempt is being recorded."""
        return self._active is not None

    @property
    def media_seconds(self) -> float:
        """Audio captured so far in the current attempt."""
        with self._cond:
            return self._samples / SAMPLE_RATE

    def start(
        self, workdir: Path, index: int, attempt: int, practice: bool = False, *, key: SessionKey
    ) -> None:
        """Begin recording an attempt into ``workdir``, encrypted under the session's ``key``."""
        if self._active is not None:
            raise HardwareError("a recording is already running")
        workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
        audio_path, video_path = recording_paths(workdir, index, attempt, practice)
        name = recording_id(index, attempt, practice)
        # Files of this very attempt can only be the remains of a process killed while it was
        # recording (a kept attempt is never recorded again): they are incomplete; replace them.
        audio_path.unlink(missing_ok=True)
        video_path.unlink(missing_ok=True)
        wav = EncryptedAudioWriter(audio_path, key, name)
        try:
            video = EncryptedVideoWriter(video_path, key, name, self._video_size)
        except HardwareError:
            wav.close()
            audio_path.unlink(missing_ok=True)
            raise
        self._active = (index, attempt, practice)
        self._paths = (audio_path, video_path)
        self._samples = self._frames = self._voiced_blocks = self._blocks = 0
        self._voiced_power = 0.0
        self._lost = None
        self._stop.clear()
        # Audio that piled up while nobody was recording belongs to no answer.
        self._microphone.discard_pending()
        self._threads = [
            threading.Thread(
                target=self._audio_loop, args=(wav,), name="record-audio", daemon=True
            ),
            threading.Thread(
                target=self._video_loop, args=(video,), name="record-video", daemon=True
            ),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> AnswerRecording:
        """Stop the current attempt and return what was captured."""
        if self._active is None or self._paths is None:
            raise HardwareError("no recording is running")
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=10.0)
            if thread.is_alive():
                log.error("recording thread %s did not stop within 10 s", thread.name)
        index, attempt, practice = self._active
        self._active = None
        mean_power = self._voiced_power / self._voiced_blocks if self._voiced_blocks else 0.0
        return AnswerRecording(
            index=index,
            attempt=attempt,
            practice=practice,
            audio_path=self._paths[0],
            video_path=self._paths[1],
            seconds=self._samples / SAMPLE_RATE,
            samples=self._samples,
            frames=self._frames,
            level_dbfs=_dbfs(mean_power),
            voiced_ratio=self._voiced_blocks / self._blocks if self._blocks else 0.0,
            complete=self._lost is None,
        )

    def _audio_loop(self, wav: EncryptedAudioWriter) -> None:
        try:
            with wav:
                while not self._stop.is_set():
                    block = self._microphone.read(self._block, timeout=2.0)
                    if block is None:  # a finite replay file ended: the room goes quiet
                        break
                    wav.write(block)
                    self._account(block)
                    for tap in self.audio_taps:
                        tap(block)
        except DeviceLostError:
            self._device_lost("microphone")
        except HardwareError:
            log.exception("audio recording failed")
            self._device_lost("microphone")

    def _account(self, block: AudioBlock) -> None:
        power = (
            float(np.mean(np.square(block.samples, dtype=np.float64)))
            if block.samples.size
            else 0.0
        )
        with self._cond:
            self._samples += int(block.samples.size)
            self._blocks += 1
            if _dbfs(power) >= VOICED_DBFS:
                self._voiced_blocks += 1
                self._voiced_power += power
            self._cond.notify_all()

    def _video_loop(self, video: EncryptedVideoWriter) -> None:
        try:
            with video:
                while True:
                    with self._cond:
                        due = self._frames / self._video_fps
                        while self._samples / SAMPLE_RATE < due and not self._stop.is_set():
                            self._cond.wait(timeout=0.5)
                        # After a normal stop, catch up to the audio's length (at fast replay
                        # the audio may be far ahead); after a loss, stop at once.
                        if self._lost is not None or self._samples / SAMPLE_RATE < due:
                            return
                    frame = self._camera.read(timeout=2.0)
                    if frame is None:
                        return
                    with self._cond:
                        media_time = self._frames / self._video_fps
                    video.write(frame, media_time)
                    with self._cond:
                        self._frames += 1
                    for tap in self.frame_taps:
                        tap(frame, media_time)
        except DeviceLostError:
            self._device_lost("camera")
        except HardwareError:
            log.exception("video recording failed")
            self._device_lost("camera")

    def _device_lost(self, device: str) -> None:
        with self._cond:
            first = self._lost is None
            self._lost = self._lost or device
            self._stop.set()
            self._cond.notify_all()
        if first and self.on_device_lost is not None:
            self.on_device_lost(device)


def _dbfs(power: float) -> float:
    return 10.0 * math.log10(power) if power > 1e-12 else -120.0
