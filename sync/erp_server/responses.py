"""Requests and responses as plain values, shared by the endpoint modules and the HTTP layer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sync.protocol import canonical, error_body


@dataclass(frozen=True, slots=True)
class Request:
    """One request as read off the wire. Header names are lower-case."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes = b""


@dataclass
class Response:
    """One answer to write. ``headers`` excludes Content-Length (the writer sets it)."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class Refused(Exception):
    """Raised deep inside a handler to answer with ``response`` at once."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def json_response(status: int, data: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer (canonical bytes, so a replay is byte-identical)."""
    return Response(
        status, canonical(data), {"Content-Type": "application/json", **(headers or {})}
    )


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """An error answer in the contract's shape ``{"error", "message"}``."""
    return Response(
        status, error_body(code, message), {"Content-Type": "application/json", **(headers or {})}
    )
