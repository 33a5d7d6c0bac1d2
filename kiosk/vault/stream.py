"""Recordings encrypted chunk by chunk while they are captured, so no plaintext reaches disk.

The format is the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár ("online
authenticated encryption", the scheme behind age and Tink's streaming AEAD) over AES-256-GCM:
the plaintext is cut into fixed-size chunks, each sealed on its own with a nonce that encodes its
position and whether it is the last one. A reader can therefore check every chunk as it arrives
and still detect reordering, truncation and extension of the stream as a whole.

Byte layout (all integers big-endian)::

    header   52 bytes, also the associated data of every chunk
      0   8  magic b"IKSTREAM"
      8   1  format version (1)
      9   7  nonce prefix, random per stream
     16   4  chunk size: plaintext bytes per non-final chunk
     20  32  SHA-256 of the caller's context (session id, record kind and id)
    chunks   repeated until end of file
             AES-256-GCM ciphertext of the chunk's plaintext, then its 16-byte tag
             nonce = prefix (7) || chunk index (uint32) || 0x01 if final else 0x00

Every chunk but the last holds exactly ``chunk size`` plaintext bytes; the last holds fewer
(possibly none), so a reader tells them apart by length alone and never needs to guess.

The context is stored only as a digest: a stolen file does not say whose recording it is, and the
header has one fixed size, which keeps :func:`encrypted_size` exact. The digest lets the reader
report "recorded for another context" before any decryption; the chunks bind it independently,
so forging the digest in the header does not help either.

A recording cut short by a crash or a power cut is always *detected*: its file lacks the chunk
marked final, and :class:`StreamReader` refuses it rather than returning a silently short answer.
:meth:`StreamReader.recover_prefix` is the explicit way to salvage the verified part.

The nonce prefix is 56 random bits, and two streams with the same prefix under one key would
reuse GCM nonces. With n streams per key the odds of that are about n**2 / 2**57: negligible for a
per-session data key, which seals a few dozen recordings, but no reason to share one key across
millions of streams.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import os
import secrets
import struct
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.errors import ErrorKind, VaultError

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "HEADER_SIZE",
    "MAX_CHUNK_SIZE",
    "TAG_SIZE",
    "RecoveredPrefix",
    "StreamReader",
    "StreamWriter",
    "encrypted_size",
]

MAGIC = b"IKSTREAM"
VERSION = 1
DEFAULT_CHUNK_SIZE = 64 * 1024
# Large enough for any sensible recording; small enough that a forged header cannot make the
# reader allocate gigabytes before the first tag check fails.
MAX_CHUNK_SIZE = 16 * 1024 * 1024
TAG_SIZE = 16
KEY_SIZE = 32
_PREFIX_SIZE = 7
# The counter is a uint32 in the nonce; one more chunk would reuse a nonce under the same key.
_MAX_CHUNKS = 1 << 32
_HEADER = struct.Struct(">8sB7sI32s")
HEADER_SIZE = _HEADER.size


def encrypted_size(plaintext_size: int, chunk_size: int = DEFAULT_CHUNK_SIZE) -> int:
    """Bytes on disk for a closed stream of ``plaintext_size`` bytes; for disk-space checks."""
    _check_chunk_size(chunk_size)
    if plaintext_size < 0:
        raise VaultError("plaintext size cannot be negative", kind=ErrorKind.INTERNAL)
    # Full chunks, plus the final chunk that holds the remainder (possibly none), each + a tag.
    return HEADER_SIZE + plaintext_size + TAG_SIZE * (plaintext_size // chunk_size + 1)


def _check_chunk_size(chunk_size: int) -> None:
    if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
        raise VaultError(
            f"chunk size must be 1..{MAX_CHUNK_SIZE} bytes, not {chunk_size}",
            kind=ErrorKind.INTERNAL,
        )


def _aead(key: bytes) -> AESGCM:
    if len(key) != KEY_SIZE:
        raise VaultError("a stream key must be 32 bytes", kind=ErrorKind.INTERNAL)
    return AESGCM(key)


def _nonce(prefix: bytes, index: int, final: bool) -> bytes:
    return prefix + index.to_bytes(4, "big") + (b"\x01" if final else b"\x00")


def _storage_error(path: Path, action: str, error: OSError) -> VaultError:
    kind = ErrorKind.DISK_FULL if error.errno == errno.ENOSPC else ErrorKind.STORAGE_FAILED
    return VaultError(f"{path}: could not {action} ({error.strerror})", kind=kind)


def _fsync_directory(directory: Path) -> None:
    # Without this the file's directory entry may be lost in a power cut even though its data
    # blocks were synced.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class StreamWriter:
    """Encrypts a recording as it is written; see the module docstring for the format.

    Complete chunks go to the file as soon as they fill, so at most one chunk of plaintext is
    ever held, and only in memory. Until :meth:`close` the file lacks its final chunk, and a
    reader treats it as truncated: that is how a crash mid-recording stays visible.
    """

    def __init__(self, path: Path, fd: int, aead: AESGCM, header: bytes, chunk_size: int) -> None:
        """Use :meth:`create`; this only adopts an already opened file."""
        self._path = path
        self._fd: int | None = fd
        self._aead = aead
        self._header = header
        self._prefix = header[9:16]
        self._chunk_size = chunk_size
        self._buffer = bytearray()
        self._index = 0
        self._bytes_written = 0
        self._directory_synced = False

    @classmethod
    def create(
        cls, path: Path, key: bytes, context: bytes, *, chunk_size: int = DEFAULT_CHUNK_SIZE
    ) -> StreamWriter:
        """Start a new stream at ``path`` (mode 0600), refusing to replace an existing file.

        ``key`` is the session's 32-byte data key and ``context`` names what is recorded
        (e.g. ``b"session=...;kind=audio;id=q01-a1"``); the reader must give both again.
        """
        _check_chunk_size(chunk_size)
        aead = _aead(key)
        header = _HEADER.pack(
            MAGIC,
            VERSION,
            secrets.token_bytes(_PREFIX_SIZE),
            chunk_size,
            hashlib.sha256(context).digest(),
        )
        try:
            # O_EXCL: two recorders given the same path must not interleave into one file.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        except FileExistsError:
            raise VaultError(
                f"{path}: refusing to overwrite an existing recording",
                kind=ErrorKind.STORAGE_FAILED,
            ) from None
        except OSError as error:
            raise _storage_error(path, "create the recording", error) from None
        writer = cls(path, fd, aead, header, chunk_size)
        writer._write_raw(header)
        return writer

    @property
    def path(self) -> Path:
        """The file this stream is written to."""
        return self._path

    @property
    def chunk_size(self) -> int:
        """Plaintext bytes per non-final chunk."""
        return self._chunk_size

    @property
    def bytes_written(self) -> int:
        """Plaintext bytes accepted so far, buffered ones included.

        After :meth:`close` the file holds ``encrypted_size(bytes_written, chunk_size)`` bytes.
        """
        return self._bytes_written

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` or :meth:`abort` has run (or a write failed)."""
        return self._fd is None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Append ``data``; every chunk it completes is encrypted and written at once."""
        self._check_open()
        view = memoryview(data).cast("B")
        size = len(view)
        if self._buffer:
            take = min(size, self._chunk_size - len(self._buffer))
            self._buffer += view[:take]
            view = view[take:]
            if len(self._buffer) == self._chunk_size:
                self._seal(self._buffer, final=False)
                self._buffer.clear()
        # Whole chunks straight from the caller's data: no copy into the buffer.
        while len(view) >= self._chunk_size:
            self._seal(view[: self._chunk_size], final=False)
            view = view[self._chunk_size :]
        self._buffer += view
        self._bytes_written += size

    def flush(self) -> None:
        """Make every complete chunk durable (fsync), so a crash loses at most the partial one.

        The partial chunk stays in memory: sealing it early as non-final would break the rule
        that non-final chunks are full, and sealing it as final would end the stream.
        """
        self._check_open()
        self._sync()

    def close(self) -> None:
        """Seal the buffered rest as the final chunk (even if empty), fsync, and close.

        Closing twice is harmless; writing after close raises :class:`VaultError`.
        """
        if self._fd is None:
            return
        self._seal(self._buffer, final=True)
        self._buffer.clear()
        self._sync()
        self._release()

    def abort(self) -> None:
        """Close without the final chunk: the file reads as truncated, as after a crash.

        What was already written stays on disk (encrypted) for :meth:`StreamReader.recover_prefix`;
        deleting it is the caller's decision.
        """
        self._buffer.clear()
        if self._fd is not None:
            self._release()

    def __enter__(self) -> StreamWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # A recording interrupted by an error must not be sealed as if it had ended normally.
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def _check_open(self) -> None:
        if self._fd is None:
            raise VaultError(f"{self._path}: stream is closed", kind=ErrorKind.INTERNAL)

    def _seal(self, plaintext: bytearray | memoryview, *, final: bool) -> None:
        if self._index >= _MAX_CHUNKS:
            self.abort()
            raise VaultError(
                f"{self._path}: stream exceeds {_MAX_CHUNKS} chunks", kind=ErrorKind.INTERNAL
            )
        nonce = _nonce(self._prefix, self._index, final)
        self._write_raw(self._aead.encrypt(nonce, plaintext, self._header))
        self._index += 1

    def _write_raw(self, data: bytes) -> None:
        assert self._fd is not None  # callers check; this is for the type checker
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._fd, view) :]
        except OSError as error:
            # The file may now end inside a chunk; further writes would only hide that.
            self.abort()
            raise _storage_error(self._path, "write the recording", error) from None

    def _sync(self) -> None:
        assert self._fd is not None  # callers check; this is for the type checker
        try:
            os.fsync(self._fd)
            if not self._directory_synced:
                _fsync_directory(self._path.parent)
                self._directory_synced = True
        except OSError as error:
            self.abort()
            raise _storage_error(self._path, "sync the recording", error) from None

    def _release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


@dataclasses.dataclass(frozen=True)
class RecoveredPrefix:
    """The verified start of a stream that may be cut short (see ``recover_prefix``)."""

    chunks: tuple[bytes, ...]
    """Plaintext of each chunk that verified, in order from the first."""
    complete: bool
    """True only if the stream verified to its final chunk (then ``chunks`` is all of it)."""
    problem: str | None
    """Why recovery stopped, for staff and logs (no plaintext); None when complete."""

    @property
    def data(self) -> bytes:
        """The recovered plaintext in one piece."""
        return b"".join(self.chunks)


class StreamReader:
    """Decrypts and verifies a stream written by :class:`StreamWriter`.

    Iterating yields plaintext chunks, each authentic and in place. A stream is known to be
    *complete* only when iteration ends without an error; a caller that acts on the content
    (transcribes it, scores it) must not commit its results before that, or use :meth:`read_all`.
    """

    def __init__(self, path: Path, file: BinaryIO, aead: AESGCM, header: bytes) -> None:
        """Use :meth:`open`; this only adopts a file whose header has been checked."""
        self._path = path
        self._file = file
        self._aead = aead
        self._header = header
        self._prefix = header[9:16]
        self._chunk_size: int = _HEADER.unpack(header)[3]

    @classmethod
    def open(cls, path: Path, key: bytes, context: bytes) -> StreamReader:
        """Open ``path`` and check its header against ``context``; chunks are checked as read."""
        aead = _aead(key)
        try:
            file = path.open("rb")
        except OSError as error:
            raise _storage_error(path, "open the recording", error) from None
        try:
            header = cls._read_header(path, file, context)
        except BaseException:
            file.close()
            raise
        return cls(path, file, aead, header)

    @staticmethod
    def _read_header(path: Path, file: BinaryIO, context: bytes) -> bytes:
        header = file.read(HEADER_SIZE)
        if len(header) < HEADER_SIZE:
            raise VaultError(
                f"{path}: recording is truncated inside its header", kind=ErrorKind.STORAGE_CORRUPT
            )
        magic, version, _, chunk_size, digest = _HEADER.unpack(header)
        if magic != MAGIC:
            raise VaultError(f"{path}: not an encrypted recording", kind=ErrorKind.STORAGE_CORRUPT)
        if version != VERSION:
            raise VaultError(
                f"{path}: unsupported recording format version {version}",
                kind=ErrorKind.STORAGE_CORRUPT,
            )
        if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
            raise VaultError(
                f"{path}: header has an impossible chunk size", kind=ErrorKind.STORAGE_CORRUPT
            )
        if not secrets.compare_digest(digest, hashlib.sha256(context).digest()):
            raise VaultError(
                f"{path}: recording belongs to another context (session, kind or id), "
                "or its header is corrupt",
                kind=ErrorKind.STORAGE_CORRUPT,
            )
        return header

    @property
    def path(self) -> Path:
        """The file being read."""
        return self._path

    @property
    def chunk_size(self) -> int:
        """Plaintext bytes per non-final chunk, from the header."""
        return self._chunk_size

    def __iter__(self) -> Iterator[bytes]:
        """Each chunk's plaintext; raises :class:`VaultError` at the first one that fails."""
        for _, plaintext in self._chunks():
            yield plaintext

    def read_all(self) -> bytes:
        """The whole plaintext, verified to the final chunk."""
        return b"".join(self)

    def recover_prefix(self) -> RecoveredPrefix:
        """The chunks that verify, from the first up to the first problem, without raising.

        For crash recovery: a recording killed mid-answer keeps every complete chunk it wrote.
        STREAM guarantees that what is returned is a true prefix of what was recorded, never a
        reordered or spliced one; whether a prefix is good enough to use is the caller's call,
        and :attr:`RecoveredPrefix.complete` says whether anything is missing.
        """
        chunks: list[bytes] = []
        try:
            for _, plaintext in self._chunks():
                chunks.append(plaintext)
        except VaultError as error:
            return RecoveredPrefix(tuple(chunks), complete=False, problem=str(error))
        return RecoveredPrefix(tuple(chunks), complete=True, problem=None)

    def close(self) -> None:
        """Release the file."""
        self._file.close()

    def __enter__(self) -> StreamReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _chunks(self) -> Iterator[tuple[int, bytes]]:
        try:
            self._file.seek(HEADER_SIZE)
        except (OSError, ValueError) as error:
            raise VaultError(
                f"{self._path}: could not read the recording ({error})",
                kind=ErrorKind.STORAGE_FAILED,
            ) from None
        block_size = self._chunk_size + TAG_SIZE
        index = 0
        while True:
            block = self._read(block_size)
            if len(block) == block_size:
                # Full length: a non-final chunk, since the final one is always shorter.
                yield index, self._open_chunk(index, block, final=False)
                index += 1
                continue
            if not block:
                raise VaultError(
                    f"{self._path}: recording is truncated: no final chunk after {index} chunks "
                    "(cut short by a crash, or tampered with)",
                    kind=ErrorKind.STORAGE_CORRUPT,
                )
            if len(block) < TAG_SIZE:
                raise VaultError(
                    f"{self._path}: chunk {index} is cut short", kind=ErrorKind.STORAGE_CORRUPT
                )
            plaintext = self._open_chunk(index, block, final=True)
            # A short read already means end of file, unless the file is still growing (a reader
            # opened on a recording in progress): then the stream is not what was verified.
            if self._read(1):
                raise VaultError(
                    f"{self._path}: data follows the final chunk {index}",
                    kind=ErrorKind.STORAGE_CORRUPT,
                )
            yield index, plaintext
            return

    def _read(self, size: int) -> bytes:
        try:
            return self._file.read(size)
        except (OSError, ValueError) as error:
            raise VaultError(
                f"{self._path}: could not read the recording ({error})",
                kind=ErrorKind.STORAGE_FAILED,
            ) from None

    def _open_chunk(self, index: int, block: bytes, *, final: bool) -> bytes:
        if index >= _MAX_CHUNKS:
            raise VaultError(
                f"{self._path}: more chunks than the format allows", kind=ErrorKind.STORAGE_CORRUPT
            )
        try:
            return self._aead.decrypt(_nonce(self._prefix, index, final), block, self._header)
        except InvalidTag:
            # One message for every cause: GCM cannot tell a wrong key from a flipped bit.
            what = "final chunk" if final else "chunk"
            raise VaultError(
                f"{self._path}: {what} {index} failed authentication (corrupt, cut short, "
                "reordered, from another recording, or the wrong key)",
                kind=ErrorKind.STORAGE_CORRUPT,
            ) from None
