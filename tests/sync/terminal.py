"""A terminal's side for the sync tests: a real store with an enrolled keyring and a backlog."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kiosk.engine import InterviewState, PlannedQuestion, Stage
from kiosk.store import SessionStore
from kiosk.vault.keyring import Keyring
from sync.provision import enrol_online
from sync.transport import TlsSettings
from tests.sync.erp_helpers import REPO, TlsFiles


def open_terminal(data: Path) -> SessionStore:
    """The terminal's session store in ``data`` (keys in ``data/keys``)."""
    return SessionStore(data / "kiosk.db", Keyring.load(data / "keys"))


def enrol_terminal(store: SessionStore, data: Path, url: str, token: str, tls: TlsFiles) -> None:
    """``kiosk provision`` in-process."""
    enrol_online(store, data / "keys", url, token, TlsSettings(ca_bundle=tls.ca_pem),
                 device_name="test terminal")  # fmt: skip


def add_results(store: SessionStore, count: int, *, start: int = 0, now: float = 1.0) -> list[str]:
    """``count`` finished sessions, each with a consent and a sealed result; their ids."""
    ids = []
    for i in range(start, start + count):
        sid = f"sess{i:05d}"
        state = InterviewState(
            stage=Stage.GREETING,
            session_id=sid,
            position_id="swe-intern",
            language="en",
            questions=(PlannedQuestion("q", "behavioural", 30, 120, 1),),
        )
        store.create_session(state, f"{i:04d}-SYNC", {"name": f"Candidate {i}"}, now)
        store.record_consent(sid, "2026-11-test", False, now)
        result = {"result": {"overall100": i % 101, "competencies": []}, "session_code": sid}
        store.save_result(sid, result, "scored", now)
        store.close_session(sid, "completed", now)
        ids.append(sid)
    return ids


def sync_env(data: Path, tls: TlsFiles, **settings: str) -> dict[str, str]:
    """The environment for ``kiosk`` subprocesses on this terminal."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env.update(
        {
            "KIOSK_DATA_DIR": str(data),
            "KIOSK_ERP_CA_BUNDLE": str(tls.ca_pem),
            "KIOSK_ERP_MAX_BACKOFF_SECONDS": "5",
            **{f"KIOSK_ERP_{k.upper()}": v for k, v in settings.items()},
        }
    )
    return env


def kiosk_process(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen[bytes]:
    """``kiosk ARGS`` as a child process, output to ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "kiosk", *args], cwd=REPO, env=env, stdout=out, stderr=out
        )
