"""Envelope encryption in the real session store: per-session data keys, wrapped copies,
crypto-shredding and the audit chain, on a real SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kiosk import retention
from kiosk.engine import InterviewState, PlannedQuestion, Stage
from kiosk.errors import ErrorKind, VaultError
from kiosk.recording import AnswerRecording
from kiosk.store import SessionStore
from kiosk.vault import audit
from kiosk.vault.envelope import SessionKey, new_key_pair
from kiosk.vault.keyring import DEVICE, REVIEW, SERVER, Keyring

DEVICE_KEY = b"\x07" * 32
CANARY = "Zebulon Quixote-Marchetti"


def state(session_id: str) -> InterviewState:
    return InterviewState(
        stage=Stage.GREETING,
        session_id=session_id,
        position_id="swe-intern",
        language="en",
        questions=(PlannedQuestion("q", "behavioural", 30, 120, 1),),
    )


def recording(index: int) -> AnswerRecording:
    return AnswerRecording(
        index, 1, False, Path("a.wav"), Path("a.avi"), 12.0, 192_000, 120, -20.0, 0.8, True
    )


@pytest.fixture
def parties() -> dict[str, object]:
    server_private, server_public = new_key_pair()
    review_private, review_public = new_key_pair()
    return {
        "server_private": server_private,
        "review_private": review_private,
        "keyring": Keyring(DEVICE_KEY, server_key=server_public, review_key=review_public),
    }


def fill(store: SessionStore, session_id: str) -> None:
    store.create_session(state(session_id), f"{session_id[:4]:X<4}-CODE", {"name": CANARY}, 1.0)
    store.save_answer(session_id, "q", recording(0), 2.0)
    store.save_analysis(session_id, 0, 1, {"transcript": {"text": f"I am {CANARY}"}}, 3.0)


def test_each_session_has_its_own_key_wrapped_for_device_server_and_review(
    tmp_path: Path, parties: dict[str, object]
) -> None:
    keyring = parties["keyring"]
    assert isinstance(keyring, Keyring)
    store = SessionStore(tmp_path / "kiosk.db", keyring)
    fill(store, "s1")
    fill(store, "s2")
    copies = {c.recipient: c for c in store.wrapped_keys("s1")}
    assert set(copies) == {DEVICE, SERVER, REVIEW}
    # The server's private key opens every record of the session, from the stored bytes only.
    server_private = parties["server_private"]
    key = SessionKey.unwrap("s1", copies[SERVER].wrapped, server_private, SERVER)  # type: ignore[arg-type]
    opened = {
        (kind, rid): key.open(kind, rid, blob) for kind, rid, blob in store.sealed_records("s1")
    }
    assert CANARY.encode() in opened[("personal", "")]
    assert CANARY.encode() in opened[("analysis", "0:1")]
    # Another session's key is another key.
    other = {c.recipient: c for c in store.wrapped_keys("s2")}
    key2 = SessionKey.unwrap("s2", other[SERVER].wrapped, server_private, SERVER)  # type: ignore[arg-type]
    assert key2.key != key.key
    # A wrapped copy does not open as another session's, nor as another recipient's.
    with pytest.raises(VaultError):
        SessionKey.unwrap("s2", copies[SERVER].wrapped, server_private, SERVER)  # type: ignore[arg-type]
    with pytest.raises(VaultError):
        SessionKey.unwrap("s1", copies[SERVER].wrapped, server_private, REVIEW)  # type: ignore[arg-type]
    # The wrong private key does not open it.
    wrong, _ = new_key_pair()
    with pytest.raises(VaultError):
        SessionKey.unwrap("s1", copies[SERVER].wrapped, wrong, SERVER)
    store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert CANARY.encode() not in raw


def test_a_record_moved_to_another_record_or_session_fails_loudly(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "kiosk.db", Keyring(DEVICE_KEY))
    fill(store, "s1")
    fill(store, "s2")
    store.save_answer("s1", "q", recording(1), 4.0)
    store.close()
    with sqlite3.connect(tmp_path / "kiosk.db") as conn:
        # s1's answer 0 over its answer 1 (same key, another record id) ...
        conn.execute(
            "UPDATE answers SET sealed = (SELECT sealed FROM answers WHERE session_id='s1' AND "
            "idx=0) WHERE session_id='s1' AND idx=1"
        )
        # ... and s1's analysis into s2 (another key).
        conn.execute(
            "UPDATE analyses SET sealed = (SELECT sealed FROM analyses WHERE session_id='s1') "
            "WHERE session_id='s2'"
        )
    store = SessionStore(tmp_path / "kiosk.db", Keyring(DEVICE_KEY))
    assert store.answer_stats("s1", 0, 1) is not None
    for read in (lambda: store.answer_stats("s1", 1, 1), lambda: store.analysis("s2", 0, 1)):
        with pytest.raises(VaultError) as caught:
            read()
        assert caught.value.kind is ErrorKind.STORAGE_CORRUPT
    # A kiosk with another device key opens nothing.
    stranger = SessionStore(tmp_path / "kiosk.db", Keyring(b"\x08" * 32))
    with pytest.raises(VaultError):
        stranger.personal("s1")


def test_a_closed_session_needs_a_recruiter_to_read_it(
    tmp_path: Path, parties: dict[str, object]
) -> None:
    keyring = parties["keyring"]
    assert isinstance(keyring, Keyring)
    store = SessionStore(tmp_path / "kiosk.db", keyring)
    fill(store, "s1")
    store.close_session("s1", "completed", 5.0)
    assert {c.recipient for c in store.wrapped_keys("s1")} == {SERVER, REVIEW}
    store.close()
    reopened = SessionStore(tmp_path / "kiosk.db", keyring)
    with pytest.raises(VaultError) as caught:
        reopened.personal("s1")
    assert caught.value.kind is ErrorKind.LOCKED
    review_private = parties["review_private"]
    keyring.review_private = review_private  # type: ignore[assignment]
    assert reopened.personal("s1") == {"name": CANARY}


def test_a_local_only_terminal_keeps_the_device_copy(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "kiosk.db", Keyring(DEVICE_KEY))
    fill(store, "s1")
    store.close_session("s1", "completed", 5.0)
    assert {c.recipient for c in store.wrapped_keys("s1")} == {DEVICE}
    assert store.personal("s1") == {"name": CANARY}


def test_crypto_shredding_leaves_nothing_that_decrypts_and_a_tombstone(
    tmp_path: Path, parties: dict[str, object]
) -> None:
    keyring = parties["keyring"]
    assert isinstance(keyring, Keyring)
    store = SessionStore(tmp_path / "kiosk.db", keyring)
    fill(store, "s1")
    fill(store, "s2")
    copies = {c.recipient: c for c in store.wrapped_keys("s1")}
    records = store.sealed_records("s1")
    retention.delete_session(store, "s1", actor="admin", reason="candidate request", now=9.0)
    assert store.wrapped_keys("s1") == [] and store.sealed_records("s1") == []
    assert store.tombstones() == [("s1", "swe-intern", "candidate request", 9.0)]
    assert store.personal("s2") == {"name": CANARY}
    store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    # Neither the wrapped keys nor the ciphertexts survive anywhere in the files (secure_delete
    # zeroes freed pages; the WAL was checkpointed and truncated).
    for copy in copies.values():
        assert copy.wrapped not in raw
    for _kind, _rid, blob in records:
        assert blob not in raw
    entries = SessionStore(tmp_path / "kiosk.db", keyring).audit_entries()
    assert [(e[2], e[3], e[4]) for e in entries] == [("admin", "session_deleted", "s1")]
    assert CANARY.encode() not in raw


def test_expired_sessions_are_found_by_retention(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "kiosk.db", Keyring(DEVICE_KEY))
    fill(store, "old1")
    fill(store, "new1")
    fill(store, "open")
    store.close_session("old1", "completed", 0.0)
    store.close_session("new1", "completed", 100 * 86_400.0)
    assert retention.expired_sessions(store, 30, now=120 * 86_400.0) == ["old1"]


def audit_chain(tmp_path: Path) -> Path:
    store = SessionStore(tmp_path / "kiosk.db", Keyring(DEVICE_KEY))
    for n, action in enumerate(["login", "report_viewed", "export", "purge", "logout"]):
        store.audit(f"user{n % 2}", action, f"target{n}", {"n": n}, float(n))
    assert audit.verify(store.audit_entries()) == []
    store.close()
    return tmp_path / "kiosk.db"


@pytest.mark.parametrize(
    ("tamper", "seq"),
    [
        ("UPDATE audit_log SET detail = '{\"n\":99}' WHERE seq = 3", 3),
        ("UPDATE audit_log SET actor = 'someone' WHERE seq = 2", 2),
        ("DELETE FROM audit_log WHERE seq = 2", 3),
        (
            "UPDATE audit_log SET seq = CASE seq WHEN 2 THEN 3 WHEN 3 THEN 2 END "
            "WHERE seq IN (2, 3)",
            2,
        ),
    ],
    ids=["edited detail", "edited actor", "removed", "reordered"],
)
def test_audit_tampering_is_detected(tmp_path: Path, tamper: str, seq: int) -> None:
    path = audit_chain(tmp_path)
    with sqlite3.connect(path) as conn:
        if "CASE" in tamper:
            conn.execute("UPDATE audit_log SET seq = -seq WHERE seq IN (2, 3)")
            conn.execute(
                "UPDATE audit_log SET seq = CASE seq WHEN -2 THEN 3 ELSE 2 END WHERE seq < 0"
            )
        else:
            conn.execute(tamper)
    problems = audit.verify(SessionStore(path, Keyring(DEVICE_KEY)).audit_entries())
    assert problems and problems[0].seq == seq


def test_a_cut_off_tail_is_detected_against_a_head_known_elsewhere(tmp_path: Path) -> None:
    path = audit_chain(tmp_path)
    entries = SessionStore(path, Keyring(DEVICE_KEY)).audit_entries()
    head = (entries[-1][0], entries[-1][7])
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM audit_log WHERE seq = 5")
    remaining = SessionStore(path, Keyring(DEVICE_KEY)).audit_entries()
    assert audit.verify(remaining) == []  # a shorter chain is still a chain ...
    assert audit.verify(remaining, head=head)  # ... but not one holding the known head


def test_a_session_older_than_the_review_key_keeps_its_only_copy(tmp_path: Path) -> None:
    keyring = Keyring(DEVICE_KEY)
    store = SessionStore(tmp_path / "kiosk.db", keyring)
    fill(store, "s1")
    keyring.review_key = new_key_pair()[1]  # the first recruiter is added mid-session
    store.close_session("s1", "completed", 5.0)
    assert {c.recipient for c in store.wrapped_keys("s1")} == {DEVICE}
    assert SessionStore(tmp_path / "kiosk.db", Keyring(DEVICE_KEY)).personal("s1") == {
        "name": CANARY
    }


@pytest.mark.parametrize("outcome", ["completed", "declined"])
def test_closing_leaves_no_old_copy_of_the_device_key_in_any_file(
    tmp_path: Path, parties: dict[str, object], outcome: str
) -> None:
    keyring = parties["keyring"]
    assert isinstance(keyring, Keyring)
    store = SessionStore(tmp_path / "kiosk.db", keyring)
    fill(store, "s1")
    (device,) = [c for c in store.wrapped_keys("s1") if c.recipient == DEVICE]
    personal = store.sealed_records("s1")[0][2]
    store.close_session("s1", outcome, 5.0)  # type: ignore[arg-type]
    # While the store is still open: the WAL is there, and must not hold the old pages.
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert device.wrapped not in raw
    assert (personal in raw) is (outcome == "completed")
    store.close()


def test_an_analysis_finishing_after_its_session_closed_is_still_stored(
    tmp_path: Path, parties: dict[str, object]
) -> None:
    keyring = parties["keyring"]
    assert isinstance(keyring, Keyring)
    store = SessionStore(tmp_path / "kiosk.db", keyring)
    fill(store, "s1")
    key = store.session_key("s1")  # what the analysis job carries
    store.close_session("s1", "interrupted", 5.0)  # type: ignore[arg-type]
    with pytest.raises(VaultError) as caught:
        store.save_analysis("s1", 1, 1, {"transcript": {"text": "late"}}, 6.0)
    assert caught.value.kind is ErrorKind.LOCKED
    store.save_analysis("s1", 1, 1, {"transcript": {"text": "late"}}, 6.0, key=key)
    keyring.review_private = parties["review_private"]  # type: ignore[assignment]
    assert store.analysis("s1", 1, 1) == {"transcript": {"text": "late"}}
