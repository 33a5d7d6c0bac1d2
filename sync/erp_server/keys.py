"""The server directory and its two private keys.

Layout (created by :func:`init_server_dir`, which is idempotent)::

    DIR/erp.db                  the SQLite store
    DIR/keys/org_signing.key    Ed25519 private key, raw 32 bytes, mode 0600 (signs bundles)
    DIR/keys/sealing.key        X25519 private key, raw 32 bytes, mode 0600 (opens sealed data)
    DIR/media/<uploadId>        uploaded media files

Keys are raw bytes rather than PEM because that is what the wire carries (``b64`` of the raw
public key) and it leaves nothing to parse.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from kiosk.fileio import write_private
from kiosk.vault.envelope import fingerprint, load_private_key, private_key_bytes
from sync.protocol import b64, key_id

_KEY_BYTES = 32


class ServerDirError(Exception):
    """The server directory is missing, not initialised or damaged (message is shown as is)."""


@dataclass(frozen=True, slots=True)
class ServerPaths:
    """Where a server directory keeps its parts."""

    root: Path

    @property
    def db(self) -> Path:
        return self.root / "erp.db"

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def signing_key(self) -> Path:
        return self.keys / "org_signing.key"

    @property
    def sealing_key(self) -> Path:
        return self.keys / "sealing.key"

    @property
    def media(self) -> Path:
        return self.root / "media"


@dataclass(frozen=True, slots=True)
class ServerKeys:
    """The organisation's signing key and the server's sealing key (private halves)."""

    signing: Ed25519PrivateKey
    sealing: X25519PrivateKey

    @property
    def signing_public_raw(self) -> bytes:
        return self.signing.public_key().public_bytes_raw()

    @property
    def signing_key_id(self) -> str:
        return key_id(self.signing_public_raw)

    @property
    def sealing_public_raw(self) -> bytes:
        return self.sealing.public_key().public_bytes_raw()

    @property
    def sealing_key_id(self) -> str:
        # The vault names wrapped keys by this fingerprint; the server must use the same one.
        return fingerprint(self.sealing.public_key())

    def public_fields(self) -> dict[str, str]:
        """The key fields of an enrolment answer (and of an air-gapped enrolment bundle)."""
        return {
            "organisationSigningKey": b64(self.signing_public_raw),
            "serverSealingKey": b64(self.sealing_public_raw),
            "serverSealingKeyId": self.sealing_key_id,
        }


def init_server_dir(root: Path) -> ServerKeys:
    """Create the directory, keys and media folder when missing; return the keys.

    Existing keys are never replaced: enrolled terminals trust them, so a second ``init``
    must be harmless. (The database schema is created by :class:`~sync.erp_server.store.ErpStore`.)
    """
    paths = ServerPaths(root)
    # 0700: the directory holds the private keys and everything the terminals sent.
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    paths.keys.mkdir(mode=0o700, exist_ok=True)
    paths.media.mkdir(mode=0o700, exist_ok=True)
    _create_key_file(paths.signing_key)
    _create_key_file(paths.sealing_key)
    return load_server_keys(root)


def load_server_keys(root: Path) -> ServerKeys:
    """The keys of an initialised directory (:class:`ServerDirError` otherwise)."""
    paths = ServerPaths(root)
    signing_raw = _read_key(paths.signing_key)
    sealing_raw = _read_key(paths.sealing_key)
    return ServerKeys(
        signing=Ed25519PrivateKey.from_private_bytes(signing_raw),
        sealing=load_private_key(sealing_raw),
    )


def is_initialised(root: Path) -> bool:
    """Whether ``init`` has run on ``root`` (both key files present)."""
    paths = ServerPaths(root)
    return paths.signing_key.is_file() and paths.sealing_key.is_file()


def _read_key(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ServerDirError(
            f"{path} is missing: run `erp-server init --dir {path.parent.parent}` first"
        ) from None
    if len(raw) != _KEY_BYTES:
        raise ServerDirError(f"{path} is damaged: a raw key must be {_KEY_BYTES} bytes")
    return raw


def _create_key_file(path: Path) -> None:
    if path.exists():
        return
    if path.name == "sealing.key":
        raw = private_key_bytes(X25519PrivateKey.generate())
    else:
        raw = Ed25519PrivateKey.generate().private_bytes_raw()
    # Never replaces: if a concurrent init won the race, its key stays.
    write_private(path, raw, replace=False)
