"""Content analysis of one answer: STAR structure, rubric levels, measures, flags and probes.

:func:`analyze_content` reads a transcript against the question's rubric and returns a
:class:`ContentAnalysis` in which every number is backed by quoted :class:`Evidence`. It is
pure (no I/O, no models): the same answer and question always give the same analysis.

**Strength** (``ContentAnalysis.strength``, 0..1) summarises the content for ranking and review;
it is not a competency score (the scorer combines levels with the position's weights)::

    strength = 0.45 × rubric + 0.15 × STAR + 0.15 × specificity + 0.10 × relevance
             + 0.10 × coherence + 0.05 × ownership
             − 0.15 × share of generic-claim sentences
             − 0.10 if keyword_stuffing − 0.10 if too_short          (clipped to 0..1)

where *rubric* averages, over the analysed competencies (the main one – listed first – counted
twice), 0.75 × (level − 1) / 2 + 0.25 × the share of level-3 events matched (from level 2 on,
since at level 1 there is no example for a match to be evidence of); *STAR* is the share
of the STAR elements the level-3 rubrics expect that the answer has; *specificity* is the
specific details per 100 words divided by 5 (capped at 1). Every term is a rate, share or level,
so padding an answer with more words does not raise it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from kiosk.analysis.evidence import Evidence, Measure, Transcript
from kiosk.analysis.measures import (
    coherence,
    generic_claims,
    ownership,
    relevance,
    specificity,
)
from kiosk.analysis.rubric import AnswerContext, RubricMatch, concrete_example, match_rubric
from kiosk.analysis.star import SentenceFacts, read_sentences, star_evidence
from kiosk.analysis.terms import content_terms, word_count
from kiosk.analysis.text import AnalysisInputError, TimedText
from kiosk.bank import (
    MAX_PROBES_ASKED,
    CompetencyRubric,
    LocalizedText,
    ProbeTrigger,
    Question,
    QuestionKind,
    StarElement,
)

#: Fewer words than this cannot tell a STAR story (the sample answers have 25-45).
TOO_SHORT_WORDS = 20
#: Specific details per 100 words that count as fully specific.
FULL_SPECIFICITY_PER_100 = 5.0
#: Relevance below this, or coherence below :data:`OFF_TOPIC_COHERENCE`, flags off_topic.
OFF_TOPIC_RELEVANCE = 0.3
OFF_TOPIC_COHERENCE = 0.5
#: keyword_stuffing: at least this many level-2/3 keyword groups outside action sentences...
STUFFING_MIN_GROUPS = 3
#: ...and more of them there than in action sentences (ratio of outside to inside).
STUFFING_RATIO = 2.0

#: Words that frame every question ("tell us about a time…", 请讲一次…的经历) rather than name
#: its topic; an answer sharing only these with the question is not on topic.
_QUESTION_FRAME = {
    "en": frozenset(
        content_terms(
            "en",
            "time times exactly situation result happen happened difference imagine example "
            "case day week answer specific specifically real",
        )
    ),
    "zh": frozenset(
        content_terms(
            "zh", "请讲 讲讲 一次 经历 当时 情况 具体 结果 如何 假设 时候 做法 例如 有没有"
        )
    ),
}

#: Question kinds whose topic is the candidate (their background, a project of their choice):
#: the prompt's vocabulary says little about whether such an answer is on topic.
_ABOUT_THE_CANDIDATE = frozenset({QuestionKind.SELF_INTRO, QuestionKind.ENGLISH_SPEAKING})

FLAG_TOO_SHORT = "too_short"
FLAG_NO_CONCRETE_EXAMPLE = "no_concrete_example"
FLAG_KEYWORD_STUFFING = "keyword_stuffing"
FLAG_OFF_TOPIC = "off_topic"
FLAG_MOSTLY_WE = "mostly_we"
FLAG_VAGUE = "vague"
FLAG_NO_RESULT = "no_result"


@dataclass(frozen=True, slots=True)
class ContentAnalysis:
    """What an answer says, measured against its question's rubric; every hit is evidence.

    ``star`` has an entry for every STAR element (empty when absent); ``rubric`` has one
    :class:`RubricMatch` per analysed competency, the main one (``main_competency``) first.
    ``specificity`` is details per 100 words; ``ownership``, ``relevance`` and ``coherence``
    are 0..1. ``flags`` name problems a recruiter should know about; ``suggested_probes`` are
    the question's follow-up probes whose condition holds, at most its ``max_probes``.
    ``strength`` (0..1) is defined in the module docstring.
    """

    question_id: str
    language: str
    star: Mapping[StarElement, tuple[Evidence, ...]]
    rubric: Mapping[str, RubricMatch]
    specificity: Measure
    ownership: Measure
    relevance: Measure
    coherence: Measure
    generic_claims: tuple[Evidence, ...]
    word_count: int
    flags: tuple[str, ...]
    suggested_probes: tuple[LocalizedText, ...]
    strength: float
    main_competency: str | None

    def level(self, competency_id: str | None = None) -> int:
        """The rubric level of ``competency_id`` (default: the main competency)."""
        key = competency_id or self.main_competency
        if key is None or key not in self.rubric:
            raise KeyError(f"competency {key!r} was not analysed for {self.question_id!r}")
        return self.rubric[key].level


def analyze_content(
    question: Question, competency_ids: Sequence[str] | None, text: TimedText
) -> ContentAnalysis:
    """Analyse one answer to ``question``.

    ``competency_ids`` chooses which of the question's competencies to score (None: all of
    them, in the question's order; the first is the main one). Raises BankError for a
    competency the question has no rubric for, and AnalysisInputError for a question that is
    not answered by speaking.
    """
    if not question.kind.is_spoken:
        raise AnalysisInputError(f"question {question.id!r} is multiple choice, not spoken")
    chosen = tuple(question.competencies if competency_ids is None else competency_ids)
    rubrics = [question.rubric_for(c) for c in chosen]
    hypothetical = question.kind is QuestionKind.SITUATIONAL
    transcript = Transcript.of(text)
    language = transcript.language
    facts = read_sentences(transcript, hypothetical=hypothetical)
    words = word_count(language, text.text)
    star = star_evidence(transcript, facts)
    present = frozenset(e for e, found in star.items() if found)
    specific = specificity(transcript, words)
    concrete = concrete_example(facts, len(specific.evidence), hypothetical=hypothetical)
    vocabulary = _vocabulary(question, rubrics, language)
    answer_terms = content_terms(language, text.text)
    relevant = relevance(transcript, facts, vocabulary, answer_terms)
    about_candidate = question.kind in _ABOUT_THE_CANDIDATE
    on_topic = any(f.is_action and f.terms & vocabulary for f in facts) and (
        relevant.value >= OFF_TOPIC_RELEVANCE or about_candidate
    )
    context = AnswerContext(transcript, facts, present, concrete, words, on_topic)
    matches = {rubric.competency_id: match_rubric(context, rubric) for rubric in rubrics}
    coherent = coherence(transcript, facts, vocabulary)
    owned = ownership(transcript, facts)
    claims = generic_claims(transcript, facts, specific.evidence)
    stuffing = _keyword_stuffing(matches, facts)
    flags = _flags(
        words=words,
        concrete=concrete,
        stuffing=stuffing,
        # The topic of a self-introduction is the candidate, not the prompt's words.
        relevance=1.0 if about_candidate else relevant.value,
        coherence=coherent.value,
        facts=facts,
        present=present,
        specific=bool(specific.evidence),
    )
    strength = _strength(
        matches=[matches[c] for c in chosen],
        present=present,
        expected=_expected_star(rubrics),
        per_100=specific.value,
        relevance=relevant.value,
        coherence=coherent.value,
        ownership=owned.value,
        generic_share=len(claims) / len(facts) if facts else 0.0,
        flags=flags,
    )
    return ContentAnalysis(
        question_id=question.id,
        language=language,
        star=MappingProxyType(star),
        rubric=MappingProxyType(matches),
        specificity=specific,
        ownership=owned,
        relevance=relevant,
        coherence=coherent,
        generic_claims=claims,
        word_count=words,
        flags=flags,
        suggested_probes=_probes(question, flags, present, concrete),
        strength=strength,
        main_competency=chosen[0] if chosen else None,
    )


def _vocabulary(
    question: Question, rubrics: Sequence[CompetencyRubric], language: str
) -> frozenset[str]:
    """The question's topic terms, without the words every question is framed with."""
    # The question's topic: its prompt plus what levels 2 and 3 of its rubrics look for. Level 1
    # describes the absence of an answer ("no specific example"), which is not the topic.
    texts = [question.prompt.in_language(language)]
    for rubric in rubrics:
        for number in (3, 2):
            level = rubric.level(number)
            texts.extend(e.in_language(language) for e in level.key_behavioural_events)
            texts.extend(form for group in level.keywords.groups(language) for form in group)
    frame = _QUESTION_FRAME[language]
    return frozenset(t for text in texts for t in content_terms(language, text)) - frame


def _expected_star(rubrics: Sequence[CompetencyRubric]) -> frozenset[StarElement]:
    expected = frozenset(s for r in rubrics for s in r.level(3).star_elements)
    return expected or frozenset(StarElement)


def _keyword_stuffing(matches: Mapping[str, RubricMatch], facts: Sequence[SentenceFacts]) -> bool:
    # Rubric keywords said outside any action: the vocabulary of a good answer without its story.
    # Sentences that tell part of a story (an occasion, a task, a result) are not stuffing even
    # without an action verb: "My part was talking to students" is a fine use of "my part".
    bounds = [
        (f.sentence.char_start, f.sentence.char_end, f.is_action or bool(f.star)) for f in facts
    ]
    inside = outside = 0
    for match in matches.values():
        for evidence in match.keywords:
            if not evidence.detail.startswith(("level 3", "level 2")):
                continue
            in_action = any(
                a <= evidence.char_start < b and is_action for a, b, is_action in bounds
            )
            inside += in_action
            outside += not in_action
    return outside >= STUFFING_MIN_GROUPS and outside >= STUFFING_RATIO * max(inside, 1)


def _flags(
    *,
    words: int,
    concrete: bool,
    stuffing: bool,
    relevance: float,
    coherence: float,
    facts: Sequence[SentenceFacts],
    present: frozenset[StarElement],
    specific: bool,
) -> tuple[str, ...]:
    flags = []
    if words < TOO_SHORT_WORDS:
        flags.append(FLAG_TOO_SHORT)
    if not concrete:
        flags.append(FLAG_NO_CONCRETE_EXAMPLE)
    if stuffing:
        flags.append(FLAG_KEYWORD_STUFFING)
    if relevance < OFF_TOPIC_RELEVANCE or coherence < OFF_TOPIC_COHERENCE:
        flags.append(FLAG_OFF_TOPIC)
    mine = sum(f.actor == "i" for f in facts)
    ours = sum(f.actor == "we" for f in facts)
    if ours >= 2 and ours > mine:
        flags.append(FLAG_MOSTLY_WE)
    if not specific:
        flags.append(FLAG_VAGUE)
    if StarElement.RESULT not in present:
        flags.append(FLAG_NO_RESULT)
    return tuple(flags)


def _probes(
    question: Question,
    flags: Sequence[str],
    present: frozenset[StarElement],
    concrete: bool,
) -> tuple[LocalizedText, ...]:
    holds = {
        ProbeTrigger.MISSING_SITUATION: StarElement.SITUATION not in present,
        ProbeTrigger.MISSING_TASK: StarElement.TASK not in present,
        ProbeTrigger.MISSING_ACTION: StarElement.ACTION not in present,
        ProbeTrigger.MISSING_RESULT: StarElement.RESULT not in present,
        ProbeTrigger.VAGUE: FLAG_VAGUE in flags or not concrete,
        ProbeTrigger.TOO_SHORT: FLAG_TOO_SHORT in flags,
        ProbeTrigger.ALWAYS: True,
    }
    limit = min(question.max_probes, MAX_PROBES_ASKED)
    chosen = [p.prompt for p in question.follow_up_probes if holds[p.when]]
    return tuple(chosen[:limit])


def _strength(
    *,
    matches: Sequence[RubricMatch],
    present: frozenset[StarElement],
    expected: frozenset[StarElement],
    per_100: float,
    relevance: float,
    coherence: float,
    ownership: float,
    generic_share: float,
    flags: Sequence[str],
) -> float:
    if matches:
        weights = [2.0] + [1.0] * (len(matches) - 1)
        # Matched events count only from level 2: at level 1 (no concrete example) they are
        # words that happen to fit, not evidence of the behaviour.
        scores = [
            0.75 * (m.level - 1) / 2 + (0.25 * m.coverage if m.level > 1 else 0.0) for m in matches
        ]
        rubric = sum(w * s for w, s in zip(weights, scores, strict=True)) / sum(weights)
    else:
        rubric = 0.0
    star = len(present & expected) / len(expected)
    specific = min(1.0, per_100 / FULL_SPECIFICITY_PER_100)
    value = (
        0.45 * rubric
        + 0.15 * star
        + 0.15 * specific
        + 0.10 * relevance
        + 0.10 * coherence
        + 0.05 * ownership
        - 0.15 * generic_share
        - (0.10 if FLAG_KEYWORD_STUFFING in flags else 0.0)
        - (0.10 if FLAG_TOO_SHORT in flags else 0.0)
    )
    return round(min(1.0, max(0.0, value)), 3)
