"""Live analysis: answers analysed while they are recorded, with the real models and devices."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from hardware import AudioBlock, ReplayCamera, ReplayMicrophone, WavWriter, decode_audio
from kiosk.demo import samples_dir
from kiosk.errors import ModelError
from kiosk.live import CHUNK_MAX_SECONDS, CHUNK_MIN_SECONDS, LiveAnalysis, _Chunker
from kiosk.monitor import AnswerMonitor
from kiosk.pipeline import AnalysisJob, AnswerAnalyzer
from kiosk.recording import AnswerRecorder
from kiosk.vault.envelope import SessionKey
from models.registry import ModelRegistry
from models.speech import SpeechRecognizer
from models.vad import LiveVad

MEDIA = samples_dir() / "media"
RATE = 16_000
CLIPS = ("bei-objection-handling", "bei-teamwork-disagreement", "sit-sales-pressure")


@pytest.fixture(scope="module")
def analyzer(tmp_path_factory: pytest.TempPathFactory) -> AnswerAnalyzer:
    return AnswerAnalyzer(ModelRegistry(tmp_path_factory.mktemp("models")))


def joined_answer() -> npt.NDArray[np.float32]:
    """Three sample answers a second apart: one answer of about 50 s, with pauses."""
    parts = []
    for name in CLIPS:
        parts += [decode_audio(MEDIA / "demo-customer-manager" / f"{name}.ogg", RATE)]
        parts += [np.zeros(RATE, np.float32)]
    return np.concatenate(parts)


def write_wav(path: Path, samples: npt.NDArray[np.float32]) -> Path:
    with WavWriter(path, RATE) as wav:
        wav.write(AudioBlock(samples, 0, RATE))
    return path


def test_chunks_are_cut_in_pauses_and_add_up_to_the_answer(analyzer: AnswerAnalyzer) -> None:
    audio = joined_answer()
    vad = analyzer.vad()
    chunker = _Chunker(vad.live())
    chunks = []
    for first in range(0, len(audio), 1600):
        if (cut := chunker.add(audio[first : first + 1600])) is not None:
            chunks.append(cut)
    tail = chunker.flush()
    assert tail is not None
    chunks.append(tail)
    assert len(chunks) >= 2
    # Exactly the answer, in order, nothing lost or doubled.
    assert [start for start, _ in chunks] == list(np.cumsum([0] + [len(c) for _, c in chunks[:-1]]))
    assert np.array_equal(np.concatenate([c for _, c in chunks]), audio)
    speech = vad.speech_segments(audio)
    for start, chunk in chunks[:-1]:
        assert CHUNK_MIN_SECONDS <= len(chunk) / RATE <= CHUNK_MAX_SECONDS
        cut = (start + len(chunk)) / RATE
        # A cut falls in a pause, not inside a stretch of speech.
        assert not any(s.start + 0.1 < cut < s.end - 0.1 for s in speech), cut


def test_the_monitor_s_voice_activity_cuts_the_chunks_the_vad_is_not_run_twice(
    analyzer: AnswerAnalyzer,
) -> None:
    """In the app the answer monitor runs the VAD on each block and live analysis cuts at the
    state it returns: the same cuts as with a VAD of its own, which it then never creates."""
    audio = joined_answer()
    vad = analyzer.vad()
    monitor = AnswerMonitor(
        vad.live,
        silence_end_seconds=0.0,  # never end the answer
        no_speech_warn_seconds=120.0,
        on_finish=lambda: None,
        on_warning=lambda kind: None,
    )
    monitor.start()
    shared, own = _Chunker(vad.live), _Chunker(vad.live())
    shared_cuts, own_cuts = [], []
    for first in range(0, len(audio), 1600):
        block = AudioBlock(audio[first : first + 1600], first, RATE)
        state = monitor.observe(block)
        assert state is not None
        if (cut := shared.add(block.samples, state.silence_seconds)) is not None:
            shared_cuts.append(cut[0])
        if (cut := own.add(block.samples)) is not None:
            own_cuts.append(cut[0])
    assert len(own_cuts) >= 1 and shared_cuts == own_cuts
    assert not isinstance(shared._vad, LiveVad)  # its factory was never called


def record_live(
    tmp_path: Path, analyzer: AnswerAnalyzer, live: LiveAnalysis, audio_path: Path
) -> tuple[AnalysisJob, AnalysisJob]:
    """Record ``audio_path`` with a face video at fast pace, live analysis tapping the recorder;
    returns the job with the live result and the same job without it."""
    camera = ReplayCamera(MEDIA / "face_steady.mp4", pace="fast", loop=True)
    microphone = ReplayMicrophone(audio_path, pace="fast")
    with camera, microphone:
        recorder = AnswerRecorder(camera, microphone)
        recorder.audio_taps.append(live.on_audio)
        recorder.frame_taps.append(live.on_frame)
        live.begin((0, 1), "en")
        key = SessionKey.generate("s")
        recorder.start(tmp_path / "rec", 0, 1, key=key)
        assert microphone.clip_done.wait(60)
        recording = recorder.stop()
        handle = live.end((0, 1))
    assert recording.complete
    paths = (recording.audio_path, recording.video_path)
    job = AnalysisJob("s", 0, 1, CLIPS[0], "en", *paths, handle, key)
    return job, dataclasses.replace(job, live=None)


def test_a_live_answer_gives_the_record_the_files_give(
    tmp_path: Path, analyzer: AnswerAnalyzer
) -> None:
    live = LiveAnalysis(analyzer.recognizer, lambda: analyzer.vad().live())
    try:
        audio = joined_answer()
        job, files_job = record_live(tmp_path, analyzer, live, write_wav(tmp_path / "a.wav", audio))
        record = analyzer.analyze(job)
    finally:
        live.close()
    baseline = analyzer.analyze(files_job)
    assert record["pipeline"]["mode"] == "live" and baseline["pipeline"] == {"mode": "files"}
    assert record["pipeline"]["speech_chunks"] >= 2
    assert record["pipeline"]["frames_analysed"] > 0
    assert record["seconds"] == pytest.approx(len(audio) / RATE)
    # The same words, at the same times in the answer (chunk offsets applied).
    live_text, file_text = record["transcript"]["text"].lower(), baseline["transcript"]["text"]
    for word in ("expensive", "survey", "promise", "risk"):
        assert word in live_text and word in file_text.lower()
    words = record["transcript"]["words"]
    assert [w[0] for w in words] == sorted(w[0] for w in words)
    assert words[-1][1] > 30.0 and words[-1][1] <= record["seconds"]
    late = next(w for w in words if "promise" in w[2].lower())
    early = next(w for w in baseline["transcript"]["words"] if "promise" in w[2].lower())
    assert late[0] == pytest.approx(early[0], abs=1.0)
    # Vision on the recorded frames sees the steady face as the file analysis does.
    assert record["video"]["face_present_ratio"]["value"] > 0.9
    assert baseline["video"]["face_present_ratio"]["value"] > 0.9
    assert record["voice"].keys() == baseline["voice"].keys()


def test_a_failing_live_analysis_falls_back_to_the_files(
    tmp_path: Path, analyzer: AnswerAnalyzer
) -> None:
    def no_model(language: str) -> SpeechRecognizer:
        raise ModelError(f"no speech model for {language}")

    live = LiveAnalysis(no_model, lambda: analyzer.vad().live())
    try:
        clip = MEDIA / "demo-customer-manager" / f"{CLIPS[0]}.ogg"
        job, _ = record_live(tmp_path, analyzer, live, clip)
        assert job.live is not None and job.live.result(30) is None
        assert job.live.error is not None
        record = analyzer.analyze(job)
    finally:
        live.close()
    assert record["pipeline"] == {"mode": "files"}
    assert "expensive" in record["transcript"]["text"]
