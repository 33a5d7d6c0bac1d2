"""STAR structure: which sentences tell the Situation, Task, Action and Result of one occasion.

Each sentence is read once into :class:`SentenceFacts` (its actions, STAR parts, content terms
and English tokens); every later step works from these facts. A sentence can carry several
STAR parts ("Last summer I asked her …" is situation and action).

* situation, task and result come from the cue lexicons in :mod:`kiosk.analysis.lexicon`;
* action is structural: the sentence has an action clause by the candidate or their team
  (:mod:`kiosk.analysis.actions`), so "I organised a meeting" counts and "I am organised" does
  not.

A *claim sentence* – a habit, effort, trait or value marker ("usually", "try my best",
"hard-working", "is important"; 一般, 尽力, 善于, 很重要) and no action – contributes no STAR part
at all: "Usually customers understand in the end" describes no occasion, so its "in the end" is
not a result, and 我善于…推动达成共识 is a self-description, not an agreement reached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from kiosk.analysis.actions import Action, find_actions
from kiosk.analysis.evidence import Evidence, Transcript
from kiosk.analysis.lexicon import cue_pattern
from kiosk.analysis.terms import Token, content_terms, en_tokens
from kiosk.analysis.text import Sentence
from kiosk.bank import StarElement

_CUE_CATEGORY = {
    StarElement.SITUATION: "situation",
    StarElement.TASK: "task",
    StarElement.RESULT: "result",
}


@dataclass(frozen=True, slots=True)
class SentenceFacts:
    """What one sentence contributes: actions, STAR parts (with their cue) and content terms."""

    sentence: Sentence
    actions: tuple[Action, ...]
    star: Mapping[StarElement, str]
    #: A habit, trait or value statement with no action (see the module docstring).
    claim: bool
    terms: frozenset[str]
    tokens: tuple[Token, ...]

    @property
    def actor(self) -> str | None:
        """``"i"`` if the candidate acts in this sentence, ``"we"`` if only their team does."""
        actors = {a.actor for a in self.actions}
        if "i" in actors:
            return "i"
        return "we" if actors else None

    @property
    def is_action(self) -> bool:
        """True when the sentence tells something the candidate or their team did."""
        return bool(self.actions)


def read_sentences(transcript: Transcript, *, hypothetical: bool) -> tuple[SentenceFacts, ...]:
    """Facts for every sentence; ``hypothetical`` is True for situational questions."""
    language = transcript.language
    sentences = transcript.sentences
    actions = find_actions(language, sentences, hypothetical=hypothetical)
    habit_cue = cue_pattern(language, "habitual")
    trait_cue = cue_pattern(language, "traits")
    facts = []
    for sentence, found in zip(sentences, actions, strict=True):
        claim = not found and bool(
            habit_cue.search(sentence.text) or trait_cue.search(sentence.text)
        )
        star: dict[StarElement, str] = {}
        if not claim:
            for element, category in _CUE_CATEGORY.items():
                cue = cue_pattern(language, category).search(sentence.text)
                if cue is not None:
                    star[element] = cue.group()
            if found:
                star[StarElement.ACTION] = _action_cue(transcript, found[0])
        tokens = en_tokens(sentence.text, sentence.char_start) if language == "en" else []
        facts.append(
            SentenceFacts(
                sentence=sentence,
                actions=found,
                star=MappingProxyType(star),
                claim=claim,
                terms=frozenset(content_terms(language, sentence.text)),
                tokens=tuple(tokens),
            )
        )
    return tuple(facts)


def _action_cue(transcript: Transcript, action: Action) -> str:
    return transcript.text.text[action.char_start : action.char_end]


def star_evidence(
    transcript: Transcript, facts: Sequence[SentenceFacts]
) -> dict[StarElement, tuple[Evidence, ...]]:
    """Per STAR element, the sentences that contribute it (every element has an entry)."""
    found: dict[StarElement, list[Evidence]] = {element: [] for element in StarElement}
    for fact in facts:
        for element, cue in fact.star.items():
            if element is StarElement.ACTION:
                who = "the candidate" if fact.actor == "i" else "the team"
                detail = f"action by {who}: {cue!r}"
            else:
                detail = f"{element.value} cue {cue!r}"
            found[element].append(
                transcript.sentence_evidence(f"star.{element.value}", fact.sentence, detail)
            )
    return {element: tuple(items) for element, items in found.items()}
