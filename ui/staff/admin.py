"""IT admin mode: diagnostics, the configuration, the enrolment, staff accounts, secure wipe.

Built by the staff area after an IT admin logs in and destroyed at logout. Every action runs on
the staff thread and is permission-checked in the core; an IT admin sees the device, never a
candidate (no reports, scores or names anywhere in these pages).

After a secure wipe the pages are replaced by a "wiped" notice for good: the store is closed and
the files are gone, so nothing here may be used again. :attr:`AdminHome.wiped` tells the window,
which should keep the terminal out of service until it is restarted.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from kiosk.wipe import WipeReport
from ui.staff.admin_accounts import AccountsPage
from ui.staff.admin_common import Page
from ui.staff.admin_diagnostics import DiagnosticsPage
from ui.staff.admin_info import ConfigPage, EnrolmentPage
from ui.staff.admin_wipe import WipedPage, WipePage
from ui.staff.context import StaffContext


class AdminHome(QWidget):
    """What an IT admin sees after logging in."""

    # The terminal was wiped (WipeReport): it must not take interviews until restarted.
    wiped = Signal(object)

    def __init__(self, context: StaffContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        column.addWidget(self.stack)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("admin")
        self.diagnostics = DiagnosticsPage(context)
        self.config_page = ConfigPage(context)
        self.enrolment = EnrolmentPage(context)
        self.accounts = AccountsPage(context)
        self.wipe = WipePage(context)
        self.pages: list[Page] = [
            self.diagnostics,
            self.config_page,
            self.enrolment,
            self.accounts,
            self.wipe,
        ]
        for page in self.pages:
            self.tabs.addTab(page, "")
        self.tabs.currentChanged.connect(self._activate)
        self.stack.addWidget(self.tabs)
        self.wiped_page = WipedPage()
        self.stack.addWidget(self.wiped_page)
        self.wipe.wiped.connect(self._on_wiped)
        self.retranslate()
        self._activate(self.tabs.currentIndex())

    @property
    def is_wiped(self) -> bool:
        """The terminal was wiped while this page was open."""
        return self.stack.currentWidget() is self.wiped_page

    def show_page(self, page: Page) -> None:
        """Bring ``page`` to the front (it loads what it shows)."""
        self.tabs.setCurrentWidget(page)

    def retranslate(self) -> None:
        names = [
            self.tr("Diagnostics"),
            self.tr("Configuration"),
            self.tr("Enrolment"),
            self.tr("Staff accounts"),
            self.tr("Secure wipe"),
        ]
        for index, name in enumerate(names):
            self.tabs.setTabText(index, name)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _activate(self, index: int) -> None:
        page = self.tabs.widget(index)
        if isinstance(page, Page) and not self.is_wiped:
            page.activated()

    def _on_wiped(self, report: WipeReport) -> None:
        self.wiped_page.show_report(report)
        self.stack.setCurrentWidget(self.wiped_page)
        self.tabs.setEnabled(False)
        self.wiped.emit(report)
