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
        session, name = item.session_id or "", item.record_id
        if not _plain_name(session) or not _plain_name(name):
            raise PermanentError("a media row names a path outside the media folder")
        path = self._root / session / name
        try:
            length = path.stat().st_size
            digest = _file_sha256(path)
        except FileNotFoundError:
            return None
        location = self._create(item, name, length, digest)
        offset = self._offset(location, length)
        with path.open("rb") as source:
            while offset < length:
                source.seek(offset)
                acknowledged = self._append(location, source.read(self._chunk), offset, length)
                if acknowledged <= offset:
                    # The server did not take the chunk and says it still holds no more: a
                    # retry now would do the same, so back off like any transient failure.
                    raise TransientError("the media upload did not advance at the server")
                offset = acknowledged
        path.unlink(missing_ok=True)
        return location.rsplit("/", 1)[-1]

    def _create(self, item: OutboxItem, name: str, length: int, digest: str) -> str:
        metadata = ",".join(
            f"{key} {base64.b64encode(value.encode()).decode()}"
            for key, value in (
                ("sessionId", item.session_id or ""),
                ("name", name),
                ("sha256", digest),
            )
        )
        reply = self._client.raw(
            "POST",
            MEDIA_PATH,
            headers={
                IDEMPOTENCY_KEY: item.idempotency_key,
                UPLOAD_LENGTH: str(length),
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

    def _append(self, location: str, chunk: bytes, offset: int, length: int) -> int:
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
            return self._offset(location, length)
        if reply.status == 460:  # a chunk damaged on the way: send it again
            raise TransientError("media chunk checksum mismatch at the server")
        _expect(reply, (200, 204))
        self.chunks_sent += 1
        return _parse_offset(reply, length)


def _plain_name(name: str) -> bool:
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".")


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _parse_offset(reply: Response, length: int) -> int:
    value = reply.headers.get(UPLOAD_OFFSET, "")
    if not value.isdigit() or int(value) > length:
        raise TransientError("media reply without a valid Upload-Offset")
    return int(value)


def _expect(reply: Response, ok: tuple[int, ...]) -> None:
    if reply.status in ok:
        return
    if reply.status in RETRYABLE or reply.status >= 500:
        raise TransientError(f"HTTP {reply.status} during media upload", retry_after(reply.headers))
    raise PermanentError(f"HTTP {reply.status} during media upload")
