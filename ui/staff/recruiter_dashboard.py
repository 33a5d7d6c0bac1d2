"""The recruiter's home page: today's sessions, participation, duration, scores, sync state.

The figures are computed on the staff thread by :func:`kiosk.dashboard.dashboard` (which
decrypts results for their scores and keeps a department head to their departments); this page
only shows them, and shows them again in the other language without asking twice.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.dashboard import STATUSES, Dashboard, dashboard
from kiosk.staff import StaffServices
from ui.screens.base import label
from ui.staff.calls import StaffFailure
from ui.staff.charts import ScoreHistogram
from ui.staff.context import StaffContext
from ui.staff.recruiter_format import (
    duration_text,
    failure_text,
    staff_button,
    status_names,
    when_text,
)


class DashboardPage(QWidget):
    """Today's figures; a tap on a status opens the session list filtered to it."""

    #: Show the session list with this status filter ("" for all of today's sessions).
    list_requested = Signal(str)

    def __init__(self, context: StaffContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.data: Dashboard | None = None
        self._failure: StaffFailure | None = None
        self._build()
        self.retranslate()

    def _build(self) -> None:
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 8, 0, 0)
        column.setSpacing(12)
        top = QHBoxLayout()
        self.title = label("title")
        self.day_label = label("subtitle")
        self.refresh_button = staff_button("secondary")
        self.refresh_button.clicked.connect(self.refresh)
        self.all_button = staff_button("primary")
        self.all_button.clicked.connect(lambda: self.list_requested.emit(""))
        top.addWidget(self.title)
        top.addWidget(self.day_label, 1)
        top.addWidget(self.refresh_button)
        top.addWidget(self.all_button)
        column.addLayout(top)
        self.message = label("problem")
        self.message.setVisible(False)
        column.addWidget(self.message)

        self._build_tiles(column)
        self._build_figures(column)

    def _build_tiles(self, column: QVBoxLayout) -> None:
        # One tile per status: the count, and a button naming it that opens the list.
        tiles = QHBoxLayout()
        tiles.setSpacing(12)
        self.status_counts: dict[str, QLabel] = {}
        self.status_buttons: dict[str, QPushButton] = {}
        for status in STATUSES:
            count = label("title", center=True)
            count.setMinimumWidth(64)
            count.setText("-")
            open_list = staff_button("secondary")
            open_list.clicked.connect(lambda _=False, s=status: self.list_requested.emit(s))
            tiles.addWidget(count)
            tiles.addWidget(open_list, 1)
            self.status_counts[status] = count
            self.status_buttons[status] = open_list
        column.addLayout(tiles)

    def _build_figures(self, column: QVBoxLayout) -> None:
        figures = QHBoxLayout()
        left = QVBoxLayout()
        self.participation = label()
        self.participation_detail = label()
        self.duration = label()
        self.sync_title = label("subtitle")
        self.sync_pending = label()
        self.sync_last = label()
        self.sync_error = label("notice")
        for widget in (
            self.participation,
            self.participation_detail,
            self.duration,
            self.sync_title,
            self.sync_pending,
            self.sync_last,
            self.sync_error,
        ):
            left.addWidget(widget)
        left.addStretch(1)
        right = QVBoxLayout()
        self.chart_title = label("subtitle")
        self.chart = ScoreHistogram()
        right.addWidget(self.chart_title)
        right.addWidget(self.chart, 1)
        figures.addLayout(left, 1)
        figures.addLayout(right, 1)
        column.addLayout(figures, 1)

    # -- data -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Compute the figures again (on the staff thread)."""

        def work(services: StaffServices) -> Dashboard:
            return dashboard(services.kiosk.store, services.bank, services.who(), services.now())

        self.refresh_button.setEnabled(False)
        self.context.call(self, work, self._loaded, self._refused)

    def _loaded(self, data: Dashboard) -> None:
        self.data, self._failure = data, None
        self.refresh_button.setEnabled(True)
        self.retranslate()

    def _refused(self, failure: StaffFailure) -> None:
        self._failure = failure
        self.refresh_button.setEnabled(True)
        self.retranslate()

    # -- texts ------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.title.setText(self.tr("Today's sessions"))
        self.refresh_button.setText(self.tr("Refresh"))
        self.all_button.setText(self.tr("All sessions"))
        self.chart_title.setText(self.tr("Overall scores, before overrides"))
        self.chart.set_empty_text(self.tr("No scored sessions today"))
        self.chart.setAccessibleName(self.tr("Distribution of today's overall scores"))
        self.sync_title.setText(self.tr("Results to the HR system"))
        names = status_names()
        for status, widget in self.status_buttons.items():
            widget.setText(names[status])
        failure = self._failure
        self.message.setVisible(failure is not None)
        if failure is not None:
            self.message.setText(failure_text(failure.kind, failure.message))
        self._show_figures()

    def _show_figures(self) -> None:
        data = self.data
        if data is None:
            for widget in (self.participation, self.duration, self.sync_pending, self.sync_last):
                widget.setText(self.tr("Loading…"))
            self.participation_detail.clear()
            self.sync_error.clear()
            self.sync_error.setVisible(False)
            return
        stats, sync = data.stats, data.sync
        self.day_label.setText(when_text(data.since)[:10])
        for status, widget in self.status_counts.items():
            widget.setText(str(stats.by_status[status]))
        rate = stats.participation_rate
        self.participation.setText(
            self.tr("Participation: %1").replace(
                "%1", "-" if rate is None else f"{rate * 100:.0f} %"
            )
        )
        self.participation_detail.setText(
            self.tr("%1 of %2 went on to the interview")
            .replace("%1", str(stats.participated))
            .replace("%2", str(stats.participation_base))
        )
        self.participation_detail.setToolTip(
            self.tr(
                "Of the candidates who checked in and answered the consent notice, the share "
                "who consented and went on to the interview."
            )
        )
        self.duration.setText(
            self.tr("Average duration (completed): %1").replace(
                "%1", duration_text(stats.average_duration)
            )
        )
        self.chart.set_counts(stats.histogram())
        pending = self.tr("Waiting to be sent: %n item(s)", "", sync.pending)
        if sync.waiting:
            pending += " · " + self.tr("%n retrying after a failure", "", sync.waiting)
        self.sync_pending.setText(pending)
        last = (
            when_text(sync.last_delivered_at)
            if sync.last_delivered_at is not None
            else self.tr("never")
        )
        self.sync_last.setText(self.tr("Last successful delivery: %1").replace("%1", last))
        self.sync_error.setText(
            self.tr("Last error: %1").replace("%1", sync.last_error) if sync.last_error else ""
        )
        self.sync_error.setVisible(bool(sync.last_error))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
