"""The candidate journey as a pure function: ``(state, event, now) -> (state, effects)``.

No I/O, no clock reads, no randomness: the runner supplies ``now`` from an injected clock and
carries out the effects. That makes every transition testable on its own and lets a restarted
process continue from the persisted state (see :func:`resume`).
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.engine.state import (
    Abandon,
    CheckIn,
    Choose,
    CloseSession,
    CompletedAnswer,
    Continue,
    Decline,
    DeviceCheckPassed,
    DeviceLost,
    DeviceRestored,
    DiscardRecording,
    Effect,
    Event,
    Finalise,
    FinishAnswer,
    GiveConsent,
    InterviewState,
    Notice,
    OpenSession,
    Outcome,
    Proceed,
    RecordConsent,
    Reset,
    Retake,
    Stage,
    StartAnswer,
    StartRecording,
    StopRecording,
    Tick,
)
from kiosk.errors import ErrorKind, KioskError

Transition = tuple[InterviewState, tuple[Effect, ...]]


class TransitionError(KioskError):
    """An event that the current stage does not accept (e.g. a stale double tap)."""

    default_kind = ErrorKind.INVALID_INPUT


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """Timings and limits of the journey that do not come from the question bank."""

    review_seconds: float = 30.0  # time to choose retake or continue before continuing
    done_seconds: float = 30.0  # the thank-you screen, then reset
    declined_seconds: float = 20.0  # the "a recruiter will contact you" screen, then reset
    device_retry_limit: int = 3  # question restarts after device loss before giving up


_RECORDING_STAGES = (Stage.ANSWER, Stage.PRACTICE_ANSWER)


def transition(
    state: InterviewState, event: Event, now: float, settings: EngineSettings = EngineSettings()
) -> Transition:
    """The next state and the effects of ``event`` at clock time ``now``.

    Raises :class:`TransitionError` if the stage does not accept the event.
    """
    stage = state.stage
    if isinstance(event, Tick):
        return _tick(state, now, settings)
    if isinstance(event, CheckIn) and stage is Stage.WELCOME:
        return (
            InterviewState(
                stage=Stage.GREETING,
                session_id=event.session_id,
                position_id=event.position_id,
                language=event.language,
                practice=event.practice,
                questions=event.questions,
                started_at=now,
                stage_started=now,
            ),
            (OpenSession(event.session_id),),
        )
    if isinstance(event, Proceed) and stage is Stage.GREETING:
        return _enter(state, Stage.CONSENT, now), ()
    if isinstance(event, GiveConsent) and stage is Stage.CONSENT:
        consented = state.evolve(face_consent=event.face_analysis)
        return _enter(consented, Stage.DEVICE_CHECK, now), (
            RecordConsent(event.notice_version, event.face_analysis),
        )
    if isinstance(event, Decline) and stage is Stage.CONSENT:
        return _enter(state, Stage.DECLINED, now, settings.declined_seconds), ()
    if isinstance(event, DeviceCheckPassed) and stage is Stage.DEVICE_CHECK:
        return _enter_prep(state, now, practice=True)
    if isinstance(event, StartAnswer) and stage in (Stage.PREP, Stage.PRACTICE_PREP):
        return _start_answer(state, now)
    if isinstance(event, FinishAnswer) and stage in _RECORDING_STAGES:
        if state.current.mode == "choice":
            raise TransitionError("a multiple-choice item is finished by choosing an option")
        return _finish_answer(state, now, settings, timed_out=False)
    if isinstance(event, Choose) and stage is Stage.ANSWER and state.current.mode == "choice":
        return _finish_answer(state, now, settings, timed_out=False, choice=event.option)
    if isinstance(event, Retake) and stage is Stage.REVIEW:
        if state.attempt > state.current.retakes:
            raise TransitionError("no retakes left for this question")
        return _enter_prep(state.evolve(attempt=state.attempt + 1), now)
    if isinstance(event, Continue) and stage is Stage.REVIEW:
        return _next_question(state, now, settings)
    if isinstance(event, DeviceLost):
        return _device_lost(state, event, now, settings)
    if isinstance(event, DeviceRestored) and stage is Stage.PAUSED:
        return _device_restored(state, now)
    if isinstance(event, Abandon) and stage is not Stage.WELCOME:
        if stage.is_closing:
            return _close(state)
        return _close(state, "interrupted", _stop_if_recording(state))
    if isinstance(event, Reset) and stage.is_closing:
        return _close(state)
    raise TransitionError(f"stage {stage.value} does not accept {type(event).__name__}")


def resume(
    state: InterviewState, now: float, settings: EngineSettings = EngineSettings()
) -> Transition:
    """Where a restarted process continues a persisted session.

    A completed answer is never lost; an unfinished one is asked again (its partial recording is
    discarded). Timers restart, since the candidate lost time to the crash.
    """
    stage = state.stage
    if stage is Stage.WELCOME:
        return state, ()
    if stage.is_closing:
        return _close(state)
    if stage in (Stage.PRACTICE_PREP, Stage.PRACTICE_ANSWER) or (
        stage is Stage.PAUSED and state.paused_from in (Stage.PRACTICE_PREP, Stage.PRACTICE_ANSWER)
    ):
        return _enter_prep(state.evolve(paused_from=None), now, practice=True)
    if stage in (Stage.PREP, Stage.ANSWER, Stage.PAUSED) and state.paused_from is not Stage.DEVICE_CHECK:
        effects: tuple[Effect, ...] = ()
        if stage is Stage.ANSWER or state.paused_from is Stage.ANSWER:
            effects = (DiscardRecording(state.index, state.attempt),)
        prep, more = _enter_prep(state.evolve(paused_from=None), now)
        return prep, effects + more
    if stage is Stage.PAUSED:
        return _enter(state.evolve(paused_from=None), Stage.DEVICE_CHECK, now), ()
    if stage is Stage.REVIEW:
        return _enter(state, Stage.REVIEW, now, settings.review_seconds), ()
    return _enter(state, stage, now), ()


# ---------------------------------------------------------------------------------------------


def _enter(
    state: InterviewState, stage: Stage, now: float, seconds: float | None = None
) -> InterviewState:
    deadline = None if seconds is None else now + seconds
    return state.evolve(stage=stage, stage_started=now, deadline=deadline)


def _enter_prep(state: InterviewState, now: float, practice: bool = False) -> Transition:
    stage = Stage.PRACTICE_PREP if practice else Stage.PREP
    entered = _enter(state, stage, now)
    question = entered.current
    if question.mode == "choice" or question.prep_seconds <= 0:
        return _start_answer(entered, now)
    return entered.evolve(deadline=now + question.prep_seconds), ()


def _start_answer(state: InterviewState, now: float) -> Transition:
    practice = state.stage is Stage.PRACTICE_PREP
    stage = Stage.PRACTICE_ANSWER if practice else Stage.ANSWER
    question = state.current
    answering = _enter(state, stage, now, question.answer_seconds)
    if question.mode == "choice":
        return answering, ()
    return answering, (StartRecording(state.index, question.question_id, state.attempt, practice),)


def _finish_answer(
    state: InterviewState,
    now: float,
    settings: EngineSettings,
    *,
    timed_out: bool,
    choice: int | None = None,
) -> Transition:
    question = state.current
    if state.stage is Stage.PRACTICE_ANSWER:
        stop = StopRecording(state.index, question.question_id, state.attempt, False, True)
        prep, starts = _enter_prep(state.evolve(index=0, attempt=1), now)
        return prep, (stop, *starts)
    seconds = max(0.0, now - (state.stage_started or now))
    answer = CompletedAnswer(state.index, question.question_id, state.attempt, seconds, timed_out, choice)
    replaced = state.answer_at(state.index)
    kept = tuple(a for a in state.answers if a.index != state.index) + (answer,)
    effects: list[Effect] = []
    if question.mode == "spoken":
        effects.append(StopRecording(state.index, question.question_id, state.attempt, True))
    if replaced is not None and replaced.attempt != state.attempt:
        effects.append(DiscardRecording(state.index, replaced.attempt))
    answered = state.evolve(answers=kept, device_restarts=0)
    if question.mode == "spoken" and state.attempt <= question.retakes:
        return _enter(answered, Stage.REVIEW, now, settings.review_seconds), tuple(effects)
    nxt, more = _next_question(answered, now, settings)
    return nxt, (*effects, *more)


def _next_question(state: InterviewState, now: float, settings: EngineSettings) -> Transition:
    if state.index + 1 >= len(state.questions):
        return _enter(state, Stage.DONE, now, settings.done_seconds), (Finalise(),)
    return _enter_prep(state.evolve(index=state.index + 1, attempt=1), now)


def _stop_if_recording(state: InterviewState) -> tuple[Effect, ...]:
    if state.stage not in _RECORDING_STAGES or state.current.mode != "spoken":
        return ()
    q = state.current
    practice = state.stage is Stage.PRACTICE_ANSWER
    return (
        StopRecording(state.index, q.question_id, state.attempt, False, practice),
        DiscardRecording(state.index, state.attempt),
    )


def _device_lost(
    state: InterviewState, event: DeviceLost, now: float, settings: EngineSettings
) -> Transition:
    pausable = (Stage.DEVICE_CHECK, Stage.PRACTICE_PREP, Stage.PRACTICE_ANSWER, Stage.PREP, Stage.ANSWER)
    if state.stage not in pausable:
        # Outside capture a lost device matters only when it is next needed.
        return state, (Notice(f"{event.device}_lost"),)
    effects = _stop_if_recording(state) + (Notice(f"{event.device}_lost"),)
    restarts = state.device_restarts + 1
    if restarts > settings.device_retry_limit:
        return _close(state.evolve(device_restarts=restarts), "interrupted", effects)
    paused = _enter(state.evolve(device_restarts=restarts, paused_from=state.stage), Stage.PAUSED, now)
    return paused, effects


def _device_restored(state: InterviewState, now: float) -> Transition:
    origin = state.paused_from
    cleared = state.evolve(paused_from=None)
    if origin is Stage.DEVICE_CHECK:
        return _enter(cleared, Stage.DEVICE_CHECK, now), ()
    # The interrupted answer is asked again from its preparation, as the same attempt.
    practice = origin in (Stage.PRACTICE_PREP, Stage.PRACTICE_ANSWER)
    return _enter_prep(cleared, now, practice=practice)


def _tick(state: InterviewState, now: float, settings: EngineSettings) -> Transition:
    if state.deadline is None or now < state.deadline:
        return state, ()
    stage = state.stage
    if stage in (Stage.PREP, Stage.PRACTICE_PREP):
        return _start_answer(state, now)
    if stage in _RECORDING_STAGES:
        return _finish_answer(state, now, settings, timed_out=True)
    if stage is Stage.REVIEW:
        return _next_question(state, now, settings)
    if stage.is_closing:
        return _close(state)
    return state, ()


def _close(
    state: InterviewState, outcome: Outcome | None = None, effects: tuple[Effect, ...] = ()
) -> Transition:
    """End the session: from a closing stage straight to WELCOME, else via ``outcome``."""
    if state.session_id is None:
        return InterviewState(), effects
    final = outcome or _CLOSING_OUTCOMES.get(state.stage, "interrupted")
    return InterviewState(), (*effects, CloseSession(state.session_id, final))


_CLOSING_OUTCOMES: dict[Stage, Outcome] = {Stage.DONE: "completed", Stage.DECLINED: "declined"}
