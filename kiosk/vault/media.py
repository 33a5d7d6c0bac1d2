"""An answer's audio and video, encrypted while they are recorded, and read back for analysis.

Audio is 16-bit little-endian PCM (16 kHz mono) in one encrypted stream; video is JPEG frames,
each with its time in the answer, as records in another (:mod:`kiosk.vault.stream`). Both are
sealed under the session's data key and bound to the session, the kind and the attempt, so a
recording copied to another answer or session does not open. Nothing is decoded to a plaintext
file on the way in or out: readers return samples and frames in memory.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from hardware import AudioBlock, VideoFrame, decode_jpeg, encode_jpeg, fit_frame
from kiosk.errors import ErrorKind, HardwareError, KioskError, VaultError
from kiosk.vault.envelope import SessionKey
from kiosk.vault.stream import StreamReader, StreamWriter

SAMPLE_RATE = 16_000
# A frame record: timestamp (float64 seconds) || length (uint32) || JPEG bytes, big-endian.
_FRAME = struct.Struct(">dI")
_MAX_FRAME = (1 << 32) - 1
AUDIO = "audio"
VIDEO = "video"


def media_context(session_id: str, kind: str, recording_id: str) -> bytes:
    """What a recording stream is bound to (hashed into its header and every chunk)."""
    return f"session={session_id};kind={kind};id={recording_id};v1".encode()


class FrameRecordWriter:
    """Writes timestamped video frames (JPEG bytes) as records into one stream.

    Record layout: timestamp (float64, seconds) || length (uint32) || frame bytes, all
    big-endian. Records ignore chunk boundaries; :func:`iter_frame_records` reassembles them.
    """

    def __init__(self, stream: StreamWriter) -> None:
        """Write records to ``stream``; closing it stays the caller's job."""
        self._stream = stream
        self._frames = 0

    @property
    def frames_written(self) -> int:
        """Records written so far."""
        return self._frames

    def write_frame(self, timestamp: float, frame: bytes) -> None:
        """Append one frame taken at ``timestamp`` seconds."""
        if len(frame) > _MAX_FRAME:
            raise VaultError("a frame record is limited to 4 GiB", kind=ErrorKind.INTERNAL)
        self._stream.write(_FRAME.pack(timestamp, len(frame)))
        self._stream.write(frame)
        self._frames += 1


def iter_frame_records(
    chunks: Iterable[bytes], *, drop_partial_tail: bool = False
) -> Iterator[tuple[float, bytes]]:
    """``(timestamp, frame)`` for each record in the plaintext ``chunks`` (e.g. a StreamReader).

    A stream that ends inside a record raises :class:`VaultError`; a complete stream never does
    that. For the chunks of a :class:`RecoveredPrefix`, where a crash may have cut the last
    record, pass ``drop_partial_tail=True`` to skip it instead.
    """
    pending = bytearray()
    for chunk in chunks:
        pending += chunk
        offset = 0
        while len(pending) - offset >= _FRAME.size:
            timestamp, length = _FRAME.unpack_from(pending, offset)
            end = offset + _FRAME.size + length
            if end > len(pending):
                break
            yield timestamp, bytes(pending[offset + _FRAME.size : end])
            offset = end
        # One deletion per chunk, not per record: keeps reassembly linear in the stream size.
        del pending[:offset]
    if pending and not drop_partial_tail:
        raise VaultError(
            f"recording ends inside a frame record ({len(pending)} bytes left over)",
            kind=ErrorKind.STORAGE_CORRUPT,
        )


def _disk_error(error: VaultError) -> HardwareError:
    # The recorder treats writer failures as the end of a recording; keep the kind (DISK_FULL).
    return HardwareError(str(error), kind=error.kind)


_Writer = TypeVar("_Writer", bound="_EncryptedWriter")


class _EncryptedWriter:
    """One encrypted recording stream; closing seals it, an exception aborts it."""

    def __init__(self, path: Path, key: SessionKey, kind: str, recording_id: str) -> None:
        try:
            self._stream = StreamWriter.create(
                path, key.key, media_context(key.session_id, kind, recording_id)
            )
        except VaultError as error:
            raise _disk_error(error) from None

    def close(self) -> None:
        """Seal the final chunk; the recording is complete only after this."""
        try:
            self._stream.close()
        except VaultError as error:
            raise _disk_error(error) from None

    def __enter__(self: _Writer) -> _Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()
        else:
            self._stream.abort()  # an interrupted recording must read as cut short


class EncryptedAudioWriter(_EncryptedWriter):
    """Writes audio blocks as PCM16 into an encrypted stream."""

    def __init__(self, path: Path, key: SessionKey, recording_id: str) -> None:
        super().__init__(path, key, AUDIO, recording_id)
        self._samples = 0

    @property
    def frames_written(self) -> int:
        """Samples written so far."""
        return self._samples

    def write(self, block: AudioBlock) -> None:
        """Append a block (float samples in [-1, 1], rounded as the WAV writer does)."""
        pcm = np.clip(np.round(block.samples * 32768.0), -32768, 32767).astype("<i2")
        try:
            self._stream.write(pcm.tobytes())
        except VaultError as error:
            raise _disk_error(error) from None
        self._samples += len(pcm)


class EncryptedVideoWriter(_EncryptedWriter):
    """Writes frames as timestamped JPEG records into an encrypted stream."""

    def __init__(
        self, path: Path, key: SessionKey, recording_id: str, size: tuple[int, int]
    ) -> None:
        super().__init__(path, key, VIDEO, recording_id)
        self._records = FrameRecordWriter(self._stream)
        self._size = size

    @property
    def frames_written(self) -> int:
        """Frames written so far."""
        return self._records.frames_written

    def write(self, frame: VideoFrame, media_time: float) -> None:
        """Append ``frame``, resized to the recording's size, taken at ``media_time``."""
        data = encode_jpeg(fit_frame(frame.image, self._size))
        try:
            self._records.write_frame(media_time, data)
        except VaultError as error:
            raise _disk_error(error) from None


def read_audio(path: Path, key: SessionKey, recording_id: str) -> npt.NDArray[np.float32]:
    """A whole recorded answer's samples (VaultError if the file is corrupt or cut short)."""
    context = media_context(key.session_id, AUDIO, recording_id)
    with StreamReader.open(path, key.key, context) as reader:
        data = reader.read_all()
    if len(data) % 2:
        raise VaultError(f"{path}: odd number of PCM bytes", kind=ErrorKind.STORAGE_CORRUPT)
    return np.frombuffer(data, "<i2").astype(np.float32) / 32768.0


def read_frames(
    path: Path, key: SessionKey, recording_id: str
) -> Iterator[tuple[float, npt.NDArray[np.uint8]]]:
    """(time in the answer, BGR image) of every recorded frame, in order.

    Frames come as the stream is verified chunk by chunk; a stream found corrupt or cut short
    raises VaultError when the reader reaches the bad chunk, so a caller must not keep results
    of an iteration that did not finish.
    """
    context = media_context(key.session_id, VIDEO, recording_id)
    with StreamReader.open(path, key.key, context) as reader:
        for timestamp, data in iter_frame_records(reader):
            try:
                yield timestamp, decode_jpeg(data)
            except KioskError as error:
                raise VaultError(f"{path}: {error}", kind=ErrorKind.STORAGE_CORRUPT) from None
