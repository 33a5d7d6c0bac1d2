"""Whisper tiny.en transcribes the espeak-ng sample answers (real model, real clips)."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from hardware import decode_audio
from kiosk.errors import ErrorKind, ModelError
from models.registry import ModelInfo, ModelRegistry
from models.speech import (
    SAMPLE_RATE,
    Segment,
    SpeechRecognizer,
    Transcript,
    Word,
    join_transcripts,
)

SAMPLES = Path(__file__).resolve().parents[2] / "kiosk" / "samples"

# Function words and number words: Whisper writes "one hundred and twenty" as "120", so
# numbers are not held against it; everything else is a content word.
FUNCTION_AND_NUMBER_WORDS = """
    a an the and or but so of to in on at for from with by as about into than then that this
    these those there here it its i me my we our us you your he she her him his they them their
    is am are was were be been being do did does done have has had will would could should can
    not no if when where why how what which who whom while because very also just only some any
    all both each more most one two three four five six seven eight nine ten twenty thirty forty
    fifty sixty seventy eighty ninety hundred thousand first second third
"""
NOT_CONTENT = set(FUNCTION_AND_NUMBER_WORDS.split())


def content_words(text: str) -> set[str]:
    words = re.findall(r"[a-z']+", text.lower().replace("-", " "))
    return {word for word in words if word not in NOT_CONTENT}


def sample_answers() -> list[tuple[str, Path, str]]:
    data = json.loads((SAMPLES / "demo_candidates.json").read_text(encoding="utf-8"))
    return [
        (f"{candidate['id']}/{question}", SAMPLES / answer["audio"], answer["text"])
        for candidate in data["candidates"]
        for question, answer in candidate["answers"].items()
        if "audio" in answer
    ]


ANSWERS = sample_answers()


@pytest.fixture(scope="module")
def tiny() -> ModelInfo:
    return ModelRegistry(Path("/nonexistent")).speech_model_for("en")


@pytest.fixture(scope="module")
def recognizer(tiny: ModelInfo) -> SpeechRecognizer:
    return SpeechRecognizer(tiny, device="cpu", compute_type="int8", cpu_threads=1)


def test_there_are_sample_answers() -> None:
    assert len(ANSWERS) >= 10


@pytest.mark.slow
@pytest.mark.parametrize(("answer_id", "audio", "text"), ANSWERS, ids=[a[0] for a in ANSWERS])
def test_sample_answer_transcribes(
    recognizer: SpeechRecognizer, answer_id: str, audio: Path, text: str
) -> None:
    samples = decode_audio(audio, SAMPLE_RATE)
    transcript = recognizer.transcribe(samples, "en")
    assert transcript.language == "en"
    assert transcript.model == "whisper-tiny.en@0.1.0"
    assert transcript.duration == pytest.approx(len(samples) / SAMPLE_RATE)
    expected = content_words(text)
    heard = content_words(transcript.text)
    recall = len(expected & heard) / len(expected)
    assert recall >= 0.75, f"{answer_id}: missed {sorted(expected - heard)} in {transcript.text!r}"
    assert not transcript.empty
    assert transcript.doubts == ()
    assert not transcript.low_confidence
    assert transcript.mean_word_probability > 0.6
    # Word timestamps are ordered and inside the clip (which has a 0.5 s lead-in).
    words = transcript.words
    assert len(words) >= 20
    for word in words:
        assert 0.0 <= word.start <= word.end <= transcript.duration, word
        assert 0.0 <= word.probability <= 1.0
        assert word.text and word.text == word.text.strip()
    starts = [word.start for word in words]
    assert starts == sorted(starts)
    for earlier, later in itertools.pairwise(words):
        assert earlier.end <= later.start + 0.01, (earlier, later)
    assert words[-1].end > transcript.duration - 3.0, "the last words are near the clip's end"
    for segment in transcript.segments:
        assert segment.start <= segment.words[0].start + 0.5
        assert segment.words[-1].end <= segment.end + 0.5


@pytest.mark.slow
def test_clear_speech_transcribes_the_same_every_time(recognizer: SpeechRecognizer) -> None:
    samples = decode_audio(ANSWERS[0][1], SAMPLE_RATE)
    assert recognizer.transcribe(samples, "en") == recognizer.transcribe(samples, "en")


@pytest.mark.slow
def test_silence_is_empty_not_confidently_wrong(recognizer: SpeechRecognizer) -> None:
    transcript = recognizer.transcribe(decode_audio(SAMPLES / "media/silence.ogg", 16000), "en")
    # tiny.en decodes this room noise to a few "." segments, which are dropped as silence.
    assert transcript.empty or transcript.low_confidence, transcript
    assert len(transcript.words) <= 2
    assert transcript.duration == pytest.approx(5.0, abs=0.05)


@pytest.mark.slow
def test_gibberish_is_low_confidence(recognizer: SpeechRecognizer) -> None:
    """Reversed speech sounds like a voice but is no language: tiny.en must not be sure of it."""
    _, audio, _ = ANSWERS[1]
    reversed_speech = decode_audio(audio, SAMPLE_RATE)[::-1]
    transcript = recognizer.transcribe(reversed_speech, "en")
    # Whisper re-decodes such audio at random temperatures: the text differs between runs,
    # but it must always be empty or doubted.
    assert transcript.empty or transcript.low_confidence, transcript.text


@pytest.mark.slow
@pytest.mark.parametrize(
    ("voice", "text"),
    [
        (
            "cmn",
            "我是一名金融专业的大四学生。两个暑假我在商场兼职销售手机套餐，四次完成了月度目标。",
        ),
        (
            "fr",
            "Je suis étudiant en dernière année de finance. Pendant deux étés, j'ai vendu des "
            "forfaits téléphoniques dans un centre commercial.",
        ),
    ],
    ids=["mandarin", "french"],
)
def test_answer_in_another_language_is_never_a_confident_transcript(
    recognizer: SpeechRecognizer, tmp_path: Path, voice: str, text: str
) -> None:
    wav = tmp_path / "answer.wav"
    # espeak-ng is one of the Debian packages `make` installs; its absence is a set-up failure.
    assert shutil.which("espeak-ng"), "espeak-ng is missing: run packaging/bootstrap-system.sh"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(wav), text], check=True)
    transcript = recognizer.transcribe(decode_audio(wav, SAMPLE_RATE), "en")
    assert transcript.empty or transcript.low_confidence, transcript.text


def test_empty_audio_gives_an_empty_transcript(recognizer: SpeechRecognizer) -> None:
    transcript = recognizer.transcribe(np.zeros(0, np.float32), "en")
    assert transcript.empty and not transcript.low_confidence and transcript.text == ""
    assert transcript.mean_word_probability == 0.0


def word(text: str, probability: float) -> Word:
    return Word(0.0, 0.1, text, probability)


def transcript_of(*segments: Segment) -> Transcript:
    return Transcript("en", "…", 10.0, segments, "test@1")


def test_each_doubt_rule_fires_on_its_own() -> None:
    """The thresholds, on hand-made transcripts (the real model cannot be steered this finely)."""
    clear = [word(f"w{i}", 0.9) for i in range(20)]
    assert transcript_of(Segment(0, 5, "…", -0.3, 0.1, tuple(clear))).doubts == ()
    unsure = [word(f"w{i}", 0.5) for i in range(20)]
    (doubt,) = transcript_of(Segment(0, 5, "…", -0.3, 0.1, tuple(unsure))).doubts
    assert doubt.startswith("mean word probability 0.50")
    garbled = clear[:10] + [word(f"g{i}", 0.3) for i in range(5)] + clear[10:]
    assert transcript_of(Segment(0, 5, "…", -0.3, 0.1, tuple(garbled))).doubts == (
        "5 unlikely words in a row",
    )
    assert transcript_of(Segment(0, 5, "…", -0.9, 0.1, tuple(clear))).doubts == (
        "mean log-probability -0.90",
    )
    loop = [word(text, 0.9) for text in ["Be", "safe,", "be", "safe."] * 5]
    assert transcript_of(Segment(0, 5, "…", -0.3, 0.1, tuple(loop))).doubts == (
        "repetitive (10% distinct words)",
    )
    assert transcript_of(Segment(0, 5, "…", -0.3, 0.7, tuple(clear))).doubts == (
        "words where Whisper heard no speech",
    )


def test_wrong_language_for_tiny_en_raises(recognizer: SpeechRecognizer) -> None:
    assert recognizer.languages == ("en",)
    with pytest.raises(ModelError, match="does not transcribe 'zh'") as caught:
        recognizer.transcribe(np.zeros(SAMPLE_RATE, np.float32), "zh")
    assert caught.value.kind is ErrorKind.MODEL_UNAVAILABLE


def test_bundle_claiming_chinese_with_an_english_model_still_refuses_chinese(
    tiny: ModelInfo,
) -> None:
    # A manifest may claim more than the model can do; the model's own list wins.
    claims_chinese = ModelInfo(
        "fake", "whisper", "1", ("en", "zh"), tiny.path, False, "MIT", tiny.files
    )
    with pytest.raises(ModelError, match="does not transcribe 'zh'"):
        SpeechRecognizer(claims_chinese).transcribe(np.zeros(SAMPLE_RATE, np.float32), "zh")


def test_stereo_audio_is_a_programming_error(recognizer: SpeechRecognizer) -> None:
    with pytest.raises(ValueError, match="1-D"):
        recognizer.transcribe(np.zeros((2, SAMPLE_RATE), np.float32), "en")


def test_load_failures_are_model_errors(tmp_path: Path, tiny: ModelInfo) -> None:
    vad = ModelRegistry(tmp_path).vad_model()
    with pytest.raises(ModelError, match="not a Whisper model"):
        SpeechRecognizer(vad)
    (tmp_path / "tokenizer.json").write_text("{}", encoding="utf-8")
    broken = ModelInfo("broken", "whisper", "1", ("en",), tmp_path, False)
    with pytest.raises(ModelError, match="cannot load broken@1"):
        SpeechRecognizer(broken)


@pytest.mark.slow
def test_real_time_factor_and_load_time(tiny: ModelInfo) -> None:
    """tiny.en int8 on one thread stays well under real time (measured ~0.06-0.12)."""
    started = time.perf_counter()
    recognizer = SpeechRecognizer(tiny)
    load_seconds = time.perf_counter() - started
    _, audio, _ = ANSWERS[0]
    samples = decode_audio(audio, SAMPLE_RATE)
    started = time.perf_counter()
    transcript: Transcript = recognizer.transcribe(samples, "en")
    rtf = (time.perf_counter() - started) / transcript.duration
    print(f"tiny.en int8 1 thread: load {load_seconds:.2f} s, RTF {rtf:.3f}")  # noqa: T201
    assert load_seconds < 10.0
    assert rtf < 0.5


def test_chunk_transcripts_join_into_one_on_the_clip_timeline(
    recognizer: SpeechRecognizer,
) -> None:
    clips = [path for _, path, _ in sample_answers()[:2]]
    first, second = (decode_audio(path, SAMPLE_RATE) for path in clips)
    a = recognizer.transcribe(first, "en")
    b = recognizer.transcribe(second, "en", context=a.text)
    offset = len(first) / SAMPLE_RATE
    joined = join_transcripts([(0.0, a), (offset, b)], offset + len(second) / SAMPLE_RATE)
    assert joined.text == f"{a.text} {b.text}"
    assert joined.duration == pytest.approx(offset + len(second) / SAMPLE_RATE)
    assert len(joined.words) == len(a.words) + len(b.words)
    assert joined.words[: len(a.words)] == a.words
    shifted = joined.words[len(a.words) :]
    assert [w.start for w in shifted] == pytest.approx([w.start + offset for w in b.words])
    assert all(w.start >= offset for w in shifted)
    assert joined.mean_word_probability == pytest.approx(
        (sum(w.probability for w in a.words) + sum(w.probability for w in b.words))
        / len(joined.words)
    )
    with pytest.raises(ModelError):
        join_transcripts([], 1.0)
