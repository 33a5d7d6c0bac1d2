"""Builds the sync parts named by the config and the enrolment (the composition root of sync)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from kiosk.config import KioskConfig
from kiosk.errors import ErrorKind, VaultError
from kiosk.store import SessionStore
from sync.bundles import BundlePuller
from sync.client import ErpClient
from sync.credentials import load_credentials, load_org_key
from sync.health import HealthReporter
from sync.media import MediaUploader
from sync.transport import TlsSettings
from sync.worker import Backoff, SyncWorker


def tls_settings(config: KioskConfig) -> TlsSettings:
    """The TLS settings of ``[erp]``."""
    erp = config.erp
    return TlsSettings(
        ca_bundle=erp.ca_bundle,
        pinned_key=erp.pinned_key,
        client_cert=erp.client_cert,
        client_key=erp.client_key,
    )


def keys_dir(config: KioskConfig) -> Path:
    """The terminal's keys folder (shared with the vault)."""
    return config.data_dir / "keys"


@dataclass(frozen=True, slots=True)
class SyncSetup:
    """The connected parts: close the client when done."""

    client: ErpClient
    worker: SyncWorker
    puller: BundlePuller


def build_sync(
    config: KioskConfig, store: SessionStore, *, backoff: Backoff | None = None
) -> SyncSetup:
    """The client, worker and puller for an enrolled terminal; VaultError (``LOCKED``) if not."""
    keys = keys_dir(config)
    credentials = load_credentials(keys)
    org_key = load_org_key(keys)
    if credentials is None or org_key is None:
        raise VaultError(
            "this terminal is not enrolled with an HR ERP; run `kiosk provision` first",
            kind=ErrorKind.LOCKED,
        )
    if config.erp.endpoint:  # IT may move the ERP; the credential stays the device's
        credentials = type(credentials)(
            credentials.device_id, credentials.device_secret, config.erp.endpoint
        )
    if not credentials.endpoint:
        raise VaultError(
            "enrolled offline: set erp.endpoint in the config to sync", kind=ErrorKind.LOCKED
        )
    client = ErpClient(credentials, tls_settings(config), timeout=config.erp.timeout_seconds)
    worker = SyncWorker(
        store,
        client,
        backoff=backoff or Backoff(cap=config.erp.max_backoff_seconds),
        interval=config.erp.push_interval_seconds,
    )
    worker.extra_tasks.append(
        HealthReporter(
            client,
            store,
            config.data_dir,
            lambda: worker.last_error,
            interval=config.erp.pull_interval_minutes * 60.0,
        )
    )
    if config.erp.upload_media:
        worker.media = MediaUploader(client, config.media_dir)
    puller = BundlePuller(
        store, client, org_key, config.data_dir, clock=time.time, media_root=config.media_dir
    )
    return SyncSetup(client, worker, puller)
