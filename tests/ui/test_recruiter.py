"""Recruiter mode through the real app: dashboard, session list, report, review, key segments,
export and print, department heads, logout.

Real interviews run through the candidate screens first (replay devices, analysis off unless a
test needs scores). The staff accounts are added before them: a session's data key is wrapped
for the review key only once a recruiter exists.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget
from pytestqt.qtbot import QtBot

from kiosk.engine import InterviewState, PlannedQuestion, Stage
from kiosk.vault.accounts import AddedUser
from kiosk.vault.roles import Role
from tests.ui.cups import CupsServer, cups_server, printed_title  # noqa: F401  # a fixture
from tests.ui.harness import CANARY_NAME, WAIT_MS, App, ui_config, visible_texts
from tests.ui.staff_helpers import add_user, log_in, open_login, totp_code, wait_logged_in
from ui.replay import sample_clips
from ui.staff.recruiter import RecruiterHome


class Staff:
    """The app with a recruiter (rita) and a technology department head (hedy)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.rita: AddedUser = add_user(app, "rita", Role.RECRUITER)
        self.hedy: AddedUser = add_user(app, "hedy", Role.DEPARTMENT_HEAD, ("technology",))

    def interview(self, position: str) -> str:
        """A whole interview through the candidate screens; returns its session code."""
        app = self.app
        app.walk_in(position)
        app.to_device_check()
        app.pass_device_check()
        while app.stage() is not Stage.DONE:
            if app.stage() is Stage.REVIEW:
                # After the last answer the engine waits for the analysis to finish (with
                # analysis on, on a busy machine, longer than the harness's usual wait).
                before = app.window.snapshot
                app.tap(app.screens.question.next_button)
                app.qtbot.waitUntil(lambda b=before: app.window.snapshot is not b, timeout=120_000)
            else:
                app.answer_current()
        app.wait_for(app.screens.done)
        code = app.screens.done.code.text()
        app.tap(app.screens.done.finish_button)
        app.wait_stage(Stage.WELCOME)
        return code

    def decline(self, position: str) -> str:
        """A candidate who declines at the consent notice; returns the session code."""
        app = self.app
        before = {row.code for row in app.kiosk.store.sessions()}
        app.walk_in(position)
        app.tap(app.screens.greeting.continue_button)
        app.wait_for(app.screens.consent)
        app.tap(app.screens.consent.decline_button)
        app.wait_for(app.screens.declined)
        app.tap(app.screens.declined.finish_button)
        app.wait_stage(Stage.WELCOME)
        (code,) = {row.code for row in app.kiosk.store.sessions()} - before
        return code

    def log_in(self, user: str = "rita") -> RecruiterHome:
        app = self.app
        open_login(app)
        log_in(app, user, totp_code(app, self.rita if user == "rita" else self.hedy))
        wait_logged_in(app)
        home = app.window.staff.home
        assert isinstance(home, RecruiterHome)
        return home

    def session_id(self, code: str) -> str:
        row = self.app.kiosk.store.session_by_code(code)
        assert row is not None
        return row.session_id

    def audit(self) -> list[tuple[str, str, str, str]]:
        """(actor, action, target, detail) of every audit entry."""
        return [(e[2], e[3], e[4], e[5]) for e in self.app.kiosk.store.audit_entries()]


@pytest.fixture
def staff(qtbot: QtBot, tmp_path: Path) -> Iterator[Staff]:
    # Recordings are kept (encrypted, for upload) so that key segments can be played.
    app = App(qtbot, ui_config(tmp_path, KIOSK_ERP_UPLOAD_MEDIA="true"))
    try:
        yield Staff(app)
    finally:
        app.close()


def _cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    assert item is not None, (row, column)
    return item.text()


def _wait_idle(staff: Staff) -> None:
    """Until every staff call has answered."""
    calls = staff.app.window.staff_calls
    staff.app.qtbot.waitUntil(lambda: calls.pending == 0, timeout=WAIT_MS)


def _store_session(staff: Staff, position: str, *, outcome: str | None, consent: bool) -> str:
    """A session written through the core API (no candidate screens, no result), at the app's
    clock time; returns its code."""
    store, now = staff.app.kiosk.store, staff.app.clock.now()
    sid = f"crafted-{len(store.sessions())}"
    state = InterviewState(
        stage=Stage.PREP,
        session_id=sid,
        position_id=position,
        questions=(PlannedQuestion("q", "behavioural", 30, 120, 1),),
    )
    store.create_session(state, f"TEST-{len(store.sessions()):04d}", {"name": CANARY_NAME}, now)
    if consent:
        store.record_consent(sid, "v1", False, now)
    if outcome is not None:
        store.close_session(sid, outcome, now + 30)  # type: ignore[arg-type]
    return store.session(sid).code


def test_the_dashboard_counts_today_and_opens_the_list(staff: Staff, qtbot: QtBot) -> None:
    done = staff.interview("swe-intern")
    declined = staff.decline("customer-manager")
    _store_session(staff, "swe-intern", outcome="interrupted", consent=False)
    _store_session(staff, "customer-manager", outcome=None, consent=True)
    home = staff.log_in()
    board = home.dashboard
    qtbot.waitUntil(lambda: board.data is not None, timeout=WAIT_MS)
    counts = {status: widget.text() for status, widget in board.status_counts.items()}
    assert counts == {"completed": "1", "in_progress": "1", "declined": "1", "interrupted": "1"}
    # Consented: the completed interview and the one under way, of four who decided.
    assert board.participation.text() == "Participation: 50 %"
    assert board.participation_detail.text() == "2 of 4 went on to the interview"
    assert "Average duration" in board.duration.text()
    assert board.chart.counts == (0,) * 10  # analysis is off: no scores, and it says so
    assert board.chart.isVisible()
    assert "Waiting to be sent" in board.sync_pending.text()
    assert "never" in board.sync_last.text()

    # A status opens today's list filtered to it.
    staff.app.tap(board.status_buttons["declined"])
    sessions = home.sessions
    qtbot.waitUntil(lambda: home.pages.currentWidget() is sessions, timeout=WAIT_MS)
    _wait_idle(staff)
    assert [s.code for s in sessions.shown] == [declined]
    staff.app.tap(home.dashboard_button)
    qtbot.waitUntil(lambda: home.pages.currentWidget() is board, timeout=WAIT_MS)
    staff.app.tap(home.sessions_button)
    _wait_idle(staff)
    # The sessions button keeps the last filters; the table shows what passes them.
    assert sessions.table.rowCount() == 1
    sessions.show_filtered("")
    _wait_idle(staff)
    assert sessions.table.rowCount() == 4
    assert done in [_cell(sessions.table, r, 0) for r in range(4)]


def test_filters_narrow_the_list(staff: Staff, qtbot: QtBot) -> None:
    swe = staff.interview("swe-intern")
    declined = staff.decline("swe-intern")
    manager = _store_session(staff, "customer-manager", outcome="completed", consent=True)
    home = staff.log_in()
    home.show_sessions("")
    sessions = home.sessions
    _wait_idle(staff)

    def codes() -> set[str]:
        return {s.code for s in sessions.shown}

    assert codes() == {swe, manager, declined}
    combo = sessions.position_combo
    combo.setCurrentIndex(combo.findData("customer-manager"))
    assert codes() == {manager}
    assert sessions.table.rowCount() == 1
    assert _cell(sessions.table, 0, 1) == "Customer Manager"
    combo.setCurrentIndex(0)
    sessions.status_combo.setCurrentIndex(sessions.status_combo.findData("declined"))
    assert codes() == {declined}
    sessions.status_combo.setCurrentIndex(0)
    sessions.decision_combo.setCurrentIndex(sessions.decision_combo.findData("advance"))
    assert codes() == set()
    sessions.decision_combo.setCurrentIndex(sessions.decision_combo.findData("none"))
    assert codes() == {swe, manager, declined}
    sessions.decision_combo.setCurrentIndex(0)
    staff.app.type_into(sessions.code_edit, swe[-4:].lower())
    assert codes() == {swe}
    sessions.code_edit.clear()
    # Dates: yesterday alone has none; all dates have all three.
    sessions.range_combo.setCurrentIndex(sessions.range_combo.findData("custom"))
    yesterday = sessions.from_edit.date().addDays(-1)
    sessions.to_edit.setDate(yesterday)
    sessions.from_edit.setDate(yesterday)
    _wait_idle(staff)
    assert codes() == set()
    sessions.set_range("all")
    _wait_idle(staff)
    assert codes() == {swe, manager, declined}
    # The list speaks the display language, the bank's titles included.
    combo.setCurrentIndex(combo.findData("customer-manager"))
    for language, title in (("zh", "客户经理"), ("en", "Customer Manager")):
        staff.app.window.language.set(language)  # Qt delivers the change as an event
        qtbot.waitUntil(lambda t=title: _cell(sessions.table, 0, 1) == t, timeout=WAIT_MS)
    # A declined session has no report to open.
    combo.setCurrentIndex(0)
    sessions.status_combo.setCurrentIndex(sessions.status_combo.findData("declined"))
    sessions.table.cellClicked.emit(0, 0)
    assert "no report" in sessions.message.text()
    assert home.pages.currentWidget() is sessions


def _open_first_report(staff: Staff, home: RecruiterHome, qtbot: QtBot) -> None:
    home.show_sessions("completed")
    _wait_idle(staff)
    qtbot.mouseClick(
        home.sessions.table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=home.sessions.table.visualRect(home.sessions.table.model().index(0, 0)).center(),
    )
    qtbot.waitUntil(lambda: home.report.opened is not None, timeout=WAIT_MS)


def test_a_report_is_read_decided_played_and_exported(
    staff: Staff, qtbot: QtBot, tmp_path: Path
) -> None:
    code = staff.interview("swe-intern")
    sid = staff.session_id(code)
    home = staff.log_in()
    _open_first_report(staff, home, qtbot)
    report = home.report
    text = report.browser.toPlainText()
    assert CANARY_NAME in text and code in text and "Answers" in text
    assert ("rita", "report_viewed", sid, "{}") in staff.audit()
    review = report.review
    assert "analysis was off" in review.unscored.text()
    assert not review.override_button.isEnabled()

    # A decision, with a note, is stored and shown.
    report.show_tab(review)
    staff.app.type_into(review.note_edit, "second round")
    staff.app.tap(review.decision_buttons["hold"])
    qtbot.waitUntil(lambda: report.decision.text() == "Decision: Hold", timeout=WAIT_MS)
    assert review.decision_label.text() == "Hold · second round"
    assert review.note_edit.text() == ""
    stored = staff.app.kiosk.store.reviews(sid)
    assert [(r[1], r[2], r[4]["status"]) for r in stored] == [("rita", "status", "hold")]

    # Key segments: without analysis, each spoken answer whole, played from memory.
    player = report.player
    assert player.segments and all(s.kind == "answer" for s in player.segments)
    report.show_tab(player)
    player.play(0)
    qtbot.waitUntil(lambda: player.frames_shown >= 5, timeout=WAIT_MS)
    clip, segment = player.clip, player.segments[0]
    assert clip is not None and clip.has_audio
    assert abs(clip.seconds - (segment.end - segment.start)) < 0.3  # the whole answer
    assert "of video" in player.status.text()
    _assert_no_plaintext_media(staff.app.config.data_dir)
    played = [a for a in staff.audit() if a[1] == "media_played"]
    assert [(a[0], a[2]) for a in played] == [("rita", sid)]
    assert '"answer":' in played[0][3] and CANARY_NAME not in played[0][3]

    # Export to a folder the recruiter chose.
    out = tmp_path / "usb"
    out.mkdir()
    export = report.export
    report.show_tab(export)
    export.folder_edit.setText(str(tmp_path / "missing"))
    staff.app.tap(export.export_button)
    qtbot.waitUntil(lambda: "no folder" in export.message.text(), timeout=WAIT_MS)
    export.folder_edit.setText(str(out))
    staff.app.tap(export.export_button)
    qtbot.waitUntil(lambda: export.result is not None, timeout=WAIT_MS)
    assert (out / f"report-{code}.pdf").read_bytes().startswith(b"%PDF")
    # Every file written is named on screen and in the audit entry: each is a copy of
    # personal data the recruiter must look after.
    written = sorted(p.name for p in out.iterdir())
    expected = [f"report-{code}.{s}" for s in ("html", "json", "md", "pdf")]
    assert written == sorted([*expected, f"receipt-{code}.txt"])
    assert all(name in export.message.text() for name in written)
    exports = [a for a in staff.audit() if a[1] == "export"]
    assert exports == [("rita", "export", sid, '{"formats":["html","json","md","pdf","txt"]}')]

    # Back to the list, which shows the decision; then log out: nothing personal remains.
    staff.app.tap(report.back_button)
    qtbot.waitUntil(lambda: home.pages.currentWidget() is home.sessions, timeout=WAIT_MS)
    _wait_idle(staff)
    assert _cell(home.sessions.table, 0, 6) == "Hold"
    assert report.opened is None and player.clip is None  # the report was forgotten
    report.open(sid)  # a report on screen again, then log out
    qtbot.waitUntil(lambda: report.opened is not None, timeout=WAIT_MS)
    assert CANARY_NAME in "\n".join(visible_texts(staff.app.window))
    staff.app.tap(staff.app.window.staff.logout_button)
    staff.app.wait_for(staff.app.screens.welcome)
    qtbot.waitUntil(lambda: not staff.app.window.findChildren(RecruiterHome), timeout=WAIT_MS)
    texts = "\n".join(visible_texts(staff.app.window))
    assert CANARY_NAME not in texts and code not in texts


def _assert_no_plaintext_media(data_dir: Path) -> None:
    """No file of the kiosk's holds a JPEG frame or an AVI, and the player's name for the
    clip is only a name: decrypted media stays in memory."""
    assert not (Path.cwd() / "segment.avi").exists()
    kept = list(data_dir.rglob("*.enc"))
    assert kept, "the recordings are kept encrypted for upload"
    for path in data_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"AVI LIST" not in data and b"JFIF\x00" not in data, path


def test_a_department_head_sees_only_their_department(staff: Staff, qtbot: QtBot) -> None:
    swe = staff.interview("swe-intern")
    manager = _store_session(staff, "customer-manager", outcome="completed", consent=True)
    home = staff.log_in("hedy")
    board = home.dashboard
    qtbot.waitUntil(lambda: board.data is not None, timeout=WAIT_MS)
    assert board.status_counts["completed"].text() == "1"
    home.show_sessions("")
    _wait_idle(staff)
    assert [s.code for s in home.sessions.shown] == [swe]
    assert home.sessions.position_combo.count() == 2  # "any" and their one position
    # Another department's report, asked for by id: refused with a message, not opened.
    other = staff.session_id(manager)
    home.open_report(other)
    _wait_idle(staff)
    assert home.report.opened is None
    assert "Not allowed for your role" in home.report.message.text()
    assert "retail-banking" in home.report.message.text()
    assert not [a for a in staff.audit() if a[0] == "hedy" and a[1] == "report_viewed"]
    # Their own department's report opens.
    sid = staff.session_id(swe)
    home.open_report(sid)
    qtbot.waitUntil(lambda: home.report.opened is not None, timeout=WAIT_MS)
    assert not home.report.message.isVisible()
    # Recordings already uploaded (gone from the terminal): the player says so.
    shutil.rmtree(staff.app.config.media_dir / sid)
    player = home.report.player
    home.report.show_tab(player)
    player.play(0)
    qtbot.waitUntil(lambda: "no longer on this terminal" in player.status.text(), timeout=WAIT_MS)
    assert player.clip is None


def test_a_report_is_printed_on_the_print_queue(
    staff: Staff,
    qtbot: QtBot,
    cups_server: CupsServer,  # noqa: F811  # the fixture imported above
) -> None:
    code = staff.interview("swe-intern")
    home = staff.log_in()
    _open_first_report(staff, home, qtbot)
    report = home.report
    export = report.export
    report.show_tab(export)
    staff.app.tap(export.print_button)
    qtbot.waitUntil(lambda: export.result is not None, timeout=60_000)
    assert export.result is not None and export.result.job
    assert export.result.job in export.message.text()
    # The receipt at the end of the interview went to the same queue; find the report.
    title = f"Interview report {code}"
    deadline = time.monotonic() + 60
    while title not in [printed_title(p) for p in cups_server.wait_for_pdfs(1)]:
        assert time.monotonic() < deadline, "the report was not printed"
        qtbot.wait(200)
    sid = staff.session_id(code)
    assert ("rita", "export", sid, '{"formats":["print"]}') in staff.audit()


@pytest.mark.slow
def test_a_scored_report_shows_evidence_and_takes_overrides(qtbot: QtBot, tmp_path: Path) -> None:
    """The real models score the interview: the report has competencies with evidence, key
    segments at the evidence, and scores a recruiter can override with a reason."""
    config = ui_config(tmp_path, KIOSK_ANALYSIS_ENABLED="true", KIOSK_ERP_UPLOAD_MEDIA="true")
    app = App(qtbot, config, clips=sample_clips())
    try:
        staff = Staff(app)
        code = staff.interview("customer-manager")
        sid = staff.session_id(code)
        home = staff.log_in()
        board = home.dashboard
        qtbot.waitUntil(lambda: board.data is not None, timeout=WAIT_MS)
        assert sum(board.chart.counts) == 1
        _open_first_report(staff, home, qtbot)
        report = home.report
        result = report.opened.reviewed.report["result"] if report.opened else {}
        text = report.browser.toPlainText()
        names = [c["name"] for c in result["competencies"]]
        assert names and all(name in text for name in names)
        assert f"Overall {result['overall100']}/100" in text
        quotes = [
            e["quote"]
            for c in result["competencies"]
            for p in c["contributions"]
            for e in p["evidence"][:4]
        ]
        assert any(q and q in text for q in quotes)  # evidence quoted in the report
        player = report.player
        assert any(s.kind == "evidence" for s in player.segments)
        evidence = next(i for i, s in enumerate(player.segments) if s.kind == "evidence")
        player.play(evidence)
        qtbot.waitUntil(lambda: player.frames_shown >= 1, timeout=WAIT_MS)

        review = report.review
        report.show_tab(review)
        assert review.table.rowCount() == len(names)
        first = result["competencies"][0]
        review.score_spin.setValue(91)
        staff.app.type_into(review.reason_edit, "ok")
        staff.app.tap(review.override_button)
        qtbot.waitUntil(lambda: "reason" in review.message.text(), timeout=WAIT_MS)
        assert "Not saved" in review.message.text()
        assert staff.app.kiosk.store.reviews(sid) == []
        staff.app.type_into(review.reason_edit, " — strong example in the follow-up call")
        staff.app.tap(review.override_button)
        qtbot.waitUntil(lambda: review.message.text() == "Saved.", timeout=WAIT_MS)
        assert _cell(review.table, 0, 2).startswith("91 by rita")
        assert "follow-up call" in _cell(review.table, 0, 3)
        assert _cell(review.table, 0, 1) == str(first["score100"])  # computed, kept
        stored = staff.app.kiosk.store.reviews(sid)
        assert stored[0][4]["competency"] == first["id"] and stored[0][4]["score"] == 91
        assert ("rita", "score_overridden", sid) in [a[:3] for a in staff.audit()]
    finally:
        app.close()
