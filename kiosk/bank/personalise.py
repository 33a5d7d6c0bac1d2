"""Choosing a candidate's questions: the position's plan, personalised by the candidate profile.

Selection is deterministic (same bank and profile, same questions in the same order), so a
resumed interview re-plans to exactly the questions it started with, and a recruiter can
reproduce why a question was asked from the rule ids recorded in the plan.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.bank.model import (
    PersonalisationRule,
    ProfileCondition,
    Question,
    QuestionBank,
    QuestionPool,
)
from kiosk.errors import BankError, ErrorKind

_PROFILE_FIELDS = ("experience_tags", "fresh_graduate", "years_experience", "education")


class ProfileError(BankError, ValueError):
    """A candidate profile from the HR system has a wrong field or type.

    Both a BankError (it is about interview content) and a ValueError (it is bad input).
    """

    default_kind = ErrorKind.INVALID_INPUT


@dataclass(frozen=True, slots=True)
class CandidateProfile:
    """What the personalisation rules may look at; every field is optional.

    Tags and education are lower-case (``from_mapping`` normalises them) so that "Sales" from
    one HR export and "sales" from another match the same rule.
    """

    experience_tags: tuple[str, ...] = ()
    """Kinds of experience, e.g. ``("sales", "customer_service", "internship_software")``."""
    fresh_graduate: bool = False
    """True for students and graduates of the current or previous year."""
    years_experience: float = 0.0
    """Full-time work experience in years."""
    education: str = ""
    """Highest degree, e.g. ``"bachelor"``; empty when unknown."""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> CandidateProfile:
        """Build a profile from JSON-like data, checking every type.

        Missing keys and ``null`` values take the defaults; unknown keys are an error, because
        a misspelt field would otherwise silently stop a rule from firing.
        """
        if not isinstance(data, Mapping):
            raise ProfileError(f"a candidate profile must be an object, not {type(data).__name__}")
        unknown = sorted(set(data) - set(_PROFILE_FIELDS))
        if unknown:
            raise ProfileError(
                f"unknown candidate profile field(s) {unknown}; known: {list(_PROFILE_FIELDS)}"
            )
        tags = data.get("experience_tags")
        if tags is None:
            tags = []
        if not isinstance(tags, list | tuple) or not all(isinstance(t, str) for t in tags):
            raise ProfileError("profile.experience_tags must be a list of strings")
        fresh = data.get("fresh_graduate")
        if fresh is None:
            fresh = False
        if not isinstance(fresh, bool):
            raise ProfileError("profile.fresh_graduate must be true or false")
        years = data.get("years_experience")
        if years is None:
            years = 0.0
        # bool is an int in Python; "true" years of experience is a data error, not 1 year.
        if isinstance(years, bool) or not isinstance(years, int | float):
            raise ProfileError("profile.years_experience must be a number")
        if not math.isfinite(years) or years < 0:
            raise ProfileError("profile.years_experience must be a finite number >= 0")
        education = data.get("education")
        if education is None:
            education = ""
        if not isinstance(education, str):
            raise ProfileError("profile.education must be a string")
        normalised = (t.strip().lower() for t in tags)
        return cls(
            experience_tags=tuple(dict.fromkeys(t for t in normalised if t)),
            fresh_graduate=fresh,
            years_experience=float(years),
            education=education.strip().lower(),
        )


@dataclass(frozen=True, slots=True)
class InterviewPlan:
    """The questions one candidate will be asked, in interview order.

    ``questions`` runs self-introduction, behavioural, situational, then the optional ability
    items and English-speaking item; the practice question comes before them and is not scored.
    ``applied_rules`` lists the ids of rules that brought in at least one question (bank order);
    ``chosen_by_rule`` maps those questions to the rule, so a report can say why each was asked.
    The bank fields record which bank and rubric produced the plan.
    """

    position_id: str
    practice: Question
    questions: tuple[Question, ...]
    applied_rules: tuple[str, ...] = ()
    chosen_by_rule: tuple[tuple[str, str], ...] = ()
    bank_id: str = ""
    bank_version: int = 0
    rubric_version: str = ""

    def rule_for(self, question_id: str) -> str | None:
        """The id of the rule that chose ``question_id``, or None if the plan's order did."""
        for qid, rule_id in self.chosen_by_rule:
            if qid == question_id:
                return rule_id
        return None


def condition_matches(condition: ProfileCondition, profile: CandidateProfile) -> bool:
    """True if ``profile`` meets every constraint ``condition`` sets."""
    low, high = condition.min_years_experience, condition.max_years_experience
    failed = (
        bool(condition.experience_tags_any)
        and not set(condition.experience_tags_any) & set(profile.experience_tags),
        condition.fresh_graduate is not None and profile.fresh_graduate != condition.fresh_graduate,
        low is not None and profile.years_experience < low,
        high is not None and profile.years_experience > high,
        bool(condition.education_in) and profile.education not in condition.education_in,
        bool(condition.any_of) and not any(condition_matches(c, profile) for c in condition.any_of),
    )
    return not any(failed)


def plan_interview(
    bank: QuestionBank, position_id: str, profile: CandidateProfile
) -> InterviewPlan:
    """Choose the questions for a candidate applying for ``position_id``.

    Behavioural and situational questions are chosen by preference: a pool question carrying a
    tag preferred by a matching rule comes before the rest, earlier rules (bank order) before
    later ones, then the pool's own order; the chosen ones are asked in pool order, which HR
    designed to flow. Ability items are never personalised, so their scores stay comparable
    between candidates. Raises BankError for an unknown position.
    """
    position = bank.position(position_id)
    plan = position.plan
    fired = tuple(
        rule
        for rule in bank.personalisation_rules
        if rule.applies_to(position.id) and condition_matches(rule.when, profile)
    )
    behavioural, behavioural_reasons = _choose(bank, plan.behavioural, fired)
    situational, situational_reasons = _choose(bank, plan.situational, fired)
    reasons = behavioural_reasons + situational_reasons
    mcq: tuple[Question, ...] = ()
    if plan.ability_mcq is not None:
        mcq = tuple(bank.question(q) for q in plan.ability_mcq.pool[: plan.ability_mcq.count])
    english = () if plan.english_speaking is None else (bank.question(plan.english_speaking),)
    used = {rule_id for _, rule_id in reasons}
    return InterviewPlan(
        position_id=position.id,
        practice=bank.question(plan.practice),
        questions=(bank.question(plan.self_intro), *behavioural, *situational, *mcq, *english),
        applied_rules=tuple(r.id for r in fired if r.id in used),
        chosen_by_rule=reasons,
        bank_id=bank.bank_id,
        bank_version=bank.version,
        rubric_version=bank.rubric_version,
    )


def _choose(
    bank: QuestionBank, pool: QuestionPool, fired: tuple[PersonalisationRule, ...]
) -> tuple[tuple[Question, ...], tuple[tuple[str, str], ...]]:
    """Pick ``pool.count`` questions; return them in pool order with (question, rule) reasons."""
    candidates = [bank.question(qid) for qid in pool.pool]

    def first_rule(question: Question) -> int:
        tags = set(question.tags)
        for index, rule in enumerate(fired):
            if tags.intersection(rule.prefer_tags):
                return index
        return len(fired)  # preferred by no rule: after every preferred question

    ranked = sorted(range(len(candidates)), key=lambda i: (first_rule(candidates[i]), i))
    chosen = sorted(ranked[: pool.count])
    questions = tuple(candidates[i] for i in chosen)
    reasons = tuple(
        (q.id, fired[first_rule(q)].id) for q in questions if first_rule(q) < len(fired)
    )
    return questions, reasons
