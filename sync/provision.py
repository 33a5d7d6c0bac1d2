"""Enrolment: a one-time token (or an offline bundle) turns a fresh terminal into a known device.

``kiosk provision --server URL --token T`` trades the token for the device id, the device
secret, the organisation's bundle-signing key and the server's sealing key; ``--bundle FILE``
reads the same from a file made by the ERP for an air-gapped site. Either way the result is
stored (:mod:`sync.credentials`), the running keyring starts wrapping new sessions to the
server's key, and an ``enrolment`` audit entry records it (ids and key fingerprints only).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk import __version__
from kiosk.errors import ErrorKind, VaultError
from kiosk.store import SessionStore
from kiosk.vault.envelope import fingerprint, load_public_key
from sync.connector import PermanentError, TransientError
from sync.credentials import DeviceCredentials, save_enrolment
from sync.protocol import ENROL_PATH, canonical, key_id, unb64
from sync.transport import TlsSettings, check_endpoint, new_session, request


@dataclass(frozen=True, slots=True)
class Enrolment:
    """What enrolment established (no secrets)."""

    device_id: str
    endpoint: str
    org_key_id: str
    server_key_id: str


def enrol_online(
    store: SessionStore,
    keys_dir: Path,
    endpoint: str,
    token: str,
    tls: TlsSettings,
    *,
    device_name: str,
    timeout: float = 10.0,
) -> Enrolment:
    """Enrol with the ERP at ``endpoint`` using a one-time ``token``."""
    check_endpoint(endpoint)
    session = new_session(tls)
    try:
        reply = request(
            session,
            "POST",
            endpoint.rstrip("/") + ENROL_PATH,
            timeout=timeout,
            headers={"Content-Type": "application/json"},
            body=canonical({"token": token, "deviceName": device_name, "software": __version__}),
        )
    except (TransientError, PermanentError) as exc:
        raise VaultError(f"enrolment failed: {exc}", kind=ErrorKind.INVALID_INPUT) from None
    finally:
        session.close()
    if reply.status == 401:
        raise VaultError(
            "enrolment refused: the token is wrong, used or expired; ask for a new one",
            kind=ErrorKind.INVALID_INPUT,
        )
    if reply.status != 201:
        raise VaultError(
            f"enrolment failed: the server answered HTTP {reply.status}",
            kind=ErrorKind.INVALID_INPUT,
        )
    try:
        document = reply.json()
    except TransientError:
        raise VaultError("enrolment failed: the reply is not JSON") from None
    return _store_enrolment(store, keys_dir, document, endpoint, method="token")


def enrol_offline(store: SessionStore, keys_dir: Path, bundle: Path) -> Enrolment:
    """Enrol from an enrolment bundle file (air-gapped sites)."""
    try:
        document = json.loads(bundle.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VaultError(
            f"{bundle}: not a readable enrolment bundle ({type(exc).__name__})",
            kind=ErrorKind.INVALID_INPUT,
        ) from None
    endpoint = str(document.get("endpoint") or "") if isinstance(document, dict) else ""
    if endpoint:
        check_endpoint(endpoint)
    return _store_enrolment(store, keys_dir, document, endpoint, method="bundle")


def _store_enrolment(
    store: SessionStore, keys_dir: Path, document: Any, endpoint: str, *, method: str
) -> Enrolment:
    try:
        device_id = str(document["deviceId"])
        secret = str(document["deviceSecret"])
        org_raw = unb64(str(document["organisationSigningKey"]))
        server_raw = unb64(str(document["serverSealingKey"]))
        server_key = load_public_key(server_raw)
    except (KeyError, TypeError, ValueError, VaultError):
        raise VaultError(
            "the enrolment reply or bundle is incomplete or malformed",
            kind=ErrorKind.INVALID_INPUT,
        ) from None
    stated = document.get("serverSealingKeyId")
    if stated is not None and stated != fingerprint(server_key):
        raise VaultError(
            "the server sealing key does not match its stated id", kind=ErrorKind.INVALID_INPUT
        )
    if not device_id or len(device_id) > 64 or not secret:
        raise VaultError("the enrolment gave no usable device id", kind=ErrorKind.INVALID_INPUT)
    save_enrolment(keys_dir, DeviceCredentials(device_id, secret, endpoint), org_raw, server_raw)
    # Sessions started from now on are wrapped to the server too: this process's keyring now,
    # a running kiosk's at its next session (Keyring.refresh reads server.pub).
    store.keyring.server_key = server_key
    result = Enrolment(device_id, endpoint, key_id(org_raw), fingerprint(server_key))
    store.audit(
        "local-admin",
        "enrolment",
        device_id,
        {"method": method, "org_key": result.org_key_id, "server_key": result.server_key_id},
        time.time(),
    )
    return result
