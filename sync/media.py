"""Resumable media upload (tus-like; see :mod:`sync.protocol`).

The file uploaded is the encrypted recording exactly as stored (STREAM chunks under the session
key), so the server decrypts it with the session key it already unwraps for the result. Each
chunk carries its SHA-256; the server appends it only at the offset it has acknowledged, so
after a reset or a restart the upload resumes from the server's ``Upload-Offset`` (asked with
``HEAD``), never from the start. Creating the upload is idempotent (the outbox row's key), so a
restart finds the same upload again without having to remember its URL.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from pathlib import Path

from kiosk.outbox import OutboxItem
from sync.client import ErpClient
from sync.connector import PermanentError, TransientError
from sync.protocol import (
    IDEMPOTENCY_KEY,
    MEDIA_PATH,
    OFFSET_STREAM,
    UPLOAD_CHECKSUM,
    UPLOAD_LENGTH,
    UPLOAD_METADATA,
    UPLOAD_OFFSET,
)
from sync.transport import RETRYABLE, Response, retry_after

log = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 20  # 1 MiB: a lost chunk costs little, and a minute of media is a few


class MediaUploader:
    """Uploads the recordings named by ``media`` outbox rows."""

    def __init__(self, client: ErpClient, media_root: Path, *, chunk: int = CHUNK_BYTES) -> None:
        self._client = client
        self._root = media_root
        self._chunk = chunk
        self.chunks_sent = 0  # acknowledged by the server (for tests and the benchmark)
        self.chunks_attempted = 0  # sent, whatever became of them

    def upload(self, item: OutboxItem) -> str | None:
        """Upload one file to the end; the upload id, or ``None`` if the file is gone (its
        session was deleted). The file is removed once the server holds all of it."""
        path = self._root / (item.session_id or "") / item.record_id
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        location = self._create(item, path.name, data)
        offset = self._offset(location, len(data))
        while offset < len(data):
            offset = self._append(location, data, offset)
        path.unlink(missing_ok=True)
        return location.rsplit("/", 1)[-1]

    def _create(self, item: OutboxItem, name: str, data: bytes) -> str:
        metadata = ",".join(
            f"{key} {base64.b64encode(value.encode()).decode()}"
            for key, value in (
                ("sessionId", item.session_id or ""),
                ("name", name),
                ("sha256", hashlib.sha256(data).hexdigest()),
            )
        )
        reply = self._client.raw(
            "POST",
            MEDIA_PATH,
            headers={
                IDEMPOTENCY_KEY: item.idempotency_key,
                UPLOAD_LENGTH: str(len(data)),
                UPLOAD_METADATA: metadata,
            },
        )
        _expect(reply, (200, 201))
        location = reply.headers.get("Location", "")
        if not location.startswith(MEDIA_PATH + "/"):
            raise TransientError("media upload created without a usable Location")
        return location

    def _offset(self, location: str, length: int) -> int:
        reply = self._client.raw("HEAD", location, headers={})
        _expect(reply, (200, 204))
        return _parse_offset(reply, length)

    def _append(self, location: str, data: bytes, offset: int) -> int:
        chunk = data[offset : offset + self._chunk]
        digest = base64.b64encode(hashlib.sha256(chunk).digest()).decode()
        self.chunks_attempted += 1
        reply = self._client.raw(
            "PATCH",
            location,
            headers={
                "Content-Type": OFFSET_STREAM,
                UPLOAD_OFFSET: str(offset),
                UPLOAD_CHECKSUM: f"sha256 {digest}",
            },
            body=chunk,
        )
        if reply.status == 409:  # the server holds a different amount: continue from there
            return self._offset(location, len(data))
        if reply.status == 460:  # a chunk damaged on the way: send it again
            raise TransientError("media chunk checksum mismatch at the server")
        _expect(reply, (200, 204))
        self.chunks_sent += 1
        return _parse_offset(reply, len(data))


def _parse_offset(reply: Response, length: int) -> int:
    value = reply.headers.get(UPLOAD_OFFSET, "")
    if not value.isdigit() or int(value) > length:
        raise TransientError("media reply without a valid Upload-Offset")
    return int(value)


def _expect(reply: Response, ok: tuple[int, ...]) -> None:
    if reply.status in ok:
        return
    if reply.status in RETRYABLE:
        raise TransientError(f"HTTP {reply.status} during media upload", retry_after(reply.headers))
    raise PermanentError(f"HTTP {reply.status} during media upload")
