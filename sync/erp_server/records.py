"""The store's schema and the values it hands out (rows as frozen dataclasses)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sync.protocol import canonical

SCHEMA = """
CREATE TABLE IF NOT EXISTS enrolment_tokens (
    token_sha256 TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    used_at REAL,
    device_id TEXT
);
CREATE TABLE IF NOT EXISTS devices (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    software TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL,
    enrolled_at REAL NOT NULL,
    last_seen REAL
);
CREATE TABLE IF NOT EXISTS access_tokens (
    token_sha256 TEXT PRIMARY KEY,
    device_id TEXT NOT NULL REFERENCES devices(id),
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS received (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    receipt TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    device_id TEXT NOT NULL,
    session_id TEXT,
    idempotency_key TEXT,
    body TEXT NOT NULL,
    received_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency (
    device_id TEXT NOT NULL,
    key TEXT NOT NULL,
    body_sha256 TEXT NOT NULL,
    status INTEGER NOT NULL,
    response BLOB NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (device_id, key)
);
CREATE TABLE IF NOT EXISTS audit_entries (
    device_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (device_id, seq)
);
CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    length INTEGER NOT NULL,
    received_bytes INTEGER NOT NULL DEFAULT 0,
    session_id TEXT NOT NULL,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at REAL NOT NULL,
    completed_at REAL,
    UNIQUE (device_id, idempotency_key)
);
CREATE TABLE IF NOT EXISTS bundles (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    version INTEGER NOT NULL,
    audience TEXT NOT NULL,
    document TEXT NOT NULL,
    published_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
"""


def sha256_hex(text: str | bytes) -> str:
    """SHA-256 hex digest (how every secret is stored)."""
    data = text.encode() if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One push inside a batch request, validated."""

    key: str
    raw: bytes
    kind: str
    session_id: str | None
    body: dict[str, Any]


class IdempotencyConflict(Exception):
    """The same idempotency key came back with another body."""


class AuthFailure(Exception):
    """An access token was refused; ``code`` is the wire error code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class ReceivedItem:
    """One accepted item, in arrival order (``seq``)."""

    seq: int
    kind: str  # consent, result, review, tombstone, audit, health, media
    device_id: str
    session_id: str | None
    idempotency_key: str | None
    body: dict[str, Any]
    receipt: str
    received_at: float


@dataclass(frozen=True, slots=True)
class Device:
    id: str
    name: str
    software: str
    enrolled_at: float
    last_seen: float | None


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a device gets at enrolment (the only time the secret exists in the clear)."""

    device_id: str
    device_secret: str
    access_token: str
    access_token_expires_at: float


@dataclass(frozen=True, slots=True)
class PushOutcome:
    status: int
    response: bytes
    replayed: bool


@dataclass(frozen=True, slots=True)
class Upload:
    id: str
    device_id: str
    idempotency_key: str
    length: int
    offset: int
    session_id: str
    name: str
    sha256: str
    created_at: float
    completed_at: float | None


@dataclass(frozen=True, slots=True)
class StoredBundle:
    seq: int
    kind: str
    version: int
    audience: str
    document: dict[str, str]
    published_at: float
    expires_at: float


def as_text(data: Any) -> str:
    return canonical(data).decode()


def item_from_row(row: tuple[Any, ...]) -> ReceivedItem:
    seq, kind, device_id, session_id, key, body, receipt, at = row
    return ReceivedItem(
        seq=int(seq),
        kind=str(kind),
        device_id=str(device_id),
        session_id=session_id,
        idempotency_key=key,
        body=json.loads(body),
        receipt=str(receipt),
        received_at=float(at),
    )


def bundle_from_row(row: tuple[Any, ...]) -> StoredBundle:
    seq, kind, version, audience, document, published_at, expires_at = row
    return StoredBundle(
        seq=int(seq),
        kind=str(kind),
        version=int(version),
        audience=str(audience),
        document=json.loads(document),
        published_at=float(published_at),
        expires_at=float(expires_at),
    )
