"""The interview runner: feeds events to the engine, persists every state, carries out effects.

One thread owns the runner (the UI's controller, or the demo's loop) and calls :meth:`dispatch`.
Other threads — device workers — only :meth:`post` events, which the owner applies in
:meth:`pump`, so the engine never runs re-entrantly or on two threads at once.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import queue
import secrets
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.bank import BankHolder, CandidateProfile, InterviewPlan, Question, plan_interview
from kiosk.clock import Clock
from kiosk.engine import (
    DEFAULT_SETTINGS,
    CheckIn,
    CloseSession,
    DeviceLost,
    DiscardRecording,
    Effect,
    EngineSettings,
    Event,
    Finalise,
    InterviewState,
    Notice,
    OpenSession,
    PlannedQuestion,
    RecordConsent,
    Stage,
    StartRecording,
    StopRecording,
    StopTyping,
    Tick,
    TransitionError,
    TypedDraft,
    resume,
    transition,
)
from kiosk.errors import ErrorKind, VaultError
from kiosk.live import LiveAnalysis, LiveAnswer
from kiosk.monitor import AnswerMonitor
from kiosk.pipeline import AnalysisJob, AnalysisWorker, signals_from_record
from kiosk.recording import AnswerRecorder, AnswerRecording, recording_paths
from kiosk.report import build_report
from kiosk.scoring.fusion import InterviewScore, score_interview
from kiosk.scoring.policy import policy_for
from kiosk.store import SessionStore
from kiosk.text_answers import annotate_report, is_typed, typed_record, typed_signals

log = logging.getLogger(__name__)

# Session codes go on the printed receipt and are read back to staff: no 0/O, 1/I/L.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_session_code() -> str:
    """A short, unambiguous code for the candidate's receipt, e.g. ``K7F3-9QX2``."""
    chars = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def planned(question: Question) -> PlannedQuestion:
    """The engine's view of a bank question."""
    return PlannedQuestion(
        question_id=question.id,
        kind=question.kind,
        prep_seconds=float(question.prep_seconds),
        answer_seconds=float(question.answer_seconds),
        retakes=question.retakes,
    )


@dataclass(frozen=True, slots=True)
class FinishedInterview:
    """Handed to ``on_finalise`` when the last answer is in."""

    state: InterviewState
    code: str
    personal: dict[str, Any]
    recordings: tuple[AnswerRecording, ...]
    #: Per kept answer index: its analysis record (None if analysis is off or failed to run).
    analyses: dict[int, dict[str, Any] | None] = dataclasses.field(default_factory=dict)
    score: InterviewScore | None = None


@dataclass(frozen=True, slots=True)
class AnalysisSetup:
    """How the runner analyses and scores answers (absent: record only)."""

    worker: AnalysisWorker
    policy_profile: str
    min_asr_confidence: float
    #: Raises ModelError when the language has no verified speech model: no interview then.
    check_language: Callable[[str], None]
    finalise_timeout: float = 300.0
    #: Ends answers after a long silence and warns when nobody speaks (None: timers only).
    monitor: AnswerMonitor | None = None
    #: Analyses answers while they are recorded (None: after they end, from the files).
    live: LiveAnalysis | None = None


class InterviewRunner:
    """Drives one terminal's interviews through the engine; see the module docstring."""

    def __init__(
        self,
        *,
        store: SessionStore,
        banks: BankHolder,
        recorder: AnswerRecorder,
        scratch_root: Path,
        clock: Clock,
        settings: EngineSettings = DEFAULT_SETTINGS,
        min_free_bytes: int = 0,
        on_finalise: Callable[[FinishedInterview], None] | None = None,
        on_notice: Callable[[str], None] | None = None,
        analysis: AnalysisSetup | None = None,
        media_root: Path | None = None,
    ) -> None:
        self._store = store
        # Set when answers are uploaded to the ERP: a completed session's kept recordings move
        # here (still encrypted) until sync has uploaded them.
        self._media_root = media_root
        self._banks = banks
        self._recorder = recorder
        self._scratch_root = scratch_root
        self._clock = clock
        self._settings = settings
        self._min_free = min_free_bytes
        self._on_finalise = on_finalise
        self._on_notice = on_notice
        self._analysis = analysis
        self._posted: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self._state = InterviewState()
        self._pending_personal: tuple[str, dict[str, Any], str | None] | None = None
        self._recordings: dict[tuple[int, int], AnswerRecording] = {}
        self._live_key: tuple[int, int] | None = None  # the answer live analysis is on
        # The typed answer being written (text-answer accommodation), by (index, attempt,
        # practice): in memory only until the answer ends and it is sealed in the vault.
        self._draft: tuple[tuple[int, int, bool], str] | None = None
        self.resumed_from: Stage | None = None  # the stage a killed process had reached

    @property
    def state(self) -> InterviewState:
        """The current state (already persisted)."""
        return self._state

    @property
    def recorder(self) -> AnswerRecorder:
        """The recorder, for live levels."""
        return self._recorder

    def recordings(self) -> tuple[AnswerRecording, ...]:
        """Kept recordings of the current session, in question order."""
        return tuple(self._recordings[key] for key in sorted(self._recordings))

    # -- start-up ---------------------------------------------------------------------------

    def start(self) -> InterviewState:
        """Sweep leftovers and resume the unfinished session, if there is one."""
        open_ids = self._store.open_session_ids()
        if self._scratch_root.exists():
            for child in self._scratch_root.iterdir():
                if child.name not in open_ids:
                    shutil.rmtree(child, ignore_errors=True)
        saved = self._store.open_session()
        if saved is None:
            return self._state
        log.info("resuming session %s at stage %s", saved.session_id, saved.stage.value)
        self.resumed_from = saved.stage
        self._state = saved
        self._recordings = self._recover_recordings(saved)
        self._resubmit_unanalysed(saved)
        new_state, effects = resume(saved, self._clock.now(), self._settings)
        self._commit(new_state, effects)
        return self._state

    def _recover_recordings(self, state: InterviewState) -> dict[tuple[int, int], AnswerRecording]:
        found: dict[tuple[int, int], AnswerRecording] = {}
        if state.session_id is None:
            return found
        for answer in state.answers:
            stats = self._store.answer_stats(state.session_id, answer.index, answer.attempt)
            if stats is not None:
                found[(answer.index, answer.attempt)] = stats
        return found

    def _resubmit_unanalysed(self, state: InterviewState) -> None:
        if self._analysis is None or state.session_id is None:
            return
        for answer in state.answers:
            recording = self._recordings.get((answer.index, answer.attempt))
            stored = self._store.analysis(state.session_id, answer.index, answer.attempt)
            if recording is not None and stored is None and recording.audio_path.exists():
                self._submit(state.session_id, answer.question_id, state.language, recording)

    def _submit(
        self,
        session_id: str,
        question_id: str,
        language: str,
        recording: AnswerRecording,
        live: LiveAnswer | None = None,
    ) -> None:
        if self._analysis is None:
            return
        video = recording.video_path if recording.video_path.exists() else None
        self._analysis.worker.submit(
            AnalysisJob(
                session_id,
                recording.index,
                recording.attempt,
                question_id,
                language,
                recording.audio_path,
                video,
                live,
                self._store.session_key(session_id),
            )
        )

    # -- events -----------------------------------------------------------------------------

    def check_in(
        self,
        position_id: str,
        profile: CandidateProfile,
        personal: dict[str, Any],
        language: str,
        *,
        candidate_ref: str | None = None,
    ) -> InterviewPlan:
        """Start a session for a candidate; returns the personalised plan.

        ``candidate_ref`` is the ERP's id of an invited candidate (none for a walk-in).
        """
        if self._store.retired:  # a secure wipe has begun (kiosk.wipe): out of service
            raise VaultError("this terminal was wiped", kind=ErrorKind.CONFIG_INVALID)
        self._ensure_disk_space()
        if self._analysis is not None:
            self._analysis.check_language(language)
        plan = plan_interview(self._banks.current, position_id, profile)
        session_id = uuid.uuid4().hex
        record = {
            **personal,
            "profile": dataclasses.asdict(profile),
            "applied_rules": list(plan.applied_rules),
        }
        if candidate_ref is not None:
            # Sealed with the rest: the server links the result to its candidate from here.
            record["candidate_ref"] = candidate_ref
        self._pending_personal = (session_id, record, candidate_ref)
        self.dispatch(
            CheckIn(
                session_id=session_id,
                position_id=position_id,
                language=language,
                practice=planned(plan.practice),
                questions=tuple(planned(q) for q in plan.questions),
            )
        )
        return plan

    def dispatch(self, event: Event) -> InterviewState:
        """Apply ``event`` now (owner thread only). Raises TransitionError if not accepted."""
        new_state, effects = transition(self._state, event, self._clock.now(), self._settings)
        self._commit(new_state, effects)
        return self._state

    def post(self, event: Event) -> None:
        """Queue ``event`` from any thread; the owner applies it in :meth:`pump`."""
        self._posted.put(event)

    def pump(self) -> InterviewState:
        """Apply posted events, then let due timers fire."""
        while True:
            try:
                event = self._posted.get_nowait()
            except queue.Empty:
                break
            try:
                self.dispatch(event)
            except TransitionError as exc:
                log.info("ignored posted event: %s", exc)
        return self.dispatch(Tick())

    def device_lost(self, device: str) -> None:
        """Callback for device workers."""
        self.post(DeviceLost("camera" if device == "camera" else "microphone"))

    # -- effects ----------------------------------------------------------------------------

    def _commit(self, new_state: InterviewState, effects: tuple[Effect, ...]) -> None:
        previous = self._state
        for effect in effects:
            if not effect.after_commit:
                self._apply(effect, previous, new_state)
        self._state = new_state
        # A tick that changed nothing is not written: the app pumps 20 times a second, and each
        # save is an fsync'd transaction on the terminal's storage.
        if new_state.session_id is not None and new_state != previous:
            self._store.save_state(new_state, self._clock.now())
        for effect in effects:
            if effect.after_commit:
                self._apply(effect, previous, new_state)

    def _apply(self, effect: Effect, previous: InterviewState, new: InterviewState) -> None:
        now = self._clock.now()
        if isinstance(effect, OpenSession):
            session_id, personal, ref = self._pending_personal or (None, {}, None)
            if session_id != effect.session_id:
                raise VaultError("check-in without a personal record")
            self._store.create_session(new, new_session_code(), personal, now, candidate_ref=ref)
            self._pending_personal = None
        elif isinstance(effect, RecordConsent):
            self._store.record_consent(_sid(new), effect.notice_version, effect.face_analysis, now)
        elif isinstance(effect, StartRecording):
            self._start_recording(effect, new)
        elif isinstance(effect, StopRecording):
            self._stop_recording(effect, previous)
        elif isinstance(effect, TypedDraft):
            self._draft = ((effect.index, effect.attempt, effect.practice), effect.text)
        elif isinstance(effect, StopTyping):
            self._stop_typing(effect, previous)
        elif isinstance(effect, DiscardRecording):
            self._discard(effect, previous)
        elif isinstance(effect, Finalise):
            self._finalise(new)
        elif isinstance(effect, CloseSession):
            media = self._keep_media(previous, effect) if effect.outcome == "completed" else []
            self._store.close_session(effect.session_id, effect.outcome, now, media=media)
            shutil.rmtree(self._scratch_root / effect.session_id, ignore_errors=True)
            self._recordings.clear()
            self._draft = None
            log.info("session %s closed: %s", effect.session_id, effect.outcome)
        elif isinstance(effect, Notice) and self._on_notice is not None:
            self._on_notice(effect.kind)

    def _discard(self, effect: DiscardRecording, previous: InterviewState) -> None:
        self._recordings.pop((effect.index, effect.attempt), None)
        if previous.session_id is None:
            return
        self._store.delete_answer(previous.session_id, effect.index, effect.attempt)
        workdir = self._scratch_root / previous.session_id
        for path in recording_paths(workdir, effect.index, effect.attempt, False):
            path.unlink(missing_ok=True)

    def _keep_media(self, state: InterviewState, effect: CloseSession) -> list[str]:
        """Move the kept answers' encrypted recordings to the media folder; returns the names
        of every file there, so a close repeated after a crash queues them all."""
        if self._media_root is None:
            return []
        target = self._media_root / effect.session_id
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
        workdir = self._scratch_root / effect.session_id
        for answer in state.answers:
            for path in recording_paths(workdir, answer.index, answer.attempt, False):
                if path.exists():
                    os.replace(path, target / path.name)  # same file system: atomic
        return sorted(p.name for p in target.iterdir() if p.name.endswith(".enc"))

    def _start_recording(self, effect: StartRecording, new: InterviewState) -> None:
        if self._analysis is not None and self._analysis.monitor is not None:
            self._analysis.monitor.start()
        live = self._analysis.live if self._analysis is not None else None
        if live is not None and not effect.practice:
            live.begin((effect.index, effect.attempt), new.language)
            self._live_key = (effect.index, effect.attempt)
        workdir = self._scratch_root / _sid(new)
        key = self._store.session_key(_sid(new))
        self._recorder.start(workdir, effect.index, effect.attempt, effect.practice, key=key)

    def _stop_recording(self, effect: StopRecording, previous: InterviewState) -> None:
        if not self._recorder.recording:
            return
        recording = self._recorder.stop()
        live = None
        if self._live_key is not None and self._analysis is not None and self._analysis.live:
            live = self._analysis.live.end(self._live_key)
            self._live_key = None
        if not effect.keep or not recording.complete:
            recording.audio_path.unlink(missing_ok=True)
            recording.video_path.unlink(missing_ok=True)
            return
        self._recordings[(effect.index, effect.attempt)] = recording
        self._store.save_answer(_sid(previous), effect.question_id, recording, self._clock.now())
        self._submit(_sid(previous), effect.question_id, previous.language, recording, live)

    def _stop_typing(self, effect: StopTyping, previous: InterviewState) -> None:
        draft = self._draft
        key = (effect.index, effect.attempt, effect.practice)
        text = draft[1] if draft is not None and draft[0] == key else ""
        if not effect.keep:
            self._draft = None
            return  # the practice answer, or one abandoned: its text is simply forgotten
        now = self._clock.now()
        question = self._banks.current.question(effect.question_id)
        # What the candidate was asked to answer in (english_speaking items are English).
        language = question.language or previous.language
        seconds = max(0.0, now - (previous.stage_started or now))
        record = typed_record(effect.question_id, language, text, seconds)
        # Sealed before the state moves on (this effect runs before the commit): a crash now
        # asks the question again, and the answer's record is replaced then.
        self._store.save_analysis(_sid(previous), effect.index, effect.attempt, record, now)
        # Forgotten only once sealed: if the save failed (a full disk), the next try has it.
        self._draft = None

    def _finalise(self, state: InterviewState) -> None:
        kept = {(a.index, a.attempt) for a in state.answers}
        recordings = tuple(r for key, r in sorted(self._recordings.items()) if key in kept)
        session = self._store.session(_sid(state))
        analyses, score = self._score(state)
        finished = FinishedInterview(
            state, session.code, self._store.personal(_sid(state)), recordings, analyses, score
        )
        # The result is stored (sealed, with its outbox row) before anyone is shown it: what
        # the candidate's receipt promises is on disk even if the app dies a moment later.
        report = annotate_report(
            build_report(finished, self._banks.current), state, finished.analyses
        )
        self._store.save_result(
            _sid(state), report, report["analysis"]["status"], self._clock.now()
        )
        if self._on_finalise is not None:
            self._on_finalise(finished)

    def _score(
        self, state: InterviewState
    ) -> tuple[dict[int, dict[str, Any] | None], InterviewScore | None]:
        setup = self._analysis
        if setup is None or state.position_id is None:
            # Not scored; typed answers are still reported (their record is the answer itself).
            return self._typed_records(state), None
        if not setup.worker.wait_idle(setup.finalise_timeout):
            log.error("analysis did not finish within %.0f s", setup.finalise_timeout)
        bank = self._banks.current
        records: dict[int, dict[str, Any] | None] = {}
        signals = []
        for answer in sorted(state.answers, key=lambda a: a.index):
            record = self._store.analysis(_sid(state), answer.index, answer.attempt)
            records[answer.index] = record
            question = bank.question(answer.question_id)
            if record is not None and is_typed(record) and answer.choice is None:
                signals.append(typed_signals(answer.index, question, record))
                continue
            signals.append(
                signals_from_record(
                    answer.index,
                    question,
                    record,
                    seconds=answer.seconds,
                    language=state.language,
                    choice=answer.choice,
                )
            )
        policy = policy_for(setup.policy_profile, face_consent=state.face_consent)
        score = score_interview(
            bank, state.position_id, signals, policy, min_asr_confidence=setup.min_asr_confidence
        )
        return records, score

    def _typed_records(self, state: InterviewState) -> dict[int, dict[str, Any] | None]:
        if not state.text_answers or state.session_id is None:
            return {}
        records = {
            a.index: self._store.analysis(state.session_id, a.index, a.attempt)
            for a in state.answers
            if a.choice is None
        }
        return {index: r for index, r in records.items() if is_typed(r)}

    def _ensure_disk_space(self) -> None:
        self._scratch_root.mkdir(parents=True, exist_ok=True, mode=0o700)
        free = shutil.disk_usage(self._scratch_root).free
        if free < self._min_free:
            raise VaultError(
                f"only {free // 2**20} MB free in the data directory; new interviews need "
                f"{self._min_free // 2**20} MB",
                kind=ErrorKind.DISK_FULL,
            )


def _sid(state: InterviewState) -> str:
    if state.session_id is None:
        raise VaultError("no session is open")
    return state.session_id
