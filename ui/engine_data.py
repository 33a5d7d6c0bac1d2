"""The immutable values that cross between the engine thread and the GUI thread.

Everything here is a frozen dataclass (or a protocol): a snapshot handed to the GUI can never
change under it, and nothing the GUI holds can change the engine's state behind its back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from PySide6.QtGui import QImage

from hardware import Camera, Microphone
from kiosk.app import Kiosk, assemble
from kiosk.bank import CandidateProfile, QuestionBank
from kiosk.clock import Clock
from kiosk.config import KioskConfig
from kiosk.consent import ConsentNotice
from kiosk.devicecheck import FaceFraming
from kiosk.engine import InterviewState, Stage
from kiosk.interview import FinishedInterview

#: Stages in which an answer is being recorded.
RECORDING_STAGES = (Stage.ANSWER, Stage.PRACTICE_ANSWER)


@dataclass(frozen=True, slots=True)
class CheckInRequest:
    """A candidate checking in: a walk-in from the welcome screen, or an invitation."""

    position_id: str
    language: str
    name: str = ""
    profile: CandidateProfile = field(default_factory=CandidateProfile)
    candidate_ref: str | None = None
    #: The HR systems' own ids from the invitation (e.g. a Feishu external interview).
    external: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EngineSetup:
    """What the screens need to know of the assembled kiosk, sent once it is ready."""

    bank: QuestionBank
    notice: ConsentNotice
    languages: tuple[str, ...]
    default_language: str
    inactivity_seconds: float
    #: Whether a receipt is printed when an interview ends, and to which CUPS queue ("" for
    #: the system's default).
    print_receipt: bool = False
    printer_queue: str = ""
    #: The accommodations a candidate may choose before consent: more time per question (this
    #: factor), typed answers instead of spoken ones.
    extra_time_factor: float = 1.5
    text_answers: bool = False
    #: The loudspeaker for spoken prompts (``sounddevice`` or ``none``) and its device.
    speaker_kind: str = "none"
    speaker_device: str = ""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The interview as the screens show it: the engine state plus who and which receipt."""

    state: InterviewState
    session_code: str | None = None
    candidate_name: str | None = None
    #: True on the first snapshot of a session resumed after the app stopped.
    resumed: bool = False


#: What the camera is read for: the welcome screen's QR scan, the device check's preview and
#: indicators, or nothing (the recorder owns the devices in the interview).
ViewMode = Literal["off", "welcome", "device_check"]


@dataclass(frozen=True, slots=True, eq=False)
class PreviewFrame:
    """The latest camera picture and live readings, for a preview on screen.

    The image is mirrored (candidates expect a mirror) and small (a preview, not a recording);
    nobody paints on it, so it is as immutable as the rest. A frame that arrives after a newer
    one was taken is dropped, never queued.
    """

    mode: ViewMode
    #: None when the camera gives no picture.
    image: QImage | None
    brightness: float | None = None
    #: Peak level of the latest audio block, dBFS (device check only).
    level_dbfs: float | None = None
    #: The face's framing (None: no face model, or the welcome screen's preview).
    face: FaceFraming | None = None
    #: True while the device check listens for "I am ready".
    listening: bool = False
    #: Whether a face model frames the face (False: analysis off, or the model failed).
    face_check: bool = False


@dataclass(frozen=True, slots=True)
class HeardSpeech:
    """What the speech model heard during the microphone check: shown, then forgotten (it is
    never stored or logged, and its text is left out of ``repr``)."""

    #: False when this terminal has no speech model for the language (analysis off).
    available: bool
    text: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class EngineCallbacks:
    """Hooks :func:`kiosk.app.assemble` takes; the host turns them into signals."""

    on_finalise: Callable[[FinishedInterview], None]
    on_notice: Callable[[str], None]


#: Builds the kiosk (on the worker thread), wiring in the callbacks.
KioskFactory = Callable[[EngineCallbacks], Kiosk]


def kiosk_factory(
    config: KioskConfig,
    *,
    clock: Clock,
    camera: Camera,
    microphone: Microphone,
    periodic_purge: bool = True,
) -> KioskFactory:
    """The factory the app, its tests and the benchmark all give :class:`EngineHost`: the
    kiosk assembled from ``config`` with these devices and the host's callbacks."""

    def factory(callbacks: EngineCallbacks) -> Kiosk:
        return assemble(
            config,
            clock=clock,
            camera=camera,
            microphone=microphone,
            on_finalise=callbacks.on_finalise,
            on_notice=callbacks.on_notice,
            periodic_purge=periodic_purge,
        )

    return factory


class CandidateVoice(Protocol):
    """What "the candidate" says into a replay microphone (``kiosk run --replay``, tests).

    Called on the worker thread; a real microphone hears the real candidate and needs none.
    """

    def device_check(self) -> None:
        """The candidate is about to say "I am ready" for the microphone check."""

    def answer(self, question_id: str) -> None:
        """The candidate starts speaking an answer to ``question_id``."""
