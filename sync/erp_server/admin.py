"""What IT staff (and tests) do to a server beside serving: publish bundles, look at what
arrived, open sealed results, enrol a terminal without a network.
"""

from __future__ import annotations

import html
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from kiosk.errors import VaultError
from kiosk.vault.envelope import SessionKey
from sync.erp_server.faults import FaultPlan
from sync.erp_server.keys import ServerKeys
from sync.erp_server.store import ErpStore, ReceivedItem, StoredBundle
from sync.protocol import BUNDLE_KINDS, b64, sign_bundle, unb64

_DAY = 86400.0


class AdminError(Exception):
    """An admin action that cannot be done as asked (message is shown as is)."""


# -- bundles ------------------------------------------------------------------------------


def publish_bundle(
    store: ErpStore,
    keys: ServerKeys,
    kind: str,
    data: Any,
    *,
    version: int | None = None,
    expires_days: float = 30.0,
    device_id: str = "*",
    audience: str | None = None,
    tampered: bool = False,
    expired: bool = False,
) -> StoredBundle:
    """Sign ``data`` as a ``kind`` bundle with the organisation key and make it the one served.

    ``version`` defaults to the highest published so far + 1; an explicit older one is served as
    is (that is how a rollback is simulated: refusing it is the terminal's job). ``device_id``
    is the signed addressee; ``audience`` is who the server serves it to (default: the same),
    so a test can serve a bundle signed for another terminal. Test hooks: ``tampered`` flips a
    byte of the payload after signing; ``expired`` issues it already expired.
    """
    if kind not in BUNDLE_KINDS:
        raise AdminError(f"unknown bundle kind {kind!r} (kinds: {', '.join(BUNDLE_KINDS)})")
    if version is None:
        version = store.max_bundle_version(kind) + 1
    if version < 1:
        raise AdminError("a bundle version is a positive integer")
    now = time.time()
    issued_at, expires_at = (now - 2 * _DAY, now - _DAY) if expired else (
        now, now + expires_days * _DAY
    )  # fmt: skip
    document = sign_bundle(
        keys.signing,
        kind=kind,
        version=version,
        issued_at=issued_at,
        expires_at=expires_at,
        data=data,
        device_id=device_id,
    )
    if tampered:
        payload = bytearray(unb64(document["payload"]))
        payload[len(payload) // 2] ^= 0x01  # ASCII stays ASCII; the signature no longer fits
        document = {**document, "payload": b64(bytes(payload))}
    return store.add_bundle(
        kind=kind,
        version=version,
        audience=audience or device_id,
        document=document,
        expires_at=expires_at,
    )


# -- opening sealed results ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResultScores:
    """The scores of one opened result (nothing personal: no name, no answers)."""

    session_id: str
    session_code: str
    status: str
    overall100: Any
    competencies: list[tuple[str, Any]]


def open_result(body: dict[str, Any], sealing_key: X25519PrivateKey) -> ResultScores | None:
    """Open an assessment report's sealed ``result`` record; ``None`` when it has none
    (a declined session). :class:`AdminError` when it does not open."""
    sealed = body.get("sealed")
    if not isinstance(sealed, dict):
        return None
    session_id = str(body["subject"]["sessionId"])
    record = next((r for r in sealed["records"] if r.get("kind") == "result"), None)
    if record is None:
        return None
    try:
        key = SessionKey.unwrap(session_id, unb64(sealed["wrappedKey"]), sealing_key, "server")
        report = json.loads(key.open("result", str(record["id"]), unb64(record["ciphertext"])))
    except (VaultError, ValueError) as problem:
        raise AdminError(f"session {session_id}: {problem}") from None
    result = report.get("result") or {}
    return ResultScores(
        session_id=session_id,
        session_code=str(body["subject"].get("sessionCode", "")),
        status=str(body.get("status", "")),
        overall100=result.get("overall100"),
        competencies=[
            (str(c.get("id")), c.get("score100")) for c in result.get("competencies", [])
        ],
    )


# -- reports ------------------------------------------------------------------------------


def _when(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


def _item_line(item: ReceivedItem) -> str:
    size = len(json.dumps(item.body))
    return (
        f"  #{item.seq:<5} {_when(item.received_at)}  {item.kind:<9} {item.device_id}  "
        f"session {item.session_id or '-'}  {size} bytes"
    )


def show_report(store: ErpStore, keys: ServerKeys, *, decrypt: bool = False, last: int = 20) -> str:
    """A plain-text account of what arrived (``erp-server show``)."""
    lines = [f"sealing key {keys.sealing_key_id}, signing key {keys.signing_key_id}"]
    devices = store.devices()
    by_device = store.counts_by_device()
    lines.append(f"devices: {len(devices)}")
    for device in devices:
        counts = ", ".join(f"{k} {n}" for k, n in by_device.get(device.id, {}).items()) or "none"
        lines.append(
            f"  {device.id}  {device.name!r} ({device.software})  enrolled "
            f"{_when(device.enrolled_at)}  last seen {_when(device.last_seen)}  received: {counts}"
        )
    totals = store.counts()
    lines.append("received: " + (", ".join(f"{k} {n}" for k, n in totals.items()) or "nothing"))
    recent = store.last_received(last)
    if recent:
        lines.append(f"last {len(recent)} items (newest first):")
        lines += [_item_line(item) for item in recent]
    uploads = store.uploads()
    if uploads:
        lines.append(f"uploads: {len(uploads)}")
        lines += [
            f"  {u.id}  {u.device_id}  session {u.session_id}  {u.offset}/{u.length} bytes  "
            f"{'complete' if u.completed_at else 'incomplete'}"
            for u in uploads
        ]
    bundles = store.bundles()
    if bundles:
        lines.append("bundles (publish order):")
        lines += [
            f"  {b.kind:<12} version {b.version:<4} for {b.audience}  published "
            f"{_when(b.published_at)}  expires {_when(b.expires_at)}"
            for b in bundles
        ]
    if decrypt:
        lines += _decrypted(store, keys)
    return "\n".join(lines) + "\n"


def _decrypted(store: ErpStore, keys: ServerKeys) -> list[str]:
    lines = ["results (opened with the sealing key):"]
    results = store.received("result")
    if not results:
        lines.append("  none")
    for item in results:
        try:
            scores = open_result(item.body, keys.sealing)
        except AdminError as problem:
            lines.append(f"  #{item.seq}: cannot open: {problem}")
            continue
        if scores is None:
            lines.append(f"  #{item.seq} session {item.session_id}: {item.body.get('status')}, "
                         "nothing sealed")  # fmt: skip
            continue
        per = ", ".join(f"{cid} {score}" for cid, score in scores.competencies) or "none"
        lines.append(
            f"  #{item.seq} session {scores.session_code or scores.session_id} "
            f"({scores.status}): overall {scores.overall100}; competencies: {per}"
        )
    return lines


def render_admin_html(store: ErpStore, *, faults: FaultPlan | None) -> str:
    """The loopback-only ``/admin`` page: devices, counts, recent items, uploads, bundles.
    Nothing is decrypted here."""

    def table(headers: list[str], rows: list[list[Any]]) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
            for row in rows
        )
        return f"<table><tr>{head}</tr>{body or '<tr><td>none</td></tr>'}</table>"

    by_device = store.counts_by_device()
    sections = [
        ("Devices", table(
            ["id", "name", "software", "enrolled", "last seen", "received"],
            [[d.id, d.name, d.software, _when(d.enrolled_at), _when(d.last_seen),
              ", ".join(f"{k} {n}" for k, n in by_device.get(d.id, {}).items())]
             for d in store.devices()],
        )),
        ("Received", table(["kind", "count"], [[k, n] for k, n in store.counts().items()])),
        ("Last 20 items", table(
            ["seq", "time", "kind", "device", "session", "idempotency key"],
            [[i.seq, _when(i.received_at), i.kind, i.device_id, i.session_id or "-",
              i.idempotency_key or "-"] for i in store.last_received(20)],
        )),
        ("Uploads", table(
            ["id", "device", "session", "bytes", "length", "complete"],
            [[u.id, u.device_id, u.session_id, u.offset, u.length, _when(u.completed_at)]
             for u in store.uploads()],
        )),
        ("Bundles", table(
            ["kind", "version", "for", "published", "expires"],
            [[b.kind, b.version, b.audience, _when(b.published_at), _when(b.expires_at)]
             for b in store.bundles()],
        )),
    ]  # fmt: skip
    faults_text = faults.describe() if faults else "none"
    body = "".join(f"<h2>{html.escape(title)}</h2>{content}" for title, content in sections)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>ERP server</title>"
        "<style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:2px 6px}"
        "table{border-collapse:collapse}</style></head><body><h1>Reference ERP server</h1>"
        f"<p>Faults: {html.escape(faults_text)}</p>{body}</body></html>"
    )


# -- air-gapped enrolment -----------------------------------------------------------------


def write_enrolment_bundle(
    store: ErpStore,
    keys: ServerKeys,
    out: Path,
    *,
    endpoint: str | None,
    device_name: str = "air-gapped enrolment",
) -> str:
    """Register a device and write its credentials to ``out`` (mode 0600, never overwritten:
    the file holds a secret, and another terminal's bundle must not be lost). Returns the id."""
    if out.exists():
        raise AdminError(f"{out} exists; choose another file")
    device_id, secret = store.register_device(device_name, "enrolment-bundle")
    document = {
        "deviceId": device_id,
        "deviceSecret": secret,
        **keys.public_fields(),
        "endpoint": endpoint,
    }
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        json.dump(document, file, indent=2)
        file.write("\n")
        file.flush()
        os.fsync(file.fileno())
    return device_id
