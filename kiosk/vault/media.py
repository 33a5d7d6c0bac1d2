"""An answer's audio and video, encrypted while they are recorded, and read back for analysis.

Audio is 16-bit little-endian PCM (16 kHz mono) in one encrypted stream; video is JPEG frames,
each with its time in the answer, as records in another (:mod:`kiosk.vault.stream`). Both are
sealed under the session's data key and bound to the session, the kind and the attempt, so a
recording copied to another answer or session does not open. Nothing is decoded to a plaintext
file on the way in or out: readers return samples and frames in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

from hardware import AudioBlock, VideoFrame, decode_jpeg, encode_jpeg, fit_frame
from kiosk.errors import ErrorKind, HardwareError, KioskError, VaultError
from kiosk.vault.envelope import SessionKey
from kiosk.vault.stream import FrameRecordWriter, StreamReader, StreamWriter, iter_frame_records

SAMPLE_RATE = 16_000
AUDIO = "audio"
VIDEO = "video"


def media_context(session_id: str, kind: str, recording_id: str) -> bytes:
    """What a recording stream is bound to (hashed into its header and every chunk)."""
    return f"session={session_id};kind={kind};id={recording_id};v1".encode()


def _disk_error(error: VaultError) -> HardwareError:
    # The recorder treats writer failures as the end of a recording; keep the kind (DISK_FULL).
    return HardwareError(str(error), kind=error.kind)


class EncryptedAudioWriter:
    """Writes audio blocks as PCM16 into an encrypted stream."""

    def __init__(self, path: Path, key: SessionKey, recording_id: str) -> None:
        try:
            self._stream = StreamWriter.create(
                path, key.key, media_context(key.session_id, AUDIO, recording_id)
            )
        except VaultError as error:
            raise _disk_error(error) from None
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

    def close(self) -> None:
        """Seal the final chunk; the recording is complete only after this."""
        try:
            self._stream.close()
        except VaultError as error:
            raise _disk_error(error) from None

    def __enter__(self) -> EncryptedAudioWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()
        else:
            self._stream.abort()  # an interrupted recording must read as cut short


class EncryptedVideoWriter:
    """Writes frames as timestamped JPEG records into an encrypted stream."""

    def __init__(
        self, path: Path, key: SessionKey, recording_id: str, size: tuple[int, int]
    ) -> None:
        try:
            self._stream = StreamWriter.create(
                path, key.key, media_context(key.session_id, VIDEO, recording_id)
            )
        except VaultError as error:
            raise _disk_error(error) from None
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

    def close(self) -> None:
        """Seal the final chunk."""
        try:
            self._stream.close()
        except VaultError as error:
            raise _disk_error(error) from None

    def __enter__(self) -> EncryptedVideoWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()
        else:
            self._stream.abort()


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
