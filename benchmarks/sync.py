"""Sync benchmarks: delivery throughput and the worker's memory against the backlog size.

- throughput: a backlog of finished sessions (each a consent and a sealed result) delivered by
  the sync worker to the reference ERP server (a separate process, on 127.0.0.1), in results/s;
  against the baseline of bare ``requests`` POSTs, one request per row (two per result) on one
  keep-alive connection to the same server: what batching the rows (one request and one commit
  on each side per 50 rows) buys over the simplest client;
- memory: the worker's peak RSS, and the peak of Python allocations made while draining
  (tracemalloc, in separate runs: tracing slows the worker), for a 10,000-result backlog against
  a 1,000-result one, each in a fresh process: memory must not grow with the backlog.

Plain HTTP on loopback (a terminal's HTTPS adds one handshake per connection, kept alive).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import requests

from kiosk.engine import InterviewState, PlannedQuestion, Stage
from kiosk.outbox import Outbox
from kiosk.store import SessionStore
from kiosk.vault.keyring import Keyring
from sync.credentials import load_credentials
from sync.erp_server import ErpStore, init_server_dir
from sync.erp_server.keys import ServerPaths
from sync.protocol import IDEMPOTENCY_KEY, PUSH_PATHS, canonical
from sync.provision import enrol_online
from sync.transport import TlsSettings

Row = tuple[str, str, str, str]
ROOT = Path(__file__).resolve().parents[1]
TARGET_RESULTS_PER_SECOND = 200.0


def fill_backlog(store: SessionStore, count: int) -> None:
    """``count`` finished sessions with a consent and a sealed result each (through the store's
    own API; the file is made with synchronous=OFF only to build the fixture quickly)."""
    store.query("PRAGMA synchronous=OFF")
    for i in range(count):
        sid = f"bench{i:06d}"
        state = InterviewState(
            stage=Stage.GREETING,
            session_id=sid,
            position_id="swe-intern",
            language="en",
            questions=(PlannedQuestion("q", "behavioural", 30, 120, 1),),
        )
        store.create_session(state, f"{i:06d}-BN", {"name": f"Candidate {i}"}, 1.0)
        store.record_consent(sid, "bench", False, 1.0)
        store.save_result(sid, {"result": {"overall100": i % 101, "competencies": []}}, "scored",
                          1.0)  # fmt: skip
        store.close_session(sid, "completed", 1.0)
    store.query("PRAGMA synchronous=FULL")


class _Server:
    """The reference server as a process on a free port."""

    def __init__(self, directory: Path) -> None:
        init_server_dir(directory)
        ErpStore(ServerPaths(directory).db).close()
        self.directory = directory
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sync.erp_server", "serve", "--dir", str(directory),
             "--host", "127.0.0.1", "--port", "0"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        self.url = line.split(" listening on ", 1)[1].split()[0]

    def token(self) -> str:
        store = ErpStore(ServerPaths(self.directory).db)
        try:
            return store.issue_enrolment_token(600)
        finally:
            store.close()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _terminal(root: Path, server: _Server, results: int, name: str) -> Path:
    data = root / f"terminal-{name}"
    store = SessionStore(data / "kiosk.db", Keyring.load(data / "keys"))
    enrol_online(store, data / "keys", server.url, server.token(), TlsSettings(), device_name="b")
    fill_backlog(store, results)
    store.close()
    return data


def _drain_in_process(data: Path, *, trace: bool = False) -> dict[str, float]:
    """Run the worker over the backlog in a fresh process; its figures as JSON."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.sync", "--drain", str(data), *(["--trace"] * trace)],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=1800,
    )  # fmt: skip
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def drain(data: Path, *, trace: bool) -> None:
    """(In the child process.) Deliver everything; print seconds, counts and memory as JSON."""
    from sync.client import ErpClient  # noqa: PLC0415 - the child's own imports
    from sync.worker import Backoff, SyncWorker  # noqa: PLC0415

    store = SessionStore(data / "kiosk.db", Keyring.load(data / "keys"))
    credentials = load_credentials(data / "keys")
    assert credentials is not None
    client = ErpClient(credentials, TlsSettings())
    worker = SyncWorker(store, client, backoff=Backoff(base=0.05, cap=1.0))
    outbox = Outbox(store)
    before = outbox.status(time.time()).pending
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    while outbox.status(time.time()).pending:
        worker.run_pass()
    seconds = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    heap_peak = tracemalloc.get_traced_memory()[1] if trace else 0
    figures = {"seconds": seconds, "rows": before, "rss_kb": rss_after,
               "rss_growth_kb": rss_after - rss_before, "heap_peak": heap_peak}  # fmt: skip
    print(json.dumps(figures))


def _bare_posts(server: _Server, data: Path, count: int) -> float:
    """Seconds for ``count`` bare POSTs of result-sized bodies on one keep-alive connection."""
    credentials = load_credentials(data / "keys")
    assert credentials is not None
    http = requests.Session()
    token = http.post(
        f"{server.url}/v1/devices/{credentials.device_id}/tokens",
        data=canonical({"deviceSecret": credentials.device_secret}),
        timeout=10,
    ).json()["accessToken"]
    body = {"sessionId": "x", "noticeVersion": "bench", "faceAnalysis": False, "givenAt": 1.0}
    started = time.perf_counter()
    for i in range(count):
        reply = http.post(
            server.url + PUSH_PATHS["consent"],
            data=canonical({**body, "sessionId": f"bare{i}"}),
            headers={
                "Authorization": f"Bearer {token}",
                IDEMPOTENCY_KEY: f"bare-{i}",
                "Content-Type": "application/json",
            },
            timeout=10,
        )
        reply.raise_for_status()
    return time.perf_counter() - started


def rows(small: int = 1_000, large: int = 10_000) -> list[Row]:
    """Measure everything; one row per figure."""
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        root = Path(tmp)
        server = _Server(root / "erp")
        try:
            small_dir = _terminal(root, server, small, "a")
            traced_small = _terminal(root, server, small, "b")
            large_dir = _terminal(root, server, large, "c")
            small_run = _drain_in_process(small_dir)
            bare = _bare_posts(server, small_dir, int(small_run["rows"]))
            large_run = _drain_in_process(large_dir)
            heap_small = _drain_in_process(traced_small, trace=True)["heap_peak"] / 2**20
            large_dir = _terminal(root, server, large, "d")
            heap_large = _drain_in_process(large_dir, trace=True)["heap_peak"] / 2**20
        finally:
            server.stop()
    per_second = small / small_run["seconds"]
    bare_per_second = small / bare  # the same requests: a consent and a result per result
    large_rate = large / large_run["seconds"]
    growth_small = small_run["rss_growth_kb"] / 1024
    growth_large = large_run["rss_growth_kb"] / 1024
    return [
        (
            f"sync: {small:,} results (consent + sealed result each) to the reference server",
            f"{per_second:.0f} results/s",
            f"{bare_per_second:.0f} results/s (bare POSTs, one per row)",
            f"{per_second / bare_per_second:.2f}x",
        ),
        (
            "  against the target",
            f"{per_second:.0f} results/s",
            f"target ≥ {TARGET_RESULTS_PER_SECOND:.0f} results/s",
            f"{per_second / TARGET_RESULTS_PER_SECOND:.2f}x",
        ),
        (
            f"sync: {large:,}-result backlog, throughput and peak RSS",
            f"{large_rate:.0f} results/s, {large_run['rss_kb'] / 1024:.0f} MB",
            f"{small:,}-result backlog: {small_run['rss_kb'] / 1024:.0f} MB",
            f"{large_run['rss_kb'] / max(small_run['rss_kb'], 1):.2f}x",
        ),
        (
            "  RSS growth while draining",
            f"{growth_large:.1f} MB ({large:,})",
            f"{growth_small:.1f} MB ({small:,})",
            f"{(growth_large + 1) / (growth_small + 1):.2f}x (+1 MB each)",
        ),
        (
            "  peak Python allocations while draining (tracemalloc)",
            f"{heap_large:.1f} MB ({large:,})",
            f"{heap_small:.1f} MB ({small:,})",
            f"{heap_large / max(heap_small, 0.01):.2f}x",
        ),
    ]


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--drain":
        drain(Path(sys.argv[2]), trace="--trace" in sys.argv[3:])
    else:
        os.environ.setdefault("PYTHONUNBUFFERED", "1")
        for row in rows():
            print("  ".join(row))
