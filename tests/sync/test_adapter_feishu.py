"""The Feishu Hire adapter against a local HTTP server that behaves like Feishu's open platform.

The server answers the two documented calls the adapter makes — ``POST
/open-apis/auth/v3/tenant_access_token/internal`` and ``POST
/open-apis/hire/v1/external_interview_assessments`` — checks the bearer token like Feishu does,
records every request, and can be told to misbehave (status codes, Feishu error codes, rate-limit
headers, garbage, oversize replies, delays). Real sockets, a real ``requests.Session``.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from kiosk.config import load_config
from kiosk.engine import InterviewState, PlannedQuestion, Stage
from kiosk.outbox import Outbox, idempotency_key
from kiosk.store import SessionStore
from kiosk.vault.envelope import new_key_pair
from kiosk.vault.keyring import Keyring
from sync.adapters import feishu
from sync.adapters.feishu import ASSESSMENTS_PATH, TOKEN_PATH, FeishuHireConnector
from sync.connector import AuthError, Delivery, PermanentError, TransientError
from sync.protocol import MAX_RESPONSE_BYTES
from sync.setup import FEISHU_FILE, build_sync
from sync.worker import Backoff

APP_ID = "cli_a1b2c3d4e5f6"
APP_SECRET = "s3cr3t-app-secret-never-logged"  # noqa: S105 (a test value)
SESSION_ID = "5d0c8e1f9a7b4c3d8e2f1a0b9c8d7e6f"
INTERVIEW_ID = "7396034232747641133"
CANDIDATE = "Alex Sample (synthetic)"


@dataclass
class Scripted:
    """One reply the server gives instead of its normal behaviour."""

    status: int = 200
    body: Any = None  # dict → JSON; bytes → as is
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    declare_length: int | None = None  # a Content-Length to claim (the body is not sent)
    undeclared: bool = False  # no Content-Length: the body runs until the connection closes


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class FakeFeishu:
    """The state behind the handler: issued tokens, requests seen, scripted replies."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.scripts: dict[str, list[Scripted]] = {TOKEN_PATH: [], ASSESSMENTS_PATH: []}
        self.valid_tokens: set[str] = set()
        self.issued = 0
        self.created = 0
        self.lock = threading.Lock()

    def calls(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    def handle(self, path: str, headers: dict[str, str], body: Any) -> Scripted:
        with self.lock:
            self.requests.append(Recorded("POST", path, headers, body))
            if self.scripts.get(path):
                return self.scripts[path].pop(0)
            if path == TOKEN_PATH:
                return self._token(body)
            if path == ASSESSMENTS_PATH:
                return self._assessment(headers, body)
        return Scripted(404, {"code": 404, "msg": "not found"})

    def _token(self, body: Any) -> Scripted:
        if body != {"app_id": APP_ID, "app_secret": APP_SECRET}:
            return Scripted(200, {"code": 10014, "msg": "app secret invalid"})
        self.issued += 1
        token = f"t-test{self.issued:04d}"
        self.valid_tokens.add(token)
        return Scripted(200, {"code": 0, "msg": "ok", "tenant_access_token": token, "expire": 7200})

    def _assessment(self, headers: dict[str, str], body: Any) -> Scripted:
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.valid_tokens:
            # Feishu answers an invalid tenant token with 99991663.
            return Scripted(
                401, {"code": 99991663, "msg": "Invalid access token for authorization"}
            )
        if not isinstance(body, dict) or not body.get("external_interview_id"):
            return Scripted(400, {"code": 1002002, "msg": "param error"})
        self.created += 1
        created = {"id": f"69891810652439{self.created:05d}", **body}
        return Scripted(
            200, {"code": 0, "msg": "success", "data": {"external_interview_assessment": created}}
        )


class Handler(BaseHTTPRequestHandler):
    fake: FakeFeishu

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw
        reply = self.fake.handle(self.path, dict(self.headers.items()), body)
        if reply.delay:
            time.sleep(reply.delay)
        payload = (
            reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body or {}).encode()
        )
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        if reply.declare_length is not None:
            self.send_header("Content-Length", str(reply.declare_length))
            self.end_headers()
            return  # the client must refuse it without reading
        if not reply.undeclared:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the client gave up (timeout, size limit)
            self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def fake() -> Iterator[tuple[FakeFeishu, str]]:
    state = FakeFeishu()
    handler = type("BoundHandler", (Handler,), {"fake": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def connector(base: str, clock: Clock | None = None, **kwargs: Any) -> FeishuHireConnector:
    options: dict[str, Any] = {
        "interview_for": lambda d: INTERVIEW_ID if d.body.get("id") == SESSION_ID else None,
        "timeout": 2.0,
    }
    options.update(kwargs)
    return FeishuHireConnector(
        base, APP_ID, APP_SECRET, requests.Session(), clock=clock or Clock(), **options
    )


def kiosk_report() -> dict[str, Any]:
    """The shape kiosk.report.build_report produces (the fields the adapter reads, and more)."""
    return {
        "report_version": 2,
        "session_code": "K7Q-4M2",
        "candidate": {"name": CANDIDATE, "profile": {"fresh_graduate": True}},
        "position": {"id": "customer-manager", "title": "Customer Manager"},
        "language": "en",
        "versions": {"kiosk": "0.9.0", "bank": "demo-bank@3", "rubric": "r2", "models": []},
        "analysis": {"status": "scored"},
        "result": {
            "overall100": 72,
            "overall10": 7.2,
            "confidence": 0.813,
            "needs_review": True,
            "review_reasons": ["low speech recognition confidence on 2 answers"],
            "competencies": [
                {
                    "id": "customer-focus",
                    "name": "Customer focus",
                    "weight": 0.6,
                    "assessed": True,
                    "level": 2.6,
                    "score10": 7.8,
                    "score100": 78,
                    "confidence": 0.84,
                    "contributions": [{"family": "content", "evidence": [{"quote": "…"}]}],
                },
                {
                    "id": "resilience",
                    "name": "Resilience",
                    "weight": 0.4,
                    "assessed": False,
                    "level": None,
                    "score10": 0.0,
                    "score100": 0,
                    "confidence": 0.0,
                    "contributions": [],
                },
            ],
        },
    }


def result_delivery(*, plaintext: Any = "default", status: str = "completed") -> Delivery:
    body: dict[str, Any] = {
        "id": SESSION_ID,
        "subject": {"sessionId": SESSION_ID, "sessionCode": "K7Q-4M2"},
        "package": {"positionId": "customer-manager"},
        "status": status,
        "assessedAt": 1767227890.25,
    }
    if status != "declined":
        body["sealed"] = {
            "keyId": "a0289810032eb417",
            "wrappedKey": "AAAA",
            "records": [
                {"kind": "personal", "id": "", "ciphertext": "AAAA"},
                {"kind": "result", "id": "", "ciphertext": "AAAA"},
            ],
        }
    opened = kiosk_report() if plaintext == "default" else plaintext
    return Delivery("result", idempotency_key("result", SESSION_ID, SESSION_ID), body, opened)


# -- the request ---------------------------------------------------------------------------------


def test_a_result_becomes_an_external_interview_assessment(fake: tuple[FakeFeishu, str]) -> None:
    state, base = fake
    link = "https://erp.example.invalid/reports/K7Q-4M2"
    adapter = connector(base, report_link=lambda d: link)
    delivery = result_delivery()

    receipt = adapter.push(delivery)

    token_call, create = state.requests
    assert token_call.path == TOKEN_PATH
    assert token_call.body == {"app_id": APP_ID, "app_secret": APP_SECRET}
    assert token_call.headers["Content-Type"] == "application/json; charset=utf-8"
    assert "Authorization" not in token_call.headers
    assert create.method == "POST" and create.path == ASSESSMENTS_PATH
    assert create.headers["Authorization"] == "Bearer t-test0001"
    assert create.headers["Content-Type"] == "application/json; charset=utf-8"
    body = create.body
    assert set(body) == {
        "external_id",
        "external_interview_id",
        "username",
        "conclusion",
        "assessment_dimension_list",
        "content",
    }
    assert body["external_id"] == delivery.idempotency_key
    assert body["external_interview_id"] == INTERVIEW_ID
    assert body["username"] == "Interview Kiosk (AI)"
    assert body["conclusion"] == 3  # to be determined: the AI never passes or rejects
    overall, focus, resilience = body["assessment_dimension_list"]
    assert overall["assessment_type"] == 1 and overall["score"] == 72
    assert "0.81" in overall["description"]
    assert focus == {
        "assessment_type": 1,
        "title": "Customer focus",
        "score": 78,
        "description": "id customer-focus; rubric level 2.6 of 3; confidence 0.84",
    }
    assert resilience["assessment_type"] == 3 and "score" not in resilience
    assert resilience["title"] == "Resilience"
    content = body["content"]
    assert "K7Q-4M2" in content and "customer-manager" in content
    assert "Overall 72/100" in content and "Human review required: yes" in content
    assert "demo-bank@3" in content and link in content
    assert CANDIDATE not in json.dumps(body, ensure_ascii=False)  # the name stays home
    assert receipt == "6989181065243900001"


def test_the_tenant_token_is_reused_until_it_is_about_to_expire(
    fake: tuple[FakeFeishu, str],
) -> None:
    state, base = fake
    clock = Clock()
    adapter = connector(base, clock)
    adapter.push(result_delivery())
    adapter.push(result_delivery())
    assert len(state.calls(TOKEN_PATH)) == 1
    clock.now += 7200 - 300  # Feishu's two hours, less the renewal margin
    adapter.push(result_delivery())
    assert len(state.calls(TOKEN_PATH)) == 2
    assert state.calls(ASSESSMENTS_PATH)[-1].headers["Authorization"] == "Bearer t-test0002"


@pytest.mark.parametrize("kind", ["consent", "review", "tombstone", "media"])
def test_kinds_feishu_has_no_place_for_are_skipped_without_a_call(
    fake: tuple[FakeFeishu, str], kind: str
) -> None:
    state, base = fake
    delivery = Delivery(kind, "k" * 64, {"sessionId": SESSION_ID}, None)
    assert connector(base).push(delivery) is None
    assert state.requests == []


def test_a_declined_session_is_recorded_without_scores(fake: tuple[FakeFeishu, str]) -> None:
    state, base = fake
    assert connector(base).push(result_delivery(plaintext=None, status="declined"))
    body = state.calls(ASSESSMENTS_PATH)[0].body
    assert body["assessment_dimension_list"] == []
    assert body["conclusion"] == 3
    assert "declined the AI interview" in body["content"]


def test_a_result_the_terminal_cannot_open_is_parked_not_sent_empty(
    fake: tuple[FakeFeishu, str],
) -> None:
    state, base = fake
    with pytest.raises(PermanentError, match="not readable on this terminal"):
        connector(base).push(result_delivery(plaintext=None))
    assert state.requests == []


def test_a_session_without_a_feishu_interview_is_parked(fake: tuple[FakeFeishu, str]) -> None:
    state, base = fake
    with pytest.raises(PermanentError, match=SESSION_ID):
        connector(base, interview_for=lambda d: None).push(result_delivery())
    assert state.requests == []


# -- errors --------------------------------------------------------------------------------------


def test_a_server_error_is_transient(fake: tuple[FakeFeishu, str]) -> None:
    state, base = fake
    state.scripts[ASSESSMENTS_PATH] = [Scripted(500, {"code": 1002001, "msg": "system error"})]
    with pytest.raises(TransientError) as caught:
        connector(base).push(result_delivery())
    assert caught.value.retry_after is None
    assert "500" in str(caught.value)


@pytest.mark.parametrize(
    ("reply", "wait"),
    [
        (Scripted(429, {"code": 99991400}, {"x-ogw-ratelimit-reset": "52"}), 52.0),
        (Scripted(429, {"code": 99991400}, {"Retry-After": "3"}), 3.0),
        (Scripted(400, {"code": 99991400}, {"x-ogw-ratelimit-reset": "8"}), 8.0),  # older APIs
        (Scripted(503, b"<html>maintenance</html>", {"Retry-After": "30"}), 30.0),
    ],
)
def test_rate_limits_are_transient_with_the_wait_feishu_asks_for(
    fake: tuple[FakeFeishu, str], reply: Scripted, wait: float
) -> None:
    state, base = fake
    state.scripts[ASSESSMENTS_PATH] = [reply]
    with pytest.raises(TransientError) as caught:
        connector(base).push(result_delivery())
    assert caught.value.retry_after == wait


def test_a_refused_token_is_renewed_once_and_the_call_repeated(
    fake: tuple[FakeFeishu, str],
) -> None:
    state, base = fake
    adapter = connector(base)
    adapter.push(result_delivery())
    state.valid_tokens.clear()  # Feishu invalidated the cached token
    assert adapter.push(result_delivery()) == "6989181065243900002"
    assert len(state.calls(TOKEN_PATH)) == 2
    auths = [r.headers["Authorization"] for r in state.calls(ASSESSMENTS_PATH)]
    assert auths == ["Bearer t-test0001", "Bearer t-test0001", "Bearer t-test0002"]


def test_a_token_refused_even_when_fresh_is_an_auth_error(fake: tuple[FakeFeishu, str]) -> None:
    state, base = fake
    refused = Scripted(403, {"code": 99991672, "msg": "Access denied: scope required"})
    state.scripts[ASSESSMENTS_PATH] = [refused, refused]
    with pytest.raises(AuthError):
        connector(base).push(result_delivery())
    assert len(state.calls(TOKEN_PATH)) == 2
    assert len(state.calls(ASSESSMENTS_PATH)) == 2


def test_wrong_app_credentials_are_an_auth_error_without_the_secret(
    fake: tuple[FakeFeishu, str],
) -> None:
    _state, base = fake
    adapter = FeishuHireConnector(
        base, APP_ID, "wrong", requests.Session(), interview_for=lambda d: INTERVIEW_ID
    )
    with pytest.raises(AuthError, match="10014") as caught:
        adapter.push(result_delivery())
    assert "wrong" not in str(caught.value)
    assert APP_SECRET not in repr(connector(base))


def test_a_refused_assessment_is_permanent_and_names_no_personal_data(
    fake: tuple[FakeFeishu, str],
) -> None:
    state, base = fake
    echo = {"code": 1002002, "msg": f"param error: {CANDIDATE} score 72 is invalid"}
    state.scripts[ASSESSMENTS_PATH] = [Scripted(400, echo)]
    with pytest.raises(PermanentError) as caught:
        connector(base).push(result_delivery())
    message = str(caught.value)
    assert "400" in message and "1002002" in message
    assert CANDIDATE not in message and "score" not in message


def test_a_business_error_with_http_200_is_permanent(fake: tuple[FakeFeishu, str]) -> None:
    state, base = fake
    state.scripts[ASSESSMENTS_PATH] = [Scripted(200, {"code": 1002002, "msg": "param error"})]
    with pytest.raises(PermanentError, match="1002002"):
        connector(base).push(result_delivery())


@pytest.mark.parametrize(
    "reply",
    [
        Scripted(200, b"<html>gateway</html>"),  # garbage
        Scripted(200, b'{"code": 0, "msg": "success", "da'),  # cut short
        Scripted(200, {"code": 0, "msg": "success", "data": {}}),  # no id
        Scripted(204, b""),
    ],
)
def test_an_unusable_success_reply_is_transient(
    fake: tuple[FakeFeishu, str], reply: Scripted
) -> None:
    state, base = fake
    state.scripts[ASSESSMENTS_PATH] = [reply]
    with pytest.raises(TransientError):
        connector(base).push(result_delivery())


def test_a_reply_declared_over_the_limit_is_refused_unread(fake: tuple[FakeFeishu, str]) -> None:
    state, base = fake
    state.scripts[ASSESSMENTS_PATH] = [Scripted(200, declare_length=MAX_RESPONSE_BYTES + 1)]
    with pytest.raises(PermanentError, match="size limit"):
        connector(base).push(result_delivery())


def test_a_streamed_reply_over_the_limit_is_cut_off(
    fake: tuple[FakeFeishu, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    state, base = fake
    monkeypatch.setattr(feishu, "MAX_RESPONSE_BYTES", 4096)  # not 16 MiB over loopback
    big = json.dumps({"code": 0, "data": {"pad": "x" * 10_000}}).encode()
    state.scripts[ASSESSMENTS_PATH] = [Scripted(200, big, undeclared=True)]
    with pytest.raises(PermanentError, match="size limit"):
        connector(base).push(result_delivery())


def test_a_timeout_is_transient(fake: tuple[FakeFeishu, str]) -> None:
    state, base = fake
    state.scripts[ASSESSMENTS_PATH] = [Scripted(200, {"code": 0}, delay=1.0)]
    with pytest.raises(TransientError, match="unreachable"):
        connector(base, timeout=0.3).push(result_delivery())


def test_an_unreachable_server_is_transient() -> None:
    with pytest.raises(TransientError, match="unreachable"):
        connector("http://127.0.0.1:9").push(result_delivery())  # discard port: refused


def test_a_redirect_is_not_followed(fake: tuple[FakeFeishu, str]) -> None:
    state, base = fake
    state.scripts[ASSESSMENTS_PATH] = [Scripted(302, b"", {"Location": "http://evil.invalid/"})]
    with pytest.raises(PermanentError, match="redirect"):
        connector(base).push(result_delivery())
    assert len(state.calls(ASSESSMENTS_PATH)) == 1


def test_the_feishu_connector_from_config_delivers_and_then_drops_the_kept_key(
    fake: tuple[FakeFeishu, str], tmp_path: Path
) -> None:
    """connector = "feishu" end to end: the terminal keeps a closed session's device key copy
    only until Feishu has the result, then drops it (the review copy remains)."""
    state, base = fake
    data = tmp_path / "data"
    config = load_config(
        None,
        environ={
            "KIOSK_DATA_DIR": str(data),
            "KIOSK_ERP_CONNECTOR": "feishu",
            "KIOSK_ERP_FEISHU_BASE_URL": base,
        },
    )
    (data / "keys").mkdir(parents=True)
    (data / "keys" / FEISHU_FILE).write_text(
        json.dumps({"appId": APP_ID, "appSecret": APP_SECRET}), encoding="utf-8"
    )
    _, review_public = new_key_pair()
    store = SessionStore(data / "kiosk.db", Keyring(b"\x04" * 32, review_key=review_public))
    store.keyring.retain_device_copy = True  # what kiosk.app.assemble sets for this connector
    state_ = InterviewState(
        stage=Stage.GREETING, session_id="s-feishu", position_id="swe-intern", language="en",
        questions=(PlannedQuestion("q", "behavioural", 30, 120, 1),),
    )  # fmt: skip
    store.create_session(state_, "FEIS-0001", {"name": "N"}, 1.0)
    report = kiosk_report()
    report["candidate"]["external"] = {"feishuInterviewId": INTERVIEW_ID}
    store.save_result("s-feishu", report, "scored", 2.0)
    store.close_session("s-feishu", "completed", 3.0)
    assert {c.recipient for c in store.wrapped_keys("s-feishu")} == {"device", "review"}
    setup = build_sync(config, store, backoff=Backoff(base=0.01, cap=0.05))
    assert setup.puller is None and setup.client is None
    setup.worker.run_pass()
    (call,) = state.calls(ASSESSMENTS_PATH)
    assert call.body["external_interview_id"] == INTERVIEW_ID
    assert Outbox(store).status(now=1e12).pending == 0
    # Delivered: the device copy goes, so a stolen terminal no longer opens this session.
    assert {c.recipient for c in store.wrapped_keys("s-feishu")} == {"review"}
    store.close()
