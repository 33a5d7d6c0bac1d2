"""The interview core on its own thread, behind Qt signals.

The GUI thread never touches the runner. Assembling the kiosk (opening the store, the retention
purge), check-in, every event, the timer pump, the device check and finalising (which waits for
the answer analysis, minutes on a slow terminal) all run on one worker thread: the runner's owner
thread in the sense of :mod:`kiosk.interview`. The GUI calls :class:`EngineHost`'s methods, which
queue intents to the worker, and receives immutable snapshots, notices and candidate-safe error
kinds as signals, delivered on the GUI thread (the values are in :mod:`ui.engine_data`). Core
emits, views connect.

The same thread reads the camera for the welcome screen's QR scan and the device check's live
preview (:class:`ui.preview.Viewfinder`), in the stages in which the recorder cannot be reading
it; the window says which screen it shows with :meth:`EngineHost.show_view`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from kiosk.app import Kiosk
from kiosk.bank import CandidateProfile
from kiosk.clock import Clock
from kiosk.consent import current_notice
from kiosk.devicecheck import FaceCheck, check_devices, ready_face_check
from kiosk.engine import DeviceRestored, Event, InterviewState, Stage, TransitionError
from kiosk.errors import ErrorKind, KioskError
from kiosk.interview import FinishedInterview
from kiosk.pulled import find_invitation
from kiosk.sealing import load_device_key
from ui.engine_data import (
    RECORDING_STAGES,
    CandidateVoice,
    CheckInRequest,
    EngineCallbacks,
    EngineSetup,
    HeardSpeech,
    KioskFactory,
    PreviewFrame,
    Snapshot,
    ViewMode,
)
from ui.preview import Viewfinder

log = logging.getLogger(__name__)


class _EngineWorker(QObject):
    """Lives on the engine thread; every slot runs there."""

    ready = Signal(object)  # EngineSetup
    snapshot = Signal(object)  # Snapshot
    notice = Signal(str)
    failed = Signal(str, bool)  # ErrorKind value, fatal
    invitation_refused = Signal(str)  # "unknown" or "expired"
    devices_checked = Signal(object)  # DeviceCheckResult
    finished = Signal(str)  # session code of a finalised interview
    busy = Signal(bool)

    def __init__(
        self,
        factory: KioskFactory,
        *,
        clock: Clock,
        voice: CandidateVoice | None,
        pump_interval_ms: int,
        device_check_seconds: float,
        reopen_interval: float,
    ) -> None:
        super().__init__()
        self._factory = factory
        self._clock = clock
        self._voice = voice
        self._pump_interval_ms = pump_interval_ms
        self._check_seconds = device_check_seconds
        self._reopen_interval = reopen_interval
        self._kiosk: Kiosk | None = None
        self._timer: QTimer | None = None
        self._last: InterviewState | None = None
        self._identity: tuple[str | None, str | None, str | None] = (None, None, None)
        self._lost: set[str] = set()
        self._next_reopen = 0.0
        self._faces: FaceCheck | None = None
        # A child, so it moves to the engine thread with the worker.
        self.viewfinder = Viewfinder(voice, listen_seconds=device_check_seconds, parent=self)

    @property
    def kiosk(self) -> Kiosk | None:
        return self._kiosk

    # -- slots (engine thread) --------------------------------------------------------------

    @Slot()
    def start(self) -> None:
        self._timer = QTimer(self)
        self._timer.setInterval(self._pump_interval_ms)
        self._timer.timeout.connect(self._pump)
        if self._guarded("start", self._assemble, fatal=True):
            self._timer.start()

    def _assemble(self) -> None:
        kiosk = self._factory(EngineCallbacks(self._finalised, self._noticed))
        self._kiosk = kiosk
        kiosk.camera.open()
        kiosk.microphone.open()
        config = kiosk.config
        # Load the speech models now, behind the "Starting…" screen: loading one holds Python's
        # GIL for a long stretch, which at check-in froze the GUI thread for 100-150 ms.
        if kiosk.analysis is not None:
            for language in config.languages:
                try:
                    kiosk.analysis.check_language(language)
                except KioskError as exc:  # that language is refused at check-in, as before
                    log.info("no speech model for %s yet (%s)", language, exc.kind.value)
        # The device check uses the answers' models: their speech model, and a face analyser
        # of its own (in the model process when there is one), made ready here too.
        analyzer = kiosk.analysis.worker.analyzer if kiosk.analysis is not None else None
        if analyzer is not None:
            self._faces = ready_face_check(analyzer)
        self.viewfinder.attach(
            kiosk, self._faces, analyzer.recognizer if analyzer is not None else None
        )
        notice = current_notice(
            retention_days=config.retention_days, policy_profile=config.policy_profile
        )
        self.ready.emit(
            EngineSetup(
                kiosk.banks.current,
                notice,
                config.languages,
                config.default_language,
                config.interview.inactivity_reset_seconds,
                print_receipt=config.printer.receipt,
                printer_queue=config.printer.queue,
                extra_time_factor=config.interview.extra_time_factor,
                text_answers=config.interview.text_answers,
                speaker_kind=config.speaker.kind,
                speaker_device=config.speaker.device,
            )
        )
        state = kiosk.runner.start()
        resumed = kiosk.runner.resumed_from is not None and state.stage is not Stage.WELCOME
        self._publish(state, resumed=resumed)

    @Slot(object)
    def check_in(self, request: CheckInRequest) -> None:
        self._intent("check-in", lambda kiosk: self._check_in(kiosk, request))

    def _check_in(self, kiosk: Kiosk, request: CheckInRequest) -> None:
        personal: dict[str, Any] = {"name": request.name} if request.name else {}
        if request.external:
            personal["external"] = dict(request.external)
        kiosk.runner.check_in(
            request.position_id,
            request.profile,
            personal,
            request.language,
            candidate_ref=request.candidate_ref,
        )
        self._publish(kiosk.runner.state)

    @Slot(str, str)
    def check_in_with_code(self, code: str, language: str) -> None:
        self._intent(
            "invitation check-in", lambda kiosk: self._check_in_code(kiosk, code, language)
        )

    def _check_in_code(self, kiosk: Kiosk, code: str, language: str) -> None:
        invitation = self._find_invitation(kiosk, code)
        if invitation is None:
            self.invitation_refused.emit("unknown")
            return
        valid_until = invitation.get("validUntil")
        if valid_until is not None and float(valid_until) < self._clock.now():
            self.invitation_refused.emit("expired")
            return
        ref = invitation.get("candidateRef")
        request = CheckInRequest(
            position_id=str(invitation["positionId"]),
            language=language,
            name=str(invitation.get("name") or ""),
            profile=CandidateProfile.from_mapping(invitation.get("profile") or {}),
            candidate_ref=None if ref is None else str(ref),
            external=dict(invitation.get("external") or {}),
        )
        self._check_in(kiosk, request)

    @Slot(object)
    def dispatch(self, event: Event) -> None:
        self._intent(
            type(event).__name__, lambda kiosk: self._publish(kiosk.runner.dispatch(event))
        )

    @Slot()
    def check_devices(self) -> None:
        # On this thread on purpose: the recorder reads the same devices, and running the check
        # here serialises it with recording (no StartRecording can race with its reads).
        # Not "busy": the screen asks the candidate to speak meanwhile, not to wait.
        self._intent("device check", self._check_devices, busy=False)

    def _check_devices(self, kiosk: Kiosk) -> None:
        if self.viewfinder.listen():
            return  # the live check listens while its preview runs, and answers
        # No preview running (nothing shows the device check): measure in one go, untranscribed.
        if self._voice is not None:
            self._voice.device_check()
        result = check_devices(kiosk.camera, kiosk.microphone, seconds=self._check_seconds)
        self.devices_checked.emit(result)
        self.viewfinder.speech_heard.emit(HeardSpeech(available=False))

    @Slot(str)
    def show_view(self, mode: ViewMode) -> None:
        self.viewfinder.want(mode)

    @Slot()
    def shutdown(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self.viewfinder.close()
        if self._faces is not None:
            self._faces.close()
        kiosk, self._kiosk = self._kiosk, None
        if kiosk is not None:
            for device in (kiosk.camera, kiosk.microphone):
                try:
                    device.close()
                except Exception:
                    log.exception("closing a device failed")
            try:
                kiosk.close()
            except Exception:
                log.exception("closing the kiosk failed")
        thread = self.thread()
        if thread is not None:
            thread.quit()

    # -- internals --------------------------------------------------------------------------

    def _pump(self) -> None:
        kiosk = self._kiosk
        if kiosk is None:
            return
        if not self._guarded("pump", lambda: self._pumped(kiosk)) and self._timer is not None:
            # A failing store must not flood the log 20 times a second: retry in a second.
            self._timer.stop()
            QTimer.singleShot(1000, self._timer.start)

    def _pumped(self, kiosk: Kiosk) -> None:
        state = kiosk.runner.pump()
        self._publish(state)
        if state.stage is Stage.PAUSED:
            self._try_reopen(kiosk)

    def _try_reopen(self, kiosk: Kiosk) -> None:
        now = time.monotonic()
        if now < self._next_reopen:
            return
        self._next_reopen = now + self._reopen_interval
        lost = self._lost or {"camera", "microphone"}
        try:
            if "camera" in lost:
                kiosk.camera.close()
                kiosk.camera.open()
            if "microphone" in lost:
                kiosk.microphone.close()
                kiosk.microphone.open()
        except KioskError as exc:
            log.info("the lost device is not back yet (%s)", exc.kind.value)
            return
        self._lost.clear()
        log.info("reopened the lost device(s): %s", ", ".join(sorted(lost)))
        self._publish(kiosk.runner.dispatch(DeviceRestored()))

    def _find_invitation(self, kiosk: Kiosk, code: str) -> dict[str, Any] | None:
        keys = kiosk.config.data_dir / "keys" / "device.key"
        if not code.strip() or not keys.exists():
            return None  # not enrolled: no invitations were ever pulled
        return find_invitation(kiosk.config.data_dir, load_device_key(keys), code)

    def _publish(
        self, state: InterviewState, *, resumed: bool = False, force: bool = False
    ) -> None:
        previous, self._last = self._last, state
        if state is previous and not (resumed or force):
            return
        self.viewfinder.follow(state)
        if self._voice is not None and _starts_spoken_answer(previous, state):
            self._voice.answer(state.current.question_id)
        session_id = state.session_id
        if session_id != self._identity[0]:
            code = name = None
            if session_id is not None and self._kiosk is not None:
                store = self._kiosk.store
                code = store.session(session_id).code
                name = store.personal(session_id).get("name")
            self._identity = (session_id, code, None if name is None else str(name))
        _, code, name = self._identity
        self.snapshot.emit(Snapshot(state, code, name, resumed))

    def _finalised(self, finished: FinishedInterview) -> None:
        self.finished.emit(finished.code)

    def _noticed(self, kind: str) -> None:
        # Called on this thread (engine notices) or an audio thread (the answer monitor);
        # emitting is thread-safe, and the set is only touched for the engine's kinds.
        if kind.endswith("_lost"):
            self._lost.add(kind.removesuffix("_lost"))
        self.notice.emit(kind)

    def _intent(self, action: str, work: Callable[[Kiosk], None], *, busy: bool = True) -> None:
        """Run a GUI intent: ``busy`` while it runs, errors turned into ``failed``."""
        kiosk = self._kiosk
        if kiosk is None:
            log.info("ignored %s: the kiosk is not running", action)
            return
        if busy:
            self.busy.emit(True)
        try:
            self._guarded(action, lambda: work(kiosk))
        finally:
            if busy:
                self.busy.emit(False)

    def _guarded(self, action: str, work: Callable[[], None], *, fatal: bool = False) -> bool:
        """Run ``work``; True if it went well, else the error is logged and signalled."""
        try:
            work()
            return True
        except TransitionError as exc:
            # A stale double tap or a tap racing a timer: not the candidate's problem. Re-send
            # the state so the screen shows what the engine has.
            log.info("ignored %s: %s", action, exc)
            if self._last is not None:
                self._publish(self._last, force=True)
        except KioskError as exc:
            # KioskError texts name keys, files and devices, never personal data.
            log.warning("%s failed (%s): %s", action, exc.kind.value, exc)
            self.failed.emit(exc.kind.value, fatal)
        except Exception:
            log.exception("unexpected error in %s", action)
            self.failed.emit(ErrorKind.INTERNAL.value, fatal)
        return False


def _starts_spoken_answer(previous: InterviewState | None, state: InterviewState) -> bool:
    # A typed answer is not spoken: the replay voice stays quiet.
    if state.stage not in RECORDING_STAGES or state.current.mode != "spoken" or state.typing:
        return False
    if previous is None:
        return True
    return (previous.stage, previous.index, previous.attempt) != (
        state.stage,
        state.index,
        state.attempt,
    )


class EngineHost(QObject):
    """The GUI's handle on the core: methods queue intents, signals bring results back.

    Create it on the GUI thread, connect its signals, then :meth:`start`; :meth:`stop` closes
    everything (devices, analysis, store) and ends the thread.
    """

    #: :class:`EngineSetup`, once the kiosk is assembled.
    ready = Signal(object)
    #: :class:`Snapshot`, after every change of state.
    snapshot = Signal(object)
    #: A notice kind for the candidate: ``no_speech``, ``camera_lost``, ``microphone_lost``…
    notice = Signal(str)
    #: An :class:`~kiosk.errors.ErrorKind` value and whether the kiosk cannot run at all.
    failed = Signal(str, bool)
    #: An invitation code was not accepted: ``unknown`` or ``expired``.
    invitation_refused = Signal(str)
    #: :class:`kiosk.devicecheck.DeviceCheckResult` of a device check.
    devices_checked = Signal(object)
    #: :class:`~ui.engine_data.HeardSpeech`: what the check heard, after ``devices_checked``.
    speech_heard = Signal(object)
    #: A :class:`~ui.engine_data.PreviewFrame` is ready: :meth:`take_preview` it.
    preview = Signal()
    #: An invitation code read from a QR code held up to the welcome screen's camera.
    code_scanned = Signal(str)
    #: A QR code that is not an invitation was held up: ``not_invitation``.
    scan_refused = Signal(str)
    #: The session code of an interview whose result was just stored (for the receipt).
    finished = Signal(str)
    #: True while the engine works on an intent (the screens may show "one moment").
    busy = Signal(bool)

    _start = Signal()
    _check_in = Signal(object)
    _check_in_code = Signal(str, str)
    _dispatch = Signal(object)
    _check_devices = Signal()
    _show_view = Signal(str)
    _shutdown = Signal()

    def __init__(
        self,
        factory: KioskFactory,
        *,
        clock: Clock,
        voice: CandidateVoice | None = None,
        pump_interval_ms: int = 50,
        device_check_seconds: float = 3.0,
        reopen_interval: float = 2.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("kiosk-engine")
        self._worker = _EngineWorker(
            factory,
            clock=clock,
            voice=voice,
            pump_interval_ms=pump_interval_ms,
            device_check_seconds=device_check_seconds,
            reopen_interval=reopen_interval,
        )
        self._worker.moveToThread(self._thread)
        # Intents: signals to the worker's slots, queued because it lives on another thread.
        self._start.connect(self._worker.start)
        self._check_in.connect(self._worker.check_in)
        self._check_in_code.connect(self._worker.check_in_with_code)
        self._dispatch.connect(self._worker.dispatch)
        self._check_devices.connect(self._worker.check_devices)
        self._show_view.connect(self._worker.show_view)
        self._shutdown.connect(self._worker.shutdown)
        # Results: relayed, and so delivered on this (the GUI) thread.
        self._worker.ready.connect(self.ready)
        self._worker.snapshot.connect(self.snapshot)
        self._worker.notice.connect(self.notice)
        self._worker.failed.connect(self.failed)
        self._worker.invitation_refused.connect(self.invitation_refused)
        self._worker.devices_checked.connect(self.devices_checked)
        viewfinder = self._worker.viewfinder
        viewfinder.devices_checked.connect(self.devices_checked)
        viewfinder.speech_heard.connect(self.speech_heard)
        viewfinder.preview.connect(self.preview)
        viewfinder.code_scanned.connect(self.code_scanned)
        viewfinder.scan_refused.connect(self.scan_refused)
        self._worker.finished.connect(self.finished)
        self._worker.busy.connect(self.busy)

    @property
    def kiosk(self) -> Kiosk | None:
        """The assembled kiosk, for staff tools and tests; only its thread-safe parts
        (``runner.post``, the store) may be used from the GUI thread."""
        return self._worker.kiosk

    def start(self) -> None:
        """Start the engine thread, assemble the kiosk there and resume an unfinished session."""
        self._thread.start()
        self._start.emit()

    def check_in(self, request: CheckInRequest) -> None:
        """Check a walk-in candidate in."""
        self._check_in.emit(request)

    def check_in_with_code(self, code: str, language: str) -> None:
        """Check in the invited candidate whose code was typed (or, later, scanned)."""
        self._check_in_code.emit(code, language)

    def send(self, event: Event) -> None:
        """Apply an engine event (a tap) on the engine thread."""
        self._dispatch.emit(event)

    def check_devices(self) -> None:
        """Listen for "I am ready" and measure light, face and level; answers with
        ``devices_checked``, then ``speech_heard``."""
        self._check_devices.emit()

    def show_view(self, mode: ViewMode) -> None:
        """The window shows a screen with a camera preview (``welcome``, ``device_check``) or
        none (``off``): the engine reads the camera for it while its stage allows."""
        self._show_view.emit(mode)

    def take_preview(self) -> PreviewFrame | None:
        """The newest preview frame, once (None if it was taken already)."""
        return self._worker.viewfinder.take()

    def stop(self, timeout: float = 600.0) -> bool:
        """Close devices, analysis and store, then end the thread; False if it did not end in
        ``timeout`` seconds (a finalise waiting for analysis can take minutes)."""
        if not self._thread.isRunning():
            return True
        self._shutdown.emit()
        return bool(self._thread.wait(int(timeout * 1000)))
