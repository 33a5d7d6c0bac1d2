"""Voice features on real speech (espeak-ng clips, Whisper words, Silero VAD) and on signals
whose pauses, pitch and fillers are known exactly."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from hardware import decode_audio
from kiosk.errors import ErrorKind, ModelError
from models.features import Span
from models.registry import ModelRegistry
from models.speech import SpeechRecognizer
from models.vad import VoiceActivityDetector
from models.voice import VoiceFeatures, analyze_voice, find_fillers

RATE = 16_000
SAMPLES = Path(__file__).resolve().parents[2] / "kiosk" / "samples"
MEDIA = SAMPLES / "media"
CLIPS = ("practice-warmup", "self-intro", "bei-objection-handling")


@dataclass(frozen=True)
class Word:
    """A recognised word as the voice analysis takes it (faster-whisper names ``text`` ``word``)."""

    start: float
    end: float
    text: str
    probability: float = 0.9


def words_at(*items: tuple[str, float, float]) -> list[Word]:
    return [Word(start, end, text) for text, start, end in items]


# --- synthetic signals --------------------------------------------------------------------


def tones(
    layout: list[tuple[str, float]], f0: float = 150.0, seed: int = 7
) -> npt.NDArray[np.float32]:
    """``("tone"|"gap", seconds)`` pieces: harmonic tones at ``f0`` between silences, plus hiss."""
    pieces = []
    for kind, seconds in layout:
        t = np.arange(round(seconds * RATE)) / RATE
        if kind == "tone":
            pieces.append(0.3 * sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 5)))
        else:
            pieces.append(np.zeros(t.size))
    signal = np.concatenate(pieces)
    signal += np.random.default_rng(seed).normal(0.0, 0.002, signal.size)  # about -54 dBFS
    return np.asarray(signal, dtype=np.float32)


# 0.5 s lead-in, a 0.2 s gap (too short for a pause), then pauses of 0.35, 0.8 and 1.2 s.
LAYOUT = [
    ("gap", 0.5), ("tone", 0.6), ("gap", 0.2), ("tone", 0.5), ("gap", 0.35), ("tone", 0.7),
    ("gap", 0.8), ("tone", 0.4), ("gap", 1.2), ("tone", 0.9), ("gap", 0.6),
]  # fmt: skip
EXPECTED_PAUSES = [(1.8, 2.15), (2.85, 3.65), (4.05, 5.25)]


@pytest.mark.parametrize("vad", [False, True], ids=["energy-gate", "padded-vad"])
def test_synthetic_pauses_are_found_exactly(vad: bool) -> None:
    audio = tones(LAYOUT)
    # A padded VAD segment over all the speech, as Silero gives with its default settings: the
    # energy gate inside it must still find every pause.
    speech = [Span(0.1, 6.6)] if vad else []
    features = analyze_voice(audio, RATE, None, speech, "en")

    found = [(p.start, p.end) for p in features.pause_count.spans]
    assert len(found) == len(EXPECTED_PAUSES)
    for (start, end), (want_start, want_end) in zip(found, EXPECTED_PAUSES, strict=True):
        assert start == pytest.approx(want_start, abs=0.02)
        assert end == pytest.approx(want_end, abs=0.02)
    assert features.pause_count.value == 3
    assert features.pause_total.value == pytest.approx(0.35 + 0.8 + 1.2, abs=0.05)
    assert features.pause_longest.value == pytest.approx(1.2, abs=0.02)
    assert features.pause_longest.spans[0].start == pytest.approx(4.05, abs=0.02)
    # The lead-in and the tail are not pauses; the speech starts after the lead-in.
    assert features.speech[0].start == pytest.approx(0.5, abs=0.02)
    assert features.speech[-1].end == pytest.approx(6.15, abs=0.02)
    assert ("no VAD" not in features.pause_count.method) is vad
    assert features.speaking_rate is None and features.filler_rate is None  # no transcript


def test_pitch_of_a_known_tone_and_a_known_glide() -> None:
    steady = analyze_voice(
        tones([("gap", 0.3), ("tone", 1.5), ("gap", 0.3)], 150.0), RATE, None, [], "en"
    )
    assert steady.pitch_mean is not None and steady.pitch_sd_semitones is not None
    assert steady.pitch_mean.value == pytest.approx(150.0, abs=0.5)
    assert steady.pitch_sd_semitones.value < 0.05
    assert steady.voiced_ratio is not None and steady.voiced_ratio.value > 0.95

    # One octave up over 2 s: semitones rise linearly from 0 to 12, so their SD is 12/sqrt(12).
    t = np.arange(2 * RATE) / RATE
    phase = 2 * np.pi * np.cumsum(100.0 * 2.0 ** (t / 2.0)) / RATE
    glide = np.concatenate(
        [np.zeros(4000), 0.3 * (np.sin(phase) + 0.5 * np.sin(2 * phase)), np.zeros(4000)]
    )
    rising = analyze_voice(glide.astype(np.float32), RATE, None, [], "en")
    assert rising.pitch_sd_semitones is not None and rising.pitch_mean is not None
    assert rising.pitch_sd_semitones.value == pytest.approx(12 / np.sqrt(12), rel=0.05)
    assert rising.pitch_mean.value == pytest.approx(
        float(np.mean(100.0 * 2.0 ** (t / 2.0))), rel=0.02
    )


def test_rates_count_words_over_the_speaking_time() -> None:
    audio = tones([("gap", 1.0), ("tone", 1.0), ("gap", 1.0), ("tone", 1.0), ("gap", 1.0)])
    # Six words, one of them punctuation only; speech from 1 to 4 s with a 1 s pause.
    words = words_at(("We", 1.0, 1.3), ("shipped", 1.3, 1.7), ("it.", 1.7, 2.0),
                     ("-", 2.0, 2.0), ("Then", 3.0, 3.4), ("celebrated.", 3.4, 4.0))  # fmt: skip
    features = analyze_voice(audio, RATE, words, [], "en")
    assert features.speaking_rate is not None and features.articulation_rate is not None
    assert features.speaking_rate.value == pytest.approx(5 / 3 * 60, rel=0.02)
    assert features.articulation_rate.value == pytest.approx(5 / 2 * 60, rel=0.02)
    assert features.speaking_rate.unit == "words/min"
    assert features.speaking_rate.spans[0].start == pytest.approx(1.0, abs=0.02)


def test_chinese_rate_counts_han_characters() -> None:
    audio = tones([("gap", 0.5), ("tone", 2.0), ("gap", 0.5)])
    words = words_at(
        ("我们", 0.5, 1.0), ("完成了", 1.0, 1.6), ("项目。", 1.6, 2.2), ("OK", 2.2, 2.5)
    )
    features = analyze_voice(audio, RATE, words, [], "zh-CN")
    assert features.speaking_rate is not None
    assert features.speaking_rate.unit == "chars/min"
    assert features.speaking_rate.value == pytest.approx(7 / 2 * 60, rel=0.02)


def test_english_fillers_only_where_they_are_fillers() -> None:
    words = words_at(
        ("So", 0.0, 0.2), ("um", 0.3, 0.5), ("I", 0.6, 0.7), ("was,", 0.7, 0.9),
        ("like,", 1.0, 1.2), ("really", 1.3, 1.6), ("busy.", 1.6, 2.0),
        ("I", 2.5, 2.6), ("like", 2.6, 2.8), ("pizza.", 2.8, 3.2),  # a verb
        ("You", 3.6, 3.7), ("know,", 3.7, 3.9), ("we", 4.0, 4.1),
        ("like", 4.1, 4.3), ("like", 4.3, 4.5), ("tried.", 4.5, 4.9),  # repeated
        ("Do", 5.3, 5.4), ("you", 5.4, 5.5), ("know", 5.5, 5.7), ("the", 5.7, 5.8),
        ("answer?", 5.8, 6.2), ("I", 6.6, 6.7), ("mean", 6.7, 6.9), ("it.", 6.9, 7.1),
        ("Uh", 7.5, 7.7), ("I", 8.2, 8.3), ("mean", 8.3, 8.5), ("we", 9.0, 9.2),  # pause after
    )  # fmt: skip
    fillers = find_fillers(words, [], "en")
    assert [(f.text, f.span.start, f.span.end) for f in fillers] == [
        ("um", 0.3, 0.5),
        ("like", 1.0, 1.2),
        ("you know", 3.6, 3.9),
        ("like", 4.1, 4.3),
        ("like", 4.3, 4.5),
        ("uh", 7.5, 7.7),
        ("i mean", 8.2, 8.5),
    ]


def test_a_measured_pause_makes_like_a_filler_even_without_commas() -> None:
    words = words_at(("it", 0.0, 0.3), ("was", 0.3, 0.6), ("like", 0.6, 1.2), ("hard", 1.2, 1.5))
    # The recogniser stretched "like" over the silences around it; the audio shows them.
    pauses = [Span(0.6, 0.9), Span(0.95, 1.25)]
    assert [f.text for f in find_fillers(words, pauses, "en")] == ["like"]
    assert find_fillers(words, [], "en") == []


def test_chinese_fillers_by_the_documented_heuristic() -> None:
    words = words_at(
        ("嗯，", 0.0, 0.3),  # hesitation sound: always
        ("然后我们", 0.5, 1.3),  # 然后 followed by more words: a conjunction
        ("就是，", 1.3, 1.7),  # followed by a pause: filler
        ("那个人", 1.7, 2.3),  # a demonstrative
        ("是啊。", 2.3, 2.7),  # sentence-final particle
        ("啊", 3.2, 3.4),  # after a pause: hesitation
        ("然后然后", 3.4, 4.2),  # repeated: both
        ("去了", 4.2, 4.6),
    )  # fmt: skip
    fillers = find_fillers(words, [], "zh")
    assert [f.text for f in fillers] == ["嗯", "就是", "啊", "然后", "然后"]
    # Characters share their word's time: 然后然后 spans 3.4-4.2 s, so each 然后 is 0.4 s.
    spans = [(f.span.start, f.span.end) for f in fillers[3:]]
    assert spans == [pytest.approx((3.4, 3.8)), pytest.approx((3.8, 4.2))]


def test_filler_rate_and_its_spans() -> None:
    audio = tones([("gap", 0.5), ("tone", 3.0), ("gap", 0.5)])
    words = words_at(("Um", 0.5, 0.8), ("we", 0.9, 1.2), ("uh", 1.3, 1.6), ("won.", 1.7, 3.5))
    features = analyze_voice(audio, RATE, words, [], "en")
    assert features.filler_rate is not None
    assert features.filler_rate.value == pytest.approx(2 / 3 * 60, rel=0.02)
    assert features.filler_rate.spans == (Span(0.5, 0.8), Span(1.3, 1.6))
    # No filler lexicon for French: no filler rate, but the word rates still count.
    french = analyze_voice(audio, RATE, words, [], "fr")
    assert french.filler_rate is None and french.speaking_rate is not None


def test_timeline_bins_loudness_and_speaking() -> None:
    features = analyze_voice(
        tones([("gap", 1.0), ("tone", 2.0), ("gap", 1.5)]), RATE, None, [], "en"
    )
    rows = features.timeline(1.0)
    assert [r.t for r in rows] == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert [r.speaking for r in rows] == [False, True, True, False, False]
    assert rows[1].loudness_db > rows[0].loudness_db + 30
    assert rows[-1].speech_fraction == 0.0
    assert len(features.timeline(0.5)) == 9
    with pytest.raises(ModelError):
        features.timeline(0)


def test_bad_audio_is_refused() -> None:
    with pytest.raises(ModelError) as error:
        analyze_voice(np.zeros((2, 100), np.float32), RATE, None, [], "en")
    assert error.value.kind is ErrorKind.INVALID_INPUT
    with pytest.raises(ModelError):
        analyze_voice(np.full(100, np.nan, np.float32), RATE, None, [], "en")


# --- real speech: espeak-ng clips, Whisper tiny.en words, Silero VAD segments -------------------


@dataclass(frozen=True)
class Heard:
    audio: npt.NDArray[np.float32]
    words: list[Word]
    vad: list[Span]


@pytest.fixture(scope="module")
def hear(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Heard]]:
    """Words and speech segments of the sample clips from the kiosk's own models, computed once."""
    registry = ModelRegistry(tmp_path_factory.mktemp("bundles"))
    recognizer = SpeechRecognizer(registry.speech_model_for("en"))
    detector = VoiceActivityDetector(registry.vad_model())
    heard: dict[str, Heard] = {}
    for name, path in [(c, MEDIA / "demo-customer-manager" / f"{c}.ogg") for c in CLIPS] + [
        ("silence", MEDIA / "silence.ogg")
    ]:
        audio = decode_audio(path, RATE)
        transcript = recognizer.transcribe(audio, "en")
        words = [Word(w.start, w.end, w.text, w.probability) for w in transcript.words]
        vad = [Span(seg.start, seg.end) for seg in detector.speech_segments(audio)]
        heard[name] = Heard(audio, words, vad)
    yield heard


def sentences_of(clip: str) -> list[str]:
    candidates = json.loads((SAMPLES / "demo_candidates.json").read_text(encoding="utf-8"))
    text = next(c for c in candidates["candidates"] if c["id"] == "demo-customer-manager")
    return [s for s in re.split(r"(?<=[.!?;])\s+", text["answers"][clip]["text"].strip()) if s]


@pytest.mark.slow
@pytest.mark.parametrize("clip", CLIPS)
def test_espeak_clips_rate_pauses_pitch_and_loudness(hear: dict[str, Heard], clip: str) -> None:
    heard = hear[clip]
    features: VoiceFeatures = analyze_voice(heard.audio, RATE, heard.words, heard.vad, "en")
    assert features.speaking_rate is not None and features.articulation_rate is not None
    # espeak-ng speaks at 150 words per minute; pauses between sentences slow the rate.
    assert 100 <= features.speaking_rate.value <= 220
    assert features.articulation_rate.value > features.speaking_rate.value
    # The sentences are joined by 0.3-0.6 s silences (espeak adds its own at commas): each
    # sentence end is followed by a detected pause of that length.
    pauses = features.pause_count.spans
    assert len(pauses) >= len(sentences_of(clip)) - 1
    assert all(0.25 <= p.duration <= 0.8 for p in pauses)
    ends = [w.end for w in heard.words[:-1] if w.text.strip()[-1] in ".!?"]
    assert len(ends) >= 1
    for end in ends:
        assert any(abs(p.start - end) < 0.5 for p in pauses), f"no pause after {end:.2f} s"
    assert features.speech[0].start == pytest.approx(0.5, abs=0.15)  # the 0.5 s lead-in
    # espeak's en-us voice: a low, steady synthetic pitch.
    assert features.pitch_mean is not None and features.pitch_sd_semitones is not None
    assert 80 <= features.pitch_mean.value <= 160
    assert features.pitch_sd_semitones.value < 3.0
    assert features.voiced_ratio is not None and 0.2 <= features.voiced_ratio.value <= 1.0
    assert features.loudness_mean is not None and -35 <= features.loudness_mean.value <= -15
    assert features.filler_rate is not None and features.filler_rate.value == 0.0
    # The same clip without VAD segments falls back to the energy gate, and says so.
    gated = analyze_voice(heard.audio, RATE, heard.words, [], "en")
    assert "no VAD" in gated.pause_count.method
    assert abs(gated.pause_count.value - features.pause_count.value) <= 1


@pytest.mark.slow
def test_silence_has_no_speech(hear: dict[str, Heard]) -> None:
    heard = hear["silence"]
    features = analyze_voice(heard.audio, RATE, heard.words, heard.vad, "en")
    assert features.speech == ()
    assert features.speaking_rate is not None and features.speaking_rate.value == 0.0
    assert features.pause_count.value == 0
    assert features.loudness_mean is None and features.pitch_mean is None
    assert not any(row.speaking for row in features.timeline())
