"""Live answer monitoring with the real Silero VAD: silence ends an answer, no speech warns."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from hardware import AudioBlock, ReplayCamera, ReplayMicrophone, decode_audio
from kiosk.app import assemble
from kiosk.bank import CandidateProfile
from kiosk.clock import ManualClock
from kiosk.config import load_config
from kiosk.consent import current_notice
from kiosk.demo import samples_dir
from kiosk.engine import DeviceCheckPassed, FinishAnswer, GiveConsent, Proceed, Stage, StartAnswer
from kiosk.monitor import AnswerMonitor
from models.registry import ModelRegistry
from models.vad import VoiceActivityDetector

MEDIA = samples_dir() / "media"

NOTICE_VERSION = current_notice(retention_days=180, policy_profile="standard").version


def blocks(audio: np.ndarray, size: int = 1600) -> list[AudioBlock]:
    return [AudioBlock(audio[i : i + size], i, 16_000) for i in range(0, len(audio), size)]


def test_silence_after_speech_ends_the_answer_and_silence_alone_warns(tmp_path: Path) -> None:
    detector = VoiceActivityDetector(ModelRegistry(tmp_path).vad_model())
    events: list[str] = []
    monitor = AnswerMonitor(
        detector.live,
        silence_end_seconds=2.0,
        no_speech_warn_seconds=3.0,
        on_finish=lambda: events.append("finish"),
        on_warning=events.append,
    )
    speech = decode_audio(MEDIA / "demo-customer-manager" / "practice-warmup.ogg", 16_000)
    monitor.start()
    for i, block in enumerate(blocks(np.concatenate([speech, np.zeros(16_000 * 3, np.float32)]))):
        monitor.observe(block)
        if events:
            finished_at = (i + 1) * 0.1
            break
    assert events == ["finish"]
    # It ended about 2 s after the speech stopped, not before the speech did.
    assert len(speech) / 16_000 + 1.0 < finished_at < len(speech) / 16_000 + 3.0
    # The VAD goes on (live analysis reads its state until the recorder stops); no second end.
    after = [monitor.observe(b) for b in blocks(np.zeros(16_000, np.float32))]
    assert [s.total_seconds for s in after if s] == sorted({s.total_seconds for s in after if s})
    assert len(after) == 10 and all(s is not None and s.silence_seconds > 2.0 for s in after)
    assert events == ["finish"]

    events.clear()
    monitor.start()
    for block in blocks(decode_audio(MEDIA / "silence.ogg", 16_000)):
        monitor.observe(block)
    assert events == ["no_speech"]


def test_the_runner_ends_an_answer_on_a_long_silence(tmp_path: Path) -> None:
    config = load_config(
        environ={
            "KIOSK_DATA_DIR": str(tmp_path / "data"),
            "KIOSK_ANALYSIS_SILENCE_END_SECONDS": "1.5",
        }
    )
    camera = ReplayCamera(MEDIA / "face_steady.mp4", pace="fast", loop=True)
    mic = ReplayMicrophone(None, pace="fast", fill_silence=True)
    kiosk = assemble(config, clock=ManualClock(), camera=camera, microphone=mic)
    camera.open()
    mic.open()
    runner = kiosk.runner
    try:
        runner.check_in("customer-manager", CandidateProfile(), {"name": "x"}, "en")
        for event in (
            Proceed(),
            GiveConsent(NOTICE_VERSION),
            DeviceCheckPassed(),
            StartAnswer(),
            FinishAnswer(),
            StartAnswer(),
        ):
            runner.dispatch(event)
        assert runner.state.stage is Stage.ANSWER
        mic.cue(MEDIA / "demo-customer-manager" / "practice-warmup.ogg")
        deadline = time.monotonic() + 20
        while runner.pump().stage is Stage.ANSWER:  # nobody taps "I'm done"
            assert time.monotonic() < deadline, "the silence did not end the answer"
            time.sleep(0.05)
        assert runner.state.stage is Stage.REVIEW
        (recording,) = runner.recordings()
        assert recording.seconds < 20
    finally:
        camera.close()
        mic.close()
        kiosk.close()
