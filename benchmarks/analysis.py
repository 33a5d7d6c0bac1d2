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

import numpy as np
import numpy.typing as npt

from hardware import ReplayCamera, decode_audio
from kiosk.bank import load_sample_bank
from kiosk.demo import samples_dir
from kiosk.pipeline import AnalysisJob, AnswerAnalyzer, signals_from_record
from kiosk.scoring.fusion import score_interview
from kiosk.scoring.policy import policy_for
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


def bench_last_answer(registry: ModelRegistry) -> tuple[float, float]:
    """Seconds from the end of the last answer to a fused result, for a ~16 s answer."""
    bank = load_sample_bank()
    analyzer = AnswerAnalyzer(registry)
    question = bank.question("bei-objection-handling")
    audio = MEDIA / "demo-customer-manager" / "bei-objection-handling.ogg"
    analyzer.analyze(AnalysisJob("b", 0, 1, question.id, "en", audio, None))  # load the models
    start = time.perf_counter()
    record = analyzer.analyze(
        AnalysisJob("b", 0, 1, question.id, "en", audio, MEDIA / "face_steady.mp4")
    )
    signals = signals_from_record(0, question, record, seconds=record["seconds"], language="en")
    score_interview(
        bank,
        "customer-manager",
        [signals],
        policy_for("standard", face_consent=True),
        min_asr_confidence=0.6,
    )
    return time.perf_counter() - start, float(record["seconds"])


def rows() -> list[Row]:
    """Measure everything; one row per figure."""
    with tempfile.TemporaryDirectory() as tmp:
        registry = ModelRegistry(Path(tmp))
        load = time.perf_counter()
        recognizer = SpeechRecognizer(registry.speech_model_for("en"))
        load = time.perf_counter() - load
        rtf, wer = bench_asr(recognizer)
        alone, busy = bench_vision(recognizer)
        delay, answer_seconds = bench_last_answer(registry)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return [
        ("whisper tiny.en load", f"{load:.2f} s", "(once per process)", ""),
        ("ASR real-time factor", f"{rtf:.3f}", "target ≤ 0.07", f"{rtf / 0.07:.2f}x"),
        ("ASR word error rate", f"{wer:.1%}", "espeak-ng sample answers", ""),
        ("vision alone", f"{alone:.1f} fps", "target ≥ 15", f"{alone / 15:.2f}x"),
        ("vision while ASR runs", f"{busy:.1f} fps", "target ≥ 15", f"{busy / 15:.2f}x"),
        (
            f"analyse + score last answer ({answer_seconds:.0f} s)",
            f"{delay:.1f} s",
            "target ≤ 5 s",
            f"{delay / 5:.2f}x",
        ),
        ("peak RSS", f"{peak_mb:.0f} MB", "target ≤ 1536 MB", f"{peak_mb / 1536:.2f}x"),
    ]
