"""Helpers for tests against the reference ERP server (real sockets, real SQLite, no mocks).

For other test modules to import (this is deliberately not a conftest.py):

- :func:`make_tls` — a throw-away CA and a server certificate for 127.0.0.1 / localhost;
- :func:`running_server` — the server on a thread in this process, with its store at hand;
- :func:`server_process` — the server as a real ``python -m sync.erp_server serve`` process,
  for restart and kill -9 tests;
- :func:`enrol` / :class:`Device` — a minimal terminal-side client for these tests;
- :func:`sample_body`, :func:`seal_report` — valid push bodies, sealed like the vault does.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kiosk.vault.envelope import SessionKey, load_public_key
from sync.erp_server import ErpServer, ErpStore, init_server_dir, publish_bundle
from sync.erp_server.keys import ServerKeys, ServerPaths
from sync.erp_server.media import encode_metadata
from sync.erp_server.records import StoredBundle
from sync.protocol import (
    ENROL_PATH,
    IDEMPOTENCY_KEY,
    MEDIA_PATH,
    OFFSET_STREAM,
    UPLOAD_CHECKSUM,
    UPLOAD_LENGTH,
    UPLOAD_METADATA,
    UPLOAD_OFFSET,
    b64,
    tokens_path,
    unb64,
)

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 10.0


# -- TLS -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """PEM files: the CA to trust, and the server's certificate and key."""

    ca_pem: Path
    cert_pem: Path
    key_pem: Path
    client_cert_pem: Path | None = None  # a terminal's certificate for mutual TLS
    client_key_pem: Path | None = None


def make_tls(directory: Path) -> TlsFiles:
    """A fresh CA and a server certificate for IP 127.0.0.1 and DNS localhost (EC P-256)."""
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Interview Kiosk test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    client_key = ec.generate_private_key(ec.SECP256R1())
    client_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kiosk terminal")]))
        .issuer_name(ca_name)
        .public_key(client_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    files = TlsFiles(
        directory / "ca.pem",
        directory / "server.pem",
        directory / "server.key",
        directory / "client.pem",
        directory / "client.key",
    )
    assert files.client_cert_pem is not None and files.client_key_pem is not None
    files.client_cert_pem.write_bytes(client_cert.public_bytes(serialization.Encoding.PEM))
    files.client_key_pem.write_bytes(
        client_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    files.ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key_pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    files.key_pem.chmod(0o600)
    return files


# -- in-process server ----------------------------------------------------------------------


@dataclass
class ServerHandle:
    """A server running on a thread of this process."""

    server: ErpServer
    directory: Path
    tls: TlsFiles | None

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def store(self) -> ErpStore:
        """The server's own store: query what arrived (``store.received(kind)``)."""
        return self.server.store

    @property
    def keys(self) -> ServerKeys:
        return self.server.keys

    @property
    def verify(self) -> str | bool:
        """What ``requests`` needs as ``verify=`` to trust this server."""
        return str(self.tls.ca_pem) if self.tls else True

    def set_faults(self, spec: str | None) -> None:
        """Change the faults for the next requests (``None``: none)."""
        self.server.set_faults(spec)

    def set_token_ttl(self, seconds: float) -> None:
        """Lifetime of access tokens issued from now on."""
        self.server.token_ttl = seconds

    def issue_token(self, ttl_seconds: float = 3600.0) -> str:
        """A fresh one-time enrolment token."""
        return self.store.issue_enrolment_token(ttl_seconds)

    def publish(self, kind: str, data: Any, **options: Any) -> StoredBundle:
        """Publish a signed bundle (options of :func:`sync.erp_server.publish_bundle`:
        ``version``, ``expires_days``, ``device_id``, ``audience``, ``tampered``, ``expired``)."""
        return publish_bundle(self.store, self.keys, kind, data, **options)

    def stop(self) -> None:
        """Stop serving (idempotent); the store stays open for queries until the context ends."""
        if self._running:
            self._running = False
            self.server.stop()

    _running: bool = field(default=True, repr=False)


def init_dir(directory: Path) -> ServerKeys:
    """``erp-server init`` in-process."""
    keys = init_server_dir(directory)
    ErpStore(ServerPaths(directory).db).close()
    return keys


@contextmanager
def running_server(
    directory: Path,
    *,
    tls: TlsFiles | None = None,
    faults: str | None = None,
    token_ttl: float = 3600.0,
    mutual_tls: bool = False,
) -> Iterator[ServerHandle]:
    """Init ``directory`` and serve it on 127.0.0.1, on a free port, on a thread."""
    init_dir(directory)
    server = ErpServer(
        directory,
        host="127.0.0.1",
        port=0,
        tls=(tls.cert_pem, tls.key_pem) if tls else None,
        client_ca=tls.ca_pem if tls and mutual_tls else None,
        faults=faults,
        token_ttl=token_ttl,
    )
    server.start()
    handle = ServerHandle(server, directory, tls)
    try:
        yield handle
    finally:
        handle.stop()
        server.close()


def open_store(directory: Path) -> ErpStore:
    """The store of a server directory, opened from this process (SQLite WAL lets a test read
    it, or issue a token, while a server process runs on it). Close it when done."""
    return ErpStore(ServerPaths(directory).db)


# -- server as a process ----------------------------------------------------------------------


def free_port() -> int:
    """A port that was free a moment ago (for a process that must keep its port on restart)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    """``python -m sync.erp_server serve`` as a child process."""

    def __init__(self, args: list[str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sync.erp_server", "serve", *args],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        self.url = ""
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def wait_listening(self, timeout: float = 15.0) -> str:
        """Wait for the "listening on URL" line; return the URL."""
        try:
            while True:
                line = self._lines.get(timeout=timeout)
                if line is None:
                    break
                if " listening on " in line:
                    self.url = line.split(" listening on ", 1)[1].split()[0]
                    return self.url
        except queue.Empty:
            pass
        self.kill()
        raise RuntimeError(f"erp server did not start: {self.log_path.read_text()[-2000:]}")

    def output(self, timeout: float = 5.0) -> list[str]:
        """Further stdout lines until the process closes it."""
        lines: list[str] = []
        while (line := self._lines.get(timeout=timeout)) is not None:
            lines.append(line)
        return lines

    def kill(self) -> None:
        """``kill -9``: nothing is flushed or closed cleanly."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)

    def terminate(self, timeout: float = 10.0) -> int:
        """SIGTERM, then the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def close(self) -> None:
        self.kill()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._log.close()


@contextmanager
def server_process(
    directory: Path,
    port: int,
    *,
    tls: TlsFiles | None = None,
    faults: str | None = None,
    token_ttl: float | None = None,
) -> Iterator[ServerProcess]:
    """Init ``directory`` and run the server as a process on ``port``; waits until it listens.
    Killed (SIGKILL) on exit if still running. Its log is ``directory/server.log``."""
    init_dir(directory)
    args = ["--dir", str(directory), "--host", "127.0.0.1", "--port", str(port)]
    if tls is not None:
        args += ["--tls-cert", str(tls.cert_pem), "--tls-key", str(tls.key_pem)]
    if faults is not None:
        args += ["--faults", faults]
    if token_ttl is not None:
        args += ["--token-ttl", str(token_ttl)]
    process = ServerProcess(args, directory / "server.log")
    try:
        process.wait_listening()
        yield process
    finally:
        process.close()


# -- a minimal terminal-side client -----------------------------------------------------------


@dataclass
class Device:
    """An enrolled device as these tests see it (not the product's client)."""

    url: str
    verify: str | bool
    enrolment: dict[str, Any]
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def id(self) -> str:
        return str(self.enrolment["deviceId"])

    @property
    def token(self) -> str:
        return str(self.enrolment["accessToken"])

    def headers(self, key: str | None = None, **extra: str) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}", **extra}
        if key is not None:
            headers[IDEMPOTENCY_KEY] = key
        return headers

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        return self.session.request(method, self.url + path, verify=self.verify, **kwargs)

    def push(
        self, path: str, body: Any, key: str | None = None, **kwargs: Any
    ) -> requests.Response:
        """POST ``body`` as JSON with a bearer token and an idempotency key (a fresh one when
        ``key`` is None)."""
        return self.request(
            "POST", path, json=body, headers=self.headers(key or uuid.uuid4().hex), **kwargs
        )

    def refresh(self) -> requests.Response:
        """Trade the device secret for a new access token (kept when granted)."""
        answer = self.request(
            "POST", tokens_path(self.id), json={"deviceSecret": self.enrolment["deviceSecret"]}
        )
        if answer.status_code == 200:
            self.enrolment["accessToken"] = answer.json()["accessToken"]
        return answer


def enrol(handle: ServerHandle, name: str = "test kiosk") -> Device:
    """Enrol a new device on an in-process server."""
    return enrol_at(handle.url, handle.issue_token(), verify=handle.verify, name=name)


def enrol_at(url: str, token: str, *, verify: str | bool = True, name: str = "kiosk") -> Device:
    """Enrol a device at ``url`` with an enrolment ``token``."""
    answer = requests.post(
        url + ENROL_PATH,
        json={"token": token, "deviceName": name, "software": "kiosk-test 1.0"},
        verify=verify,
        timeout=TIMEOUT,
    )
    assert answer.status_code == 201, answer.text
    return Device(url, verify, answer.json())


def create_upload(
    device: Device,
    data: bytes,
    key: str = "media-1",
    *,
    sha256: str | None = None,
    session_id: str = "s-1",
    name: str = "answer-1.webm",
) -> requests.Response:
    """``POST /v1/media`` for ``data`` (``sha256`` overrides the announced digest)."""
    metadata = {
        "sessionId": session_id,
        "name": name,
        "sha256": sha256 or hashlib.sha256(data).hexdigest(),
    }
    headers = device.headers(
        key, **{UPLOAD_LENGTH: str(len(data)), UPLOAD_METADATA: encode_metadata(metadata)}
    )
    return device.request("POST", MEDIA_PATH, headers=headers)


def patch_chunk(
    device: Device, location: str, offset: int, chunk: bytes, checksum: bytes | None = None
) -> requests.Response:
    """``PATCH`` one chunk at ``offset`` (``checksum`` overrides the chunk's real digest)."""
    digest = checksum if checksum is not None else hashlib.sha256(chunk).digest()
    headers = device.headers(
        **{
            "Content-Type": OFFSET_STREAM,
            UPLOAD_OFFSET: str(offset),
            UPLOAD_CHECKSUM: f"sha256 {b64(digest)}",
        }
    )
    return device.request("PATCH", location, data=chunk, headers=headers)


# -- bodies ---------------------------------------------------------------------------------


def seal_report(
    sealing_key_b64: str, key_id: str, session_id: str, report: dict[str, Any]
) -> dict[str, Any]:
    """A ``sealed`` object as the vault builds it: a session data key wrapped to the server's
    sealing key (HPKE, recipient ``server``), the report as the ``result`` record."""
    key = SessionKey.generate(session_id)
    public = load_public_key(unb64(sealing_key_b64))
    personal = key.seal("personal", "", b'{"name": "Test Candidate"}')
    result = key.seal("result", "", json.dumps(report).encode())
    return {
        "keyId": key_id,
        "wrappedKey": b64(key.wrap_to(public, "server")),
        "records": [
            {"kind": "personal", "id": "", "ciphertext": b64(personal)},
            {"kind": "result", "id": "", "ciphertext": b64(result)},
        ],
    }


def sample_body(
    kind: str, device: Device, session_id: str = "s-1", /, **changes: Any
) -> dict[str, Any]:
    """A valid push body of ``kind`` (consent, result, review, tombstone, audit, health)."""
    sealed = {
        "keyId": device.enrolment["serverSealingKeyId"],
        "wrappedKey": b64(b"wrapped"),
        "records": [{"kind": "result", "id": "", "ciphertext": b64(b"ciphertext")}],
    }
    bodies: dict[str, dict[str, Any]] = {
        "consent": {"sessionId": session_id, "noticeVersion": "2026-1", "faceAnalysis": True,
                    "givenAt": 1_790_000_000.5},
        "result": {"id": f"report-{session_id}",
                   "subject": {"sessionId": session_id, "sessionCode": "K7-42"},
                   "package": {"positionId": "swe-intern"}, "status": "completed",
                   "assessedAt": 1_790_000_100, "sealed": sealed},
        "review": {"sessionId": session_id, "seq": 1, "kind": "override", "actor": "u-7",
                   "at": 1_790_000_200, "sealed": sealed},
        "tombstone": {"sessionId": session_id, "positionId": "swe-intern",
                      "reason": "retention", "deletedAt": 1_790_000_300},
        "audit": {"entries": [
            {"seq": 1, "at": 1.0, "actor": "system", "action": "boot", "target": None,
             "detail": {}, "prevHash": "", "hash": "h1"},
            {"seq": 2, "at": 2.0, "actor": "u-7", "action": "login", "target": "u-7",
             "detail": {"ok": True}, "prevHash": "h1", "hash": "h2"},
        ]},
        "health": {"software": "kiosk 1.0", "freeDiskBytes": 10**10, "queueLength": 3,
                   "lastError": None, "at": 1_790_000_400, "bundles": {"config": 2}},
    }  # fmt: skip
    body = {"deviceId": device.id, **bodies[kind]}
    body.update(changes)
    return body


def cli_env() -> dict[str, str]:
    """Environment for CLI subprocesses (unbuffered, so lines arrive as printed)."""
    return {**os.environ, "PYTHONUNBUFFERED": "1"}
