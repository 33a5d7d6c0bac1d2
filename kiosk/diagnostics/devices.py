"""Device and model checks: camera, microphone, loudspeaker, model files and speed.

The camera, microphone and loudspeaker belong to the interview while one runs: its engine
thread reads them, and a staff thread reading the same device would steal frames and audio
from a recording. These checks therefore run only while the terminal is idle (no open session,
the runner at the welcome stage) and raise :class:`InterviewInProgress` otherwise. The staff
screen covers the candidate's screen meanwhile, so nobody can start an interview during a check,
and the engine reads the camera only for a candidate screen that shows it (the QR scan, the
device check's preview), none of which is on screen then.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hardware import build_speaker, decode_audio, tone
from kiosk.app import model_registry
from kiosk.demo import samples_dir
from kiosk.devicecheck import (
    BRIGHTNESS_RANGE,
    MIN_PEAK_DBFS,
    FaceCheck,
    Placement,
    brightness,
    light_ok,
)
from kiosk.engine import Stage
from kiosk.errors import ErrorKind, HardwareError
from kiosk.staff import StaffServices
from kiosk.vault.roles import Permission
from models.registry import Verification

#: The shipped clip the speech benchmark transcribes ("I am ready", espeak-ng, 16 kHz).
BENCHMARK_CLIP = samples_dir() / "media" / "mic_check.ogg"
BENCHMARK_WORDS = ("i", "am", "ready")


class InterviewInProgress(HardwareError):
    """A device check was asked for while an interview holds the devices."""


# -- the devices ----------------------------------------------------------------------------


def interview_in_progress(services: StaffServices) -> bool:
    """Whether an interview holds the devices: a session is open or the runner is not idle."""
    kiosk = services.kiosk
    return bool(kiosk.store.open_session_ids()) or kiosk.runner.state.stage is not Stage.WELCOME


def _require_idle(services: StaffServices) -> None:
    if interview_in_progress(services):
        raise InterviewInProgress(
            "an interview is in progress: device checks wait until it has ended",
            kind=ErrorKind.DEVICE_UNAVAILABLE,
        )


@dataclass(frozen=True, eq=False)
class CameraCheck:
    """A still frame and what it shows. ``placement`` is where the face sits relative to the
    candidate's framing guide (:attr:`kiosk.devicecheck.FaceFraming.placement`: ``good``,
    ``none``, ``several``, ``off_centre``, ``too_far``, ``too_close``); ``problems`` name what
    is wrong, for staff."""

    image: npt.NDArray[np.uint8]  # the last frame read, BGR (shown on the admin's screen only)
    width: int
    height: int
    brightness: float
    faces: int
    placement: Placement
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Good enough for an interview."""
        return not self.problems


def check_camera(services: StaffServices, *, frames: int = 5) -> CameraCheck:
    """Read ``frames`` frames (a live camera settles its exposure meanwhile), then measure the
    last one as the candidate's device check does: its brightness, and the face's framing."""
    services.require(Permission.DEVICE_DIAGNOSTICS)
    _require_idle(services)
    camera = services.kiosk.camera
    last = None
    for _ in range(max(1, frames)):
        frame = camera.read(timeout=2.0)
        if frame is not None:
            last = frame
    if last is None:
        raise HardwareError("the camera delivered no frame within 2 s")
    image = last.image
    height, width = image.shape[:2]
    light = brightness(image)
    problems = []
    if not light_ok(light):
        problems.append(f"brightness {light:.0f} outside {BRIGHTNESS_RANGE}")
    # A face model of its own for this one frame (MediaPipe graphs belong to one thread).
    faces = FaceCheck()
    try:
        framing = faces.look(image)
    finally:
        faces.close()
    if framing.placement != "good":
        problems.append(f"face framing: {framing.placement.replace('_', ' ')}")
    return CameraCheck(
        image.copy(), width, height, light, framing.faces, framing.placement, tuple(problems)
    )


@dataclass(frozen=True, slots=True)
class MicrophoneCheck:
    """Levels heard over a few seconds, in dBFS (0 is full scale)."""

    seconds: float
    peak_dbfs: float
    loudest_rms_dbfs: float
    problems: tuple[str, ...]


def dbfs(value: float) -> float:
    """A level in dBFS, with silence at -120."""
    return 20 * math.log10(value) if value > 1e-6 else -120.0


def check_microphone(
    services: StaffServices,
    *,
    seconds: float = 3.0,
    on_level: Callable[[float], None] | None = None,
) -> MicrophoneCheck:
    """Listen for ``seconds``; ``on_level`` gets each 100 ms block's RMS level (dBFS) as it is
    measured, from this (the calling) thread, for a live meter."""
    services.require(Permission.DEVICE_DIAGNOSTICS)
    _require_idle(services)
    microphone = services.kiosk.microphone
    microphone.discard_pending()  # what the room said before the check is not the check
    block = microphone.sample_rate // 10
    peak, loudest, heard = 0.0, 0.0, 0
    for _ in range(max(1, round(seconds * 10))):
        audio = microphone.read(block, timeout=2.0)
        if audio is None:
            break
        samples = audio.samples
        heard += len(samples)
        if samples.size:
            rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
            peak, loudest = max(peak, float(np.max(np.abs(samples)))), max(loudest, rms)
            if on_level is not None:
                on_level(dbfs(rms))
    problems = []
    if dbfs(peak) < MIN_PEAK_DBFS:
        problems.append(f"peak {dbfs(peak):.1f} dBFS below {MIN_PEAK_DBFS:g}: nothing heard")
    return MicrophoneCheck(
        heard / microphone.sample_rate, dbfs(peak), dbfs(loudest), tuple(problems)
    )


@dataclass(frozen=True, slots=True)
class SpeakerCheck:
    """Whether a test tone was played, and for how long."""

    audible: bool  # False: the terminal is configured without a loudspeaker
    seconds: float


def check_speaker(
    services: StaffServices, *, frequency: float = 440.0, seconds: float = 1.0
) -> SpeakerCheck:
    """Play a test tone on the configured loudspeaker (blocks while it plays)."""
    services.require(Permission.DEVICE_DIAGNOSTICS)
    _require_idle(services)
    speaker_config = services.kiosk.config.speaker
    speaker = build_speaker(speaker_config.kind, speaker_config.device)
    if not speaker.audible:
        return SpeakerCheck(False, 0.0)
    started = time.monotonic()
    speaker.play(tone(frequency, seconds, 48_000), 48_000)
    return SpeakerCheck(True, time.monotonic() - started)


# -- models ---------------------------------------------------------------------------------


def verify_models(services: StaffServices) -> list[Verification]:
    """Every model's files against their pinned hashes (``kiosk models verify``)."""
    services.require(Permission.DEVICE_DIAGNOSTICS)
    return model_registry(services.kiosk.config).verify()


@dataclass(frozen=True, slots=True)
class SpeechBenchmark:
    """How fast the speech model transcribes the shipped sample clip on this terminal."""

    model: str
    audio_seconds: float
    load_seconds: float
    transcribe_seconds: float
    transcript: str
    recognised: bool  # the clip's words were all heard

    @property
    def real_time_factor(self) -> float:
        """Transcription time per second of audio (below 1: faster than real time)."""
        return self.transcribe_seconds / self.audio_seconds if self.audio_seconds else math.inf


def benchmark_speech(services: StaffServices, language: str = "en") -> SpeechBenchmark:
    """Load the speech model for ``language`` and transcribe :data:`BENCHMARK_CLIP`.

    A model of its own, loaded and dropped here, so the figure includes loading and the
    interview's model is not shared with another thread; refused during an interview, whose
    analysis the benchmark would slow down (and whose load would distort the figure).
    """
    services.require(Permission.DEVICE_DIAGNOSTICS)
    _require_idle(services)
    from models.speech import SpeechRecognizer  # noqa: PLC0415 - loads the ML stack

    config = services.kiosk.config
    audio = decode_audio(BENCHMARK_CLIP, 16_000)
    started = time.perf_counter()
    info = model_registry(config).speech_model_for(language)
    recognizer = SpeechRecognizer(info, cpu_threads=config.analysis.asr_threads)
    loaded = time.perf_counter()
    transcript = recognizer.transcribe(audio, language)
    done = time.perf_counter()
    words = "".join(c if c.isalnum() else " " for c in transcript.text.lower()).split()
    return SpeechBenchmark(
        info.label,
        len(audio) / 16_000,
        loaded - started,
        done - loaded,
        transcript.text.strip(),
        all(word in words for word in BENCHMARK_WORDS),
    )
