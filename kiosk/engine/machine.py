"""The candidate journey as a pure function: ``(state, event, now) -> (state, effects)``.

No I/O, no clock reads, no randomness: the runner supplies ``now`` from an injected clock and
carries out the effects. That makes every transition testable on its own and lets a restarted
process continue from the persisted state (see :func:`resume`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from kiosk.engine.state import (
    Abandon,
    CheckIn,
    Choose,
    ChooseAccommodations,
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
    PlannedQuestion,
    Proceed,
    RecordConsent,
    Reset,
    Retake,
    Stage,
    StartAnswer,
    StartRecording,
    StopRecording,
    StopTyping,
    Tick,
    TypeAnswer,
    TypedDraft,
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
    #: The extra-time accommodation multiplies every preparation and answer time by this.
    extra_time_factor: float = 1.5
    #: Whether this terminal offers the text-answer accommodation at all.
    text_answers_offered: bool = True


_RECORDING_STAGES = (Stage.ANSWER, Stage.PRACTICE_ANSWER)
DEFAULT_SETTINGS = EngineSettings()


def transition(
    state: InterviewState, event: Event, now: float, settings: EngineSettings = DEFAULT_SETTINGS
) -> Transition:
    """The next state and the effects of ``event`` at clock time ``now``.

    Raises :class:`TransitionError` if the stage does not accept the event.
    """
    handler = _ANY_STAGE.get(type(event)) or _TABLE.get((type(event), state.stage))
    if handler is None:
        raise TransitionError(f"stage {state.stage.value} does not accept {type(event).__name__}")
    return handler(state, event, now, settings)


# ---------------------------------------------------------------------------------------------
# One handler per (event, stage) pair; docs/engine.md has the same table for people.

Handler = Callable[[InterviewState, Any, float, EngineSettings], Transition]


def _check_in(state: InterviewState, event: CheckIn, now: float, _: EngineSettings) -> Transition:
    greeting = InterviewState(
        stage=Stage.GREETING,
        session_id=event.session_id,
        position_id=event.position_id,
        language=event.language,
        practice=event.practice,
        questions=event.questions,
        started_at=now,
        stage_started=now,
    )
    return greeting, (OpenSession(event.session_id),)


def _proceed(state: InterviewState, _: Proceed, now: float, __: EngineSettings) -> Transition:
    return _enter(state, Stage.CONSENT, now), ()


def _accommodate(
    state: InterviewState, event: ChooseAccommodations, now: float, settings: EngineSettings
) -> Transition:
    if event.text_answers and not settings.text_answers_offered:
        raise TransitionError("this terminal does not offer text answers")
    factor = settings.extra_time_factor if event.extra_time else 1.0
    # Re-planned from the bank's times (the current ones divided by the factor they carry), so
    # choosing, un-choosing and choosing again never compounds. Milliseconds are plenty.
    rescale = factor / state.time_factor

    def scaled(q: PlannedQuestion) -> PlannedQuestion:
        return replace(
            q,
            prep_seconds=round(q.prep_seconds * rescale, 3),
            answer_seconds=round(q.answer_seconds * rescale, 3),
        )

    chosen = state.evolve(
        extra_time=event.extra_time,
        text_answers=event.text_answers,
        time_factor=factor,
        practice=None if state.practice is None else scaled(state.practice),
        questions=tuple(scaled(q) for q in state.questions),
    )
    return chosen, ()


def _consent(
    state: InterviewState, event: GiveConsent, now: float, _: EngineSettings
) -> Transition:
    consented = state.evolve(face_consent=event.face_analysis)
    record = RecordConsent(event.notice_version, event.face_analysis)
    if consented.text_answers:
        # Nothing is recorded when answers are typed, so there is nothing to check; and the
        # check asks the candidate to speak, which is what this accommodation spares them.
        prep, starts = _enter_prep(consented, now, practice=True)
        return prep, (record, *starts)
    return _enter(consented, Stage.DEVICE_CHECK, now), (record,)


def _decline(state: InterviewState, _: Decline, now: float, settings: EngineSettings) -> Transition:
    # Declining keeps only the fact of it: not which accommodations the candidate asked for
    # (nor the timings that would tell).
    plain = _accommodate(state, ChooseAccommodations(), now, settings)[0]
    return _enter(plain, Stage.DECLINED, now, settings.declined_seconds), ()


def _checked(state: InterviewState, _: Event, now: float, __: EngineSettings) -> Transition:
    return _enter_prep(state, now, practice=True)


def _start(state: InterviewState, _: StartAnswer, now: float, __: EngineSettings) -> Transition:
    return _start_answer(state, now)


def _finish(
    state: InterviewState, _: FinishAnswer, now: float, settings: EngineSettings
) -> Transition:
    if state.current.mode == "choice":
        raise TransitionError("a multiple-choice item is finished by choosing an option")
    return _finish_answer(state, now, settings, timed_out=False)


def _type(state: InterviewState, event: TypeAnswer, now: float, _: EngineSettings) -> Transition:
    if not state.typing:
        raise TransitionError("this answer is spoken, not typed")
    practice = state.stage is Stage.PRACTICE_ANSWER
    return state, (TypedDraft(state.index, state.attempt, practice, event.text),)


def _choose(
    state: InterviewState, event: Choose, now: float, settings: EngineSettings
) -> Transition:
    if state.current.mode != "choice":
        raise TransitionError("only a multiple-choice item is answered by choosing")
    return _finish_answer(state, now, settings, timed_out=False, choice=event.option)


def _retake(state: InterviewState, _: Retake, now: float, __: EngineSettings) -> Transition:
    if state.attempt > state.current.retakes:
        raise TransitionError("no retakes left for this question")
    return _enter_prep(state.evolve(attempt=state.attempt + 1), now)


def _continue(
    state: InterviewState, _: Continue, now: float, settings: EngineSettings
) -> Transition:
    return _next_question(state, now, settings)


def _restored(
    state: InterviewState, _: DeviceRestored, now: float, __: EngineSettings
) -> Transition:
    return _device_restored(state, now)


def _abandon(state: InterviewState, _: Abandon, now: float, __: EngineSettings) -> Transition:
    if state.stage is Stage.WELCOME:
        raise TransitionError("nothing to abandon at the welcome screen")
    if state.stage.is_closing:
        return _close(state)
    return _close(state, "interrupted", _stop_if_recording(state))


def _reset(state: InterviewState, _: Reset, now: float, __: EngineSettings) -> Transition:
    return _close(state)


def _tick_handler(
    state: InterviewState, _: Tick, now: float, settings: EngineSettings
) -> Transition:
    return _tick(state, now, settings)


def resume(
    state: InterviewState, now: float, settings: EngineSettings = DEFAULT_SETTINGS
) -> Transition:
    """Where a restarted process continues a persisted session.

    A completed answer is never lost; an unfinished one is asked again (its partial recording is
    discarded). Timers restart, since the candidate lost time to the crash.
    """
    if state.stage is Stage.WELCOME:
        return state, ()
    if state.stage.is_closing:
        return _close(state)
    # A paused session resumes where the candidate was when the device went away.
    origin = state.paused_from if state.stage is Stage.PAUSED and state.paused_from else state.stage
    cleared = state.evolve(paused_from=None)
    if origin in (Stage.PRACTICE_PREP, Stage.PRACTICE_ANSWER):
        return _enter_prep(cleared, now, practice=True)
    if origin in (Stage.PREP, Stage.ANSWER):
        discard = (DiscardRecording(state.index, state.attempt),) if origin is Stage.ANSWER else ()
        prep, starts = _enter_prep(cleared, now)
        return prep, (*discard, *starts)
    seconds = settings.review_seconds if origin is Stage.REVIEW else None
    return _enter(cleared, origin, now, seconds), ()


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
    if question.mode == "choice" or state.typing:
        return answering, ()  # nothing to record: the answer is tapped or typed on the screen
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
        stopping = StopTyping if state.typing else StopRecording
        stop = stopping(state.index, question.question_id, state.attempt, False, True)
        prep, starts = _enter_prep(state.evolve(index=0, attempt=1), now)
        return prep, (stop, *starts)
    seconds = max(0.0, now - (state.stage_started or now))
    answer = CompletedAnswer(
        state.index, question.question_id, state.attempt, seconds, timed_out, choice
    )
    replaced = state.answer_at(state.index)
    kept = (*(a for a in state.answers if a.index != state.index), answer)
    effects: list[Effect] = []
    if state.typing:
        effects.append(StopTyping(state.index, question.question_id, state.attempt, True))
    elif question.mode == "spoken":
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
    if state.typing:
        return (StopTyping(state.index, q.question_id, state.attempt, False, practice),)
    return (
        StopRecording(state.index, q.question_id, state.attempt, False, practice),
        DiscardRecording(state.index, state.attempt),
    )


def _device_lost(
    state: InterviewState, event: DeviceLost, now: float, settings: EngineSettings
) -> Transition:
    pausable = (
        Stage.DEVICE_CHECK,
        Stage.PRACTICE_PREP,
        Stage.PRACTICE_ANSWER,
        Stage.PREP,
        Stage.ANSWER,
    )
    if state.stage not in pausable or state.text_answers:
        # Outside capture a lost device matters only when it is next needed (and typed answers
        # are never captured).
        return state, (Notice(f"{event.device}_lost"),)
    effects = (*_stop_if_recording(state), Notice(f"{event.device}_lost"))
    restarts = state.device_restarts + 1
    if restarts > settings.device_retry_limit:
        return _close(state.evolve(device_restarts=restarts), "interrupted", effects)
    paused = _enter(
        state.evolve(device_restarts=restarts, paused_from=state.stage), Stage.PAUSED, now
    )
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


_TABLE: dict[tuple[type[Event], Stage], Handler] = {
    (CheckIn, Stage.WELCOME): _check_in,
    (ChooseAccommodations, Stage.GREETING): _accommodate,
    (Proceed, Stage.GREETING): _proceed,
    (GiveConsent, Stage.CONSENT): _consent,
    (Decline, Stage.CONSENT): _decline,
    (DeviceCheckPassed, Stage.DEVICE_CHECK): _checked,
    (StartAnswer, Stage.PRACTICE_PREP): _start,
    (StartAnswer, Stage.PREP): _start,
    (FinishAnswer, Stage.PRACTICE_ANSWER): _finish,
    (FinishAnswer, Stage.ANSWER): _finish,
    (TypeAnswer, Stage.PRACTICE_ANSWER): _type,
    (TypeAnswer, Stage.ANSWER): _type,
    (Choose, Stage.ANSWER): _choose,
    (Retake, Stage.REVIEW): _retake,
    (Continue, Stage.REVIEW): _continue,
    (DeviceRestored, Stage.PAUSED): _restored,
    (Reset, Stage.DECLINED): _reset,
    (Reset, Stage.DONE): _reset,
    (Reset, Stage.INTERRUPTED): _reset,
}

#: Events every stage handles itself (each handler decides what the stage does with it).
_ANY_STAGE: dict[type[Event], Handler] = {
    Tick: _tick_handler,
    DeviceLost: _device_lost,
    Abandon: _abandon,
}
