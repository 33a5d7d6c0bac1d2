"""The runner with real parts: a SQLite file, replay and OpenCV devices, real recordings."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from hardware import OpenCVCamera, ReplayCamera, ReplayMicrophone, decode_audio
from kiosk.app import Kiosk, assemble
from kiosk.bank import CandidateProfile
from kiosk.clock import ManualClock, SystemClock
from kiosk.config import KioskConfig, load_config
from kiosk.consent import current_notice
from kiosk.demo import samples_dir
from kiosk.engine import (
    Continue,
    DeviceCheckPassed,
    DeviceRestored,
    FinishAnswer,
    GiveConsent,
    Proceed,
    Reset,
    Retake,
    Stage,
    StartAnswer,
)
from kiosk.errors import ErrorKind, VaultError
from kiosk.interview import FinishedInterview
from kiosk.recording import recording_paths
from kiosk.vault.media import read_audio, read_frames
from tests.hardware.mjpeg import MjpegServer

CANARY_NAME = "Zebulon Quaxley-Fernsby"
PROFILE = CandidateProfile(experience_tags=("sales",), fresh_graduate=True)
MEDIA = samples_dir() / "media"
CLIP = MEDIA / "mic_check.ogg"  # ~2 s of speech

NOTICE_VERSION = current_notice(retention_days=180, policy_profile="standard").version


def config_for(tmp_path: Path, *, upload_media: bool = False, **recording: int) -> KioskConfig:
    environ = {"KIOSK_DATA_DIR": str(tmp_path / "data")}
    if upload_media:
        environ["KIOSK_ERP_UPLOAD_MEDIA"] = "true"
    config = load_config(environ=environ)
    if recording:
        config = dataclasses.replace(
            config, recording=dataclasses.replace(config.recording, **recording)
        )
    return config


class Terminal:
    """A kiosk assembled on replay devices at fast pace, with a manual clock."""

    def __init__(self, tmp_path: Path, *, upload_media: bool = False, **recording: int) -> None:
        self.clock = ManualClock()
        self.camera = ReplayCamera(MEDIA / "face_steady.mp4", pace="fast", loop=True)
        self.mic = ReplayMicrophone(None, pace="fast", fill_silence=True)
        self.finished: list[FinishedInterview] = []
        self.kiosk: Kiosk = assemble(
            config_for(tmp_path, upload_media=upload_media, **recording),
            clock=self.clock,
            camera=self.camera,
            microphone=self.mic,
            on_finalise=self.finished.append,
        )
        self.camera.open()
        self.mic.open()

    @property
    def runner(self):  # type: ignore[no-untyped-def]
        return self.kiosk.runner

    def speak(self, clip: Path = CLIP) -> None:
        self.mic.cue(clip)
        assert self.mic.clip_done.wait(timeout=30)
        self.clock.advance(self.runner.recorder.media_seconds)
        self.runner.dispatch(FinishAnswer())

    def to_first_question(self) -> None:
        self.runner.check_in("customer-manager", PROFILE, {"name": CANARY_NAME}, "en")
        for event in (
            Proceed(),
            GiveConsent(NOTICE_VERSION, face_analysis=False),
            DeviceCheckPassed(),
            StartAnswer(),
        ):
            self.runner.dispatch(event)
        self.speak()  # practice
        assert self.runner.state.stage is Stage.PREP

    def answer_all(self) -> None:
        """Answer every remaining question, up to the done screen."""
        runner = self.runner
        while runner.state.stage is not Stage.DONE:
            stage = runner.state.stage
            if stage is Stage.PREP:
                runner.dispatch(StartAnswer())
            elif stage is Stage.ANSWER:
                self.speak()
            elif stage is Stage.REVIEW:
                runner.dispatch(Continue())

    def close(self) -> None:
        self.camera.close()
        self.mic.close()
        self.kiosk.close()


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    t = Terminal(tmp_path)
    yield t
    t.close()


def test_an_answer_records_the_spoken_clip_exactly_and_video_to_match(terminal: Terminal) -> None:
    terminal.to_first_question()
    runner = terminal.runner
    runner.dispatch(StartAnswer())
    terminal.speak()
    assert runner.state.stage is Stage.REVIEW
    (recording,) = runner.recordings()
    assert recording.complete and recording.audio_path.exists() and recording.video_path.exists()
    key = terminal.kiosk.store.session_key(str(runner.state.session_id))
    recorded = read_audio(recording.audio_path, key, recording.recording_id)
    clip = decode_audio(CLIP, 16000)
    # Encrypted on disk: the raw file does not hold the samples.
    pcm = (clip[16_000:16_400] * 32768).round().astype("<i2").tobytes()
    assert pcm not in recording.audio_path.read_bytes()
    # The clip appears whole and unaltered (bar 16-bit quantisation) inside the recording.
    peak = int(np.argmax(np.abs(clip)))
    candidates = np.flatnonzero(np.abs(recorded - clip[peak]) < 1e-4) - peak
    offsets = [o for o in candidates if 0 <= o <= len(recorded) - len(clip)]
    assert any(np.max(np.abs(recorded[o : o + len(clip)] - clip)) < 2 / 32768 for o in offsets)
    assert recording.seconds == pytest.approx(len(recorded) / 16000)
    assert abs(recording.frames - recording.seconds * 10) <= 1
    frames = list(read_frames(recording.video_path, key, recording.recording_id))
    assert len(frames) == recording.frames
    assert [t for t, _ in frames] == pytest.approx([i / 10 for i in range(len(frames))])
    assert frames[0][1].shape == (240, 320, 3)
    assert recording.voiced_ratio > 0.3


def test_a_retake_replaces_the_recording_only_once_complete(terminal: Terminal) -> None:
    terminal.to_first_question()
    runner = terminal.runner
    runner.dispatch(StartAnswer())
    terminal.speak()
    first = runner.recordings()[0]
    runner.dispatch(Retake())
    runner.dispatch(StartAnswer())
    assert first.audio_path.exists(), "the first attempt stays until the retake is complete"
    terminal.speak(MEDIA / "silence.ogg")
    (second,) = runner.recordings()
    assert second.attempt == 2 and second.voiced_ratio < 0.05
    assert not first.audio_path.exists() and not first.video_path.exists()
    session_id = runner.state.session_id
    assert session_id is not None
    assert terminal.kiosk.store.answer_stats(session_id, 0, 1) is None
    assert terminal.kiosk.store.answer_stats(session_id, 0, 2) is not None


def test_a_whole_interview_closes_cleanly_and_leaves_no_plaintext(
    terminal: Terminal, tmp_path: Path
) -> None:
    terminal.to_first_question()
    runner = terminal.runner
    terminal.answer_all()
    (finished,) = terminal.finished
    assert finished.personal["name"] == CANARY_NAME
    assert len(finished.recordings) == len(runner.state.questions)
    session_id = runner.state.session_id
    scratch = terminal.kiosk.config.scratch_dir / str(session_id)
    assert scratch.exists()
    runner.dispatch(Reset())
    assert runner.state.stage is Stage.WELCOME
    assert not scratch.exists()
    row = terminal.kiosk.store.session(str(session_id))
    assert row.outcome == "completed" and row.closed_at is not None
    assert terminal.kiosk.store.consents(str(session_id))[0][:2] == (NOTICE_VERSION, False)
    terminal.kiosk.store.close()
    for path in (tmp_path / "data").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for canary in (CANARY_NAME, "Zebulon", "Quaxley"):
                assert canary.encode() not in data, f"{canary} in plaintext in {path}"


def test_with_media_upload_the_kept_recordings_wait_encrypted_in_the_outbox(
    tmp_path: Path,
) -> None:
    terminal = Terminal(tmp_path, upload_media=True)
    try:
        terminal.to_first_question()
        runner = terminal.runner
        terminal.answer_all()
        session_id = str(runner.state.session_id)
        answers = len(runner.state.answers)
        runner.dispatch(Reset())
        store = terminal.kiosk.store
        kept = sorted((terminal.kiosk.config.media_dir / session_id).iterdir())
        # Audio and video of each kept answer (the practice answer is not kept).
        assert len(kept) == 2 * answers and all(p.name.endswith(".enc") for p in kept)
        rows = store.query(
            "SELECT kind, record_id FROM outbox WHERE session_id = ? ORDER BY seq", [session_id]
        )
        assert [r[0] for r in rows] == ["consent", "result"] + ["media"] * len(kept)
        assert sorted(r[1] for r in rows if r[0] == "media") == [p.name for p in kept]
        assert not (terminal.kiosk.config.scratch_dir / session_id).exists()
    finally:
        terminal.close()


def test_a_restarted_runner_resumes_at_the_unfinished_answer(tmp_path: Path) -> None:
    first = Terminal(tmp_path)
    first.to_first_question()
    first.runner.dispatch(StartAnswer())
    first.speak()
    first.runner.dispatch(Continue())
    first.runner.dispatch(StartAnswer())
    first.mic.cue(CLIP)
    first.mic.clip_done.wait(timeout=30)
    state = first.runner.state
    assert state.stage is Stage.ANSWER and state.index == 1
    session = str(state.session_id)
    partial_audio, _ = recording_paths(first.kiosk.config.scratch_dir / session, 1, 1, False)
    assert partial_audio.exists()
    # The process "dies": nothing is closed or stopped properly.

    second = Terminal(tmp_path)
    try:
        resumed = second.runner.start()
        assert resumed.session_id == session
        assert resumed.stage is Stage.PREP and resumed.index == 1 and resumed.attempt == 1
        assert [a.index for a in resumed.answers] == [0]
        (kept,) = second.runner.recordings()
        assert kept.index == 0 and kept.audio_path.exists()
        assert not partial_audio.exists()
        assert second.kiosk.store.personal(session)["name"] == CANARY_NAME
    finally:
        second.close()
        first.close()


def test_scratch_of_closed_or_unknown_sessions_is_swept_at_start(tmp_path: Path) -> None:
    t = Terminal(tmp_path)
    stray = t.kiosk.config.scratch_dir / "0123456789abcdef"
    stray.mkdir(parents=True)
    (stray / "q00-a1.wav").write_bytes(b"RIFF")
    t.runner.start()
    assert not stray.exists()
    t.close()


def test_too_little_disk_refuses_a_new_interview(tmp_path: Path) -> None:
    t = Terminal(tmp_path, min_free_mb=10**9)
    try:
        with pytest.raises(VaultError) as caught:
            t.runner.check_in("customer-manager", PROFILE, {"name": CANARY_NAME}, "en")
        assert caught.value.kind is ErrorKind.DISK_FULL
        assert "Please ask a staff member" in caught.value.safe_message("en")
        assert t.kiosk.store.sessions() == []
    finally:
        t.close()


@pytest.mark.slow
def test_a_camera_lost_mid_answer_pauses_and_the_question_is_asked_again(tmp_path: Path) -> None:
    server = MjpegServer(fps=15)
    camera = OpenCVCamera(server.url, width=320, height=240, fps=10, lost_after=2.0)
    mic = ReplayMicrophone(None, pace="realtime", fill_silence=True)
    notices: list[str] = []
    kiosk = assemble(
        config_for(tmp_path),
        clock=SystemClock(),
        camera=camera,
        microphone=mic,
        on_notice=notices.append,
    )
    camera.open()
    mic.open()
    runner = kiosk.runner
    try:
        runner.check_in("customer-manager", PROFILE, {"name": CANARY_NAME}, "en")
        for event in (
            Proceed(),
            GiveConsent(NOTICE_VERSION),
            DeviceCheckPassed(),
            StartAnswer(),
            FinishAnswer(),
            StartAnswer(),
        ):
            runner.dispatch(event)
        assert runner.state.stage is Stage.ANSWER and runner.state.index == 0
        mic.cue(CLIP)
        time.sleep(1.0)
        session = str(runner.state.session_id)
        audio, video = recording_paths(kiosk.config.scratch_dir / session, 0, 1, False)
        assert audio.exists()
        server.stop()  # the camera is unplugged mid-answer

        deadline = time.monotonic() + 15
        while runner.pump().stage is not Stage.PAUSED:
            assert time.monotonic() < deadline, "device loss was not noticed"
            time.sleep(0.05)
        # The test stream shows no face, so live vision may also have said so (no_face).
        assert [n for n in notices if n != "no_face"] == ["camera_lost"]
        assert runner.state.paused_from is Stage.ANSWER
        assert not audio.exists() and not video.exists(), "the partial answer is discarded"
        assert runner.recordings() == ()

        server = MjpegServer(fps=15, port=server.port)  # plugged back in
        camera.close()
        camera.open()
        runner.dispatch(DeviceRestored())
        assert runner.state.stage is Stage.PREP and runner.state.index == 0
        assert runner.state.attempt == 1, "a device loss does not use up a retake"
        runner.dispatch(StartAnswer())
        mic.cue(CLIP)
        assert mic.clip_done.wait(timeout=15)
        runner.dispatch(FinishAnswer())
        assert runner.state.stage is Stage.REVIEW
        (recording,) = runner.recordings()
        assert recording.complete and recording.frames >= 10
    finally:
        server.stop()
        camera.close()
        mic.close()
        kiosk.close()
