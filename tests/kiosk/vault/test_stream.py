"""Streamed recording encryption on real files: round trips, every tamper case, crash recovery."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.errors import ErrorKind, VaultError
from kiosk.vault.media import FrameRecordWriter, iter_frame_records
from kiosk.vault.stream import (
    DEFAULT_CHUNK_SIZE,
    HEADER_SIZE,
    TAG_SIZE,
    StreamReader,
    StreamWriter,
    encrypted_size,
)

ROOT = Path(__file__).resolve().parents[3]
KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
CONTEXT = b"session=s-7f3a;kind=audio;id=q01-a1"
CHUNK = 64  # small chunks keep boundary cases cheap to reach
BLOCK = CHUNK + TAG_SIZE


def pattern(size: int) -> bytes:
    """Bytes that differ chunk to chunk, so a swapped chunk cannot decrypt to the same text."""
    return bytes((i * 7 + i // 251) % 256 for i in range(size))


def write_stream(
    path: Path, data: bytes, *, chunk_size: int = CHUNK, piece: int | None = None
) -> Path:
    with StreamWriter.create(path, KEY, CONTEXT, chunk_size=chunk_size) as writer:
        step = piece or max(1, len(data))
        for start in range(0, len(data), step):
            writer.write(data[start : start + step])
    return path


def read_all(path: Path, key: bytes = KEY, context: bytes = CONTEXT) -> bytes:
    with StreamReader.open(path, key, context) as reader:
        return reader.read_all()


def chunk_at(index: int) -> slice:
    """Where on disk chunk ``index`` of a CHUNK-sized stream lies (the final one may be shorter)."""
    start = HEADER_SIZE + index * BLOCK
    return slice(start, start + BLOCK)


def assert_corrupt(path: Path, *, key: bytes = KEY, context: bytes = CONTEXT) -> VaultError:
    with pytest.raises(VaultError) as caught:
        read_all(path, key, context)
    assert caught.value.kind is ErrorKind.STORAGE_CORRUPT
    assert path.name in str(caught.value)
    return caught.value


@pytest.mark.parametrize(
    "size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 10 * CHUNK + 7], ids=lambda s: f"{s}B"
)
@pytest.mark.parametrize("piece", [None, 1, 7, CHUNK, 3 * CHUNK + 5], ids=lambda p: f"piece{p}")
def test_round_trip_whatever_the_write_sizes(tmp_path: Path, size: int, piece: int | None) -> None:
    data = pattern(size)
    path = write_stream(tmp_path / "a.stream", data, piece=piece)
    assert path.stat().st_size == encrypted_size(size, CHUNK)
    with StreamReader.open(path, KEY, CONTEXT) as reader:
        chunks = list(reader)
    assert b"".join(chunks) == data
    # Every chunk but the final one is full; the final one holds the remainder, maybe nothing.
    assert [len(c) for c in chunks] == [CHUNK] * (size // CHUNK) + [size % CHUNK]


def test_round_trip_at_the_default_chunk_size(tmp_path: Path) -> None:
    data = os.urandom(3 * DEFAULT_CHUNK_SIZE + 1234)
    with StreamWriter.create(tmp_path / "a.stream", KEY, CONTEXT) as writer:
        for start in range(0, len(data), 3200):  # 0.1 s of 16 kHz PCM per write
            writer.write(data[start : start + 3200])
        assert writer.bytes_written == len(data)
    assert (tmp_path / "a.stream").stat().st_size == encrypted_size(len(data))
    assert read_all(tmp_path / "a.stream") == data


def test_frame_records_span_chunk_boundaries(tmp_path: Path) -> None:
    frames = [(i / 10, pattern(n)) for i, n in enumerate([0, 1, 63, 64, 65, 300, 5, 1000, 2])]
    with StreamWriter.create(tmp_path / "v.stream", KEY, CONTEXT, chunk_size=CHUNK) as writer:
        records = FrameRecordWriter(writer)
        for timestamp, frame in frames:
            records.write_frame(timestamp, frame)
        assert records.frames_written == len(frames)
    with StreamReader.open(tmp_path / "v.stream", KEY, CONTEXT) as reader:
        assert list(iter_frame_records(reader)) == frames


def test_a_stream_ending_inside_a_frame_record_is_refused_unless_asked(tmp_path: Path) -> None:
    with StreamWriter.create(tmp_path / "v.stream", KEY, CONTEXT, chunk_size=CHUNK) as writer:
        FrameRecordWriter(writer).write_frame(1.5, pattern(100))
        writer.write(b"\x00" * 5)  # the start of a record header, and no more
    with StreamReader.open(tmp_path / "v.stream", KEY, CONTEXT) as reader:
        with pytest.raises(VaultError, match="inside a frame record"):
            list(iter_frame_records(reader))
        assert list(iter_frame_records(reader, drop_partial_tail=True)) == [(1.5, pattern(100))]


def test_wrong_key_fails(tmp_path: Path) -> None:
    path = write_stream(tmp_path / "a.stream", pattern(200))
    error = assert_corrupt(path, key=OTHER_KEY)
    assert "chunk 0" in str(error)


@pytest.mark.parametrize(
    "context",
    [
        b"session=s-7f3b;kind=audio;id=q01-a1",
        b"session=s-7f3a;kind=video;id=q01-a1",
        b"session=s-7f3a;kind=audio;id=q01-a2",
        b"",
    ],
    ids=["other-session", "other-kind", "other-id", "empty"],
)
def test_wrong_context_fails(tmp_path: Path, context: bytes) -> None:
    path = write_stream(tmp_path / "a.stream", pattern(200))
    assert "another context" in str(assert_corrupt(path, context=context))


def test_rewriting_the_header_for_another_context_does_not_help(tmp_path: Path) -> None:
    path = write_stream(tmp_path / "a.stream", pattern(200))
    other = b"session=s-7f3a;kind=audio;id=q02-a1"
    blob = bytearray(path.read_bytes())
    blob[HEADER_SIZE - 32 : HEADER_SIZE] = hashlib.sha256(other).digest()
    path.write_bytes(bytes(blob))
    assert "chunk 0 failed authentication" in str(assert_corrupt(path, context=other))


def test_swapped_chunks_fail(tmp_path: Path) -> None:
    path = write_stream(tmp_path / "a.stream", pattern(5 * CHUNK + 10))
    blob = bytearray(path.read_bytes())
    blob[chunk_at(1)], blob[chunk_at(2)] = blob[chunk_at(2)], blob[chunk_at(1)]
    path.write_bytes(bytes(blob))
    assert "chunk 1 failed authentication" in str(assert_corrupt(path))


@pytest.mark.parametrize("size", [3 * CHUNK, 3 * CHUNK + 10], ids=["empty-final", "short-final"])
def test_dropping_the_final_chunk_at_a_boundary_is_detected(tmp_path: Path, size: int) -> None:
    path = write_stream(tmp_path / "a.stream", pattern(size))
    with path.open("r+b") as file:
        file.truncate(HEADER_SIZE + 3 * BLOCK)
    assert "truncated: no final chunk after 3 chunks" in str(assert_corrupt(path))


def test_dropping_every_chunk_is_detected(tmp_path: Path) -> None:
    path = write_stream(tmp_path / "a.stream", b"")
    with path.open("r+b") as file:
        file.truncate(HEADER_SIZE)
    assert "no final chunk after 0 chunks" in str(assert_corrupt(path))


@pytest.mark.parametrize(
    "cut",
    [
        HEADER_SIZE + 3 * BLOCK + 9,  # inside the final chunk
        HEADER_SIZE + 3 * BLOCK + 1,  # so short it cannot even hold a tag
        HEADER_SIZE + BLOCK + BLOCK // 2,  # inside a full chunk
        HEADER_SIZE + 2 * BLOCK - 1,  # one byte short of a full chunk
        HEADER_SIZE - 1,  # inside the header
    ],
)
def test_a_cut_inside_a_chunk_is_detected(tmp_path: Path, cut: int) -> None:
    path = write_stream(tmp_path / "a.stream", pattern(3 * CHUNK + 20))
    with path.open("r+b") as file:
        file.truncate(cut)
    assert_corrupt(path)


@pytest.mark.parametrize("which", [0, 3], ids=["full-chunk", "final-chunk"])
def test_a_chunk_appended_after_the_final_one_is_detected(tmp_path: Path, which: int) -> None:
    path = write_stream(tmp_path / "a.stream", pattern(3 * CHUNK + 20))
    blob = path.read_bytes()
    path.write_bytes(blob + blob[chunk_at(which)])
    assert_corrupt(path)


def test_appending_to_an_empty_final_chunk_is_detected(tmp_path: Path) -> None:
    # The final chunk is a bare tag; what follows it must still be noticed.
    path = write_stream(tmp_path / "a.stream", pattern(2 * CHUNK))
    blob = path.read_bytes()
    path.write_bytes(blob + os.urandom(TAG_SIZE))
    assert_corrupt(path)


def test_a_chunk_from_another_stream_with_the_same_key_and_context_fails(tmp_path: Path) -> None:
    data = pattern(4 * CHUNK + 3)
    path = write_stream(tmp_path / "a.stream", data)
    other = write_stream(tmp_path / "b.stream", data)
    blob = bytearray(path.read_bytes())
    blob[chunk_at(2)] = other.read_bytes()[chunk_at(2)]
    path.write_bytes(bytes(blob))
    assert "chunk 2 failed authentication" in str(assert_corrupt(path))


@pytest.mark.parametrize(
    ("region", "offset"),
    [
        ("header-magic", 0),
        ("header-version", 8),
        ("header-nonce-prefix", 12),
        ("header-chunk-size", 19),
        ("header-context-digest", 40),
        ("ciphertext", HEADER_SIZE + BLOCK + 5),
        ("tag", HEADER_SIZE + 2 * BLOCK - 1),
        ("final-ciphertext", HEADER_SIZE + 2 * BLOCK + 2),
        ("final-tag", -1),
    ],
)
def test_one_flipped_bit_fails(tmp_path: Path, region: str, offset: int) -> None:
    path = write_stream(tmp_path / "a.stream", pattern(2 * CHUNK + 10))
    blob = bytearray(path.read_bytes())
    blob[offset] ^= 0x10
    path.write_bytes(bytes(blob))
    assert_corrupt(path)


def reseal(path: Path, index: int, plaintext: bytes, *, final: bool) -> bytes:
    """Chunk ``index`` of ``path``'s stream sealed afresh, as only a key holder could."""
    header = path.read_bytes()[:HEADER_SIZE]
    nonce = header[9:16] + index.to_bytes(4, "big") + (b"\x01" if final else b"\x00")
    return AESGCM(KEY).encrypt(nonce, plaintext, header)


def test_the_reader_checks_the_final_flag_not_only_the_length(tmp_path: Path) -> None:
    data = pattern(2 * CHUNK + 10)
    path = write_stream(tmp_path / "a.stream", data)
    blob = path.read_bytes()
    # The same short last chunk, but sealed as if more were to follow.
    path.write_bytes(blob[: chunk_at(2).start] + reseal(path, 2, data[2 * CHUNK :], final=False))
    assert "final chunk 2 failed authentication" in str(assert_corrupt(path))
    # A full chunk carrying the final flag (what age allows) is not this format's final chunk.
    path.write_bytes(
        blob[: chunk_at(1).start] + reseal(path, 1, data[CHUNK : 2 * CHUNK], final=True)
    )
    assert "chunk 1 failed authentication" in str(assert_corrupt(path))


def test_every_single_bit_flip_anywhere_fails(tmp_path: Path) -> None:
    path = write_stream(tmp_path / "a.stream", pattern(2 * CHUNK + 10))
    original = path.read_bytes()
    for bit in range(len(original) * 8):
        blob = bytearray(original)
        blob[bit // 8] ^= 1 << (bit % 8)
        path.write_bytes(bytes(blob))
        with pytest.raises(VaultError):
            read_all(path)


def test_recover_prefix_returns_exactly_the_complete_chunks(tmp_path: Path) -> None:
    data = pattern(5 * CHUNK + 30)
    path = write_stream(tmp_path / "a.stream", data)
    with path.open("r+b") as file:
        file.truncate(HEADER_SIZE + 3 * BLOCK + 40)  # the fourth chunk is cut mid-way
    with StreamReader.open(path, KEY, CONTEXT) as reader:
        with pytest.raises(VaultError):
            reader.read_all()
        prefix = reader.recover_prefix()
    assert not prefix.complete
    assert prefix.chunks == (data[:CHUNK], data[CHUNK : 2 * CHUNK], data[2 * CHUNK : 3 * CHUNK])
    assert prefix.data == data[: 3 * CHUNK]
    assert prefix.problem is not None
    assert "chunk 3" in prefix.problem


def test_recover_prefix_of_a_whole_stream_is_all_of_it(tmp_path: Path) -> None:
    data = pattern(2 * CHUNK + 5)
    with StreamReader.open(write_stream(tmp_path / "a.stream", data), KEY, CONTEXT) as reader:
        prefix = reader.recover_prefix()
    assert prefix.complete
    assert prefix.problem is None
    assert prefix.data == data


def test_an_error_inside_the_with_block_leaves_a_truncated_stream(tmp_path: Path) -> None:
    data = pattern(3 * CHUNK + 10)
    path = tmp_path / "a.stream"
    with (
        pytest.raises(RuntimeError),
        StreamWriter.create(path, KEY, CONTEXT, chunk_size=CHUNK) as w,
    ):
        w.write(data)
        raise RuntimeError("the camera died")
    assert "truncated" in str(assert_corrupt(path))
    with StreamReader.open(path, KEY, CONTEXT) as reader:
        prefix = reader.recover_prefix()
    assert (prefix.complete, prefix.data) == (False, data[: 3 * CHUNK])


def test_a_killed_recorder_leaves_a_stream_that_reads_as_truncated(tmp_path: Path) -> None:
    path = tmp_path / "killed.stream"
    script = textwrap.dedent(
        f"""
        import os, sys
        from pathlib import Path
        from kiosk.vault.stream import StreamWriter
        writer = StreamWriter.create(Path(sys.argv[1]), {KEY!r}, {CONTEXT!r}, chunk_size={CHUNK})
        writer.write(bytes(range(200)))
        writer.flush()
        os._exit(3)  # no close(): as if the power went
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(path)], cwd=ROOT, timeout=60, check=False
    )
    assert result.returncode == 3
    assert "truncated" in str(assert_corrupt(path))
    with StreamReader.open(path, KEY, CONTEXT) as reader:
        assert reader.recover_prefix().data == bytes(range(3 * CHUNK))


def test_flush_writes_complete_chunks_only(tmp_path: Path) -> None:
    path = tmp_path / "a.stream"
    with StreamWriter.create(path, KEY, CONTEXT, chunk_size=CHUNK) as writer:
        writer.write(pattern(2 * CHUNK + 10))
        writer.flush()
        assert path.stat().st_size == HEADER_SIZE + 2 * BLOCK
    assert path.stat().st_size == encrypted_size(2 * CHUNK + 10, CHUNK)


def test_the_file_is_private_and_never_overwritten(tmp_path: Path) -> None:
    path = write_stream(tmp_path / "a.stream", pattern(100))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_bytes()
    with pytest.raises(VaultError, match="refusing to overwrite"):
        StreamWriter.create(path, KEY, CONTEXT)
    assert path.read_bytes() == before


def test_writes_after_close_are_refused(tmp_path: Path) -> None:
    writer = StreamWriter.create(tmp_path / "a.stream", KEY, CONTEXT)
    writer.write(b"abc")
    writer.close()
    writer.close()  # harmless
    assert writer.closed
    with pytest.raises(VaultError, match="closed") as caught:
        writer.write(b"more")
    assert caught.value.kind is ErrorKind.INTERNAL
    with pytest.raises(VaultError, match="closed"):
        writer.flush()
    assert read_all(tmp_path / "a.stream") == b"abc"


@pytest.mark.parametrize(
    ("key", "chunk_size"), [(b"short", CHUNK), (KEY, 0), (KEY, 1 << 30)], ids=str
)
def test_bad_arguments_are_refused(tmp_path: Path, key: bytes, chunk_size: int) -> None:
    with pytest.raises(VaultError):
        StreamWriter.create(tmp_path / "a.stream", key, CONTEXT, chunk_size=chunk_size)
    assert not (tmp_path / "a.stream").exists()


def test_no_plaintext_or_context_is_readable_in_the_file(tmp_path: Path) -> None:
    canary = b"CANARY-Zebra-4471"
    path = tmp_path / "a.stream"
    with StreamWriter.create(path, KEY, CONTEXT) as writer:
        for _ in range(20_000):  # ~340 KB: several default-size chunks and a short final one
            writer.write(canary)
    blob = path.read_bytes()
    assert canary not in blob
    assert b"Zebra" not in blob
    assert b"session=" not in blob
    assert read_all(path) == canary * 20_000


def test_errors_name_the_chunk_but_never_the_plaintext(tmp_path: Path) -> None:
    canary = b"CANARY-Zebra-4471"
    path = write_stream(tmp_path / "a.stream", canary * 20)
    blob = bytearray(path.read_bytes())
    blob[chunk_at(2).start] ^= 1
    path.write_bytes(bytes(blob))
    error = assert_corrupt(path)
    assert "chunk 2" in str(error)
    assert "Zebra" not in str(error)


def test_encrypted_size_counts_header_chunks_and_tags() -> None:
    assert encrypted_size(0, CHUNK) == HEADER_SIZE + TAG_SIZE
    assert encrypted_size(CHUNK, CHUNK) == HEADER_SIZE + BLOCK + TAG_SIZE
    assert encrypted_size(CHUNK + 1, CHUNK) == HEADER_SIZE + BLOCK + 1 + TAG_SIZE
    minute = 1_920_000  # one minute of 16 kHz 16-bit mono audio
    assert encrypted_size(minute) == HEADER_SIZE + minute + TAG_SIZE * (minute // 65536 + 1)
    with pytest.raises(VaultError):
        encrypted_size(-1, CHUNK)
