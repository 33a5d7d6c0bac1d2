"""The composition root: builds the parts named by the config and wires them together.

Nothing else in the code base decides which camera, microphone, store or bank is used; the UI,
the CLI and the demo all ask this module, so a config change is the only way to swap a part.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hardware import (
    AudioBlock,
    Camera,
    CameraSpec,
    Microphone,
    MicrophoneSpec,
    make_camera,
    make_microphone,
)
from kiosk import retention
from kiosk.bank import BankHolder, QuestionBank, load_bank, load_sample_bank, parse_bank
from kiosk.clock import Clock
from kiosk.config import KioskConfig, config_digests, load_config
from kiosk.engine import EngineSettings, FinishAnswer
from kiosk.errors import ConfigError, VaultError
from kiosk.interview import AnalysisSetup, FinishedInterview, InterviewRunner
from kiosk.live import LiveAnalysis
from kiosk.monitor import AnswerMonitor
from kiosk.pipeline import AnalysisWorker, AnswerAnalyzer
from kiosk.pulled import applied_bundle
from kiosk.recording import AnswerRecorder
from kiosk.retention import RetentionJob
from kiosk.sealing import load_device_key
from kiosk.store import SessionStore
from kiosk.vault.keyring import Keyring
from models.host import ModelHost
from models.registry import ModelRegistry

log = logging.getLogger(__name__)


def camera_spec(config: KioskConfig) -> CameraSpec:
    """The hardware layer's description of the configured camera."""
    cam = config.camera
    return CameraSpec(
        kind=cam.kind,
        source=cam.source,
        width=cam.width,
        height=cam.height,
        fps=cam.fps,
        pace=cam.pace,
        loop=cam.loop,
    )


def microphone_spec(config: KioskConfig) -> MicrophoneSpec:
    """The hardware layer's description of the configured microphone."""
    mic = config.microphone
    return MicrophoneSpec(kind=mic.kind, source=mic.source, pace=mic.pace, fill_silence=True)


def build_devices(config: KioskConfig) -> tuple[Camera, Microphone]:
    """The configured camera and microphone, not yet opened."""
    return make_camera(camera_spec(config)), make_microphone(microphone_spec(config))


def load_effective_config(path: Path | str | None = None) -> KioskConfig:
    """The config from the file and environment, over the device config last pulled from the
    HR ERP (verified when it was pulled) if the data directory holds one."""
    config = load_config(path)
    keys = config.data_dir / "keys"
    if not (keys / "device.key").exists():
        return config
    central = applied_bundle(config.data_dir, load_device_key(keys / "device.key"), "config")
    if central is None:
        return config
    try:
        return load_config(path, central=central[1])
    except ConfigError as exc:
        # Valid alone, but not with this terminal's own settings: run on those, so the
        # kiosk (and `kiosk sync`, which can fetch a fixed bundle) still starts.
        log.warning("the ERP config bundle version %d is not used here: %s", central[0], exc)
        return config


def load_configured_bank(config: KioskConfig) -> QuestionBank:
    """The bank to interview with: the file named in the config, else the one last pulled from
    the HR ERP (verified when it was pulled), else the shipped sample bank."""
    if config.bank.path is not None:
        return load_bank(config.bank.path)
    keys = config.data_dir / "keys"
    if (keys / "device.key").exists():
        pulled = applied_bundle(config.data_dir, load_device_key(keys / "device.key"), "bank")
        if pulled is not None:
            return parse_bank(pulled[1], source=f"ERP bank bundle version {pulled[0]}")
    return load_sample_bank()


def model_registry(config: KioskConfig) -> ModelRegistry:
    """The registry of on-device models: built-in ones plus bundles installed by IT staff."""
    bundles = config.models.bundles_dir or config.data_dir / "models"
    return ModelRegistry(bundles, whisper_dir=config.models.whisper_dir)


def build_analysis(
    config: KioskConfig,
    store: SessionStore,
    clock: Clock,
    *,
    on_silence_end: Callable[[], None],
    on_warning: Callable[[str], None],
) -> AnalysisSetup:
    """The analysis worker, the live answer monitor, and the policy results are scored under.

    Whisper and MediaPipe run in the model process (:mod:`models.host`, started on first use,
    at a lower CPU priority), so they never make the GUI thread wait. ``on_silence_end`` and
    ``on_warning`` are called from the recorder's threads (``no_speech`` from the audio
    thread, ``no_face`` from the live vision thread).
    """
    registry = model_registry(config)
    analyzer = AnswerAnalyzer(
        registry,
        asr_threads=config.analysis.asr_threads,
        vision_fps=config.analysis.vision_fps,
        host=ModelHost(registry, asr_threads=config.analysis.asr_threads),
    )
    warmed = False

    def check_language(language: str) -> None:
        # Loading verifies the model's files first: a language without a verified speech model
        # refuses to start an interview rather than producing empty transcripts.
        analyzer.recognizer(language)
        nonlocal warmed
        if not warmed:
            # The app checks its languages at start-up, behind the "Starting…" screen: the
            # vision models' first use (seconds) is paid there too, not in the first answer.
            warmed = True
            try:
                analyzer.warm_up()
            except Exception:
                log.exception("warming up the vision models failed; the first answer will")

    # One detector (one onnxruntime session, loaded now) for the monitor and the file analysis.
    vad = analyzer.vad()
    live = None
    if config.analysis.live:
        rec = config.recording
        live = LiveAnalysis(
            analyzer.recognizer,
            vad.live,
            video_size=(rec.video_width, rec.video_height),
            frame_fps=rec.video_fps,
            faces=analyzer.face_analyzer,
            on_warning=on_warning,
        )
    monitor = AnswerMonitor(
        vad.live,
        silence_end_seconds=config.analysis.silence_end_seconds,
        no_speech_warn_seconds=config.analysis.no_speech_warn_seconds,
        on_finish=on_silence_end,
        on_warning=on_warning,
    )
    return AnalysisSetup(
        worker=AnalysisWorker(analyzer, store, clock.now),
        policy_profile=config.policy_profile,
        min_asr_confidence=config.analysis.min_asr_confidence,
        check_language=check_language,
        monitor=monitor,
        live=live,
    )


def audio_tap(analysis: AnalysisSetup) -> Callable[[AudioBlock], None] | None:
    """The recorder's audio tap for live monitoring and analysis: the monitor runs the VAD on
    each block and live analysis cuts its speech chunks by the same state (one VAD run)."""
    monitor, live = analysis.monitor, analysis.live
    if monitor is None:
        return None if live is None else live.on_audio

    def tap(block: AudioBlock) -> None:
        state = monitor.observe(block)
        if live is not None:
            live.on_audio(block, state)

    return tap


def open_store(config: KioskConfig) -> SessionStore:
    """The session store in the data directory, with the local sealing key."""
    config.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    store = SessionStore(config.database_path, Keyring.load(config.data_dir / "keys"))
    try:
        # At every start: a damaged page is reported before an interview is taken on it.
        store.check_integrity()
    except VaultError:
        store.close()
        raise
    return store


@dataclass(frozen=True, slots=True)
class Kiosk:
    """The assembled core: what a front end (UI, CLI, demo) drives."""

    config: KioskConfig
    store: SessionStore
    banks: BankHolder
    camera: Camera
    microphone: Microphone
    runner: InterviewRunner
    analysis: AnalysisSetup | None = None
    retention_job: RetentionJob | None = None

    def close(self) -> None:
        """Stop the retention timer, finish queued analysis and close the store."""
        if self.retention_job is not None:
            self.retention_job.stop()
        if self.analysis is not None:
            if self.analysis.live is not None:
                self.analysis.live.close()
            self.analysis.worker.stop()
            self.analysis.worker.analyzer.close()  # and the model process with it
        self.store.close()


def assemble(
    config: KioskConfig,
    *,
    clock: Clock,
    camera: Camera | None = None,
    microphone: Microphone | None = None,
    on_finalise: Callable[[FinishedInterview], None] | None = None,
    on_notice: Callable[[str], None] | None = None,
    periodic_purge: bool = False,
) -> Kiosk:
    """Build the kiosk from ``config``; devices may be supplied (the demo builds replay ones).

    ``periodic_purge`` starts the retention timer (the long-running app wants it; a one-shot
    command has already purged at start).
    """
    if camera is None or microphone is None:
        built_camera, built_microphone = build_devices(config)
        camera = camera or built_camera
        microphone = microphone or built_microphone
    store = open_store(config)
    # A vendor connector needs results in the clear: keep device copies until delivered.
    store.keyring.retain_device_copy = config.erp.connector != "kiosk"
    # The retention job: at every start (and, in the app, periodically).
    purged = retention.purge(
        store, config.retention_days, clock.now(), actor="system", media_root=config.media_dir
    )
    if purged:
        log.info("deleted %d session(s) past the retention period", purged)
    audit_config_change(store, config, clock.now())
    banks = BankHolder(load_configured_bank(config))
    rec = config.recording
    recorder = AnswerRecorder(
        camera, microphone, video_size=(rec.video_width, rec.video_height), video_fps=rec.video_fps
    )
    runner: InterviewRunner  # the monitor's callbacks post to it once it exists
    analysis = None
    if config.analysis.enabled:
        analysis = build_analysis(
            config,
            store,
            clock,
            on_silence_end=lambda: runner.post(FinishAnswer()),
            on_warning=on_notice or (lambda kind: None),
        )
        if (tap := audio_tap(analysis)) is not None:
            recorder.audio_taps.append(tap)
        if analysis.live is not None:
            recorder.frame_taps.append(analysis.live.on_frame)
    runner = InterviewRunner(
        store=store,
        banks=banks,
        recorder=recorder,
        scratch_root=config.scratch_dir,
        clock=clock,
        settings=EngineSettings(
            device_retry_limit=config.interview.device_retry_limit,
            extra_time_factor=config.interview.extra_time_factor,
            text_answers_offered=config.interview.text_answers,
        ),
        min_free_bytes=rec.min_free_mb * 2**20,
        on_finalise=on_finalise,
        on_notice=on_notice,
        analysis=analysis,
        media_root=config.media_dir if config.erp.upload_media else None,
    )
    recorder.on_device_lost = runner.device_lost
    job = None
    if periodic_purge:
        job = RetentionJob(
            store,
            config.retention_days,
            clock.now,
            interval=config.purge_interval_minutes * 60.0,
            media_root=config.media_dir,
        )
        job.start()
    return Kiosk(config, store, banks, camera, microphone, runner, analysis, job)


def audit_config_change(store: SessionStore, config: KioskConfig, now: float) -> list[str]:
    """Audit which settings changed since the last start (names only, never values); returns
    them. The first start records the baseline without an entry."""
    digests = config_digests(config)
    rows = store.query("SELECT value FROM sync_state WHERE name = 'config.digests'")
    previous: dict[str, str] | None = json.loads(rows[0][0]) if rows else None
    if previous == digests:
        return []
    changed = sorted(k for k in digests.keys() | (previous or {}).keys()
                     if (previous or {}).get(k) != digests.get(k))  # fmt: skip
    with store.transaction() as db:
        db.execute(
            "INSERT OR REPLACE INTO sync_state (name, value) VALUES ('config.digests', ?)",
            [json.dumps(digests, sort_keys=True)],
        )
        if previous is not None:
            store.append_audit(now, "system", "config_changed", "config", {"changed": changed})
    return changed if previous is not None else []


def configure_logging(config: KioskConfig, *, console: bool = True) -> Path:
    """Log to ``<data_dir>/logs/kiosk.log`` (rotated) and, optionally, stderr.

    Log records never carry personal data: code logs ids, stages and sizes only.
    """
    log_dir = config.data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = log_dir / "kiosk.log"
    root = logging.getLogger()
    root.setLevel(config.log_level)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    file_handler = logging.handlers.RotatingFileHandler(path, maxBytes=2**20, backupCount=5)
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(file_handler)
    if console:
        stream = logging.StreamHandler()
        stream.setLevel(logging.WARNING)
        stream.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        root.addHandler(stream)
    return path
