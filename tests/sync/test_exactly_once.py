"""1,000 results through faults and restarts of both ends arrive exactly once, in order.

Real processes: the reference ERP server (``python -m sync.erp_server serve``) over HTTPS with
its fault mode on, and the terminal's ``kiosk sync now``; both are killed with SIGKILL mid-way
and started again.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from sync.erp_server.admin import open_result
from sync.erp_server.keys import load_server_keys
from tests.sync.erp_helpers import free_port, make_tls, open_store, server_process
from tests.sync.terminal import add_results, enrol_terminal, kiosk_process, open_terminal, sync_env

RESULTS = 1000
FAULTS = (
    "latency=0.001,5xx=0.05,429=0.03,retry_after=1,reset=0.03,lost_ack=0.05,"
    "truncate=0.03,garbage=0.02,seed=20261122"
)


def arrived(server_dir: Path) -> int:
    store = open_store(server_dir)
    try:
        return sum(store.counts().get(kind, 0) for kind in ("consent", "result"))
    finally:
        store.close()


def wait_for(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.mark.slow
def test_a_thousand_results_arrive_exactly_once_through_faults_and_restarts(
    tmp_path: Path,
) -> None:
    tls = make_tls(tmp_path / "tls")
    server_dir, data = tmp_path / "erp", tmp_path / "terminal"
    port = free_port()
    log = tmp_path / "sync.log"
    with server_process(server_dir, port, tls=tls, faults=FAULTS, token_ttl=3) as server:
        store = open_terminal(data)
        admin = open_store(server_dir)
        enrol_terminal(store, data, server.url, admin.issue_enrolment_token(600), tls)
        admin.close()
        ids = add_results(store, RESULTS)
        store.close()
        env = sync_env(data, tls)

        # The sync worker is killed once mid-batch and started again.
        first = kiosk_process(env, "sync", "now", "--timeout", "600", log=log)
        wait_for(lambda: arrived(server_dir) >= 400, 300, "400 deliveries")
        first.kill()
        first.wait()
        second = kiosk_process(env, "sync", "now", "--timeout", "600", log=log)
        # The server is killed mid-batch and started again on the same port and database.
        wait_for(lambda: arrived(server_dir) >= 1100, 300, "1100 deliveries")
        server.kill()
    time.sleep(0.5)
    with server_process(server_dir, port, tls=tls, faults=FAULTS, token_ttl=3):
        assert second.wait(timeout=600) == 0, log.read_text()[-3000:]

    erp = open_store(server_dir)
    terminal = open_terminal(data)
    try:
        consents, results = erp.received("consent"), erp.received("result")
        # Exactly once: one consent and one result per session, nothing else, nothing missing.
        assert Counter(i.session_id for i in consents) == Counter(ids)
        assert Counter(i.session_id for i in results) == Counter(ids)
        # In order per session: its consent arrived before its result.
        consent_at = {i.session_id: i.seq for i in consents}
        assert all(consent_at[i.session_id] < i.seq for i in results)
        # The terminal knows it: nothing pending, and the faults really were met on the way.
        assert terminal.query("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL") == [(0,)]
        retried = terminal.query("SELECT SUM(attempts) FROM outbox")[0][0]
        assert retried >= 50, retried
        # The server's private key opens what arrived; the result is the one stored.
        keys = load_server_keys(server_dir)
        opened = open_result(results[0].body, keys.sealing)
        assert (
            opened is not None and opened.overall100 == int(str(results[0].session_id)[-5:]) % 101
        )
    finally:
        erp.close()
        terminal.close()
