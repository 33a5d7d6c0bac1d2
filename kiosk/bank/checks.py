"""Validation pass 2: the rules a JSON Schema cannot express.

Unique ids, cross-references, plan slots that take only one kind of question, weight sums,
and evidence coverage (every weighted competency is evidenced in every interview the plan can
produce). The checks run on the built model, whose tuples keep the file's order, so each problem
can still name its JSON path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kiosk.bank.model import (
    PersonalisationRule,
    Position,
    ProbeTrigger,
    ProfileCondition,
    Question,
    QuestionBank,
    QuestionKind,
)

#: Competency weights of a position must sum to 1 within this tolerance.
WEIGHT_TOLERANCE = 0.001


@dataclass(frozen=True, slots=True, order=True)
class BankProblem:
    """One thing wrong with a bank: where (a JSON path such as ``positions[1].plan``) and what."""

    path: str
    message: str


def json_path(parts: Iterable[str | int]) -> str:
    """Format path parts as ``positions[1].plan["some-key"]`` (names that are not identifiers
    are quoted so every path can be pasted into a JSON tool)."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out


def _key(base: str, key: str) -> str:
    return base + json_path([key]) if not key.isidentifier() else f"{base}.{key}"


def semantic_problems(bank: QuestionBank) -> list[BankProblem]:
    """Every problem with a schema-valid bank that the schema cannot express, in file order."""
    out: list[BankProblem] = []
    for field_name, ids, what in (
        ("competencies", [c.id for c in bank.competencies], "competency"),
        ("questions", [q.id for q in bank.questions], "question"),
        ("positions", [p.id for p in bank.positions], "position"),
        ("personalisation_rules", [r.id for r in bank.personalisation_rules], "rule"),
    ):
        first_seen: dict[str, int] = {}
        for i, item_id in enumerate(ids):
            if item_id in first_seen:
                where = f"{field_name}[{first_seen[item_id]}]"
                out.append(
                    BankProblem(
                        f"{field_name}[{i}].id",
                        f"duplicate {what} id {item_id!r}, first used at {where}",
                    )
                )
            first_seen.setdefault(item_id, i)
    competency_ids = {c.id for c in bank.competencies}
    questions: dict[str, Question] = {}
    for i, question in enumerate(bank.questions):
        questions.setdefault(question.id, question)
        out += _question_problems(f"questions[{i}]", question, competency_ids)
    for i, position in enumerate(bank.positions):
        out += _position_problems(f"positions[{i}]", position, questions, competency_ids)
    for i, rule in enumerate(bank.personalisation_rules):
        out += _rule_problems(f"personalisation_rules[{i}]", rule, bank.positions, questions)
    return out


def _question_problems(at: str, q: Question, competency_ids: set[str]) -> list[BankProblem]:
    out = [
        BankProblem(f"{at}.competencies[{j}]", f"unknown competency {cid!r}")
        for j, cid in enumerate(q.competencies)
        if cid not in competency_ids
    ]
    if not q.kind.is_scored:
        if q.competencies:
            out.append(BankProblem(f"{at}.competencies", "practice answers are never scored"))
        if q.rubric:
            out.append(BankProblem(f"{at}.rubric", "practice answers are never scored"))
    elif not q.competencies:
        out.append(
            BankProblem(f"{at}.competencies", f"a {q.kind} question must evidence a competency")
        )
    if q.kind is QuestionKind.ABILITY_MCQ:
        out += _mcq_problems(at, q)
    else:
        out += _spoken_problems(at, q)
    return out


def _mcq_problems(at: str, q: Question) -> list[BankProblem]:
    out: list[BankProblem] = []
    if not q.options:
        out.append(BankProblem(f"{at}.options", "an ability_mcq question needs options"))
    if q.correct_option is None:
        out.append(BankProblem(f"{at}.correct_option", "an ability_mcq question needs one"))
    elif q.options and q.correct_option >= len(q.options):
        message = (
            f"index {q.correct_option} is out of range for {len(q.options)} options "
            "(indices start at 0)"
        )
        out.append(BankProblem(f"{at}.correct_option", message))
    if q.rubric:
        message = "ability_mcq is scored by its correct option, not by a rubric"
        out.append(BankProblem(f"{at}.rubric", message))
    if q.follow_up_probes:
        message = "ability_mcq questions have no follow-up probes"
        out.append(BankProblem(f"{at}.follow_up_probes", message))
    if q.retakes:
        message = "a multiple-choice item cannot be retaken (the candidate has seen the options)"
        out.append(BankProblem(f"{at}.retakes", message))
    return out


def _spoken_problems(at: str, q: Question) -> list[BankProblem]:
    out: list[BankProblem] = []
    if q.options:
        out.append(BankProblem(f"{at}.options", "only ability_mcq questions have options"))
    if q.correct_option is not None:
        message = "only ability_mcq questions have a correct option"
        out.append(BankProblem(f"{at}.correct_option", message))
    if q.kind.is_scored:
        rubric_ids = [r.competency_id for r in q.rubric]
        out += [
            BankProblem(f"{at}.rubric", f"no rubric for competency {cid!r} listed in competencies")
            for cid in q.competencies
            if cid not in rubric_ids
        ]
        out += [
            BankProblem(_key(f"{at}.rubric", cid), "competency is not listed in competencies")
            for cid in rubric_ids
            if cid not in q.competencies
        ]
    if q.kind is QuestionKind.ENGLISH_SPEAKING and q.language != "en":
        message = 'an english_speaking question must set language "en"'
        out.append(BankProblem(f"{at}.language", message))
    always = sum(1 for p in q.follow_up_probes if p.when is ProbeTrigger.ALWAYS)
    if always > q.max_probes:
        message = f'{always} probes are asked "always" but max_probes is {q.max_probes}'
        out.append(BankProblem(f"{at}.follow_up_probes", message))
    return out


def _slot_problem(
    path: str, question_id: str, kind: QuestionKind, questions: Mapping[str, Question]
) -> list[BankProblem]:
    question = questions.get(question_id)
    if question is None:
        return [BankProblem(path, f"unknown question {question_id!r}")]
    if question.kind is not kind:
        return [
            BankProblem(
                path, f"question {question_id!r} is {question.kind}; this slot needs {kind}"
            )
        ]
    return []


def _position_problems(
    at: str, p: Position, questions: Mapping[str, Question], competency_ids: set[str]
) -> list[BankProblem]:
    weights_at = f"{at}.competency_weights"
    out = [
        BankProblem(_key(weights_at, cid), f"unknown competency {cid!r}")
        for cid in p.competency_weights
        if cid not in competency_ids
    ]
    total = sum(p.competency_weights.values())
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        out.append(BankProblem(weights_at, f"weights sum to {total:.4f}; they must sum to 1"))
    out += _plan_problems(f"{at}.plan", p, questions)
    out += [
        BankProblem(_key(f"{at}.benchmark", cid), "the position does not weigh this competency")
        for cid in p.benchmark
        if cid not in p.competency_weights
    ]
    if out:  # coverage only means something once every reference resolves
        return out
    for cid, weight in p.competency_weights.items():
        if not _always_evidenced(cid, p, questions):
            message = (
                f"weighted {weight:g}, but some interviews would ask no question that evidences "
                "it (evidence it in self_intro or english_speaking, or in more than pool size "
                "minus count questions of a pool)"
            )
            out.append(BankProblem(_key(weights_at, cid), message))
    return out


def _plan_problems(
    plan_at: str, p: Position, questions: Mapping[str, Question]
) -> list[BankProblem]:
    plan = p.plan
    out: list[BankProblem] = []
    for name, question_id, kind in (
        ("practice", plan.practice, QuestionKind.PRACTICE),
        ("self_intro", plan.self_intro, QuestionKind.SELF_INTRO),
        ("english_speaking", plan.english_speaking, QuestionKind.ENGLISH_SPEAKING),
    ):
        if question_id is not None:
            out += _slot_problem(f"{plan_at}.{name}", question_id, kind, questions)
    for name, pool, kind in (
        ("behavioural", plan.behavioural, QuestionKind.BEHAVIOURAL),
        ("situational", plan.situational, QuestionKind.SITUATIONAL),
        ("ability_mcq", plan.ability_mcq, QuestionKind.ABILITY_MCQ),
    ):
        if pool is None:
            continue
        for j, question_id in enumerate(pool.pool):
            out += _slot_problem(f"{plan_at}.{name}.pool[{j}]", question_id, kind, questions)
        if pool.count > len(pool.pool):
            message = f"count {pool.count} is more than the {len(pool.pool)} questions in the pool"
            out.append(BankProblem(f"{plan_at}.{name}.count", message))
    return out


def _always_evidenced(competency_id: str, p: Position, questions: Mapping[str, Question]) -> bool:
    """True if every interview the plan can produce asks a question evidencing the competency."""
    for fixed in (p.plan.self_intro, p.plan.english_speaking):
        if fixed is not None and competency_id in questions[fixed].competencies:
            return True
    for pool in (p.plan.behavioural, p.plan.situational, p.plan.ability_mcq):
        if pool is None:
            continue
        # Any `count` questions drawn from the pool include an evidencing one exactly when
        # fewer than `count` pool questions lack it.
        lacking = sum(1 for qid in pool.pool if competency_id not in questions[qid].competencies)
        if lacking < pool.count:
            return True
    return False


def _condition_problems(at: str, condition: ProfileCondition) -> list[BankProblem]:
    out: list[BankProblem] = []
    low, high = condition.min_years_experience, condition.max_years_experience
    if low is not None and high is not None and low > high:
        out.append(BankProblem(at, f"min_years_experience {low:g} exceeds max {high:g}"))
    for k, inner in enumerate(condition.any_of):
        out += _condition_problems(f"{at}.any[{k}]", inner)
    return out


def _rule_problems(
    at: str,
    rule: PersonalisationRule,
    positions: Sequence[Position],
    questions: Mapping[str, Question],
) -> list[BankProblem]:
    out: list[BankProblem] = []
    position_ids = {p.id for p in positions}
    for j, pid in enumerate(rule.positions):
        if pid not in position_ids:
            out.append(BankProblem(f"{at}.positions[{j}]", f"unknown position {pid!r}"))
    out += _condition_problems(f"{at}.when", rule.when)
    pool_tags: set[str] = set()
    for p in positions:
        if rule.applies_to(p.id):
            for qid in (*p.plan.behavioural.pool, *p.plan.situational.pool):
                if qid in questions:
                    pool_tags.update(questions[qid].tags)
    for j, tag in enumerate(rule.prefer_tags):
        if tag not in pool_tags:
            # A tag nobody carries is almost always a typo, and the rule would silently do nothing.
            out.append(
                BankProblem(
                    f"{at}.prefer_tags[{j}]",
                    f"no behavioural or situational pool question of the positions this rule "
                    f"applies to carries tag {tag!r}",
                )
            )
    return out
