"""Resumable media uploads on the reference ERP server (tus-like creation, HEAD, PATCH)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sync.protocol import (
    IDEMPOTENCY_KEY,
    MEDIA_PATH,
    OFFSET_STREAM,
    REPLAYED,
    UPLOAD_LENGTH,
    UPLOAD_OFFSET,
)
from tests.sync.erp_helpers import (
    Device,
    ServerHandle,
    create_upload,
    enrol,
    patch_chunk,
    running_server,
)

DATA = os.urandom(300_000)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerHandle]:
    with running_server(tmp_path / "erp") as handle:
        yield handle


@pytest.fixture
def device(server: ServerHandle) -> Device:
    return enrol(server)


def head_offset(device: Device, location: str) -> int:
    answer = device.request("HEAD", location, headers=device.headers())
    assert answer.status_code == 200
    assert answer.headers[UPLOAD_LENGTH] == str(len(DATA))
    return int(answer.headers[UPLOAD_OFFSET])


def upload_rest(device: Device, location: str, chunk: int = 100_000) -> requests.Response:
    offset = head_offset(device, location)
    answer = None
    while offset < len(DATA):
        answer = patch_chunk(device, location, offset, DATA[offset : offset + chunk])
        assert answer.status_code == 204, answer.text
        offset = int(answer.headers[UPLOAD_OFFSET])
    assert answer is not None
    return answer


def test_an_upload_in_chunks_arrives_whole(server: ServerHandle, device: Device) -> None:
    created = create_upload(device, DATA)
    assert created.status_code == 201
    location = created.headers["Location"]
    assert location.startswith(MEDIA_PATH + "/")
    assert created.headers[UPLOAD_OFFSET] == "0"
    assert head_offset(device, location) == 0
    offsets = []
    for start in range(0, len(DATA), 100_000):
        answer = patch_chunk(device, location, start, DATA[start : start + 100_000])
        assert answer.status_code == 204
        offsets.append(int(answer.headers[UPLOAD_OFFSET]))
    assert offsets == [100_000, 200_000, 300_000]
    assert head_offset(device, location) == len(DATA)
    upload_id = location.rsplit("/", 1)[1]
    assert (server.directory / "media" / upload_id).read_bytes() == DATA
    [item] = server.store.received("media")
    assert (item.session_id, item.body["sha256"]) == ("s-1", hashlib.sha256(DATA).hexdigest())
    assert item.body["length"] == len(DATA)


def test_creating_again_with_the_same_key_gives_the_same_upload(device: Device) -> None:
    first = create_upload(device, DATA)
    patch_chunk(device, first.headers["Location"], 0, DATA[:1000])
    again = create_upload(device, DATA)
    assert again.status_code == 201
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers[UPLOAD_OFFSET] == "1000"
    assert again.headers[REPLAYED] == "true"
    other_file = create_upload(device, DATA[:10])
    assert other_file.status_code == 422
    assert other_file.json()["error"] == "idempotency_key_reused"


def test_a_wrong_offset_is_409_with_the_servers_offset(device: Device) -> None:
    location = create_upload(device, DATA).headers["Location"]
    assert patch_chunk(device, location, 0, DATA[:5000]).status_code == 204
    answer = patch_chunk(device, location, 0, DATA[:5000])  # a retry of an acknowledged chunk
    assert answer.status_code == 409
    assert answer.headers[UPLOAD_OFFSET] == "5000"
    assert answer.json()["error"] == "offset_mismatch"
    assert "5000" in answer.json()["message"]
    assert head_offset(device, location) == 5000


def test_a_bad_chunk_checksum_is_460_and_nothing_is_kept(device: Device) -> None:
    location = create_upload(device, DATA).headers["Location"]
    answer = patch_chunk(device, location, 0, DATA[:5000], checksum=hashlib.sha256(b"x").digest())
    assert answer.status_code == 460
    assert answer.json()["error"] == "checksum_mismatch"
    assert head_offset(device, location) == 0


def test_a_chunk_past_the_length_is_413(device: Device) -> None:
    location = create_upload(device, DATA[:100]).headers["Location"]
    assert patch_chunk(device, location, 0, DATA[:101]).status_code == 413


def test_malformed_requests_are_refused(server: ServerHandle, device: Device) -> None:
    location = create_upload(device, DATA).headers["Location"]
    wrong_type = device.request(
        "PATCH", location, data=b"x", headers=device.headers(**{"Content-Type": "text/plain"})
    )
    assert wrong_type.status_code == 415
    no_checksum = device.request(
        "PATCH", location, data=b"x",
        headers=device.headers(**{"Content-Type": OFFSET_STREAM, UPLOAD_OFFSET: "0"}),
    )  # fmt: skip
    assert no_checksum.status_code == 400
    no_key = device.request("POST", MEDIA_PATH, headers={**device.headers(), UPLOAD_LENGTH: "9"})
    assert no_key.status_code == 400
    no_metadata = device.request(
        "POST", MEDIA_PATH, headers={**device.headers("k2"), UPLOAD_LENGTH: "9"}
    )
    assert (no_metadata.status_code, no_metadata.json()["error"]) == (
        400,
        "invalid_upload_metadata",
    )
    assert IDEMPOTENCY_KEY in no_key.json()["message"]
    stranger = enrol(server, "other")
    assert stranger.request("HEAD", location, headers=stranger.headers()).status_code == 404
    assert patch_chunk(stranger, location, 0, DATA[:10]).status_code == 404


def test_an_upload_resumes_after_a_reset_and_a_lost_ack(
    server: ServerHandle, device: Device
) -> None:
    location = create_upload(device, DATA).headers["Location"]
    assert patch_chunk(device, location, 0, DATA[:100_000]).status_code == 204
    server.set_faults("reset=1")
    with pytest.raises(requests.ConnectionError):
        patch_chunk(device, location, 100_000, DATA[100_000:200_000])
    server.set_faults(None)
    assert head_offset(device, location) == 100_000  # reset before processing: not kept
    server.set_faults("lost_ack=1")
    with pytest.raises(requests.ConnectionError):
        patch_chunk(device, location, 100_000, DATA[100_000:200_000])
    server.set_faults(None)
    assert head_offset(device, location) == 200_000  # processed, only the answer was lost
    upload_rest(device, location)
    upload_id = location.rsplit("/", 1)[1]
    assert (server.directory / "media" / upload_id).read_bytes() == DATA
    assert len(server.store.received("media")) == 1


def test_a_file_that_does_not_match_its_digest_starts_over(
    server: ServerHandle, device: Device
) -> None:
    location = create_upload(
        device, DATA, sha256=hashlib.sha256(b"another file").hexdigest()
    ).headers["Location"]
    assert patch_chunk(device, location, 0, DATA[:200_000]).status_code == 204
    last = patch_chunk(device, location, 200_000, DATA[200_000:])
    assert last.status_code == 460
    assert last.json()["error"] == "file_checksum_mismatch"
    assert last.headers[UPLOAD_OFFSET] == "0"
    assert head_offset(device, location) == 0
    upload_id = location.rsplit("/", 1)[1]
    assert (server.directory / "media" / upload_id).stat().st_size == 0
    assert server.store.received("media") == []
