"""The question bank as typed, immutable values.

A bank holds the competency model (behaviourally anchored competencies), the questions with
their rubrics, the positions (competency weights and an interview plan) and the personalisation
rules. Everything here is a frozen dataclass: a loaded bank is shared between the interview
engine, the scorer and the sync worker, and nobody may change it in place. A new bank replaces
the old one as a whole (see :class:`kiosk.bank.BankHolder`).

Build banks with :func:`kiosk.bank.load_bank` or :func:`kiosk.bank.parse_bank`; the
constructors here do not validate.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeVar

from kiosk.errors import BankError

#: The two interview languages every text in a bank must carry.
LANGUAGES: tuple[str, ...] = ("zh", "en")
#: Rubric levels: 3 = key behavioural event fully present, 2 = partly, 1 = absent.
RUBRIC_LEVELS: tuple[int, ...] = (1, 2, 3)
#: However many probes a question lists, no more than this many are ever asked.
MAX_PROBES_ASKED = 2


class _TextEnum(str, enum.Enum):
    """An enum whose members are their JSON strings (StrEnum needs Python 3.11; we support 3.10)."""

    def __str__(self) -> str:
        # Explicit so f-strings print the value on every Python version.
        return str(self.value)


_T = TypeVar("_T")


class QuestionKind(_TextEnum):
    """What a question is for; decides the plan slot it may fill and how it is scored."""

    PRACTICE = "practice"
    SELF_INTRO = "self_intro"
    BEHAVIOURAL = "behavioural"
    SITUATIONAL = "situational"
    ABILITY_MCQ = "ability_mcq"
    ENGLISH_SPEAKING = "english_speaking"

    @property
    def is_spoken(self) -> bool:
        """True if the candidate answers by speaking (everything but the multiple choice)."""
        return self is not QuestionKind.ABILITY_MCQ

    @property
    def is_scored(self) -> bool:
        """True if answers count towards the result (the practice question never does)."""
        return self is not QuestionKind.PRACTICE


class StarElement(_TextEnum):
    """The parts of a STAR answer a rubric level expects."""

    SITUATION = "situation"
    TASK = "task"
    ACTION = "action"
    RESULT = "result"


class ProbeTrigger(_TextEnum):
    """When a follow-up probe is asked."""

    MISSING_SITUATION = "missing_situation"
    MISSING_TASK = "missing_task"
    MISSING_ACTION = "missing_action"
    MISSING_RESULT = "missing_result"
    VAGUE = "vague"
    TOO_SHORT = "too_short"
    ALWAYS = "always"


@dataclass(frozen=True, slots=True)
class LocalizedText:
    """One text in both interview languages."""

    zh: str
    en: str

    def in_language(self, language: str) -> str:
        """The text in ``language`` (``"zh"`` or ``"en"``); ValueError for any other code."""
        if language == "zh":
            return self.zh
        if language == "en":
            return self.en
        raise ValueError(f"unsupported interview language {language!r}; expected 'zh' or 'en'")


@dataclass(frozen=True, slots=True)
class Keywords:
    """Words that signal a rubric level, per language.

    Each entry is a group of synonyms, canonical form first, so the scorer can count a hit
    once however the candidate phrased it.
    """

    zh: tuple[tuple[str, ...], ...] = ()
    en: tuple[tuple[str, ...], ...] = ()

    def groups(self, language: str) -> tuple[tuple[str, ...], ...]:
        """The synonym groups for ``language`` (``"zh"`` or ``"en"``)."""
        if language == "zh":
            return self.zh
        if language == "en":
            return self.en
        raise ValueError(f"unsupported interview language {language!r}; expected 'zh' or 'en'")


@dataclass(frozen=True, slots=True)
class RubricLevel:
    """What an answer at one level (1..3) looks like for one competency."""

    level: int
    key_behavioural_events: tuple[LocalizedText, ...]
    star_elements: tuple[StarElement, ...]
    keywords: Keywords


@dataclass(frozen=True, slots=True)
class CompetencyRubric:
    """How one question's answers are scored for one competency: levels 1, 2 and 3 in order."""

    competency_id: str
    levels: tuple[RubricLevel, ...]

    def level(self, level: int) -> RubricLevel:
        """The rubric for ``level`` (1..3)."""
        for candidate in self.levels:
            if candidate.level == level:
                return candidate
        raise BankError(f"rubric for {self.competency_id!r} has no level {level}")


@dataclass(frozen=True, slots=True)
class FollowUpProbe:
    """A follow-up question the engine may ask after an answer, and when."""

    prompt: LocalizedText
    when: ProbeTrigger


@dataclass(frozen=True, slots=True)
class Question:
    """One interview question with its timing, retake policy and rubric.

    ``language`` is None when the candidate's interview language applies; english_speaking
    questions are always ``"en"``. ``options`` and ``correct_option`` (0-based) are set only for
    ability_mcq questions, whose ``answer_seconds`` is the time limit for choosing.
    """

    id: str
    kind: QuestionKind
    prompt: LocalizedText
    prep_seconds: int
    answer_seconds: int
    retakes: int
    competencies: tuple[str, ...]
    tags: tuple[str, ...]
    language: str | None = None
    rubric: tuple[CompetencyRubric, ...] = ()
    follow_up_probes: tuple[FollowUpProbe, ...] = ()
    max_probes: int = MAX_PROBES_ASKED
    options: tuple[LocalizedText, ...] = ()
    correct_option: int | None = None

    def rubric_for(self, competency_id: str) -> CompetencyRubric:
        """The rubric for one competency this question evidences; BankError if there is none."""
        for rubric in self.rubric:
            if rubric.competency_id == competency_id:
                return rubric
        raise BankError(f"question {self.id!r} has no rubric for competency {competency_id!r}")


@dataclass(frozen=True, slots=True)
class Competency:
    """A competency of the model, with behavioural anchors for levels 1, 2 and 3 (in order)."""

    id: str
    name: LocalizedText
    description: LocalizedText
    levels: tuple[LocalizedText, LocalizedText, LocalizedText]
    #: Share of the score that voice / visual delivery may carry when the jurisdiction policy
    #: admits them (HR decides per competency; e.g. communication, not problem solving).
    voice_weight: float = 0.0
    visual_weight: float = 0.0

    def anchor(self, level: int) -> LocalizedText:
        """The behavioural anchor text for ``level`` (1..3)."""
        if level not in RUBRIC_LEVELS:
            raise BankError(f"competency {self.id!r} has no level {level}; levels are 1..3")
        return self.levels[level - 1]


@dataclass(frozen=True, slots=True)
class QuestionPool:
    """A plan slot filled by choosing ``count`` questions from ``pool`` (ids, in HR's order)."""

    pool: tuple[str, ...]
    count: int


@dataclass(frozen=True, slots=True)
class PositionPlan:
    """Which questions a position's interview draws on, slot by slot (question ids)."""

    practice: str
    self_intro: str
    behavioural: QuestionPool
    situational: QuestionPool
    ability_mcq: QuestionPool | None = None
    english_speaking: str | None = None


@dataclass(frozen=True, slots=True)
class Benchmark:
    """The position's reference distribution for one competency, on the 0..100 scale."""

    mean: float
    sd: float


@dataclass(frozen=True, slots=True)
class Position:
    """An open position: what it weighs (weights sum to 1) and how its interview is planned."""

    id: str
    title: LocalizedText
    department: str
    competency_weights: Mapping[str, float]
    plan: PositionPlan
    benchmark: Mapping[str, Benchmark] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class ProfileCondition:
    """A test on a candidate profile; every constraint that is set must hold.

    Empty tuples and None mean "not constrained". ``any_of`` holds when at least one of its
    conditions does, which is how a rule says "or".
    """

    experience_tags_any: tuple[str, ...] = ()
    fresh_graduate: bool | None = None
    min_years_experience: float | None = None
    max_years_experience: float | None = None
    education_in: tuple[str, ...] = ()
    any_of: tuple[ProfileCondition, ...] = ()


@dataclass(frozen=True, slots=True)
class PersonalisationRule:
    """If a profile meets ``when``, pool questions carrying ``prefer_tags`` are chosen first.

    ``positions`` limits the rule to those position ids; empty means every position.
    """

    id: str
    description: LocalizedText
    when: ProfileCondition
    prefer_tags: tuple[str, ...]
    positions: tuple[str, ...] = ()

    def applies_to(self, position_id: str) -> bool:
        """True if this rule may act on interviews for ``position_id``."""
        return not self.positions or position_id in self.positions


@dataclass(frozen=True, slots=True)
class QuestionBank:
    """A validated question bank. Look things up by id; unknown ids raise BankError.

    ``version`` increases with every change (sync refuses rollbacks); ``rubric_version`` is
    recorded with every result so a score can be traced to the rubric that produced it.
    ``source`` says where the bank was loaded from, for messages only.
    """

    schema_version: int
    bank_id: str
    version: int
    rubric_version: str
    competencies: tuple[Competency, ...]
    questions: tuple[Question, ...]
    positions: tuple[Position, ...]
    personalisation_rules: tuple[PersonalisationRule, ...] = ()
    locale_names: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    source: str = field(default="", compare=False)
    _competency_index: Mapping[str, Competency] = field(init=False, repr=False, compare=False)
    _question_index: Mapping[str, Question] = field(init=False, repr=False, compare=False)
    _position_index: Mapping[str, Position] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Frozen, so the lookup tables are set through object.__setattr__ once, here.
        object.__setattr__(self, "_competency_index", {c.id: c for c in self.competencies})
        object.__setattr__(self, "_question_index", {q.id: q for q in self.questions})
        object.__setattr__(self, "_position_index", {p.id: p for p in self.positions})

    def competency(self, competency_id: str) -> Competency:
        """The competency with this id."""
        return self._lookup(self._competency_index, "competency", competency_id)

    def question(self, question_id: str) -> Question:
        """The question with this id."""
        return self._lookup(self._question_index, "question", question_id)

    def position(self, position_id: str) -> Position:
        """The position with this id."""
        return self._lookup(self._position_index, "position", position_id)

    def _lookup(self, index: Mapping[str, _T], what: str, key: str) -> _T:
        try:
            return index[key]
        except KeyError:
            raise BankError(
                f"unknown {what} {key!r} in bank {self.bank_id!r} version {self.version}"
            ) from None
