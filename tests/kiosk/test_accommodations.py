"""Accommodations chosen before consent: extra time and typed answers.

The engine part is pure (one transition at a time); the runner part uses the real kiosk: a
SQLite vault in the test's folder, replay devices, analysis on (the typed answers are scored by
the same content analysis and fusion as spoken ones), a manual clock.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware import ReplayCamera, ReplayMicrophone
from kiosk.app import Kiosk, assemble
from kiosk.bank import CandidateProfile
from kiosk.clock import ManualClock
from kiosk.config import load_config
from kiosk.consent import current_notice
from kiosk.demo import samples_dir
from kiosk.engine import (
    Abandon,
    CheckIn,
    Choose,
    ChooseAccommodations,
    CloseSession,
    Continue,
    Decline,
    DeviceCheckPassed,
    DeviceLost,
    EngineSettings,
    Event,
    FinishAnswer,
    GiveConsent,
    InterviewState,
    Notice,
    PlannedQuestion,
    Proceed,
    Retake,
    Stage,
    StartAnswer,
    StartRecording,
    StopRecording,
    StopTyping,
    Tick,
    TransitionError,
    TypeAnswer,
    TypedDraft,
    resume,
    transition,
)
from kiosk.interview import FinishedInterview
from kiosk.scoring.policy import SignalFamily
from kiosk.text_answers import is_typed

PRACTICE = PlannedQuestion("practice", "practice", 10, 30, 0)
QUESTIONS = (
    PlannedQuestion("intro", "self_intro", 20, 90, 1),
    PlannedQuestion("mcq", "ability_mcq", 0, 60, 0),
)
SETTINGS = EngineSettings(extra_time_factor=1.5)
CANARY = "Quillfeather Marmaduke"  # typed by the candidate: must never be stored in the clear


class Journey:
    """Applies events at a moving time and keeps every effect."""

    def __init__(self, settings: EngineSettings = SETTINGS) -> None:
        self.state = InterviewState()
        self.now = 1000.0
        self.settings = settings
        self.effects: list[object] = []
        self.do(CheckIn("s1", "pos", "en", PRACTICE, QUESTIONS))

    def do(self, event: Event, after: float = 1.0) -> InterviewState:
        self.now += after
        self.state, effects = transition(self.state, event, self.now, self.settings)
        self.effects.extend(effects)
        return self.state

    def of(self, kind: type) -> list[object]:
        return [e for e in self.effects if isinstance(e, kind)]


def typed_journey() -> Journey:
    j = Journey()
    j.do(ChooseAccommodations(extra_time=False, text_answers=True))
    j.do(Proceed())
    j.do(GiveConsent("v1"))
    return j


# -- extra time ------------------------------------------------------------------------------


def test_extra_time_multiplies_every_prep_and_answer_time_and_can_be_unchosen() -> None:
    j = Journey()
    j.do(ChooseAccommodations(extra_time=True))
    state = j.state
    assert state.stage is Stage.GREETING and state.extra_time and state.time_factor == 1.5
    assert (state.practice.prep_seconds, state.practice.answer_seconds) == (15, 45)
    assert [(q.prep_seconds, q.answer_seconds) for q in state.questions] == [(30, 135), (0, 90)]
    # Chosen again, then un-chosen: re-planned from the bank's times, never compounded.
    j.do(ChooseAccommodations(extra_time=True))
    assert state.questions == j.state.questions
    j.do(ChooseAccommodations(extra_time=False))
    assert j.state.questions == QUESTIONS and j.state.practice == PRACTICE
    assert not j.state.extra_time and j.state.time_factor == 1.0


def test_the_extra_time_deadlines_are_the_ones_the_engine_enforces() -> None:
    j = Journey()
    j.do(ChooseAccommodations(extra_time=True))
    for event in (Proceed(), GiveConsent("v1"), DeviceCheckPassed()):
        j.do(event)
    assert j.state.stage is Stage.PRACTICE_PREP
    assert j.state.deadline == j.now + 15
    j.do(Tick(), after=14.9)
    assert j.state.stage is Stage.PRACTICE_PREP  # without extra time it would have moved on
    j.do(Tick(), after=0.2)
    assert j.state.stage is Stage.PRACTICE_ANSWER
    assert j.state.deadline == j.now + 45


def test_accommodations_are_chosen_only_on_the_personal_welcome() -> None:
    j = Journey()
    j.do(Proceed())
    with pytest.raises(TransitionError):
        j.do(ChooseAccommodations(extra_time=True))
    closed = Journey(EngineSettings(text_answers_offered=False))
    with pytest.raises(TransitionError, match="does not offer"):
        closed.do(ChooseAccommodations(text_answers=True))
    closed.do(ChooseAccommodations(extra_time=True))  # extra time is always offered
    assert closed.state.extra_time


def test_the_choice_survives_a_restart_and_old_states_load_without_it() -> None:
    j = Journey()
    j.do(ChooseAccommodations(extra_time=True, text_answers=True))
    j.do(Proceed())
    j.do(GiveConsent("v1"))
    j.do(StartAnswer())
    saved = json.loads(json.dumps(j.state.to_json()))
    restored = InterviewState.from_json(saved)
    assert restored == j.state
    state, _ = resume(restored, 5000.0, SETTINGS)
    assert state.stage is Stage.PRACTICE_PREP and state.extra_time and state.text_answers
    assert state.deadline == 5000.0 + 15  # the timer restarts with the extra time
    legacy = {k: v for k, v in saved.items() if k not in ("extra_time", "text_answers")}
    del legacy["time_factor"]
    old = InterviewState.from_json(legacy)
    assert (old.extra_time, old.text_answers, old.time_factor) == (False, False, 1.0)


def test_declining_forgets_which_accommodations_were_asked_for() -> None:
    j = Journey()
    j.do(ChooseAccommodations(extra_time=True, text_answers=True))
    j.do(Proceed())
    j.do(Decline())
    assert j.state.stage is Stage.DECLINED
    assert not j.state.extra_time and not j.state.text_answers and j.state.time_factor == 1.0
    assert j.state.questions == QUESTIONS and j.state.practice == PRACTICE


# -- typed answers ---------------------------------------------------------------------------


def test_typed_answers_skip_the_device_check_and_record_nothing() -> None:
    j = typed_journey()
    assert j.state.stage is Stage.PRACTICE_PREP  # no device check: nothing will be captured
    j.do(StartAnswer())
    assert j.state.stage is Stage.PRACTICE_ANSWER and j.state.typing
    j.do(TypeAnswer("practice text"))
    j.do(FinishAnswer())
    assert j.of(StopTyping) == [StopTyping(0, "practice", 1, False, True)]
    j.do(StartAnswer())
    j.do(TypeAnswer("my answer"))
    j.do(FinishAnswer(), after=40)
    assert j.of(StopTyping)[-1] == StopTyping(0, "intro", 1, True)
    assert j.state.stage is Stage.REVIEW
    j.do(Continue())
    assert j.state.stage is Stage.ANSWER and not j.state.typing  # multiple choice: tapped
    assert not j.of(StartRecording) and not j.of(StopRecording)


def test_typed_text_goes_to_the_runner_and_never_into_the_state() -> None:
    j = typed_journey()
    j.do(StartAnswer())
    before = j.state
    after = j.do(TypeAnswer(CANARY))
    assert after is before  # nothing to persist
    draft = j.of(TypedDraft)[-1]
    assert draft == TypedDraft(0, 1, True, CANARY)
    assert CANARY not in json.dumps(after.to_json())
    assert CANARY not in repr(TypeAnswer(CANARY)) and CANARY not in repr(draft)


def test_a_spoken_answer_refuses_typed_text() -> None:
    j = Journey()
    for event in (Proceed(), GiveConsent("v1"), DeviceCheckPassed(), StartAnswer()):
        j.do(event)
    with pytest.raises(TransitionError):
        j.do(TypeAnswer("text"))
    t = typed_journey()
    with pytest.raises(TransitionError):
        t.do(TypeAnswer("text"))  # still preparing


def test_a_typed_answer_times_out_like_a_spoken_one() -> None:
    j = typed_journey()
    j.do(StartAnswer())
    j.do(FinishAnswer())
    j.do(StartAnswer())
    j.do(TypeAnswer("half an answer"))
    j.do(Tick(), after=91)
    assert j.state.stage is Stage.REVIEW
    assert j.state.answers[0].timed_out
    assert j.of(StopTyping)[-1] == StopTyping(0, "intro", 1, True)


def test_a_lost_device_does_not_pause_a_typed_interview() -> None:
    j = typed_journey()
    j.do(StartAnswer())
    j.do(DeviceLost("camera"))
    assert j.state.stage is Stage.PRACTICE_ANSWER
    assert j.of(Notice) == [Notice("camera_lost")]


def test_abandoning_a_typed_answer_drops_its_text() -> None:
    j = typed_journey()
    j.do(StartAnswer())
    j.do(FinishAnswer())
    j.do(StartAnswer())
    j.do(Abandon())
    assert j.of(StopTyping)[-1] == StopTyping(0, "intro", 1, False, False)
    assert j.of(CloseSession)[-1] == CloseSession("s1", "interrupted")


# -- the runner, with the real vault and scoring ---------------------------------------------

MEDIA = samples_dir() / "media"
NOTICE_VERSION = current_notice(retention_days=180, policy_profile="standard").version
ANSWER = (
    "In my last job a key customer complained that our delivery was two weeks late. My task "
    "was to keep the account. I called the customer the same day, listened to the problem, "
    "apologised, and I set up a weekly call with our logistics team. I personally tracked "
    f"every order. As a result the customer renewed the contract and grew it by 20 percent. "
    f"My colleague {CANARY} said it was the best save of the year."
)


class Terminal:
    """A kiosk on replay devices with analysis on; the process may "die" and start again."""

    def __init__(self, tmp_path: Path, **environ: str) -> None:
        self.clock = ManualClock()
        self.camera = ReplayCamera(MEDIA / "face_steady.mp4", pace="fast", loop=True)
        self.mic = ReplayMicrophone(None, pace="fast", fill_silence=True)
        self.finished: list[FinishedInterview] = []
        config = load_config(environ={"KIOSK_DATA_DIR": str(tmp_path / "data"), **environ})
        self.kiosk: Kiosk = assemble(
            config,
            clock=self.clock,
            camera=self.camera,
            microphone=self.mic,
            on_finalise=self.finished.append,
        )
        self.runner = self.kiosk.runner

    def check_in(self, *, extra_time: bool, text_answers: bool) -> None:
        profile = CandidateProfile(experience_tags=("sales",))
        self.runner.check_in("customer-manager", profile, {"name": "Test Candidate"}, "en")
        self.runner.dispatch(ChooseAccommodations(extra_time, text_answers))
        self.runner.dispatch(Proceed())
        self.runner.dispatch(GiveConsent(NOTICE_VERSION))

    def type_answer(self, text: str) -> None:
        self.runner.dispatch(StartAnswer())
        self.runner.dispatch(TypeAnswer(text[: len(text) // 2]))  # drafts as the text grows
        self.runner.dispatch(TypeAnswer(text))
        self.clock.advance(30)
        self.runner.dispatch(FinishAnswer())

    def close(self) -> None:
        self.kiosk.close()
        self.camera.close()
        self.mic.close()


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    t = Terminal(tmp_path)
    yield t
    t.close()


def test_a_typed_interview_is_sealed_scored_from_the_text_and_reported(
    terminal: Terminal, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    runner = terminal.runner
    terminal.check_in(extra_time=True, text_answers=True)
    assert runner.state.stage is Stage.PRACTICE_PREP
    terminal.type_answer(f"practice about {CANARY}")
    while runner.state.stage is not Stage.DONE:
        stage = runner.state.stage
        if stage is Stage.PREP:
            if runner.state.typing:
                terminal.type_answer(ANSWER)
            else:
                runner.dispatch(StartAnswer())
        elif stage is Stage.ANSWER:
            runner.dispatch(Choose(0))
        elif stage is Stage.REVIEW:
            runner.dispatch(Continue())
    (finished,) = terminal.finished
    session_id = str(runner.state.session_id)
    store = terminal.kiosk.store
    assert finished.recordings == ()  # nothing was recorded
    assert not (terminal.kiosk.config.scratch_dir / session_id).exists() or not any(
        (terminal.kiosk.config.scratch_dir / session_id).iterdir()
    )
    spoken = [a for a in runner.state.answers if a.choice is None]
    assert spoken
    for answer in spoken:
        record = store.analysis(session_id, answer.index, answer.attempt)
        assert is_typed(record) and record is not None
        assert record["transcript"]["text"] == ANSWER

    # Scored from the text: content evidence quoted from it, no voice or camera signal, and no
    # "no speech" flag against an answer that was never meant to be spoken.
    score = finished.score
    assert score is not None and score.overall > 0
    assert not {f.code for f in score.flags} & {"no_speech", "low_asr_confidence", "face_absent"}
    communication = next(c for c in score.competencies if c.competency_id == "communication")
    assert communication.assessed
    families = {p.family for p in communication.contributions}
    assert families == {SignalFamily.CONTENT}  # voice is missing, not a zero that drags it down
    content01 = ((communication.content_level or 1) - 1) / 2  # the level is rounded
    assert communication.value == pytest.approx(content01, abs=0.005)

    report = store.result(session_id)
    assert report is not None
    assert report["accommodations"]["extra_time"] and report["accommodations"]["text_answers"]
    assert report["accommodations"]["time_factor"] == 1.5
    assert len(report["accommodations"]["applied"]) == 2
    typed_items = [a for a in report["answers"] if a.get("answered_by") == "typing"]
    assert len(typed_items) == len(spoken)
    assert typed_items[0]["analysis"]["transcript"] == ANSWER

    runner.dispatch(Tick())  # nothing
    terminal.clock.advance(60)
    runner.dispatch(Tick())  # the done screen times out: the session closes
    assert runner.state.stage is Stage.WELCOME
    # The engine state stays unsealed in the database: once closed, it no longer says which
    # accommodations were chosen (nor the stretched timings that would tell).
    (state_json,) = store.query("SELECT state_json FROM sessions WHERE id = ?", [session_id])[0]
    assert set(json.loads(state_json)) == {
        "stage",
        "session_id",
        "position_id",
        "language",
        "started_at",
    }
    store.close()
    for path in (tmp_path / "data").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for canary in (CANARY, "Quillfeather", "Marmaduke"):
                assert canary.encode() not in data, f"{canary} in plaintext in {path}"
                assert canary.encode("utf-16-le") not in data
    assert "Quillfeather" not in caplog.text


def test_a_typed_retake_deletes_the_replaced_text(terminal: Terminal) -> None:
    runner = terminal.runner
    terminal.check_in(extra_time=False, text_answers=True)
    terminal.type_answer("practice")
    terminal.type_answer("first version " + CANARY)
    assert runner.state.stage is Stage.REVIEW
    session_id = str(runner.state.session_id)
    store = terminal.kiosk.store
    assert store.analysis(session_id, 0, 1) is not None
    runner.dispatch(Retake())
    terminal.type_answer("second version")
    assert store.analysis(session_id, 0, 1) is None
    record = store.analysis(session_id, 0, 2)
    assert record is not None and record["transcript"]["text"] == "second version"


def test_an_answer_typed_when_the_process_died_is_asked_again_with_the_extra_time(
    tmp_path: Path,
) -> None:
    first = Terminal(tmp_path)
    first.check_in(extra_time=True, text_answers=True)
    first.type_answer("practice")
    bank_prep = first.kiosk.banks.current.question(first.runner.state.current.question_id)
    first.runner.dispatch(StartAnswer())
    first.runner.dispatch(TypeAnswer("lost to the crash " + CANARY))
    session = str(first.runner.state.session_id)
    # The process "dies" mid-answer: nothing is closed.

    second = Terminal(tmp_path)
    try:
        state = second.runner.start()
        assert state.session_id == session and state.stage is Stage.PREP
        assert state.extra_time and state.text_answers and state.typing
        assert state.current.prep_seconds == bank_prep.prep_seconds * 1.5
        assert state.deadline == second.clock.now() + bank_prep.prep_seconds * 1.5
        assert second.kiosk.store.analysis(session, 0, 1) is None  # the draft died with it
        second.type_answer("typed again")
        record = second.kiosk.store.analysis(session, 0, 1)
        assert record is not None and record["transcript"]["text"] == "typed again"
    finally:
        second.close()
        first.close()


def test_the_configured_factor_and_offer_reach_the_engine(tmp_path: Path) -> None:
    # Through the composition root: the greeting promises what the config says, and the engine
    # must give exactly that (and refuse typed answers where they are not offered).
    terminal = Terminal(
        tmp_path,
        KIOSK_INTERVIEW_EXTRA_TIME_FACTOR="2.0",
        KIOSK_INTERVIEW_TEXT_ANSWERS="false",
        KIOSK_ANALYSIS_ENABLED="false",
    )
    try:
        runner = terminal.runner
        profile = CandidateProfile(experience_tags=("sales",))
        runner.check_in("customer-manager", profile, {"name": "Test Candidate"}, "en")
        planned = runner.state.questions
        state = runner.dispatch(ChooseAccommodations(True, False))
        assert state.time_factor == 2.0
        for before, after in zip(planned, state.questions, strict=True):
            assert after.answer_seconds == 2.0 * before.answer_seconds
            assert after.prep_seconds == 2.0 * before.prep_seconds
        with pytest.raises(TransitionError):
            runner.dispatch(ChooseAccommodations(False, True))
    finally:
        terminal.close()
