"""Resumable media uploads, tus-like (creation, HEAD for the offset, PATCH to append).

The file on disk may run ahead of the offset in the database (a crash between the write and the
commit): every PATCH truncates the file to the acknowledged offset before appending, so what
the database says is always the truth. Bytes are fsynced before the offset is committed and
before the client hears 204, so an acknowledged byte survives a power cut.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import threading
from collections.abc import Mapping
from pathlib import Path

from sync.erp_server.responses import Refused, Response, error
from sync.erp_server.store import ErpStore, IdempotencyConflict, Upload
from sync.protocol import (
    IDEMPOTENCY_KEY,
    MEDIA_PATH,
    OFFSET_STREAM,
    REPLAYED,
    UPLOAD_CHECKSUM,
    UPLOAD_LENGTH,
    UPLOAD_METADATA,
    UPLOAD_OFFSET,
    unb64,
)

log = logging.getLogger("sync.erp_server")

#: tus's status for a chunk whose checksum does not match.
CHECKSUM_MISMATCH = 460
#: The largest file accepted (a long interview's video, with room to spare).
MAX_UPLOAD_BYTES = 64 * 2**30

_UPLOAD_ID_RE = re.compile(r"^[0-9a-f]{32}$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_KEY_RE = re.compile(r"^[\x21-\x7e]{1,200}$")


class MediaUploads:
    """Upload bookkeeping (in the store) and bytes (one file per upload under ``directory``)."""

    def __init__(self, store: ErpStore, directory: Path) -> None:
        self.store = store
        self.directory = directory
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def path(self, upload_id: str) -> Path:
        return self.directory / upload_id

    def _lock(self, upload_id: str) -> threading.Lock:
        # One PATCH at a time per upload: two racing appends at the same offset must not both
        # pass the offset check.
        with self._locks_guard:
            return self._locks.setdefault(upload_id, threading.Lock())

    def create(self, device_id: str, headers: Mapping[str, str]) -> Response:
        """``POST /v1/media``: a new upload, or the one this Idempotency-Key already made."""
        key, length, metadata = _creation_headers(headers)
        try:
            upload, replayed = self.store.create_upload(
                device_id=device_id,
                idempotency_key=key,
                length=length,
                session_id=metadata["sessionId"],
                name=metadata["name"],
                sha256=metadata["sha256"],
            )
        except IdempotencyConflict:
            raise _bad(422, "idempotency_key_reused", "this key created another upload") from None
        if not replayed:
            self.path(upload.id).touch(mode=0o600)
            log.info("upload %s created by %s: %d bytes", upload.id, device_id, upload.length)
        response_headers = {
            "Location": f"{MEDIA_PATH}/{upload.id}",
            UPLOAD_OFFSET: str(upload.offset),
            UPLOAD_LENGTH: str(upload.length),
        }
        if replayed:
            response_headers[REPLAYED] = "true"
        return Response(201, b"", response_headers)

    def _owned(self, device_id: str, upload_id: str) -> Upload:
        upload = self.store.upload(upload_id) if _UPLOAD_ID_RE.match(upload_id) else None
        # Another device's upload is "not found", not "forbidden": ids are not to be probed.
        if upload is None or upload.device_id != device_id:
            raise Refused(error(404, "no_upload", "no such upload"))
        return upload

    def head(self, device_id: str, upload_id: str) -> Response:
        """``HEAD /v1/media/{id}``: how many bytes are acknowledged."""
        upload = self._owned(device_id, upload_id)
        return Response(
            200,
            b"",
            {
                UPLOAD_OFFSET: str(upload.offset),
                UPLOAD_LENGTH: str(upload.length),
                "Cache-Control": "no-store",
            },
        )

    def patch(
        self, device_id: str, upload_id: str, headers: Mapping[str, str], chunk: bytes
    ) -> Response:
        """``PATCH /v1/media/{id}``: append ``chunk`` at ``Upload-Offset``."""
        offset, expected = _patch_headers(headers)
        with self._lock(upload_id):
            upload = self._owned(device_id, upload_id)
            at = {UPLOAD_OFFSET: str(upload.offset)}
            if offset != upload.offset:
                raise _bad(409, "offset_mismatch", f"the server holds {upload.offset} bytes", at)
            if upload.offset + len(chunk) > upload.length:
                raise _bad(413, "past_upload_length", "the chunk runs past Upload-Length", at)
            if hashlib.sha256(chunk).digest() != expected:
                log.info("upload %s: chunk checksum mismatch at %d", upload_id, upload.offset)
                raise _bad(CHECKSUM_MISMATCH, "checksum_mismatch", "chunk checksum differs", at)
            if upload.completed_at is not None:  # an empty PATCH at the end: nothing to do
                return Response(204, b"", at)
            new_offset = upload.offset + len(chunk)
            self._append(upload.id, upload.offset, chunk)
            if new_offset < upload.length:
                self.store.set_upload_offset(upload.id, new_offset)
            elif self._file_digest(upload.id) != upload.sha256:
                # The chunks each arrived intact but do not add up to the announced file:
                # start over rather than keep a file nobody can trust.
                self._truncate(upload.id, 0)
                self.store.set_upload_offset(upload.id, 0)
                log.info("upload %s: whole-file checksum mismatch, reset to 0", upload_id)
                message = "the file's SHA-256 differs from Upload-Metadata; upload it again"
                raise _bad(
                    CHECKSUM_MISMATCH, "file_checksum_mismatch", message, {UPLOAD_OFFSET: "0"}
                )
            else:
                self.store.complete_upload(upload)
                log.info("upload %s complete: %d bytes", upload_id, upload.length)
            return Response(204, b"", {UPLOAD_OFFSET: str(new_offset)})

    def _append(self, upload_id: str, offset: int, chunk: bytes) -> None:
        fd = os.open(self.path(upload_id), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            os.ftruncate(fd, offset)  # drop bytes written but never acknowledged
            os.lseek(fd, offset, os.SEEK_SET)
            view = memoryview(chunk)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)

    def _truncate(self, upload_id: str, size: int) -> None:
        fd = os.open(self.path(upload_id), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            os.ftruncate(fd, size)
            os.fsync(fd)
        finally:
            os.close(fd)

    def _file_digest(self, upload_id: str) -> str:
        digest = hashlib.sha256()
        with self.path(upload_id).open("rb") as file:
            for block in iter(lambda: file.read(2**20), b""):
                digest.update(block)
        return digest.hexdigest()


def _bad(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Refused:
    return Refused(error(status, code, message, headers))


def _creation_headers(headers: Mapping[str, str]) -> tuple[str, int, dict[str, str]]:
    """(idempotency key, length, metadata) of a creation request, or :class:`Refused`."""
    key = headers.get(IDEMPOTENCY_KEY.lower(), "")
    if not _KEY_RE.match(key):
        raise _bad(400, "idempotency_key_required", f"{IDEMPOTENCY_KEY} is required")
    length = headers.get(UPLOAD_LENGTH.lower(), "")
    if not length.isdigit() or not 0 < int(length) <= MAX_UPLOAD_BYTES:
        raise _bad(400, "invalid_upload_length", f"{UPLOAD_LENGTH} must be 1..{MAX_UPLOAD_BYTES}")
    try:
        metadata = parse_metadata(headers.get(UPLOAD_METADATA.lower(), ""))
    except ValueError as problem:
        raise _bad(400, "invalid_upload_metadata", str(problem)) from None
    missing = [name for name in ("sessionId", "name", "sha256") if not metadata.get(name)]
    if missing:
        raise _bad(400, "invalid_upload_metadata", f"missing: {', '.join(missing)}")
    if not _SHA256_RE.match(metadata["sha256"]):
        raise _bad(400, "invalid_upload_metadata", "sha256 must be 64 lower-case hex digits")
    return key, int(length), metadata


def _patch_headers(headers: Mapping[str, str]) -> tuple[int, bytes]:
    """(offset, chunk digest) of a PATCH, or :class:`Refused`."""
    if headers.get("content-type", "").split(";")[0].strip() != OFFSET_STREAM:
        raise _bad(415, "unsupported_media_type", f"Content-Type must be {OFFSET_STREAM}")
    offset = headers.get(UPLOAD_OFFSET.lower(), "")
    if not offset.isdigit():
        raise _bad(400, "invalid_upload_offset", f"{UPLOAD_OFFSET} is required")
    try:
        return int(offset), parse_checksum(headers.get(UPLOAD_CHECKSUM.lower(), ""))
    except ValueError as problem:
        raise _bad(400, "invalid_upload_checksum", str(problem)) from None


def parse_metadata(header: str) -> dict[str, str]:
    """tus ``Upload-Metadata``: ``key b64value,key b64value`` (a key alone means "")."""
    out: dict[str, str] = {}
    for pair in header.split(","):
        if not pair.strip():
            continue
        name, _, value = pair.strip().partition(" ")
        try:
            out[name] = unb64(value.strip()).decode("utf-8") if value.strip() else ""
        except (ValueError, UnicodeDecodeError):
            raise ValueError(f"metadata {name!r} is not base64 of UTF-8 text") from None
    return out


def encode_metadata(values: Mapping[str, str]) -> str:
    """The inverse of :func:`parse_metadata` (for clients and tests)."""
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def parse_checksum(header: str) -> bytes:
    """``sha256 <base64 digest>`` → the 32-byte digest (``ValueError`` otherwise)."""
    algorithm, _, value = header.strip().partition(" ")
    if algorithm.lower() != "sha256":
        raise ValueError(f"{UPLOAD_CHECKSUM} must be 'sha256 <base64 digest>'")
    try:
        digest = unb64(value.strip())
    except ValueError:
        raise ValueError(f"{UPLOAD_CHECKSUM} digest is not base64") from None
    if len(digest) != 32:
        raise ValueError(f"{UPLOAD_CHECKSUM} digest must be 32 bytes")
    return digest
