"""``kiosk demo``: a complete interview of a synthetic candidate, headless, through the real parts.

The candidate is an actor: it reads each screen (the engine's stage), waits as a person would,
taps, and "speaks" by cueing its recorded answers into a replay microphone while a replay camera
shows its face. Everything else — engine, store, sealing, recorder, report — is the product's own
code path. With ``--pace fast`` time is media time (a manual clock advanced by what was played),
so a whole interview takes seconds; ``realtime`` takes as long as a real one.

Run again on the same data directory after a kill, and the demo resumes the unfinished session.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from hardware import ReplayCamera, ReplayMicrophone
from kiosk.app import Kiosk, assemble
from kiosk.bank import CandidateProfile, QuestionBank
from kiosk.clock import Clock, ManualClock, SystemClock
from kiosk.config import KioskConfig, Pace
from kiosk.consent import current_notice
from kiosk.devicecheck import check_devices
from kiosk.engine import (
    Choose,
    Continue,
    DeviceCheckPassed,
    DeviceRestored,
    FinishAnswer,
    GiveConsent,
    InterviewState,
    Proceed,
    Reset,
    Retake,
    Stage,
    StartAnswer,
)
from kiosk.errors import BankError, HardwareError, KioskError
from kiosk.interview import FinishedInterview
from kiosk.report import ReportFiles, build_report, write_report

#: The consent notice version the demo candidate agrees to (the vault ships the notices).


def samples_dir() -> Path:
    """The shipped sample bank, demo candidates and media."""
    location: str = str(resources.files("kiosk.samples"))
    return Path(location)


@dataclass(frozen=True, slots=True)
class DemoCandidate:
    """A synthetic candidate from ``samples/demo_candidates.json``."""

    id: str
    position_id: str
    name: str
    language: str
    profile: CandidateProfile
    answers: dict[str, dict[str, Any]]

    def clip(self, question_id: str) -> Path:
        """The recorded spoken answer to a question."""
        answer = self.answers.get(question_id)
        if answer is None or "audio" not in answer:
            raise BankError(f"demo candidate {self.id} has no spoken answer to {question_id}")
        return samples_dir() / str(answer["audio"])

    def choice(self, question_id: str) -> int:
        """The option the candidate picks in a multiple-choice item."""
        answer = self.answers.get(question_id) or {}
        return int(answer.get("choice", 0))


def load_candidates() -> list[DemoCandidate]:
    """All demo candidates shipped with the kiosk."""
    data = json.loads((samples_dir() / "demo_candidates.json").read_text(encoding="utf-8"))
    return [
        DemoCandidate(
            id=c["id"],
            position_id=c["position_id"],
            name=c["name"],
            language=c["language"],
            profile=CandidateProfile.from_mapping(c["profile"]),
            answers=c["answers"],
        )
        for c in data["candidates"]
    ]


@dataclass(frozen=True, slots=True)
class DemoOptions:
    """What ``kiosk demo`` was asked to do."""

    out_dir: Path
    data_dir: Path
    position_id: str | None = None
    candidate_name: str | None = None
    pace: Pace = "fast"
    think_seconds: float | None = None  # real seconds per screen; None: 1 at realtime, 0 at fast
    retake: bool = False


@dataclass
class DemoResult:
    """What happened, for the summary."""

    resumed_from: str | None = None
    report: ReportFiles | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    outcome: str | None = None


class DemoActor:
    """The synthetic candidate: acts on each stage until the session closes."""

    def __init__(
        self,
        kiosk: Kiosk,
        microphone: ReplayMicrophone,
        clock: Clock,
        options: DemoOptions,
        echo: Callable[[str], None],
    ) -> None:
        self._kiosk = kiosk
        self._mic = microphone
        self._clock = clock
        self._options = options
        self._echo = echo
        self._fast = options.pace == "fast"
        think = options.think_seconds
        self._think = think if think is not None else (0.0 if self._fast else 1.0)
        self._retaken: set[int] = set()
        self._candidate: DemoCandidate | None = None

    def run(self, candidate: DemoCandidate, name: str) -> str:
        """Run (or resume) one session to its end; returns the outcome stage's name."""
        runner = self._kiosk.runner
        state = runner.state
        if state.stage is Stage.WELCOME:
            self._candidate = candidate
            plan = runner.check_in(
                candidate.position_id,
                candidate.profile,
                {"name": name, "demo_candidate": candidate.id},
                candidate.language,
            )
            self._echo(
                f"checked in for {plan.position_id}: {len(plan.questions)} questions "
                f"(rules: {', '.join(plan.applied_rules) or 'none'})"
            )
        else:
            personal = self._kiosk.store.personal(state.session_id or "")
            self._candidate = _candidate_by_id(personal.get("demo_candidate"))
        last = Stage.WELCOME
        while True:
            state = runner.pump()
            if state.stage is Stage.WELCOME:
                return last.value
            if state.stage is not last or state.stage in (Stage.PREP, Stage.ANSWER):
                self._describe(state)
            last = state.stage
            self._act(state)

    def _describe(self, state: InterviewState) -> None:
        if state.stage in (Stage.PREP, Stage.ANSWER, Stage.REVIEW):
            q = state.current
            self._echo(
                f"  [{state.index + 1}/{len(state.questions)}] {state.stage.value:<7} "
                f"{q.kind} {q.question_id} (attempt {state.attempt})"
            )
        else:
            self._echo(f"  {state.stage.value}")

    def _wait(self, seconds: float) -> None:
        # Reading a screen takes real time at either pace: at `fast` it lets a viewer (or a
        # test) follow the stages; the interview's timers are unaffected by it.
        if seconds > 0:
            time.sleep(seconds)

    def _act(self, state: InterviewState) -> None:
        runner = self._kiosk.runner
        stage = state.stage
        self._wait(self._think)
        if stage is Stage.GREETING:
            runner.dispatch(Proceed())
        elif stage is Stage.CONSENT:
            config = self._kiosk.config
            notice = current_notice(
                retention_days=config.retention_days, policy_profile=config.policy_profile
            )
            runner.dispatch(GiveConsent(notice.version, face_analysis=True))
        elif stage is Stage.DEVICE_CHECK:
            self._device_check()
        elif stage in (Stage.PREP, Stage.PRACTICE_PREP):
            runner.dispatch(StartAnswer())
        elif stage in (Stage.ANSWER, Stage.PRACTICE_ANSWER):
            self._answer(state)
        elif stage is Stage.REVIEW:
            if self._options.retake and not self._retaken:
                self._retaken.add(state.index)
                runner.dispatch(Retake())
            else:
                runner.dispatch(Continue())
        elif stage is Stage.PAUSED:
            self._echo("  a device was lost; reopening it")
            self._kiosk.camera.close()
            self._kiosk.camera.open()
            runner.dispatch(DeviceRestored())
        elif stage.is_closing:
            runner.dispatch(Reset())

    def _device_check(self) -> None:
        self._mic.cue(samples_dir() / "media" / "mic_check.ogg")
        result = check_devices(self._kiosk.camera, self._mic, seconds=2.5)
        self._echo(
            f"    camera {result.width}x{result.height}, brightness {result.brightness:.0f}; "
            f"microphone peak {result.peak_dbfs:.1f} dBFS"
        )
        if result.ok:
            self._kiosk.runner.dispatch(DeviceCheckPassed())
        else:
            raise HardwareError(f"device check failed: {', '.join(result.problems)}")

    def _answer(self, state: InterviewState) -> None:
        runner = self._kiosk.runner
        question = state.current
        candidate = self._candidate
        if candidate is None:
            raise KioskError("the demo lost track of its candidate")
        if question.mode == "choice":
            runner.dispatch(Choose(candidate.choice(question.question_id)))
            return
        self._mic.cue(candidate.clip(question.question_id))
        deadline = time.monotonic() + 600
        while not self._mic.clip_done.wait(timeout=0.2):
            if runner.pump().stage is not state.stage or time.monotonic() > deadline:
                return  # a device was lost, or a timer ran out
        if self._fast and isinstance(self._clock, ManualClock):
            self._clock.advance(runner.recorder.media_seconds)
        if runner.state.stage is state.stage:
            runner.dispatch(FinishAnswer())


def _candidate_by_id(candidate_id: Any) -> DemoCandidate:
    for candidate in load_candidates():
        if candidate.id == candidate_id:
            return candidate
    raise KioskError("the unfinished session was not started by the demo; finish or purge it first")


def pick_candidate(position_id: str | None, bank: QuestionBank) -> DemoCandidate:
    """The demo candidate for a position (the first one by default)."""
    candidates = load_candidates()
    if position_id is None:
        return candidates[0]
    bank.position(position_id)  # a clear BankError for an unknown position
    for candidate in candidates:
        if candidate.position_id == position_id:
            return candidate
    raise BankError(f"no demo candidate for position {position_id}")


def demo_config(config: KioskConfig, options: DemoOptions) -> KioskConfig:
    """The config with the demo's data directory and replay devices."""
    media = samples_dir() / "media"
    camera = replace(
        config.camera,
        kind="replay",
        source=str(media / "face_steady.mp4"),
        pace=options.pace,
        loop=True,
    )
    microphone = replace(config.microphone, kind="replay", source="", pace=options.pace)
    recording = replace(config.recording, min_free_mb=min(config.recording.min_free_mb, 100))
    return replace(
        config, data_dir=options.data_dir, camera=camera, microphone=microphone, recording=recording
    )


def run_demo(config: KioskConfig, options: DemoOptions, echo: Callable[[str], None]) -> DemoResult:
    """Run or resume one demo interview; see the module docstring."""
    config = demo_config(config, options)
    clock: Clock = ManualClock(time.time()) if options.pace == "fast" else SystemClock()
    camera = ReplayCamera(config.camera.source, pace=options.pace, loop=True)
    microphone = ReplayMicrophone(None, pace=options.pace, fill_silence=True)
    result = DemoResult()
    holder: dict[str, Kiosk] = {}

    def finalise(finished: FinishedInterview) -> None:
        report = build_report(finished, holder["kiosk"].banks.current)
        result.report = write_report(report, options.out_dir)
        result.summary = report

    kiosk = assemble(
        config,
        clock=clock,
        camera=camera,
        microphone=microphone,
        on_finalise=finalise,
        on_notice=lambda kind: echo(f"  notice: {kind}"),
    )
    holder["kiosk"] = kiosk
    camera.open()
    microphone.open()
    try:
        state = kiosk.runner.start()
        interrupted = kiosk.runner.resumed_from
        if interrupted is not None:
            result.resumed_from = interrupted.value
            where = (
                f"question {state.index + 1} of {len(state.questions)}, {state.stage.value}"
                if state.stage is not Stage.WELCOME
                else "closing it"
            )
            echo(f"resuming the unfinished session stopped at {interrupted.value}: {where}")
        if interrupted is not None and state.stage is Stage.WELCOME:
            # It had already finished (its report was written then); do not start another.
            result.outcome = interrupted.value
            return result
        candidate = pick_candidate(options.position_id, kiosk.banks.current)
        name = options.candidate_name or candidate.name
        actor = DemoActor(kiosk, microphone, clock, options, echo)
        result.outcome = actor.run(candidate, name)
    finally:
        camera.close()
        microphone.close()
        kiosk.close()
    return result
