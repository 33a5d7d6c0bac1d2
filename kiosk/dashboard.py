"""What the recruiter screens read from the store: session summaries, the day's figures, the
sync state, and the key segments of a report.

Qt-free, so the figures can be tested against a real store without a screen, and every front
end counts the same way. Each function takes the logged-in :class:`~kiosk.vault.roles.Principal`
and returns only what their role may see: a department head gets the sessions of their own
departments' positions and nothing else (:func:`~kiosk.vault.roles.is_allowed` filters the list,
as it is meant to). Reading one report stays with :class:`~kiosk.review.ReviewDesk`, which
audits it; the summaries here read a result only for its overall score and a session's reviews
only for the latest decision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Literal

from kiosk.bank import QuestionBank
from kiosk.errors import BankError, VaultError
from kiosk.outbox import Outbox, OutboxStatus
from kiosk.store import SessionRow, SessionStore
from kiosk.vault.roles import Permission, Principal, authorize, is_allowed, permissions

SessionStatus = Literal["completed", "in_progress", "declined", "interrupted"]
#: The statuses the dashboard counts, in the order it shows them.
STATUSES: tuple[SessionStatus, ...] = ("completed", "in_progress", "declined", "interrupted")
#: A session list filter on the decision: one of the review decisions, or ``none`` (no
#: decision yet).
DECISION_FILTERS = ("advance", "hold", "reject", "none")
#: How a session's stored outcome reads as a status; every other ending (abandoned, devices
#: failed) is an interruption.
_ENDINGS: Mapping[str, SessionStatus] = {"completed": "completed", "declined": "declined"}
#: The score histogram's bins are this wide (0-9, 10-19, … 90-100: the last bin holds 100).
BIN_WIDTH = 10


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """One session as the list and the dashboard show it: no name, no transcript."""

    session_id: str
    code: str
    position_id: str
    department: str | None
    opened_at: float
    closed_at: float | None
    status: SessionStatus
    #: The candidate gave consent (so went on from the consent notice to the interview).
    consented: bool
    #: The computed overall score 0-100 (before any reviewer's override), if scored.
    overall: int | None = None
    #: The latest review decision (advance, hold, reject), if any.
    decision: str | None = None
    #: A report can be opened: the session ended with a stored result.
    has_result: bool = False

    @property
    def duration(self) -> float | None:
        """Seconds from check-in to the end, for an ended session."""
        return None if self.closed_at is None else max(0.0, self.closed_at - self.opened_at)


@dataclass(frozen=True, slots=True)
class ReviewState:
    """The reviews of one session as they now stand: the latest override per competency and
    the latest decision."""

    overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    decision: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class SessionStats:
    """The figures of a set of sessions (the dashboard's day)."""

    by_status: Mapping[str, int]
    #: Sessions checked in (all of them, whatever became of them).
    checked_in: int
    #: The sessions the participation rate is taken over (see :func:`statistics`).
    participation_base: int
    #: Of those, the sessions whose candidate consented and went on to the interview.
    participated: int
    #: Mean seconds from check-in to the end, over completed sessions; None without any.
    average_duration: float | None
    #: The computed overall scores of the scored sessions.
    scores: tuple[int, ...]

    @property
    def participation_rate(self) -> float | None:
        """``participated / participation_base`` (0-1); None when nobody has decided yet."""
        if not self.participation_base:
            return None
        return self.participated / self.participation_base

    def histogram(self) -> tuple[int, ...]:
        """How many scores fall in each :data:`BIN_WIDTH`-wide bin from 0 to 100."""
        bins = [0] * (100 // BIN_WIDTH)
        for score in self.scores:
            bins[min(max(score, 0) // BIN_WIDTH, len(bins) - 1)] += 1
        return tuple(bins)


@dataclass(frozen=True, slots=True)
class Dashboard:
    """The recruiter's home page: the day's sessions and whether results are getting out."""

    since: float
    until: float
    stats: SessionStats
    sync: OutboxStatus


@dataclass(frozen=True, slots=True)
class SessionFilter:
    """The session list's filters other than dates (the dates bound what is loaded)."""

    status: str | None = None
    position_id: str | None = None
    #: One of :data:`DECISION_FILTERS`, or None for any.
    decision: str | None = None
    #: Part of a session code; case, spaces and dashes do not matter.
    code: str = ""

    def matches(self, summary: SessionSummary) -> bool:
        """Whether ``summary`` passes every filter that is set."""
        if self.status and summary.status != self.status:
            return False
        if self.position_id and summary.position_id != self.position_id:
            return False
        if self.decision is not None:
            wanted_decision = None if self.decision == "none" else self.decision
            if summary.decision != wanted_decision:
                return False
        wanted = _normalised_code(self.code)
        return not wanted or wanted in _normalised_code(summary.code)

    def apply(self, summaries: Iterable[SessionSummary]) -> list[SessionSummary]:
        """The summaries that pass, in their order."""
        return [s for s in summaries if self.matches(s)]


@dataclass(frozen=True, slots=True)
class KeySegment:
    """A stretch of one recorded answer worth seeing again: an evidence quote, an integrity
    flag's span, or (for an unscored report) the whole answer."""

    #: The answer's 0-based index and attempt: they name its recordings.
    answer_index: int
    attempt: int
    start: float
    end: float
    kind: Literal["evidence", "flag", "answer"]
    #: What the segment shows: the quote, the flag's code, or "" for a whole answer.
    label: str = ""
    #: The competency an evidence quote counts for.
    competency: str = ""

    @property
    def question_number(self) -> int:
        """The question's number as the report shows it (1-based)."""
        return self.answer_index + 1


def day_bounds(now: float) -> tuple[float, float]:
    """The start and end (epoch seconds) of the terminal's local calendar day holding ``now``."""
    # Naive local datetimes: .timestamp() then applies the offset in force at that moment, so
    # a day with a daylight-saving change is 23 or 25 hours long, as it should be.
    day = datetime.fromtimestamp(now).date()
    start = datetime.combine(day, time())
    return start.timestamp(), datetime.combine(day + timedelta(days=1), time()).timestamp()


def latest_reviews(reviews: Iterable[tuple[int, str, str, float, dict[str, Any]]]) -> ReviewState:
    """The standing reviews from :meth:`SessionStore.reviews` (oldest first): later ones win."""
    overrides: dict[str, Mapping[str, Any]] = {}
    decision, note = None, ""
    for seq, actor, kind, at, data in reviews:
        if kind == "override":
            overrides[str(data["competency"])] = {**data, "seq": seq, "by": actor, "at": at}
        else:
            decision, note = str(data["status"]), str(data.get("note", ""))
    return ReviewState(overrides, decision, note)


def summaries(
    store: SessionStore,
    bank: QuestionBank,
    who: Principal,
    *,
    since: float | None = None,
    until: float | None = None,
) -> list[SessionSummary]:
    """The sessions ``who`` may see that were checked in from ``since`` up to ``until``
    (either may be None: unbounded), newest first.

    Reading a score or a decision needs the session's data key, which a recruiter's login
    opens; a session whose key this login cannot open is listed without them.
    """
    _require_role(who, Permission.VIEW_DASHBOARD)
    consented = {row[0] for row in store.query("SELECT DISTINCT session_id FROM consents")}
    results = {row[0]: row[1] for row in store.query("SELECT session_id, status FROM results")}
    reviewed = {row[0] for row in store.query("SELECT DISTINCT session_id FROM reviews")}
    out = []
    for row in store.sessions():
        if (since is not None and row.opened_at < since) or (
            until is not None and row.opened_at >= until
        ):
            continue
        department = department_of(bank, row.position_id)
        if not is_allowed(who, Permission.VIEW_DASHBOARD, department=department):
            continue
        out.append(
            _summary(
                store,
                row,
                department=department,
                consented=consented,
                results=results,
                reviewed=reviewed,
            )
        )
    return out


def _summary(
    store: SessionStore,
    row: SessionRow,
    *,
    department: str | None,
    consented: set[str],
    results: Mapping[str, str],
    reviewed: set[str],
) -> SessionSummary:
    status: SessionStatus = "in_progress"
    if row.closed_at is not None:
        status = _ENDINGS.get(row.outcome or "", "interrupted")
    overall = decision = None
    sid = row.session_id
    try:
        if results.get(sid) == "scored":
            result = (store.result(sid) or {}).get("result") or {}
            overall = int(result["overall100"]) if "overall100" in result else None
        if sid in reviewed:
            decision = latest_reviews(store.reviews(sid)).decision
    except VaultError:
        pass  # a key this login cannot open: listed without score and decision
    return SessionSummary(
        session_id=sid,
        code=row.code,
        position_id=row.position_id,
        department=department,
        opened_at=row.opened_at,
        closed_at=row.closed_at,
        status=status,
        consented=sid in consented,
        overall=overall,
        decision=decision,
        has_result=row.closed_at is not None and sid in results,
    )


def statistics(sessions: Sequence[SessionSummary]) -> SessionStats:
    """The figures of ``sessions``.

    **Participation rate**: of the checked-in candidates who have reached a decision at the
    consent notice, the share who consented and went on to the interview. Sessions that ended
    without consent (declined, or abandoned before the notice was answered) count against it;
    a session still open before the consent decision is left out of both parts, because its
    candidate has not decided yet.

    **Average duration**: from check-in to the end, over completed sessions only (a declined
    session's few seconds would make the interviews look short).
    """
    by_status: dict[str, int] = dict.fromkeys(STATUSES, 0)
    for s in sessions:
        by_status[s.status] += 1
    undecided = [s for s in sessions if s.status == "in_progress" and not s.consented]
    base = len(sessions) - len(undecided)
    durations = [s.duration for s in sessions if s.status == "completed" and s.duration is not None]
    return SessionStats(
        by_status=by_status,
        checked_in=len(sessions),
        participation_base=base,
        participated=sum(1 for s in sessions if s.consented),
        average_duration=sum(durations) / len(durations) if durations else None,
        scores=tuple(s.overall for s in sessions if s.overall is not None),
    )


def dashboard(store: SessionStore, bank: QuestionBank, who: Principal, now: float) -> Dashboard:
    """Today's figures (the terminal's local day holding ``now``) and the sync state."""
    _require_role(who, Permission.VIEW_SYNC)
    since, until = day_bounds(now)
    today = summaries(store, bank, who, since=since, until=until)
    return Dashboard(since, until, statistics(today), Outbox(store).status(now))


def key_segments(report: Mapping[str, Any], *, pad: float = 1.0) -> list[KeySegment]:
    """The key segments of a report, in answer order: each evidence quote that has a time,
    each span of an integrity flag, ``pad`` seconds either side; for a report without scores,
    every spoken answer whole. Duplicates are dropped."""
    answers = {a["question_id"]: a for a in report.get("answers", []) if "recording" in a}
    found: dict[tuple[int, int, float, float], KeySegment] = {}

    def add(question_id: str, start: float, end: float, margin: float, **what: Any) -> None:
        answer = answers.get(question_id)
        if answer is None:
            return  # not recorded (a multiple-choice item), or a question not in this report
        length = float(answer["recording"]["audio_seconds"] or answer["answer_seconds"])
        begin, stop = max(0.0, start - margin), min(length, end + margin)
        if stop <= begin:
            return
        index, attempt = int(answer["index"]) - 1, int(answer["attempt"])
        key = (index, attempt, round(begin, 1), round(stop, 1))
        found.setdefault(key, KeySegment(index, attempt, begin, stop, **what))

    result = report.get("result")
    if result is None:
        for question_id, answer in answers.items():
            if "choice" not in answer:
                add(
                    question_id,
                    0.0,
                    float(answer["recording"]["audio_seconds"]),
                    0.0,
                    kind="answer",
                )
    else:
        for competency in result.get("competencies", []):
            for contribution in competency.get("contributions", []):
                for evidence in contribution.get("evidence", [])[:4]:  # as many as the report
                    if evidence.get("start") is None or evidence.get("end") is None:
                        continue
                    add(
                        contribution["question_id"],
                        float(evidence["start"]),
                        float(evidence["end"]),
                        pad,
                        kind="evidence",
                        label=str(evidence.get("quote") or ""),
                        competency=str(competency.get("name") or competency.get("id") or ""),
                    )
        for flag in result.get("flags", []):
            for start, end in flag.get("spans", []):
                add(flag["question_id"], start, end, pad, kind="flag", label=str(flag["code"]))
    return sorted(found.values(), key=lambda s: (s.answer_index, s.start, s.end))


def department_of(bank: QuestionBank, position_id: str) -> str | None:
    """The department of a position, or None if the bank no longer has it."""
    try:
        return bank.position(position_id).department
    except BankError:
        return None  # a position no longer in the bank: only recruiters see it


def _require_role(who: Principal, permission: Permission) -> None:
    """Refuse a role without ``permission`` at all. (A department head holds it for their
    departments; which sessions that covers is decided per session.)"""
    if permission not in permissions(who.role):
        authorize(who, permission)  # raises, with the role matrix's own message


def _normalised_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())
