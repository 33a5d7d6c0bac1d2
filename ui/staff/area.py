"""The staff area: login, then recruiter mode or IT admin mode by role, then logout.

The window shows it in place of the candidate's screen after the hidden corner gesture. A staff
member's home page is built at login for their role and destroyed at logout, so nothing one
staff member opened (reports, names, transcripts) outlives their login in any widget. Logging
out (the button, leaving, or inactivity) also forgets the review key on the staff thread.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from kiosk.vault.roles import Principal, Role
from ui.screens.base import button, label
from ui.staff.admin import AdminHome
from ui.staff.context import StaffContext
from ui.staff.login import LoginScreen
from ui.staff.recruiter import RecruiterHome


class StaffArea(QWidget):
    """Login and the staff member's home page."""

    #: Staff left (logged out or cancelled): show the candidate's screen again.
    closed = Signal()
    #: An IT admin wiped the terminal (a WipeReport): it must take no interview until restarted.
    wiped = Signal(object)

    def __init__(self, context: StaffContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.context = context
        self.home: QWidget | None = None
        self._open = False  # the area is on screen (between open() and leave())
        column = QVBoxLayout(self)
        column.setContentsMargins(24, 0, 24, 16)
        self.header = QWidget()
        row = QHBoxLayout(self.header)
        row.setContentsMargins(40, 0, 0, 0)
        self.who_label = label("subtitle")
        self.busy_label = label("notice")
        self.logout_button = button("secondary")
        self.logout_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.logout_button.clicked.connect(self.leave)
        row.addWidget(self.who_label, 1)
        row.addWidget(self.busy_label)
        row.addWidget(self.logout_button)
        self.header.setVisible(False)
        column.addWidget(self.header)
        self.pages = QStackedWidget()
        column.addWidget(self.pages, 1)
        self.login = LoginScreen(context)
        self.pages.addWidget(self.login)
        self.login.logged_in.connect(self._logged_in)
        self.login.cancelled.connect(self.leave)
        context.calls.busy.connect(self._on_busy)
        self.retranslate()

    @property
    def logged_in(self) -> bool:
        """A staff member is logged in."""
        return self.context.principal is not None

    def open(self) -> None:
        """Show an empty login form."""
        self._open = True
        self.login.reset()
        self.pages.setCurrentWidget(self.login)

    def leave(self) -> None:
        """Log out, forget every page, and give the screen back."""
        self._open = False
        # Always, not only when someone is logged in: a login still running on the staff
        # thread finishes before this logout does, so it never stays logged in behind the
        # candidate's screen.
        self.context.calls.logout()
        self.context.principal = None
        if self.home is not None:
            self.pages.removeWidget(self.home)
            self.home.deleteLater()
            self.home = None
        self.header.setVisible(False)
        self.login.reset()
        self.pages.setCurrentWidget(self.login)
        self.closed.emit()

    def _logged_in(self, principal: Principal) -> None:
        if not self._open:
            return  # staff left while the login ran; the logout queued behind it undoes it
        if self.home is not None:
            self.pages.removeWidget(self.home)
            self.home.deleteLater()
        self.context.principal = principal
        if principal.role is Role.IT_ADMIN:
            admin = AdminHome(self.context)
            admin.wiped.connect(self.wiped)
            self.home = admin
        else:
            self.home = RecruiterHome(self.context)
        self.pages.addWidget(self.home)
        self.pages.setCurrentWidget(self.home)
        self.header.setVisible(True)
        self.retranslate()

    def _on_busy(self, busy: bool) -> None:
        self.busy_label.setText(self.tr("Working…") if busy else "")

    def retranslate(self) -> None:
        self.logout_button.setText(self.tr("Log out"))
        principal = self.context.principal
        if principal is None:
            self.who_label.clear()
            return
        roles = {
            Role.RECRUITER: self.tr("Recruiter"),
            Role.DEPARTMENT_HEAD: self.tr("Department head"),
            Role.IT_ADMIN: self.tr("IT admin"),
        }
        self.who_label.setText(f"{principal.user_id} · {roles[principal.role]}")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
