"""Recruiter mode: the dashboard, the session list and one session's report.

For recruiters and department heads after the staff login. The staff area builds this page at
login and destroys it at logout, so whatever it decrypted (reports, transcripts, clips) goes
with it. Every read and write runs on the staff thread through :class:`StaffContext`; what a
department head sees is limited to their departments by the core (:mod:`kiosk.dashboard`,
:class:`kiosk.review.ReviewDesk`), not by this page.

Navigation: the dashboard and the session list are one tap apart; a session opens its report;
the report's Back returns to the page it was opened from.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from ui.staff.context import StaffContext
from ui.staff.recruiter_dashboard import DashboardPage
from ui.staff.recruiter_format import staff_button
from ui.staff.recruiter_sessions import SessionListPage
from ui.staff.report_view import ReportPage


class RecruiterHome(QWidget):
    """What a recruiter or department head sees after logging in."""

    def __init__(self, context: StaffContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.nav = QWidget()
        tabs = QHBoxLayout(self.nav)
        tabs.setContentsMargins(0, 0, 0, 0)
        self.dashboard_button = self._nav_button()
        self.sessions_button = self._nav_button()
        tabs.addWidget(self.dashboard_button)
        tabs.addWidget(self.sessions_button)
        tabs.addStretch(1)
        column.addWidget(self.nav)
        self.pages = QStackedWidget()
        self.dashboard = DashboardPage(context)
        self.pages.addWidget(self.dashboard)
        column.addWidget(self.pages, 1)
        # The list and the report are built when first wanted: login shows the dashboard
        # at once (building every page took a few hundred ms of the GUI thread).
        self._sessions: SessionListPage | None = None
        self._report: ReportPage | None = None
        self._report_from: QWidget = self.dashboard

        self.dashboard_button.clicked.connect(self.show_dashboard)
        self.sessions_button.clicked.connect(self._sessions_tab)
        self.dashboard.list_requested.connect(self._list_from_dashboard)
        self.retranslate()
        self.show_dashboard()

    @property
    def sessions(self) -> SessionListPage:
        """The session list page (built on first use)."""
        if self._sessions is None:
            self._sessions = SessionListPage(self.context)
            self._sessions.open_requested.connect(self.open_report)
            self.pages.addWidget(self._sessions)
        return self._sessions

    @property
    def report(self) -> ReportPage:
        """The report page (built on first use)."""
        if self._report is None:
            self._report = ReportPage(self.context)
            self._report.back_requested.connect(self._back_from_report)
            self.pages.addWidget(self._report)
        return self._report

    # -- navigation -------------------------------------------------------------------------

    def show_dashboard(self) -> None:
        """Today's figures, freshly computed."""
        self._leave_report()
        self.pages.setCurrentWidget(self.dashboard)
        self.dashboard.refresh()
        self._mark(self.dashboard_button)

    def show_sessions(self, status: str | None = None) -> None:
        """The session list; with ``status``, today's sessions of that status ("" for all)."""
        self._leave_report()
        self.pages.setCurrentWidget(self.sessions)
        if status is not None:
            self.sessions.show_filtered(status)
        else:
            self.sessions.refresh()  # scores and decisions may have changed meanwhile
        self._mark(self.sessions_button)

    def open_report(self, session_id: str) -> None:
        """The report of ``session_id`` (role-checked and audited by the core)."""
        current = self.pages.currentWidget()
        report = self.report
        if current is not None and current is not report:
            self._report_from = current
        self.pages.setCurrentWidget(report)
        report.open(session_id)
        # The report needs the height; its Back button leads out of it.
        self.nav.setVisible(False)

    def _sessions_tab(self) -> None:
        self.show_sessions()

    def _list_from_dashboard(self, status: str) -> None:
        self.show_sessions(status)

    def _back_from_report(self) -> None:
        if self._report_from is self._sessions:
            self.show_sessions()
        else:
            self.show_dashboard()

    def _leave_report(self) -> None:
        # A report left behind is forgotten, not kept in a hidden page.
        if self._report is not None and self._report.session_id is not None:
            self._report.clear()
        self.nav.setVisible(True)

    def _nav_button(self) -> QPushButton:
        widget = staff_button("secondary")
        widget.setCheckable(True)
        return widget

    def _mark(self, current: QPushButton) -> None:
        for widget in (self.dashboard_button, self.sessions_button):
            widget.setChecked(widget is current)

    # -- texts ------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.dashboard_button.setText(self.tr("Dashboard"))
        self.sessions_button.setText(self.tr("Sessions"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
