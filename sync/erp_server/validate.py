"""Shape checks of push bodies, per :mod:`sync.protocol`'s docstring.

Only shapes are checked (required fields and their JSON types, base64 where the contract says
base64); unknown extra fields are accepted so a newer terminal can add some. Messages name the
field, never its value: they are logged and the value may be personal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from sync.protocol import unb64


class BodyError(ValueError):
    """The body does not have the contract's shape; the message names the field."""


def _is_number(value: Any) -> bool:
    # bool is an int subclass in Python, but `true` is not a time.
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(body: dict[str, Any], name: str, *, optional: bool = False) -> None:
    value = body.get(name)
    if value is None and optional:
        return
    if not isinstance(value, str) or (not value and not optional):
        raise BodyError(f"{name!r} must be a non-empty string")


def _number(body: dict[str, Any], name: str) -> None:
    if not _is_number(body.get(name)):
        raise BodyError(f"{name!r} must be a number")


def _integer(body: dict[str, Any], name: str, minimum: int = 0) -> None:
    value = body.get(name)
    if not (isinstance(value, int) and not isinstance(value, bool) and value >= minimum):
        raise BodyError(f"{name!r} must be an integer >= {minimum}")


def _object(body: dict[str, Any], name: str) -> dict[str, Any]:
    value = body.get(name)
    if not isinstance(value, dict):
        raise BodyError(f"{name!r} must be an object")
    return value


def _base64(body: dict[str, Any], name: str, where: str) -> None:
    value = body.get(name)
    try:
        if not isinstance(value, str) or not value:
            raise ValueError
        unb64(value)
    except ValueError:
        raise BodyError(f"{where}{name!r} must be non-empty base64") from None


def check_sealed(sealed: Any) -> None:
    """``{"keyId", "wrappedKey", "records": [{"kind", "id", "ciphertext"}]}``, base64."""
    if not isinstance(sealed, dict):
        raise BodyError("'sealed' must be an object")
    _text(sealed, "keyId")
    _base64(sealed, "wrappedKey", "sealed.")
    records = sealed.get("records")
    # May be empty: an abandoned session can close before it has a result record.
    if not isinstance(records, list):
        raise BodyError("'sealed.records' must be a list")
    for record in records:
        if not isinstance(record, dict):
            raise BodyError("each sealed record must be an object")
        _text(record, "kind")
        if not isinstance(record.get("id"), str):  # "" is a valid record id (personal, result)
            raise BodyError("sealed record 'id' must be a string")
        _base64(record, "ciphertext", "sealed record ")


def _consent(body: dict[str, Any]) -> str:
    _text(body, "sessionId")
    if not isinstance(body.get("noticeVersion"), str | int) or isinstance(
        body.get("noticeVersion"), bool
    ):
        raise BodyError("'noticeVersion' must be a string or an integer")
    if not isinstance(body.get("faceAnalysis"), bool):
        raise BodyError("'faceAnalysis' must be true or false")
    _number(body, "givenAt")
    return str(body["sessionId"])


def _report(body: dict[str, Any]) -> str:
    _text(body, "id")
    subject = _object(body, "subject")
    _text(subject, "sessionId")
    _text(subject, "sessionCode")
    _text(_object(body, "package"), "positionId")
    _text(body, "status")
    _number(body, "assessedAt")
    # A declined session has no sealed part; every other outcome may carry one.
    if body.get("sealed") is not None:
        check_sealed(body["sealed"])
    return str(subject["sessionId"])


def _review(body: dict[str, Any]) -> str:
    _text(body, "sessionId")
    _integer(body, "seq", minimum=1)
    if body.get("kind") not in ("override", "status"):
        raise BodyError("'kind' must be 'override' or 'status'")
    _text(body, "actor")
    _number(body, "at")
    # The terminal sends null when the session has no copy of its key for the server (it was
    # recorded before enrolment and can no longer be opened there); refusing it would leave
    # the review queued forever, so it is stored as it is.
    if body.get("sealed") is not None:
        check_sealed(body["sealed"])
    return str(body["sessionId"])


def _tombstone(body: dict[str, Any]) -> str:
    _text(body, "sessionId")
    _text(body, "positionId", optional=True)
    _text(body, "reason")
    _number(body, "deletedAt")
    return str(body["sessionId"])


def _audit(body: dict[str, Any]) -> None:
    entries = body.get("entries")
    if not isinstance(entries, list) or not entries:
        raise BodyError("'entries' must be a non-empty list")
    for entry in entries:
        if not isinstance(entry, dict):
            raise BodyError("each audit entry must be an object")
        _integer(entry, "seq", minimum=1)
        _number(entry, "at")
        if not isinstance(entry.get("actor"), str):
            raise BodyError("audit entry 'actor' must be a string")
        _text(entry, "action")
        _text(entry, "target", optional=True)
        # The first entry of a chain has no predecessor: prevHash may be "" or null.
        _text(entry, "prevHash", optional=True)
        _text(entry, "hash")
        if "detail" not in entry:
            raise BodyError("audit entry 'detail' is missing")


def audit_pairs(body: dict[str, Any]) -> list[tuple[int, str]]:
    """``(seq, hash)`` of each entry of a validated audit body."""
    return [(int(e["seq"]), str(e["hash"])) for e in body["entries"]]


def _health(body: dict[str, Any]) -> None:
    _text(body, "software")
    _integer(body, "freeDiskBytes")
    _integer(body, "queueLength")
    _text(body, "lastError", optional=True)
    _number(body, "at")
    if body.get("bundles") is not None and not isinstance(body["bundles"], dict):
        raise BodyError("'bundles' must be an object")


#: Validators by received kind; each returns the session id when the kind has one.
VALIDATORS: Final[dict[str, Callable[[dict[str, Any]], str | None]]] = {
    "consent": _consent,
    "result": _report,
    "review": _review,
    "tombstone": _tombstone,
    "audit": _audit,
    "health": _health,
}


def check_push(kind: str, body: Any) -> str | None:
    """Validate a push body for ``kind``; return its session id (``None`` if it has none).

    ``deviceId`` is optional: the access token already names the device, and the terminal's
    wire bodies (:mod:`sync.wire`) leave it out. Where present it must be a non-empty string,
    and the caller checks it is the token's device (a 403, not a 400).
    """
    if not isinstance(body, dict):
        raise BodyError("the body must be a JSON object")
    if "deviceId" in body:
        _text(body, "deviceId")
    return VALIDATORS[kind](body)
