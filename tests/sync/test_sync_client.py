"""The terminal's sync against the real reference server on 127.0.0.1 (HTTPS, in-process)."""

from __future__ import annotations

import hashlib
import json
import ssl
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from kiosk import pulled
from kiosk.errors import VaultError
from kiosk.outbox import Outbox
from kiosk.store import SessionStore
from sync.bundles import BundlePuller
from sync.client import ErpClient
from sync.connector import PermanentError, TransientError
from sync.credentials import load_credentials, load_org_key
from sync.media import MediaUploader
from sync.provision import enrol_offline, enrol_online
from sync.transport import TlsSettings, spki_sha256
from sync.worker import Backoff, SyncWorker
from tests.sync.erp_helpers import REPO, ServerHandle, TlsFiles, running_server
from tests.sync.terminal import add_results, enrol_terminal, open_terminal, sync_env

FAST = Backoff(base=0.01, cap=0.05)


def client_for(data: Path, tls: TlsSettings) -> ErpClient:
    credentials = load_credentials(data / "keys")
    assert credentials is not None
    return ErpClient(credentials, tls, timeout=5)


def drain(worker: SyncWorker, store: SessionStore, passes: int = 200) -> None:
    outbox = Outbox(store)
    for _ in range(passes):
        worker.run_pass()
        if outbox.status(now=1e12).pending == 0:
            return
        time.sleep(0.02)  # rows back off (FAST: at most 50 ms)
    raise AssertionError(f"not drained: {outbox.status(now=1e12)}")


def test_enrolment_wraps_new_sessions_to_the_server_and_is_audited(
    store: SessionStore, server: ServerHandle, tmp_path: Path
) -> None:
    assert store.keyring.server_key is not None
    (sid,) = add_results(store, 1)
    assert {c.recipient for c in store.wrapped_keys(sid)} == {"server"}  # device copy gone
    assert [e[3] for e in store.audit_entries()] == ["enrolment"]
    assert (tmp_path / "terminal" / "keys" / "erp-device.json").stat().st_mode & 0o777 == 0o600


def test_a_token_that_expires_mid_batch_is_renewed(
    store: SessionStore, server: ServerHandle, tmp_path: Path, tls: TlsFiles
) -> None:
    server.set_token_ttl(1.0)
    server.set_faults("latency=0.03")
    ids = add_results(store, 30)
    client = client_for(tmp_path / "terminal", TlsSettings(ca_bundle=tls.ca_pem))
    worker = SyncWorker(store, client, backoff=FAST)
    drain(worker, store)
    assert client.refreshes >= 2  # 60 requests x 30 ms: the 1 s token ran out on the way
    assert Counter(i.session_id for i in server.store.received("result")) == Counter(ids)
    client.close()


@pytest.mark.parametrize(
    ("faults", "message", "error"),
    [
        ("garbage=1", "not JSON", TransientError),
        ("truncate=1", "Error|reply|JSON", TransientError),
        ("oversize=1", "limit", PermanentError),
    ],
)
def test_garbage_cut_or_oversized_replies_lose_nothing(  # noqa: PLR0917 - fixtures
    store: SessionStore,
    server: ServerHandle,
    tmp_path: Path,
    tls: TlsFiles,
    faults: str,
    message: str,
    error: type[Exception],
) -> None:
    ids = add_results(store, 5)
    client = client_for(tmp_path / "terminal", TlsSettings(ca_bundle=tls.ca_pem))
    server.set_faults(faults)
    with pytest.raises(error, match=message):
        client.call("GET", "/v1/bundles/bank", body={})
    worker = SyncWorker(store, client, backoff=FAST)
    worker.run_pass()
    assert worker.last_error  # said clearly; kept for `kiosk sync status`
    assert Outbox(store).status(now=1e12).pending == 10  # nothing marked delivered
    server.set_faults(None)
    drain(worker, store)
    results = server.store.received("result")
    assert Counter(i.session_id for i in results) == Counter(ids)
    client.close()


def test_a_pinned_key_is_the_only_key_accepted(
    store: SessionStore, server: ServerHandle, tmp_path: Path, tls: TlsFiles
) -> None:
    add_results(store, 2)
    der = ssl.PEM_cert_to_DER_cert(tls.cert_pem.read_text())
    right = TlsSettings(pinned_key=spki_sha256(der))
    wrong = TlsSettings(pinned_key=hashlib.sha256(b"another key").hexdigest())
    refused = client_for(tmp_path / "terminal", wrong)
    with pytest.raises(PermanentError, match="pinned key"):
        refused.call("GET", "/v1/bundles/bank", body={})
    worker = SyncWorker(store, refused, backoff=FAST)
    worker.run_pass()
    assert server.store.received() == []  # not one request body reached the server
    assert "pinned key" in (worker.last_error or "")
    # Pinning replaces the CA check: the right key works without the CA file.
    pinned = client_for(tmp_path / "terminal", right)
    store.query("UPDATE outbox SET next_attempt_at = 0")
    drain(SyncWorker(store, pinned, backoff=FAST), store)
    assert len(server.store.received("result")) == 2
    # And without a pin, the system CAs do not know this server: verification is never off.
    unknown = client_for(tmp_path / "terminal", TlsSettings())
    with pytest.raises(PermanentError, match="TLS verification"):
        unknown.call("GET", "/v1/bundles/bank", body={})


def test_bundles_are_verified_and_bad_ones_change_nothing(
    store: SessionStore, server: ServerHandle, tmp_path: Path, tls: TlsFiles
) -> None:
    data = tmp_path / "terminal"
    client = client_for(data, TlsSettings(ca_bundle=tls.ca_pem))
    org = load_org_key(data / "keys")
    assert org is not None
    puller = BundlePuller(store, client, org, data, clock=time.time)
    bank = json.loads((Path(pulled.__file__).parent / "samples" / "bank.json").read_text())
    server.publish("bank", bank, version=2)
    assert puller.pull("bank").status == "applied"
    assert puller.pull("bank").status == "unchanged"  # ETag: 304
    cases: list[tuple[dict[str, Any], str]] = [
        ({"tampered": True, "version": 3}, "bad signature"),
        ({"expired": True, "version": 4}, "expired"),
        ({"version": 1}, "rollback"),
        ({"device_id": "another-terminal", "audience": "*", "version": 5}, "another terminal"),
    ]
    for options, reason in cases:
        server.publish("bank", bank, **options)
        outcome = puller.pull("bank")
        assert (outcome.status, outcome.version) == ("refused", 2), options
        assert reason in outcome.detail
    broken = dict(bank, questions=[])
    server.publish("bank", broken, version=6)
    assert puller.pull("bank").status == "refused"
    applied = pulled.applied_bundle(data, store.keyring.device_key, "bank")
    assert applied is not None and applied[0] == 2
    refusals = [e for e in store.audit_entries() if e[4] == "bundle:bank"]
    assert len(refusals) == 5
    client.close()


def test_central_tombstones_delete_sessions_here(
    store: SessionStore, server: ServerHandle, tmp_path: Path, tls: TlsFiles
) -> None:
    data = tmp_path / "terminal"
    ids = add_results(store, 3)
    client = client_for(data, TlsSettings(ca_bundle=tls.ca_pem))
    org = load_org_key(data / "keys")
    assert org is not None
    puller = BundlePuller(store, client, org, data, clock=time.time)
    server.publish("tombstones", [{"sessionId": ids[1], "reason": "Mr X asked by phone"}])
    assert puller.pull("tombstones").status == "applied"
    assert {r.session_id for r in store.sessions()} == {ids[0], ids[2]}
    # The ERP's free text stays there: the tombstone carries the fixed reason.
    assert store.tombstones()[0][2] == "erp request"
    client.close()


def test_media_resume_from_the_last_acknowledged_offset(
    store: SessionStore, server: ServerHandle, tmp_path: Path, tls: TlsFiles
) -> None:
    sid = "media-only-session"  # no earlier rows of its own to wait for
    media = tmp_path / "terminal" / "media"
    (media / sid).mkdir(parents=True)
    blob = hashlib.shake_256(b"an encrypted recording").digest(3 * 2**20 + 123)
    (media / sid / "q00-a1.video.enc").write_bytes(blob)
    with store.transaction() as db:
        from kiosk.outbox import enqueue  # noqa: PLC0415

        enqueue(db, "media", sid, "q00-a1.video.enc", 2.0)
    client = client_for(tmp_path / "terminal", TlsSettings(ca_bundle=tls.ca_pem))
    uploader = MediaUploader(client, media, chunk=256 * 1024)
    item = next(i for i in Outbox(store).due(1e12, 100) if i.kind == "media")
    server.set_faults("reset=0.3,seed=4")
    failures = 0
    while True:
        try:
            assert uploader.upload(item) is not None
            break
        except TransientError:
            failures += 1
    server.set_faults(None)
    chunks = -(-len(blob) // (256 * 1024))
    assert failures >= 2
    # Each failure cost at most the chunk in flight: never a restart from zero.
    assert uploader.chunks_sent == chunks
    assert chunks < uploader.chunks_attempted <= chunks + failures
    (upload,) = server.store.uploads()
    assert upload.offset == len(blob)
    stored = (server.directory / "media" / upload.id).read_bytes()
    assert upload.completed_at is not None
    assert hashlib.sha256(stored).digest() == hashlib.sha256(blob).digest()
    assert not (media / sid / "q00-a1.video.enc").exists()  # uploaded: the local copy goes
    client.close()


def test_offline_enrolment_and_the_sync_commands(
    server: ServerHandle, tmp_path: Path, tls: TlsFiles
) -> None:
    bundle = tmp_path / "enrol.json"
    done = subprocess.run(
        [sys.executable, "-m", "sync.erp_server", "enrolment-bundle", "--dir",
         str(server.directory), "--out", str(bundle), "--endpoint", server.url],
        capture_output=True, text=True, cwd=REPO, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = tmp_path / "offline"
    terminal = open_terminal(data)
    enrol_offline(terminal, data / "keys", bundle)
    ids = add_results(terminal, 3)
    terminal.close()
    env = sync_env(data, tls)

    def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True,
                              text=True, cwd=REPO, env=env, timeout=120, check=False)  # fmt: skip

    status = kiosk("sync", "status")
    assert status.returncode == 0 and "pending         6 item(s)" in status.stdout
    now = kiosk("sync", "now")
    assert now.returncode == 0, now.stderr
    assert "delivered 6; 0 pending" in now.stdout
    assert Counter(i.session_id for i in server.store.received("result")) == Counter(ids)
    status = kiosk("sync", "status")
    assert "pending         0 item(s)" in status.stdout and "last error      -" in status.stdout
    # A bad bundle file is a clear error, not a traceback; nothing is half-written.
    (tmp_path / "bad.json").write_text("{not json")
    again = kiosk("provision", "--bundle", str(tmp_path / "bad.json"))
    assert again.returncode == 1 and "not a readable enrolment bundle" in again.stderr
    assert "Traceback" not in again.stderr


def test_sync_run_stops_when_the_terminal_is_wiped(
    server: ServerHandle, tmp_path: Path, tls: TlsFiles
) -> None:
    """The service keeps keys and the store open in memory: once a secure wipe has destroyed
    the device key, it must stop rather than send or keep what it still holds."""
    data = tmp_path / "terminal"
    terminal = open_terminal(data)
    enrol_terminal(terminal, data, server.url, server.issue_token(), tls)
    terminal.close()
    env = sync_env(data, tls, PUSH_INTERVAL_SECONDS="1")
    service = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "sync", "run"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env,
    )  # fmt: skip
    try:
        assert service.stdout is not None and "syncing" in service.stdout.readline()
        time.sleep(1.5)
        assert service.poll() is None  # running, waiting for results
        (data / "keys" / "device.key").unlink()  # the wipe's first step
        assert service.wait(timeout=30) == 1
        assert service.stderr is not None
        errors = service.stderr.read()
        assert "this terminal was wiped; sync stopped" in errors and "Traceback" not in errors
    finally:
        if service.poll() is None:
            service.kill()
            service.wait(timeout=10)


def test_provision_refuses_a_used_token(
    server: ServerHandle, tmp_path: Path, tls: TlsFiles
) -> None:
    token = server.issue_token()
    first = open_terminal(tmp_path / "a")
    enrol_terminal(first, tmp_path / "a", server.url, token, tls)
    second = open_terminal(tmp_path / "b")
    with pytest.raises(VaultError, match="wrong, used or expired"):
        enrol_terminal(second, tmp_path / "b", server.url, token, tls)
    assert load_credentials(tmp_path / "b" / "keys") is None
    first.close()
    second.close()


def test_mutual_tls_terminals_show_their_client_certificate(tmp_path: Path, tls: TlsFiles) -> None:
    assert tls.client_cert_pem is not None and tls.client_key_pem is not None
    with running_server(tmp_path / "mtls-erp", tls=tls, mutual_tls=True) as server:
        data = tmp_path / "mtls-terminal"
        terminal = open_terminal(data)
        # Enrolment itself needs the client certificate.
        without = TlsSettings(ca_bundle=tls.ca_pem)
        with pytest.raises(VaultError, match="enrolment failed"):
            enrol_online(terminal, data / "keys", server.url, server.issue_token(), without,
                         device_name="no cert")  # fmt: skip
        mutual = TlsSettings(
            ca_bundle=tls.ca_pem, client_cert=tls.client_cert_pem, client_key=tls.client_key_pem
        )
        enrol_online(terminal, data / "keys", server.url, server.issue_token(), mutual,
                     device_name="with cert")  # fmt: skip
        ids = add_results(terminal, 3)
        drain(SyncWorker(terminal, client_for(data, mutual), backoff=FAST), terminal)
        assert Counter(i.session_id for i in server.store.received("result")) == Counter(ids)
        terminal.close()
