"""`kiosk demo` as a user runs it: a real subprocess, killed with SIGKILL and run again."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]


def demo_command(tmp_path: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "kiosk",
        "demo",
        "--out",
        str(tmp_path / "out"),
        "--data-dir",
        str(tmp_path / "data"),
        *extra,
    ]


def demo_env(analysis: bool) -> dict[str, str]:
    """The environment of a demo run, with on-device analysis on or off (a config setting)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env["KIOSK_ANALYSIS_ENABLED"] = "true" if analysis else "false"
    return env


def run_demo(
    tmp_path: Path, *extra: str, analysis: bool = True
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        demo_command(tmp_path, *extra),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        check=False,
        env=demo_env(analysis),
    )


def open_session(db: Path) -> tuple[str, dict[str, object]] | None:
    """The open session's stage and state, read as another process would."""
    if not db.exists():
        return None
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            row = conn.execute(
                "SELECT stage, state_json FROM sessions WHERE closed_at IS NULL"
            ).fetchone()
    except sqlite3.OperationalError:  # not created yet
        return None
    return None if row is None else (row[0], json.loads(row[1]))


def answer_rows(db: Path) -> set[tuple[int, int, float]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return set(conn.execute("SELECT idx, attempt, created_at FROM answers").fetchall())


@pytest.mark.slow
def test_the_demo_runs_a_whole_interview_and_writes_its_report(tmp_path: Path) -> None:
    done = run_demo(tmp_path, "--position", "swe-intern", "--candidate-name", "Casey Canary")
    assert done.returncode == 0, done.stderr
    assert "done: session" in done.stdout and "overall" in done.stdout
    (report_path,) = (tmp_path / "out").glob("report-*.json")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["candidate"]["name"] == "Casey Canary"
    assert report["position"]["id"] == "swe-intern"
    kinds = [a["kind"] for a in report["answers"]]
    assert kinds[0] == "self_intro" and "ability_mcq" in kinds and "situational" in kinds
    spoken = [a for a in report["answers"] if "recording" in a]
    assert spoken and all(a["recording"]["audio_seconds"] > 5 for a in spoken)
    # Real transcripts from the real model.
    debug = next(a for a in spoken if a["question_id"] == "bei-debug-hard-problem")
    assert "bug" in debug["analysis"]["transcript"].lower()
    assert all(a["analysis"]["asr_confidence"] > 0.6 for a in spoken)
    assert all(a["analysis"]["video"]["face_present_ratio"]["value"] > 0.9 for a in spoken)
    # Analysed while recorded (the default), not from the files afterwards.
    assert all(a["analysis"]["pipeline"]["mode"] == "live" for a in spoken)
    assert all(a["analysis"]["pipeline"]["frames_analysed"] > 0 for a in spoken)
    # Scores, each explained by evidence, under a recorded policy and versions.
    result = report["result"]
    assert 0 <= result["overall100"] <= 100 and result["policy"]["profile"] == "standard"
    assessed = [c for c in result["competencies"] if c["assessed"]]
    assert assessed
    for competency in assessed:
        assert competency["contributions"], competency["id"]
        assert any(p["evidence"] for p in competency["contributions"]), competency["id"]
    assert any(m.startswith("tiny.en") or "whisper" in m for m in report["versions"]["models"])
    assert report["versions"]["rubric"]
    receipt = next((tmp_path / "out").glob("receipt-*.txt")).read_text(encoding="utf-8")
    assert report["session_code"] in receipt and "Casey" not in receipt
    assert not any((tmp_path / "data" / "scratch").iterdir())


def test_an_unknown_position_is_one_clear_error(tmp_path: Path) -> None:
    done = run_demo(tmp_path, "--position", "astronaut")
    assert done.returncode == 2
    assert "astronaut" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("command", [[], ["demo"], ["config"], ["bank"]])
def test_help_explains_every_option(command: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", *command, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=True,
    )
    parser = build_parser()
    if command:
        sub = next(a for a in parser._actions if a.dest == "command")
        parser = sub.choices[command[0]]  # type: ignore[attr-defined]
    for action in parser._actions:
        assert action.help, f"{action.dest} has no help"
        for flag in action.option_strings:
            assert flag in done.stdout


# Each case: the stage to kill in, and the question index it must have reached (so that at
# least one completed answer exists when the kill comes during the questions).
KILL_POINTS = [
    ("greeting", 0),
    ("consent", 0),
    ("device_check", 0),
    ("practice_prep", 0),
    ("practice_answer", 0),
    ("prep", 1),
    ("answer", 1),
    ("review", 2),
    ("done", 5),
]


@pytest.mark.slow
@pytest.mark.parametrize(("stage", "index"), KILL_POINTS)
def test_a_killed_demo_resumes_at_the_last_completed_answer(
    tmp_path: Path, stage: str, index: int
) -> None:
    db = tmp_path / "data" / "kiosk.db"
    # Each screen stays up 0.4 s, so every stage can be caught from outside.
    # The engine's resume is what is tested at most stages; analysis runs where resuming it
    # matters (answers completed before the kill are analysed after it).
    analysis = stage in ("answer", "done")
    process = subprocess.Popen(
        demo_command(tmp_path, "--think-seconds", "0.4"),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=demo_env(analysis),
    )
    deadline = time.monotonic() + 120
    try:
        while True:
            assert process.poll() is None, f"demo ended before reaching {stage}: {process.stderr}"
            assert time.monotonic() < deadline, f"demo never reached {stage}"
            seen = open_session(db)
            if seen and seen[0] == stage and int(seen[1]["index"]) >= index:  # type: ignore[call-overload]
                break
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
    before = open_session(db)
    assert before is not None
    kept_answers = answer_rows(db)
    completed = {(a["index"], a["attempt"]) for a in before[1]["answers"]}  # type: ignore[attr-defined]

    done = run_demo(tmp_path, analysis=analysis)
    assert done.returncode == 0, done.stderr
    assert f"resuming the unfinished session stopped at {before[0]}" in done.stdout
    with sqlite3.connect(db) as conn:
        sessions = conn.execute("SELECT outcome FROM sessions").fetchall()
    assert sessions == [("completed",)], "the same session was finished, no new one started"
    # Every answer completed before the kill is still there, untouched (same row, same time).
    after = answer_rows(db)
    assert {row for row in kept_answers if (row[0], row[1]) in completed} <= after
    report = json.loads(next((tmp_path / "out").glob("report-*.json")).read_text(encoding="utf-8"))
    assert [a["index"] for a in report["answers"]] == list(range(1, len(report["answers"]) + 1))
    assert all("recording" in a for a in report["answers"])
    if analysis and stage != "done":
        assert report["analysis"]["status"] == "scored"
        assert all(a["analysis"]["transcript"] for a in report["answers"])
    assert not any((tmp_path / "data" / "scratch").iterdir())
