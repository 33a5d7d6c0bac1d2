"""Silero VAD v6 finds the speech in the espeak-ng sample answers (real model, real clips).

Each answer clip is a 0.5 s lead-in, sentences separated by 0.3-0.6 s pauses, and a 0.8 s tail,
with room noise throughout (see kiosk/samples/media/README.md).
"""

from __future__ import annotations

import itertools
import json
import re
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from hardware import decode_audio
from kiosk.errors import ModelError
from models.registry import ModelInfo, ModelRegistry
from models.vad import (
    SAMPLE_RATE,
    WINDOW,
    WINDOW_SECONDS,
    SpeechSegment,
    VadState,
    VoiceActivityDetector,
)

SAMPLES = Path(__file__).resolve().parents[2] / "kiosk" / "samples"
LEAD_IN, TAIL, LONGEST_PAUSE = 0.5, 0.8, 0.6


def answers() -> list[tuple[str, Path, int]]:
    """(id, clip, number of sentences) of every sample answer."""
    data = json.loads((SAMPLES / "demo_candidates.json").read_text(encoding="utf-8"))
    return [
        (
            f"{candidate['id']}/{question}",
            SAMPLES / answer["audio"],
            len(re.split(r"(?<=[.!?;])\s+", answer["text"].strip())),
        )
        for candidate in data["candidates"]
        for question, answer in candidate["answers"].items()
        if "audio" in answer
    ]


ANSWERS = answers()


@pytest.fixture(scope="module")
def detector() -> VoiceActivityDetector:
    return VoiceActivityDetector(ModelRegistry(Path("/nonexistent")).vad_model())


@pytest.fixture(scope="module")
def silence() -> npt.NDArray[np.float32]:
    return decode_audio(SAMPLES / "media" / "silence.ogg", SAMPLE_RATE)


@pytest.mark.parametrize(("answer_id", "audio", "sentences"), ANSWERS, ids=[a[0] for a in ANSWERS])
def test_segments_cover_the_spoken_answer(
    detector: VoiceActivityDetector, answer_id: str, audio: Path, sentences: int
) -> None:
    samples = decode_audio(audio, SAMPLE_RATE)
    duration = len(samples) / SAMPLE_RATE
    segments = detector.speech_segments(samples)
    assert segments, answer_id
    # Speech starts after the lead-in and ends before the tail (within a window or two plus
    # the 0.05 s padding).
    assert segments[0].start == pytest.approx(LEAD_IN, abs=0.12)
    assert segments[-1].end == pytest.approx(duration - TAIL, abs=0.2)
    # No gap is longer than the longest pause the generator put between sentences, and the
    # segments cover nearly all of the time between lead-in and tail.
    for earlier, later in itertools.pairwise(segments):
        assert 0.0 < later.start - earlier.end <= LONGEST_PAUSE
    spoken = duration - LEAD_IN - TAIL
    assert sum(segment.duration for segment in segments) >= 0.85 * spoken
    # With a shorter minimum silence every sentence pause shows up as a split.
    assert len(detector.speech_segments(samples, min_silence_seconds=0.15)) >= sentences


def test_a_long_pause_splits_the_answer_where_it_is(
    detector: VoiceActivityDetector, silence: npt.NDArray[np.float32]
) -> None:
    first = decode_audio(ANSWERS[0][1], SAMPLE_RATE)
    second = decode_audio(ANSWERS[1][1], SAMPLE_RATE)
    pause = silence[: 2 * SAMPLE_RATE]
    segments = detector.speech_segments(np.concatenate([first, pause, second]))
    gaps = [(a.end, b.start) for a, b in itertools.pairwise(segments)]
    longest_end, longest_start = max(gaps, key=lambda gap: gap[1] - gap[0])
    first_seconds = len(first) / SAMPLE_RATE
    # The pause is 2 s of room noise between the first clip's 0.8 s tail and the second's
    # 0.5 s lead-in: 3.3 s of no speech, minus the padding on both sides.
    assert longest_start - longest_end == pytest.approx(3.3, abs=0.3)
    assert longest_end == pytest.approx(first_seconds - TAIL, abs=0.2)


def test_room_noise_has_no_speech(
    detector: VoiceActivityDetector, silence: npt.NDArray[np.float32]
) -> None:
    assert detector.speech_segments(silence) == ()
    assert float(detector.probabilities(silence).max()) < detector.threshold
    assert detector.speech_segments(np.zeros(0, np.float32)) == ()


def test_short_clicks_are_not_speech(detector: VoiceActivityDetector) -> None:
    samples = decode_audio(ANSWERS[0][1], SAMPLE_RATE)
    probabilities = detector.probabilities(samples)
    assert probabilities.shape == (-(-len(samples) // WINDOW),)
    lenient = detector.speech_segments(samples, min_speech_seconds=0.0, min_silence_seconds=0.0)
    strict = detector.speech_segments(samples, min_speech_seconds=2.0, min_silence_seconds=0.0)
    assert all(segment.duration >= 2.0 for segment in strict)
    assert len(strict) < len(lenient)


def feed(tracker_input: npt.NDArray[np.float32], detector: VoiceActivityDetector) -> list[VadState]:
    """Feed in blocks of varying size (1 sample to 0.2 s), as a microphone might deliver."""
    tracker = detector.live()
    rng = np.random.default_rng(7)
    states, position = [], 0
    while position < len(tracker_input):
        size = int(rng.integers(1, 3200))
        states.append(tracker.update(tracker_input[position : position + size]))
        position += size
    return states


def test_live_tracker_follows_speech_then_trailing_silence(
    detector: VoiceActivityDetector, silence: npt.NDArray[np.float32]
) -> None:
    answer = decode_audio(ANSWERS[0][1], SAMPLE_RATE)
    stream = np.concatenate([answer, silence])
    states = feed(stream, detector)
    speech_end = len(answer) / SAMPLE_RATE - TAIL
    before = [s for s in states if s.total_seconds < LEAD_IN - 0.1]
    during = [s for s in states if LEAD_IN + 0.3 < s.total_seconds < speech_end - 0.3]
    after = [s for s in states if s.total_seconds > speech_end + 0.5]
    assert before and not any(s.speaking for s in before)
    assert all(s.silence_seconds == s.total_seconds for s in before), "nobody spoke yet"
    assert sum(s.speaking for s in during) / len(during) > 0.9
    assert not any(s.speaking for s in after)
    trailing = [s.silence_seconds for s in after]
    assert trailing == sorted(trailing) and trailing[-1] > trailing[0]
    last = states[-1]
    assert last.total_seconds == pytest.approx(len(stream) / SAMPLE_RATE, abs=WINDOW_SECONDS)
    assert last.silence_seconds == pytest.approx(TAIL + len(silence) / SAMPLE_RATE, abs=0.25)
    # The live tracker hears as much speech as the clip's segments hold (minus their padding).
    segments = detector.speech_segments(answer, min_silence_seconds=0.0, pad_seconds=0.0)
    assert last.speech_seconds == pytest.approx(sum(s.duration for s in segments), abs=0.1)


def test_live_tracker_hears_nobody_in_room_noise(
    detector: VoiceActivityDetector, silence: npt.NDArray[np.float32]
) -> None:
    last = feed(silence, detector)[-1]
    assert (last.speaking, last.speech_seconds) == (False, 0.0)
    assert last.silence_seconds == last.total_seconds > 4.9


def test_live_windows_match_the_whole_clip(detector: VoiceActivityDetector) -> None:
    """Carrying the LSTM state and context across blocks gives the batch's probabilities."""
    samples = decode_audio(ANSWERS[2][1], SAMPLE_RATE)
    whole = detector.speech_segments(
        samples, min_speech_seconds=0.0, min_silence_seconds=0.0, pad_seconds=0.0
    )
    speech_windows = sum(round(s.duration / WINDOW_SECONDS) for s in whole)
    live = feed(samples, detector)[-1]
    # Equal except perhaps the last, zero-padded window, which the live tracker still buffers.
    assert abs(live.speech_seconds - speech_windows * WINDOW_SECONDS) <= WINDOW_SECONDS + 1e-9


def test_invalid_models_and_audio_are_refused(tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path)
    with pytest.raises(ModelError, match="not Silero VAD"):
        VoiceActivityDetector(registry.speech_model_for("en"))
    (tmp_path / "bad.onnx").write_bytes(b"not a model")
    bad = ModelInfo("bad", "silero-vad", "1", (), tmp_path, False, "", (("bad.onnx", "0" * 64),))
    with pytest.raises(ModelError, match="cannot load bad@1"):
        VoiceActivityDetector(bad)
    detector = VoiceActivityDetector(registry.vad_model())
    with pytest.raises(ValueError, match="1-D"):
        detector.speech_segments(np.zeros((2, 512), np.float32))


def test_speed_per_window(detector: VoiceActivityDetector) -> None:
    """A 32 ms window costs well under a millisecond (measured ~0.2 ms live, 0.07 batched)."""
    samples = decode_audio(ANSWERS[0][1], SAMPLE_RATE)
    windows = len(samples) // WINDOW
    tracker = detector.live()
    started = time.perf_counter()
    for index in range(windows):
        tracker.update(samples[index * WINDOW : (index + 1) * WINDOW])
    live_ms = (time.perf_counter() - started) / windows * 1000
    started = time.perf_counter()
    detector.probabilities(samples)
    batch_ms = (time.perf_counter() - started) / windows * 1000
    print(f"Silero VAD v6: {live_ms:.3f} ms per window live, {batch_ms:.3f} batched")  # noqa: T201
    assert live_ms < 5.0


def test_segment_duration() -> None:
    assert SpeechSegment(1.0, 2.5).duration == 1.5
