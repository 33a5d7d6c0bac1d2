"""Fusion, policy profiles and integrity flags — on real content analysis and real models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.analysis import TimedText, analyze_content
from kiosk.bank import load_sample_bank
from kiosk.demo import samples_dir
from kiosk.errors import ErrorKind, ModelError
from kiosk.pipeline import AnalysisJob, AnswerAnalyzer, signals_from_record
from kiosk.scoring.delivery import visual_delivery, voice_delivery
from kiosk.scoring.fusion import AnswerSignals, score_interview
from kiosk.scoring.integrity import AnswerObservations
from kiosk.scoring.policy import SignalFamily, policy_for
from models.registry import ModelRegistry

BANK = load_sample_bank()
MEDIA = samples_dir() / "media"
STRONG = (
    "Last summer I worked in a phone shop. A customer objected that our plan was too expensive. "
    "I listened and asked about her real concern, and learned she mostly used data, so I "
    "adjusted the offer and suggested a cheaper data plan. She signed that day and later "
    "referred two friends, and my monthly sales rose by 15 percent."
)
CANDIDATE = json.loads((samples_dir() / "demo_candidates.json").read_text(encoding="utf-8"))


def signals(question_id: str, text: str, index: int = 0, **obs: object) -> AnswerSignals:
    question = BANK.question(question_id)
    content = analyze_content(question, None, TimedText.from_plain(text, "en"))
    observations = AnswerObservations(
        question_id,
        "en",
        60.0,
        speech_seconds=50.0,
        word_count=content.word_count,
        asr_confidence=0.9,
        face_present_ratio=1.0,
        gaze_on_ratio=0.9,
        **obs,
    )  # type: ignore[arg-type]
    voice = voice_delivery(
        language="en",
        speaking_rate=60,
        filler_rate=10,
        longest_pause=6,
        pitch_variation_semitones=0.8,
    )  # poor delivery, to make it visible
    visual = visual_delivery(gaze_on_camera=0.1, smile_ratio=0.0)
    return AnswerSignals(index, question_id, "en", observations, content, voice, visual)


def customer_orientation(profile: str, face_consent: bool = False) -> tuple[float, list[str]]:
    answers = [signals("bei-objection-handling", STRONG)]
    result = score_interview(
        BANK,
        "customer-manager",
        answers,
        policy_for(profile, face_consent=face_consent),
        min_asr_confidence=0.6,
    )
    score = next(c for c in result.competencies if c.competency_id == "customer_orientation")
    counted = sorted({p.family.value for p in score.contributions if p.counted})
    return score.value, counted


def test_policy_profiles_change_which_signals_count_and_say_why() -> None:
    standard, standard_counted = customer_orientation("standard")
    eu, eu_counted = customer_orientation("eu")
    cn_without, cn_counted = customer_orientation("cn", face_consent=False)
    cn_with, cn_consented = customer_orientation("cn", face_consent=True)
    strict, strict_counted = customer_orientation("strict")
    assert standard_counted == ["content", "visual", "voice"]
    assert eu_counted == ["content", "voice"] == cn_counted
    assert cn_consented == ["content", "visual", "voice"]
    assert strict_counted == ["content"]
    # Poor delivery pulls the score down only where delivery counts.
    assert strict > eu > standard
    assert cn_without == pytest.approx(eu) and cn_with == pytest.approx(standard)
    recorded = policy_for("eu", face_consent=True).to_json()
    assert recorded["counted"] == ["content", "voice"] and "Art. 5(1)(f)" in recorded["reasons"][0]  # type: ignore[index]


def test_every_number_carries_its_evidence_and_the_benchmark_is_explained() -> None:
    result = score_interview(
        BANK,
        "customer-manager",
        [signals("bei-objection-handling", STRONG)],
        policy_for("standard", face_consent=False),
        min_asr_confidence=0.6,
    )
    score = next(c for c in result.competencies if c.competency_id == "customer_orientation")
    content = [p for p in score.contributions if p.family is SignalFamily.CONTENT]
    assert content and all(e.quote in STRONG for p in content for e in p.evidence)
    assert sum(p.weight for p in score.contributions) == pytest.approx(1.0)
    assert score.benchmark is not None
    text = score.benchmark.describe("Customer orientation", score.score100)
    assert (
        text.startswith(f"Customer orientation {score.score100}, ") and "position mean (72" in text
    )
    # Competencies no answer evidenced are reported as not assessed, and that needs review.
    assert any(not c.assessed for c in result.competencies)
    assert result.needs_review


def test_a_strong_answer_outscores_weak_ones_end_to_end() -> None:
    weak = "I always try my best to help customers. Communication is very important to me."
    policy = policy_for("strict", face_consent=False)

    def score_of(text: str) -> float:
        result = score_interview(
            BANK,
            "customer-manager",
            [signals("bei-objection-handling", text)],
            policy,
            min_asr_confidence=0.6,
        )
        return next(
            c.value for c in result.competencies if c.competency_id == "customer_orientation"
        )

    assert score_of(STRONG) > score_of(weak)


@pytest.mark.parametrize(
    ("obs", "code"),
    [
        ({"face_present_ratio": 0.5, "no_face_spans": ((10.0, 40.0),)}, "face_absent"),
        ({"multiple_faces_ratio": 0.3, "multiple_faces_spans": ((5.0, 23.0),)}, "multiple_faces"),
        ({"gaze_on_ratio": 0.1}, "looking_away"),
        ({"speech_seconds": 0.5}, "no_speech"),
        ({"asr_confidence": 0.3}, "low_asr_confidence"),
        ({"word_count": 7}, "too_short"),
    ],
)
def test_integrity_flags_send_the_result_to_review(obs: dict[str, object], code: str) -> None:
    base = {
        "speech_seconds": 50.0,
        "word_count": 80,
        "asr_confidence": 0.9,
        "face_present_ratio": 1.0,
        "gaze_on_ratio": 0.9,
    }
    observations = AnswerObservations("bei-objection-handling", "en", 60.0, **{**base, **obs})  # type: ignore[arg-type]
    answer = AnswerSignals(
        0,
        "bei-objection-handling",
        "en",
        observations,
        analyze_content(
            BANK.question("bei-objection-handling"), None, TimedText.from_plain(STRONG, "en")
        ),
    )
    result = score_interview(
        BANK,
        "customer-manager",
        [answer],
        policy_for("eu", face_consent=False),
        min_asr_confidence=0.6,
    )
    assert [f.code for f in result.flags] == [code]
    assert result.needs_review and any(code in r for r in result.review_reasons)


@pytest.fixture(scope="module")
def analyzer(tmp_path_factory: pytest.TempPathFactory) -> AnswerAnalyzer:
    return AnswerAnalyzer(ModelRegistry(tmp_path_factory.mktemp("bundles")))


def analysed(
    analyzer: AnswerAnalyzer, video: str, question_id: str = "bei-objection-handling"
) -> AnswerSignals:
    audio = MEDIA / "demo-customer-manager" / f"{question_id}.ogg"
    job = AnalysisJob("s", 0, 1, question_id, "en", audio, MEDIA / video)
    record = analyzer.analyze(job)
    return signals_from_record(
        0, BANK.question(question_id), record, seconds=record["seconds"], language="en"
    )


@pytest.mark.slow
def test_the_real_models_flag_a_missing_face_and_a_second_person(analyzer: AnswerAnalyzer) -> None:
    steady = analysed(analyzer, "face_steady.mp4")
    away = analysed(analyzer, "face_away.mp4")
    two = analysed(analyzer, "two_faces.mp4")
    policy = policy_for("eu", face_consent=False)

    def codes(answer: AnswerSignals) -> list[str]:
        result = score_interview(BANK, "customer-manager", [answer], policy, min_asr_confidence=0.6)
        return [f.code for f in result.flags]

    assert codes(steady) == []
    assert "face_absent" in codes(away)
    assert "multiple_faces" in codes(two)
    flag_spans = away.observations.no_face_spans
    assert flag_spans and max(e - s for s, e in flag_spans) >= 1.0
    # The transcript of the real recording carries the answer's words, with times.
    expected = CANDIDATE["candidates"][0]["answers"]["bei-objection-handling"]["text"].lower()
    assert steady.content is not None
    hits = [w for w in ("concern", "data", "plan") if w in steady.transcript.lower()]
    assert hits and all(w in expected for w in hits)


@pytest.mark.slow
def test_a_language_without_a_verified_model_is_refused(tmp_path: Path) -> None:
    analyzer = AnswerAnalyzer(ModelRegistry(tmp_path))
    with pytest.raises(ModelError) as caught:
        analyzer.recognizer("zh")
    assert caught.value.kind is ErrorKind.MODEL_UNAVAILABLE
    assert "zh" in str(caught.value)
