"""Feishu Hire (飞书招聘) as the HR system: results become external interview assessments.

Feishu's open platform documents ``POST /open-apis/hire/v1/external_interview_assessments``
("创建外部面评") for importing interview evaluations made in another system: an assessor name, a
conclusion (fail / pass / to be determined), scored dimensions, a free-text record, the Feishu
external interview it belongs to, and ``external_id``, a key Feishu deduplicates on. Calls carry
a ``tenant_access_token`` obtained with the app's id and secret. docs/sync-vendor.md has the
sources, the field mapping and what is not carried.

Only session results have a place there; consents, reviews and tombstones answer ``None`` (the
worker marks them done, noting the skip). The AI never passes or rejects anyone, so the
conclusion is always "to be determined" and a recruiter decides in Feishu.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import requests

from sync.connector import AuthError, Delivery, PermanentError, TransientError
from sync.protocol import MAX_RESPONSE_BYTES

TOKEN_PATH: Final = "/open-apis/auth/v3/tenant_access_token/internal"  # noqa: S105 (a path)
ASSESSMENTS_PATH: Final = "/open-apis/hire/v1/external_interview_assessments"

#: Feishu's conclusion values: 1 fail, 2 pass, 3 to be determined (待定).
CONCLUSION_TO_BE_DETERMINED: Final = 3
#: Dimension types: 1 a scored question (打分题), 3 a text question (描述题).
SCORED: Final = 1
TEXT: Final = 3

#: Body codes that mean "this token is not (or no longer) valid": fetch a new one, once.
_TOKEN_CODES: Final = frozenset({99991661, 99991663, 99991664, 99991668, 99991671, 99991677})
#: Feishu's rate-limit code (older APIs send it with HTTP 400 instead of 429).
_RATE_LIMITED: Final = 99991400
_RETRYABLE_STATUS: Final = frozenset({408, 425, 429, 500, 502, 503, 504})
#: Renew the tenant token this long before Feishu says it expires (it lives two hours).
_TOKEN_MARGIN: Final = 300.0
_CONTENT_LIMIT: Final = 2000
_TITLE_LIMIT: Final = 100


@dataclass(frozen=True, slots=True)
class _Reply:
    status: int
    headers: requests.structures.CaseInsensitiveDict[str]
    data: Any  # parsed JSON; None when the body was empty


class FeishuHireConnector:
    """Pushes session results to Feishu Hire as external interview assessments.

    ``interview_for`` maps a delivery to the Feishu external interview the assessment belongs to
    (Feishu requires one; it is created on the ERP side, typically when the candidate is
    invited), or ``None`` when the session has none. ``report_link``, when given, returns a URL
    of the full report the recruiter can open (Feishu's record has no link field; the URL goes
    into the free-text record).
    """

    needs_plaintext = True

    def __init__(
        self,
        base_url: str,
        app_id: str,
        app_secret: str,
        session: requests.Session,
        *,
        interview_for: Callable[[Delivery], str | None],
        report_link: Callable[[Delivery], str | None] | None = None,
        assessor: str = "Interview Kiosk (AI)",
        timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._app_id = app_id
        self._app_secret = app_secret
        self._http = session
        self._interview_for = interview_for
        self._report_link = report_link
        self._assessor = assessor
        self._timeout = timeout
        self._clock = clock
        self._token: str | None = None
        self._token_expires = 0.0
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # the app secret never reaches a log line or a traceback
        return f"FeishuHireConnector(base_url={self._base!r}, app_id={self._app_id!r})"

    def push(self, delivery: Delivery) -> str | None:
        """Create the assessment for a ``result`` delivery; ``None`` for every other kind."""
        if delivery.kind != "result":
            return None
        body = assessment_body(
            delivery, self._interview(delivery), self._assessor, self._link(delivery)
        )
        for attempt in range(2):
            reply = self._send(ASSESSMENTS_PATH, body, token=self._current_token(force=attempt > 0))
            if not _token_refused(reply):
                return _receipt(reply)
        raise AuthError("Feishu refused a freshly issued tenant token; check the app's permissions")

    # -- the request ------------------------------------------------------------------------

    def _interview(self, delivery: Delivery) -> str:
        interview = self._interview_for(delivery)
        if not interview:
            session = str(delivery.body.get("id", "?"))
            raise PermanentError(f"no Feishu external interview is linked to session {session}")
        return interview

    def _link(self, delivery: Delivery) -> str | None:
        return self._report_link(delivery) if self._report_link is not None else None

    # -- tokens -----------------------------------------------------------------------------

    def _current_token(self, *, force: bool) -> str:
        with self._lock:
            if force or self._token is None or self._clock() >= self._token_expires:
                self._token, lifetime = self._fetch_token()
                self._token_expires = self._clock() + max(0.0, lifetime - _TOKEN_MARGIN)
            return self._token

    def _fetch_token(self) -> tuple[str, float]:
        reply = self._send(TOKEN_PATH, {"app_id": self._app_id, "app_secret": self._app_secret})
        _raise_for_transient(reply, "token")
        code = _code(reply.data)
        if reply.status >= 400 or code != 0:
            raise AuthError(
                f"Feishu refused the app credentials (HTTP {reply.status}, code {code}); "
                "check app_id and app_secret"
            )
        token = reply.data.get("tenant_access_token")
        lifetime = reply.data.get("expire")
        if not isinstance(token, str) or not token or not isinstance(lifetime, int | float):
            raise TransientError("Feishu's token reply has no usable tenant_access_token")
        return token, float(lifetime)

    # -- HTTP -------------------------------------------------------------------------------

    def _send(self, path: str, body: dict[str, Any], *, token: str | None = None) -> _Reply:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        try:
            with self._http.post(
                self._base + path,
                data=data,
                headers=headers,
                timeout=self._timeout,
                stream=True,
                allow_redirects=False,  # a redirect would be a misconfigured base URL
            ) as response:
                raw = _read_bounded(response)
                return _Reply(response.status_code, response.headers, _parse(raw, response))
        except requests.exceptions.SSLError:
            raise PermanentError("TLS verification of Feishu's server failed") from None
        except (OSError, requests.exceptions.RequestException) as exc:
            raise TransientError(f"Feishu unreachable: {type(exc).__name__}") from None


def assessment_body(
    delivery: Delivery, interview_id: str, assessor: str, link: str | None
) -> dict[str, Any]:
    """The ``external_interview_assessments`` request for one result delivery.

    ``delivery.body`` is our assessment report (ids, status, time); ``delivery.plaintext`` the
    opened kiosk report, absent for a declined session and for one the terminal cannot open.
    """
    report = delivery.plaintext
    if report is None and _has_sealed_result(delivery.body):
        # The result exists but this terminal could not open it: sending an empty assessment
        # would look like "no scores" to the recruiter. Park it for a person instead.
        raise PermanentError(
            "the session's result is sealed and not readable on this terminal; the Feishu "
            "adapter needs it in the clear (docs/sync-vendor.md)"
        )
    result = report.get("result") if isinstance(report, dict) else None
    dimensions = _dimensions(result) if isinstance(result, dict) else []
    return {
        "external_id": delivery.idempotency_key,
        "external_interview_id": interview_id,
        "username": assessor,
        "conclusion": CONCLUSION_TO_BE_DETERMINED,
        "assessment_dimension_list": dimensions,
        "content": _summary(delivery.body, report, result, link)[:_CONTENT_LIMIT],
    }


def _has_sealed_result(body: dict[str, Any]) -> bool:
    sealed = body.get("sealed")
    records = sealed.get("records", []) if isinstance(sealed, dict) else []
    return any(isinstance(r, dict) and r.get("kind") == "result" for r in records)


def _dimensions(result: dict[str, Any]) -> list[dict[str, Any]]:
    overall = {
        "assessment_type": SCORED,
        "title": "综合 Overall",
        "score": _score(result.get("overall100")),
        "description": f"Weighted overall for the position; confidence "
        f"{_number(result.get('confidence'), '.2f')}",
    }
    items = [overall]
    for competency in result.get("competencies", []):
        if not isinstance(competency, dict):
            continue
        title = str(competency.get("name") or competency.get("id") or "?")[:_TITLE_LIMIT]
        if competency.get("assessed") is False or competency.get("score100") is None:
            items.append(
                {"assessment_type": TEXT, "title": title, "content": "Not assessed (no evidence)"}
            )
            continue
        items.append(
            {
                "assessment_type": SCORED,
                "title": title,
                "score": _score(competency.get("score100")),
                "description": f"id {competency.get('id')}; rubric level "
                f"{_number(competency.get('level'), '.1f')} of 3; confidence "
                f"{_number(competency.get('confidence'), '.2f')}",
            }
        )
    return items


def _summary(
    body: dict[str, Any], report: Any, result: dict[str, Any] | None, link: str | None
) -> str:
    subject = _object(body.get("subject"))
    package = _object(body.get("package"))
    status = str(body.get("status", "unknown"))
    lines = [
        f"AI-assisted structured interview at an Interview Kiosk terminal; session "
        f"{subject.get('sessionCode', '?')}, position {package.get('positionId', '?')}, "
        f"status {status}.",
    ]
    if result is not None:
        reasons = "; ".join(str(r) for r in result.get("review_reasons", []) if r)
        review = f"yes ({reasons})" if result.get("needs_review") else "no"
        lines += [
            f"Overall {_score(result.get('overall100'))}/100, confidence "
            f"{_number(result.get('confidence'), '.2f')}. Human review required: {review}.",
        ]
    elif status == "declined":
        lines.append("The candidate declined the AI interview and asked for a human interview.")
    else:
        lines.append("No AI scores: on-device analysis was off or the session did not finish.")
    versions = report.get("versions") if isinstance(report, dict) else None
    if isinstance(versions, dict):
        lines.append(
            f"Versions: kiosk {versions.get('kiosk')}, bank {versions.get('bank')}, "
            f"rubric {versions.get('rubric')}."
        )
    lines.append("The AI does not pass or reject candidates; a person decides.")
    if link:
        lines.append(f"Full report: {link}")
    return "\n".join(lines)


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _score(value: Any) -> int:
    # Feishu's dimension score is an integer; ours is already 0..100.
    try:
        return max(0, min(100, round(float(value))))
    except (TypeError, ValueError):
        return 0


def _number(value: Any, spec: str) -> str:
    return format(value, spec) if isinstance(value, int | float) else "n/a"


# -- replies -----------------------------------------------------------------------------------


def _read_bounded(response: requests.Response) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
        raise PermanentError(f"HTTP {response.status_code}: Feishu's reply is over the size limit")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(65_536):
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise PermanentError(
                f"HTTP {response.status_code}: Feishu's reply is over the size limit"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(raw: bytes, response: requests.Response) -> Any:
    """The reply as JSON; ``None`` for an empty or non-JSON error page (its status says
    enough), :class:`TransientError` for a success that is not JSON (garbled or cut)."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        if response.status_code >= 300:
            return None
        raise TransientError(
            f"HTTP {response.status_code}: Feishu's reply is not JSON ({len(raw)} bytes)"
        ) from None


def _code(data: Any) -> int | None:
    code = data.get("code") if isinstance(data, dict) else None
    return code if isinstance(code, int) else None


def _retry_after(reply: _Reply) -> float | None:
    for name in ("x-ogw-ratelimit-reset", "Retry-After"):
        value = reply.headers.get(name)
        if value is not None:
            try:
                return max(0.0, float(value))
            except ValueError:
                return 60.0  # an HTTP date: wait a minute rather than parse it
    return None


def _raise_for_transient(reply: _Reply, what: str) -> None:
    if reply.status in _RETRYABLE_STATUS or _code(reply.data) == _RATE_LIMITED:
        raise TransientError(
            f"Feishu {what}: HTTP {reply.status}, code {_code(reply.data)}", _retry_after(reply)
        )
    if 300 <= reply.status < 400:
        raise PermanentError(f"Feishu {what}: unexpected redirect (HTTP {reply.status})")


def _token_refused(reply: _Reply) -> bool:
    return reply.status in (401, 403) or _code(reply.data) in _TOKEN_CODES


def _receipt(reply: _Reply) -> str:
    _raise_for_transient(reply, "assessment")
    code = _code(reply.data)
    if reply.status >= 400 or (code is not None and code != 0):
        # Feishu's msg can echo request fields; the status and code say what went wrong.
        raise PermanentError(f"Feishu refused the assessment: HTTP {reply.status}, code {code}")
    data = reply.data.get("data") if isinstance(reply.data, dict) else None
    created = data.get("external_interview_assessment") if isinstance(data, dict) else None
    receipt = created.get("id") if isinstance(created, dict) else None
    if code != 0 or not isinstance(receipt, str | int) or receipt == "":
        raise TransientError(f"HTTP {reply.status}: Feishu's reply has no assessment id")
    return str(receipt)
