"""Question banks: loading, validation messages, hot swap, personalisation and the demo data."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from kiosk.bank import (
    BankHolder,
    BankValidationError,
    CandidateProfile,
    LocalizedText,
    ProbeTrigger,
    ProfileCondition,
    ProfileError,
    QuestionBank,
    QuestionKind,
    StarElement,
    condition_matches,
    load_bank,
    load_sample_bank,
    parse_bank,
    plan_interview,
)
from kiosk.errors import BankError, ErrorKind

Data = dict[str, Any]


def sample_data() -> Data:
    """A fresh, mutable copy of the shipped sample bank document."""
    text = resources.files("kiosk.samples").joinpath("bank.json").read_text("utf-8")
    data: Data = json.loads(text)
    return data


def write_bank(tmp_path: Path, data: Any, name: str = "bank.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def qi(data: Data, question_id: str) -> int:
    """Index of a question in the document, so mutations do not depend on file order."""
    return next(i for i, q in enumerate(data["questions"]) if q["id"] == question_id)


def question(data: Data, question_id: str) -> Data:
    q: Data = data["questions"][qi(data, question_id)]
    return q


def pi(data: Data, position_id: str) -> int:
    return next(i for i, p in enumerate(data["positions"]) if p["id"] == position_id)


def position(data: Data, position_id: str) -> Data:
    p: Data = data["positions"][pi(data, position_id)]
    return p


SALES_RULE = "sales-experience-objection-handling"
FRESH_RULE = "fresh-graduate-teamwork"


# --- the sample bank ---------------------------------------------------------------------------


def test_sample_bank_loads_and_looks_up() -> None:
    bank = load_sample_bank()
    assert bank.schema_version == 1
    assert {p.id for p in bank.positions} == {"customer-manager", "swe-intern"}
    assert 6 <= len(bank.competencies) <= 8
    assert 12 <= len(bank.questions) <= 17
    kinds = {q.kind for q in bank.questions}
    assert kinds == set(QuestionKind)
    manager = bank.position("customer-manager")
    assert manager.title.in_language("zh") == "客户经理"
    assert manager.plan.english_speaking is not None
    assert bank.position("swe-intern").plan.ability_mcq is not None
    assert set(manager.benchmark) == set(manager.competency_weights)
    objection = bank.question("bei-objection-handling")
    assert "sales" in objection.tags
    rubric = objection.rubric_for("customer_orientation")
    assert [lvl.level for lvl in rubric.levels] == [1, 2, 3]
    assert StarElement.RESULT in rubric.level(3).star_elements
    assert any(len(group) > 1 for group in rubric.level(3).keywords.groups("en"))
    assert bank.competency("teamwork").anchor(3).zh
    for q in bank.questions:
        assert q.kind is QuestionKind.ABILITY_MCQ or q.retakes <= 3
        if q.kind.is_spoken and q.kind.is_scored:
            assert 20 <= q.prep_seconds <= 30, q.id
            assert 90 <= q.answer_seconds <= 180, q.id


def test_sample_bank_from_a_file_equals_the_packaged_one(tmp_path: Path) -> None:
    path = write_bank(tmp_path, sample_data())
    assert load_bank(path) == load_sample_bank()
    assert load_bank(str(path)).source == str(path)


def test_lookups_of_unknown_ids_raise_bank_error() -> None:
    bank = load_sample_bank()
    for lookup in (bank.position, bank.question, bank.competency):
        with pytest.raises(BankError, match=r"unknown .* 'nope'"):
            lookup("nope")
    with pytest.raises(BankError, match="no rubric"):
        bank.question("bei-learn-fast").rubric_for("customer_orientation")
    with pytest.raises(BankError):
        bank.competency("teamwork").anchor(4)
    with pytest.raises(ValueError, match="unsupported interview language"):
        LocalizedText(zh="你好", en="hello").in_language("fr")


def test_schema_is_valid_and_its_enums_match_the_model() -> None:
    text = resources.files("kiosk.bank").joinpath("bank.schema.json").read_text("utf-8")
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    defs = schema["$defs"]
    assert defs["question"]["properties"]["kind"]["enum"] == [k.value for k in QuestionKind]
    assert defs["probe"]["properties"]["when"]["enum"] == [t.value for t in ProbeTrigger]
    star_enum = defs["rubricLevel"]["properties"]["star_elements"]["items"]["enum"]
    assert star_enum == [s.value for s in StarElement]


def test_documented_example_matches_the_schema() -> None:
    doc = Path(__file__).parents[2] / "docs" / "question-bank.md"
    block = doc.read_text("utf-8").split("```jsonc\n", 1)[1].split("```", 1)[0]
    example = json.loads(
        "\n".join(ln for ln in block.splitlines() if not ln.lstrip().startswith("//"))
    )
    text = resources.files("kiosk.bank").joinpath("bank.schema.json").read_text("utf-8")
    errors = list(jsonschema.Draft202012Validator(json.loads(text)).iter_errors(example))
    assert errors == []


# --- validation: every kind of error names its path ---------------------------------------------


def _set(path: list[str | int], value: Any) -> Callable[[Data], None]:
    def mutate(data: Data) -> None:
        target: Any = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return mutate


def _unknown_question_field(d: Data) -> None:
    question(d, "bei-objection-handling")["hint"] = "smile"


def _missing_self_intro(d: Data) -> None:
    del position(d, "customer-manager")["plan"]["self_intro"]


def _answer_too_long(d: Data) -> None:
    question(d, "bei-objection-handling")["answer_seconds"] = 900


def _prep_as_string(d: Data) -> None:
    question(d, "bei-objection-handling")["prep_seconds"] = "30"


def _duplicate_question_id(d: Data) -> None:
    d["questions"][qi(d, "bei-stretch-target")]["id"] = "bei-objection-handling"


def _unknown_competency(d: Data) -> None:
    question(d, "bei-objection-handling")["competencies"].append("charisma")


def _rubric_for_unlisted_competency(d: Data) -> None:
    question(d, "bei-objection-handling")["competencies"].remove("resilience")


def _missing_english(d: Data) -> None:
    del question(d, "bei-objection-handling")["prompt"]["en"]


def _blank_chinese(d: Data) -> None:
    question(d, "bei-objection-handling")["prompt"]["zh"] = "   "


def _weights_do_not_sum(d: Data) -> None:
    position(d, "customer-manager")["competency_weights"]["customer_orientation"] = 0.4


def _wrong_kind_in_slot(d: Data) -> None:
    position(d, "customer-manager")["plan"]["situational"]["pool"][0] = "bei-stretch-target"


def _unknown_question_in_pool(d: Data) -> None:
    position(d, "swe-intern")["plan"]["behavioural"]["pool"][1] = "bei-missing"


def _pool_smaller_than_count(d: Data) -> None:
    plan = position(d, "swe-intern")["plan"]
    plan["behavioural"]["pool"] = plan["behavioural"]["pool"][:2]


def _too_many_behavioural(d: Data) -> None:
    position(d, "customer-manager")["plan"]["behavioural"]["count"] = 6


def _mcq_index_out_of_range(d: Data) -> None:
    question(d, "mcq-logic")["correct_option"] = 4


def _mcq_retake(d: Data) -> None:
    question(d, "mcq-logic")["retakes"] = 1


def _weighted_but_never_asked(d: Data) -> None:
    weights = position(d, "customer-manager")["competency_weights"]
    weights["customer_orientation"] = 0.25
    weights["problem_solving"] = 0.05


def _weighted_but_not_guaranteed(d: Data) -> None:
    # Without the English item, teamwork rests on one of five pool questions drawn three at a time.
    del position(d, "customer-manager")["plan"]["english_speaking"]


def _weighted_at_the_boundary(d: Data) -> None:
    # Customer orientation is then in 2 of 5 behavioural questions (3 lacking, 3 drawn) and in
    # 1 of 2 situational ones (1 lacking, 1 drawn): one unlucky draw asks neither.
    sales_pressure = question(d, "sit-sales-pressure")
    sales_pressure["competencies"].remove("customer_orientation")
    del sales_pressure["rubric"]["customer_orientation"]


def _rule_for_unknown_position(d: Data) -> None:
    d["personalisation_rules"][2]["positions"] = ["branch-teller"]


def _rule_tag_nobody_carries(d: Data) -> None:
    d["personalisation_rules"][0]["prefer_tags"] = ["salse"]


def _english_item_in_chinese(d: Data) -> None:
    question(d, "english-team-project")["language"] = "zh"


def _benchmark_for_unweighted(d: Data) -> None:
    position(d, "customer-manager")["benchmark"]["problem_solving"] = {"mean": 60, "sd": 10}


def _missing_rubric_level(d: Data) -> None:
    del question(d, "bei-objection-handling")["rubric"]["customer_orientation"]["2"]


def _bad_probe_trigger(d: Data) -> None:
    question(d, "bei-objection-handling")["follow_up_probes"][0]["when"] = "sometimes"


def _empty_synonym_group(d: Data) -> None:
    rubric = question(d, "bei-objection-handling")["rubric"]["customer_orientation"]
    rubric["3"]["keywords"]["en"][0] = []


def _too_many_always_probes(d: Data) -> None:
    probes = question(d, "bei-objection-handling")["follow_up_probes"]
    for probe in probes:
        probe["when"] = "always"


def _rubric_on_mcq(d: Data) -> None:
    question(d, "mcq-logic")["rubric"] = question(d, "bei-learn-fast")["rubric"]


def _min_above_max_years(d: Data) -> None:
    d["personalisation_rules"][1]["when"] = {
        "any": [{"min_years_experience": 3, "max_years_experience": 1}]
    }


MUTATIONS: list[tuple[str, Callable[[Data], None], str, str]] = [
    ("unknown top-level field", _set(["colour"], "blue"), "colour", "unknown field"),
    ("unknown question field", _unknown_question_field, "questions[2].hint", "unknown field"),
    ("missing plan slot", _missing_self_intro, "positions[0].plan.self_intro", "missing"),
    ("answer too long", _answer_too_long, "questions[2].answer_seconds", "600"),
    ("prep not an integer", _prep_as_string, "questions[2].prep_seconds", "integer"),
    ("schema version", _set(["schema_version"], 2), "schema_version", "1 was expected"),
    ("version not an integer", _set(["version"], 1.5), "version", "integer"),
    ("duplicate question id", _duplicate_question_id, "questions[", "duplicate question id"),
    ("unknown competency", _unknown_competency, "questions[2].competencies[3]", "unknown"),
    ("rubric not listed", _rubric_for_unlisted_competency, "questions[2].rubric.resilience", ""),
    ("missing English", _missing_english, "questions[2].prompt.en", "missing"),
    ("blank Chinese", _blank_chinese, "questions[2].prompt.zh", "non-blank"),
    ("weights sum", _weights_do_not_sum, "positions[0].competency_weights", "sum to 1.1000"),
    ("wrong kind in slot", _wrong_kind_in_slot, "positions[0].plan.situational.pool[0]", "needs"),
    (
        "unknown pool question",
        _unknown_question_in_pool,
        "positions[1].plan.behavioural.pool[1]",
        "",
    ),
    ("pool below count", _pool_smaller_than_count, "positions[1].plan.behavioural.count", "more"),
    ("too many behavioural", _too_many_behavioural, "positions[0].plan.behavioural.count", "5"),
    ("mcq index", _mcq_index_out_of_range, "questions[14].correct_option", "out of range"),
    ("mcq retake", _mcq_retake, "questions[14].retakes", "cannot be retaken"),
    (
        "weighted, never evidenced",
        _weighted_but_never_asked,
        "positions[0].competency_weights.problem_solving",
        "no question that evidences",
    ),
    (
        "weighted, not guaranteed",
        _weighted_but_not_guaranteed,
        "positions[0].competency_weights.teamwork",
        "no question that evidences",
    ),
    (
        "weighted, one draw short",
        _weighted_at_the_boundary,
        "positions[0].competency_weights.customer_orientation",
        "no question that evidences",
    ),
    ("rule position", _rule_for_unknown_position, "personalisation_rules[2].positions[0]", ""),
    ("rule tag typo", _rule_tag_nobody_carries, "personalisation_rules[0].prefer_tags[0]", "salse"),
    ("english item language", _english_item_in_chinese, "questions[15].language", '"en"'),
    ("benchmark", _benchmark_for_unweighted, "positions[0].benchmark.problem_solving", "weigh"),
    (
        "rubric level",
        _missing_rubric_level,
        'questions[2].rubric.customer_orientation["2"]',
        "missing",
    ),
    ("probe trigger", _bad_probe_trigger, "questions[2].follow_up_probes[0].when", "sometimes"),
    (
        "empty synonym group",
        _empty_synonym_group,
        'questions[2].rubric.customer_orientation["3"].keywords.en[0]',
        "list of synonyms",
    ),
    ("always probes", _too_many_always_probes, "questions[2].follow_up_probes", "max_probes"),
    ("rubric on mcq", _rubric_on_mcq, "questions[14].rubric", "not by a rubric"),
    ("min above max", _min_above_max_years, "personalisation_rules[1].when.any[0]", "exceeds"),
]


def test_mutation_targets_are_where_the_table_expects() -> None:
    # The table hard-codes indices in expected paths; this guards them against sample edits.
    data = sample_data()
    assert qi(data, "bei-objection-handling") == 2
    assert qi(data, "mcq-logic") == 14
    assert qi(data, "english-team-project") == 15
    assert pi(data, "customer-manager") == 0
    assert pi(data, "swe-intern") == 1
    assert data["personalisation_rules"][2]["positions"] == ["customer-manager"]


@pytest.mark.parametrize(
    ("mutate", "path", "fragment"),
    [pytest.param(m, p, f, id=name) for name, m, p, f in MUTATIONS],
)
def test_invalid_bank_is_rejected_with_file_and_path(
    tmp_path: Path, mutate: Callable[[Data], None], path: str, fragment: str
) -> None:
    data = sample_data()
    mutate(data)
    bank_file = write_bank(tmp_path, data)
    with pytest.raises(BankValidationError) as caught:
        load_bank(bank_file)
    error = caught.value
    assert error.kind is ErrorKind.BANK_INVALID
    assert str(bank_file) in str(error)
    matching = [p for p in error.problems if p.path.startswith(path) and fragment in p.message]
    assert matching, f"no problem at {path!r} with {fragment!r}; got {error.problems}"
    assert matching[0].path in str(error)


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    data = sample_data()
    _weights_do_not_sum(data)
    _mcq_index_out_of_range(data)
    _rule_tag_nobody_carries(data)
    with pytest.raises(BankValidationError) as caught:
        load_bank(write_bank(tmp_path, data))
    paths = [p.path for p in caught.value.problems]
    assert "positions[0].competency_weights" in paths
    assert "questions[14].correct_option" in paths
    assert "personalisation_rules[0].prefer_tags[0]" in paths
    assert "3 problems" in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        pytest.param(b"", "not valid JSON", id="empty"),
        pytest.param(b'{"schema_version": 1,', "line 1", id="truncated"),
        pytest.param(b"\xff\xfe{}", "not UTF-8", id="not-utf8"),
        pytest.param(b'{"version": 1, "version": 2}', "duplicate key 'version'", id="dup-key"),
        pytest.param(b'{"version": NaN}', "NaN", id="nan"),
        pytest.param(b"[1, 2]", "must be a JSON object", id="array"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, "nested", id="deep"),
    ],
)
def test_unreadable_documents_raise_bank_error(tmp_path: Path, raw: bytes, fragment: str) -> None:
    path = tmp_path / "broken.json"
    path.write_bytes(raw)
    with pytest.raises(BankError, match=fragment) as caught:
        load_bank(path)
    assert str(path) in str(caught.value)


def test_missing_file_and_directory_raise_bank_error(tmp_path: Path) -> None:
    with pytest.raises(BankError, match="does not exist"):
        load_bank(tmp_path / "absent.json")
    with pytest.raises(BankError, match="cannot be read"):
        load_bank(tmp_path)


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(sample_data()).encode())
    assert load_bank(path).bank_id == load_sample_bank().bank_id


def test_parse_bank_names_its_source() -> None:
    data = sample_data()
    data["version"] = 0
    with pytest.raises(BankValidationError, match=r"sync://hr/banks/7 .*\n  version: "):
        parse_bank(data, source="sync://hr/banks/7")
    with pytest.raises(BankError):
        parse_bank([], source="x")  # type: ignore[arg-type]


# --- hot swap ----------------------------------------------------------------------------------


def test_holder_keeps_the_previous_bank_when_the_new_file_is_bad(tmp_path: Path) -> None:
    holder = BankHolder(load_sample_bank())
    before = holder.current
    bad = sample_data()
    bad["version"] = 2
    _weights_do_not_sum(bad)
    with pytest.raises(BankError, match="competency_weights"):
        holder.replace_from(write_bank(tmp_path, bad))
    assert holder.current is before
    with pytest.raises(BankError, match="does not exist"):
        holder.replace_from(tmp_path / "absent.json")
    (tmp_path / "garbage.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(BankError):
        holder.replace_from(tmp_path / "garbage.json")
    assert holder.current is before


def test_holder_swaps_in_a_valid_bank(tmp_path: Path) -> None:
    holder = BankHolder(load_sample_bank())
    newer = sample_data()
    newer["version"] = 2
    loaded = holder.replace_from(write_bank(tmp_path, newer))
    assert holder.current is loaded
    assert holder.current.version == 2


# --- personalisation -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    """The sample bank, loaded once: it is immutable, so tests may share it."""
    return load_sample_bank()


def ids(bank: QuestionBank, position_id: str, profile: CandidateProfile) -> list[str]:
    return [q.id for q in plan_interview(bank, position_id, profile).questions]


def test_sales_experience_brings_in_objection_handling(bank: QuestionBank) -> None:
    assert "bei-objection-handling" not in ids(bank, "customer-manager", CandidateProfile())
    sales = CandidateProfile(experience_tags=("sales",))
    plan = plan_interview(bank, "customer-manager", sales)
    assert "bei-objection-handling" in [q.id for q in plan.questions]
    assert plan.rule_for("bei-objection-handling") == SALES_RULE
    assert SALES_RULE in plan.applied_rules
    assert plan.rule_for("self-intro") is None


def test_fresh_graduate_gets_teamwork_in_both_positions(bank: QuestionBank) -> None:
    fresh = CandidateProfile(fresh_graduate=True)
    for position_id in ("customer-manager", "swe-intern"):
        assert "bei-teamwork-disagreement" not in ids(bank, position_id, CandidateProfile())
        plan = plan_interview(bank, position_id, fresh)
        assert "bei-teamwork-disagreement" in [q.id for q in plan.questions]
        assert plan.rule_for("bei-teamwork-disagreement") == FRESH_RULE


def test_rules_limited_to_a_position_do_not_fire_elsewhere(bank: QuestionBank) -> None:
    service = CandidateProfile(experience_tags=("customer_service",))
    assert plan_interview(bank, "swe-intern", service).applied_rules == ()
    manager = plan_interview(bank, "customer-manager", service)
    assert manager.applied_rules == ("customer-service-experience",)


def test_plans_are_deterministic(bank: QuestionBank) -> None:
    profile = CandidateProfile(
        experience_tags=("sales", "internship_software"), fresh_graduate=True
    )
    first = plan_interview(bank, "customer-manager", profile)
    assert plan_interview(bank, "customer-manager", profile) == first
    # A bank loaded afresh (as after a restart) plans the same questions in the same order.
    assert plan_interview(load_sample_bank(), "customer-manager", profile) == first
    assert first.bank_version == 1
    assert first.rubric_version == bank.rubric_version


PROFILES = [
    CandidateProfile(experience_tags=tags, fresh_graduate=fresh)
    for tags, fresh in itertools.product(
        [(), ("sales",), ("customer_service",), ("internship_software",), ("sales", "open_source")],
        [False, True],
    )
]


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("position_id", ["customer-manager", "swe-intern"])
def test_plans_respect_slot_counts_and_order(
    bank: QuestionBank, position_id: str, profile: CandidateProfile
) -> None:
    plan_spec = bank.position(position_id).plan
    plan = plan_interview(bank, position_id, profile)
    assert plan.practice.kind is QuestionKind.PRACTICE
    kinds = [q.kind for q in plan.questions]
    expected = [QuestionKind.SELF_INTRO]
    expected += [QuestionKind.BEHAVIOURAL] * plan_spec.behavioural.count
    expected += [QuestionKind.SITUATIONAL] * plan_spec.situational.count
    if plan_spec.ability_mcq is not None:
        expected += [QuestionKind.ABILITY_MCQ] * plan_spec.ability_mcq.count
    if plan_spec.english_speaking is not None:
        expected += [QuestionKind.ENGLISH_SPEAKING]
    assert kinds == expected
    behavioural = [q.id for q in plan.questions if q.kind is QuestionKind.BEHAVIOURAL]
    pool = list(plan_spec.behavioural.pool)
    assert behavioural == sorted(behavioural, key=pool.index)  # asked in the pool's order
    assert len(set(q.id for q in plan.questions)) == len(plan.questions)
    for question_id, rule_id in plan.chosen_by_rule:
        assert rule_id in plan.applied_rules
        assert question_id in [q.id for q in plan.questions]


def test_earlier_rules_win_when_preferences_exceed_the_count(tmp_path: Path) -> None:
    data = sample_data()
    for question_id in ("bei-stretch-target", "bei-setback-recovery"):
        question(data, question_id)["tags"].append("teamwork")
    bank = load_bank(write_bank(tmp_path, data))
    profile = CandidateProfile(experience_tags=("sales",), fresh_graduate=True)
    chosen = ids(bank, "customer-manager", profile)
    # The sales rule comes first in the bank, so objection handling stays; the fresh-graduate
    # rule fills the other two places with its preferred questions in pool order.
    assert chosen[1:4] == ["bei-stretch-target", "bei-setback-recovery", "bei-objection-handling"]


def test_ability_items_are_not_personalised(bank: QuestionBank) -> None:
    mcq_sets = {
        tuple(q.id for q in plan_interview(bank, "swe-intern", p).questions if not q.kind.is_spoken)
        for p in PROFILES
    }
    assert mcq_sets == {("mcq-binary-search", "mcq-logic")}


def test_unknown_position_raises_bank_error(bank: QuestionBank) -> None:
    with pytest.raises(BankError, match="unknown position 'pilot'"):
        plan_interview(bank, "pilot", CandidateProfile())


def test_conditions() -> None:
    profile = CandidateProfile(experience_tags=("sales",), years_experience=2.0, education="master")
    assert condition_matches(ProfileCondition(min_years_experience=2), profile)
    assert not condition_matches(ProfileCondition(max_years_experience=1.5), profile)
    assert condition_matches(ProfileCondition(education_in=("master", "phd")), profile)
    assert not condition_matches(ProfileCondition(fresh_graduate=True), profile)
    either = ProfileCondition(
        any_of=(
            ProfileCondition(fresh_graduate=True),
            ProfileCondition(experience_tags_any=("sales",)),
        )
    )
    assert condition_matches(either, profile)
    both = ProfileCondition(experience_tags_any=("sales",), education_in=("bachelor",))
    assert not condition_matches(both, profile)


def test_profile_from_mapping_normalises() -> None:
    profile = CandidateProfile.from_mapping(
        {
            "experience_tags": [" Sales", "sales", "Customer_Service"],
            "fresh_graduate": True,
            "years_experience": 1,
            "education": "Bachelor ",
        }
    )
    assert profile == CandidateProfile(
        experience_tags=("sales", "customer_service"),
        fresh_graduate=True,
        years_experience=1.0,
        education="bachelor",
    )
    assert CandidateProfile.from_mapping({"education": None}) == CandidateProfile()


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"experience": ["sales"]}, "unknown candidate profile field"),
        ({"experience_tags": "sales"}, "list of strings"),
        ({"experience_tags": [1]}, "list of strings"),
        ({"fresh_graduate": "yes"}, "true or false"),
        ({"years_experience": True}, "must be a number"),
        ({"years_experience": "3"}, "must be a number"),
        ({"years_experience": -1}, ">= 0"),
        ({"years_experience": float("nan")}, "finite"),
        ({"education": 3}, "string"),
        (["sales"], "must be an object"),
    ],
)
def test_profile_from_mapping_rejects_bad_input(data: Any, fragment: str) -> None:
    with pytest.raises(ProfileError, match=fragment) as caught:
        CandidateProfile.from_mapping(data)
    assert isinstance(caught.value, BankError)
    assert isinstance(caught.value, ValueError)


# --- the demo candidates ------------------------------------------------------------------------


def demo_candidates() -> list[Data]:
    text = resources.files("kiosk.samples").joinpath("demo_candidates.json").read_text("utf-8")
    candidates: list[Data] = json.loads(text)["candidates"]
    return candidates


def test_demo_candidates_answer_exactly_the_planned_questions(bank: QuestionBank) -> None:
    candidates = demo_candidates()
    assert {c["position_id"] for c in candidates} == {p.id for p in bank.positions}
    for candidate in candidates:
        plan = plan_interview(
            bank, candidate["position_id"], CandidateProfile.from_mapping(candidate["profile"])
        )
        planned = [plan.practice, *plan.questions]
        assert set(candidate["answers"]) == {q.id for q in planned}, candidate["id"]
        assert plan.applied_rules, "the demo should show personalisation at work"
        for q in planned:
            answer = candidate["answers"][q.id]
            if q.kind is QuestionKind.ABILITY_MCQ:
                assert set(answer) == {"choice"}
                assert 0 <= answer["choice"] < len(q.options)
            else:
                assert set(answer) == {"text", "audio"}
                assert answer["audio"] == f"media/{candidate['id']}/{q.id}.ogg"
                words = len(answer["text"].split())
                assert 25 <= words <= 45, (candidate["id"], q.id, words)


def test_demo_candidates_are_synthetic_and_in_english() -> None:
    for candidate in demo_candidates():
        assert candidate["language"] == "en"
        assert "synthetic" in candidate["name"].lower()
        assert candidate["id"] == f"demo-{candidate['position_id']}"
