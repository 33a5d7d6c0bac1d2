"""The audit log: who did what, append-only and hash-chained, with no personal data.

Each entry commits to the one before it: its hash is SHA-256 over the previous entry's hash and
the entry's own fields (canonical JSON). Editing an entry changes its hash, so the next entry no
longer points at it; removing or reordering entries breaks the chain at that place; sequence
numbers must run without gaps from 1. :func:`verify` finds the first break.

A chain cannot show that its *newest* entries were cut off (the shorter chain is still a valid
chain). The head (sequence number and hash) travels to the HR server with every sync, and
:func:`verify` checks the chain against a head recorded elsewhere when given one.

Entries name actors by account id and targets by session id or code, never by a person's name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64

#: What the log records (the issue's list); anything else is a programming error.
ACTIONS = frozenset(
    {
        "login",
        "login_failed",
        "logout",
        "report_viewed",
        "media_played",
        "score_overridden",
        "status_changed",
        "export",
        "session_deleted",
        "purge",
        "config_changed",
        "enrolment",
        "user_added",
        "user_unlocked",
        "user_disabled",
        "user_removed",
        "pin_changed",
        "wipe",
    }
)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the audit log."""

    seq: int
    at: float
    actor: str
    action: str
    target: str
    detail: Mapping[str, Any]
    prev_hash: str
    hash: str


def entry_hash(
    prev_hash: str, *, seq: int, at: float, actor: str, action: str, target: str, detail: str
) -> str:
    """The hash an entry with these fields must carry (``detail`` as stored: JSON text)."""
    body = json.dumps(
        [prev_hash, seq, repr(at), actor, action, target, detail],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def detail_text(detail: Mapping[str, Any]) -> str:
    """The canonical JSON an entry's detail is stored and hashed as."""
    return json.dumps(dict(detail), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class ChainProblem:
    """Where the chain breaks, and how."""

    seq: int
    problem: str


def verify(
    rows: Iterable[tuple[int, float, str, str, str, str, str, str]],
    *,
    head: tuple[int, str] | None = None,
) -> list[ChainProblem]:
    """Check stored rows (seq, at, actor, action, target, detail, prev_hash, hash) in seq order.

    Returns every problem found (empty: the chain is intact). ``head`` is a (seq, hash) known
    from elsewhere (the server's last acknowledged entry): the chain must contain it.
    """
    problems: list[ChainProblem] = []
    expected_seq, prev = 1, GENESIS
    seen: dict[int, str] = {}
    for seq, at, actor, action, target, detail, prev_hash, stored in rows:
        if seq != expected_seq:
            problems.append(ChainProblem(seq, f"expected entry {expected_seq} (removed or moved)"))
        if prev_hash != prev:
            problems.append(ChainProblem(seq, "does not follow the entry before it"))
        computed = entry_hash(
            prev_hash, seq=seq, at=at, actor=actor, action=action, target=target, detail=detail
        )
        if computed != stored:
            problems.append(ChainProblem(seq, "was changed after it was written"))
        seen[seq] = stored
        expected_seq, prev = seq + 1, stored
    if head is not None and seen.get(head[0]) != head[1]:
        problems.append(ChainProblem(head[0], "the last entry known elsewhere is missing"))
    return problems
