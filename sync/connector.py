"""The connector protocol: how the sync worker talks to an HR system.

The worker owns ordering, retries, backoff and bookkeeping; a connector only turns one delivery
into one (idempotent) call and says how it went. :class:`sync.client.ErpClient` speaks our own
contract (``sync/openapi.yaml``); adapters in :mod:`sync.adapters` speak a vendor's API shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class SyncError(Exception):
    """Base of delivery failures. ``message`` never holds personal data (it is shown and kept)."""


class TransientError(SyncError):
    """Try again later: network trouble, 5xx, 429, a lost or garbled response.

    ``retry_after`` is the server's ``Retry-After`` in seconds, when it sent one.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(SyncError):
    """The server refused this delivery as it is (a 4xx other than 401/408/409/429). Retrying
    the same bytes will not help; the item stays queued, with a long backoff, for a person to
    look at: nothing is dropped."""


class TooLarge(PermanentError):
    """The server refused the request as too large (413): smaller requests may pass."""


class AuthError(SyncError):
    """The device's credential was refused even after a refresh: re-enrolment is needed."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One thing to deliver.

    ``body`` is the wire body of our contract (see :mod:`sync.protocol`). ``plaintext`` is the
    opened result for connectors that need scores in the clear (a vendor API that cannot take
    a sealed payload); it is ``None`` for connectors that do not ask for it.
    """

    kind: str  # an outbox kind: consent, result, review, tombstone
    idempotency_key: str
    body: dict[str, Any]
    plaintext: dict[str, Any] | None = None


class Connector(Protocol):
    """One HR system's push API."""

    #: Whether :attr:`Delivery.plaintext` must be filled (see docs/sync.md on what that costs).
    needs_plaintext: bool

    def push(self, delivery: Delivery) -> str | None:
        """Deliver one record; return the server's receipt id, or ``None`` when this system has
        no place for this kind of record (the worker marks it done, noting the skip).

        Raises :class:`TransientError`, :class:`PermanentError` or :class:`AuthError`.
        """
        ...
