"""The terminal's keys, and who each session's data key is wrapped for.

Files in ``<data_dir>/keys/`` (directory mode 0700, files 0600):

``device.key``
    32 random bytes. Wraps the data key of a session only while it is open (resume after a
    crash), and opens records written before envelope encryption (``KS1`` blobs).
``server.pub``
    The HR server's X25519 sealing key (32 raw bytes), written at enrolment. Every session's
    data key is wrapped to it; only the server can unwrap that copy.
``review.pub``
    The public half of the terminal's review key, made when the first recruiter account is
    added; its private half exists only encrypted under each recruiter's PIN-derived key.

With neither public key (a terminal not enrolled and without recruiter accounts) there is no one
else to hand a finished session to, so its device copy is kept (:attr:`Keyring.local_only`):
a stolen terminal then exposes finished sessions too. ``kiosk status`` says so.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from kiosk.errors import ErrorKind, VaultError
from kiosk.sealing import load_device_key
from kiosk.vault.envelope import SessionKey, fingerprint, load_public_key

DEVICE = "device"
SERVER = "server"
REVIEW = "review"


@dataclass(frozen=True, slots=True)
class WrappedKey:
    """One stored copy of a session's data key."""

    recipient: str  # DEVICE, SERVER or REVIEW
    key_id: str  # fingerprint of the public key it is wrapped to ("device" for the device key)
    wrapped: bytes


@dataclass(slots=True)
class Keyring:
    """The keys this terminal wraps and unwraps session data keys with."""

    device_key: bytes = field(repr=False)
    server_key: X25519PublicKey | None = None
    review_key: X25519PublicKey | None = None
    #: The review key's private half, once a recruiter has logged in (None otherwise).
    review_private: X25519PrivateKey | None = field(default=None, repr=False)
    #: Keep each session's device copy after it closes, until sync has delivered its result:
    #: set when the HR system's connector needs results in the clear (a vendor API). Costs the
    #: stolen-terminal protection of the sessions not yet delivered (docs/sync-vendor.md).
    retain_device_copy: bool = False
    #: Where the keys were loaded from: a server key written later (enrolment, by another
    #: process) is picked up from here without a restart (:meth:`refresh`).
    keys_dir: Path | None = None

    @classmethod
    def load(cls, keys_dir: Path) -> Keyring:
        """The keys in ``keys_dir``; the device key is created on first use."""
        server = keys_dir / "server.pub"
        review = keys_dir / "review.pub"
        return cls(
            device_key=load_device_key(keys_dir / "device.key"),
            server_key=load_public_key(server.read_bytes()) if server.exists() else None,
            review_key=load_public_key(review.read_bytes()) if review.exists() else None,
            keys_dir=keys_dir,
        )

    def refresh(self) -> None:
        """Pick up a server key enrolment wrote since this keyring was loaded."""
        if self.server_key is None and self.keys_dir is not None:
            path = self.keys_dir / "server.pub"
            if path.exists():
                self.server_key = load_public_key(path.read_bytes())

    @property
    def local_only(self) -> bool:
        """No server and no review key: finished sessions keep their device copy."""
        return self.server_key is None and self.review_key is None

    def candidate_tag(self, candidate_ref: str) -> str:
        """A keyed hash of an ERP candidate reference: finds a candidate's sessions for a
        deletion request, but without the device key it cannot be matched to anyone."""
        mac = hmac.new(self.device_key, b"candidate-ref\x1f" + candidate_ref.encode(), "sha256")
        return mac.hexdigest()

    def wrap(self, key: SessionKey) -> list[WrappedKey]:
        """Every copy of a new session's data key this terminal stores."""
        self.refresh()
        copies = [WrappedKey(DEVICE, DEVICE, key.wrap_locally(self.device_key))]
        for recipient, public in ((SERVER, self.server_key), (REVIEW, self.review_key)):
            if public is not None:
                copies.append(
                    WrappedKey(recipient, fingerprint(public), key.wrap_to(public, recipient))
                )
        return copies

    def unwrap(self, session_id: str, copies: list[WrappedKey]) -> SessionKey:
        """The data key, from the device copy or, after a recruiter login, the review copy."""
        by_recipient = {c.recipient: c for c in copies}
        if DEVICE in by_recipient:
            return SessionKey.unwrap_locally(
                session_id, by_recipient[DEVICE].wrapped, self.device_key
            )
        if REVIEW in by_recipient and self.review_private is not None:
            return SessionKey.unwrap(
                session_id, by_recipient[REVIEW].wrapped, self.review_private, REVIEW
            )
        if not copies:
            raise VaultError(
                f"session {session_id} has no data key any more (deleted)",
                kind=ErrorKind.STORAGE_CORRUPT,
            )
        raise VaultError(
            f"session {session_id} is closed: a recruiter must log in to read it",
            kind=ErrorKind.LOCKED,
        )
