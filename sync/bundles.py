"""Pulling bundles: incremental (ETag), verified (Ed25519, expiry, no rollback), atomic.

A bundle is applied only after every check has passed — signature by the organisation key
pinned at enrolment, addressed to this terminal, not expired, newer than the applied one, and a
content check of its own kind (a bank must load as a bank) — and then replaces the applied one
in a single rename (:func:`kiosk.pulled.store_bundle`). A refused bundle changes nothing; the
refusal is logged, shown by ``kiosk sync status`` and audited.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk import pulled, retention
from kiosk.bank import parse_bank
from kiosk.config import load_config
from kiosk.errors import BankError, ConfigError, VaultError
from kiosk.outbox import read_state, write_state
from kiosk.store import SessionStore
from kiosk.vault.erp_accounts import apply_accounts, parse_accounts
from sync.client import ErpClient
from sync.protocol import BUNDLE_KINDS, Bundle, BundleError, NotNewer, verify_bundle

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PullOutcome:
    """What happened to one kind in a pull."""

    kind: str
    status: str  # "applied", "unchanged", "none", "refused"
    version: int | None = None
    detail: str = ""


class BundlePuller:
    """Pulls every bundle kind and applies the ones that pass."""

    def __init__(
        self,
        store: SessionStore,
        client: ErpClient,
        org_key: Ed25519PublicKey,
        data_dir: Path,
        *,
        clock: Callable[[], float],
        media_root: Path | None = None,
    ) -> None:
        self._store = store
        self._client = client
        self._org_key = org_key
        self._data_dir = data_dir
        self._clock = clock
        self._media_root = media_root

    def pull_all(self) -> list[PullOutcome]:
        """Pull each kind once; a refusal of one kind does not stop the others."""
        return [self.pull(kind) for kind in BUNDLE_KINDS]

    __call__ = pull_all  # a worker task

    def pull(self, kind: str) -> PullOutcome:
        """Pull and, if it passes, apply one kind of bundle."""
        current = self._version(kind)
        etag = self._state(f"bundle.{kind}.etag")
        reply = self._client.bundle(kind, etag or None)
        if reply.document is None:
            return PullOutcome(kind, "unchanged" if reply.etag else "none", current)
        try:
            bundle = verify_bundle(
                reply.document,
                self._org_key,
                kind=kind,
                device_id=self._client.device_id,
                now=self._clock(),
                current_version=current,
            )
            _check_content(bundle)
        except NotNewer:
            self._set_state({f"bundle.{kind}.etag": reply.etag or ""})
            return PullOutcome(kind, "unchanged", current)
        except BundleError as exc:
            return self._refuse(kind, current, str(exc), reply.etag)
        if kind == "tombstones":
            try:
                deferred = self._apply_tombstones(bundle.data)
            except VaultError as exc:  # the disk, not the bundle: try the same bundle again
                return PullOutcome(kind, "deferred", current, f"not applied: {exc.kind.value}")
            if deferred:
                # Not recorded as applied, so the next pull fetches and applies it again.
                return PullOutcome(kind, "deferred", current, f"{deferred} session(s) in use")
        elif kind == "accounts":
            applied = apply_accounts(self._store, parse_accounts(bundle.data), self._clock())
            log.info("accounts from the ERP: %s", applied)
        pulled.store_bundle(
            self._data_dir,
            self._store.keyring.device_key,
            kind,
            version=bundle.version,
            data=bundle.data,
            signed=bundle.raw,
        )
        self._set_state(
            {
                f"bundle.{kind}.version": str(bundle.version),
                f"bundle.{kind}.etag": reply.etag or "",
                f"bundle.{kind}.error": "",
            }
        )
        log.info("applied %s bundle version %d", kind, bundle.version)
        return PullOutcome(kind, "applied", bundle.version)

    def _refuse(self, kind: str, current: int | None, reason: str, etag: str | None) -> PullOutcome:
        log.warning("refused a %s bundle: %s", kind, reason)
        # Its ETag is remembered, so the same refused bundle is not fetched (and audited) again;
        # the ERP publishing a new version changes the ETag.
        self._set_state({f"bundle.{kind}.error": reason, f"bundle.{kind}.etag": etag or ""})
        self._store.audit(
            "system", "config_changed", f"bundle:{kind}", {"refused": reason[:120]}, self._clock()
        )
        return PullOutcome(kind, "refused", current, reason)

    def _apply_tombstones(self, data: list[dict[str, Any]]) -> int:
        """Deletions requested centrally: each session or candidate named, if still here;
        returns how many had to wait (an interview in progress)."""
        now = self._clock()
        deferred = 0
        for entry in data:
            # The ERP's own wording stays there: the tombstone keeps a fixed reason.
            reason = str(entry.get("reason") or "erp request")
            reason = reason if reason in retention.REASONS else "erp request"
            if "sessionId" in entry:
                sessions = [str(entry["sessionId"])]
            else:
                sessions = self._store.sessions_of_candidate(str(entry["candidateRef"]))
            for session_id in sessions:
                if not self._store.query("SELECT 1 FROM sessions WHERE id = ?", [session_id]):
                    continue  # not held here, or already deleted
                if session_id in self._store.open_session_ids():
                    deferred += 1  # never pull a session from under a candidate
                    continue
                retention.delete_session(
                    self._store, session_id, actor="erp", reason=reason, now=now,
                    media_root=self._media_root,
                )  # fmt: skip
        return deferred

    def _version(self, kind: str) -> int | None:
        value = self._state(f"bundle.{kind}.version")
        return int(value) if value else None

    def _state(self, name: str) -> str | None:
        return read_state(self._store, name)

    def _set_state(self, values: dict[str, str]) -> None:
        write_state(self._store, values)


def _check_content(bundle: Bundle) -> None:
    """The kind-specific check that runs before anything is replaced."""
    data = bundle.data
    if bundle.kind == "bank":
        if not isinstance(data, dict):
            raise BundleError("a bank bundle must hold a question bank object")
        try:
            parse_bank(data, source=f"bank bundle version {bundle.version}")
        except BankError as exc:
            raise BundleError(f"the bank in version {bundle.version} is invalid: {exc}") from None
    elif bundle.kind == "config":
        if not isinstance(data, dict):
            raise BundleError("a config bundle must hold an object of settings")
        try:
            load_config(None, environ={}, central=data)
        except ConfigError as exc:
            raise BundleError(f"config version {bundle.version} is invalid: {exc}") from None
    elif not isinstance(data, list) or not all(isinstance(e, dict) for e in data):
        raise BundleError(f"a {bundle.kind} bundle must hold a list of objects")
    elif bundle.kind == "tombstones" and not all(
        ("sessionId" in e) != ("candidateRef" in e) for e in data
    ):
        raise BundleError("each tombstone names either a sessionId or a candidateRef")
    elif bundle.kind == "invitations" and not all({"code", "positionId"} <= e.keys() for e in data):
        raise BundleError("each invitation needs a code and a positionId")
    elif bundle.kind == "accounts":
        try:
            parse_accounts(data)
        except VaultError as exc:
            raise BundleError(f"accounts version {bundle.version}: {exc}") from None
