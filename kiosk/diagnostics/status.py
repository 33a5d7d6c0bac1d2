"""The terminal's state for IT: disk space, sync, enrolment and the effective config."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any

from kiosk.config import KioskConfig, config_digests
from kiosk.errors import ErrorKind, VaultError
from kiosk.outbox import Outbox, OutboxStatus
from kiosk.pulled import KINDS as BUNDLE_KINDS
from kiosk.staff import StaffServices
from kiosk.vault.envelope import fingerprint
from kiosk.vault.roles import Permission

#: What enrolment leaves in ``<data_dir>/keys`` (written by sync.credentials; read here for
#: the device id and endpoint only, never the secret).
ERP_CREDENTIALS_FILE = "erp-device.json"
#: Settings whose values a screen does not show: paths to private keys and anything secret.
#: Their digests are still shown, so two terminals can be compared without revealing them.
_SECRET_WORDS = ("secret", "token", "password", "passphrase", "private")


@dataclass(frozen=True, slots=True)
class DiskReport:
    """Space on the data directory's file system, and what the kiosk's data takes of it."""

    free_bytes: int
    total_bytes: int
    database_bytes: int
    media_bytes: int
    scratch_bytes: int
    min_free_bytes: int  # below this no new interview starts (recording.min_free_mb)

    @property
    def low(self) -> bool:
        """Too little space for a new interview."""
        return self.free_bytes < self.min_free_bytes


def disk_report(services: StaffServices) -> DiskReport:
    """Free space and the sizes of the database, the upload media and the scratch space."""
    services.require(Permission.DEVICE_DIAGNOSTICS)
    return _disk(services.kiosk.config)


def _disk(config: KioskConfig) -> DiskReport:
    usage = shutil.disk_usage(config.data_dir)
    database = sum(
        _size(config.database_path.with_name(config.database_path.name + suffix))
        for suffix in ("", "-wal", "-shm")
    )
    return DiskReport(
        usage.free,
        usage.total,
        database,
        _size(config.media_dir),
        _size(config.scratch_dir),
        config.recording.min_free_mb * 2**20,
    )


def _size(path: Path) -> int:
    """Bytes in a file, or in every file under a folder (0 if it does not exist)."""
    try:
        if path.is_file():
            return path.stat().st_size
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    except OSError:
        return 0


@dataclass(frozen=True, slots=True)
class SyncReport:
    """The outbox and the bundles pulled, as ``kiosk sync status`` shows them."""

    outbox: OutboxStatus
    audit_pushed_seq: int
    #: Per bundle kind: the applied version (None: never pulled) and the last refusal.
    bundles: Mapping[str, tuple[int | None, str | None]]
    connector: str


def sync_report(services: StaffServices) -> SyncReport:
    """What sync still owes the HR system and what it last pulled."""
    services.require(Permission.VIEW_SYNC)
    return _sync(services)


def _sync(services: StaffServices) -> SyncReport:
    store = services.kiosk.store
    state = {str(k): str(v) for k, v in store.query("SELECT name, value FROM sync_state")}
    bundles = {
        kind: (
            int(state[f"bundle.{kind}.version"]) if state.get(f"bundle.{kind}.version") else None,
            state.get(f"bundle.{kind}.error") or None,
        )
        for kind in BUNDLE_KINDS
    }
    return SyncReport(
        Outbox(store).status(services.now()),
        int(state.get("audit.pushed_seq") or 0),
        bundles,
        services.kiosk.config.erp.connector,
    )


@dataclass(frozen=True, slots=True)
class EnrolmentReport:
    """Whether and how this terminal is enrolled with the HR ERP (no secrets)."""

    device_label: str  # what the config calls this terminal (device_id)
    enrolled: bool
    erp_device_id: str | None
    endpoint: str | None
    server_key: str | None  # fingerprints of the public keys in <data_dir>/keys
    organisation_key: str | None
    review_key: str | None
    local_only: bool  # no server and no review key: finished sessions keep their device copy


def enrolment_report(services: StaffServices) -> EnrolmentReport:
    """Enrolment state: ERP device id and endpoint, and the fingerprints of the keys."""
    services.require(Permission.VIEW_CONFIG)
    return _enrolment(services)


def _enrolment(services: StaffServices) -> EnrolmentReport:
    config = services.kiosk.config
    keyring = services.kiosk.store.keyring
    keyring.refresh()
    keys = config.data_dir / "keys"
    erp_id, endpoint = erp_identity(keys)
    org = keys / "org.pub"
    org_id = None
    if org.exists():
        org_id = hashlib.sha256(org.read_bytes()).hexdigest()[:16]  # as sync.protocol.key_id
    return EnrolmentReport(
        config.device_id,
        erp_id is not None,
        erp_id,
        config.erp.endpoint or endpoint,
        None if keyring.server_key is None else fingerprint(keyring.server_key),
        org_id,
        None if keyring.review_key is None else fingerprint(keyring.review_key),
        keyring.local_only,
    )


def erp_identity(keys_dir: Path) -> tuple[str | None, str | None]:
    """(ERP device id, endpoint) from the enrolment file, or (None, None) if not enrolled."""
    try:
        document = json.loads((keys_dir / ERP_CREDENTIALS_FILE).read_text(encoding="utf-8"))
        return str(document["deviceId"]), str(document.get("endpoint") or "") or None
    except FileNotFoundError:
        return None, None
    except (OSError, ValueError, KeyError, TypeError):
        raise VaultError(
            f"{keys_dir / ERP_CREDENTIALS_FILE} is damaged; enrol the terminal again",
            kind=ErrorKind.STORAGE_CORRUPT,
        ) from None


def device_label(config: KioskConfig) -> str:
    """The name staff know this terminal by: its ERP device id once enrolled, else the
    config's ``device_id``. (The secure wipe asks for it to be typed.)"""
    erp_id, _ = erp_identity(config.data_dir / "keys")
    return erp_id or config.device_id


# -- config ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConfigRow:
    """One setting of the effective config. ``value`` is None when it is masked."""

    key: str
    value: str | None
    is_set: bool
    masked: bool
    digest: str


def config_rows(services: StaffServices) -> list[ConfigRow]:
    """Every setting of the running config, secrets and key paths masked, with its digest
    (what the audit log's ``config_changed`` entries compare)."""
    services.require(Permission.VIEW_CONFIG)
    config = services.kiosk.config
    digests = config_digests(config)
    rows = []
    for key, value in _settings(config):
        masked = is_secret_setting(key)
        shown = None if masked else _text(value)
        rows.append(ConfigRow(key, shown, value is not None and value != "", masked, digests[key]))
    return rows


def is_secret_setting(key: str) -> bool:
    """Whether a setting's value is hidden on screen and in exports."""
    name = key.rsplit(".", 1)[-1]
    return name.endswith("_key") or any(word in name for word in _SECRET_WORDS)


def _settings(config: Any, prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for f in fields(config):
        value = getattr(config, f.name)
        if is_dataclass(value):
            out += _settings(value, f"{prefix}{f.name}.")
        else:
            out.append((f"{prefix}{f.name}", value))
    return out


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return str(value)
