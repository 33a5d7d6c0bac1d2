"""The sync worker: delivers the outbox in order, exactly once, whatever the network does.

Exactly once is a split duty. The terminal delivers *at least* once: a row is marked delivered
only after the server's acknowledgement, and everything about a row survives restarts in the
store. The server makes it *at most* once: every delivery carries an ``Idempotency-Key``
derived from the record, so a repeat after a lost acknowledgement is answered from the server's
record instead of being stored twice. Order holds per session because the outbox hands out only
the oldest undelivered row of each session (:meth:`kiosk.outbox.Outbox.due`).

The worker runs on its own thread (or in its own process: ``kiosk sync now``); it never holds
the store's lock while waiting for the network, so an interview on the GUI thread is never
stalled by a slow server.
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kiosk.outbox import Outbox, OutboxItem, read_state, write_state
from kiosk.store import SessionStore
from sync import wire
from sync.client import ErpClient
from sync.connector import (
    AuthError,
    Connector,
    Delivery,
    PermanentError,
    SyncError,
    TooLarge,
    TransientError,
)
from sync.media import MediaUploader
from sync.protocol import canonical

log = logging.getLogger(__name__)

#: A result queued just before its session closed is looked at again this soon.
_NOT_READY_DELAY = 2.0
_AUDIT_CURSOR = "audit.pushed_seq"
#: Rows per batch request (the protocol allows up to MAX_BATCH_ITEMS).
_BATCH_ITEMS = 50
#: And about this many bytes of JSON per batch request (the reference server takes 8 MiB).
_BATCH_BYTES = 4 * 2**20
_KEEP_DELIVERED_DAYS = 30.0
_AUDIT_HEAD = "audit.server_head"


@dataclass
class Backoff:
    """Capped exponential backoff with full jitter (a uniformly random wait between zero and
    ``base * 2**attempts``, capped), so a fleet of terminals coming back online after an outage
    does not hammer the server in step. A server's ``Retry-After`` is honoured as given."""

    base: float = 1.0
    cap: float = 900.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempts: int, retry_after: float | None = None) -> float:
        """Seconds to wait before attempt ``attempts + 1``."""
        if retry_after is not None:
            return min(retry_after, 86_400.0)
        return self.rng.uniform(0.0, min(self.cap, self.base * 2.0 ** min(attempts, 30)))


def _chunks(ready: list[tuple[OutboxItem, Delivery]]) -> list[list[tuple[OutboxItem, Delivery]]]:
    """Batches of at most ``_BATCH_ITEMS`` rows and about ``_BATCH_BYTES`` of JSON (a result
    with its word timings and timelines is hundreds of kB; one larger than that goes alone)."""
    chunks: list[list[tuple[OutboxItem, Delivery]]] = []
    size = 0
    for pair in ready:
        weight = len(canonical(pair[1].body))
        if not chunks or len(chunks[-1]) >= _BATCH_ITEMS or size + weight > _BATCH_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append(pair)
        size += weight
    return chunks


def _round(tally: Counter[str], stopped_by: str | None = None) -> Round:
    return Round(tally["delivered"], tally["skipped"], tally["failed"], stopped_by)


@dataclass(frozen=True, slots=True)
class Round:
    """What one pass over the due rows did."""

    delivered: int = 0
    skipped: int = 0  # rows whose record was deleted meanwhile (their tombstone follows)
    failed: int = 0
    stopped_by: str | None = None  # why the pass ended early (network down, auth)


class SyncWorker:
    """Delivers the store's outbox (and audit log) through a connector."""

    def __init__(
        self,
        store: SessionStore,
        connector: Connector,
        *,
        clock: Callable[[], float] = time.time,
        backoff: Backoff | None = None,
        batch: int = 200,
        audit_batch: int = 500,
        interval: float = 15.0,
    ) -> None:
        self._store = store
        self._outbox = Outbox(store)
        self._connector = connector
        self._clock = clock
        self._backoff = backoff or Backoff()
        self._batch = batch
        self._audit_batch = audit_batch
        self._interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        #: Called from the worker's thread after each delivered row: (delivered so far, pending).
        self.on_progress: Callable[[int, int], None] | None = None
        self.extra_tasks: list[Callable[[], object]] = []  # pulls and health, run every pass
        self.media: MediaUploader | None = None  # set when recordings are uploaded

    # -- one pass ------------------------------------------------------------------------------

    def deliver_due(self) -> Round:
        """Deliver every row that is due now; stops early when the server or network is down."""
        tally: Counter[str] = Counter()
        while True:
            items = self._outbox.due(self._clock(), self._batch)
            if not items:
                return _round(tally)
            # Records go in batches when the connector takes them (one request and one commit
            # for many rows: due() gives at most one row per session, so order holds); media
            # are uploads of their own.
            batched = [i for i in items if i.kind != "media"] if self._batching else []
            stop = self._deliver_batches(batched, tally) if batched else None
            for item in items:
                if stop is not None:
                    break
                if batched and item.kind != "media":
                    continue
                outcome = self._deliver(item)
                if outcome in ("delivered", "skipped", "failed"):
                    tally[outcome] += 1
                else:  # the network or the credential is down: later rows would fail the same
                    tally["failed"] += 1
                    stop = outcome
                self._progress(tally)
            if stop is not None:
                return _round(tally, stop)

    @property
    def _needs_plaintext(self) -> bool:
        return bool(getattr(self._connector, "needs_plaintext", False))

    @property
    def _batching(self) -> bool:
        return isinstance(self._connector, ErpClient)

    def _progress(self, tally: Counter[str]) -> None:
        if self.on_progress is not None:
            self.on_progress(tally["delivered"] + tally["skipped"], 0)

    def _deliver_batches(self, items: list[OutboxItem], tally: Counter[str]) -> str | None:
        """Deliver rows through batch requests; returns why the pass must stop, if it must."""
        assert isinstance(self._connector, ErpClient)
        ready: list[tuple[OutboxItem, Delivery]] = []
        for item in items:
            built = self._build(item)
            if isinstance(built, str):
                tally[built] += 1
            else:
                ready.append((item, built))
        pending = _chunks(ready)
        while pending:
            chunk = pending.pop(0)
            try:
                outcomes = self._connector.push_batch([d for _, d in chunk])
            except TooLarge as exc:
                if len(chunk) > 1:  # halve it: the rows are fine, the request was too big
                    middle = len(chunk) // 2
                    pending[0:0] = [chunk[:middle], chunk[middle:]]
                    continue
                self._fail_all(chunk, f"refused: {exc}", self._backoff.cap)
                tally["failed"] += 1
                continue
            except TransientError as exc:
                self._fail_all(chunk, str(exc), exc.retry_after)
                tally["failed"] += len(chunk)
                return "network" if exc.retry_after is None else "server busy"
            except PermanentError as exc:
                self._fail_all(chunk, f"refused: {exc}", self._backoff.cap)
                tally["failed"] += len(chunk)
                continue
            except AuthError as exc:
                self._fail_all(chunk, str(exc), self._backoff.cap)
                tally["failed"] += len(chunk)
                return "auth"
            accepted = [
                item.seq for (item, _), o in zip(chunk, outcomes, strict=True) if o.accepted
            ]
            self._outbox.delivered(accepted, self._clock())
            tally["delivered"] += len(accepted)
            for (item, _), outcome in zip(chunk, outcomes, strict=True):
                if not outcome.accepted:
                    error = f"refused: HTTP {outcome.status} {outcome.error}".strip()
                    self._fail(item, error, self._backoff.cap)
                    tally["failed"] += 1
            if accepted:
                self.last_error = None
            self._progress(tally)
        return None

    def _fail_all(
        self, chunk: list[tuple[OutboxItem, Delivery]], error: str, retry_after: float | None
    ) -> None:
        self.last_error = error
        log.warning("%d outbox rows not delivered: %s", len(chunk), error)
        now = self._clock()
        self._outbox.failed_many(
            [(item.seq, error, now + self._backoff.delay(item.attempts, retry_after))
             for item, _ in chunk]
        )  # fmt: skip

    def _deliver(self, item: OutboxItem) -> str:
        """Deliver one row: ``delivered``, ``skipped``, ``failed``, or why the pass must stop."""
        if item.kind == "media":
            uploader = self.media
            if uploader is None:
                return self._push(item, lambda: None)  # this ERP takes no media: done here
            return self._push(item, lambda: uploader.upload(item))
        delivery = self._build(item)
        if isinstance(delivery, str):
            return delivery
        return self._push(item, lambda: self._connector.push(delivery))

    def _build(self, item: OutboxItem) -> Delivery | str:
        try:
            built = wire.build(self._store, item, plaintext=self._needs_plaintext)
        except Exception as exc:  # a record that cannot be read must not stop the queue
            log.exception("outbox row %d (%s) cannot be built", item.seq, item.kind)
            self._fail(item, f"cannot build: {type(exc).__name__}", self._backoff.cap)
            return "failed"
        if built is wire.GONE:
            self._outbox.delivered([item.seq], self._clock())
            return "skipped"
        if not isinstance(built, Delivery):  # NOT_READY
            self._outbox.failed(item.seq, "waiting for the session to close",
                                self._clock() + _NOT_READY_DELAY)  # fmt: skip
            return "failed"
        return built

    def _push(self, item: OutboxItem, send: Callable[[], str | None]) -> str:
        try:
            receipt = send()
        except TransientError as exc:
            delay = self._backoff.delay(item.attempts, exc.retry_after)
            self._fail(item, str(exc), delay)
            return "network" if exc.retry_after is None else "server busy"
        except PermanentError as exc:
            # Kept, not dropped: the same bytes will be refused again, so wait long and let a
            # person read the error in `kiosk sync status`.
            self._fail(item, f"refused: {exc}", self._backoff.cap)
            return "failed"
        except AuthError as exc:
            self._fail(item, str(exc), self._backoff.cap)
            return "auth"
        self._outbox.delivered([item.seq], self._clock())
        self.last_error = None
        if item.kind == "result" and item.session_id and self._needs_plaintext:
            # Kept only until now (keyring.retain_device_copy): the result is where it belongs.
            self._store.drop_device_copy(item.session_id)
        if receipt is None:
            log.info("outbox row %d (%s): no place for it at this ERP", item.seq, item.kind)
        return "delivered"

    def _fail(self, item: OutboxItem, error: str, delay: float) -> None:
        self.last_error = error
        log.warning("outbox row %d (%s) not delivered: %s", item.seq, item.kind, error)
        self._outbox.failed(item.seq, error, self._clock() + delay)

    # -- the audit log -------------------------------------------------------------------------

    def push_audit(self) -> int:
        """Send audit entries after the last acknowledged one; returns how many went."""
        if not isinstance(self._connector, ErpClient):
            return 0  # a vendor API has no audit endpoint; the log stays verifiable here
        sent = 0
        while True:
            cursor = int(self._state(_AUDIT_CURSOR) or 0)
            rows = self._store.query(
                "SELECT seq, at, actor, action, target, detail, prev_hash, hash FROM audit_log "
                "WHERE seq > ? ORDER BY seq LIMIT ?",
                [cursor, self._audit_batch],
            )
            if not rows:
                return sent
            entries = [_audit_entry(row) for row in rows]
            key = hashlib.sha256(
                f"ik-audit-1\x1f{rows[0][0]}\x1f{rows[-1][0]}\x1f{rows[-1][7]}".encode()
            ).hexdigest()
            seq, digest = self._connector.push_audit(entries, key)
            self._set_state({_AUDIT_CURSOR: str(rows[-1][0]), _AUDIT_HEAD: f"{seq}:{digest}"})
            sent += len(rows)

    def _state(self, name: str) -> str | None:
        return read_state(self._store, name)

    def _set_state(self, values: dict[str, str]) -> None:
        write_state(self._store, values)

    # -- the background thread -----------------------------------------------------------------

    def run_pass(self) -> Round:
        """One full pass: outbox, audit log, then the extra tasks (pulls, health)."""
        result = self.deliver_due()
        if result.stopped_by is None:
            for task in (self.push_audit, *self.extra_tasks):
                try:
                    task()
                except SyncError as exc:
                    self.last_error = str(exc)
                    name = getattr(task, "__name__", type(task).__name__)
                    log.warning("sync task %s failed: %s", name, exc)
            # Delivered rows are kept a while for `kiosk sync status`, then forgotten, so the
            # table does not grow for the life of the terminal.
            self._outbox.prune(_KEEP_DELIVERED_DAYS, self._clock())
        return result

    def start(self) -> None:
        """Run passes on a daemon thread every ``interval`` (sooner after :meth:`wake`)."""
        self._thread = threading.Thread(target=self._run, name="sync", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Start a pass now (a result was just stored)."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the delivery in flight (its row stays queued if it was not acknowledged)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_pass()
                wait = self._next_wait()
            except Exception:  # the worker must outlive any one bad pass; the error is logged
                log.exception("sync pass failed")
                wait = self._interval  # and does not retry it in a tight loop
            self._wake.wait(wait)
            self._wake.clear()

    def _next_wait(self) -> float:
        rows = self._store.query(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE delivered_at IS NULL"
        )
        soonest = rows[0][0] if rows else None
        if soonest is None:
            return self._interval
        return max(0.05, min(self._interval, float(soonest) - self._clock()))


def _audit_entry(row: Any) -> dict[str, Any]:
    seq, at, actor, action, target, detail, prev_hash, digest = row
    return {
        "seq": seq,
        "at": at,
        "actor": actor,
        "action": action,
        "target": target,
        "detail": detail,
        "prevHash": prev_hash,
        "hash": digest,
    }
