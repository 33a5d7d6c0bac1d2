"""Retention and deletion: crypto-shredding sessions on request or past the retention period.

Deletion order is what makes it safe: the wrapped data keys go first, in their own committed
transaction, with the tombstone, the outbox row that carries the tombstone to the server and the
audit entry. From that moment nothing of the session can be decrypted, even if the process dies
before the ciphertext rows, media files and WAL copies are gone; the next purge finishes the job.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

from kiosk.errors import ErrorKind, VaultError
from kiosk.outbox import enqueue
from kiosk.store import SessionStore

log = logging.getLogger(__name__)


#: Why a session may be deleted. A fixed vocabulary, because the reason travels in the audit log
#: and the tombstone, which must never carry personal data (free text could).
REASONS = ("candidate request", "consent withdrawn", "erp request", "retention", "test data",
           "duplicate")  # fmt: skip


def delete_session(
    store: SessionStore,
    session_id: str,
    *,
    actor: str,
    reason: str,
    now: float,
    media_root: Path | None = None,
) -> None:
    """Crypto-shred one session: keys, then ciphertext and media, then a tombstone remains."""
    if reason not in REASONS:
        raise VaultError(
            f"reason must be one of {', '.join(REASONS)}", kind=ErrorKind.INVALID_INPUT
        )
    row = store.session(session_id)
    with store.transaction() as db:
        db.execute("DELETE FROM session_keys WHERE session_id = ?", [session_id])
        # A deletion a crash interrupted keeps its first tombstone: that one may already be at
        # the server, and its reason is the true one.
        added = db.execute(
            "INSERT OR IGNORE INTO tombstones (session_id, position_id, reason, deleted_at) "
            "VALUES (?, ?, ?, ?)",
            [session_id, row.position_id, reason, now],
        ).rowcount
        if added:
            store.append_audit(now, actor, "session_deleted", session_id, {"reason": reason})
            enqueue(db, "tombstone", session_id, "tombstone", now)
    store.forget_key(session_id)  # after the copies are gone: nothing can unwrap it again
    with store.transaction() as db:
        db.execute("DELETE FROM sessions WHERE id = ?", [session_id])
    if media_root is not None:
        # Encrypted under the key just shredded; removed so the space comes back.
        shutil.rmtree(media_root / session_id, ignore_errors=True)
    store.checkpoint()


def delete_candidate(
    store: SessionStore,
    candidate_ref: str,
    *,
    actor: str,
    reason: str,
    now: float,
    media_root: Path | None = None,
) -> int:
    """Delete every session of an ERP candidate reference; returns how many."""
    sessions = store.sessions_of_candidate(candidate_ref)
    if not sessions:
        raise VaultError(
            "no stored session belongs to that candidate reference", kind=ErrorKind.INVALID_INPUT
        )
    for session_id in sessions:
        delete_session(
            store, session_id, actor=actor, reason=reason, now=now, media_root=media_root
        )
    return len(sessions)


def expired_sessions(store: SessionStore, retention_days: int, now: float) -> list[str]:
    """Closed sessions older than the retention period, and deleted ones left half-done."""
    rows = store.query(
        "SELECT id FROM sessions WHERE closed_at IS NOT NULL AND closed_at < ? "
        "UNION SELECT session_id FROM tombstones WHERE session_id IN (SELECT id FROM sessions)",
        [now - retention_days * 86_400.0],
    )
    return [row[0] for row in rows]


def purge(
    store: SessionStore,
    retention_days: int,
    now: float,
    *,
    actor: str,
    media_root: Path | None = None,
) -> int:
    """Delete every expired session; returns how many (audited as one ``purge`` entry)."""
    expired = expired_sessions(store, retention_days, now)
    for session_id in expired:
        delete_session(
            store, session_id, actor=actor, reason="retention", now=now, media_root=media_root
        )
    if expired:
        store.audit(actor, "purge", "sessions", {"deleted": len(expired)}, now)
    return len(expired)


class RetentionJob:
    """Purges expired sessions every ``interval`` seconds on a background thread.

    A terminal that stays on for weeks must not keep data past its retention period just because
    nobody restarted it. A failed purge (a full or damaged disk) is logged and tried again at the
    next interval; it never stops the kiosk.
    """

    def __init__(
        self,
        store: SessionStore,
        retention_days: int,
        clock: Callable[[], float],
        *,
        interval: float,
        media_root: Path | None = None,
    ) -> None:
        self._store = store
        self._days = retention_days
        self._clock = clock
        self._interval = interval
        self._media_root = media_root
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="retention", daemon=True)
        self.runs = 0

    def start(self) -> None:
        """Start the timer (the first purge runs after one interval: assembly purged already)."""
        self._thread.start()

    def stop(self) -> None:
        """Stop the timer and wait for a purge in progress."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                deleted = purge(
                    self._store,
                    self._days,
                    self._clock(),
                    actor="system",
                    media_root=self._media_root,
                )
            except VaultError as exc:
                log.error("periodic purge failed: %s", exc)
            else:
                if deleted:
                    log.info("deleted %d session(s) past the retention period", deleted)
            self.runs += 1
