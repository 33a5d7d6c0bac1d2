"""The recruiter's figures and lists, from a real store: counts, participation, duration,
scores, filters, department heads, the sync state and the key segments of a report."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from kiosk.bank import load_sample_bank
from kiosk.dashboard import (
    SessionFilter,
    dashboard,
    day_bounds,
    key_segments,
    latest_reviews,
    statistics,
    summaries,
)
from kiosk.engine import InterviewState, PlannedQuestion, Stage
from kiosk.errors import VaultError
from kiosk.outbox import Outbox
from kiosk.review import ReviewDesk
from kiosk.store import SessionStore
from kiosk.vault.keyring import Keyring
from kiosk.vault.roles import Principal, Role

BANK = load_sample_bank()
RECRUITER = Principal("rec1", Role.RECRUITER)
TECH_HEAD = Principal("head1", Role.DEPARTMENT_HEAD, frozenset({"technology"}))
ADMIN = Principal("it1", Role.IT_ADMIN)
# Noon, local time, on a fixed day: the day's bounds do not depend on the machine's zone.
NOON = datetime(2027, 3, 10, 12, 0).timestamp()


def _result(code: str, overall: int | None) -> dict[str, Any]:
    report: dict[str, Any] = {
        "session_code": code,
        "candidate": {"name": "N"},
        "position": {"id": "swe-intern", "title": "Software Engineer Intern"},
        "answers": [],
    }
    if overall is None:
        report["analysis"] = {"status": "not_available"}
    else:
        report["analysis"] = {"status": "scored"}
        report["result"] = {"overall100": overall, "competencies": [{"id": "problem_solving"}]}
    return report


class Sessions:
    """Sessions written through the store's own API at chosen times."""

    def __init__(self, store: SessionStore) -> None:
        self.store = store
        self.count = 0

    def add(
        self,
        position: str,
        opened: float,
        *,
        outcome: str | None = None,
        closed: float | None = None,
        consent: bool = True,
        overall: int | None = None,
    ) -> str:
        self.count += 1
        sid, code = f"s{self.count}", f"CODE-{self.count:04d}"
        state = InterviewState(
            stage=Stage.GREETING,
            session_id=sid,
            position_id=position,
            language="en",
            questions=(PlannedQuestion("q", "behavioural", 30, 120, 1),),
        )
        self.store.create_session(state, code, {"name": "N"}, opened)
        if consent:
            self.store.record_consent(sid, "v1", True, opened + 1)
        if outcome is not None:
            assert closed is not None
            if outcome == "completed":
                status = "not_available" if overall is None else "scored"
                self.store.save_result(sid, _result(code, overall), status, closed)
            self.store.close_session(sid, outcome, closed)  # type: ignore[arg-type]
        return sid


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "kiosk.db", Keyring(b"\x05" * 32))


def test_the_day_figures(store: SessionStore) -> None:
    add = Sessions(store).add
    add("swe-intern", NOON - 7200, outcome="completed", closed=NOON - 7200 + 600, overall=72)
    add("swe-intern", NOON - 3600, outcome="completed", closed=NOON - 3600 + 900, overall=48)
    add("customer-manager", NOON - 1800, outcome="completed", closed=NOON - 1800 + 1200)
    add("swe-intern", NOON - 1200, outcome="declined", closed=NOON - 1150, consent=False)
    # Walked away from the greeting: ended without a consent.
    add("swe-intern", NOON - 900, outcome="interrupted", closed=NOON - 300, consent=False)
    add("swe-intern", NOON - 60)  # consented, answering now
    add("swe-intern", NOON - 10, consent=False)  # still reading the consent notice
    add("swe-intern", NOON - 86_400, outcome="completed", closed=NOON - 86_000, overall=99)

    board = dashboard(store, BANK, RECRUITER, NOON)
    stats = board.stats
    assert stats.by_status == {"completed": 3, "in_progress": 2, "declined": 1, "interrupted": 1}
    assert stats.checked_in == 7  # yesterday's session is not today's
    # Consented: the three completed and the one answering now; the one still reading the
    # notice has not decided and is left out.
    assert (stats.participated, stats.participation_base) == (4, 6)
    assert stats.participation_rate == pytest.approx(4 / 6)
    assert stats.average_duration == pytest.approx((600 + 900 + 1200) / 3)
    assert sorted(stats.scores) == [48, 72]
    assert stats.histogram() == (0, 0, 0, 0, 1, 0, 0, 1, 0, 0)
    assert (board.since, board.until) == day_bounds(NOON)
    # Five consents and six endings (yesterday's too) wait to be sent; nothing was delivered.
    assert board.sync.pending == 11 and board.sync.delivered == 0
    assert board.sync.last_delivered_at is None


def test_no_sessions_no_rates(store: SessionStore) -> None:
    stats = dashboard(store, BANK, RECRUITER, NOON).stats
    assert stats.checked_in == 0
    assert stats.participation_rate is None and stats.average_duration is None
    assert stats.histogram() == (0,) * 10


def test_the_histogram_puts_100_in_the_top_bin(store: SessionStore) -> None:
    add = Sessions(store).add
    for score in (0, 9, 10, 100, 95):
        add("swe-intern", NOON, outcome="completed", closed=NOON + 60, overall=score)
    assert statistics(summaries(store, BANK, RECRUITER)).histogram() == (
        2,
        1,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        2,
    )


def test_the_sync_state_shows_deliveries_and_failures(store: SessionStore) -> None:
    Sessions(store).add("swe-intern", NOON, outcome="completed", closed=NOON + 60, overall=50)
    outbox = Outbox(store)
    first, second = outbox.due(NOON + 100)[0], None
    outbox.delivered([first.seq], NOON + 120)
    second = outbox.due(NOON + 130)[0]
    outbox.failed(second.seq, "HTTP 503 from the server", NOON + 500)
    sync = dashboard(store, BANK, RECRUITER, NOON + 200).sync
    assert sync.delivered == 1 and sync.last_delivered_at == NOON + 120
    assert (sync.pending, sync.waiting) == (1, 1)
    assert sync.last_error == "HTTP 503 from the server"


def test_scores_decisions_and_filters(store: SessionStore) -> None:
    add = Sessions(store).add
    held = add("swe-intern", NOON, outcome="completed", closed=NOON + 60, overall=80)
    add("swe-intern", NOON + 100, outcome="completed", closed=NOON + 200, overall=30)
    add("customer-manager", NOON + 300, outcome="declined", closed=NOON + 310, consent=False)
    desk = ReviewDesk(store, lambda: BANK, lambda: NOON + 1000)
    desk.decide(RECRUITER, held, "advance", "strong answers")
    desk.decide(RECRUITER, held, "hold", "")  # the latest decision stands

    listed = summaries(store, BANK, RECRUITER)
    assert [s.code for s in listed] == ["CODE-0003", "CODE-0002", "CODE-0001"]  # newest first
    by_code = {s.code: s for s in listed}
    assert by_code["CODE-0001"].decision == "hold" and by_code["CODE-0001"].overall == 80
    assert by_code["CODE-0001"].duration == 60 and by_code["CODE-0001"].has_result
    assert by_code["CODE-0003"].status == "declined" and not by_code["CODE-0003"].has_result

    def codes(**filters: Any) -> list[str]:
        return [s.code for s in SessionFilter(**filters).apply(listed)]

    assert codes(decision="hold") == ["CODE-0001"]
    assert codes(decision="none") == ["CODE-0003", "CODE-0002"]
    assert codes(status="declined") == ["CODE-0003"]
    assert codes(position_id="swe-intern", decision="advance") == []
    assert codes(code="code 0002") == ["CODE-0002"]  # case, spaces and dashes ignored
    assert codes(code="0002-x") == []
    # Dates bound what is loaded: checked in from NOON + 50 up to NOON + 300 (exclusive).
    assert [
        s.code for s in summaries(store, BANK, RECRUITER, since=NOON + 50, until=NOON + 300)
    ] == ["CODE-0002"]


def test_a_department_head_sees_only_their_departments(store: SessionStore) -> None:
    add = Sessions(store).add
    add("swe-intern", NOON, outcome="completed", closed=NOON + 60, overall=70)
    add("customer-manager", NOON, outcome="completed", closed=NOON + 60, overall=40)
    assert BANK.position("customer-manager").department == "retail-banking"
    seen = summaries(store, BANK, TECH_HEAD)
    assert [s.position_id for s in seen] == ["swe-intern"]
    assert dashboard(store, BANK, TECH_HEAD, NOON).stats.scores == (70,)
    with pytest.raises(VaultError, match="view_dashboard"):
        summaries(store, BANK, ADMIN)  # IT admins never see candidates


def test_day_bounds_span_the_local_day() -> None:
    start, end = day_bounds(NOON)
    assert datetime.fromtimestamp(start) == datetime(2027, 3, 10)
    assert datetime.fromtimestamp(end) == datetime(2027, 3, 11)
    assert day_bounds(start) == (start, end) and day_bounds(end)[0] == end


def test_latest_reviews_keep_the_last_of_each() -> None:
    state = latest_reviews(
        [
            (1, "a", "override", 1.0, {"competency": "c1", "score": 10, "reason": "first"}),
            (2, "b", "status", 2.0, {"status": "reject", "note": "no"}),
            (3, "c", "override", 3.0, {"competency": "c1", "score": 20, "reason": "second"}),
            (4, "d", "status", 4.0, {"status": "advance", "note": ""}),
        ]
    )
    assert state.overrides["c1"]["score"] == 20 and state.overrides["c1"]["by"] == "c"
    assert (state.decision, state.note) == ("advance", "")


def _evidence(quote: str, start: float | None, end: float | None) -> dict[str, Any]:
    return {"kind": "keyword", "quote": quote, "start": start, "end": end, "detail": ""}


def test_key_segments_of_a_scored_report() -> None:
    answers = [
        {"index": 1, "question_id": "intro", "attempt": 1, "answer_seconds": 30.0,
         "recording": {"audio_seconds": 30.0, "video_frames": 300}},
        {"index": 2, "question_id": "mc1", "attempt": 1, "answer_seconds": 5.0, "choice": 1},
        {"index": 3, "question_id": "star", "attempt": 2, "answer_seconds": 60.0,
         "recording": {"audio_seconds": 60.0, "video_frames": 600}},
    ]  # fmt: skip
    contribution = {
        "question_id": "star",
        "evidence": [
            _evidence("I led the team", 10.0, 12.0),
            _evidence("I led the team", 10.0, 12.0),  # the same span twice: one segment
            _evidence("no time", None, None),  # no timestamp: not a segment
            _evidence("at the very end", 59.5, 60.0),
        ],
    }
    report = {
        "answers": answers,
        "result": {
            "competencies": [{"id": "lead", "name": "Leadership", "contributions": [contribution]}],
            "flags": [{"code": "no_face", "question_id": "intro", "detail": "", "spans": [[3, 7]]}],
        },
    }
    segments = key_segments(report)
    assert [(s.answer_index, s.attempt, s.start, s.end, s.kind) for s in segments] == [
        (0, 1, 2.0, 8.0, "flag"),
        (2, 2, 9.0, 13.0, "evidence"),
        (2, 2, 58.5, 60.0, "evidence"),  # clipped at the answer's end
    ]
    assert segments[1].label == "I led the team" and segments[1].competency == "Leadership"
    assert segments[1].question_number == 3


def test_an_unscored_report_offers_whole_answers() -> None:
    report = {
        "answers": [
            {"index": 1, "question_id": "intro", "attempt": 1, "answer_seconds": 12.0,
             "recording": {"audio_seconds": 11.5, "video_frames": 115}},
            {"index": 2, "question_id": "mc1", "attempt": 1, "answer_seconds": 4.0, "choice": 0,
             "recording": {"audio_seconds": 4.0, "video_frames": 40}},
        ],
        "analysis": {"status": "not_available"},
    }  # fmt: skip
    segments = key_segments(report)
    assert [(s.answer_index, s.start, s.end, s.kind) for s in segments] == [
        (0, 0.0, 11.5, "answer")
    ]
