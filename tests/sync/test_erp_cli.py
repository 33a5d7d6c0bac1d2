"""The ``erp-server`` command line, and the server as a real process (restarts, kill -9)."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from sync.protocol import (
    PUSH_PATHS,
    REPLAYED,
    UPLOAD_OFFSET,
    bundle_path,
    unb64,
    verify_bundle,
)
from tests.sync.erp_helpers import (
    REPO,
    Device,
    cli_env,
    create_upload,
    enrol_at,
    free_port,
    open_store,
    patch_chunk,
    running_server,
    sample_body,
    seal_report,
    server_process,
)

REPORT = {
    "session_code": "K7-42",
    "result": {
        "overall100": 73,
        "competencies": [
            {"id": "communication", "score100": 80},
            {"id": "problem-solving", "score100": 66},
        ],
    },
}


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sync.erp_server", *map(str, args)],
        cwd=REPO,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def ok(*args: str | Path) -> str:
    done = cli(*args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_init_is_idempotent_and_keeps_keys_private(tmp_path: Path) -> None:
    root = tmp_path / "erp"
    assert "initialised" in ok("init", "--dir", root)
    keys = {p.name: p.read_bytes() for p in (root / "keys").iterdir()}
    assert set(keys) == {"org_signing.key", "sealing.key"}
    ok("init", "--dir", root)
    assert {p.name: p.read_bytes() for p in (root / "keys").iterdir()} == keys
    for path in (root / "keys").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert (root / "erp.db").is_file()


def test_token_publish_and_show_with_decryption(tmp_path: Path) -> None:
    root = tmp_path / "erp"
    ok("init", "--dir", root)
    token = ok("token", "--dir", root, "--ttl-hours", "1").strip()
    data = tmp_path / "config.json"
    data.write_text(json.dumps({"language": "en"}))
    assert "config version 1" in ok("publish", "--dir", root, "--kind", "config", "--file", data)
    assert "version 7" in ok(
        "publish", "--dir", root, "--kind", "config", "--file", data,
        "--version", "7", "--expires-days", "2",
    )  # fmt: skip
    with running_server(root) as server:
        device = enrol_at(server.url, token)
        answer = device.request("GET", bundle_path("config"), headers=device.headers())
        org = Ed25519PublicKey.from_public_bytes(unb64(device.enrolment["organisationSigningKey"]))
        bundle = verify_bundle(
            answer.json(), org, kind="config", device_id=device.id, now=time.time(),
            current_version=None,
        )  # fmt: skip
        assert (bundle.version, bundle.data) == (7, {"language": "en"})
        assert 1.9 * 86400 < bundle.expires_at - time.time() < 2.1 * 86400
        sealed = seal_report(
            device.enrolment["serverSealingKey"],
            device.enrolment["serverSealingKeyId"],
            "s-1",
            REPORT,
        )
        result = sample_body("result", device, "s-1", sealed=sealed)
        declined = sample_body("result", device, "s-2", status="declined", sealed=None)
        for body in (result, declined, sample_body("consent", device, "s-1")):
            assert device.push(PUSH_PATHS["result" if "subject" in body else "consent"], body).ok
    shown = ok("show", "--dir", root)
    assert "received: consent 1, result 2" in shown
    assert device.id in shown
    assert "overall" not in shown
    opened = ok("show", "--dir", root, "--decrypt")
    assert "K7-42 (completed): overall 73; competencies: communication 80, problem-solving 66" in (
        opened
    )
    assert "session s-2: declined, nothing sealed" in opened
    assert "Test Candidate" not in opened  # the personal record stays sealed


def test_an_air_gapped_enrolment_bundle(tmp_path: Path) -> None:
    root, out = tmp_path / "erp", tmp_path / "enrol.json"
    ok("init", "--dir", root)
    ok("enrolment-bundle", "--dir", root, "--out", out, "--endpoint", "https://erp.example:8443")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    bundle = json.loads(out.read_text())
    assert bundle["endpoint"] == "https://erp.example:8443"
    assert set(bundle) == {
        "deviceId", "deviceSecret", "organisationSigningKey", "serverSealingKey",
        "serverSealingKeyId", "endpoint",
    }  # fmt: skip
    again = cli("enrolment-bundle", "--dir", root, "--out", out)
    assert again.returncode == 1
    assert "exists" in again.stderr
    with running_server(root) as server:
        assert unb64(bundle["serverSealingKey"]) == server.keys.sealing_public_raw
        device = Device(server.url, True, dict(bundle))
        assert device.refresh().status_code == 200
        assert device.push(PUSH_PATHS["consent"], sample_body("consent", device)).ok


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["show"], 1, "run `erp-server init"),
        (["token"], 1, "run `erp-server init"),
        (["publish", "--kind", "config", "--file", "{bad}"], 2, "not JSON"),
        (["publish", "--kind", "config", "--file", "{missing}"], 2, "no such file"),
        (["serve", "--faults", "5xx=2"], 2, "between 0 and 1"),
        (["serve", "--tls-cert", "{bad}"], 2, "go together"),
        (["serve", "--tls-cert", "{bad}", "--tls-key", "{bad}"], 2, "TLS"),
    ],
)
def test_errors_are_one_line_with_an_exit_code(
    tmp_path: Path, args: list[str], code: int, says: str
) -> None:
    root = tmp_path / "erp"
    if args[0] not in ("show", "token"):
        ok("init", "--dir", root)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    missing = tmp_path / "missing.json"
    words = [a.format(bad=bad, missing=missing) for a in args]
    done = cli(words[0], "--dir", root, *words[1:])
    assert done.returncode == code, done.stderr
    assert says in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_serve_answers_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    with server_process(tmp_path / "erp", free_port(), faults="5xx=0.5,seed=1") as process:
        assert process.url.startswith("http://127.0.0.1:")
        assert requests.get(process.url + "/admin", timeout=10).status_code == 200
        assert process.terminate() == 0
        assert process.output() == ["erp-server stopped"]


def test_idempotency_and_uploads_survive_kill_9(tmp_path: Path) -> None:
    root, port = tmp_path / "erp", free_port()
    data = bytes(range(256)) * 400
    with server_process(root, port) as first:
        with closing(open_store(root)) as store:  # as IT would, while the server runs
            token = store.issue_enrolment_token(3600)
        device = enrol_at(first.url, token)
        body = sample_body("result", device)
        answer = device.push(PUSH_PATHS["result"], body, key="k-restart")
        assert answer.status_code == 201
        created = create_upload(device, data, "m-1")
        location = created.headers["Location"]
        assert patch_chunk(device, location, 0, data[:50_000]).status_code == 204
        first.kill()
    with server_process(root, port) as second:
        assert second.url == first.url
        device = Device(second.url, True, device.enrolment)  # a fresh connection pool
        replay = device.push(PUSH_PATHS["result"], body, key="k-restart")
        assert (replay.status_code, replay.content) == (201, answer.content)
        assert replay.headers[REPLAYED] == "true"
        other = device.push(
            PUSH_PATHS["result"], sample_body("result", device, "s-2"), key="k-restart"
        )
        assert other.status_code == 422
        head = device.request("HEAD", location, headers=device.headers())
        assert head.headers[UPLOAD_OFFSET] == "50000"
        assert patch_chunk(device, location, 50_000, data[50_000:]).status_code == 204
        assert device.refresh().status_code == 200
    with closing(open_store(root)) as store:
        assert len(store.received("result")) == 1
        assert len(store.received("media")) == 1
