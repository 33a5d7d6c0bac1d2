"""Bundles pulled from the HR ERP, as applied on this terminal (``<data_dir>/bundles``).

Sync (:mod:`sync.bundles`) verifies a bundle's signature, expiry and version, checks its content,
and only then calls :func:`store_bundle`; the core reads the applied ones from here (the bank at
start-up, invitations at check-in), so it never needs to know about HTTP or signatures.

Invitations and accounts name people, so every bundle is sealed under the device key before it
touches the disk, and replaced atomically: a crash leaves the previous good bundle in place.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kiosk.errors import ErrorKind, VaultError
from kiosk.fileio import write_private
from kiosk.sealing import LocalSealer

KINDS = ("config", "bank", "invitations", "accounts", "tombstones")


def bundles_dir(data_dir: Path) -> Path:
    """Where applied bundles live."""
    return data_dir / "bundles"


def store_bundle(
    data_dir: Path, device_key: bytes, kind: str, *, version: int, data: Any, signed: bytes
) -> None:
    """Replace the applied ``kind`` bundle (atomically; sealed under the device key).

    ``signed`` is the payload exactly as it was signed, kept so the bundle can be re-verified.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown bundle kind {kind!r}")
    folder = bundles_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    document = {"kind": kind, "version": version, "data": data, "signed": signed.hex()}
    plaintext = json.dumps(document, ensure_ascii=False, sort_keys=True).encode()
    sealed = LocalSealer(device_key).seal(plaintext, f"bundle:{kind}")
    write_private(folder / f"{kind}.sealed", sealed)


def applied_bundle(data_dir: Path, device_key: bytes, kind: str) -> tuple[int, Any] | None:
    """(version, data) of the applied ``kind`` bundle, or ``None`` if none was pulled."""
    path = bundles_dir(data_dir) / f"{kind}.sealed"
    try:
        sealed = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        document = json.loads(LocalSealer(device_key).open(sealed, f"bundle:{kind}"))
        return int(document["version"]), document["data"]
    except (ValueError, KeyError, TypeError):
        raise VaultError(f"{path} is damaged", kind=ErrorKind.STORAGE_CORRUPT) from None


def find_invitation(data_dir: Path, device_key: bytes, code: str) -> dict[str, Any] | None:
    """The invitation with this code (as typed or scanned), if the applied bundle has it."""
    applied = applied_bundle(data_dir, device_key, "invitations")
    if applied is None:
        return None
    wanted = code.strip().upper()
    for invitation in applied[1]:
        if str(invitation.get("code", "")).upper() == wanted:
            return dict(invitation)
    return None
