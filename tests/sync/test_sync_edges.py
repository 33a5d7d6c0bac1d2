"""Edge cases found in review: big batches, reused rowids, plain http, bodies that must not
change between retries, deferred central deletions, half-done deletions, garbage replies and a
config bundle that does not fit the terminal."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk import pulled, retention
from kiosk.app import load_effective_config
from kiosk.config import load_config
from kiosk.engine import InterviewState, PlannedQuestion, Stage
from kiosk.errors import VaultError
from kiosk.outbox import Outbox
from kiosk.sealing import load_device_key
from kiosk.store import SessionStore
from kiosk.vault.envelope import new_key_pair
from kiosk.vault.keyring import Keyring
from sync import wire, worker
from sync.bundles import BundlePuller
from sync.client import ErpClient
from sync.connector import Delivery, TransientError
from sync.credentials import load_credentials, load_org_key
from sync.transport import TlsSettings
from sync.worker import Backoff, SyncWorker
from tests.sync.erp_helpers import ServerHandle, TlsFiles
from tests.sync.terminal import add_results, enrol_terminal, open_terminal

FAST = Backoff(base=0.01, cap=0.05)


def client_for(tmp_path: Path, tls: TlsFiles) -> ErpClient:
    credentials = load_credentials(tmp_path / "terminal" / "keys")
    assert credentials is not None
    return ErpClient(credentials, TlsSettings(ca_bundle=tls.ca_pem), timeout=10)


def drain(sync: SyncWorker, store: SessionStore) -> None:
    for _ in range(300):
        sync.run_pass()
        if Outbox(store).status(now=1e12).pending == 0:
            return
        time.sleep(0.02)
    raise AssertionError(Outbox(store).status(now=1e12))


def session(store: SessionStore, sid: str, **personal: object) -> None:
    state = InterviewState(
        stage=Stage.GREETING, session_id=sid, position_id="swe-intern", language="en",
        questions=(PlannedQuestion("q", "behavioural", 30, 120, 1),),
    )  # fmt: skip
    store.create_session(state, f"{sid[-4:]:X>4}-EDGE", {"name": "N", **personal}, 1.0)


@pytest.mark.parametrize("byte_cap", [worker._BATCH_BYTES, 10**9])
def test_big_results_are_batched_by_size_and_a_413_splits_the_batch(  # noqa: PLR0917
    store: SessionStore,
    server: ServerHandle,
    tmp_path: Path,
    tls: TlsFiles,
    byte_cap: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 10**9: no size cap on the terminal's side, so the server's 8 MiB limit answers 413 and
    # the worker must halve the batch until it fits.
    monkeypatch.setattr(worker, "_BATCH_BYTES", byte_cap)
    words = [{"w": f"word{i}", "s": i * 0.3, "e": i * 0.3 + 0.2, "p": 0.9} for i in range(4000)]
    ids = []
    for i in range(30):
        sid = f"big{i:03d}"
        session(store, sid)
        store.save_result(sid, {"answers": [{"words": words}]}, "scored", 2.0)
        store.close_session(sid, "completed", 3.0)
        ids.append(sid)
    client = client_for(tmp_path, tls)
    drain(SyncWorker(store, client, backoff=FAST), store)
    assert Counter(i.session_id for i in server.store.received("result")) == Counter(ids)
    client.close()


def test_a_deleted_sessions_consent_row_does_not_send_the_next_sessions_consent(
    store: SessionStore, server: ServerHandle, tmp_path: Path, tls: TlsFiles
) -> None:
    session(store, "sess-a")
    store.record_consent("sess-a", "v1", False, 2.0)
    store.close_session("sess-a", "completed", 3.0)
    retention.delete_session(store, "sess-a", actor="x", reason="candidate request", now=4.0)
    session(store, "sess-b")
    store.record_consent("sess-b", "v1", True, 5.0)  # reuses sess-a's consent rowid
    client = client_for(tmp_path, tls)
    drain(SyncWorker(store, client, backoff=FAST), store)
    consents = server.store.received("consent")
    assert [c.session_id for c in consents] == ["sess-b"]
    client.close()


def test_plain_http_is_refused_for_enrolment_and_sync(tmp_path: Path, tls: TlsFiles) -> None:
    terminal = open_terminal(tmp_path / "t")
    with pytest.raises(VaultError, match="https"):
        enrol_terminal(terminal, tmp_path / "t", "http://erp.example.com", "token", tls)
    assert load_credentials(tmp_path / "t" / "keys") is None
    terminal.close()


def test_a_result_sent_without_a_server_copy_stays_so_on_retries(
    tmp_path: Path, server: ServerHandle, tls: TlsFiles
) -> None:
    # Recorded before enrolment, closed while a review key existed: only the review copy is
    # left, which this process cannot open without a recruiter.
    review_private, review_public = new_key_pair()
    data = tmp_path / "terminal"
    store = SessionStore(data / "kiosk.db", replace(Keyring.load(data / "keys"),
                                                   review_key=review_public))  # fmt: skip
    session(store, "early")
    store.save_result("early", {"r": 1}, "scored", 2.0)
    store.close_session("early", "completed", 3.0)
    store.close()
    store = open_terminal(data)
    enrol_terminal(store, data, server.url, server.issue_token(), tls)
    item = Outbox(store).due(1e12)[0]
    first = wire.build(store, item)
    assert isinstance(first, Delivery) and first.body["sealed"] is None
    store.keyring.review_private = review_private  # a recruiter logs in: a copy is possible now
    again = wire.build(store, item)
    assert isinstance(again, Delivery) and again.body == first.body
    store.close()


def test_central_deletions_wait_for_an_interview_in_progress(
    store: SessionStore, server: ServerHandle, tmp_path: Path, tls: TlsFiles
) -> None:
    session(store, "busy")  # not closed: a candidate is at the terminal
    client = client_for(tmp_path, tls)
    org = load_org_key(tmp_path / "terminal" / "keys")
    assert org is not None
    puller = BundlePuller(store, client, org, tmp_path / "terminal", clock=time.time)
    server.publish("tombstones", [{"sessionId": "busy", "reason": "erp request"}])
    assert puller.pull("tombstones").status == "deferred"
    store.close_session("busy", "completed", 9.0)
    assert puller.pull("tombstones").status == "applied"  # fetched again, not "unchanged"
    assert store.sessions() == []
    client.close()


def test_finishing_a_half_done_deletion_keeps_the_first_tombstone(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "kiosk.db", Keyring(b"\x02" * 32))
    session(store, "half")
    store.close_session("half", "completed", 2.0)
    # The first transaction of a deletion ran (keys, tombstone), then the process died.
    with store.transaction() as db:
        db.execute("DELETE FROM session_keys WHERE session_id = 'half'")
        db.execute("INSERT INTO tombstones VALUES ('half', 'swe-intern', 'candidate request', 3.0)")
    retention.purge(store, 180, now=4.0, actor="system")
    assert store.tombstones() == [("half", "swe-intern", "candidate request", 3.0)]
    assert store.sessions() == []


def test_a_malformed_batch_reply_is_a_transient_error(
    store: SessionStore, server: ServerHandle, tmp_path: Path, tls: TlsFiles
) -> None:
    add_results(store, 2)
    client = client_for(tmp_path, tls)
    server.set_faults("garbage=1")
    with pytest.raises(TransientError):
        client.push_batch([wire.build(store, i) for i in Outbox(store).due(1e12)])  # type: ignore[misc]
    server.set_faults(None)
    client.close()


def test_a_config_bundle_that_clashes_with_local_settings_is_set_aside(tmp_path: Path) -> None:
    local = tmp_path / "kiosk.toml"
    local.write_text(f'data_dir = "{tmp_path}"\ndefault_language = "zh"\n')
    key = load_device_key(tmp_path / "keys" / "device.key")
    central = {"languages": ["en"], "default_language": "en", "retention_days": 30}
    load_config(None, environ={}, central=central)  # valid on its own
    pulled.store_bundle(tmp_path, key, "config", version=3, data=central, signed=b"{}")
    config = load_effective_config(local)
    # Together: languages ["en"] with default "zh" -- invalid; the local config runs alone.
    assert config.default_language == "zh" and config.retention_days == 180
