"""Fault injection: the spec, the seeded draw, and each fault as a client observes it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sync.erp_server.faults import FaultPlan, FaultSpecError
from sync.protocol import MAX_RESPONSE_BYTES, PUSH_PATHS, REPLAYED, bundle_path
from tests.sync.erp_helpers import (
    Device,
    ServerHandle,
    enrol,
    make_tls,
    running_server,
    sample_body,
)

CONSENT = PUSH_PATHS["consent"]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerHandle]:
    with running_server(tmp_path / "erp") as handle:
        yield handle


@pytest.fixture
def device(server: ServerHandle) -> Device:
    return enrol(server)


# -- the plan ---------------------------------------------------------------------------------


def test_the_documented_spec_parses() -> None:
    plan = FaultPlan.parse(
        "latency=0.02,5xx=0.1,429=0.05,retry_after=1,reset=0.05,lost_ack=0.05,"
        "truncate=0.05,garbage=0.02,seed=7"
    )
    assert plan.latency == 0.02
    assert plan.retry_after == 1
    assert plan.seed == 7
    assert plan.probabilities == {
        "5xx": 0.1, "429": 0.05, "reset": 0.05, "lost_ack": 0.05, "truncate": 0.05,
        "garbage": 0.02,
    }  # fmt: skip
    assert FaultPlan.parse("").probabilities == {}


@pytest.mark.parametrize(
    "spec",
    ["5xx", "5xx=2", "5xx=0.6,reset=0.6", "drop=0.1", "5xx=lots", "retry_after=1.5", "latency=-1"],
)
def test_a_bad_spec_is_refused(spec: str) -> None:
    with pytest.raises(FaultSpecError):
        FaultPlan.parse(spec)


def test_a_seed_fixes_the_sequence() -> None:
    spec = "5xx=0.2,reset=0.2,lost_ack=0.2,seed=7"
    one, two = FaultPlan.parse(spec), FaultPlan.parse(spec)
    sequence = [one.draw() for _ in range(200)]
    assert sequence == [two.draw() for _ in range(200)]
    counts = {name: sequence.count(name) for name in ("5xx", "reset", "lost_ack", None)}
    assert all(20 <= n <= 60 for name, n in counts.items() if name), counts
    assert 60 <= counts[None] <= 100, counts
    other_seed = FaultPlan.parse(spec.replace("seed=7", "seed=8"))
    assert [other_seed.draw() for _ in range(200)] != sequence


def test_the_limit_holds_across_threads() -> None:
    plan = FaultPlan.parse("5xx=1,limit=100")
    drawn: list[object] = []
    lock = threading.Lock()

    def draw() -> None:
        mine = [plan.draw() for _ in range(50)]
        with lock:
            drawn.extend(mine)

    threads = [threading.Thread(target=draw) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert drawn.count("5xx") == 100 == plan.injected
    assert drawn.count(None) == 300


# -- on the wire ------------------------------------------------------------------------------


def test_5xx_and_429_answer_before_processing(server: ServerHandle, device: Device) -> None:
    server.set_faults("5xx=1")
    answer = device.push(CONSENT, sample_body("consent", device))
    assert (answer.status_code, answer.json()["error"]) == (503, "unavailable")
    server.set_faults("429=1,retry_after=3")
    answer = device.push(CONSENT, sample_body("consent", device))
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "3"
    assert server.store.received() == []


def test_enrolment_is_never_faulted(server: ServerHandle) -> None:
    server.set_faults("reset=1")
    device = enrol(server)
    with pytest.raises(requests.ConnectionError):
        device.refresh()  # but the token endpoint is


def test_a_reset_aborts_before_processing(server: ServerHandle, device: Device) -> None:
    server.set_faults("reset=1")
    with pytest.raises(requests.ConnectionError) as caught:
        device.push(CONSENT, sample_body("consent", device))
    assert "reset by peer" in str(caught.value)  # a RST, not an orderly close
    assert server.store.received() == []


@pytest.mark.parametrize("fault", ["lost_ack", "truncate"])
def test_a_lost_or_cut_answer_still_commits(
    server: ServerHandle, device: Device, fault: str
) -> None:
    body = sample_body("result", device)
    server.set_faults(f"{fault}=1")
    with pytest.raises((requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        device.push(PUSH_PATHS["result"], body, key="k-lost")
    [item] = server.store.received("result")
    server.set_faults(None)
    retry = device.push(PUSH_PATHS["result"], body, key="k-lost")
    assert retry.status_code == 201
    assert retry.headers[REPLAYED] == "true"
    assert retry.json()["receipt"] == item.receipt
    assert len(server.store.received("result")) == 1


def test_truncate_sends_half_the_declared_body(server: ServerHandle, device: Device) -> None:
    server.publish("config", {"text": "x" * 1000})
    server.set_faults("truncate=1")
    answer = device.request("GET", bundle_path("config"), headers=device.headers(), stream=True)
    declared = int(answer.headers["Content-Length"])
    received = answer.raw.read(declared, decode_content=False)
    assert 0 < len(received) < declared


def test_garbage_is_a_200_that_is_not_json(server: ServerHandle, device: Device) -> None:
    server.set_faults("garbage=1")
    answer = device.push(CONSENT, sample_body("consent", device))
    assert answer.status_code == 200
    with pytest.raises(requests.exceptions.JSONDecodeError):
        answer.json()
    assert server.store.received() == []


def test_oversize_declares_and_streams_more_than_a_terminal_reads(
    server: ServerHandle, device: Device
) -> None:
    server.set_faults("oversize=1")
    answer = device.request("GET", bundle_path("config"), headers=device.headers(), stream=True)
    declared = int(answer.headers["Content-Length"])
    assert answer.status_code == 200
    assert declared > MAX_RESPONSE_BYTES
    total = sum(len(block) for block in answer.iter_content(2**20))
    assert total == declared


def test_latency_delays_each_request(server: ServerHandle, device: Device) -> None:
    server.set_faults("latency=0.3")
    started = time.monotonic()
    assert device.push(CONSENT, sample_body("consent", device)).status_code == 201
    assert time.monotonic() - started >= 0.3


def test_a_limit_makes_faults_a_fixed_prefix(server: ServerHandle, device: Device) -> None:
    server.set_faults("5xx=1,limit=2")
    body = sample_body("consent", device)
    statuses = [device.push(CONSENT, body, key="k").status_code for _ in range(3)]
    assert statuses == [503, 503, 201]


def test_faults_given_at_start_and_over_tls(tmp_path: Path) -> None:
    tls = make_tls(tmp_path / "tls")
    with running_server(tmp_path / "erp", tls=tls, faults="lost_ack=1") as server:
        device = enrol(server)
        with pytest.raises(requests.ConnectionError):
            device.push(CONSENT, sample_body("consent", device))
        assert len(server.store.received("consent")) == 1
