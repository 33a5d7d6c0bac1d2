"""The no-face notice: live vision asks the candidate to face the camera when, during an
answer, no face has been seen for a while; once per answer, and never while a face is there."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from hardware import ReplayCamera, ReplayMicrophone, VideoFrame
from kiosk.app import build_analysis, open_store
from kiosk.clock import SystemClock
from kiosk.config import load_config
from kiosk.demo import samples_dir
from kiosk.errors import ModelError
from kiosk.live import NO_FACE_WARN_SECONDS, LiveAnalysis
from kiosk.recording import AnswerRecorder
from kiosk.vault.envelope import SessionKey
from models.registry import ModelRegistry
from models.speech import Transcriber
from models.vad import VoiceActivityDetector

MEDIA = samples_dir() / "media"
FPS = 10.0


def blank_video(path: Path, seconds: float = 2.0) -> Path:
    """An empty room: a dark grey mp4 with no face in it."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), FPS, (320, 240))
    assert writer.isOpened()
    for _ in range(int(seconds * FPS)):
        writer.write(np.full((240, 320, 3), 30, np.uint8))
    writer.release()
    return path


def no_speech_model(language: str) -> Transcriber:
    raise ModelError(f"no speech model for {language}")  # vision alone is under test here


def record_answer(tmp_path: Path, video: Path, live: LiveAnalysis) -> None:
    """Five seconds of a quiet room recorded at fast pace, live analysis tapping it (replayed
    files loop, so the blank two-second video fills the answer)."""
    camera = ReplayCamera(video, pace="fast", loop=True)
    microphone = ReplayMicrophone(MEDIA / "silence.ogg", pace="fast")
    with camera, microphone:
        recorder = AnswerRecorder(camera, microphone, video_fps=FPS)
        recorder.audio_taps.append(live.on_audio)
        recorder.frame_taps.append(live.on_frame)
        for attempt in (1, 2):
            live.begin((0, attempt), "en")
            microphone.cue(MEDIA / "silence.ogg")
            recorder.start(tmp_path / "rec", 0, attempt, key=SessionKey.generate("s"))
            assert microphone.clip_done.wait(60)
            recording = recorder.stop()
            live.end((0, attempt)).result(60)
            assert recording.seconds > NO_FACE_WARN_SECONDS + 1


@pytest.mark.slow
def test_an_empty_picture_gives_one_notice_per_answer_and_a_face_none(tmp_path: Path) -> None:
    vad = VoiceActivityDetector(ModelRegistry(tmp_path / "models").vad_model())
    notices: list[str] = []
    live = LiveAnalysis(no_speech_model, vad.live, on_warning=notices.append)
    try:
        record_answer(tmp_path / "blank", blank_video(tmp_path / "blank.mp4"), live)
        assert notices == ["no_face", "no_face"]  # two answers, one notice each
        notices.clear()
        record_answer(tmp_path / "face", MEDIA / "face_steady.mp4", live)
        assert notices == []
    finally:
        live.close()


@pytest.mark.slow
def test_the_app_wires_the_notice_to_the_candidate_screen_callback(tmp_path: Path) -> None:
    """As ``kiosk run`` builds it: vision in the model process, the notice through the same
    callback as ``no_speech``, under the ``cn`` profile without face consent too (presence
    detection only; see kiosk.live)."""
    config = load_config(
        environ={"KIOSK_DATA_DIR": str(tmp_path / "data"), "KIOSK_POLICY_PROFILE": "cn"}
    )
    store = open_store(config)
    notices: list[str] = []
    analysis = build_analysis(
        config, store, SystemClock(), on_silence_end=lambda: None, on_warning=notices.append
    )
    live = analysis.live
    assert live is not None
    face = ReplayCamera(MEDIA / "face_steady.mp4", pace="fast", loop=True)
    empty = ReplayCamera(blank_video(tmp_path / "blank.mp4"), pace="fast", loop=True)
    try:
        for attempt, camera in ((1, empty), (2, face)):
            live.begin((0, attempt), "en")
            with camera:
                for index in range(int((NO_FACE_WARN_SECONDS + 1) * FPS)):
                    frame = camera.read()
                    assert frame is not None
                    live.on_frame(VideoFrame(frame.image, index, index / FPS), index / FPS)
            live.end((0, attempt))
            if attempt == 1:
                assert notices == ["no_face"]
        assert notices == ["no_face"]
        host = analysis.worker.analyzer.host
        assert host is not None and host.pid is not None  # vision ran in the model process
    finally:
        live.close()
        analysis.worker.stop()
        analysis.worker.analyzer.close()
        store.close()
