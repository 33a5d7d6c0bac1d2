"""ReviewDesk: the role matrix at the call sites, input checks and audit entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.bank import load_sample_bank
from kiosk.engine import InterviewState, PlannedQuestion, Stage
from kiosk.errors import ErrorKind, VaultError
from kiosk.review import ReviewDesk
from kiosk.store import SessionStore
from kiosk.vault.keyring import Keyring
from kiosk.vault.roles import Principal, Role

BANK = load_sample_bank()
RESULT = {
    "position": {"id": "swe-intern", "title": "Software Engineer Intern"},
    "session_code": "REVW-0001",
    "candidate": {"name": "N"},
    "answers": [],
    "analysis": {"status": "scored"},
    "result": {"overall100": 64, "confidence": 0.8, "competencies": [{"id": "problem_solving"}]},
}
RECRUITER = Principal("rec1", Role.RECRUITER)
TECH_HEAD = Principal("head1", Role.DEPARTMENT_HEAD, frozenset({"technology"}))
RETAIL_HEAD = Principal("head2", Role.DEPARTMENT_HEAD, frozenset({"retail-banking"}))
ADMIN = Principal("it1", Role.IT_ADMIN)


@pytest.fixture
def desk(tmp_path: Path) -> tuple[ReviewDesk, SessionStore]:
    store = SessionStore(tmp_path / "kiosk.db", Keyring(b"\x03" * 32))
    state = InterviewState(
        stage=Stage.GREETING,
        session_id="s1",
        position_id="swe-intern",
        language="en",
        questions=(PlannedQuestion("q", "behavioural", 30, 120, 1),),
    )
    store.create_session(state, "REVW-0001", {"name": "N"}, 1.0)
    store.save_result("s1", RESULT, "scored", 2.0)
    store.close_session("s1", "completed", 3.0)
    return ReviewDesk(store, lambda: BANK, lambda: 10.0), store


def test_the_role_matrix_holds_at_every_call(desk: tuple[ReviewDesk, SessionStore]) -> None:
    review, store = desk
    assert BANK.position("swe-intern").department == "technology"
    assert review.open(RECRUITER, "s1").report["result"]["overall100"] == 64
    assert review.open(TECH_HEAD, "s1").status is None
    for who in (RETAIL_HEAD, ADMIN):
        with pytest.raises(VaultError) as err:
            review.open(who, "s1")
        assert err.value.kind is ErrorKind.FORBIDDEN
        with pytest.raises(VaultError):
            review.decide(who, "s1", "advance")
    actions = [(e[2], e[3]) for e in store.audit_entries()]
    assert actions == [("rec1", "report_viewed"), ("head1", "report_viewed")]


def test_overrides_and_decisions_are_checked_and_kept(
    desk: tuple[ReviewDesk, SessionStore],
) -> None:
    review, _ = desk
    with pytest.raises(VaultError, match="reason"):
        review.override(RECRUITER, "s1", "problem_solving", 70, "")
    with pytest.raises(VaultError, match="0-100"):
        review.override(RECRUITER, "s1", "problem_solving", 170, "typo in the form")
    with pytest.raises(VaultError, match="no competency"):
        review.override(RECRUITER, "s1", "charisma", 70, "not a competency here")
    review.override(RECRUITER, "s1", "problem_solving", 70, "Explained it well on the phone")
    review.decide(TECH_HEAD, "s1", "hold", "second interview")
    reviewed = review.open(RECRUITER, "s1")
    assert reviewed.overrides["problem_solving"]["score"] == 70
    assert reviewed.overrides["problem_solving"]["by"] == "rec1"
    assert reviewed.status == "hold"
