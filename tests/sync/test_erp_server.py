"""The reference ERP server against the contract: enrolment, tokens, pushes, idempotency,
validation, bundles, the admin page and HTTPS. Real server on 127.0.0.1, real requests."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.vault.envelope import fingerprint, load_public_key
from sync.protocol import (
    AUDIT_PATH,
    ENROL_PATH,
    MAX_REQUEST_BYTES,
    PUSH_PATHS,
    REPLAYED,
    BundleError,
    bundle_path,
    health_path,
    tokens_path,
    unb64,
    verify_bundle,
)
from tests.sync.erp_helpers import (
    Device,
    ServerHandle,
    enrol,
    enrol_at,
    make_tls,
    running_server,
    sample_body,
)

PATHS = {**PUSH_PATHS, "audit": AUDIT_PATH}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerHandle]:
    with running_server(tmp_path / "erp") as handle:
        yield handle


@pytest.fixture
def device(server: ServerHandle) -> Device:
    return enrol(server)


def _path(kind: str, device: Device) -> str:
    return health_path(device.id) if kind == "health" else PATHS[kind]


def _org_key(device: Device) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(unb64(device.enrolment["organisationSigningKey"]))


# -- enrolment and credentials ---------------------------------------------------------------


def test_enrolment_answers_credentials_and_the_server_keys(server: ServerHandle) -> None:
    device = enrol(server)
    answer = device.enrolment
    assert answer["deviceId"].startswith("dev-")
    assert answer["accessTokenExpiresAt"] > time.time() + 3000
    assert unb64(answer["organisationSigningKey"]) == server.keys.signing_public_raw
    assert unb64(answer["serverSealingKey"]) == server.keys.sealing_public_raw
    sealing = load_public_key(unb64(answer["serverSealingKey"]))
    assert answer["serverSealingKeyId"] == fingerprint(sealing)


def test_secrets_are_stored_only_as_hashes(server: ServerHandle) -> None:
    token = server.issue_token()
    device = enrol_at(server.url, token)
    assert device.refresh().status_code == 200
    on_disk = b"".join(p.read_bytes() for p in server.directory.glob("erp.db*"))
    for secret in (token, device.enrolment["deviceSecret"], device.token):
        assert secret.encode() not in on_disk
    assert device.id.encode() in on_disk  # the search does look at the right bytes


def test_an_enrolment_token_works_once(server: ServerHandle) -> None:
    token = server.issue_token()
    enrol_at(server.url, token)
    again = requests.post(
        server.url + ENROL_PATH,
        json={"token": token, "deviceName": "second", "software": "x"},
        timeout=10,
    )
    assert again.status_code == 401
    assert again.json()["error"] == "invalid_enrolment_token"
    assert len(server.store.devices()) == 1


def test_an_expired_or_unknown_enrolment_token_is_refused(server: ServerHandle) -> None:
    expired = server.issue_token(ttl_seconds=0.05)
    time.sleep(0.1)
    for token in (expired, "no-such-token"):
        answer = requests.post(
            server.url + ENROL_PATH,
            json={"token": token, "deviceName": "k", "software": "x"},
            timeout=10,
        )
        assert answer.status_code == 401
        assert answer.json()["error"] == "invalid_enrolment_token"
    bad = requests.post(server.url + ENROL_PATH, json={"token": expired}, timeout=10)
    assert bad.status_code == 400
    assert bad.json()["error"] == "invalid_body"
    assert server.store.devices() == []


def test_an_expired_access_token_is_refused_until_refreshed(server: ServerHandle) -> None:
    server.set_token_ttl(1.0)
    device = enrol(server)
    assert device.push(PUSH_PATHS["consent"], sample_body("consent", device)).status_code == 201
    time.sleep(max(0.0, device.enrolment["accessTokenExpiresAt"] - time.time()) + 0.05)
    expired = device.push(PUSH_PATHS["consent"], sample_body("consent", device, "s-2"))
    assert expired.status_code == 401
    assert expired.json()["error"] == "token_expired"
    assert "token_expired" in expired.headers["WWW-Authenticate"]
    old = device.token
    server.set_token_ttl(3600)
    refreshed = device.refresh()
    assert refreshed.status_code == 200
    assert device.token != old
    assert refreshed.json()["accessTokenExpiresAt"] > time.time() + 3000
    assert device.push(PUSH_PATHS["consent"], sample_body("consent", device, "s-2")).ok
    assert [i.session_id for i in server.store.received("consent")] == ["s-1", "s-2"]


def test_missing_unknown_and_wrong_credentials(server: ServerHandle, device: Device) -> None:
    body = sample_body("consent", device)
    anonymous = device.request("POST", PUSH_PATHS["consent"], json=body)
    assert (anonymous.status_code, anonymous.json()["error"]) == (401, "invalid_token")
    forged = device.request(
        "POST", PUSH_PATHS["consent"], json=body, headers={"Authorization": "Bearer forged"}
    )
    assert (forged.status_code, forged.json()["error"]) == (401, "invalid_token")
    wrong_secret = device.request("POST", tokens_path(device.id), json={"deviceSecret": "x"})
    assert wrong_secret.status_code == 401
    unknown = device.request("POST", tokens_path("dev-none"), json={"deviceSecret": "x"})
    assert unknown.status_code == 401
    assert server.store.received() == []


def test_a_device_cannot_speak_for_another(server: ServerHandle) -> None:
    a, b = enrol(server, "a"), enrol(server, "b")
    health = sample_body("health", a)
    assert a.push(health_path(b.id), health).status_code == 403
    posing = sample_body("consent", a, deviceId=b.id)
    assert a.push(PUSH_PATHS["consent"], posing).status_code == 403
    assert a.push(health_path(a.id), health).status_code == 201
    assert [(i.kind, i.device_id) for i in server.store.received()] == [("health", a.id)]


# -- pushes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["consent", "result", "review", "tombstone", "audit", "health"])
def test_each_push_is_stored_with_a_receipt(
    server: ServerHandle, device: Device, kind: str
) -> None:
    body = sample_body(kind, device, "s-9")
    answer = device.push(_path(kind, device), body, key=f"key-{kind}")
    assert answer.status_code == 201, answer.text
    [item] = server.store.received(kind)
    assert answer.json()["receipt"] == item.receipt
    assert (item.device_id, item.idempotency_key, item.body) == (device.id, f"key-{kind}", body)
    has_session = kind in ("consent", "result", "review", "tombstone")
    assert item.session_id == ("s-9" if has_session else None)
    if kind == "audit":
        assert answer.json()["head"] == {"seq": 2, "hash": "h2"}


def test_bodies_as_the_terminal_builds_them_are_accepted(
    server: ServerHandle, device: Device
) -> None:
    # sync.wire leaves deviceId out (the token names the device); a review whose session has
    # no key copy for the server goes with "sealed": null; an abandoned session may have no
    # sealed records at all.
    consent = sample_body("consent", device)
    del consent["deviceId"]
    review = sample_body("review", device, sealed=None)
    del review["deviceId"]
    empty = {"keyId": "k", "wrappedKey": "d3JhcHBlZA==", "records": []}
    result = sample_body("result", device, status="abandoned", sealed=empty)
    for kind, body in (("consent", consent), ("review", review), ("result", result)):
        assert device.push(PATHS[kind], body).status_code == 201, kind
    assert [i.device_id for i in server.store.received()] == [device.id] * 3


def test_the_audit_head_is_the_highest_entry_held(server: ServerHandle, device: Device) -> None:
    entry = {"seq": 3, "at": 3.0, "actor": "u", "action": "a", "target": None,
             "detail": None, "prevHash": "h2", "hash": "h3"}  # fmt: skip
    later = device.push(AUDIT_PATH, {"deviceId": device.id, "entries": [entry]})
    assert later.json()["head"] == {"seq": 3, "hash": "h3"}
    earlier = device.push(AUDIT_PATH, sample_body("audit", device))
    assert earlier.json()["head"] == {"seq": 3, "hash": "h3"}


def test_the_same_key_and_body_replays_the_answer(server: ServerHandle, device: Device) -> None:
    body = sample_body("result", device)
    first = device.push(PUSH_PATHS["result"], body, key="k-1")
    again = device.push(PUSH_PATHS["result"], body, key="k-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert REPLAYED not in first.headers
    assert again.headers[REPLAYED] == "true"
    assert len(server.store.received("result")) == 1


def test_the_same_key_with_another_body_is_422(server: ServerHandle, device: Device) -> None:
    assert device.push(PUSH_PATHS["consent"], sample_body("consent", device), key="k").ok
    other = device.push(PUSH_PATHS["consent"], sample_body("consent", device, "s-2"), key="k")
    assert other.status_code == 422
    assert other.json()["error"] == "idempotency_key_reused"
    # Keys belong to a device: another device may use the same one.
    stranger = enrol(server, "b")
    assert stranger.push(PUSH_PATHS["consent"], sample_body("consent", stranger), key="k").ok
    assert len(server.store.received("consent")) == 2


def test_concurrent_retries_store_the_item_once(server: ServerHandle, device: Device) -> None:
    body = sample_body("result", device)
    answers: list[requests.Response] = []
    lock = threading.Lock()

    def push() -> None:
        # A connection each, as separate retries would have (a Session is not thread-safe).
        answer = requests.post(
            server.url + PUSH_PATHS["result"], json=body, headers=device.headers("same"), timeout=10
        )
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=push) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [201] * 8
    assert len({a.content for a in answers}) == 1
    assert sum(REPLAYED not in a.headers for a in answers) == 1
    assert len(server.store.received("result")) == 1


def test_a_push_without_an_idempotency_key_is_400(server: ServerHandle, device: Device) -> None:
    answer = device.request(
        "POST", PUSH_PATHS["consent"], json=sample_body("consent", device), headers=device.headers()
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "idempotency_key_required"


BAD_BODIES: list[tuple[str, dict[str, Any]]] = [
    ("consent", {"faceAnalysis": "yes"}),
    ("consent", {"givenAt": True}),
    ("consent", {"deviceId": None}),
    ("result", {"subject": {"sessionId": "s-1"}}),
    ("result", {"sealed": {"keyId": "k", "wrappedKey": "not base64!", "records": []}}),
    ("review", {"kind": "verdict"}),
    ("review", {"sealed": {"keyId": "k", "records": []}}),
    ("tombstone", {"deletedAt": "yesterday"}),
    ("audit", {"entries": [{"seq": "1"}]}),
    ("audit", {"entries": []}),
    ("review", {"seq": 0}),
    ("health", {"freeDiskBytes": 1.5}),
]


@pytest.mark.parametrize(("kind", "change"), BAD_BODIES)
def test_a_body_of_the_wrong_shape_is_400(
    server: ServerHandle, device: Device, kind: str, change: dict[str, Any]
) -> None:
    answer = device.push(_path(kind, device), sample_body(kind, device, **change))
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "invalid_body"
    assert server.store.received() == []


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_400(
    server: ServerHandle, device: Device, raw: bytes
) -> None:
    answer = device.request("POST", PUSH_PATHS["consent"], data=raw, headers=device.headers("k"))
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_body")


def test_a_body_over_the_limit_is_413(server: ServerHandle, device: Device) -> None:
    raw = b" " * (MAX_REQUEST_BYTES + 1)
    answer = device.request("POST", PUSH_PATHS["consent"], data=raw, headers=device.headers("k"))
    assert answer.status_code == 413
    assert device.push(PUSH_PATHS["consent"], sample_body("consent", device)).status_code == 201


def test_a_body_cut_short_is_never_acted_on(server: ServerHandle, device: Device) -> None:
    body = json.dumps(sample_body("consent", device)).encode()
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        head = (
            f"POST {PUSH_PATHS['consent']} HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {device.token}\r\nIdempotency-Key: cut\r\n"
            f"Content-Length: {len(body) + 10}\r\n\r\n"
        )
        raw.sendall(head.encode() + body)  # valid JSON, but 10 bytes short of what was declared
        raw.shutdown(socket.SHUT_WR)
        assert raw.recv(100) == b""  # closed without an answer
    assert server.store.received() == []
    assert device.push(PUSH_PATHS["consent"], sample_body("consent", device), key="cut").ok


def test_unknown_paths_and_methods(server: ServerHandle, device: Device) -> None:
    assert device.request("GET", "/v1/nothing", headers=device.headers()).status_code == 404
    wrong = device.request("GET", PUSH_PATHS["consent"], headers=device.headers())
    assert wrong.status_code == 405
    assert wrong.headers["Allow"] == "POST"


# -- bundles ------------------------------------------------------------------------------------


def _get_bundle(device: Device, kind: str, etag: str | None = None) -> requests.Response:
    headers = device.headers(**({"If-None-Match": etag} if etag else {}))
    return device.request("GET", bundle_path(kind), headers=headers)


def _verify(device: Device, answer: requests.Response, current: int | None = None) -> Any:
    return verify_bundle(
        answer.json(), _org_key(device), kind="config", device_id=device.id,
        now=time.time(), current_version=current,
    )  # fmt: skip


def test_bundles_are_signed_versioned_and_cached(server: ServerHandle, device: Device) -> None:
    missing = _get_bundle(device, "config")
    assert (missing.status_code, missing.json()["error"]) == (404, "no_bundle")
    server.publish("config", {"greeting": "hello"})
    first = _get_bundle(device, "config")
    assert (first.status_code, first.headers["ETag"]) == (200, '"1"')
    assert _verify(device, first).data == {"greeting": "hello"}
    assert _get_bundle(device, "config", '"1"').status_code == 304
    server.publish("config", {"greeting": "hi"})
    second = _get_bundle(device, "config", '"1"')
    assert (second.status_code, second.headers["ETag"]) == (200, '"2"')
    assert _verify(device, second, current=1).version == 2
    assert _get_bundle(device, "bank").status_code == 404
    assert _get_bundle(device, "no-such-kind").status_code == 404


def test_an_older_version_published_last_is_served_as_is(
    server: ServerHandle, device: Device
) -> None:
    server.publish("config", {"v": 1})
    server.publish("config", {"v": 2})
    server.publish("config", {"v": 1}, version=1)  # IT simulates a rollback
    answer = _get_bundle(device, "config", '"2"')
    assert (answer.status_code, answer.headers["ETag"]) == (200, '"1"')
    with pytest.raises(BundleError, match="rollback"):
        _verify(device, answer, current=2)
    assert server.publish("config", {"v": 3}).version == 3  # default: highest + 1


def test_tampered_expired_and_misaddressed_bundles_fail_verification(
    server: ServerHandle, device: Device
) -> None:
    server.publish("config", {"v": 1}, tampered=True)
    with pytest.raises(BundleError, match="bad signature"):
        _verify(device, _get_bundle(device, "config"))
    server.publish("config", {"v": 2}, expired=True)
    with pytest.raises(BundleError, match="expired"):
        _verify(device, _get_bundle(device, "config"))
    server.publish("config", {"v": 3}, device_id="dev-other", audience="*")
    with pytest.raises(BundleError, match="another terminal"):
        _verify(device, _get_bundle(device, "config"))


def test_a_bundle_for_one_device_is_served_to_that_device_only(server: ServerHandle) -> None:
    a, b = enrol(server, "a"), enrol(server, "b")
    server.publish("accounts", {"for": "all"})
    server.publish("accounts", {"for": "b"}, device_id=b.id)
    assert _get_bundle(a, "accounts").headers["ETag"] == '"1"'
    assert _get_bundle(b, "accounts").headers["ETag"] == '"2"'


# -- admin page and HTTPS ----------------------------------------------------------------------


def test_the_admin_page_lists_devices_and_counts(server: ServerHandle, device: Device) -> None:
    device.push(PUSH_PATHS["result"], sample_body("result", device, "s-admin"))
    server.publish("bank", {"q": []})
    server.set_faults("5xx=1")  # faults are for /v1, never for the page
    page = requests.get(server.url + "/admin", timeout=10)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    for text in (device.id, "test kiosk", "s-admin", "result", "bank", "5xx=1"):
        assert text in page.text
    assert "Y2lwaGVydGV4dA" not in page.text  # the sealed ciphertext is not shown


def test_https_with_the_generated_ca(tmp_path: Path) -> None:
    tls = make_tls(tmp_path / "tls")
    with running_server(tmp_path / "erp", tls=tls) as server:
        assert server.url.startswith("https://127.0.0.1:")
        device = enrol(server)
        assert device.push(PUSH_PATHS["consent"], sample_body("consent", device)).ok
        localhost = server.url.replace("127.0.0.1", "localhost")
        assert requests.get(localhost + "/admin", verify=str(tls.ca_pem), timeout=10).ok
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(server.url + "/admin", verify=True, timeout=10)
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(server.url.replace("https", "http") + "/admin", timeout=10)
        assert len(server.store.received("consent")) == 1


def test_receipts_are_unique(server: ServerHandle, device: Device) -> None:
    receipts = {
        device.push(PUSH_PATHS["tombstone"], sample_body("tombstone", device, f"s-{n}")).json()[
            "receipt"
        ]
        for n in range(5)
    }
    assert len(receipts) == 5
    assert {i.receipt for i in server.store.received("tombstone")} == receipts
    assert all(uuid.UUID(r) for r in receipts)
