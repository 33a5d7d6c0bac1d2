"""Retention: deletion by candidate, the periodic purge, media removal, the config audit."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk import retention
from kiosk.app import audit_config_change
from kiosk.config import load_config
from kiosk.engine import InterviewState, PlannedQuestion, Stage
from kiosk.errors import ErrorKind, VaultError
from kiosk.store import SessionStore
from kiosk.vault import audit
from kiosk.vault.keyring import Keyring

DAY = 86_400.0


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
    return SessionStore(tmp_path / "kiosk.db", Keyring(b"\x09" * 32))


def add(store: SessionStore, sid: str, *, ref: str | None, closed_at: float | None) -> None:
    store.create_session(state(sid), f"{sid.upper():X<4}-0001", {"name": "N"}, 1.0,
                         candidate_ref=ref)  # fmt: skip
    if closed_at is not None:
        store.close_session(sid, "completed", closed_at)


def test_delete_by_candidate_removes_all_their_sessions_and_only_theirs(
    store: SessionStore, tmp_path: Path
) -> None:
    add(store, "a1", ref="CAND-7781", closed_at=5.0)
    add(store, "a2", ref="CAND-7781", closed_at=6.0)
    add(store, "b1", ref="CAND-1234", closed_at=7.0)
    media = tmp_path / "media"
    (media / "a1").mkdir(parents=True)
    (media / "a1" / "q00-a1.audio.enc").write_bytes(b"\x00" * 64)
    count = retention.delete_candidate(
        store, "CAND-7781", actor="rec1", reason="candidate request", now=10.0, media_root=media
    )
    assert count == 2
    assert {row.session_id for row in store.sessions()} == {"b1"}
    assert not (media / "a1").exists()
    assert {t[0] for t in store.tombstones()} == {"a1", "a2"}
    # Each tombstone is queued for the server, after the session's earlier rows.
    rows = store.query("SELECT kind, session_id FROM outbox WHERE kind = 'tombstone'")
    assert sorted(r[1] for r in rows) == ["a1", "a2"]
    # The reference itself is nowhere in the database: only its keyed hash was.
    assert b"CAND-7781" not in (tmp_path / "kiosk.db").read_bytes()
    with pytest.raises(VaultError) as err:
        retention.delete_candidate(
            store, "CAND-7781", actor="rec1", reason="candidate request", now=11.0
        )
    assert err.value.kind is ErrorKind.INVALID_INPUT


def test_the_candidate_tag_depends_on_the_device_key(tmp_path: Path) -> None:
    one = Keyring(b"\x01" * 32).candidate_tag("CAND-1")
    assert one == Keyring(b"\x01" * 32).candidate_tag("CAND-1")
    assert one != Keyring(b"\x02" * 32).candidate_tag("CAND-1")
    assert one != Keyring(b"\x01" * 32).candidate_tag("CAND-2")


def test_the_retention_job_purges_periodically(store: SessionStore) -> None:
    now = [100 * DAY]
    add(store, "old", ref=None, closed_at=1.0)
    add(store, "new", ref=None, closed_at=99 * DAY)
    job = retention.RetentionJob(store, 30, lambda: now[0], interval=0.05)
    job.start()
    try:
        deadline = time.monotonic() + 10
        while job.runs < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert {row.session_id for row in store.sessions()} == {"new"}
        now[0] = 200 * DAY  # the calendar moves on while the kiosk stays up
        runs = job.runs
        while job.runs < runs + 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        job.stop()
    assert store.sessions() == []
    actions = [e[3] for e in store.audit_entries()]
    assert actions.count("purge") == 2
    assert audit.verify(store.audit_entries()) == []


def test_a_config_change_is_audited_by_key_name_without_values(
    store: SessionStore, tmp_path: Path
) -> None:
    config = replace(load_config(None, environ={}), data_dir=tmp_path)
    assert audit_config_change(store, config, 1.0) == []  # the first start: the baseline
    assert audit_config_change(store, config, 2.0) == []  # unchanged
    changed = replace(config, retention_days=30, device_id="hall-b-terminal-7")
    assert audit_config_change(store, changed, 3.0) == ["device_id", "retention_days"]
    entries = store.audit_entries()
    assert [e[3] for e in entries] == ["config_changed"]
    assert "hall-b-terminal-7" not in entries[0][5] and "30" not in entries[0][5]
