"""Loading and validating question banks, and holding the one in use.

Validation runs in two passes: ``bank.schema.json`` checks the shape (types, ranges, required
and unknown fields), then :mod:`kiosk.bank.checks` checks what a schema cannot express (unique
ids, cross-references, plan slots, weight sums, evidence coverage). Every problem is
reported with the file and the JSON path of the offending value, because the people fixing a
bank are HR staff editing JSON exported from the ERP, not developers reading a traceback.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from kiosk.bank.checks import BankProblem, json_path, semantic_problems
from kiosk.bank.model import (
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
from kiosk.errors import BankError, ErrorKind

#: Banks are a few hundred KB; anything far larger is a wrong file, not a bank.
MAX_BANK_BYTES = 16 * 1024 * 1024
#: A message lists at most this many problems; the rest are counted.
MAX_REPORTED_PROBLEMS = 20


class BankValidationError(BankError):
    """A bank document was readable but invalid; ``problems`` lists every problem found."""

    def __init__(self, source: str, problems: Sequence[BankProblem]) -> None:
        shown = [f"  {p.path or '(document)'}: {p.message}" for p in problems]
        if len(shown) > MAX_REPORTED_PROBLEMS:
            hidden = len(shown) - MAX_REPORTED_PROBLEMS
            shown = [*shown[:MAX_REPORTED_PROBLEMS], f"  ... and {hidden} more"]
        count = f"{len(problems)} problem" + ("" if len(problems) == 1 else "s")
        super().__init__(f"question bank {source} is invalid ({count}):\n" + "\n".join(shown))
        self.source = source
        self.problems = tuple(problems)


def load_bank(path: Path | str) -> QuestionBank:
    """Read, validate and return the bank in the JSON file at ``path``.

    Raises BankError (never anything else) if the file is missing, unreadable, not UTF-8 JSON
    or fails validation; the message names the file and the JSON path of each problem.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BankError(f"question bank {path} does not exist") from None
    except OSError as exc:
        raise BankError(f"question bank {path} cannot be read: {exc.strerror or exc}") from None
    return parse_bank(_decode_json(raw, source=str(path)), source=str(path))


def load_sample_bank() -> QuestionBank:
    """The sample bank shipped as package data (``kiosk/samples/bank.json``)."""
    source = "kiosk/samples/bank.json (package data)"
    try:
        raw = resources.files("kiosk.samples").joinpath("bank.json").read_bytes()
    except OSError as exc:
        raise BankError(f"{source} is missing from the installation: {exc}") from None
    return parse_bank(_decode_json(raw, source=source), source=source)


def parse_bank(data: Mapping[str, Any], *, source: str) -> QuestionBank:
    """Validate an already-decoded bank document and build the :class:`QuestionBank`.

    ``source`` names where the document came from (a path, a sync URL) for error messages.
    Raises BankValidationError listing every problem; the schema pass runs first and the
    semantic pass only on a document whose shape is right.
    """
    if not isinstance(data, Mapping):
        raise BankValidationError(source, [BankProblem("", "the document must be a JSON object")])
    document = dict(data)  # jsonschema treats only real dicts as JSON objects
    # dict.fromkeys: an empty string fails minLength and pattern alike; report it once.
    problems = sorted(dict.fromkeys(_schema_problems(document)), key=_path_sort_key)
    if problems:
        raise BankValidationError(source, problems)
    try:
        bank = _build_bank(document, source=source)
    except (KeyError, TypeError, ValueError) as exc:
        # Unreachable while the schema and _build_bank agree; kept so a drift between them
        # still surfaces as a BankError that names the file instead of a crash.
        raise BankError(f"question bank {source} could not be built: {exc!r}") from exc
    problems = semantic_problems(bank)
    if problems:
        raise BankValidationError(source, problems)
    return bank


class BankHolder:
    """Holds the bank in use and swaps it, whole, for a validated replacement.

    Interviews already running keep the questions of their :class:`InterviewPlan`, so a swap
    only affects interviews planned after it. Safe to use from several threads.
    """

    def __init__(self, bank: QuestionBank) -> None:
        self._lock = threading.Lock()
        self._bank = bank

    @property
    def current(self) -> QuestionBank:
        """The bank in use."""
        with self._lock:
            return self._bank

    def replace(self, bank: QuestionBank) -> None:
        """Put an already-validated bank (from :func:`parse_bank`) in use."""
        with self._lock:
            self._bank = bank

    def replace_from(self, path: Path | str) -> QuestionBank:
        """Load and validate the bank at ``path``, then put it in use and return it.

        On any problem this raises BankError and the previous bank stays in use.
        """
        # Validate outside the lock: it is the slow part, and readers keep the old bank meanwhile.
        bank = load_bank(path)
        self.replace(bank)
        return bank


# --- reading JSON ---------------------------------------------------------------------------


class _RejectedJson(ValueError):
    """JSON that the json module accepts but a bank must not contain."""


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of duplicate keys silently; in a hand-edited bank a duplicate
    # is almost always a copy-paste slip that would drop half an entry.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _RejectedJson(f"duplicate key {key!r} in one object")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise _RejectedJson(f"{name} is not valid JSON")


def _decode_json(raw: bytes, *, source: str) -> Any:
    if len(raw) > MAX_BANK_BYTES:
        raise BankError(
            f"question bank {source} is {len(raw)} bytes; the limit is {MAX_BANK_BYTES}"
        )
    try:
        # utf-8-sig: files saved by Windows editors often start with a byte-order mark.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BankError(f"question bank {source} is not UTF-8 text (byte {exc.start})") from None
    try:
        return json.loads(
            text, object_pairs_hook=_reject_duplicate_keys, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as exc:
        raise BankError(
            f"question bank {source} is not valid JSON: {exc.msg} at line {exc.lineno} "
            f"column {exc.colno}"
        ) from None
    except _RejectedJson as exc:
        raise BankError(f"question bank {source} is not valid JSON: {exc}") from None
    except RecursionError:
        raise BankError(f"question bank {source} is nested too deeply to be a bank") from None


# --- pass 1: the schema -----------------------------------------------------------------------


@functools.cache
def _validator() -> jsonschema.protocols.Validator:
    try:
        text = resources.files("kiosk.bank").joinpath("bank.schema.json").read_text("utf-8")
    except OSError as exc:
        raise BankError(
            f"bank.schema.json is missing from the installation: {exc}", kind=ErrorKind.INTERNAL
        ) from None
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _schema_problems(document: dict[str, Any]) -> Iterator[BankProblem]:
    for error in _validator().iter_errors(document):
        yield from _describe(error)


def _describe(error: ValidationError) -> Iterator[BankProblem]:
    parts = list(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator in ("anyOf", "pattern", "minLength") and "description" in schema:
        # The schema describes its patterns and alternatives in words an HR editor can act on.
        yield BankProblem(json_path(parts), f"must be {schema['description']}")
        return
    if error.validator in ("anyOf", "oneOf") and error.context:
        # Report the branch that came closest rather than "is not valid under any of ...".
        closest = best_match(error.context)
        if closest is not None:
            yield from _describe(closest)
            return
    if error.validator == "additionalProperties" and error.validator_value is False:
        known = schema.get("properties", {})
        for key in error.instance:
            if key not in known:
                yield BankProblem(json_path([*parts, key]), "unknown field")
        return
    if error.validator == "required" and isinstance(error.instance, dict):
        for key in error.validator_value:
            if key not in error.instance:
                yield BankProblem(json_path([*parts, key]), "required field is missing")
        return
    message = error.message
    if len(message) > 160:  # some messages repeat a whole sub-document
        message = message[:157] + "..."
    yield BankProblem(json_path(parts), message)


def _path_sort_key(problem: BankProblem) -> tuple[tuple[int, int, str], ...]:
    # Sort questions[2] before questions[10]: compare numbers as numbers.
    key = []
    for chunk in problem.path.replace("]", "").replace("[", ".").split("."):
        key.append((0, int(chunk), "") if chunk.isdigit() else (1, 0, chunk))
    return tuple(key)


# --- building from schema-valid JSON ------------------------------------------------------------
# These trust the JSON Schema: they run only after bank.schema.json accepted the document, so
# they index without checks. Semantic rules the schema cannot express live in checks.py.


def _text(obj: Mapping[str, Any]) -> LocalizedText:
    return LocalizedText(zh=obj["zh"], en=obj["en"])


def _keyword_groups(entries: list[Any]) -> tuple[tuple[str, ...], ...]:
    # An entry is a word or a list of synonyms; both become a group so the scorer sees one shape.
    return tuple((entry,) if isinstance(entry, str) else tuple(entry) for entry in entries)


def _rubric(competency_id: str, obj: Mapping[str, Any]) -> CompetencyRubric:
    levels = []
    for level in RUBRIC_LEVELS:
        spec = obj[str(level)]
        stars = set(spec["star_elements"])
        levels.append(
            RubricLevel(
                level=level,
                key_behavioural_events=tuple(_text(e) for e in spec["key_behavioural_events"]),
                star_elements=tuple(s for s in StarElement if s.value in stars),
                keywords=Keywords(
                    zh=_keyword_groups(spec["keywords"]["zh"]),
                    en=_keyword_groups(spec["keywords"]["en"]),
                ),
            )
        )
    return CompetencyRubric(competency_id=competency_id, levels=tuple(levels))


def _question(obj: Mapping[str, Any]) -> Question:
    return Question(
        id=obj["id"],
        kind=QuestionKind(obj["kind"]),
        prompt=_text(obj["prompt"]),
        prep_seconds=int(obj["prep_seconds"]),
        answer_seconds=int(obj["answer_seconds"]),
        retakes=int(obj["retakes"]),
        competencies=tuple(obj["competencies"]),
        tags=tuple(obj["tags"]),
        language=obj.get("language"),
        rubric=tuple(_rubric(cid, spec) for cid, spec in obj.get("rubric", {}).items()),
        follow_up_probes=tuple(
            FollowUpProbe(prompt=_text(p), when=ProbeTrigger(p["when"]))
            for p in obj.get("follow_up_probes", [])
        ),
        max_probes=int(obj.get("max_probes", MAX_PROBES_ASKED)),
        options=tuple(_text(o) for o in obj.get("options", [])),
        correct_option=int(obj["correct_option"]) if "correct_option" in obj else None,
    )


def _competency(obj: Mapping[str, Any]) -> Competency:
    levels = obj["levels"]
    weights = obj.get("signal_weights", {})
    return Competency(
        id=obj["id"],
        name=_text(obj["name"]),
        description=_text(obj["description"]),
        levels=(_text(levels["1"]), _text(levels["2"]), _text(levels["3"])),
        voice_weight=float(weights.get("voice", 0.0)),
        visual_weight=float(weights.get("visual", 0.0)),
    )


def _pool(obj: Mapping[str, Any] | None) -> QuestionPool | None:
    return None if obj is None else QuestionPool(pool=tuple(obj["pool"]), count=int(obj["count"]))


def _position(obj: Mapping[str, Any]) -> Position:
    plan = obj["plan"]
    behavioural = _pool(plan["behavioural"])
    situational = _pool(plan["situational"])
    if behavioural is None or situational is None:  # unreachable: the schema requires both
        raise BankError(f"position {obj['id']!r} lacks a behavioural or situational pool")
    return Position(
        id=obj["id"],
        title=_text(obj["title"]),
        department=obj["department"],
        competency_weights=MappingProxyType(
            {k: float(v) for k, v in obj["competency_weights"].items()}
        ),
        plan=PositionPlan(
            practice=plan["practice"],
            self_intro=plan["self_intro"],
            behavioural=behavioural,
            situational=situational,
            ability_mcq=_pool(plan.get("ability_mcq")),
            english_speaking=plan.get("english_speaking"),
        ),
        benchmark=MappingProxyType(
            {
                k: Benchmark(mean=float(v["mean"]), sd=float(v["sd"]))
                for k, v in obj.get("benchmark", {}).items()
            }
        ),
    )


def _condition(obj: Mapping[str, Any]) -> ProfileCondition:
    def number(key: str) -> float | None:
        return float(obj[key]) if key in obj else None

    return ProfileCondition(
        experience_tags_any=tuple(obj.get("experience_tags_any", [])),
        fresh_graduate=obj.get("fresh_graduate"),
        min_years_experience=number("min_years_experience"),
        max_years_experience=number("max_years_experience"),
        education_in=tuple(obj.get("education_in", [])),
        any_of=tuple(_condition(c) for c in obj.get("any", [])),
    )


def _rule(obj: Mapping[str, Any]) -> PersonalisationRule:
    return PersonalisationRule(
        id=obj["id"],
        description=_text(obj["description"]),
        when=_condition(obj["when"]),
        prefer_tags=tuple(obj["prefer_tags"]),
        positions=tuple(obj.get("positions", [])),
    )


def _build_bank(data: Mapping[str, Any], *, source: str) -> QuestionBank:
    return QuestionBank(
        schema_version=int(data["schema_version"]),
        bank_id=data["bank_id"],
        version=int(data["version"]),
        rubric_version=data["rubric_version"],
        competencies=tuple(_competency(c) for c in data["competencies"]),
        questions=tuple(_question(q) for q in data["questions"]),
        positions=tuple(_position(p) for p in data["positions"]),
        personalisation_rules=tuple(_rule(r) for r in data["personalisation_rules"]),
        locale_names=MappingProxyType(dict(data.get("locale_names", {}))),
        source=source,
    )
