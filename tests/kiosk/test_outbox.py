"""The transactional outbox, results and reviews in a real SQLite store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kiosk.engine import InterviewState, PlannedQuestion, Stage
from kiosk.errors import VaultError
from kiosk.outbox import Outbox, enqueue, idempotency_key
from kiosk.store import SessionStore
from kiosk.vault.envelope import SessionKey, new_key_pair
from kiosk.vault.keyring import SERVER, Keyring

DEVICE_KEY = b"\x05" * 32


def state(session_id: str) -> InterviewState:
    return InterviewState(
        stage=Stage.GREETING,
        session_id=session_id,
        position_id="swe-intern",
        language="en",
        questions=(PlannedQuestion("q", "behavioural", 30, 120, 1),),
    )


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "kiosk.db", Keyring(DEVICE_KEY))


def kinds(store: SessionStore) -> list[tuple[str, str | None, str]]:
    return [
        (kind, sid, rid)
        for kind, sid, rid in store.query(
            "SELECT kind, session_id, record_id FROM outbox ORDER BY seq"
        )
    ]


def test_consent_result_and_close_each_leave_one_outbox_row(store: SessionStore) -> None:
    store.create_session(state("s1"), "AAAA-0001", {"name": "N"}, 1.0)
    store.record_consent("s1", "2026-11-x", False, 2.0)
    store.save_result("s1", {"overall": 71, "name": "N"}, "scored", 3.0)
    store.close_session("s1", "completed", 4.0)
    # The close enqueues the result too (an abandoned session has no result row), but the
    # idempotency key is the same, so there is one row.
    assert kinds(store) == [("consent", "s1", "1"), ("result", "s1", "result")]
    assert store.result("s1") == {"overall": 71, "name": "N"}


def test_a_declined_session_is_reported_without_a_result(store: SessionStore) -> None:
    store.create_session(state("s1"), "AAAA-0001", {"name": "N"}, 1.0)
    store.close_session("s1", "declined", 2.0)
    assert kinds(store) == [("result", "s1", "result")]
    assert store.result("s1") is None


def test_a_result_and_its_outbox_row_commit_together(store: SessionStore) -> None:
    store.create_session(state("s1"), "AAAA-0001", {"name": "N"}, 1.0)
    # A trigger makes the outbox insert fail: the result row must be rolled back with it.
    store.query("CREATE TRIGGER boom BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'no'); END")
    with pytest.raises(VaultError):
        store.save_result("s1", {"overall": 1}, "scored", 2.0)
    assert store.query("SELECT COUNT(*) FROM results")[0][0] == 0


def test_rows_are_due_in_order_one_per_session(store: SessionStore) -> None:
    with store.transaction() as db:
        for sid, rid in (("a", "1"), ("a", "2"), ("b", "1"), (None, "h1"), (None, "h2")):
            enqueue(db, "consent", sid, rid, 1.0)
    outbox = Outbox(store)
    due = outbox.due(now=10.0)
    assert [(i.session_id, i.record_id) for i in due] == [("a", "1"), ("b", "1"), (None, "h1"),
                                                           (None, "h2")]  # fmt: skip
    # A failure holds back the rest of its session until the retry time, not other sessions.
    outbox.failed(due[0].seq, "HTTP 503", retry_at=20.0)
    assert [(i.session_id, i.record_id) for i in outbox.due(now=10.0)][:1] == [("b", "1")]
    assert all(i.session_id != "a" for i in outbox.due(now=10.0))
    outbox.delivered([due[0].seq], now=21.0)
    assert next((i.session_id, i.record_id) for i in outbox.due(now=21.0)) == ("a", "2")
    status = outbox.status(now=21.0)
    assert (status.pending, status.delivered, status.last_delivered_at) == (4, 1, 21.0)


def test_the_idempotency_key_is_deterministic_and_distinct() -> None:
    assert idempotency_key("result", "s1", "result") == idempotency_key("result", "s1", "result")
    keys = {
        idempotency_key(k, s, r)
        for k, s, r in [("result", "s1", "result"), ("result", "s2", "result"),
                        ("review", "s1", "1"), ("review", "s1", "2"), ("consent", "s1", "1")]
    }  # fmt: skip
    assert len(keys) == 5
    with pytest.raises(ValueError, match="unknown outbox kind"):
        enqueue(None, "gossip", None, "x", 0.0)


def test_outbox_status_counts_failures_and_keeps_the_error(store: SessionStore) -> None:
    with store.transaction() as db:
        enqueue(db, "consent", "a", "1", 1.0)
    outbox = Outbox(store)
    item = outbox.due(now=2.0)[0]
    outbox.failed(item.seq, "connection reset", retry_at=30.0)
    status = outbox.status(now=3.0)
    assert (status.pending, status.waiting, status.last_error) == (1, 1, "connection reset")
    assert outbox.due(now=3.0) == []
    assert outbox.due(now=31.0)[0].attempts == 1


def test_reviews_are_sealed_audited_and_queued(tmp_path: Path) -> None:
    server_private, server_public = new_key_pair()
    store = SessionStore(tmp_path / "kiosk.db", Keyring(DEVICE_KEY, server_key=server_public))
    store.create_session(state("s1"), "AAAA-0001", {"name": "N"}, 1.0)
    override = {"competency": "ownership", "score": 80, "reason": "Gave a second example later"}
    assert store.add_review("s1", actor="rec1", kind="override", data=override, now=2.0) == 1
    assert store.add_review("s1", actor="rec1", kind="status", data={"status": "advance"},
                            now=3.0) == 2  # fmt: skip
    assert [r[:3] for r in store.reviews("s1")] == [(1, "rec1", "override"), (2, "rec1", "status")]
    assert [e[3] for e in store.audit_entries()] == ["score_overridden", "status_changed"]
    assert kinds(store)[-2:] == [("review", "s1", "1"), ("review", "s1", "2")]
    # The reason is personal: only ciphertext on disk, and the server's key opens it.
    raw = sqlite3.connect(tmp_path / "kiosk.db").execute("SELECT sealed FROM reviews").fetchall()
    assert all(b"second example" not in blob for (blob,) in raw)
    copy = next(c for c in store.wrapped_keys("s1") if c.recipient == SERVER)
    key = SessionKey.unwrap("s1", copy.wrapped, server_private, SERVER)
    assert b"second example" in key.open("review", "1", raw[0][0])
