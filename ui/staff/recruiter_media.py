"""A key segment of a recorded answer, decrypted into memory as a playable clip.

Answers are kept encrypted at rest (:mod:`kiosk.vault.media`): the video as a stream of JPEG
frames, the audio as 16 kHz PCM. Qt's media player needs a container, so the segment's frames
and samples are wrapped, as they are, in a Motion-JPEG AVI built in memory (no re-encoding: AVI
holds JPEG frames and PCM natively, and the player's FFmpeg backend reads both). The player then
reads it from a ``QBuffer``: the plaintext never touches the disk.

Qt-free, so the staff thread builds the clip and the GUI thread only plays it. Recordings stay
on the terminal only while they wait for upload (``erp.upload_media``); once uploaded or
purged, there is nothing to play and :func:`load_clip` says so by returning None.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kiosk.dashboard import KeySegment, department_of
from kiosk.errors import ErrorKind, VaultError
from kiosk.recording import recording_id
from kiosk.staff import StaffServices
from kiosk.vault.media import AUDIO, SAMPLE_RATE, VIDEO, iter_frame_records, media_context
from kiosk.vault.roles import Permission
from kiosk.vault.stream import StreamReader

#: The frame rate assumed when a segment has a single frame (the recorder's default).
DEFAULT_FPS = 10.0
_PCM_BYTES = 2  # 16-bit mono


@dataclass(frozen=True, slots=True)
class Clip:
    """A playable segment: an AVI in memory (personal data: never written anywhere)."""

    data: bytes
    seconds: float
    frames: int
    has_audio: bool


def load_clip(services: StaffServices, session_id: str, segment: KeySegment) -> Clip | None:
    """The clip of ``segment`` in session ``session_id``, or None if its recordings are no
    longer on this terminal. Checked like reading the report (a department head only for their
    own departments); :class:`VaultError` if the recordings do not decrypt."""
    row = services.kiosk.store.session(session_id)
    who = services.require(Permission.VIEW_REPORT, department_of(services.bank, row.position_id))
    name = recording_id(segment.answer_index, segment.attempt)
    folder = services.kiosk.config.media_dir / session_id
    video, audio = folder / f"{name}.video.enc", folder / f"{name}.audio.enc"
    if not video.exists():
        return None
    key = services.kiosk.store.session_key(session_id)
    frames = _frames(video, key.key, media_context(session_id, VIDEO, name), segment)
    if not frames:
        return None
    times = [t for t, _ in frames]
    fps = (len(times) - 1) / (times[-1] - times[0]) if times[-1] > times[0] else DEFAULT_FPS
    pcm = b""
    if audio.exists():
        with StreamReader.open(audio, key.key, media_context(session_id, AUDIO, name)) as reader:
            samples = reader.read_all()
        # The audio that runs with the frames: from the first frame, for as long as they last.
        first = int(times[0] * SAMPLE_RATE) * _PCM_BYTES
        length = int(len(frames) / fps * SAMPLE_RATE) * _PCM_BYTES
        pcm = samples[first : first + length]
    width, height = jpeg_size(frames[0][1])
    data = mjpeg_avi([f for _, f in frames], width, height, fps, pcm)
    # Watching a candidate is its own access, beside reading the report: on the record.
    detail: dict[str, float] = {"answer": segment.answer_index, "attempt": segment.attempt}
    detail.update(start=round(segment.start, 2), end=round(segment.end, 2))
    services.kiosk.store.audit(who.user_id, "media_played", session_id, detail, services.now())
    return Clip(data, len(frames) / fps, len(frames), bool(pcm))


def _frames(
    path: Path, key: bytes, context: bytes, segment: KeySegment
) -> list[tuple[float, bytes]]:
    """The JPEG frames of ``segment`` with their times, read until the segment ends (playing
    needs no verification of the rest of the stream; every chunk read is verified)."""
    frames = []
    with StreamReader.open(path, key, context) as reader:
        for timestamp, frame in iter_frame_records(reader, drop_partial_tail=True):
            if timestamp > segment.end:
                break
            if timestamp >= segment.start:
                frames.append((timestamp, frame))
    return frames


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a JPEG's start-of-frame marker."""
    at = 2  # after SOI
    while at + 9 <= len(data):
        if data[at] != 0xFF:
            break
        marker = data[at + 1]
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        # SOF0-SOF15, except DHT (C4), JPG (C8) and DAC (CC), carry the frame size.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    raise VaultError("a recorded frame is not a JPEG image", kind=ErrorKind.MEDIA_INVALID)


def _chunk(fourcc: bytes, data: bytes) -> bytes:
    # RIFF chunks are padded to an even length; the size field does not count the pad.
    return fourcc + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")


def _list(kind: bytes, data: bytes) -> bytes:
    return b"LIST" + struct.pack("<I", len(data) + 4) + kind + data


def mjpeg_avi(
    frames: Sequence[bytes], width: int, height: int, fps: float, pcm: bytes = b""
) -> bytes:
    """An AVI of JPEG ``frames`` at ``fps`` and, if given, 16 kHz mono 16-bit ``pcm`` audio.

    The layout is the plain AVI 1.0 one (``hdrl`` with one ``strl`` per stream, ``movi`` with
    the chunks, ``idx1`` indexing them), which every AVI reader accepts.
    """
    if not frames:
        raise ValueError("a clip needs at least one frame")
    streams = 2 if pcm else 1
    largest = max(len(f) for f in frames)
    rate = round(fps * 1000)  # frames per 1000 s: the stream header's rate/scale
    avih = struct.pack(
        "<10I4I",
        round(1_000_000 / fps),  # microseconds per frame
        round(largest * fps) + (SAMPLE_RATE * _PCM_BYTES if pcm else 0),  # max bytes per second
        0,  # padding granularity
        0x10,  # AVIF_HASINDEX
        len(frames),
        0,  # initial frames
        streams,
        largest,  # suggested buffer size
        width,
        height,
        *(0, 0, 0, 0),
    )
    video_header = b"vidsMJPG" + struct.pack(
        "<IHHIIIIIIIIhhhh", 0, 0, 0, 0, 1000, rate, 0, len(frames), largest, 0xFFFFFFFF, 0,
        0, 0, width, height,
    )  # fmt: skip
    video_format = struct.pack(
        "<IiiHH4sIiiII", 40, width, height, 1, 24, b"MJPG", width * height * 3, 0, 0, 0, 0
    )
    stream_lists = _list(b"strl", _chunk(b"strh", video_header) + _chunk(b"strf", video_format))
    if pcm:
        audio_header = b"auds\0\0\0\0" + struct.pack(
            "<IHHIIIIIIIIhhhh", 0, 0, 0, 0, 1, SAMPLE_RATE, 0, len(pcm) // _PCM_BYTES, len(pcm),
            0xFFFFFFFF, _PCM_BYTES, 0, 0, 0, 0,
        )  # fmt: skip
        # WAVEFORMATEX: PCM, mono, rate, bytes per second, block align, bits per sample.
        audio_format = struct.pack(
            "<HHIIHH", 1, 1, SAMPLE_RATE, SAMPLE_RATE * _PCM_BYTES, _PCM_BYTES, 16
        )
        stream_lists += _list(
            b"strl", _chunk(b"strh", audio_header) + _chunk(b"strf", audio_format)
        )
    movi, index = [], []
    offset = 4  # idx1 offsets count from the "movi" fourcc
    chunks = []
    # Interleaved: each frame followed by the audio that plays with it, so a reader needs no
    # seeking back and forth (FFmpeg warns about, and copes less well with, one audio block).
    per_frame = -(-len(pcm) // len(frames) // _PCM_BYTES) * _PCM_BYTES  # whole samples, ceil
    for i, frame in enumerate(frames):
        chunks.append((b"00dc", frame))
        piece = pcm[i * per_frame : (i + 1) * per_frame]
        if piece:
            chunks.append((b"01wb", piece))
    for fourcc, data in chunks:
        chunk = _chunk(fourcc, data)
        index.append(fourcc + struct.pack("<III", 0x10, offset, len(data)))  # AVIIF_KEYFRAME
        movi.append(chunk)
        offset += len(chunk)
    body = (
        b"AVI "
        + _list(b"hdrl", _chunk(b"avih", avih) + stream_lists)
        + _list(b"movi", b"".join(movi))
        + _chunk(b"idx1", b"".join(index))
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body
