"""The contract's endpoints as plain functions of a request: no sockets here.

:mod:`sync.erp_server.http` reads the request off the wire, applies faults and writes the
:class:`Response`; everything the contract *means* happens here, so it reads top to bottom
against :mod:`sync.protocol`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from sync.erp_server.keys import ServerKeys
from sync.erp_server.media import MediaUploads
from sync.erp_server.responses import Refused, Request, Response, error, json_response
from sync.erp_server.store import AuthFailure, BatchItem, ErpStore, IdempotencyConflict
from sync.erp_server.validate import BodyError, audit_pairs, check_push
from sync.protocol import (
    AUDIT_PATH,
    BATCH_PATH,
    BUNDLE_KINDS,
    ENROL_PATH,
    IDEMPOTENCY_KEY,
    MAX_BATCH_ITEMS,
    MEDIA_PATH,
    PUSH_PATHS,
    REPLAYED,
    bundle_path,
    canonical,
    health_path,
    tokens_path,
)

log = logging.getLogger("sync.erp_server")

_KEY_RE = re.compile(r"^[\x21-\x7e]{1,200}$")  # visible ASCII, as an HTTP header value allows


#: Received kind by push path (outbox kinds, plus audit).
_PUSH_KINDS: dict[str, str] = {path: kind for kind, path in PUSH_PATHS.items()} | {
    AUDIT_PATH: "audit"
}
#: An endpoint: the request, then the path's captured ids.
_Handler = Callable[..., Response]


def _pattern(make_path: Callable[[str], str]) -> re.Pattern[str]:
    """A path pattern from one of the protocol's path functions (``{}`` marks the id), so
    the paths are spelled once, in :mod:`sync.protocol`."""
    return re.compile("^" + re.escape(make_path("{}")).replace(r"\{\}", "([^/]+)") + "$")


_TOKENS_RE = _pattern(tokens_path)
_HEALTH_RE = _pattern(health_path)
_BUNDLE_RE = _pattern(bundle_path)
_UPLOAD_RE = _pattern(lambda upload: f"{MEDIA_PATH}/{upload}")


class ErpApi:
    """Routes and answers /v1 requests against one store."""

    def __init__(
        self, store: ErpStore, keys: ServerKeys, media: MediaUploads, token_ttl: float
    ) -> None:
        self.store = store
        self.keys = keys
        self.media = media
        #: Access-token lifetime in seconds; may be changed at run time (tests).
        self.token_ttl = token_ttl
        self._routes = self._routes_table()

    def handle(self, request: Request) -> Response:
        """Answer one request (never raises for a client's mistake)."""
        try:
            return self._route(request)
        except Refused as refused:
            return refused.response

    def _route(self, request: Request) -> Response:
        for pattern, methods in self._routes:
            match = pattern.match(request.path)
            if match is None:
                continue
            handler = methods.get(request.method)
            if handler is None:
                allow = ", ".join(methods)
                return error(405, "method_not_allowed", f"use {allow}", {"Allow": allow})
            return handler(request, *match.groups())
        return error(404, "not_found", "no such endpoint")

    def _routes_table(self) -> list[tuple[re.Pattern[str], dict[str, _Handler]]]:
        def exact(path: str) -> re.Pattern[str]:
            return re.compile(f"^{re.escape(path)}$")

        def push(kind: str) -> _Handler:
            return lambda request: self._push(request, kind, None)

        return [
            (exact(ENROL_PATH), {"POST": self._enrol}),
            (_TOKENS_RE, {"POST": self._tokens}),
            *[(exact(path), {"POST": push(kind)}) for path, kind in _PUSH_KINDS.items()],
            (_HEALTH_RE, {"POST": lambda request, device: self._push(request, "health", device)}),
            (exact(BATCH_PATH), {"POST": self._batch}),
            (_BUNDLE_RE, {"GET": self._bundle}),
            (exact(MEDIA_PATH), {"POST": lambda r: self.media.create(self._device(r), r.headers)}),
            (
                _UPLOAD_RE,
                {
                    "HEAD": lambda r, upload: self.media.head(self._device(r), upload),
                    "PATCH": lambda r, upload: self.media.patch(
                        self._device(r), upload, r.headers, r.body
                    ),
                },
            ),
        ]

    # -- credentials ----------------------------------------------------------------------

    def _device(self, request: Request) -> str:
        """The device whose bearer token authorises this request."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Refused(_auth_error("invalid_token", "an access token is required"))
        try:
            return self.store.authenticate(token.strip())
        except AuthFailure as failure:
            message = (
                "the access token has expired: get a new one from /tokens"
                if failure.code == "token_expired"
                else "the access token is not valid"
            )
            raise Refused(_auth_error(failure.code, message)) from None

    def _enrol(self, request: Request) -> Response:
        body = _json_object(request.body)
        for name in ("token", "deviceName", "software"):
            if not isinstance(body.get(name), str) or not body[name]:
                return error(400, "invalid_body", f"{name!r} must be a non-empty string")
        credentials = self.store.enrol(
            body["token"], body["deviceName"], body["software"], self.token_ttl
        )
        if credentials is None:
            log.info("enrolment refused (token unknown, used or expired)")
            return error(
                401, "invalid_enrolment_token", "the enrolment token is unknown, used or expired"
            )
        log.info("device %s enrolled", credentials.device_id)
        return json_response(
            201,
            {
                "deviceId": credentials.device_id,
                "deviceSecret": credentials.device_secret,
                "accessToken": credentials.access_token,
                "accessTokenExpiresAt": credentials.access_token_expires_at,
                **self.keys.public_fields(),
            },
        )

    def _tokens(self, request: Request, device_id: str) -> Response:
        body = _json_object(request.body)
        secret = body.get("deviceSecret")
        if not isinstance(secret, str) or not secret:
            return error(400, "invalid_body", "'deviceSecret' must be a non-empty string")
        issued = self.store.issue_access_token(device_id, secret, self.token_ttl)
        if issued is None:
            log.info("token refused for device %s", device_id)
            return error(401, "invalid_device_secret", "unknown device or wrong device secret")
        token, expires_at = issued
        return json_response(200, {"accessToken": token, "accessTokenExpiresAt": expires_at})

    # -- pushes ---------------------------------------------------------------------------

    def _push(self, request: Request, kind: str, path_device: str | None) -> Response:
        device_id = self._device(request)
        if path_device is not None and path_device != device_id:
            return error(403, "forbidden", "this token belongs to another device")
        key = request.headers.get(IDEMPOTENCY_KEY.lower(), "")
        if not _KEY_RE.match(key):
            return error(400, "idempotency_key_required", f"{IDEMPOTENCY_KEY} is required")
        body = _json_object(request.body)
        try:
            session_id = check_push(kind, body)
        except BodyError as problem:
            return error(400, "invalid_body", str(problem))
        if body.get("deviceId", device_id) != device_id:
            return error(403, "forbidden", "deviceId is not the device of this token")
        try:
            outcome = self.store.accept_push(
                device_id=device_id,
                idempotency_key=key,
                raw_body=request.body,
                kind=kind,
                session_id=session_id,
                body=body,
                audit_entries=audit_pairs(body) if kind == "audit" else (),
            )
        except IdempotencyConflict:
            log.info("device %s reused an idempotency key with another %s body", device_id, kind)
            return error(
                422, "idempotency_key_reused", "this Idempotency-Key was used with another body"
            )
        headers = {"Content-Type": "application/json"}
        if outcome.replayed:
            headers[REPLAYED] = "true"
        log.info(
            "%s from %s: %d bytes%s", kind, device_id, len(request.body),
            " (replayed)" if outcome.replayed else "",
        )  # fmt: skip
        return Response(outcome.status, outcome.response, headers)

    def _batch(self, request: Request) -> Response:
        """Several pushes in one request and one transaction; each answered as on its own."""
        device_id = self._device(request)
        items = _json_object(request.body).get("items")
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH_ITEMS:
            return error(400, "invalid_body", f"items: a list of 1-{MAX_BATCH_ITEMS} pushes")
        results: list[dict[str, Any]] = [{} for _ in items]
        prepared: list[tuple[int, BatchItem]] = []
        for index, entry in enumerate(items):
            try:
                prepared.append((index, _batch_item(entry, device_id)))
            except _ItemRefused as refused:
                results[index] = refused.result
        outcomes = self.store.accept_batch(device_id, [item for _, item in prepared])
        for (index, item), outcome in zip(prepared, outcomes, strict=True):
            if outcome is None:
                results[index] = _item_error(item.key, 422, "idempotency_key_reused")
                continue
            results[index] = {
                "idempotencyKey": item.key,
                "status": outcome.status,
                "response": json.loads(outcome.response),
                "replayed": outcome.replayed,
            }
        log.info("batch from %s: %d items", device_id, len(items))
        return json_response(200, {"results": results})

    # -- bundles --------------------------------------------------------------------------

    def _bundle(self, request: Request, kind: str) -> Response:
        device_id = self._device(request)
        if kind not in BUNDLE_KINDS:
            return error(404, "unknown_bundle_kind", f"kinds: {', '.join(BUNDLE_KINDS)}")
        bundle = self.store.current_bundle(kind, device_id)
        if bundle is None:
            return error(404, "no_bundle", f"no {kind} bundle has been published")
        etag = f'"{bundle.version}"'
        if etag in _entity_tags(request.headers.get("if-none-match", "")):
            return Response(304, b"", {"ETag": etag})
        return json_response(200, bundle.document, {"ETag": etag, "Cache-Control": "no-cache"})


class _ItemRefused(Exception):
    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(result.get("status"))
        self.result = result


def _item_error(key: Any, status: int, code: str, message: str = "") -> dict[str, Any]:
    return {
        "idempotencyKey": key if isinstance(key, str) else None,
        "status": status,
        "response": {"error": code, "message": message or code},
    }


def _batch_item(entry: Any, device_id: str) -> BatchItem:
    """A batch entry checked as its own push would be; :class:`_ItemRefused` if it fails."""
    if not isinstance(entry, dict):
        raise _ItemRefused(_item_error(None, 400, "invalid_body", "an item must be an object"))
    key, kind, body = entry.get("idempotencyKey"), entry.get("kind"), entry.get("body")
    if not isinstance(key, str) or not _KEY_RE.match(key):
        raise _ItemRefused(_item_error(key, 400, "idempotency_key_required"))
    if kind not in PUSH_PATHS:
        raise _ItemRefused(
            _item_error(key, 400, "invalid_body", f"kind: one of {list(PUSH_PATHS)}")
        )
    try:
        session_id = check_push(str(kind), body)
    except BodyError as problem:
        raise _ItemRefused(_item_error(key, 400, "invalid_body", str(problem))) from None
    assert isinstance(body, dict)
    if body.get("deviceId", device_id) != device_id:
        raise _ItemRefused(_item_error(key, 403, "forbidden", "deviceId is another device"))
    return BatchItem(key, canonical(body), str(kind), session_id, body)


def _auth_error(code: str, message: str) -> Response:
    # RFC 6750's header, so generic HTTP clients recognise a bearer-token refusal.
    return error(401, code, message, {"WWW-Authenticate": f'Bearer error="{code}"'})


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Refused(error(400, "invalid_body", "the body is not JSON (UTF-8)")) from None
    if not isinstance(value, dict):
        raise Refused(error(400, "invalid_body", "the body must be a JSON object"))
    return value


def _entity_tags(header: str) -> set[str]:
    # "W/" is dropped: a bundle's version names its content, so weak and strong mean the same.
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
