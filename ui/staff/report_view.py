"""One finished session's report on screen, with its review, key segments, export and print.

The report itself is the HTML report (:func:`kiosk.report_html.render_html`: per-competency
scores with their evidence, quoted spans with timestamps, measured signals, integrity flags,
transcripts with the evidence highlighted, voice and expression timelines), laid out by the
same code as the printed PDF (:func:`ui.report_pdf.printable_document`, which turns the SVG
timelines into images and the highlights into coloured spans that Qt's rich text can show).
That layout runs on the staff thread with the decryption; the finished document then moves to
the GUI thread for the browser. Opening a report goes through
:meth:`kiosk.review.ReviewDesk.open`, so it is role-checked and audited as viewed.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QEvent, Signal
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QHBoxLayout,
    QScrollArea,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from kiosk.dashboard import KeySegment, ReviewState, key_segments, latest_reviews
from kiosk.report_html import render_html
from kiosk.review import ReviewedReport
from kiosk.staff import StaffServices
from ui.report_pdf import printable_document
from ui.screens.base import label
from ui.staff.calls import StaffFailure
from ui.staff.context import StaffContext
from ui.staff.recruiter_export import ExportPanel
from ui.staff.recruiter_format import decision_names, failure_text, scrolled, staff_button
from ui.staff.recruiter_player import SegmentPlayer
from ui.staff.recruiter_review import ReviewPanel

#: The report's text size on screen, in pixels (the PDF uses 10 pt on paper).
SCREEN_TEXT_PX = 20


@dataclass(frozen=True, slots=True)
class OpenedReport:
    """A report as the page shows it; personal data, dropped when the page is cleared."""

    reviewed: ReviewedReport
    document: QTextDocument
    segments: tuple[KeySegment, ...]
    review: ReviewState


def open_report(services: StaffServices, session_id: str, width: int) -> OpenedReport:
    """Open (audited), render and lay out a report on the staff thread, ``width`` pixels wide
    (the browser's: laid out here at its width, the browser need not do it again)."""
    reviewed = services.desk.open(services.who(), session_id)
    document = printable_document(render_html(reviewed.report))
    font = document.defaultFont()
    font.setPixelSize(SCREEN_TEXT_PX)
    document.setDefaultFont(font)
    document.setTextWidth(width)
    document.documentLayout().documentSize()  # lays the whole document out, now
    app = QCoreApplication.instance()
    if app is not None:
        # Made on this thread; it is shown on the GUI thread, where Qt wants it to live.
        document.moveToThread(app.thread())
    review = latest_reviews(services.kiosk.store.reviews(session_id))
    return OpenedReport(reviewed, document, tuple(key_segments(reviewed.report)), review)


class ReportPage(QWidget):
    """The report with tabs for review, key segments, and export and print."""

    #: Back to where the report was opened from.
    back_requested = Signal()

    def __init__(self, context: StaffContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.opened: OpenedReport | None = None
        self.session_id: str | None = None
        self._failure: StaffFailure | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 8, 0, 0)
        top = QHBoxLayout()
        self.back_button = staff_button("secondary")
        self.back_button.clicked.connect(self.back_requested)
        self.title = label("subtitle")
        self.decision = label()
        self.decision.setWordWrap(False)
        top.addWidget(self.back_button)
        top.addWidget(self.title, 1)
        top.addWidget(self.decision)
        column.addLayout(top)
        self.message = label("problem")
        column.addWidget(self.message)
        self.tabs = QTabWidget()
        self.browser = QTextBrowser()
        self.browser.setObjectName("report")
        self.browser.setOpenLinks(False)  # the report links nowhere; nothing is fetched
        self.review = ReviewPanel(context)
        self.review.changed.connect(self._reviewed)
        self.player = SegmentPlayer(context)
        self.export = ExportPanel(context)
        self.tabs.addTab(self.browser, "")
        for widget in (self.review, self.player, self.export):
            self.tabs.addTab(scrolled(widget), "")
        column.addWidget(self.tabs, 1)
        self.retranslate()

    def open(self, session_id: str) -> None:
        """Show ``session_id``'s report (decrypted and laid out on the staff thread)."""
        self.clear()
        self.session_id = session_id
        self.tabs.setCurrentIndex(0)
        self.retranslate()
        width = self.browser.viewport().width()
        self.context.call(
            self, lambda s: open_report(s, session_id, width), self._loaded, self._refused
        )

    def clear(self) -> None:
        """Forget the report: text, scores, reviews, the decrypted clip."""
        self.opened = None
        self.session_id = None
        self._failure = None
        self.browser.clear()
        self.review.clear()
        self.player.clear()
        self.export.show_session(None)
        self.retranslate()

    def show_tab(self, panel: QWidget) -> None:
        """Bring ``panel`` (the browser, or one of the panels) to the front."""
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            if page is panel or (isinstance(page, QScrollArea) and page.widget() is panel):
                self.tabs.setCurrentIndex(index)

    def _loaded(self, opened: OpenedReport) -> None:
        if opened.reviewed.session.session_id != self.session_id:
            opened.document.deleteLater()
            return  # another report was asked for meanwhile
        self.opened = opened
        opened.document.setParent(self.browser)  # goes with the page at logout
        self.browser.setDocument(opened.document)
        session_id = opened.reviewed.session.session_id
        result = opened.reviewed.report.get("result") or {}
        self.review.show_review(session_id, result.get("competencies", []), opened.review)
        self.player.show_segments(session_id, opened.segments)
        self.export.show_session(session_id)
        self.retranslate()

    def _refused(self, failure: StaffFailure) -> None:
        self._failure = failure
        self.retranslate()

    def _reviewed(self, state: ReviewState) -> None:
        if self.opened is not None:
            self.opened = OpenedReport(
                self.opened.reviewed, self.opened.document, self.opened.segments, state
            )
        self.retranslate()

    def retranslate(self) -> None:
        self.back_button.setText(self.tr("Back"))
        for index, text in enumerate(
            (
                self.tr("Report"),
                self.tr("Review"),
                self.tr("Key segments"),
                self.tr("Export and print"),
            )
        ):
            self.tabs.setTabText(index, text)
        self.browser.setAccessibleName(self.tr("Interview report"))
        opened = self.opened
        failure = self._failure
        self.message.setVisible(failure is not None)
        self.message.setText(failure_text(failure.kind, failure.message) if failure else "")
        if opened is None:
            opening = self.session_id is not None and failure is None
            self.title.setText(self.tr("Opening the report…") if opening else "")
            self.decision.clear()
            return
        report = opened.reviewed.report
        self.title.setText(
            self.tr("Session %1 · %2")
            .replace("%1", str(report["session_code"]))
            .replace("%2", str(report["position"]["title"]))
        )
        decision = opened.review.decision
        names = decision_names()
        self.decision.setText(
            self.tr("Decision: %1").replace(
                "%1", names.get(decision, decision) if decision else names["none"]
            )
        )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
