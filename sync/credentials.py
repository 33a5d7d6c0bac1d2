"""What enrolment leaves on the terminal, in ``<data_dir>/keys``:

- ``erp-device.json`` (0600): the device id, the device secret (traded for short-lived access
  tokens) and the endpoint it was issued by;
- ``org.pub``: the organisation's Ed25519 key that every pulled bundle must be signed with;
- ``server.pub``: the HR server's X25519 sealing key (:mod:`kiosk.vault.keyring` wraps each new
  session's data key to it).

Each file is written atomically, so a crash mid-enrolment leaves the old state or the new one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.errors import ErrorKind, VaultError
from kiosk.fileio import write_private

CREDENTIALS_FILE = "erp-device.json"
ORG_KEY_FILE = "org.pub"
SERVER_KEY_FILE = "server.pub"


@dataclass(frozen=True, slots=True)
class DeviceCredentials:
    """The enrolled device's identity at the ERP."""

    device_id: str
    device_secret: str
    endpoint: str

    def __repr__(self) -> str:  # the secret never reaches a log line or a traceback
        return f"DeviceCredentials(device_id={self.device_id!r}, endpoint={self.endpoint!r})"


def load_credentials(keys_dir: Path) -> DeviceCredentials | None:
    """The stored credentials, or ``None`` before enrolment."""
    path = keys_dir / CREDENTIALS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return DeviceCredentials(
            str(data["deviceId"]), str(data["deviceSecret"]), str(data.get("endpoint", ""))
        )
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        raise VaultError(
            f"{path} is damaged; enrol the terminal again", kind=ErrorKind.STORAGE_CORRUPT
        ) from None


def load_org_key(keys_dir: Path) -> Ed25519PublicKey | None:
    """The pinned organisation signing key, or ``None`` before enrolment."""
    path = keys_dir / ORG_KEY_FILE
    try:
        return Ed25519PublicKey.from_public_bytes(path.read_bytes())
    except FileNotFoundError:
        return None
    except ValueError:
        raise VaultError(f"{path} is not an Ed25519 key", kind=ErrorKind.STORAGE_CORRUPT) from None


def save_enrolment(
    keys_dir: Path,
    credentials: DeviceCredentials,
    org_key: bytes,
    server_key: bytes,
) -> None:
    """Store what enrolment issued (keys first, the credentials last: their presence means
    "enrolled", so they must not exist without the keys)."""
    if len(org_key) != 32 or len(server_key) != 32:
        raise VaultError("enrolment keys must be 32 raw bytes", kind=ErrorKind.INVALID_INPUT)
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_private(keys_dir / ORG_KEY_FILE, org_key)
    write_private(keys_dir / SERVER_KEY_FILE, server_key)
    document = {
        "deviceId": credentials.device_id,
        "deviceSecret": credentials.device_secret,
        "endpoint": credentials.endpoint,
    }
    write_private(keys_dir / CREDENTIALS_FILE, json.dumps(document, indent=2).encode())
