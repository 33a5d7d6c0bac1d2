"""The reference ERP server's SQLite store: devices, credentials, what arrived, uploads, bundles.

Secrets (enrolment tokens, device secrets, access tokens) are kept only as SHA-256: they are
long random strings, so a plain hash is enough and a stolen database gives nothing to replay.

One connection, serialised by a lock: the server is a reference and test double, not a
high-throughput service, and one writer makes "store the item and its idempotency record in one
transaction" trivially true. WAL with ``synchronous=FULL`` so a ``kill -9`` loses nothing that
was answered.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sync.erp_server.records import (
    SCHEMA,
    AuthFailure,
    BatchItem,
    Credentials,
    Device,
    IdempotencyConflict,
    PushOutcome,
    ReceivedItem,
    StoredBundle,
    Upload,
    as_text,
    bundle_from_row,
    item_from_row,
    sha256_hex,
)
from sync.protocol import canonical

__all__ = [
    "AuthFailure",
    "BatchItem",
    "Credentials",
    "Device",
    "ErpStore",
    "IdempotencyConflict",
    "PushOutcome",
    "ReceivedItem",
    "StoredBundle",
    "Upload",
]

_UPLOAD_COLUMNS = (
    "id, device_id, idempotency_key, length, received_bytes, session_id, name, sha256, "
    "created_at, completed_at"
)


class ErpStore:
    """All server state but the keys and media bytes. Thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE in _tx), never implied.
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.execute("PRAGMA busy_timeout=5000")
        with self._lock:
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # -- enrolment and credentials ---------------------------------------------------------

    def issue_enrolment_token(self, ttl_seconds: float) -> str:
        """A fresh one-time enrolment token, valid for ``ttl_seconds``."""
        token = secrets.token_urlsafe(24)
        now = time.time()
        with self._tx() as db:
            db.execute(
                "INSERT INTO enrolment_tokens (token_sha256, created_at, expires_at) "
                "VALUES (?, ?, ?)",
                (sha256_hex(token), now, now + ttl_seconds),
            )
        return token

    def enrol(self, token: str, name: str, software: str, token_ttl: float) -> Credentials | None:
        """Use up ``token`` and register a device; ``None`` if the token is unknown, used or
        expired (one answer for all three, so a caller cannot probe which)."""
        now = time.time()
        with self._tx() as db:
            row = db.execute(
                "SELECT used_at, expires_at FROM enrolment_tokens WHERE token_sha256 = ?",
                (sha256_hex(token),),
            ).fetchone()
            if row is None or row[0] is not None or row[1] <= now:
                return None
            device_id, secret = self._add_device(db, name, software, now)
            db.execute(
                "UPDATE enrolment_tokens SET used_at = ?, device_id = ? WHERE token_sha256 = ?",
                (now, device_id, sha256_hex(token)),
            )
            access, expires = self._add_access_token(db, device_id, now, token_ttl)
        return Credentials(device_id, secret, access, expires)

    def register_device(self, name: str, software: str) -> tuple[str, str]:
        """A device enrolled out of band (air-gapped bundle): ``(device id, secret)``."""
        with self._tx() as db:
            return self._add_device(db, name, software, time.time())

    def issue_access_token(
        self, device_id: str, secret: str, ttl_seconds: float
    ) -> tuple[str, float] | None:
        """A new access token for a device that proves its secret, else ``None``."""
        now = time.time()
        with self._tx() as db:
            row = db.execute(
                "SELECT secret_sha256 FROM devices WHERE id = ?", (device_id,)
            ).fetchone()
            if row is None or not secrets.compare_digest(row[0], sha256_hex(secret)):
                return None
            # Expired tokens are dead weight; clear them while we are writing anyway.
            db.execute("DELETE FROM access_tokens WHERE expires_at < ?", (now - 86400,))
            return self._add_access_token(db, device_id, now, ttl_seconds)

    def authenticate(self, token: str) -> str:
        """The device an access token belongs to; :class:`AuthFailure` otherwise."""
        now = time.time()
        with self._lock:
            row = self._db.execute(
                "SELECT device_id, expires_at FROM access_tokens WHERE token_sha256 = ?",
                (sha256_hex(token),),
            ).fetchone()
            if row is None:
                raise AuthFailure("invalid_token")
            if row[1] <= now:
                raise AuthFailure("token_expired")
            self._db.execute("UPDATE devices SET last_seen = ? WHERE id = ?", (now, row[0]))
            return str(row[0])

    @staticmethod
    def _add_device(
        db: sqlite3.Connection, name: str, software: str, now: float
    ) -> tuple[str, str]:
        device_id = f"dev-{uuid.uuid4().hex[:16]}"
        secret = secrets.token_urlsafe(32)
        db.execute(
            "INSERT INTO devices (id, name, software, secret_sha256, enrolled_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (device_id, name, software, sha256_hex(secret), now),
        )
        return device_id, secret

    @staticmethod
    def _add_access_token(
        db: sqlite3.Connection, device_id: str, now: float, ttl: float
    ) -> tuple[str, float]:
        token = secrets.token_urlsafe(32)
        db.execute(
            "INSERT INTO access_tokens (token_sha256, device_id, expires_at) VALUES (?, ?, ?)",
            (sha256_hex(token), device_id, now + ttl),
        )
        return token, now + ttl

    def devices(self) -> list[Device]:
        rows = self._rows(
            "SELECT id, name, software, enrolled_at, last_seen FROM devices ORDER BY enrolled_at"
        )
        return [Device(*row) for row in rows]

    # -- pushes ---------------------------------------------------------------------------

    def accept_push(
        self,
        *,
        device_id: str,
        idempotency_key: str,
        raw_body: bytes,
        kind: str,
        session_id: str | None,
        body: dict[str, Any],
        audit_entries: Sequence[tuple[int, str]] = (),
    ) -> PushOutcome:
        """Store one pushed item and its idempotency record in one transaction, or replay.

        ``audit_entries`` are ``(seq, hash)`` pairs to add to the device's audit chain; the
        answer then carries the head (the highest entry held). Raises
        :class:`IdempotencyConflict` when the key was used with another body.
        """
        with self._tx() as db:
            return self._accept(
                db, device_id, idempotency_key, raw_body, kind, session_id, body, audit_entries
            )

    def accept_batch(self, device_id: str, items: Sequence[BatchItem]) -> list[PushOutcome | None]:
        """Store several pushes in ONE transaction (one fsync for the lot); per item the same
        outcome as :meth:`accept_push`, or ``None`` where its key was reused with another body
        (that item only is refused)."""
        outcomes: list[PushOutcome | None] = []
        with self._tx() as db:
            for item in items:
                try:
                    outcome = self._accept(
                        db, device_id, item.key, item.raw, item.kind, item.session_id, item.body, ()
                    )
                    outcomes.append(outcome)
                except IdempotencyConflict:
                    outcomes.append(None)
        return outcomes

    def _accept(  # noqa: PLR0917 - one row's fields
        self,
        db: sqlite3.Connection,
        device_id: str,
        idempotency_key: str,
        raw_body: bytes,
        kind: str,
        session_id: str | None,
        body: dict[str, Any],
        audit_entries: Sequence[tuple[int, str]],
    ) -> PushOutcome:
        digest = sha256_hex(raw_body)
        now = time.time()
        row = db.execute(
            "SELECT body_sha256, status, response FROM idempotency WHERE device_id = ? AND key = ?",
            (device_id, idempotency_key),
        ).fetchone()
        if row is not None:
            if row[0] != digest:
                raise IdempotencyConflict(idempotency_key)
            return PushOutcome(int(row[1]), bytes(row[2]), replayed=True)
        receipt = uuid.uuid4().hex
        db.execute(
            "INSERT INTO received (receipt, kind, device_id, session_id, idempotency_key, "
            "body, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (receipt, kind, device_id, session_id, idempotency_key, as_text(body), now),
        )
        answer: dict[str, Any] = {"receipt": receipt}
        if kind == "audit":
            db.executemany(
                "INSERT OR IGNORE INTO audit_entries (device_id, seq, hash) VALUES (?, ?, ?)",
                [(device_id, seq, entry_hash) for seq, entry_hash in audit_entries],
            )
            answer["head"] = self._audit_head(db, device_id)
        response = canonical(answer)
        db.execute(
            "INSERT INTO idempotency (device_id, key, body_sha256, status, response, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (device_id, idempotency_key, digest, 201, response, now),
        )
        return PushOutcome(201, response, replayed=False)

    @staticmethod
    def _audit_head(db: sqlite3.Connection, device_id: str) -> dict[str, Any] | None:
        row = db.execute(
            "SELECT seq, hash FROM audit_entries WHERE device_id = ? ORDER BY seq DESC LIMIT 1",
            (device_id,),
        ).fetchone()
        return None if row is None else {"seq": int(row[0]), "hash": str(row[1])}

    def audit_head(self, device_id: str) -> dict[str, Any] | None:
        """``{"seq", "hash"}`` of the highest audit entry held for a device, if any."""
        with self._lock:
            return self._audit_head(self._db, device_id)

    def received(self, kind: str | None = None) -> list[ReceivedItem]:
        """Accepted items in arrival order, all or of one ``kind``."""
        sql = (
            "SELECT seq, kind, device_id, session_id, idempotency_key, body, receipt, "
            "received_at FROM received"
        )
        rows = (
            self._rows(sql + " WHERE kind = ? ORDER BY seq", (kind,))
            if kind is not None
            else self._rows(sql + " ORDER BY seq")
        )
        return [item_from_row(row) for row in rows]

    def last_received(self, limit: int) -> list[ReceivedItem]:
        """The ``limit`` most recent items, newest first."""
        rows = self._rows(
            "SELECT seq, kind, device_id, session_id, idempotency_key, body, receipt, "
            "received_at FROM received ORDER BY seq DESC LIMIT ?",
            (limit,),
        )
        return [item_from_row(row) for row in rows]

    def counts(self) -> dict[str, int]:
        """Number of accepted items per kind."""
        rows = self._rows("SELECT kind, COUNT(*) FROM received GROUP BY kind ORDER BY kind")
        return {str(kind): int(n) for kind, n in rows}

    def counts_by_device(self) -> dict[str, dict[str, int]]:
        rows = self._rows(
            "SELECT device_id, kind, COUNT(*) FROM received GROUP BY device_id, kind "
            "ORDER BY device_id, kind"
        )
        out: dict[str, dict[str, int]] = {}
        for device_id, kind, n in rows:
            out.setdefault(str(device_id), {})[str(kind)] = int(n)
        return out

    # -- media uploads ------------------------------------------------------------------

    def create_upload(
        self,
        *,
        device_id: str,
        idempotency_key: str,
        length: int,
        session_id: str,
        name: str,
        sha256: str,
    ) -> tuple[Upload, bool]:
        """A new upload, or the one this key already created: ``(upload, replayed)``.

        :class:`IdempotencyConflict` if the key was used for another file.
        """
        request = canonical([length, session_id, name, sha256])
        with self._tx() as db:
            row = db.execute(
                f"SELECT request_sha256, {_UPLOAD_COLUMNS} FROM uploads "  # noqa: S608
                "WHERE device_id = ? AND idempotency_key = ?",
                (device_id, idempotency_key),
            ).fetchone()
            if row is not None:
                if row[0] != sha256_hex(request):
                    raise IdempotencyConflict(idempotency_key)
                return Upload(*row[1:]), True
            upload_id = uuid.uuid4().hex
            db.execute(
                "INSERT INTO uploads (id, device_id, idempotency_key, request_sha256, length, "
                "session_id, name, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    upload_id,
                    device_id,
                    idempotency_key,
                    sha256_hex(request),
                    length,
                    session_id,
                    name,
                    sha256,
                    time.time(),
                ),
            )
        upload = self.upload(upload_id)
        assert upload is not None
        return upload, False

    def upload(self, upload_id: str) -> Upload | None:
        rows = self._rows(
            f"SELECT {_UPLOAD_COLUMNS} FROM uploads WHERE id = ?",  # noqa: S608
            (upload_id,),
        )
        return Upload(*rows[0]) if rows else None

    def uploads(self) -> list[Upload]:
        rows = self._rows(f"SELECT {_UPLOAD_COLUMNS} FROM uploads ORDER BY created_at")  # noqa: S608
        return [Upload(*row) for row in rows]

    def set_upload_offset(self, upload_id: str, offset: int) -> None:
        """Record bytes acknowledged so far (0 resets an upload whose file failed its check)."""
        with self._tx() as db:
            db.execute("UPDATE uploads SET received_bytes = ? WHERE id = ?", (offset, upload_id))

    def complete_upload(self, upload: Upload) -> None:
        """Mark an upload complete and record it as a received ``media`` item, atomically."""
        now = time.time()
        body = {
            "uploadId": upload.id,
            "deviceId": upload.device_id,
            "sessionId": upload.session_id,
            "name": upload.name,
            "sha256": upload.sha256,
            "length": upload.length,
        }
        with self._tx() as db:
            db.execute(
                "UPDATE uploads SET received_bytes = length, completed_at = ? WHERE id = ?",
                (now, upload.id),
            )
            db.execute(
                "INSERT INTO received (receipt, kind, device_id, session_id, idempotency_key, "
                "body, received_at) VALUES (?, 'media', ?, ?, ?, ?, ?)",
                (
                    upload.id,
                    upload.device_id,
                    upload.session_id,
                    upload.idempotency_key,
                    as_text(body),
                    now,
                ),
            )

    # -- bundles ------------------------------------------------------------------------

    def add_bundle(
        self,
        *,
        kind: str,
        version: int,
        audience: str,
        document: dict[str, str],
        expires_at: float,
    ) -> StoredBundle:
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO bundles (kind, version, audience, document, published_at, "
                "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (kind, version, audience, as_text(document), time.time(), expires_at),
            )
            seq = cursor.lastrowid
        return next(b for b in self.bundles(kind) if b.seq == seq)

    def max_bundle_version(self, kind: str) -> int:
        """The highest version ever published for ``kind`` (0 when none)."""
        rows = self._rows("SELECT MAX(version) FROM bundles WHERE kind = ?", (kind,))
        return int(rows[0][0] or 0)

    def current_bundle(self, kind: str, device_id: str) -> StoredBundle | None:
        """The most recently *published* bundle of ``kind`` for a device (by publish order,
        not version: publishing an old version is how a rollback is simulated)."""
        rows = self._rows(
            "SELECT seq, kind, version, audience, document, published_at, expires_at "
            "FROM bundles WHERE kind = ? AND audience IN ('*', ?) ORDER BY seq DESC LIMIT 1",
            (kind, device_id),
        )
        return bundle_from_row(rows[0]) if rows else None

    def bundles(self, kind: str | None = None) -> list[StoredBundle]:
        sql = "SELECT seq, kind, version, audience, document, published_at, expires_at FROM bundles"
        rows = (
            self._rows(sql + " WHERE kind = ? ORDER BY seq", (kind,))
            if kind
            else self._rows(sql + " ORDER BY seq")
        )
        return [bundle_from_row(row) for row in rows]
