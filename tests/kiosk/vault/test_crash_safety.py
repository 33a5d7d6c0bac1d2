"""Crash safety and bad storage, as a terminal meets them: ``kiosk demo`` as a real subprocess,
killed with SIGKILL at random moments on one data directory, run on a size-limited tmpfs until
the disk is full, and run on a database whose pages were overwritten.

After every kill the store is checked the way the product reads it (SessionStore, the data keys,
the audit chain) and the way SQLite does (``PRAGMA integrity_check``); the next run must resume
the session the kill interrupted. ``CRASH_TEST_SEED=<n>`` replays one sequence of kill delays.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.engine import InterviewState, Stage
from kiosk.store import SessionStore
from kiosk.vault import audit
from kiosk.vault.keyring import Keyring
from kiosk.vault.media import read_audio

ROOT = Path(__file__).resolve().parents[3]
DAY = 86_400.0
KILLS = 50
#: Kill loops run side by side, each on its own data directory (KILLS between them).
LOOPS = 2
#: Every this many runs, analysis is on (models loaded, answers analysed on a worker thread).
ANALYSIS_EVERY = 10
#: A run with analysis on takes about this many times as long as one without (measured: 24 s/5 s).
ANALYSIS_SLOWDOWN = 4.0
NO_SETTINGS: Mapping[str, str] = {}
MEDIA_FILE = re.compile(r"(q|practice)\d\d-a\d+\.(audio|video)\.enc")


# -- running the kiosk -------------------------------------------------------------------------


def kiosk_env(
    data: Path, *, analysis: bool, settings: Mapping[str, str] = NO_SETTINGS
) -> dict[str, str]:
    """The environment of a run: no inherited KIOSK_* settings, this data directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env["KIOSK_DATA_DIR"] = str(data)
    env["KIOSK_ANALYSIS_ENABLED"] = "true" if analysis else "false"
    env.update(settings)
    return env


def kiosk(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """One ``kiosk`` command (purge, delete, audit) on ``data``, to its end."""
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
        env=kiosk_env(data, analysis=False),
    )


@dataclass(frozen=True)
class Run:
    """What one ``kiosk demo`` process did."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def killed(self) -> bool:
        return self.returncode == -signal.SIGKILL

    @property
    def progress(self) -> list[str]:
        """Lines printed after the banner: the run got past start-up and acted."""
        return [line for line in self.stdout.splitlines()[1:] if line.strip()]


def demo(
    data: Path,
    out: Path,
    *,
    analysis: bool,
    kill_after: float | None = None,
    settings: Mapping[str, str] = NO_SETTINGS,
) -> Run:
    """Run ``kiosk demo --pace fast``; SIGKILL it (and anything it started) after ``kill_after``."""
    logs = out.parent / "run-output"
    logs.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "kiosk", "demo", "--pace", "fast"]
    command += ["--data-dir", str(data), "--out", str(out)]
    with (logs / "stdout").open("w+") as stdout, (logs / "stderr").open("w+") as stderr:
        started = time.monotonic()
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=kiosk_env(data, analysis=analysis, settings=settings),
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
        try:
            process.wait(timeout=300 if kill_after is None else kill_after)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        seconds = time.monotonic() - started
        stdout.seek(0)
        stderr.seek(0)
        return Run(process.returncode, stdout.read(), stderr.read(), seconds)


def log_tail(data: Path, lines: int = 30) -> str:
    path = data / "logs" / "kiosk.log"
    return "\n".join(path.read_text().splitlines()[-lines:]) if path.exists() else "(no log)"


def one_error_line(run: Run | subprocess.CompletedProcess[str]) -> str:
    """The single ``kiosk: ...`` line a failing command must print, with no traceback."""
    assert "Traceback" not in run.stderr, run.stderr
    assert "Logging error" not in run.stderr, run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("kiosk:")]
    assert len(errors) == 1, f"expected one error line, got:\n{run.stderr}"
    return errors[0]


# -- reading the store as the product does ----------------------------------------------------


@dataclass(frozen=True)
class StoreView:
    """What the store held after a run."""

    open_state: InterviewState | None
    codes: dict[str, str]  # session id -> receipt code
    closed: frozenset[str]
    #: Closed sessions whose scratch folder is still there (killed before it was removed).
    leftovers: frozenset[str] = frozenset()


def check_store(data: Path) -> StoreView:
    """Assert that the store is intact and its open session resumable; return what it holds."""
    db = data / "kiosk.db"
    if not db.exists():
        assert not (data / "scratch").exists() or not any((data / "scratch").iterdir())
        return StoreView(None, {}, frozenset())
    key_file = data / "keys" / "device.key"
    assert key_file.stat().st_size == 32, "the database exists without a whole device key"
    with contextlib.closing(sqlite3.connect(db, timeout=5)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    store = SessionStore(db, Keyring.load(data / "keys"))
    try:
        store.check_integrity()
        assert audit.verify(store.audit_entries()) == []
        rows = store.sessions()
        open_ids = {r.session_id for r in rows if r.closed_at is None}
        assert len(open_ids) <= 1, f"more than one open session: {open_ids}"
        state = store.open_session()
        if state is not None:
            check_open_session(store, state)
        for row in rows:
            assert row.closed_at is None or row.outcome == "completed", row
            # Sessions stay readable here: a terminal without server or review keys keeps them.
            assert store.personal(row.session_id)["demo_candidate"]
        leftovers = check_scratch(data / "scratch", open_ids, store)
        closed = frozenset(r.session_id for r in rows if r.closed_at is not None)
        return StoreView(state, {r.session_id: r.code for r in rows}, closed, leftovers)
    finally:
        store.close()


def check_open_session(store: SessionStore, state: InterviewState) -> None:
    """The session parses, its personal record opens, and every completed answer is whole."""
    sid = state.session_id
    assert sid is not None
    assert store.personal(sid)["demo_candidate"], "the personal record does not open"
    key = store.session_key(sid)
    for answer in state.answers:
        if answer.choice is not None:
            continue
        stats = store.answer_stats(sid, answer.index, answer.attempt)
        assert stats is not None, f"completed answer {answer.index} was not stored"
        assert stats.complete and stats.samples > 0
        samples = read_audio(stats.audio_path, key, stats.recording_id)
        assert samples.size == stats.samples, f"answer {answer.index}: audio cut short"
        assert stats.video_path.exists()
        store.analysis(sid, answer.index, answer.attempt)  # opens, if it was analysed


def check_scratch(scratch: Path, open_ids: set[str], store: SessionStore) -> frozenset[str]:
    """Scratch holds the open session's encrypted recordings only. Returns the closed sessions
    whose folder is left (a kill between closing and removing it): the next start sweeps them."""
    if not scratch.exists():
        return frozenset()
    leftovers = set()
    for child in scratch.iterdir():
        assert child.is_dir(), f"stray file in scratch: {child.name}"
        if child.name not in open_ids:
            assert store.session(child.name).closed_at is not None, child  # no unknown folder
            leftovers.add(child.name)
        for item in child.iterdir():
            assert MEDIA_FILE.fullmatch(item.name), f"not an encrypted recording: {item}"
    return frozenset(leftovers)


def where_it_landed(run: Run, before: StoreView, after: StoreView) -> str:
    """The stage the kill interrupted, as the store shows it."""
    if not run.progress:
        return "start-up"
    state = after.open_state
    if state is None:
        return "after closing" if after.closed - before.closed else "start-up"
    if state.stage is Stage.REVIEW and state.index == len(state.questions) - 1:
        # The demo goes on at once; what keeps it here is finalising (scoring, the report),
        # which runs before `done` is committed.
        return "finalise (last answer in, done not yet committed)"
    return state.stage.value


# -- the kill loop ----------------------------------------------------------------------------


@dataclass
class KillTally:
    """Where one kill loop's kills landed, and what ran in between."""

    landed: collections.Counter[str]
    analysed: collections.Counter[str]  # kills with analysis on
    runs: int
    finished: int
    deletes: int
    purges: int


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_sigkill_at_random_points_never_breaks_the_store(tmp_path: Path) -> None:
    seed = int(os.environ.get("CRASH_TEST_SEED") or random.randrange(2**32))
    print(f"CRASH_TEST_SEED={seed}")  # noqa: T201 - shown with the failure, to replay it
    # Two terminals' data directories, killed side by side (a run is half waiting on its
    # paced devices, so two share the machine's cores well): the same number of kills in
    # about half the time.
    with concurrent.futures.ThreadPoolExecutor(LOOPS) as pool:
        loops = [
            pool.submit(kill_loop, tmp_path / f"terminal-{n}", seed + n, -(-KILLS // LOOPS))
            for n in range(LOOPS)
        ]
        tallies = [loop.result() for loop in loops]
    landed = sum((t.landed for t in tallies), collections.Counter[str]())
    analysed = sum((t.analysed for t in tallies), collections.Counter[str]())
    runs, finished = sum(t.runs for t in tallies), sum(t.finished for t in tallies)
    deletes, purges = sum(t.deletes for t in tallies), sum(t.purges for t in tallies)
    summary = [f"{landed.total()} kills in {runs} runs ({finished} ran to the end); landed in:"]
    for stage, count in landed.most_common():
        on = f" ({analysed[stage]} with analysis on)" if analysed[stage] else ""
        summary.append(f"  {count:3d}  {stage}{on}")
    summary.append(f"{deletes} deletions and {purges} purges in between")
    print("\n".join(summary))  # noqa: T201 - where the kills landed, for the record
    assert landed.total() >= KILLS
    assert landed["start-up"] and landed["answer"], f"seed {seed}: kills missed stages: {landed}"
    assert deletes >= 2 and purges >= 2, f"seed {seed}: too few sessions completed"


def kill_loop(root: Path, seed: int, kills: int) -> KillTally:
    """``kiosk demo`` on one data directory, SIGKILLed at random moments until ``kills`` kills
    have landed, the store checked after each; then one unkilled run finishes the session the
    last kill interrupted."""
    rng = random.Random(seed)
    data, out = root / "data", root / "out"

    # The typical run length sets how late a kill may come: one whole interview, unkilled.
    first = demo(data, out, analysis=False)
    assert first.returncode == 0 and "done: session" in first.stdout, first.stderr
    typical = first.seconds
    view = check_store(data)

    landed: collections.Counter[str] = collections.Counter()
    analysed: collections.Counter[str] = collections.Counter()
    deleted: set[str] = set()
    purges = deletes = finished = iteration = 0
    while landed.total() < kills or view.open_state is None or view.open_state.stage.is_closing:
        iteration += 1
        assert iteration < 3 * kills, f"seed {seed}: too few runs were killed: {landed}"
        analysis = iteration % ANALYSIS_EVERY == 0
        delay = rng.uniform(0.2, typical * (ANALYSIS_SLOWDOWN if analysis else 1.0))
        context = f"seed {seed}, run {iteration}, analysis {analysis}, kill at {delay:.2f} s"
        before = view
        run = demo(data, out, analysis=analysis, kill_after=delay)
        try:
            if not run.killed:
                assert run.returncode == 0, f"exit {run.returncode}\n{run.stderr}"
                finished += 1
            view = check_store(data)
            resumed = before.open_state
            if resumed is not None and run.progress:
                assert run.progress[0].startswith(
                    f"resuming the unfinished session stopped at {resumed.stage.value}"
                ), run.stdout
                # The interrupted session is the one carried on (or finished), none other.
                assert resumed.session_id in view.codes
                if view.open_state is not None:
                    assert view.open_state.session_id == resumed.session_id
            assert not deleted & set(view.codes), "a deleted session came back"
            if run.progress:  # start-up ran, and swept what the last kill left
                assert not before.leftovers & view.leftovers, "scratch was not swept"
            if run.killed:
                stage = where_it_landed(run, before, view)
                landed[stage] += 1
                if analysis:
                    analysed[stage] += 1

            # In between, IT staff delete a session on request, and old sessions are purged.
            closed = sorted(view.closed - deleted)
            if closed and iteration % 6 == 3:
                code = view.codes[closed[0]]
                done = kiosk(data, "delete", "--session", code)
                assert done.returncode == 0, done.stderr
                assert f"deleted session {code}" in done.stdout
                deleted.add(closed[0])
                deletes += 1
            elif closed and iteration % 6 == 0:
                with contextlib.closing(sqlite3.connect(data / "kiosk.db")) as conn, conn:
                    conn.execute(
                        "UPDATE sessions SET closed_at = closed_at - ? WHERE id = ?",
                        [400 * DAY, closed[-1]],
                    )
                done = kiosk(data, "purge")
                assert done.returncode == 0, done.stderr
                assert "deleted 1 session(s)" in done.stdout, done.stdout
                deleted.add(closed[-1])
                purges += 1
            if deleted:
                view = check_store(data)
                assert not deleted & set(view.codes)
        except Exception as exc:
            raise AssertionError(
                f"{context}: {exc}\n--- demo stdout:\n{run.stdout}\n--- demo stderr:\n"
                f"{run.stderr}\n--- kiosk log:\n{log_tail(data)}"
            ) from exc

    # The last kill left a session open: one more run, unkilled, finishes that very session.
    assert view.open_state is not None and view.open_state.session_id is not None
    sid, stage = view.open_state.session_id, view.open_state.stage.value
    last = demo(data, out, analysis=False)
    assert last.returncode == 0, f"seed {seed}\n{last.stderr}\n{log_tail(data)}"
    assert f"resuming the unfinished session stopped at {stage}" in last.stdout
    assert f"done: session {view.codes[sid]}" in last.stdout
    final = check_store(data)
    assert final.open_state is None and sid in final.closed
    assert set(final.codes) == set(view.codes), "no other session was started"
    report = json.loads((out / f"report-{view.codes[sid]}.json").read_text(encoding="utf-8"))
    assert [a["index"] for a in report["answers"]] == list(range(1, len(report["answers"]) + 1))
    assert not any((data / "scratch").iterdir())
    return KillTally(landed, analysed, iteration, finished, deletes, purges)


# -- a full disk --------------------------------------------------------------------------------


@contextlib.contextmanager
def tmpfs(mount_point: Path, size_mb: int) -> Iterator[Path]:
    """A size-limited tmpfs at ``mount_point`` (root only), unmounted afterwards."""
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert mounted.returncode == 0, f"cannot mount a tmpfs: {mounted.stderr}"
    try:
        yield mount_point
    finally:
        if subprocess.run(["umount", str(mount_point)], check=False, timeout=30).returncode:
            subprocess.run(["umount", "--lazy", str(mount_point)], check=True, timeout=30)


def fill(path: Path, leave_bytes: int) -> None:
    """Write ``path`` until its file system has at most ``leave_bytes`` free."""
    with path.open("wb", buffering=0) as filler:
        for block in (2**20, 4096):
            while shutil.disk_usage(path.parent).free - block >= leave_bytes:
                try:
                    filler.write(b"\0" * block)
                except OSError:  # ENOSPC: full enough
                    break
    assert shutil.disk_usage(path.parent).free <= leave_bytes + 4096


def stored_rows(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the tables that hold what an interview stored."""
    tables = ("sessions", "session_keys", "consents", "answers", "analyses", "audit_log")
    # Read-write, though it only reads: the last connection to close removes the -wal and -shm
    # files, as after a clean shutdown (a read-only one would leave them behind).
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall()) for t in tables}  # noqa: S608


@pytest.mark.slow
@pytest.mark.parametrize("free_mb", [8, 0], ids=["below-recording.min_free_mb", "no-space-left"])
def test_a_full_disk_refuses_new_interviews_and_keeps_what_is_stored(
    tmp_path: Path, free_mb: int
) -> None:
    assert os.geteuid() == 0, (
        "this test mounts a size-limited tmpfs and must run as root (the CI machine does); "
        "it is not skipped, since a full disk would then go untested"
    )
    settings = {"KIOSK_RECORDING_MIN_FREE_MB": "16"}
    with tmpfs(tmp_path / "disk", 64) as disk:
        data, out = disk / "data", tmp_path / "out"
        first = demo(data, out, analysis=False, settings=settings)
        assert first.returncode == 0 and "done: session" in first.stdout, first.stderr
        view = check_store(data)
        (sid,) = view.closed
        stored = stored_rows(data / "kiosk.db")
        # The terminal was shut down cleanly: its database is one file.
        assert not (data / "kiosk.db-wal").exists() and not (data / "kiosk.db-shm").exists()

        fill(disk / "filler", free_mb * 2**20)
        refused = demo(data, out, analysis=True, settings=settings)
        free_after = shutil.disk_usage(disk).free
        (disk / "filler").unlink()

        # Everything stored before is still there, unchanged and readable. The audit log may
        # have grown (this run's config differs: `config_changed`), never changed.
        now_stored = stored_rows(data / "kiosk.db")
        audit_before, audit_now = stored.pop("audit_log"), now_stored.pop("audit_log")
        assert now_stored == stored
        assert audit_now[: len(audit_before)] == audit_before
        assert {row[3] for row in audit_now[len(audit_before) :]} <= {"config_changed"}
        after = check_store(data)
        assert after.closed == {sid} and after.open_state is None
        verified = kiosk(data, "audit", "verify")
        assert verified.returncode == 0 and "audit log intact" in verified.stdout, verified
        # With space again, interviews start again.
        again = demo(data, out, analysis=False, settings=settings)
        assert again.returncode == 0 and "done: session" in again.stdout, again.stderr
        assert len(check_store(data).closed) == 2

    # Checked last so the checks above run too: the refusal itself.
    assert refused.returncode == 1, f"exit {refused.returncode}\n{refused.stderr}"
    message = one_error_line(refused).replace(str(data), "<data dir>")
    assert re.search(r"disk full|free|space", message, re.I) and "I/O" not in message, (
        f"with {free_after} bytes free the kiosk said: {message!r}; staff need to read that "
        "the disk is full"
    )
    assert "checked in" not in refused.stdout, "an interview started on a full disk"


# -- a corrupted database -----------------------------------------------------------------------


@pytest.mark.slow
def test_a_corrupted_database_is_reported_not_crashed_on(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    first = demo(data, out, analysis=False)
    assert first.returncode == 0 and "done: session" in first.stdout, first.stderr
    db = data / "kiosk.db"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size, pages = (
            conn.execute("PRAGMA page_size").fetchone()[0],
            conn.execute("PRAGMA page_count").fetchone()[0],
        )
    assert pages >= 8, "the demo should have filled more pages than that"
    # Three pages in the middle of the file (none of them the header page): a bad sector, or a
    # torn write by faulty storage. Which tables they hold varies with the schema; any of them
    # must be noticed, not only those a command happens to read.
    rng = random.Random(7)
    with db.open("r+b") as file:
        for page in range(pages // 2 - 1, pages // 2 + 2):
            file.seek(page * page_size)
            file.write(rng.randbytes(page_size))

    verified = kiosk(data, "audit", "verify")
    again = demo(data, out, analysis=False)
    for name, done in (("kiosk audit verify", verified), ("kiosk demo", again)):
        assert done.returncode in (1, 2), (
            f"{name} on a corrupt database: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
        )
        assert "corrupt" in one_error_line(done), f"{name}: {done.stderr}"
        assert "checked in" not in done.stdout, f"{name} started an interview on a corrupt store"
