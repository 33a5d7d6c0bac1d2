"""Envelope encryption: one random data key per session, stored only wrapped.

Every personal record of a session (the candidate's name and profile, answers, transcripts,
analyses, scores) is sealed with AES-256-GCM under that session's **data key**. The associated
data binds each ciphertext to its session, record kind and record id, so a ciphertext copied to
another session or another record does not open. The data key itself never reaches disk in the
clear; it is stored *wrapped* (encrypted) for each party that may read the session:

* ``server`` — with HPKE (RFC 9180: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM) to the
  HR server's public sealing key received at enrolment, so results sync and are read centrally;
  the terminal cannot unwrap this copy.
* ``review`` — with HPKE to the terminal's **review key**, whose private half is itself
  encrypted under a key derived with argon2id from a recruiter's PIN (one copy per recruiter),
  so recruiters can review on the terminal after logging in. A thief with the disk can still
  try every PIN offline against a copy (argon2id makes each guess cost ~80 ms, so a 6-digit PIN
  holds for about a core-day): the known limit documented in docs/vault.md.
* ``device`` — with AES-256-GCM under the local device key, *only while the session is open*:
  the kiosk must reopen its own in-progress session after a crash (to resume and to score). The
  copy is deleted when the session closes, so a stolen terminal gives away at most the session
  that was running, never the finished ones.

Before enrolment there is no server key (local-only mode, see docs/vault.md): closed sessions
are then readable on the terminal through the review key only.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from kiosk.errors import ErrorKind, VaultError

KEY_BYTES = 32
NONCE_BYTES = 12
_RECORD_FORMAT = b"IK2"  # sealed records; LocalSealer's were "KS1"
_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_WRAP_INFO = b"interview-kiosk/session-data-key/v1"


def _corrupt(message: str) -> VaultError:
    return VaultError(message, kind=ErrorKind.STORAGE_CORRUPT)


def _aad(session_id: str, kind: str, record_id: str) -> bytes:
    # Length-prefixed, so ("a|b", "c") and ("a", "b|c") can never produce the same bytes.
    parts = (b"ik-record-v1", session_id.encode(), kind.encode(), record_id.encode())
    return b"".join(len(p).to_bytes(2, "big") + p for p in parts)


def _wrap_info(session_id: str, recipient: str) -> bytes:
    return _WRAP_INFO + b"|" + session_id.encode() + b"|" + recipient.encode()


def fingerprint(public_key: X25519PublicKey) -> str:
    """A short, stable name for a public key (first 16 hex digits of its SHA-256)."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_public_key(raw: bytes) -> X25519PublicKey:
    """An X25519 public key from its 32 raw bytes (VaultError if malformed)."""
    try:
        return X25519PublicKey.from_public_bytes(raw)
    except ValueError as error:
        raise _corrupt(f"not an X25519 public key: {error}") from None


@dataclass(frozen=True, slots=True)
class SessionKey:
    """A session's data key, in memory only. ``repr`` never shows the key."""

    session_id: str
    key: bytes

    def __post_init__(self) -> None:
        if len(self.key) != KEY_BYTES:
            raise _corrupt("a session data key must be 32 bytes")

    def __repr__(self) -> str:
        return f"SessionKey(session_id={self.session_id!r}, key=<hidden>)"

    @classmethod
    def generate(cls, session_id: str) -> SessionKey:
        """A fresh random data key for ``session_id``."""
        return cls(session_id, secrets.token_bytes(KEY_BYTES))

    def seal(self, kind: str, record_id: str, plaintext: bytes) -> bytes:
        """Encrypt one record; ``kind`` and ``record_id`` must be given again to open it."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        aad = _aad(self.session_id, kind, record_id)
        return _RECORD_FORMAT + nonce + AESGCM(self.key).encrypt(nonce, plaintext, aad)

    def open(self, kind: str, record_id: str, sealed: bytes) -> bytes:
        """Decrypt one record, or raise VaultError (corrupt, wrong key, moved elsewhere)."""
        head = len(_RECORD_FORMAT)
        if not sealed.startswith(_RECORD_FORMAT) or len(sealed) < head + NONCE_BYTES + 16:
            raise _corrupt(f"sealed {kind} record has an unknown format")
        nonce, body = sealed[head : head + NONCE_BYTES], sealed[head + NONCE_BYTES :]
        try:
            return AESGCM(self.key).decrypt(nonce, body, _aad(self.session_id, kind, record_id))
        except InvalidTag:
            raise _corrupt(
                f"sealed {kind} record {record_id} of session {self.session_id} failed "
                "authentication (corrupt, another key, or moved from another record)"
            ) from None

    # -- wrapping -------------------------------------------------------------------------

    def wrap_to(self, public_key: X25519PublicKey, recipient: str) -> bytes:
        """The data key encrypted with HPKE to ``public_key``, bound to the session and to
        ``recipient`` (``"server"``, ``"review"``)."""
        return _SUITE.encrypt(self.key, public_key, info=_wrap_info(self.session_id, recipient))

    @classmethod
    def unwrap(
        cls, session_id: str, wrapped: bytes, private_key: X25519PrivateKey, recipient: str
    ) -> SessionKey:
        """Recover a data key wrapped with :meth:`wrap_to` (VaultError if it does not open)."""
        try:
            key = _SUITE.decrypt(wrapped, private_key, info=_wrap_info(session_id, recipient))
        except (InvalidTag, ValueError):
            raise _corrupt(
                f"the {recipient} copy of session {session_id}'s data key does not open with "
                "this private key"
            ) from None
        return cls(session_id, key)

    def wrap_locally(self, device_key: bytes) -> bytes:
        """The data key under the local device key (AES-256-GCM; open sessions only)."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        info = _wrap_info(self.session_id, "device")
        return nonce + AESGCM(device_key).encrypt(nonce, self.key, info)

    @classmethod
    def unwrap_locally(cls, session_id: str, wrapped: bytes, device_key: bytes) -> SessionKey:
        """Recover a data key wrapped with :meth:`wrap_locally`."""
        try:
            key = AESGCM(device_key).decrypt(
                wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _wrap_info(session_id, "device")
            )
        except (InvalidTag, ValueError):
            raise _corrupt(
                f"the device copy of session {session_id}'s data key does not open"
            ) from None
        return cls(session_id, key)


def new_key_pair() -> tuple[X25519PrivateKey, X25519PublicKey]:
    """A fresh X25519 key pair (the HR server's sealing key, a terminal's review key)."""
    private = X25519PrivateKey.generate()
    return private, private.public_key()


def private_key_bytes(private_key: X25519PrivateKey) -> bytes:
    """The 32 raw bytes of a private key (to be encrypted before it is stored)."""
    return private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def load_private_key(raw: bytes) -> X25519PrivateKey:
    """An X25519 private key from its 32 raw bytes."""
    try:
        return X25519PrivateKey.from_private_bytes(raw)
    except ValueError as error:
        raise _corrupt(f"not an X25519 private key: {error}") from None
