"""The interview's state, events and effects: plain frozen data, persisted as JSON.

Nothing here is personal data: the state names questions, stages, attempt counts and times. Who
the candidate is lives in the vault, keyed by the session id.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field, replace
from typing import Any, ClassVar, Literal


class Stage(enum.Enum):
    """Where the candidate is in the journey. See docs/engine.md for the transition table."""

    WELCOME = "welcome"  # idle terminal, no session
    GREETING = "greeting"  # checked in: a personal welcome for the position
    CONSENT = "consent"
    DECLINED = "declined"  # declined the AI interview; a human interview is requested
    DEVICE_CHECK = "device_check"
    PRACTICE_PREP = "practice_prep"
    PRACTICE_ANSWER = "practice_answer"
    PREP = "prep"
    ANSWER = "answer"
    REVIEW = "review"  # answer complete; retake or go on
    PAUSED = "paused"  # a device was lost; waiting for it to come back
    DONE = "done"
    INTERRUPTED = "interrupted"  # abandoned, or devices failed too often

    @property
    def is_closing(self) -> bool:
        """The session has ended; the only way on is back to WELCOME."""
        return self in (Stage.DECLINED, Stage.DONE, Stage.INTERRUPTED)


Outcome = Literal["completed", "declined", "interrupted"]
AnswerMode = Literal["spoken", "choice"]


@dataclass(frozen=True, slots=True)
class PlannedQuestion:
    """What the engine needs to know of a question: its timings and retake policy."""

    question_id: str
    kind: str
    prep_seconds: float
    answer_seconds: float
    retakes: int

    @property
    def mode(self) -> AnswerMode:
        """Spoken answers are recorded; multiple-choice items are answered on the screen."""
        return "choice" if self.kind == "ability_mcq" else "spoken"


@dataclass(frozen=True, slots=True)
class CompletedAnswer:
    """An answer the candidate finished. A later attempt at the same index replaces it."""

    index: int
    question_id: str
    attempt: int
    seconds: float
    timed_out: bool
    choice: int | None = None


@dataclass(frozen=True, slots=True)
class InterviewState:
    """The whole state of the terminal's current interview."""

    stage: Stage = Stage.WELCOME
    session_id: str | None = None
    position_id: str | None = None
    language: str = "en"
    practice: PlannedQuestion | None = None
    questions: tuple[PlannedQuestion, ...] = ()
    index: int = 0  # the question being prepared/answered/reviewed
    attempt: int = 1  # 1 + retakes used at this index
    answers: tuple[CompletedAnswer, ...] = ()
    deadline: float | None = None  # clock time at which the current stage times out
    stage_started: float | None = None
    paused_from: Stage | None = None
    device_restarts: int = 0
    face_consent: bool = False
    started_at: float | None = None
    # Accommodations chosen on the personal welcome, before consent. Kept in the state so a
    # session resumed after a crash keeps them; the question timings above already include
    # ``time_factor`` (it is recorded so that a changed choice re-plans from the bank's times).
    extra_time: bool = False
    text_answers: bool = False
    time_factor: float = 1.0

    @property
    def typing(self) -> bool:
        """The current answer is typed, not spoken (the text-answer accommodation applies to
        spoken questions; multiple-choice items are tapped either way)."""
        return self.text_answers and self.current.mode == "spoken"

    @property
    def current(self) -> PlannedQuestion:
        """The question at ``index`` (practice during the practice stages)."""
        if self.stage in (Stage.PRACTICE_PREP, Stage.PRACTICE_ANSWER) or (
            self.stage is Stage.PAUSED
            and self.paused_from in (Stage.PRACTICE_PREP, Stage.PRACTICE_ANSWER)
        ):
            if self.practice is None:
                raise ValueError("no practice question in this state")
            return self.practice
        return self.questions[self.index]

    def answer_at(self, index: int) -> CompletedAnswer | None:
        """The kept answer for question ``index``, if any."""
        return next((a for a in self.answers if a.index == index), None)

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict; :meth:`from_json` reverses it."""
        data = asdict(self)
        data["stage"] = self.stage.value
        data["paused_from"] = self.paused_from.value if self.paused_from else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InterviewState:
        """Rebuild a state persisted with :meth:`to_json`."""
        practice = data.get("practice")
        return cls(
            stage=Stage(data["stage"]),
            session_id=data.get("session_id"),
            position_id=data.get("position_id"),
            language=data.get("language", "en"),
            practice=PlannedQuestion(**practice) if practice else None,
            questions=tuple(PlannedQuestion(**q) for q in data.get("questions", ())),
            index=int(data.get("index", 0)),
            attempt=int(data.get("attempt", 1)),
            answers=tuple(CompletedAnswer(**a) for a in data.get("answers", ())),
            deadline=data.get("deadline"),
            stage_started=data.get("stage_started"),
            paused_from=Stage(data["paused_from"]) if data.get("paused_from") else None,
            device_restarts=int(data.get("device_restarts", 0)),
            face_consent=bool(data.get("face_consent", False)),
            started_at=data.get("started_at"),
            # States saved before accommodations existed have none.
            extra_time=bool(data.get("extra_time", False)),
            text_answers=bool(data.get("text_answers", False)),
            time_factor=float(data.get("time_factor", 1.0)),
        )

    def evolve(self, **changes: Any) -> InterviewState:
        """A copy with ``changes`` applied."""
        return replace(self, **changes)


# ---------------------------------------------------------------------------------------------
# Events: what happened. The UI, the devices and the clock produce them.


@dataclass(frozen=True, slots=True)
class Event:
    """Base of all events."""


@dataclass(frozen=True, slots=True)
class CheckIn(Event):
    """A candidate checked in (invitation code or walk-in) and their questions were planned."""

    session_id: str
    position_id: str
    language: str
    practice: PlannedQuestion
    questions: tuple[PlannedQuestion, ...]


@dataclass(frozen=True, slots=True)
class Proceed(Event):
    """The candidate tapped "continue" on the personal welcome."""


@dataclass(frozen=True, slots=True)
class ChooseAccommodations(Event):
    """On the personal welcome, the candidate chose (or un-chose) accommodations.

    ``extra_time`` multiplies every preparation and answer time by the terminal's factor;
    ``text_answers`` has spoken questions answered by typing. Nothing is recorded then: no
    audio, no video, and so no device check either.
    """

    extra_time: bool = False
    text_answers: bool = False


@dataclass(frozen=True, slots=True)
class TypeAnswer(Event):
    """The typed answer so far (the screen sends it as the candidate types).

    Personal data: the engine never puts it in the state, so it is never persisted in the
    clear; the runner keeps the latest text in memory and seals it when the answer ends.
    ``repr=False`` keeps it out of any log line that prints the event.
    """

    text: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class GiveConsent(Event):
    """The candidate agreed to the notice; ``face_analysis`` is the separate face-data consent."""

    notice_version: str
    face_analysis: bool = False


@dataclass(frozen=True, slots=True)
class Decline(Event):
    """The candidate declined the AI interview (no penalty: a human interview is requested)."""


@dataclass(frozen=True, slots=True)
class DeviceCheckPassed(Event):
    """Camera framing, light and microphone level are good enough."""


@dataclass(frozen=True, slots=True)
class StartAnswer(Event):
    """The candidate is ready before the preparation time ran out."""


@dataclass(frozen=True, slots=True)
class FinishAnswer(Event):
    """The candidate tapped "I'm done" (or the analysis heard a long final silence)."""


@dataclass(frozen=True, slots=True)
class Choose(Event):
    """The candidate picked option ``option`` of a multiple-choice item."""

    option: int


@dataclass(frozen=True, slots=True)
class Retake(Event):
    """The candidate wants to answer this question again (if the policy allows)."""


@dataclass(frozen=True, slots=True)
class Continue(Event):
    """The candidate keeps the answer and goes on."""


@dataclass(frozen=True, slots=True)
class DeviceLost(Event):
    """The camera or microphone stopped working."""

    device: Literal["camera", "microphone"]


@dataclass(frozen=True, slots=True)
class DeviceRestored(Event):
    """The lost device works again (reopened by the runner or a staff member)."""


@dataclass(frozen=True, slots=True)
class Abandon(Event):
    """Nobody has touched the terminal for the inactivity period."""


@dataclass(frozen=True, slots=True)
class Reset(Event):
    """Back to the welcome screen after the session closed."""


@dataclass(frozen=True, slots=True)
class Tick(Event):
    """Time passed; stages whose deadline is due move on."""


# ---------------------------------------------------------------------------------------------
# Effects: what the runner must do. ``after_commit`` effects destroy data, so they run only once
# the new state is persisted; the others finish or start work and run before it.


@dataclass(frozen=True, slots=True)
class Effect:
    """Base of all effects."""

    after_commit: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class OpenSession(Effect):
    """Create the session record."""

    session_id: str


@dataclass(frozen=True, slots=True)
class RecordConsent(Effect):
    """Store the consent record (notice version, time, face-analysis consent)."""

    notice_version: str
    face_analysis: bool


@dataclass(frozen=True, slots=True)
class StartRecording(Effect):
    """Start capturing audio and video for an attempt."""

    index: int
    question_id: str
    attempt: int
    practice: bool = False


@dataclass(frozen=True, slots=True)
class StopRecording(Effect):
    """Stop capturing; ``keep`` False throws the recording away (practice)."""

    index: int
    question_id: str
    attempt: int
    keep: bool
    practice: bool = False


@dataclass(frozen=True, slots=True)
class TypedDraft(Effect):
    """Keep ``text`` (in memory only) as the typed answer of this attempt so far."""

    index: int
    attempt: int
    practice: bool
    text: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class StopTyping(Effect):
    """A typed answer ended: ``keep`` seals its text in the vault; otherwise it is dropped."""

    index: int
    question_id: str
    attempt: int
    keep: bool
    practice: bool = False


@dataclass(frozen=True, slots=True)
class DiscardRecording(Effect):
    """Delete an attempt's recording or typed answer (an interrupted one, or one a retake
    replaced)."""

    index: int
    attempt: int
    after_commit: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Finalise(Effect):
    """All questions answered: produce the result and the receipt."""


@dataclass(frozen=True, slots=True)
class CloseSession(Effect):
    """The session ended with ``outcome``; remove its working files and clear the screen."""

    session_id: str
    outcome: Outcome
    after_commit: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Notice(Effect):
    """Something the screen should tell the candidate (e.g. a device was lost)."""

    kind: str
