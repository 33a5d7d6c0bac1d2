"""Staff accounts for the IT admin: who exists, who is locked out, and unlocking.

The recovery from a lockout: after ten failed logins a recruiter's account stays locked until an
IT admin unlocks it here (:meth:`kiosk.vault.accounts.Accounts.unlock`, audited
``user_unlocked``). Adding accounts stays with ``kiosk users add`` or the HR system's accounts
bundle: a new recruiter's review key copy needs a recruiter, which an IT admin is not.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.staff import StaffServices
from kiosk.vault.accounts import UserSummary
from kiosk.vault.roles import Permission, Role
from ui.screens.base import button
from ui.staff.admin_common import Page, failure_text, restyle
from ui.staff.calls import StaffFailure
from ui.staff.context import StaffContext


def list_users(services: StaffServices) -> list[UserSummary]:
    """Every staff account (IT admins only)."""
    services.require(Permission.MANAGE_USERS)
    return services.accounts.users()


class AccountsPage(Page):
    """The staff accounts, with an unlock button for each locked one."""

    def __init__(self, context: StaffContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.users: list[UserSummary] = []
        # The unlock button of each locked account, by user id.
        self.unlock_buttons: dict[str, QPushButton] = {}
        self._unlocked: str | None = None
        column = QVBoxLayout(self)
        self.add_header(column, self.load, "body")
        self.table = QTableWidget(0, 5)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for index in range(4):
            header.setSectionResizeMode(index, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        column.addWidget(self.table, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.note.setText(
            self.tr(
                "After too many failed logins an account is locked until it is unlocked here. "
                "New accounts are added with the kiosk users command or by the HR system."
            )
        )
        self.refresh_button.setText(self.tr("Refresh"))
        self.table.setHorizontalHeaderLabels(
            [self.tr("User"), self.tr("Role"), self.tr("Departments"), self.tr("Status"), ""]
        )
        self.table.setAccessibleName(self.tr("Staff accounts"))
        self._fill()

    def activated(self) -> None:
        self.load()

    def load(self) -> None:
        """Read the accounts on the staff thread."""
        self._unlocked = None
        self.message.clear()
        self.refresh_button.setEnabled(False)
        self.call(list_users, self._loaded, self._failed)

    def unlock(self, user_id: str) -> None:
        """Unlock ``user_id`` (on the staff thread; the list is read again afterwards)."""
        for widget in self.unlock_buttons.values():
            widget.setEnabled(False)

        def work(services: StaffServices) -> list[UserSummary]:
            who = services.require(Permission.MANAGE_USERS)
            services.accounts.unlock(user_id, actor=who.user_id)
            return services.accounts.users()

        self._unlocked = user_id
        self.call(work, self._loaded, self._failed)

    def _loaded(self, users: list[UserSummary]) -> None:
        self.refresh_button.setEnabled(True)
        self.users = users
        self._fill()

    def _failed(self, failure: StaffFailure) -> None:
        self._unlocked = None
        self.refresh_button.setEnabled(True)
        restyle(self.message, "problem")
        self.message.setText(failure_text(failure))
        self._fill()

    def _fill(self) -> None:
        roles = {
            Role.RECRUITER: self.tr("Recruiter"),
            Role.DEPARTMENT_HEAD: self.tr("Department head"),
            Role.IT_ADMIN: self.tr("IT admin"),
        }
        self.unlock_buttons = {}
        self.table.setRowCount(len(self.users))
        for index, user in enumerate(self.users):
            status = self.tr("Locked") if user.locked else self.tr("Active")
            texts = (user.user_id, roles[user.role], ", ".join(user.departments) or "—", status)
            for col, text in enumerate(texts):
                self.table.setItem(index, col, QTableWidgetItem(text))
            if user.locked:
                unlock = button("secondary")
                unlock.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
                unlock.setText(self.tr("Unlock"))
                unlock.setAccessibleName(self.tr("Unlock %1").replace("%1", user.user_id))
                unlock.clicked.connect(lambda _=False, uid=user.user_id: self.unlock(uid))
                self.unlock_buttons[user.user_id] = unlock
                self.table.setCellWidget(index, 4, unlock)
            else:
                self.table.removeCellWidget(index, 4)
        self.table.resizeRowsToContents()
        if self._unlocked is not None:
            restyle(self.message, "good")
            self.message.setText(self.tr("%1 can log in again.").replace("%1", self._unlocked))
