"""Device health reports: what IT sees of a terminal at the ERP without walking to it.

Versions, free disk, queue length and the last sync error — operational facts only, never
anything about a candidate (the last error is the worker's, whose messages name kinds, statuses
and ids).
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk import __version__
from kiosk.outbox import Outbox
from kiosk.store import SessionStore
from sync.client import ErpClient
from sync.protocol import BUNDLE_KINDS


def health_body(
    store: SessionStore, data_dir: Path, last_error: str | None, now: float
) -> dict[str, Any]:
    """This terminal's health as the contract's body."""
    state = dict(store.query("SELECT name, value FROM sync_state"))
    try:
        free = shutil.disk_usage(data_dir).free
    except OSError:
        free = 0  # unknown: the contract has no "unknown", and 0 asks IT to look
    return {
        "software": __version__,
        "freeDiskBytes": free,
        "queueLength": Outbox(store).status(now).pending,
        "lastError": last_error,
        "at": now,
        "bundles": {
            kind: int(state[f"bundle.{kind}.version"])
            for kind in BUNDLE_KINDS
            if state.get(f"bundle.{kind}.version")
        },
    }


class HealthReporter:
    """Sends a health report at most every ``interval`` seconds (a worker task)."""

    def __init__(
        self,
        client: ErpClient,
        store: SessionStore,
        data_dir: Path,
        last_error: Callable[[], str | None],
        *,
        interval: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._store = store
        self._data_dir = data_dir
        self._last_error = last_error
        self._interval = interval
        self._clock = clock
        self._sent_at: float | None = None

    def __call__(self) -> bool:
        """Report if it is time; whether a report was sent."""
        now = self._clock()
        if self._sent_at is not None and now - self._sent_at < self._interval:
            return False
        body = health_body(self._store, self._data_dir, self._last_error(), now)
        key = hashlib.sha256(f"ik-health-1\x1f{self._client.device_id}\x1f{now!r}".encode())
        self._client.health(body, key.hexdigest())
        self._sent_at = now
        return True
