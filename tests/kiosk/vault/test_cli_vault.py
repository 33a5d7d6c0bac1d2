"""``kiosk delete``, ``kiosk purge`` and ``kiosk audit verify`` as IT staff run them: real
subprocesses on a real data directory; and a whole demo interview scanned for canaries."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.engine import InterviewState, PlannedQuestion, Stage
from kiosk.store import SessionStore
from kiosk.vault.keyring import Keyring

ROOT = Path(__file__).resolve().parents[3]
DAY = 86_400.0


def run_kiosk(data: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env["KIOSK_DATA_DIR"] = str(data)
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
        env=env,
    )


kiosk = run_kiosk


def session(store: SessionStore, session_id: str, code: str, *, closed_at: float | None) -> None:
    state = InterviewState(
        stage=Stage.GREETING,
        session_id=session_id,
        position_id="swe-intern",
        language="en",
        questions=(PlannedQuestion("q", "behavioural", 30, 120, 1),),
    )
    store.create_session(state, code, {"name": "Ottoline Vandersteen"}, 1.0)
    if closed_at is not None:
        store.close_session(session_id, "completed", closed_at)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    import time  # noqa: PLC0415 - only here: real wall-clock ages for the retention period

    now = time.time()
    store = SessionStore(data / "kiosk.db", Keyring.load(data / "keys"))
    session(store, "old", "OLDS-0001", closed_at=now - 400 * DAY)
    session(store, "recent", "RCNT-0002", closed_at=now - 2 * DAY)
    session(store, "running", "RUNN-0003", closed_at=None)
    store.close()
    return data


def remaining(data: Path) -> set[str]:
    with sqlite3.connect(data / "kiosk.db") as conn:
        return {row[0] for row in conn.execute("SELECT id FROM sessions")}


def test_delete_by_receipt_code_shreds_the_session_and_is_audited(data: Path) -> None:
    done = kiosk(data, "delete", "--session", "rcnt-0002")
    assert done.returncode == 0, done.stderr
    assert "deleted session RCNT-0002" in done.stdout
    assert remaining(data) == {"old", "running"}
    with sqlite3.connect(data / "kiosk.db") as conn:
        assert conn.execute(
            "SELECT COUNT(*) FROM session_keys WHERE session_id='recent'"
        ).fetchone() == (0,)
        assert conn.execute(
            "SELECT reason FROM tombstones WHERE session_id='recent'"
        ).fetchone() == ("candidate request",)
    again = kiosk(data, "delete", "--session", "RCNT-0002")
    assert again.returncode == 1 and "no session with code RCNT-0002" in again.stderr
    verified = kiosk(data, "audit", "verify")
    assert verified.returncode == 0 and "intact: 1 entries" in verified.stdout  # fmt: skip


def test_a_session_in_progress_is_not_deleted(data: Path) -> None:
    done = kiosk(data, "delete", "--session", "RUNN-0003")
    assert done.returncode == 1 and "still in progress" in done.stderr
    assert "Traceback" not in done.stderr
    assert "running" in remaining(data)


def test_purge_deletes_what_is_past_the_retention_period(data: Path) -> None:
    dry = kiosk(data, "purge", "--dry-run")
    assert dry.returncode == 0 and "1 session(s) older than 180 days" in dry.stdout
    assert remaining(data) == {"old", "recent", "running"}
    done = kiosk(data, "purge")
    assert done.returncode == 0 and "deleted 1 session(s)" in done.stdout
    assert remaining(data) == {"recent", "running"}
    verified = kiosk(data, "audit", "verify")
    assert verified.returncode == 0 and "intact: 2 entries" in verified.stdout


def test_audit_verify_reports_a_tampered_log(data: Path) -> None:
    kiosk(data, "purge")
    head = kiosk(data, "audit", "verify").stdout.split("head ")[1].strip()
    with sqlite3.connect(data / "kiosk.db") as conn:
        conn.execute("UPDATE audit_log SET actor = 'nobody' WHERE seq = 1")
    broken = kiosk(data, "audit", "verify")
    assert broken.returncode == 1 and "entry 1: was changed" in broken.stdout
    with sqlite3.connect(data / "kiosk.db") as conn:
        conn.execute("UPDATE audit_log SET actor = 'local-admin' WHERE seq = 1")
        conn.execute("DELETE FROM audit_log WHERE seq = 2")
    assert kiosk(data, "audit", "verify").returncode == 0
    cut = kiosk(data, "audit", "verify", "--head", head)
    assert cut.returncode == 1 and "missing" in cut.stdout


@pytest.mark.slow
def test_a_whole_demo_leaves_no_canary_in_plaintext_anywhere(tmp_path: Path) -> None:
    """A recruiter account exists first (so the session is closed to the review key), the demo
    runs, the recruiter reviews and exports it through ``kiosk review``; then every byte of the
    data directory is scanned."""
    name = "Quintessa Marrowfield-Okonkwo"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    data = tmp_path / "data"
    added = run_kiosk(data, "users", "add", "rec1", "--role", "recruiter", "--pin-stdin",
                      stdin="482913\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    badge = added.stdout.split("badge token (print as the badge's QR code):")[1].split()[0]
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "demo", "--data-dir", str(data),
         "--out", str(tmp_path / "out"), "--position", "swe-intern", "--candidate-name", name],
        capture_output=True, text=True, timeout=600, cwd=ROOT, check=False, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = next((tmp_path / "out").glob("report-*.json")).read_text(encoding="utf-8")
    # Distinctive phrases the candidate said (the report, an export, holds them in the clear).
    phrases = [
        "routing service",
        "wrong distances",
        "official tutorial",
        name,
        name.split(maxsplit=1)[0],
    ]
    assert [p for p in phrases[:3] if p not in report] == []
    code = done.stdout.split("done: session ")[1].split()[0]
    review_session(data, code, badge, tmp_path / "exported")
    scanned = 0
    for path in data.rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            scanned += len(raw)
            for phrase in phrases:
                for encoding in ("utf-8", "utf-16-le"):
                    assert phrase.encode(encoding) not in raw, (path.name, phrase)
    assert scanned > 10_000
    assert name not in done.stderr


def review_session(data: Path, code: str, badge: str, out: Path) -> None:
    """The recruiter's side: show, decide, override and export, each logged in and audited."""
    login = f"482913\n{badge}\n"
    base = ("--session", code, "--user", "rec1", "--credentials-stdin")
    shown = run_kiosk(data, "review", "show", *base, stdin=login)
    assert shown.returncode == 0, shown.stderr
    assert f"session {code}" in shown.stdout and "overall" in shown.stdout
    competency = shown.stdout.splitlines()[2].split()[0]
    for args in (
        ("decide", *base, "--status", "advance", "--note", "strong systems answer"),
        ("override", *base, "--competency", competency, "--score", "77",
         "--reason", "Follow-up call confirmed the routing service work"),
        ("export", *base, "--out", str(out)),
    ):  # fmt: skip
        step = run_kiosk(data, "review", *args, stdin=login)
        assert step.returncode == 0, step.stderr
    again = run_kiosk(data, "review", "show", *base, stdin=login)
    assert "(overridden to 77 by rec1)" in again.stdout and "decision: advance" in again.stdout
    wrong = run_kiosk(data, "review", "show", *base, stdin="000000\nnot-the-badge\n")
    assert wrong.returncode == 1 and "Traceback" not in wrong.stderr
    with sqlite3.connect(data / "kiosk.db") as conn:
        actions = [row[0] for row in conn.execute("SELECT action FROM audit_log ORDER BY seq")]
        outbox = [row[0] for row in conn.execute("SELECT kind FROM outbox ORDER BY seq")]
    for action in ("report_viewed", "status_changed", "score_overridden", "export"):
        assert action in actions
    assert outbox == ["consent", "result", "review", "review"]
    assert (out / f"report-{code}.pdf").exists()
