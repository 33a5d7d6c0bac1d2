"""Question banks: the competency model, questions with rubrics, positions and personalisation.

Load a bank with :func:`load_bank` (a file) or :func:`parse_bank` (a decoded document, e.g. from
sync), keep the one in use in a :class:`BankHolder`, and turn a position plus a candidate profile
into an :class:`InterviewPlan` with :func:`plan_interview`. The format is documented in
``docs/question-bank.md``; the schema is ``bank.schema.json`` beside this file.
"""

from kiosk.bank.checks import BankProblem
from kiosk.bank.loader import (
    BankHolder,
    BankValidationError,
    load_bank,
    load_sample_bank,
    parse_bank,
)
from kiosk.bank.model import (
    LANGUAGES,
    MAX_PROBES_ASKED,
    RUBRIC_LEVELS,
    Benchmark,
    Competency,
    CompetencyRubric,
    FollowUpProbe,
    Keywords,
    LocalizedText,
    PersonalisationRule,
    Position,
    PositionPlan,
    ProbeTrigger,
    ProfileCondition,
    Question,
    QuestionBank,
    QuestionKind,
    QuestionPool,
    RubricLevel,
    StarElement,
)
from kiosk.bank.personalise import (
    CandidateProfile,
    InterviewPlan,
    ProfileError,
    condition_matches,
    plan_interview,
)

__all__ = [
    "LANGUAGES",
    "MAX_PROBES_ASKED",
    "RUBRIC_LEVELS",
    "BankHolder",
    "BankProblem",
    "BankValidationError",
    "Benchmark",
    "CandidateProfile",
    "Competency",
    "CompetencyRubric",
    "FollowUpProbe",
    "InterviewPlan",
    "Keywords",
    "LocalizedText",
    "PersonalisationRule",
    "Position",
    "PositionPlan",
    "ProbeTrigger",
    "ProfileCondition",
    "ProfileError",
    "Question",
    "QuestionBank",
    "QuestionKind",
    "QuestionPool",
    "RubricLevel",
    "StarElement",
    "condition_matches",
    "load_bank",
    "load_sample_bank",
    "parse_bank",
    "plan_interview",
]
