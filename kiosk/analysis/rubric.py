"""Rubric levels: which key behavioural events an answer evidences, per competency.

**Matching an event without embeddings.** For each key behavioural event of a level and each
*action sentence* of the answer (see :mod:`kiosk.analysis.actions`) the matcher scores::

    score = shared content terms / min(event terms, CAP) + 0.2 × min(keyword groups hit, 2)

Content terms are stemmed, stop-word-free English concepts or Chinese character bigrams
(:mod:`kiosk.analysis.terms`); CAP (8 English concepts, 10 Chinese bigrams) keeps a long event
description from being unreachable; keyword groups are the synonym groups of that level's rubric
keywords found in the same sentence. The event is **matched** by its best sentence when
``score ≥ 0.3`` and the sentence shares at least one content term with the event: roughly, a
keyword plus one shared word, or about a third of the event's words. Keywords alone never match
an event (they are level-wide, not tied to one event), and only action sentences are scored, so
an answer that lists rubric words without saying what the candidate did matches nothing.

**Levels** (1..3, the rubric's behavioural anchors). An answer without a concrete example (see
:func:`concrete_example`) is level 1 whatever it matches – every anchor puts "no specific
example" there. Otherwise:

* 3 – every level-3 event is matched (two thirds of them when a level lists three or more),
  at least one of them by the candidate as "I", and the answer has every STAR element the
  level-3 rubric lists;
* 2 – partly: some level-3 event or a level-2 event is matched, or an on-topic answer tells
  the candidate's actions with a result (or with everything the level-2 rubric's STAR list
  expects) although no event was recognised;
* 1 – absent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from kiosk.analysis.evidence import Evidence, Transcript
from kiosk.analysis.star import SentenceFacts
from kiosk.analysis.terms import content_terms, find_phrase
from kiosk.bank import CompetencyRubric, RubricLevel, StarElement

EVENT_THRESHOLD = 0.3
KEYWORD_WEIGHT = 0.2
MAX_KEYWORD_GROUPS = 2
EVENT_TERM_CAP = {"en": 8, "zh": 10}
#: With three or more level-3 events, this share of them counts as "fully present".
FULL_SHARE_MANY_EVENTS = 2 / 3


@dataclass(frozen=True, slots=True)
class EventMatch:
    """One key behavioural event and the best action sentence for it."""

    event_text: str
    level: int
    matched: bool
    score: float
    evidence: Evidence | None


@dataclass(frozen=True, slots=True)
class RubricMatch:
    """The level one answer reaches for one competency, and why.

    ``events`` lists the level-3 events, then the level-2 ones; ``keywords`` quotes the first
    hit of every keyword group of any level (each group once); ``confidence`` (0..1) says how
    clear-cut the decision is; ``rationale`` is one sentence for the recruiter.
    """

    competency_id: str
    level: int
    events: tuple[EventMatch, ...]
    keywords: tuple[Evidence, ...]
    confidence: float
    rationale: str

    @property
    def coverage(self) -> float:
        """Share of the level-3 key behavioural events that were matched."""
        top = [e for e in self.events if e.level == 3]
        return sum(e.matched for e in top) / len(top) if top else 0.0


@dataclass(frozen=True, slots=True)
class AnswerContext:
    """What the rubric matcher needs to know about the whole answer."""

    transcript: Transcript
    facts: tuple[SentenceFacts, ...]
    present: frozenset[StarElement]
    concrete: bool
    word_count: int
    #: Some action sentence shares vocabulary with the question (not only "I took the metro"),
    #: and the answer as a whole is on topic (or is a self-introduction, whose topic is the
    #: candidate rather than the question's words).
    on_topic: bool


def concrete_example(facts: Sequence[SentenceFacts], specifics: int, *, hypothetical: bool) -> bool:
    """True when the answer tells one specific occasion (behavioural) or concrete steps
    (situational): actions plus a situation or specific details; for a hypothetical case,
    at least two action clauses."""
    actions = sum(len(f.actions) for f in facts)
    if hypothetical:
        return actions >= 2
    has_situation = any(StarElement.SITUATION in f.star for f in facts)
    return actions >= 1 and (has_situation or specifics > 0)


def keyword_hits(
    context: AnswerContext, level: RubricLevel
) -> list[tuple[int, int, int, str, str]]:
    """Every (sentence index, start, end, canonical, form) hit of a level's keyword groups.

    Each group is reported once per sentence (its first synonym found there).
    """
    language = context.transcript.language
    hits = []
    for fact in context.facts:
        sentence = fact.sentence
        for group in level.keywords.groups(language):
            for form in group:
                span = find_phrase(language, form, sentence.text, fact.tokens, sentence.char_start)
                if span is not None:
                    hits.append((sentence.index, span[0], span[1], group[0], form))
                    break
    return hits


def match_rubric(context: AnswerContext, rubric: CompetencyRubric) -> RubricMatch:
    """Decide the level of one competency (see the module docstring)."""
    transcript = context.transcript
    language = transcript.language
    events: list[EventMatch] = []
    keywords: dict[str, Evidence] = {}
    for number in (3, 2, 1):
        level = rubric.level(number)
        hits = keyword_hits(context, level)
        for _index, start, end, canonical, form in hits:
            key = f"{number}:{canonical}"
            if key not in keywords:
                said = "" if form == canonical else f" (said {form!r})"
                # The lowest level's keywords mark a weak answer ("I always try my best").
                kind = "keyword.low" if number == 1 else "keyword"
                keywords[key] = transcript.evidence(
                    kind, start, end, f"level {number} keyword {canonical!r}{said}"
                )
        if number == 1:
            continue
        groups_per_sentence: dict[int, set[str]] = {}
        for index, _start, _end, canonical, _form in hits:
            groups_per_sentence.setdefault(index, set()).add(canonical)
        for event in level.key_behavioural_events:
            text = event.in_language(language)
            events.append(_match_event(context, text, number, groups_per_sentence))
    level_number, rationale = _decide(context, rubric, events)
    ordered = tuple(sorted(keywords.values(), key=lambda e: e.char_start))
    return RubricMatch(
        competency_id=rubric.competency_id,
        level=level_number,
        events=tuple(events),
        keywords=ordered,
        confidence=_confidence(context, events),
        rationale=rationale,
    )


def _match_event(
    context: AnswerContext, text: str, level: int, groups: dict[int, set[str]]
) -> EventMatch:
    language = context.transcript.language
    wanted = frozenset(content_terms(language, text))
    cap = min(len(wanted), EVENT_TERM_CAP[language]) or 1
    best: tuple[float, SentenceFacts | None, int, int] = (0.0, None, 0, 0)
    for candidate in context.facts:
        if not candidate.is_action:
            continue
        shared = len(wanted & candidate.terms)
        keyword_groups = min(len(groups.get(candidate.sentence.index, ())), MAX_KEYWORD_GROUPS)
        score = shared / cap + KEYWORD_WEIGHT * keyword_groups
        if score > best[0]:
            best = (score, candidate, shared, keyword_groups)
    score, fact, shared, keyword_groups = best
    matched = score >= EVENT_THRESHOLD and shared >= 1
    evidence = None
    if fact is not None and matched:
        detail = (
            f"level {level} event: {shared} shared term(s), {keyword_groups} keyword group(s), "
            f"score {score:.2f}"
        )
        evidence = context.transcript.sentence_evidence("event", fact.sentence, detail)
    return EventMatch(text, level, matched, round(score, 3), evidence)


def _owned(events: Sequence[EventMatch], facts: Sequence[SentenceFacts]) -> bool:
    by_start = {f.sentence.char_start: f for f in facts}
    return any(
        e.matched and e.evidence is not None and by_start[e.evidence.char_start].actor == "i"
        for e in events
    )


def _decide(
    context: AnswerContext, rubric: CompetencyRubric, events: Sequence[EventMatch]
) -> tuple[int, str]:
    if not context.concrete:
        # The anchors put "no specific example" at level 1, whatever words the answer uses.
        return 1, "Level 1: no specific occasion – the answer does not tell one concrete example."
    top = [e for e in events if e.level == 3]
    if any(e.matched for e in top):
        return _from_top_events(context, rubric, top)
    lower = [e for e in events if e.level == 2 and e.matched]
    if lower:
        return 2, f"Level 2: the answer matches the level-2 anchor {lower[0].event_text!r}."
    # A concrete, on-topic story the lexical matcher could not pin to an event is still
    # "partly present": it has a result, or everything the level-2 anchor expects.
    second = {StarElement.ACTION, *rubric.level(2).star_elements}
    if context.on_topic and (
        {StarElement.ACTION, StarElement.RESULT} <= context.present or second <= context.present
    ):
        return 2, (
            "Level 2: a concrete example with the candidate's actions, but none of the rubric's "
            "key behavioural events was recognised."
        )
    return 1, "Level 1: no action the candidate describes matches a key behavioural event."


def _from_top_events(
    context: AnswerContext, rubric: CompetencyRubric, top: Sequence[EventMatch]
) -> tuple[int, str]:
    matched = [e for e in top if e.matched]
    needed = len(top) if len(top) < 3 else math.ceil(len(top) * FULL_SHARE_MANY_EVENTS)
    wanted_star = rubric.level(3).star_elements
    missing = [s.value for s in wanted_star if s not in context.present]
    owned = _owned(matched, context.facts)
    if len(matched) >= needed and not missing and owned:
        parts = ", ".join(s.value for s in wanted_star) or "the expected structure"
        return 3, (
            f"Level 3: {len(matched)} of {len(top)} key behavioural events are evidenced by the "
            f"candidate's own actions, with {parts}."
        )
    reasons = []
    if len(matched) < needed:
        reasons.append(f"only {len(matched)} of {len(top)} key behavioural events evidenced")
    if missing:
        reasons.append("missing " + " and ".join(missing))
    if not owned:
        reasons.append("the actions are told as 'we'")
    return 2, "Level 2: " + "; ".join(reasons) + "."


def _confidence(context: AnswerContext, events: Sequence[EventMatch]) -> float:
    # How far each level-3 event's best score sits from the threshold (a clear hit or a clear
    # miss is decisive), how much the candidate said, and how sure the recogniser was.
    top = [e for e in events if e.level == 3] or list(events)
    if top:
        decisiveness = sum(
            min(1.0, abs(e.score - EVENT_THRESHOLD) / EVENT_THRESHOLD) for e in top
        ) / len(top)
    else:
        decisiveness = 0.5
    length = min(1.0, context.word_count / 60)
    asr = context.transcript.alignment.mean_probability
    return round(0.5 * decisiveness + 0.3 * length + 0.2 * asr, 3)
