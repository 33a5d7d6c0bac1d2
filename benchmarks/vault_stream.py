"""Streamed recording encryption (kiosk.vault.stream): what it costs the 2-core kiosk.

- encrypting a minute of recorded media (16 kHz 16-bit mono audio in 0.1 s blocks, plus 10 fps
  JPEG frames of about 10 KB as frame records) through :class:`StreamWriter` to files, closed and
  fsynced, against writing the same bytes unencrypted in the same 64 KiB chunks with the same
  fsyncs: CPU time is the figure that competes with analysis, wall time includes the disk;
- reading it back, decrypted and verified, against reading the plain files in the same chunks.

The payload is random bytes (AES-GCM's speed does not depend on content); the frame sizes vary
deterministically around 10 KB. Figures are medians of several repeats from this run only.
"""

from __future__ import annotations

import os
import statistics
import struct
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from kiosk.vault.media import FrameRecordWriter
from kiosk.vault.stream import (
    DEFAULT_CHUNK_SIZE,
    StreamReader,
    StreamWriter,
    encrypted_size,
)

Row = tuple[str, str, str, str]

KEY = bytes(range(32))
AUDIO_BLOCK = 3_200  # 0.1 s of 16 kHz 16-bit mono, as the microphone delivers it
AUDIO_BLOCKS_PER_MINUTE = 600
FRAMES_PER_MINUTE = 600  # 10 fps
MINUTES = 3  # per repeat: long enough that per-file set-up does not dominate
REPEATS = 5
_FRAME_HEADER = struct.Struct(">dI")  # the same record layout FrameRecordWriter writes


class _Sink(Protocol):
    def write(self, data: bytes) -> None: ...

    def close(self) -> None: ...


class _PlainChunkedFile:
    """The baseline: the same buffering into fixed chunks and the same fsyncs, no encryption."""

    def __init__(self, path: Path, chunk_size: int = DEFAULT_CHUNK_SIZE) -> None:
        self._path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._chunk_size = chunk_size
        self._buffer = bytearray()

    def write(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) >= self._chunk_size:
            os.write(self._fd, self._buffer[: self._chunk_size])
            del self._buffer[: self._chunk_size]

    def close(self) -> None:
        os.write(self._fd, self._buffer)
        os.fsync(self._fd)
        os.close(self._fd)
        directory = os.open(self._path.parent, os.O_RDONLY)
        os.fsync(directory)
        os.close(directory)


class _FrameSink:
    """Writes frame records to a plain sink exactly as FrameRecordWriter does to a stream."""

    def __init__(self, sink: _Sink) -> None:
        self._sink = sink

    def write_frame(self, timestamp: float, frame: bytes) -> None:
        self._sink.write(_FRAME_HEADER.pack(timestamp, len(frame)))
        self._sink.write(frame)


def media(minutes: int) -> tuple[list[bytes], list[bytes]]:
    """Audio blocks and JPEG-sized frames for ``minutes`` of recording (about 8 MB a minute)."""
    audio = [os.urandom(AUDIO_BLOCK) for _ in range(AUDIO_BLOCKS_PER_MINUTE * minutes)]
    frames = [os.urandom(9_000 + i * 997 % 2_000) for i in range(FRAMES_PER_MINUTE * minutes)]
    return audio, frames


def record(
    audio: list[bytes],
    frames: list[bytes],
    audio_sink: _Sink,
    video_sink: _Sink,
    write_frame: Callable[[float, bytes], None],
) -> None:
    """Interleave audio and video as the recorder does: one frame per 0.1 s audio block."""
    for index, (block, frame) in enumerate(zip(audio, frames, strict=True)):
        audio_sink.write(block)
        write_frame(index / 10, frame)
    audio_sink.close()
    video_sink.close()


def median_costs(run: Callable[[int], object]) -> tuple[float, float]:
    """Median CPU seconds and wall seconds of ``run(repeat)`` over REPEATS calls."""
    cpu, wall = [], []
    for repeat in range(REPEATS):
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        run(repeat)
        cpu.append(time.process_time() - cpu_start)
        wall.append(time.perf_counter() - wall_start)
    return statistics.median(cpu), statistics.median(wall)


def bench_encrypt(workdir: Path) -> tuple[tuple[float, float], tuple[float, float], int]:
    """(CPU, wall) seconds per minute encrypted and plain, and the plaintext bytes per minute."""
    audio, frames = media(MINUTES)

    def encrypted(repeat: int) -> None:
        audio_stream = StreamWriter.create(
            workdir / f"enc-{repeat}.audio", KEY, b"session=bench;kind=audio;id=q01-a1"
        )
        video_stream = StreamWriter.create(
            workdir / f"enc-{repeat}.video", KEY, b"session=bench;kind=video;id=q01-a1"
        )
        frame_writer = FrameRecordWriter(video_stream)
        record(audio, frames, audio_stream, video_stream, frame_writer.write_frame)

    def plain(repeat: int) -> None:
        audio_file = _PlainChunkedFile(workdir / f"plain-{repeat}.audio")
        video_file = _PlainChunkedFile(workdir / f"plain-{repeat}.video")
        record(audio, frames, audio_file, video_file, _FrameSink(video_file).write_frame)

    enc_cpu, enc_wall = median_costs(encrypted)
    plain_cpu, plain_wall = median_costs(plain)
    per_minute = (
        sum(map(len, audio)) + sum(len(f) + _FRAME_HEADER.size for f in frames)
    ) // MINUTES
    return (
        (enc_cpu / MINUTES, enc_wall / MINUTES),
        (plain_cpu / MINUTES, plain_wall / MINUTES),
        per_minute,
    )


def _plain_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as file:
        yield from iter(lambda: file.read(DEFAULT_CHUNK_SIZE), b"")


def bench_decrypt(workdir: Path) -> tuple[float, float]:
    """Plaintext MB/s read back decrypted and verified, and read back plain (page cache warm)."""
    pairs = [
        (workdir / "enc-0.audio", b"session=bench;kind=audio;id=q01-a1"),
        (workdir / "enc-0.video", b"session=bench;kind=video;id=q01-a1"),
    ]
    plain = [workdir / "plain-0.audio", workdir / "plain-0.video"]
    size = sum(p.stat().st_size for p in plain)

    def decrypt(_: int) -> None:
        for path, context in pairs:
            with StreamReader.open(path, KEY, context) as reader:
                for _chunk in reader:
                    pass

    def read_plain(_: int) -> None:
        for path in plain:
            for _chunk in _plain_chunks(path):
                pass

    _, decrypt_wall = median_costs(decrypt)
    _, plain_wall = median_costs(read_plain)
    return size / decrypt_wall / 1e6, size / plain_wall / 1e6


def rows() -> list[Row]:
    """Measure everything; one row per figure."""
    with tempfile.TemporaryDirectory() as tmp:
        (enc_cpu, enc_wall), (plain_cpu, plain_wall), per_minute = bench_encrypt(Path(tmp))
        decrypt_rate, plain_rate = bench_decrypt(Path(tmp))
    overhead = encrypted_size(per_minute, DEFAULT_CHUNK_SIZE) / per_minute - 1
    return [
        (
            "encrypt 1 min of audio+video, CPU",
            f"{enc_cpu * 1e3:.1f} ms ({enc_cpu / 60:.2%} of a core)",
            f"{plain_cpu * 1e3:.1f} ms (plain 64 KiB writes)",
            f"{enc_cpu / plain_cpu:.2f}x",
        ),
        (
            "  same, wall time incl. fsync",
            f"{enc_wall * 1e3:.1f} ms",
            f"{plain_wall * 1e3:.1f} ms (plain 64 KiB writes)",
            f"{enc_wall / plain_wall:.2f}x",
        ),
        (
            "  bytes per minute, on disk",
            f"{per_minute / 1e6:.2f} MB + {overhead:.3%}",
            "(header + 16 B tag per 64 KiB)",
            "",
        ),
        (
            "decrypt + verify a recording",
            f"{decrypt_rate:.0f} MB/s",
            f"{plain_rate:.0f} MB/s (plain 64 KiB reads)",
            f"{plain_rate / decrypt_rate:.2f}x",
        ),
    ]


if __name__ == "__main__":
    for row in rows():
        print("  ".join(row))
