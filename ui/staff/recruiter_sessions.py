"""The session list: every session the staff member may see, filtered, one tap to its report.

The date range decides what is loaded (on the staff thread: scores and decisions are sealed);
the other filters (status, position, decision, code) narrow the loaded list at once, on the
GUI thread, since they only compare a few fields of a few hundred rows at most.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QDate, QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.bank import LocalizedText
from kiosk.dashboard import (
    DECISION_FILTERS,
    STATUSES,
    SessionFilter,
    SessionSummary,
    day_bounds,
    summaries,
)
from kiosk.staff import StaffServices
from kiosk.vault.roles import Permission, is_allowed
from ui.screens.base import label
from ui.staff.calls import StaffFailure
from ui.staff.context import StaffContext
from ui.staff.recruiter_format import (
    decision_names,
    duration_text,
    failure_text,
    staff_button,
    status_names,
    when_text,
)

#: The date ranges offered, in order; ``custom`` shows the two date fields.
RANGES = ("today", "week", "month", "all", "custom")
COLUMNS = 7


@dataclass(frozen=True, slots=True)
class SessionList:
    """What one load brings back: the positions the staff member may see and the sessions."""

    positions: tuple[tuple[str, LocalizedText], ...]
    sessions: tuple[SessionSummary, ...]


class SessionListPage(QWidget):
    """Filters above a table of sessions; a tap (or Enter) on a row opens its report."""

    #: Open the report of this session id.
    open_requested = Signal(str)

    def __init__(self, context: StaffContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.data: SessionList | None = None
        self.shown: list[SessionSummary] = []
        self._failure: StaffFailure | None = None
        self._build()
        self.retranslate()

    def _build(self) -> None:
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 8, 0, 0)
        column.setSpacing(12)
        top = QHBoxLayout()
        self.title = label("title")
        self.count = label("subtitle")
        self.refresh_button = staff_button("secondary")
        self.refresh_button.clicked.connect(self.refresh)
        top.addWidget(self.title)
        top.addWidget(self.count, 1)
        top.addWidget(self.refresh_button)
        column.addLayout(top)

        dates = QHBoxLayout()
        self.range_combo = QComboBox()
        for key in RANGES:
            self.range_combo.addItem("", key)
        self.range_combo.currentIndexChanged.connect(self._range_changed)
        # The terminal's day, which in tests is the manual clock's, not the wall clock's.
        day = datetime.fromtimestamp(self.context.clock.now()).date()
        today = QDate(day.year, day.month, day.day)
        self.from_edit, self.to_edit = QDateEdit(today), QDateEdit(today)
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setVisible(False)
            edit.dateChanged.connect(self._dates_changed)
        self.code_edit = QLineEdit()
        self.code_edit.setObjectName("code_search")
        self.code_edit.setMaxLength(16)
        self.code_edit.textChanged.connect(self._filter)
        dates.addWidget(self.range_combo)
        dates.addWidget(self.from_edit)
        dates.addWidget(self.to_edit)
        dates.addWidget(self.code_edit, 1)
        column.addLayout(dates)
        self._build_filters(column)

    def _build_filters(self, column: QVBoxLayout) -> None:
        filters = QHBoxLayout()
        self.status_combo, self.position_combo, self.decision_combo = (
            QComboBox(),
            QComboBox(),
            QComboBox(),
        )
        self.status_combo.addItem("", None)
        for status in STATUSES:
            self.status_combo.addItem("", status)
        self.position_combo.addItem("", None)
        self.decision_combo.addItem("", None)
        for decision in DECISION_FILTERS:
            self.decision_combo.addItem("", decision)
        for combo in (self.status_combo, self.position_combo, self.decision_combo):
            combo.currentIndexChanged.connect(self._filter)
            filters.addWidget(combo, 1)
        column.addLayout(filters)
        self.message = label("problem")
        self.message.setVisible(False)
        column.addWidget(self.message)
        self._build_table(column)

    def _build_table(self, column: QVBoxLayout) -> None:
        self.table = QTableWidget(0, COLUMNS)
        self.table.setObjectName("sessions")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(56)  # a finger's height per row
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.cellClicked.connect(lambda row, _col: self._open(row))
        self.table.cellActivated.connect(lambda row, _col: self._open(row))
        column.addWidget(self.table, 1)

    # -- public -----------------------------------------------------------------------------

    def show_filtered(self, status: str, date_range: str = "today") -> None:
        """Show ``date_range``'s sessions of ``status`` ("" for any), other filters cleared."""
        self.position_combo.setCurrentIndex(0)
        self.decision_combo.setCurrentIndex(0)
        self.code_edit.clear()
        self.status_combo.setCurrentIndex(max(0, self.status_combo.findData(status or None)))
        self.set_range(date_range)

    def set_range(self, date_range: str) -> None:
        """Load the sessions of ``date_range`` (one of :data:`RANGES`)."""
        index = self.range_combo.findData(date_range)
        if index == self.range_combo.currentIndex():
            self.refresh()
        else:
            self.range_combo.setCurrentIndex(index)  # reloads through _range_changed

    def bounds(self) -> tuple[float | None, float | None]:
        """The checked-in times the chosen range covers (None: unbounded)."""
        key = self.range_combo.currentData()
        if key == "all":
            return None, None
        if key == "custom":
            first, last = _day(self.from_edit.date()), _day(self.to_edit.date())
            start = datetime.combine(min(first, last), time()).timestamp()
            return start, datetime.combine(max(first, last) + timedelta(days=1), time()).timestamp()
        start, end = day_bounds(self.context.clock.now())
        days = {"week": 6, "month": 29}.get(str(key), 0)
        return start - days * 86_400, end

    def refresh(self) -> None:
        """Load the chosen date range again (on the staff thread)."""
        since, until = self.bounds()

        def work(services: StaffServices) -> SessionList:
            who = services.who()
            positions = tuple(
                (p.id, p.title)
                for p in services.bank.positions
                if is_allowed(who, Permission.VIEW_DASHBOARD, department=p.department)
            )
            found = summaries(services.kiosk.store, services.bank, who, since=since, until=until)
            return SessionList(positions, tuple(found))

        self.context.call(self, work, self._loaded, self._refused)

    def current_filter(self) -> SessionFilter:
        """The filters as set now."""
        return SessionFilter(
            status=self.status_combo.currentData(),
            position_id=self.position_combo.currentData(),
            decision=self.decision_combo.currentData(),
            code=self.code_edit.text(),
        )

    # -- loading and showing ----------------------------------------------------------------

    def _range_changed(self) -> None:
        custom = self.range_combo.currentData() == "custom"
        self.from_edit.setVisible(custom)
        self.to_edit.setVisible(custom)
        self.refresh()

    def _dates_changed(self) -> None:
        if self.range_combo.currentData() == "custom":
            self.refresh()

    def _loaded(self, data: SessionList) -> None:
        self.data, self._failure = data, None
        chosen = self.position_combo.currentData()
        self.position_combo.blockSignals(True)
        while self.position_combo.count() > 1:
            self.position_combo.removeItem(1)
        for position_id, _title in data.positions:
            self.position_combo.addItem("", position_id)
        self.position_combo.setCurrentIndex(max(0, self.position_combo.findData(chosen)))
        self.position_combo.blockSignals(False)
        self.retranslate()

    def _refused(self, failure: StaffFailure) -> None:
        self._failure = failure
        self.retranslate()

    def _filter(self) -> None:
        sessions = self.data.sessions if self.data else ()
        self.shown = self.current_filter().apply(sessions)
        self._fill_table()

    def _fill_table(self) -> None:
        titles = {pid: title.in_language(self.context.lang) for pid, title in self._positions()}
        statuses, decisions = status_names(), decision_names()
        today = day_bounds(self.context.clock.now())[0]
        self.table.setRowCount(len(self.shown))
        for row, s in enumerate(self.shown):
            cells = (
                s.code,
                titles.get(s.position_id, s.position_id),
                when_text(s.opened_at, with_date=s.opened_at < today),
                duration_text(s.duration),
                statuses[s.status],
                "-" if s.overall is None else str(s.overall),
                decisions[s.decision] if s.decision else "-",
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col in (3, 5):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, col, item)
        self.count.setText(self.tr("%n session(s)", "", len(self.shown)))

    def _positions(self) -> tuple[tuple[str, LocalizedText], ...]:
        return self.data.positions if self.data else ()

    def _open(self, row: int) -> None:
        if 0 <= row < len(self.shown):
            summary = self.shown[row]
            if not summary.has_result:
                self._failure = StaffFailure("no_report", "")
                self._show_message()
                return
            self._failure = None
            self._show_message()
            self.open_requested.emit(summary.session_id)

    def _show_message(self) -> None:
        failure = self._failure
        self.message.setVisible(failure is not None)
        if failure is None:
            self.message.clear()
        elif failure.kind == "no_report":
            self.message.setText(
                self.tr("This session has no report: it was declined or has not ended.")
            )
        else:
            self.message.setText(failure_text(failure.kind, failure.message))

    # -- texts ------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.title.setText(self.tr("Sessions"))
        self.refresh_button.setText(self.tr("Refresh"))
        self.code_edit.setPlaceholderText(self.tr("Search by session code"))
        self.code_edit.setAccessibleName(self.tr("Session code"))
        ranges = {
            "today": self.tr("Today"),
            "week": self.tr("Last 7 days"),
            "month": self.tr("Last 30 days"),
            "all": self.tr("All dates"),
            "custom": self.tr("From … to …"),
        }
        for index, key in enumerate(RANGES):
            self.range_combo.setItemText(index, ranges[key])
        self.range_combo.setAccessibleName(self.tr("Dates"))
        self.from_edit.setAccessibleName(self.tr("From"))
        self.to_edit.setAccessibleName(self.tr("To"))
        statuses = status_names()
        self.status_combo.setItemText(0, self.tr("Any outcome"))
        for index, status in enumerate(STATUSES, start=1):
            self.status_combo.setItemText(index, statuses[status])
        self.status_combo.setAccessibleName(self.tr("Outcome"))
        decisions = decision_names()
        self.decision_combo.setItemText(0, self.tr("Any decision"))
        for index, decision in enumerate(DECISION_FILTERS, start=1):
            self.decision_combo.setItemText(index, decisions[decision])
        self.decision_combo.setAccessibleName(self.tr("Decision"))
        self.position_combo.setItemText(0, self.tr("Any position"))
        for index, (_pid, title) in enumerate(self._positions(), start=1):
            self.position_combo.setItemText(index, title.in_language(self.context.lang))
        self.position_combo.setAccessibleName(self.tr("Position"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Code"),
                self.tr("Position"),
                self.tr("Started"),
                self.tr("Duration"),
                self.tr("Outcome"),
                self.tr("Score"),
                self.tr("Decision"),
            ]
        )
        self.table.setAccessibleName(self.tr("Sessions"))
        self._show_message()
        self._filter()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())
