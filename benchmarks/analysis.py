"""Analysis benchmarks: speech recognition, vision, and the delay to a ready report.

Each row compares a figure with its target on this machine class (2 cores, no GPU); the ratio is
figure / target, so for "≤" targets a ratio below 1 meets it and for "≥" targets above 1 does.
"""

from __future__ import annotations

import json
import re
import resource
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hardware import AudioBlock, ReplayCamera, ReplayMicrophone, WavWriter, decode_audio
from kiosk.bank import load_sample_bank
from kiosk.demo import samples_dir
from kiosk.live import LiveAnalysis, LiveAnswer
from kiosk.pipeline import AnalysisJob, AnswerAnalyzer, signals_from_record
from kiosk.recording import AnswerRecorder
from kiosk.scoring.fusion import score_interview
from kiosk.scoring.policy import policy_for
from kiosk.vault.envelope import SessionKey
from models.registry import ModelRegistry
from models.speech import SpeechRecognizer
from models.vision import FaceAnalyzer

MEDIA = samples_dir() / "media"
Row = tuple[str, str, str, str]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level Levenshtein distance over the reference length (case and punctuation folded)."""
    ref = re.findall(r"[a-z0-9']+", reference.lower())
    hyp = re.findall(r"[a-z0-9']+", hypothesis.lower())
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[-1] / max(1, len(ref))


def bench_asr(recognizer: SpeechRecognizer) -> tuple[float, float]:
    """Real-time factor and mean WER over every sample answer."""
    candidates = json.loads((samples_dir() / "demo_candidates.json").read_text(encoding="utf-8"))
    audio_seconds = busy = 0.0
    errors = []
    for candidate in candidates["candidates"]:
        for answer in candidate["answers"].values():
            if "audio" not in answer:
                continue
            audio = decode_audio(samples_dir() / answer["audio"], 16_000)
            start = time.perf_counter()
            transcript = recognizer.transcribe(audio, "en")
            busy += time.perf_counter() - start
            audio_seconds += len(audio) / 16_000
            errors.append(word_error_rate(answer["text"], transcript.text))
    return busy / audio_seconds, float(np.mean(errors))


def vision_fps(frames: list[npt.NDArray[np.uint8]], seconds: float = 8.0) -> float:
    """Frames per second one FaceAnalyzer sustains (cycling through ``frames``)."""
    with FaceAnalyzer() as analyzer:
        analyzer.analyze(frames[0], 0.0)  # warm-up: first-call graph set-up is not throughput
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            analyzer.analyze(frames[count % len(frames)], count / 10)
            count += 1
    return count / (time.perf_counter() - start)


def bench_vision(recognizer: SpeechRecognizer) -> tuple[float, float]:
    """Vision fps alone, and while speech recognition runs on the other core."""
    camera = ReplayCamera(MEDIA / "face_steady.mp4", pace="fast")
    camera.open()
    frames = [f.image for f in iter(camera.read, None)]
    camera.close()
    alone = vision_fps(frames)
    audio = np.concatenate(
        [decode_audio(p, 16_000) for p in sorted((MEDIA / "demo-customer-manager").glob("*.ogg"))]
    )
    stop = threading.Event()

    def keep_transcribing() -> None:
        while not stop.is_set():
            recognizer.transcribe(audio, "en")

    worker = threading.Thread(target=keep_transcribing, daemon=True)
    worker.start()
    time.sleep(0.5)
    busy = vision_fps(frames)
    stop.set()
    worker.join(timeout=120)
    return alone, busy


def long_answer(path: Path, seconds: float) -> Path:
    """A WAV of sample answers joined (1 s apart) into one answer of about ``seconds``."""
    clips = sorted(MEDIA.glob("demo-*/*.ogg"))
    parts: list[npt.NDArray[np.float32]] = []
    total = 0
    while total < seconds * 16_000:
        clip = decode_audio(clips[len(parts) // 2 % len(clips)], 16_000)
        parts += [clip, np.zeros(16_000, np.float32)]
        total += len(clip) + 16_000
    with WavWriter(path, 16_000) as wav:
        wav.write(AudioBlock(np.concatenate(parts)[: int(seconds * 16_000)], 0, 16_000))
    return path


def bench_last_answer(
    registry: ModelRegistry, seconds: float = 90.0
) -> tuple[float, float, dict[str, Any]]:
    """Seconds from the end of a long last answer to its scored result: analysed live while it
    was recorded in real time (the kiosk's way), and from its files after it ended (baseline).
    """
    bank = load_sample_bank()
    question = bank.question("bei-objection-handling")
    analyzer = AnswerAnalyzer(registry)
    live = LiveAnalysis(analyzer.recognizer, lambda: analyzer.vad().live())
    # Models load once per kiosk process, before the interview: not part of either delay.
    warm_up = MEDIA / "demo-customer-manager" / "bei-objection-handling.ogg"
    analyzer.analyze(AnalysisJob("b", 0, 1, question.id, "en", warm_up, MEDIA / "face_steady.mp4"))
    with tempfile.TemporaryDirectory() as tmp:
        audio = long_answer(Path(tmp) / "answer.wav", seconds)
        camera = ReplayCamera(MEDIA / "face_steady.mp4", pace="realtime", loop=True)
        microphone = ReplayMicrophone(audio, pace="realtime")
        with camera, microphone:
            recorder = AnswerRecorder(camera, microphone)
            recorder.audio_taps.append(live.on_audio)
            recorder.frame_taps.append(live.on_frame)
            live.begin((0, 1), "en")
            key = SessionKey.generate("b")
            recorder.start(Path(tmp) / "rec", 0, 1, key=key)
            microphone.clip_done.wait(seconds + 30)
            time.sleep(0.3)  # the recorder notices the end of the clip
            start = time.perf_counter()
            recording = recorder.stop()
            handle = live.end((0, 1))

            def score(handle: LiveAnswer | None) -> dict[str, Any]:
                paths = (recording.audio_path, recording.video_path)
                job = AnalysisJob("b", 0, 1, question.id, "en", *paths, handle, key)
                record = analyzer.analyze(job)
                signals = signals_from_record(0, question, record, seconds=seconds, language="en")
                policy = policy_for("standard", face_consent=True)
                score_interview(bank, "customer-manager", [signals], policy, min_asr_confidence=0.6)
                return dict(record["pipeline"])

            pipeline = score(handle)
            live_delay = time.perf_counter() - start
            start = time.perf_counter()
            score(None)
            files_delay = time.perf_counter() - start
    live.close()
    return live_delay, files_delay, pipeline


def rows() -> list[Row]:
    """Measure everything; one row per figure."""
    with tempfile.TemporaryDirectory() as tmp:
        registry = ModelRegistry(Path(tmp))
        load = time.perf_counter()
        recognizer = SpeechRecognizer(registry.speech_model_for("en"))
        load = time.perf_counter() - load
        rtf, wer = bench_asr(recognizer)
        alone, busy = bench_vision(recognizer)
        answer_seconds = 90.0
        delay, baseline, pipeline = bench_last_answer(registry, answer_seconds)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return [
        ("whisper tiny.en load", f"{load:.2f} s", "(once per process)", ""),
        ("ASR real-time factor", f"{rtf:.3f}", "target ≤ 0.07", f"{rtf / 0.07:.2f}x"),
        ("ASR word error rate", f"{wer:.1%}", "espeak-ng sample answers", ""),
        ("vision alone", f"{alone:.1f} fps", "target ≥ 15", f"{alone / 15:.2f}x"),
        ("vision while ASR runs", f"{busy:.1f} fps", "target ≥ 15", f"{busy / 15:.2f}x"),
        (
            f"report delay after a {answer_seconds:.0f} s last answer, live",
            f"{delay:.1f} s",
            "target ≤ 5 s",
            f"{delay / 5:.2f}x",
        ),
        (
            "  live: speech chunks / frames analysed / dropped",
            f"{pipeline['speech_chunks']} / {pipeline['frames_analysed']} / "
            f"{pipeline['frames_dropped']}",
            "",
            "",
        ),
        (
            "  same answer analysed from its files after it ended",
            f"{baseline:.1f} s",
            "baseline",
            f"live {delay / baseline:.2f}x",
        ),
        ("peak RSS", f"{peak_mb:.0f} MB", "target ≤ 1536 MB", f"{peak_mb / 1536:.2f}x"),
    ]
