"""``kiosk run`` as a process: starts on replay devices, stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _wait_for_line(path: Path, text: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(encoding="utf-8", errors="replace"):
            return
        if process.poll() is not None:
            pytest.fail(f"kiosk run exited early with {process.returncode}")
        time.sleep(0.1)
    pytest.fail(f"{text!r} did not appear in {path} within {timeout} s")


@pytest.mark.slow
def test_kiosk_run_replay_starts_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "KIOSK_DATA_DIR": str(tmp_path / "data"),
        "KIOSK_ANALYSIS_ENABLED": "false",
        "KIOSK_RECORDING_MIN_FREE_MB": "50",
    }
    env.pop("KIOSK_CONFIG", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "run", "--replay", "--windowed"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        log = tmp_path / "data" / "replay" / "logs" / "kiosk.log"
        _wait_for_line(log, "kiosk ready: bank", process, timeout=60)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)
    assert process.returncode == 0, err.decode(errors="replace")
    assert b"kiosk run: data in" in out
    assert "kiosk app stopped" in log.read_text(encoding="utf-8")
    assert b"Traceback" not in err
