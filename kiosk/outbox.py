"""The transactional outbox: what the terminal still owes the HR server.

A record and its outbox row are written in one transaction (:func:`enqueue` runs inside the
store's), so a crash can never keep a result without the promise to send it, nor the other way
round. Sync (:mod:`sync`) reads the rows in order and marks one delivered only when the server
acknowledged it. The rows carry ids, kinds and times only: the payload is read from the sealed
record when it is sent, so a session deleted in between sends its tombstone, not its data.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # the store enqueues through this module, so only a type reference back
    from kiosk.store import SessionStore

OutboxKind = Literal["consent", "result", "review", "tombstone", "media"]
KINDS: frozenset[str] = frozenset({"consent", "result", "review", "tombstone", "media"})


def idempotency_key(kind: str, session_id: str | None, record_id: str) -> str:
    """The key the server deduplicates a delivery by: the same record always gives the same key,
    across retries and restarts, and different records never share one."""
    text = "\x1f".join(("ik-outbox-1", kind, session_id or "", record_id))
    return hashlib.sha256(text.encode()).hexdigest()


def enqueue(db: Any, kind: str, session_id: str | None, record_id: str, now: float) -> None:
    """Add a row inside the caller's transaction (``db`` from ``store.transaction()``).

    Enqueueing the same record twice is harmless: the idempotency key is unique.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown outbox kind {kind!r}")
    db.execute(
        "INSERT OR IGNORE INTO outbox (kind, session_id, record_id, idempotency_key, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [kind, session_id, record_id, idempotency_key(kind, session_id, record_id), now],
    )


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One pending delivery."""

    seq: int
    kind: str
    session_id: str | None
    record_id: str
    idempotency_key: str
    attempts: int
    created_at: float


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    """What ``kiosk sync status`` shows."""

    pending: int
    waiting: int  # pending, but backing off after a failure
    delivered: int
    last_delivered_at: float | None
    last_error: str | None
    oldest_pending_at: float | None


class Outbox:
    """The outbox rows of one store: read in order, marked as delivery goes."""

    def __init__(self, store: SessionStore) -> None:
        self._store = store

    def due(self, now: float, limit: int = 100) -> list[OutboxItem]:
        """Rows ready to send, oldest first, at most one per session.

        Per-session order: a session's row is due only when no earlier row of the same session
        is still undelivered, so a result never overtakes its consent, nor a tombstone the
        result it replaces. Rows without a session are independent of each other.
        """
        rows = self._store.query(
            "SELECT o.seq, o.kind, o.session_id, o.record_id, o.idempotency_key, o.attempts, "
            "o.created_at FROM outbox AS o WHERE o.delivered_at IS NULL "
            "AND o.next_attempt_at <= ? AND NOT EXISTS (SELECT 1 FROM outbox AS e "
            "WHERE e.delivered_at IS NULL AND e.session_id = o.session_id AND e.seq < o.seq) "
            "ORDER BY o.seq LIMIT ?",
            [now, limit],
        )
        return [OutboxItem(*row) for row in rows]

    def delivered(self, seqs: list[int], now: float) -> None:
        """Mark rows delivered (the server acknowledged them)."""
        with self._store.transaction() as db:
            db.conn.executemany(
                "UPDATE outbox SET delivered_at = ?, last_error = NULL WHERE seq = ?",
                [(now, seq) for seq in seqs],
            )

    def failed(self, seq: int, error: str, retry_at: float) -> None:
        """Count a failed attempt; the row waits until ``retry_at``. ``error`` must hold no
        personal data (it is shown in ``kiosk sync status``)."""
        with self._store.transaction() as db:
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? "
                "WHERE seq = ?",
                [error[:300], retry_at, seq],
            )

    def failed_many(self, failures: list[tuple[int, str, float]]) -> None:
        """:meth:`failed` for several rows (seq, error, retry time) in one transaction."""
        with self._store.transaction() as db:
            db.conn.executemany(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? "
                "WHERE seq = ?",
                [(error[:300], retry_at, seq) for seq, error, retry_at in failures],
            )

    def status(self, now: float) -> OutboxStatus:
        """Counts and the latest outcome, for ``kiosk sync status`` and device health."""
        row = self._store.query(
            "SELECT SUM(delivered_at IS NULL), SUM(delivered_at IS NULL AND next_attempt_at > ?), "
            "SUM(delivered_at IS NOT NULL), MAX(delivered_at), "
            "MIN(CASE WHEN delivered_at IS NULL THEN created_at END) FROM outbox",
            [now],
        )[0]
        error = self._store.query(
            "SELECT last_error FROM outbox WHERE delivered_at IS NULL AND last_error IS NOT NULL "
            "ORDER BY next_attempt_at DESC LIMIT 1"
        )
        return OutboxStatus(
            pending=int(row[0] or 0),
            waiting=int(row[1] or 0),
            delivered=int(row[2] or 0),
            last_delivered_at=row[3],
            last_error=error[0][0] if error else None,
            oldest_pending_at=row[4],
        )

    def prune(self, keep_delivered_days: float, now: float) -> int:
        """Forget delivered rows older than ``keep_delivered_days``; returns how many."""
        with self._store.transaction() as db:
            cursor = db.execute(
                "DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?",
                [now - keep_delivered_days * 86_400.0],
            )
            return int(cursor.rowcount)


def read_state(store: SessionStore, name: str) -> str | None:
    """One of sync's bookkeeping values (cursors, bundle versions), or None."""
    rows = store.query("SELECT value FROM sync_state WHERE name = ?", [name])
    return str(rows[0][0]) if rows else None


def write_state(store: SessionStore, values: dict[str, str]) -> None:
    """Set sync bookkeeping values, all in one transaction."""
    with store.transaction() as db:
        for name, value in values.items():
            db.execute(
                "INSERT OR REPLACE INTO sync_state (name, value) VALUES (?, ?)", [name, value]
            )
