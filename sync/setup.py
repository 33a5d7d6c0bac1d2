"""Builds the sync parts named by the config and the enrolment (the composition root of sync)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from kiosk.config import KioskConfig
from kiosk.errors import ErrorKind, VaultError
from kiosk.store import SessionStore
from sync.adapters.feishu import FeishuHireConnector
from sync.bundles import BundlePuller
from sync.client import ErpClient
from sync.connector import Delivery
from sync.credentials import load_credentials, load_org_key
from sync.health import HealthReporter
from sync.media import MediaUploader
from sync.transport import TlsSettings, new_session
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


#: Feishu app credentials, written by IT (mode 0600): {"appId": …, "appSecret": …}.
FEISHU_FILE = "feishu.json"


def keys_dir(config: KioskConfig) -> Path:
    """The terminal's keys folder (shared with the vault)."""
    return config.data_dir / "keys"


@dataclass(frozen=True, slots=True)
class SyncSetup:
    """The connected parts: :meth:`close` when done."""

    worker: SyncWorker
    client: ErpClient | None = None  # our contract; None with a vendor connector
    puller: BundlePuller | None = None  # bundles exist only in our contract

    def close(self) -> None:
        """Close the HTTP connections."""
        if self.client is not None:
            self.client.close()


def build_sync(
    config: KioskConfig, store: SessionStore, *, backoff: Backoff | None = None
) -> SyncSetup:
    """The sync parts the config names; VaultError (``LOCKED``) if they cannot be built yet."""
    backoff = backoff or Backoff(cap=config.erp.max_backoff_seconds)
    if config.erp.connector == "feishu":
        return _feishu(config, store, backoff)
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
    worker = SyncWorker(store, client, backoff=backoff, interval=config.erp.push_interval_seconds)
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
    return SyncSetup(worker, client, puller)


def _feishu(config: KioskConfig, store: SessionStore, backoff: Backoff) -> SyncSetup:
    """Results to Feishu Hire (docs/sync-vendor.md): no enrolment, bundles or media there."""
    path = keys_dir(config) / FEISHU_FILE
    try:
        app = json.loads(path.read_text(encoding="utf-8"))
        app_id, app_secret = str(app["appId"]), str(app["appSecret"])
    except FileNotFoundError:
        raise VaultError(
            f"connector feishu needs the app credentials in {path}", kind=ErrorKind.LOCKED
        ) from None
    except (ValueError, KeyError, TypeError):
        raise VaultError(f'{path}: expected {{"appId": …, "appSecret": …}}') from None
    connector = FeishuHireConnector(
        config.erp.feishu_base_url,
        app_id,
        app_secret,
        new_session(tls_settings(config)),
        interview_for=feishu_interview,
        timeout=config.erp.timeout_seconds,
    )
    worker = SyncWorker(
        store, connector, backoff=backoff, interval=config.erp.push_interval_seconds
    )
    return SyncSetup(worker)


def feishu_interview(delivery: Delivery) -> str | None:
    """The Feishu external interview of a result: from the invitation, via the sealed report
    (``candidate.external.feishuInterviewId``)."""
    report = delivery.plaintext or {}
    external = (report.get("candidate") or {}).get("external") or {}
    value = external.get("feishuInterviewId")
    return str(value) if value else None
