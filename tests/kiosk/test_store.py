"""The session store on a real SQLite file, and the sealing of personal records."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.engine import InterviewState, PlannedQuestion, Stage
from kiosk.errors import ErrorKind, VaultError
from kiosk.sealing import LocalSealer
from kiosk.store import MIGRATIONS, SessionStore
from kiosk.vault.keyring import Keyring

ROOT = Path(__file__).resolve().parents[2]
KEY = b"\x01" * 32


def state(session_id: str) -> InterviewState:
    return InterviewState(
        stage=Stage.GREETING,
        session_id=session_id,
        position_id="swe-intern",
        language="zh",
        questions=(PlannedQuestion("q", "behavioural", 30, 120, 1),),
    )


def test_sessions_round_trip_and_the_personal_record_is_sealed(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "kiosk.db", Keyring(KEY))
    store.create_session(state("s1"), "ABCD-EFGH", {"name": "王小明"}, 10.0)
    store.save_state(state("s1").evolve(stage=Stage.CONSENT), 11.0)
    assert store.open_session() == state("s1").evolve(stage=Stage.CONSENT)
    assert store.personal("s1") == {"name": "王小明"}
    store.close_session("s1", "declined", 12.0)
    assert store.open_session() is None
    assert store.session("s1").outcome == "declined"
    store.close()
    raw = (tmp_path / "kiosk.db").read_bytes()
    assert "王小明".encode() not in raw


def test_a_sealed_record_moved_to_another_session_does_not_open(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "kiosk.db", Keyring(KEY))
    store.create_session(state("s1"), "AAAA-AAAA", {"name": "one"}, 1.0)
    store.create_session(state("s2"), "BBBB-BBBB", {"name": "two"}, 2.0)
    store.close()
    with sqlite3.connect(tmp_path / "kiosk.db") as conn:
        conn.execute(
            "UPDATE sessions SET personal = (SELECT personal FROM sessions WHERE id='s1') "
            "WHERE id = 's2'"
        )
    store = SessionStore(tmp_path / "kiosk.db", Keyring(KEY))
    with pytest.raises(VaultError) as caught:
        store.personal("s2")
    assert caught.value.kind is ErrorKind.STORAGE_CORRUPT
    with pytest.raises(VaultError):
        SessionStore(tmp_path / "kiosk.db", Keyring(b"\x02" * 32)).personal("s1")


def test_the_device_key_is_created_once_with_private_permissions(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "device.key"
    first = LocalSealer.from_key_file(path)
    second = LocalSealer.from_key_file(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert second.open(first.seal(b"x", "c"), "c") == b"x"


def test_a_corrupt_database_is_reported_not_crashed_on(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    path.write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(VaultError) as caught:
        SessionStore(path, Keyring(KEY))
    assert caught.value.kind is ErrorKind.STORAGE_CORRUPT
    assert "corrupt" in str(caught.value)


def test_a_database_from_a_newer_kiosk_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    SessionStore(path, Keyring(KEY)).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(VaultError, match="newer than this kiosk supports"):
        SessionStore(path, Keyring(KEY))


def test_the_demo_on_a_corrupt_database_says_so_in_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "kiosk.db").write_bytes(b"garbage" * 1000)
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "demo", "--data-dir", str(data), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 1
    assert "database is corrupt" in done.stderr and "Traceback" not in done.stderr
