"""Fusing each answer's evidence into per-competency scores and an overall score.

For every competency the position weighs:

1. **Content** — each answer whose question evidences the competency contributes its rubric
   level (1 absent, 2 partly, 3 key behavioural event fully present) weighted by the match's
   confidence; a transcript the recogniser was unsure of counts at half confidence. A
   multiple-choice item contributes level 3 if answered correctly, else 1.
2. **Delivery** — only where the bank gives the competency ``signal_weights`` *and* the
   jurisdiction policy admits the family: the mean voice / visual delivery score of the answers
   that evidence it carries that share; the rest stays content.
3. The 1..3 content level maps to 0..1 as ``(level - 1) / 2``; the fused value is shown on
   0..10 and 0..100. The overall score is the position's weighted mean over assessed competencies.

Every number is returned with its parts (``Contribution``), so a report can show the quotes,
measurements and weights behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from kiosk.analysis import ContentAnalysis
from kiosk.analysis.evidence import Evidence
from kiosk.bank import QuestionBank
from kiosk.scoring.delivery import DeliveryScore
from kiosk.scoring.integrity import AnswerObservations, IntegrityFlag, answer_flags
from kiosk.scoring.policy import ScoringPolicy, SignalFamily

#: Below this overall confidence a result goes to human review even without flags.
MIN_CONFIDENCE = 0.5
#: A transcript flagged as uncertain counts at this share of its match confidence.
LOW_ASR_DISCOUNT = 0.5


@dataclass(frozen=True, slots=True)
class AnswerSignals:
    """Everything the analysis found in one answer, ready for fusion."""

    index: int
    question_id: str
    language: str
    observations: AnswerObservations
    content: ContentAnalysis | None = None
    voice: DeliveryScore | None = None
    visual: DeliveryScore | None = None
    choice_correct: bool | None = None
    transcript: str = ""


@dataclass(frozen=True, slots=True)
class Contribution:
    """One part of a competency score: what it is, its value, its weight, whether it counted."""

    family: SignalFamily
    question_id: str
    value: float  # 0..1
    weight: float  # share of the competency score (0 when not counted)
    counted: bool
    explanation: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class BenchmarkComparison:
    """Where the candidate stands against the position's reference distribution."""

    mean: float
    sd: float
    delta: float
    z: float

    def describe(self, name: str, score: int) -> str:
        """E.g. "customer orientation 90, 15 above the position mean (75 ± 10)"."""
        side = "above" if self.delta >= 0 else "below"
        return (
            f"{name} {score}, {abs(self.delta):.0f} {side} the position mean "
            f"({self.mean:.0f} ± {self.sd:.0f})"
        )


@dataclass(frozen=True, slots=True)
class CompetencyScore:
    """A competency's fused score with everything that explains it."""

    competency_id: str
    weight: float  # in the overall score
    assessed: bool
    content_level: float | None  # 1..3
    value: float  # 0..1
    confidence: float
    contributions: tuple[Contribution, ...]
    benchmark: BenchmarkComparison | None = None
    rationale: str = ""

    @property
    def score10(self) -> float:
        """On 0..10, one decimal."""
        return round(self.value * 10, 1)

    @property
    def score100(self) -> int:
        """On 0..100."""
        return round(self.value * 100)


@dataclass(frozen=True, slots=True)
class InterviewScore:
    """The fused result of an interview."""

    position_id: str
    overall: float  # 0..1
    confidence: float
    competencies: tuple[CompetencyScore, ...]
    flags: tuple[IntegrityFlag, ...]
    review_reasons: tuple[str, ...]
    policy: ScoringPolicy
    probes: tuple[tuple[str, str, str], ...] = field(default=())  # (question id, zh, en)

    @property
    def needs_review(self) -> bool:
        """Mandatory human review (the AI never rejects on its own either way)."""
        return bool(self.review_reasons)

    @property
    def overall100(self) -> int:
        """The overall score on 0..100."""
        return round(self.overall * 100)


def score_interview(
    bank: QuestionBank,
    position_id: str,
    answers: Sequence[AnswerSignals],
    policy: ScoringPolicy,
    *,
    min_asr_confidence: float,
) -> InterviewScore:
    """Fuse the answers' signals into competency scores, flags and review reasons."""
    position = bank.position(position_id)
    flags = tuple(
        f
        for a in answers
        for f in answer_flags(a.observations, min_asr_confidence=min_asr_confidence)
    )
    uncertain = {f.question_id for f in flags if f.code in ("low_asr_confidence", "no_speech")}
    scores = tuple(
        _competency(
            bank,
            position_id,
            cid,
            weight=weight,
            answers=answers,
            policy=policy,
            uncertain=uncertain,
        )
        for cid, weight in position.competency_weights.items()
    )
    assessed = [s for s in scores if s.assessed]
    total = sum(s.weight for s in assessed)
    overall = sum(s.value * s.weight for s in assessed) / total if total else 0.0
    confidence = sum(s.confidence * s.weight for s in assessed) / total if total else 0.0
    reasons = [f"{f.code} ({f.question_id})" for f in flags]
    reasons += [f"not assessed: {s.competency_id}" for s in scores if not s.assessed]
    if assessed and confidence < MIN_CONFIDENCE:
        reasons.append(f"low overall confidence {confidence:.2f} (< {MIN_CONFIDENCE})")
    probes = tuple(
        (a.question_id, p.zh, p.en)
        for a in answers
        if a.content
        for p in a.content.suggested_probes
    )
    return InterviewScore(
        position_id, overall, confidence, scores, flags, tuple(reasons), policy, probes
    )


def score_answer(
    bank: QuestionBank, answer: AnswerSignals, policy: ScoringPolicy, *, min_asr_confidence: float
) -> tuple[tuple[CompetencyScore, ...], tuple[IntegrityFlag, ...]]:
    """One answer scored on its own (no position, so no benchmark): for calibrating banks."""
    flags = answer_flags(answer.observations, min_asr_confidence=min_asr_confidence)
    uncertain = {f.question_id for f in flags if f.code in ("low_asr_confidence", "no_speech")}
    question = bank.question(answer.question_id)
    share = 1 / max(1, len(question.competencies))
    scores = tuple(
        _competency(
            bank, None, cid, weight=share, answers=[answer], policy=policy, uncertain=uncertain
        )
        for cid in question.competencies
    )
    return scores, flags


def _competency(
    bank: QuestionBank,
    position_id: str | None,
    cid: str,
    *,
    weight: float,
    answers: Sequence[AnswerSignals],
    policy: ScoringPolicy,
    uncertain: set[str],
) -> CompetencyScore:
    competency = bank.competency(cid)
    relevant = [a for a in answers if cid in bank.question(a.question_id).competencies]
    contents = [c for a in relevant if (c := _content_part(a, cid, uncertain)) is not None]
    benchmark = None if position_id is None else bank.position(position_id).benchmark.get(cid)
    if not contents:
        return CompetencyScore(
            cid,
            weight,
            False,
            None,
            0.0,
            0.0,
            (),
            rationale="no answer gave evidence for this competency",
        )
    total_conf = sum(c.weight for c in contents) or 1e-9
    level = sum((1 + 2 * c.value) * c.weight for c in contents) / total_conf
    content01 = (level - 1) / 2
    shares = {
        SignalFamily.VOICE: competency.voice_weight,
        SignalFamily.VISUAL: competency.visual_weight,
    }
    parts: list[Contribution] = []
    delivery_total = 0.0
    delivery_value = 0.0
    for family, share in shares.items():
        scores = [s for a in relevant if (s := _delivery(a, family)) is not None]
        if share <= 0 or not scores:
            continue
        mean = sum(s.score for s in scores) / len(scores)
        counted = policy.counts(family)
        explanation = "; ".join(
            f"{p.name} {p.value:.2f} {p.unit} ({p.band}) → {p.score:.2f}"
            for s in scores[:1]
            for p in s.parts
        )
        if not counted:
            explanation = f"not counted under policy {policy.profile}: " + explanation
        parts.append(
            Contribution(family, "*", mean, share if counted else 0.0, counted, explanation)
        )
        if counted:
            delivery_total += share
            delivery_value += share * mean
    value = (1 - delivery_total) * content01 + delivery_value
    content_share = 1 - delivery_total
    scaled = [
        Contribution(
            c.family,
            c.question_id,
            c.value,
            content_share * c.weight / total_conf,
            True,
            c.explanation,
            c.evidence,
        )
        for c in contents
    ]
    confidence = min(1.0, total_conf / len(contents)) if contents else 0.0
    comparison = None
    if benchmark is not None and benchmark.sd > 0:
        delta = value * 100 - benchmark.mean
        comparison = BenchmarkComparison(benchmark.mean, benchmark.sd, delta, delta / benchmark.sd)
    rationale = "; ".join(c.explanation for c in contents)
    return CompetencyScore(
        cid,
        weight,
        True,
        round(level, 2),
        value,
        round(confidence, 3),
        (*scaled, *parts),
        comparison,
        rationale,
    )


def _content_part(a: AnswerSignals, cid: str, uncertain: set[str]) -> Contribution | None:
    if a.choice_correct is not None:
        value = 1.0 if a.choice_correct else 0.0
        text = "answered correctly" if a.choice_correct else "answered incorrectly"
        return Contribution(
            SignalFamily.CONTENT,
            a.question_id,
            value,
            1.0,
            True,
            f"{a.question_id}: multiple choice {text}",
        )
    if a.content is None or cid not in a.content.rubric:
        return None
    match = a.content.rubric[cid]
    confidence = match.confidence * (LOW_ASR_DISCOUNT if a.question_id in uncertain else 1.0)
    found = [e.evidence for e in match.events if e.matched and e.evidence is not None]
    found += match.keywords[:3]
    # One sentence can evidence two events; quote it once.
    evidence = tuple({(e.char_start, e.char_end): e for e in found}.values())
    return Contribution(
        SignalFamily.CONTENT,
        a.question_id,
        (match.level - 1) / 2,
        max(confidence, 1e-3),
        True,
        f"{a.question_id}: level {match.level} — {match.rationale}",
        evidence,
    )


def _delivery(a: AnswerSignals, family: SignalFamily) -> DeliveryScore | None:
    return (
        a.voice
        if family is SignalFamily.VOICE
        else a.visual
        if family is SignalFamily.VISUAL
        else None
    )
