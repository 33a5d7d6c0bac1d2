"""Outbox rows → wire bodies (see :mod:`sync.protocol` for the shapes).

A body is built from the store when it is sent, never cached: a session deleted since its row
was queued yields :data:`GONE` (its tombstone follows), and the same row always yields the same
bytes, so a retry after a lost acknowledgement matches the server's idempotency record.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from kiosk.errors import VaultError
from kiosk.outbox import OutboxItem, read_state, write_state
from kiosk.store import SessionStore
from kiosk.vault.keyring import SERVER
from sync.connector import Delivery
from sync.protocol import b64

log = logging.getLogger(__name__)


class _Marker:
    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


#: The record no longer exists (its session was deleted): nothing to send.
GONE: Final = _Marker("GONE")
#: The record is not final yet (a result queued a moment before its session closed).
NOT_READY: Final = _Marker("NOT_READY")


def build(store: SessionStore, item: OutboxItem, *, plaintext: bool = False) -> Delivery | _Marker:
    """The delivery for one outbox row."""
    if item.kind == "consent":
        body = _consent(store, item)
    elif item.kind == "result":
        body = _result(store, item)
    elif item.kind == "review":
        body = _review(store, item)
    elif item.kind == "tombstone":
        body = _tombstone(store, item)
    else:
        raise ValueError(f"no wire form for outbox kind {item.kind!r}")
    if isinstance(body, _Marker):
        return body
    opened = None
    if plaintext and item.kind == "result" and item.session_id is not None:
        opened = store.result(item.session_id)
    return Delivery(item.kind, item.idempotency_key, body, opened)


def _consent(store: SessionStore, item: OutboxItem) -> dict[str, Any] | _Marker:
    rows = store.query(
        # The session too: a deleted session's rowid is reused by the next consent.
        "SELECT session_id, notice_version, face_analysis, given_at FROM consents "
        "WHERE rowid = ? AND session_id = ?",
        [int(item.record_id), item.session_id],
    )
    if not rows:
        return GONE
    session_id, version, face, given_at = rows[0]
    return {
        "sessionId": session_id,
        "noticeVersion": version,
        "faceAnalysis": bool(face),
        "givenAt": given_at,
    }


def _result(store: SessionStore, item: OutboxItem) -> dict[str, Any] | _Marker:
    session_id = item.session_id or ""
    rows = store.query(
        "SELECT code, position_id, outcome, closed_at FROM sessions WHERE id = ?", [session_id]
    )
    if not rows:
        return GONE
    code, position_id, outcome, closed_at = rows[0]
    if closed_at is None:
        return NOT_READY
    body: dict[str, Any] = {
        "id": session_id,
        "subject": {"sessionId": session_id, "sessionCode": code},
        "package": {"positionId": position_id},
        "status": outcome,
        "assessedAt": closed_at,
    }
    if outcome != "declined":
        records = [
            (kind, record_id, blob)
            for kind, record_id, blob in store.sealed_records(session_id)
            if kind in ("personal", "result") and blob
        ]
        body["sealed"] = _sealed(store, session_id, records)
    return body


def _review(store: SessionStore, item: OutboxItem) -> dict[str, Any] | _Marker:
    session_id = item.session_id or ""
    rows = store.query(
        "SELECT seq, actor, kind, created_at, sealed FROM reviews WHERE session_id = ? AND seq = ?",
        [session_id, int(item.record_id)],
    )
    if not rows:
        return GONE
    seq, actor, kind, at, blob = rows[0]
    return {
        "sessionId": session_id,
        "seq": seq,
        "kind": kind,
        "actor": actor,
        "at": at,
        "sealed": _sealed(store, session_id, [("review", str(seq), blob)]),
    }


def _tombstone(store: SessionStore, item: OutboxItem) -> dict[str, Any] | _Marker:
    rows = store.query(
        "SELECT session_id, position_id, reason, deleted_at FROM tombstones WHERE session_id = ?",
        [item.session_id],
    )
    if not rows:
        return GONE
    session_id, position_id, reason, deleted_at = rows[0]
    return {
        "sessionId": session_id,
        "positionId": position_id,
        "reason": reason,
        "deletedAt": deleted_at,
    }


def _sealed(
    store: SessionStore, session_id: str, records: list[tuple[str, str, bytes]]
) -> dict[str, Any] | None:
    """The records with the session key wrapped to the server, or ``None`` without one.

    A session recorded before enrolment has no server copy; if this terminal can still open
    its key (device copy, local-only mode), a server copy is added now.
    """
    copy = next((c for c in store.wrapped_keys(session_id) if c.recipient == SERVER), None)
    if copy is None:
        # Decided once per session and remembered: a retry must send the very same body (the
        # server's idempotency record would refuse a different one), so a copy that becomes
        # possible later (a recruiter logs in) is not added to a session already sent without.
        marker = f"sealed.none.{session_id}"
        if read_state(store, marker):
            return None
        try:
            copy = store.add_server_copy(session_id)
        except VaultError as exc:
            log.warning("session %s has no key copy for the server: %s", session_id, exc.kind)
            write_state(store, {marker: "1"})
            return None
    return {
        "keyId": copy.key_id,
        "wrappedKey": b64(copy.wrapped),
        "records": [
            {"kind": kind, "id": record_id, "ciphertext": b64(blob)}
            for kind, record_id, blob in records
        ],
    }
