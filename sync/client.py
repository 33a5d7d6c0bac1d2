"""The connector for our own contract (``sync/openapi.yaml``): the reference ERP server, or an
ERP that implements the contract.

It adds the device's access token to every call and, when the server says the token expired
(which happens mid-batch: tokens are short-lived), trades the device secret for a new one and
repeats the call once. Nothing here retries on its own otherwise: the worker decides when.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from sync.connector import AuthError, Delivery, PermanentError, TooLarge, TransientError
from sync.credentials import DeviceCredentials
from sync.protocol import (
    AUDIT_PATH,
    BATCH_PATH,
    IDEMPOTENCY_KEY,
    PUSH_PATHS,
    bundle_path,
    canonical,
    health_path,
    tokens_path,
)
from sync.transport import (
    RETRYABLE,
    Response,
    TlsSettings,
    check_endpoint,
    new_session,
    request,
    retry_after,
)

#: Refresh a token this long before it expires rather than have a request refused.
_TOKEN_MARGIN = 5.0


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    """The server's answer to one item of a batch."""

    status: int
    receipt: str | None
    error: str = ""

    @property
    def accepted(self) -> bool:
        """Stored (now, or earlier: a replay)."""
        return 200 <= self.status < 300


@dataclass(frozen=True, slots=True)
class BundleReply:
    """A pulled bundle (``document`` is the signed JSON) or ``None`` when not modified."""

    document: Any | None
    etag: str | None


class ErpClient:
    """Speaks the kiosk contract to one ERP endpoint on behalf of one enrolled device."""

    needs_plaintext = False

    def __init__(
        self,
        credentials: DeviceCredentials,
        tls: TlsSettings,
        *,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
        session: requests.Session | None = None,
    ) -> None:
        check_endpoint(credentials.endpoint)
        self._credentials = credentials
        self._base = credentials.endpoint.rstrip("/")
        self._timeout = timeout
        self._clock = clock
        self._http = session or new_session(tls)
        self._token: str | None = None
        self._token_expires = 0.0
        self._lock = threading.Lock()
        self.refreshes = 0

    @property
    def device_id(self) -> str:
        """The enrolled device's id."""
        return self._credentials.device_id

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    # -- the connector protocol ---------------------------------------------------------

    def push(self, delivery: Delivery) -> str | None:
        """POST one record with its idempotency key; the receipt id on success."""
        path = PUSH_PATHS.get(delivery.kind)
        if path is None:
            return None
        reply = self.call("POST", path, body=delivery.body, key=delivery.idempotency_key)
        return str(_field(reply, "receipt"))

    def push_batch(self, deliveries: list[Delivery]) -> list[ItemOutcome]:
        """POST several records in one request (at most one per session, so order holds);
        one outcome per delivery, in order. A failure of the request as a whole raises."""
        if not deliveries:
            return []
        items = [
            {"kind": d.kind, "idempotencyKey": d.idempotency_key, "body": d.body}
            for d in deliveries
        ]
        reply = self.call("POST", BATCH_PATH, body={"items": items})
        results = _field(reply, "results")
        if not isinstance(results, list) or len(results) != len(deliveries):
            raise TransientError("the batch reply does not answer every item")
        outcomes = []
        for delivery, result in zip(deliveries, results, strict=True):
            if not isinstance(result, dict) or result.get("idempotencyKey") not in (
                delivery.idempotency_key,
                None,
            ):
                raise TransientError("the batch reply answers items out of order")
            try:
                status = int(result.get("status", 0))
            except (TypeError, ValueError):
                raise TransientError("the batch reply has a malformed item status") from None
            response = result.get("response")
            code = response.get("error", "") if isinstance(response, dict) else ""
            receipt = response.get("receipt") if isinstance(response, dict) else None
            outcomes.append(ItemOutcome(status, None if receipt is None else str(receipt), code))
        return outcomes

    # -- other calls ------------------------------------------------------------------------

    def push_audit(self, entries: list[dict[str, Any]], key: str) -> tuple[int, str]:
        """Send audit entries; returns the server's head (seq, hash) for this device."""
        reply = self.call("POST", AUDIT_PATH, body={"entries": entries}, key=key)
        head = _field(reply, "head")
        if not isinstance(head, dict):
            raise TransientError("audit reply without a head")
        return int(head.get("seq", 0)), str(head.get("hash", ""))

    def health(self, body: dict[str, Any], key: str) -> None:
        """Report device health."""
        self.call("POST", health_path(self.device_id), body=body, key=key)

    def bundle(self, kind: str, etag: str | None) -> BundleReply:
        """Pull a bundle unless it is unchanged since ``etag``."""
        headers = {"If-None-Match": etag} if etag else {}
        reply = self._authorized("GET", bundle_path(kind), headers=headers, body=None)
        if reply.status == 304:
            return BundleReply(None, etag)
        if reply.status == 404:
            return BundleReply(None, None)
        _check(reply)
        return BundleReply(reply.json(), reply.headers.get("ETag"))

    def call(self, method: str, path: str, *, body: dict[str, Any], key: str | None = None) -> Any:
        """An authorised JSON call; the parsed reply, or one of the connector errors."""
        headers = {"Content-Type": "application/json"}
        if key is not None:
            headers[IDEMPOTENCY_KEY] = key
        reply = self._authorized(method, path, headers=headers, body=canonical(body))
        _check(reply)
        return reply.json()

    def raw(
        self, method: str, path: str, *, headers: dict[str, str], body: bytes | None = None
    ) -> Response:
        """An authorised call returning the reply as it is (media uploads read headers)."""
        return self._authorized(method, path, headers=headers, body=body)

    # -- tokens -----------------------------------------------------------------------------

    def _authorized(
        self, method: str, path: str, *, headers: dict[str, str], body: bytes | None
    ) -> Response:
        for attempt in range(2):
            token = self._current_token(force=attempt > 0)
            reply = request(
                self._http,
                method,
                self._base + path,
                timeout=self._timeout,
                headers={**headers, "Authorization": f"Bearer {token}"},
                body=body,
            )
            if reply.status != 401:
                return reply
        raise AuthError("the ERP refused the device's fresh access token; enrol again")

    def _current_token(self, *, force: bool) -> str:
        with self._lock:
            if force or self._token is None or self._clock() > self._token_expires - _TOKEN_MARGIN:
                self._refresh()
            assert self._token is not None
            return self._token

    def _refresh(self) -> None:
        reply = request(
            self._http,
            "POST",
            self._base + tokens_path(self.device_id),
            timeout=self._timeout,
            headers={"Content-Type": "application/json"},
            body=canonical({"deviceSecret": self._credentials.device_secret}),
        )
        if reply.status in (401, 403, 404):
            raise AuthError(
                f"HTTP {reply.status}: the ERP no longer accepts this device's credential; "
                "enrol it again (kiosk provision)"
            )
        _check(reply)
        data = reply.json()
        self._token = str(_field(data, "accessToken"))
        self._token_expires = float(_field(data, "accessTokenExpiresAt"))
        self.refreshes += 1


def _check(reply: Response) -> None:
    """Raise the connector error a non-2xx status means."""
    if 200 <= reply.status < 300:
        return
    code = _error_code(reply.body)
    if reply.status in RETRYABLE or reply.status >= 500:
        raise TransientError(f"HTTP {reply.status} {code}".strip(), retry_after(reply.headers))
    if reply.status == 413:
        raise TooLarge(f"HTTP 413 {code}".strip())
    raise PermanentError(f"HTTP {reply.status} {code}".strip())


def _error_code(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    return str(data.get("error", ""))[:60] if isinstance(data, dict) else ""


def _field(data: Any, name: str) -> Any:
    if not isinstance(data, dict) or name not in data:
        raise TransientError(f"the server's reply has no {name!r}")
    return data[name]
