"""The interview state machine, one transition at a time (pure: no I/O, no clock)."""

from __future__ import annotations

import pytest

from kiosk.engine import (
    Abandon,
    CheckIn,
    Choose,
    CloseSession,
    Continue,
    Decline,
    DeviceCheckPassed,
    DeviceLost,
    DeviceRestored,
    DiscardRecording,
    EngineSettings,
    Event,
    Finalise,
    FinishAnswer,
    GiveConsent,
    InterviewState,
    Notice,
    OpenSession,
    PlannedQuestion,
    Proceed,
    RecordConsent,
    Reset,
    Retake,
    Stage,
    StartAnswer,
    StartRecording,
    StopRecording,
    Tick,
    TransitionError,
    resume,
    transition,
)

PRACTICE = PlannedQuestion("practice", "practice", 10, 30, 0)
QUESTIONS = (
    PlannedQuestion("intro", "self_intro", 20, 90, 0),
    PlannedQuestion("team", "behavioural", 30, 120, 1),
    PlannedQuestion("mcq", "ability_mcq", 0, 60, 0),
    PlannedQuestion("situ", "situational", 0, 90, 2),
)
SETTINGS = EngineSettings(
    review_seconds=30, done_seconds=30, declined_seconds=20, device_retry_limit=2
)


class Journey:
    """Applies events at a moving time and keeps every effect."""

    def __init__(self) -> None:
        self.state = InterviewState()
        self.now = 1000.0
        self.effects: list[object] = []

    def do(self, event: Event, after: float = 1.0) -> InterviewState:
        self.now += after
        self.state, effects = transition(self.state, event, self.now, SETTINGS)
        self.effects.extend(effects)
        return self.state

    def last(self, kind: type) -> object:
        return [e for e in self.effects if isinstance(e, kind)][-1]


def checked_in() -> Journey:
    j = Journey()
    j.do(CheckIn("s1", "pos", "en", PRACTICE, QUESTIONS))
    return j


def at_first_question() -> Journey:
    j = checked_in()
    j.do(Proceed())
    j.do(GiveConsent("v1", face_analysis=True))
    j.do(DeviceCheckPassed())
    j.do(StartAnswer())
    j.do(FinishAnswer(), after=5)
    return j


def test_check_in_opens_a_session_and_greets() -> None:
    j = checked_in()
    assert j.state.stage is Stage.GREETING
    assert j.state.session_id == "s1"
    assert j.effects == [OpenSession("s1")]


def test_consent_records_face_consent_and_goes_to_device_check() -> None:
    j = checked_in()
    j.do(Proceed())
    assert j.state.stage is Stage.CONSENT
    j.do(GiveConsent("v1", face_analysis=True))
    assert j.state.stage is Stage.DEVICE_CHECK
    assert j.state.face_consent
    assert j.last(RecordConsent) == RecordConsent("v1", True)


def test_decline_records_nothing_and_resets_after_its_timeout() -> None:
    j = checked_in()
    j.do(Proceed())
    j.do(Decline())
    assert j.state.stage is Stage.DECLINED
    assert not [e for e in j.effects if isinstance(e, (RecordConsent, StartRecording))]
    j.do(Tick(), after=19)
    assert j.state.stage is Stage.DECLINED
    j.do(Tick(), after=2)
    assert j.state.stage is Stage.WELCOME
    assert j.last(CloseSession) == CloseSession("s1", "declined")


def test_practice_is_recorded_and_thrown_away() -> None:
    j = checked_in()
    j.do(Proceed())
    j.do(GiveConsent("v1"))
    j.do(DeviceCheckPassed())
    assert j.state.stage is Stage.PRACTICE_PREP
    assert j.state.current == PRACTICE
    j.do(StartAnswer())
    assert j.state.stage is Stage.PRACTICE_ANSWER
    assert j.last(StartRecording) == StartRecording(0, "practice", 1, True)
    j.do(FinishAnswer())
    assert j.last(StopRecording) == StopRecording(0, "practice", 1, False, True)
    assert j.state.stage is Stage.PREP
    assert j.state.current.question_id == "intro"
    assert j.state.answers == ()


def test_prep_timeout_starts_the_answer_and_answer_timeout_finishes_it() -> None:
    j = at_first_question()
    assert j.state.deadline == pytest.approx(j.now + 20)
    j.do(Tick(), after=19.9)
    assert j.state.stage is Stage.PREP
    j.do(Tick(), after=0.2)
    assert j.state.stage is Stage.ANSWER
    assert j.last(StartRecording) == StartRecording(0, "intro", 1, False)
    j.do(Tick(), after=90)
    # No retakes for the intro: straight on to the next question's preparation.
    assert j.state.stage is Stage.PREP and j.state.index == 1
    answer = j.state.answer_at(0)
    assert answer is not None and answer.timed_out and answer.seconds == pytest.approx(90)


def test_retake_replaces_the_answer_only_when_the_retake_is_complete() -> None:
    j = at_first_question()
    j.do(StartAnswer())
    j.do(FinishAnswer(), after=40)  # intro, no review
    j.do(StartAnswer())
    j.do(FinishAnswer(), after=50)
    assert j.state.stage is Stage.REVIEW and j.state.index == 1
    first = j.state.answer_at(1)
    assert first is not None and first.attempt == 1
    j.do(Retake())
    assert j.state.stage is Stage.PREP and j.state.attempt == 2
    assert j.state.answer_at(1) == first  # kept until the retake completes
    j.do(StartAnswer())
    j.do(FinishAnswer(), after=60)
    second = j.state.answer_at(1)
    assert second is not None and second.attempt == 2 and second.seconds == pytest.approx(60)
    assert j.last(DiscardRecording) == DiscardRecording(1, 1)
    # The policy allows one retake, so no review: on to the multiple-choice item (no prep).
    assert j.state.stage is Stage.ANSWER and j.state.index == 2


def test_no_retake_beyond_policy() -> None:
    j = at_first_question()
    j.do(StartAnswer())
    j.do(FinishAnswer())
    j.do(StartAnswer())
    j.do(FinishAnswer())
    j.do(Retake())
    j.do(StartAnswer())
    with pytest.raises(TransitionError):
        j.do(Retake())


def test_review_timeout_continues() -> None:
    j = at_first_question()
    j.do(StartAnswer())
    j.do(FinishAnswer())
    j.do(StartAnswer())
    j.do(FinishAnswer())
    assert j.state.stage is Stage.REVIEW
    j.do(Tick(), after=31)
    assert j.state.stage is Stage.ANSWER and j.state.index == 2  # the mcq has no prep


def test_multiple_choice_is_answered_by_choosing_and_not_recorded() -> None:
    j = at_first_question()
    for _ in range(2):
        j.do(StartAnswer())
        j.do(FinishAnswer())
    j.do(Continue())
    assert j.state.stage is Stage.ANSWER and j.state.current.mode == "choice"
    with pytest.raises(TransitionError):
        j.do(FinishAnswer())
    j.do(Choose(2))
    answer = j.state.answer_at(2)
    assert answer is not None and answer.choice == 2
    assert not [
        e for e in j.effects if isinstance(e, (StartRecording, StopRecording)) and e.index == 2
    ]
    # The situational question has no prep time: its answer starts at once.
    assert j.state.stage is Stage.ANSWER and j.state.index == 3


def test_last_answer_finalises_and_done_resets() -> None:
    j = at_first_question()
    for _ in range(2):
        j.do(StartAnswer())
        j.do(FinishAnswer())
    j.do(Continue())
    j.do(Choose(0))
    j.do(FinishAnswer())
    j.do(Continue())
    assert j.state.stage is Stage.DONE
    assert isinstance(j.effects[-1], Finalise)
    assert [a.index for a in j.state.answers] == [0, 1, 2, 3]
    j.do(Reset())
    assert j.state == InterviewState()
    assert j.last(CloseSession) == CloseSession("s1", "completed")


def test_device_lost_mid_answer_pauses_and_asks_again() -> None:
    j = at_first_question()
    j.do(StartAnswer())
    j.do(DeviceLost("camera"), after=10)
    assert j.state.stage is Stage.PAUSED and j.state.paused_from is Stage.ANSWER
    assert j.effects[-3:] == [
        StopRecording(0, "intro", 1, False),
        DiscardRecording(0, 1),
        Notice("camera_lost"),
    ]
    j.do(DeviceRestored())
    assert j.state.stage is Stage.PREP and j.state.index == 0 and j.state.attempt == 1
    assert j.state.answers == ()


def test_device_lost_too_often_interrupts_the_session() -> None:
    j = at_first_question()
    for _ in range(SETTINGS.device_retry_limit):
        j.do(StartAnswer())
        j.do(DeviceLost("microphone"))
        j.do(DeviceRestored())
    j.do(StartAnswer())
    j.do(DeviceLost("microphone"))
    assert j.state.stage is Stage.WELCOME
    assert j.last(CloseSession) == CloseSession("s1", "interrupted")


def test_device_lost_outside_capture_only_notifies() -> None:
    j = checked_in()
    j.do(DeviceLost("camera"))
    assert j.state.stage is Stage.GREETING
    assert j.effects[-1] == Notice("camera_lost")


def test_abandon_mid_answer_discards_it_and_interrupts() -> None:
    j = at_first_question()
    j.do(StartAnswer())
    j.do(Abandon())
    assert j.state.stage is Stage.WELCOME
    assert DiscardRecording(0, 1) in j.effects
    assert j.last(CloseSession) == CloseSession("s1", "interrupted")


@pytest.mark.parametrize(
    ("stage", "event"),
    [
        (Stage.WELCOME, Proceed()),
        (Stage.WELCOME, Abandon()),
        (Stage.GREETING, StartAnswer()),
        (Stage.CONSENT, DeviceCheckPassed()),
        (Stage.PREP, Retake()),
        (Stage.ANSWER, Continue()),
        (Stage.REVIEW, Choose(1)),
        (Stage.DONE, StartAnswer()),
        (Stage.PAUSED, FinishAnswer()),
    ],
)
def test_events_a_stage_does_not_accept_are_refused(stage: Stage, event: Event) -> None:
    state = InterviewState(stage=stage, session_id="s", questions=QUESTIONS, practice=PRACTICE)
    with pytest.raises(TransitionError):
        transition(state, event, 0.0, SETTINGS)


def _journey_until(stage: Stage, index: int = 1) -> InterviewState:
    j = at_first_question()
    j.do(StartAnswer())
    j.do(FinishAnswer())
    assert j.state.index == 1
    steps: dict[Stage, list[Event]] = {
        Stage.PREP: [],
        Stage.ANSWER: [StartAnswer()],
        Stage.REVIEW: [StartAnswer(), FinishAnswer()],
        Stage.PAUSED: [StartAnswer(), DeviceLost("camera")],
    }
    for event in steps[stage]:
        j.do(event)
    assert j.state.stage is stage and j.state.index == index
    return j.state


@pytest.mark.parametrize("stage", [Stage.PREP, Stage.ANSWER, Stage.PAUSED])
def test_resume_asks_an_unfinished_answer_again_and_keeps_completed_ones(stage: Stage) -> None:
    saved = _journey_until(stage)
    state, effects = resume(saved, 5000.0, SETTINGS)
    assert state.stage is Stage.PREP and state.index == 1 and state.attempt == 1
    assert state.deadline == pytest.approx(5000.0 + 30)
    assert [a.index for a in state.answers] == [0]
    if stage is not Stage.PREP:
        assert DiscardRecording(1, 1) in effects


def test_resume_in_review_keeps_the_completed_answer() -> None:
    saved = _journey_until(Stage.REVIEW)
    state, effects = resume(saved, 5000.0, SETTINGS)
    assert state.stage is Stage.REVIEW and effects == ()
    assert [a.index for a in state.answers] == [0, 1]


@pytest.mark.parametrize("stage", [Stage.PRACTICE_PREP, Stage.PRACTICE_ANSWER])
def test_resume_in_practice_restarts_practice(stage: Stage) -> None:
    j = checked_in()
    j.do(Proceed())
    j.do(GiveConsent("v1"))
    j.do(DeviceCheckPassed())
    if stage is Stage.PRACTICE_ANSWER:
        j.do(StartAnswer())
    state, _ = resume(j.state, 5000.0, SETTINGS)
    assert state.stage is Stage.PRACTICE_PREP


@pytest.mark.parametrize("stage", [Stage.GREETING, Stage.CONSENT, Stage.DEVICE_CHECK])
def test_resume_before_questions_stays(stage: Stage) -> None:
    j = checked_in()
    if stage is not Stage.GREETING:
        j.do(Proceed())
    if stage is Stage.DEVICE_CHECK:
        j.do(GiveConsent("v1"))
    state, effects = resume(j.state, 5000.0, SETTINGS)
    assert state.stage is stage and effects == ()


@pytest.mark.parametrize("stage", [Stage.DONE, Stage.DECLINED])
def test_resume_of_a_closed_stage_closes_the_session(stage: Stage) -> None:
    saved = InterviewState(stage=stage, session_id="s9", questions=QUESTIONS)
    state, effects = resume(saved, 0.0, SETTINGS)
    assert state.stage is Stage.WELCOME
    outcome = "completed" if stage is Stage.DONE else "declined"
    assert effects == (CloseSession("s9", outcome),)


def test_state_round_trips_through_json() -> None:
    saved = _journey_until(Stage.PAUSED)
    assert InterviewState.from_json(saved.to_json()) == saved
