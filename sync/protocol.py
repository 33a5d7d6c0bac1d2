"""The kiosk ↔ HR ERP wire protocol: paths, headers, limits and signed bundles.

Both ends import this module — the terminal's sync worker and the reference ERP server
(``kiosk erp-server``) — so they cannot drift apart; ``sync/openapi.yaml`` documents the same
contract for an ERP team implementing it. All bodies are JSON (UTF-8) except media chunks.

Summary (``/v1`` under the configured endpoint):

=====================================  ===========================================================
``POST /v1/enrolments``                one-time token → device id, secret, access token, keys
``POST /v1/devices/{id}/tokens``       device secret → a fresh access token
``GET  /v1/bundles/{kind}``            a signed bundle (``If-None-Match: "<version>"`` → 304)
``POST /v1/consents``                  a consent record
``POST /v1/assessment-reports``        a session's result (personal part sealed to the server)
``POST /v1/reviews``                   a recruiter's override or decision (sealed)
``POST /v1/tombstones``                a deletion
``POST /v1/audit-entries``             audit log entries from a cursor → the server's head
``POST /v1/devices/{id}/health``       device health
``POST /v1/batch``                     up to 100 of the pushes above in one request
``POST /v1/media``                     create a resumable upload (tus-like) → ``Location``
``HEAD /v1/media/{upload}``            ``Upload-Offset`` acknowledged so far
``PATCH /v1/media/{upload}``           append a chunk at ``Upload-Offset`` with ``Upload-Checksum``
=====================================  ===========================================================

Push bodies (the device is known from the access token; times are seconds since the epoch;
``sealed`` is ``{"keyId", "wrappedKey", "records": [{"kind", "id", "ciphertext"}]}``: the
session's data key wrapped to the server's sealing key with HPKE
(:mod:`kiosk.vault.envelope`, recipient ``server``) and the session's AES-GCM records, all
base64):

- consent: ``{"sessionId", "noticeVersion", "faceAnalysis", "givenAt"}``
- assessment report (HR Open Standards' AssessmentReport names where they fit):
  ``{"id", "subject": {"sessionId", "sessionCode"}, "package": {"positionId"}, "status",
  "assessedAt", "sealed"}``; ``status`` is the session's outcome (``completed``, ``declined``,
  ``interrupted``); ``sealed`` (absent for a declined session) holds the ``personal`` and
  ``result`` records; the result record is the full report with evidence and versions.
- review: ``{"sessionId", "seq", "kind" ("override" | "status"), "actor", "at", "sealed"}``
- tombstone: ``{"sessionId", "positionId", "reason", "deletedAt"}``
- audit entries: ``{"entries": [{"seq", "at", "actor", "action", "target", "detail",
  "prevHash", "hash"}]}`` → ``{"head": {"seq", "hash"}}``
- health: ``{"software", "freeDiskBytes", "queueLength", "lastError", "at", "bundles"}``

``sealed`` is ``null`` when the terminal holds no copy of the session key for the server (a
session recorded before enrolment whose device copy is already gone).

A push answers ``201 {"receipt": ID}`` (audit entries add ``"head"``, null before any). Every
push carries ``Idempotency-Key``. The server keeps (key, SHA-256 of the body, response): the
same key with the same body replays the stored response (``Idempotent-Replayed: true``); the
same key with another body is ``422``. Errors are ``{"error": CODE, "message": TEXT}``. An
expired access token is ``401`` with error ``token_expired``; the device then asks ``/tokens``
for a new one and repeats the request.

A batch ``{"items": [{"kind", "idempotencyKey", "body"}]}`` (kinds: consent, result, review,
tombstone) answers ``200 {"results": [{"idempotencyKey", "status", "response"}]}`` in the same
order, each item handled exactly as its own push would be (201 with ``"replayed"`` false, or
true for a replay; 400, 403, 422). A terminal sends at most one item per session in a batch, so
the order per session holds.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

API: Final = "/v1"
IDEMPOTENCY_KEY: Final = "Idempotency-Key"
REPLAYED: Final = "Idempotent-Replayed"
UPLOAD_OFFSET: Final = "Upload-Offset"
UPLOAD_LENGTH: Final = "Upload-Length"
UPLOAD_METADATA: Final = "Upload-Metadata"
UPLOAD_CHECKSUM: Final = "Upload-Checksum"  # "sha256 <base64 digest of this chunk>"
OFFSET_STREAM: Final = "application/offset+octet-stream"

#: Push endpoints by outbox kind.
PUSH_PATHS: Final = {
    "consent": f"{API}/consents",
    "result": f"{API}/assessment-reports",
    "review": f"{API}/reviews",
    "tombstone": f"{API}/tombstones",
}
AUDIT_PATH: Final = f"{API}/audit-entries"
#: Many pushes in one request, each with its own idempotency key (see the module docstring).
BATCH_PATH: Final = f"{API}/batch"
MAX_BATCH_ITEMS: Final = 100
ENROL_PATH: Final = f"{API}/enrolments"
MEDIA_PATH: Final = f"{API}/media"

#: What a terminal pulls. ``tombstones`` are deletions requested centrally.
BUNDLE_KINDS: Final = ("config", "bank", "invitations", "accounts", "tombstones")

#: The largest response body a terminal reads (bundles included); larger is refused unread.
MAX_RESPONSE_BYTES: Final = 16 * 2**20
#: The largest request body the reference server accepts (a media chunk included).
MAX_REQUEST_BYTES: Final = 8 * 2**20


def tokens_path(device_id: str) -> str:
    """Where a device trades its secret for an access token."""
    return f"{API}/devices/{device_id}/tokens"


def health_path(device_id: str) -> str:
    """Where a device reports its health."""
    return f"{API}/devices/{device_id}/health"


def bundle_path(kind: str) -> str:
    """Where a device pulls one kind of bundle."""
    return f"{API}/bundles/{kind}"


def canonical(data: Any) -> bytes:
    """The one byte form of a JSON value that is hashed and signed (sorted keys, no spaces)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def body_digest(body: bytes) -> str:
    """SHA-256 of a request body, as the server's idempotency record keeps it."""
    return hashlib.sha256(body).hexdigest()


def b64(data: bytes) -> str:
    """Standard base64 text."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    """Decode standard base64, strictly (a bad character is an error, not skipped)."""
    return base64.b64decode(text.encode("ascii"), validate=True)


def key_id(public_raw: bytes) -> str:
    """A short fingerprint of a raw public key (what ``keyId`` fields carry)."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


class BundleError(ValueError):
    """A bundle that must not be applied; the message says why (shown to IT staff)."""


class NotNewer(BundleError):
    """The bundle's version is the one already applied: nothing to do."""


@dataclass(frozen=True, slots=True)
class Bundle:
    """A verified bundle's payload."""

    kind: str
    version: int
    issued_at: float
    expires_at: float
    device_id: str  # "*" for every terminal
    data: Any
    raw: bytes  # the signed payload bytes, kept to re-verify what is stored


def sign_bundle(
    key: Ed25519PrivateKey,
    *,
    kind: str,
    version: int,
    issued_at: float,
    expires_at: float,
    data: Any,
    device_id: str = "*",
) -> dict[str, str]:
    """A signed bundle as the server sends it: ``{"payload", "signature", "keyId"}``."""
    payload = canonical(
        {
            "kind": kind,
            "version": version,
            "issuedAt": issued_at,
            "expiresAt": expires_at,
            "deviceId": device_id,
            "data": data,
        }
    )
    public = key.public_key().public_bytes_raw()
    return {"payload": b64(payload), "signature": b64(key.sign(payload)), "keyId": key_id(public)}


def verify_bundle(
    document: Any,
    key: Ed25519PublicKey,
    *,
    kind: str,
    device_id: str,
    now: float,
    current_version: int | None,
) -> Bundle:
    """Check a bundle's signature, kind, addressee, expiry and version; raise :class:`BundleError`.

    ``current_version`` is the version applied now: an older one is a rollback and refused, the
    same one raises :class:`NotNewer` (the caller treats that as nothing to do).
    """
    if not isinstance(document, dict) or not {"payload", "signature"} <= document.keys():
        raise BundleError("not a bundle (payload and signature expected)")
    try:
        payload = unb64(str(document["payload"]))
        signature = unb64(str(document["signature"]))
    except ValueError:
        raise BundleError("bundle is not valid base64") from None
    try:
        key.verify(signature, payload)
    except InvalidSignature:
        raise BundleError("bad signature: not signed by the organisation key") from None
    try:
        fields = json.loads(payload)
        bundle = Bundle(
            kind=str(fields["kind"]),
            version=int(fields["version"]),
            issued_at=float(fields["issuedAt"]),
            expires_at=float(fields["expiresAt"]),
            device_id=str(fields["deviceId"]),
            data=fields["data"],
            raw=payload,
        )
    except (ValueError, KeyError, TypeError):
        raise BundleError("signed payload is malformed") from None
    if bundle.kind != kind:
        raise BundleError(f"a {bundle.kind!r} bundle was served as {kind!r}")
    if bundle.device_id not in ("*", device_id):
        raise BundleError("bundle is addressed to another terminal")
    if bundle.expires_at <= now:
        raise BundleError(f"bundle version {bundle.version} has expired")
    if current_version is not None and bundle.version < current_version:
        raise BundleError(
            f"rollback refused: version {bundle.version} is older than {current_version}"
        )
    if current_version is not None and bundle.version == current_version:
        raise NotNewer(f"version {bundle.version} is already applied")
    return bundle


def error_body(code: str, message: str) -> bytes:
    """An error response body."""
    return canonical({"error": code, "message": message})
