"""Sealing of personal data before it reaches disk.

:class:`LocalSealer` is the local-only mode: AES-256-GCM under a random device key kept in
``<data_dir>/keys/device.key`` (mode 0600). It keeps names and profiles out of the database in
plaintext, but a thief who takes the whole disk takes the key too. The vault's envelope encryption
(per-session data keys wrapped to the HR server's public key) replaces it once a terminal is
enrolled; code depends only on the :class:`Sealer` protocol so that swap touches no caller.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.errors import ErrorKind, VaultError
from kiosk.fileio import write_private

_NONCE_BYTES = 12
_KEY_BYTES = 32
_FORMAT = b"KS1"  # a version prefix, so sealed blobs can be migrated


class Sealer(Protocol):
    """Authenticated encryption bound to a context (session id, record kind)."""

    def seal(self, plaintext: bytes, context: str) -> bytes:
        """Encrypt ``plaintext``; ``context`` must be given again to open it."""
        ...

    def open(self, sealed: bytes, context: str) -> bytes:
        """Decrypt, or raise :class:`VaultError` if the blob or its context is wrong."""
        ...


def load_device_key(path: Path) -> bytes:
    """The terminal's 32-byte device key, created (mode 0600, written atomically) on first use."""
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        key = _create_key_file(path)
    if len(key) != _KEY_BYTES:
        raise VaultError(f"device key {path} must be 32 bytes", kind=ErrorKind.STORAGE_CORRUPT)
    return key


def _create_key_file(path: Path) -> bytes:
    # Another process may win the race to create it: then its key is the one used.
    write_private(path, secrets.token_bytes(_KEY_BYTES), replace=False)
    return path.read_bytes()


class LocalSealer:
    """AES-256-GCM under a device key file; see the module docstring for what it protects."""

    def __init__(self, key: bytes) -> None:
        if len(key) != _KEY_BYTES:
            raise VaultError("device key must be 32 bytes", kind=ErrorKind.STORAGE_CORRUPT)
        self._aead = AESGCM(key)

    @classmethod
    def from_key_file(cls, path: Path) -> LocalSealer:
        """Load the device key, creating it (mode 0600, written atomically) on first use."""
        return cls(load_device_key(path))

    def seal(self, plaintext: bytes, context: str) -> bytes:
        """Encrypt with a fresh nonce; the context is authenticated, not stored."""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        return _FORMAT + nonce + self._aead.encrypt(nonce, plaintext, context.encode())

    def open(self, sealed: bytes, context: str) -> bytes:
        """Decrypt a blob sealed for ``context``."""
        if not sealed.startswith(_FORMAT) or len(sealed) < len(_FORMAT) + _NONCE_BYTES + 16:
            raise VaultError("sealed record has an unknown format", kind=ErrorKind.STORAGE_CORRUPT)
        body = sealed[len(_FORMAT) :]
        try:
            return self._aead.decrypt(body[:_NONCE_BYTES], body[_NONCE_BYTES:], context.encode())
        except InvalidTag:
            raise VaultError(
                "sealed record failed authentication (corrupt, or not for this context)",
                kind=ErrorKind.STORAGE_CORRUPT,
            ) from None
