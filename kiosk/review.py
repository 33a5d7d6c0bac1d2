"""Recruiter review: reading, overriding, deciding and exporting a finished session.

Every call names the logged-in :class:`~kiosk.vault.roles.Principal`, is checked against the role
matrix (a department head only for their own departments' positions) and leaves an audit entry.
The recruiter screens and ``kiosk review`` both go through here, so no front end can forget
a check. Reading needs the session's data key, which only a recruiter's login unlocks
(:mod:`kiosk.vault.accounts`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from kiosk.bank import QuestionBank
from kiosk.errors import BankError, ErrorKind, VaultError
from kiosk.plugins import ReportWriter
from kiosk.report import ReportFiles, write_report
from kiosk.store import SessionRow, SessionStore
from kiosk.vault.roles import Permission, Principal, authorize

Decision = Literal["advance", "hold", "reject"]
DECISIONS: tuple[Decision, ...] = ("advance", "hold", "reject")


@dataclass(frozen=True, slots=True)
class ReviewedReport:
    """A session's report with the reviews applied on top of the computed result."""

    session: SessionRow
    report: dict[str, Any]
    overrides: dict[str, dict[str, Any]]  # competency id -> latest override
    status: str | None  # the latest decision, if any


class ReviewDesk:
    """What a logged-in recruiter or department head does with finished sessions."""

    def __init__(
        self, store: SessionStore, bank: Callable[[], QuestionBank], clock: Callable[[], float]
    ) -> None:
        self._store = store
        self._bank = bank
        self._clock = clock

    def _session(self, who: Principal, session_id: str, permission: Permission) -> SessionRow:
        row = self._store.session(session_id)
        authorize(who, permission, department=self._department(row.position_id))
        if row.closed_at is None:
            raise VaultError("this interview is still in progress", kind=ErrorKind.INVALID_INPUT)
        return row

    def _department(self, position_id: str) -> str | None:
        try:
            return self._bank().position(position_id).department
        except BankError:
            return None  # a position no longer in the bank: department heads are refused

    def open(self, who: Principal, session_id: str) -> ReviewedReport:
        """The report of a finished session (audited as viewed)."""
        row = self._session(who, session_id, Permission.VIEW_REPORT)
        report = self._store.result(session_id)
        if report is None:
            raise VaultError(
                f"session {row.code} ended without a result ({row.outcome})",
                kind=ErrorKind.INVALID_INPUT,
            )
        overrides, decision = self._reviews(session_id)
        self._store.audit(who.user_id, "report_viewed", session_id, {}, self._clock())
        status = None if decision is None else str(decision["status"])
        return ReviewedReport(row, report, overrides, status)

    def with_reviews(self, session_id: str, report: dict[str, Any]) -> dict[str, Any]:
        """``report`` with its ``review`` section (the decision and each override), for files
        and prints: they must say what the reviewers decided, not only what was computed."""
        overrides, decision = self._reviews(session_id)
        if not overrides and decision is None:
            return report
        return {**report, "review": export_review(report, overrides, decision)}

    def _reviews(self, session_id: str) -> tuple[dict[str, dict[str, Any]], dict[str, Any] | None]:
        """The latest override of each competency, and the latest decision (with who and
        when), of a session."""
        overrides: dict[str, dict[str, Any]] = {}
        decision = None
        for seq, actor, kind, at, data in self._store.reviews(session_id):
            entry = {**data, "seq": seq, "by": actor, "at": at}
            if kind == "override":
                overrides[str(data["competency"])] = entry
            else:
                decision = entry
        return overrides, decision

    def override(
        self, who: Principal, session_id: str, competency: str, score: int, reason: str
    ) -> int:
        """Replace one competency's score, with the reviewer's reason (both kept, sealed)."""
        self._session(who, session_id, Permission.OVERRIDE_SCORE)
        if not 0 <= score <= 100:
            raise VaultError("a score is 0-100", kind=ErrorKind.INVALID_INPUT)
        if len(reason.strip()) < 5:
            raise VaultError("an override needs a reason", kind=ErrorKind.INVALID_INPUT)
        report = self._store.result(session_id) or {}
        known = {c.get("id") for c in report.get("result", {}).get("competencies", [])}
        if competency not in known:
            raise VaultError(
                f"no competency {competency!r} in this result", kind=ErrorKind.INVALID_INPUT
            )
        data = {"competency": competency, "score": score, "reason": reason.strip()}
        return self._store.add_review(
            session_id, actor=who.user_id, kind="override", data=data, now=self._clock()
        )

    def decide(self, who: Principal, session_id: str, status: Decision, note: str = "") -> int:
        """Advance, hold or reject the candidate (sent to the ERP as a status change)."""
        self._session(who, session_id, Permission.ADVANCE_STATUS)
        if status not in DECISIONS:
            raise VaultError(f"a decision is one of {DECISIONS}", kind=ErrorKind.INVALID_INPUT)
        data = {"status": status, "note": note.strip()}
        return self._store.add_review(
            session_id, actor=who.user_id, kind="status", data=data, now=self._clock()
        )

    def export(
        self,
        who: Principal,
        session_id: str,
        out_dir: Path,
        *,
        writers: Mapping[str, ReportWriter] | None = None,
    ) -> ReportFiles:
        """Write the report files (HTML, PDF, …) to ``out_dir``: personal data leaves the vault
        here, so it is its own permission and audit entry."""
        self._session(who, session_id, Permission.EXPORT_REPORT)
        report = self._store.result(session_id)
        if report is None:
            raise VaultError("this session has no result to export", kind=ErrorKind.INVALID_INPUT)
        files = write_report(self.with_reviews(session_id, report), out_dir, writers=writers)
        # Every file written, so the audit names each copy of personal data that left.
        written = (files.html_path, files.json_path, files.markdown_path, files.receipt_path)
        formats = sorted({p.suffix.lstrip(".") for p in (*written, *files.extra)})
        self._store.audit(who.user_id, "export", session_id, {"formats": formats}, self._clock())
        return files


def export_review(
    report: dict[str, Any], overrides: dict[str, dict[str, Any]], decision: dict[str, Any] | None
) -> dict[str, Any]:
    """The ``review`` section of an exported report: the decision and each overridden score
    beside the computed one, with its reason and reviewer (times in UTC, ISO 8601)."""
    computed = {
        c["id"]: c for c in (report.get("result") or {}).get("competencies", []) if "id" in c
    }
    return {
        "decision": None
        if decision is None
        else {
            "status": decision["status"],
            "note": decision.get("note", ""),
            "by": decision["by"],
            "at": _iso(decision["at"]),
        },
        "overrides": [
            {
                "competency": competency,
                "name": computed.get(competency, {}).get("name", competency),
                "computed": computed.get(competency, {}).get("score100"),
                "score": entry["score"],
                "reason": entry["reason"],
                "by": entry["by"],
                "at": _iso(entry["at"]),
            }
            for competency, entry in sorted(overrides.items())
        ],
    }


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat(timespec="seconds")
