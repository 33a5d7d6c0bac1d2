"""Staff login: user id, PIN, and a second factor (authenticator code or badge token).

The check runs on the staff thread (:meth:`kiosk.staff.StaffServices.login`: argon2, lockout,
one message for every wrong input). The screen tells a wrong login from a lockout, counts the
wait down, and forgets what was typed after every attempt.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from kiosk.staff import StaffServices
from kiosk.vault.roles import Principal
from ui.screens.base import button, label
from ui.staff.calls import StaffFailure
from ui.staff.context import StaffContext


class LoginScreen(QWidget):
    """The first staff screen after the hidden gesture."""

    #: A staff member logged in.
    logged_in = Signal(object)  # Principal
    #: Back to the candidate's screen without logging in.
    cancelled = Signal()

    def __init__(self, context: StaffContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.context = context
        self._wait_until: float | None = None  # in the context clock's time
        self._failure: StaffFailure | None = None
        self._build()
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._render_message)
        self.retranslate()

    def _build(self) -> None:
        column = QVBoxLayout(self)
        column.setContentsMargins(64, 32, 64, 48)
        column.setSpacing(24)
        self.title = label("title")
        column.addWidget(self.title)
        form = QFormLayout()
        form.setVerticalSpacing(16)
        self.user_edit = QLineEdit()
        self.user_edit.setObjectName("user")
        self.pin_edit = QLineEdit()
        self.pin_edit.setObjectName("pin")
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.factor_edit = QLineEdit()
        self.factor_edit.setObjectName("factor")
        self.factor_edit.setEchoMode(QLineEdit.EchoMode.Password)
        for edit in (self.user_edit, self.pin_edit, self.factor_edit):
            edit.setMaxLength(128)
            edit.returnPressed.connect(self._submit)
            edit.textChanged.connect(self._update_button)
        self.user_label, self.pin_label, self.factor_label = label(), label(), label()
        form.addRow(self.user_label, self.user_edit)
        form.addRow(self.pin_label, self.pin_edit)
        form.addRow(self.factor_label, self.factor_edit)
        column.addLayout(form)
        self.message = label("problem")
        column.addWidget(self.message)
        column.addStretch(1)
        row = QHBoxLayout()
        self.back_button = button("secondary")
        self.login_button = button("primary")
        for widget in (self.back_button, self.login_button):
            # Staff use a keyboard here: Tab moves through the form and Enter submits.
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.back_button.clicked.connect(self.cancelled)
        self.login_button.clicked.connect(self._submit)
        row.addWidget(self.back_button)
        row.addStretch(1)
        row.addWidget(self.login_button)
        column.addLayout(row)
        self.setTabOrder(self.user_edit, self.pin_edit)
        self.setTabOrder(self.pin_edit, self.factor_edit)
        self.setTabOrder(self.factor_edit, self.login_button)

    # -- public -----------------------------------------------------------------------------

    def reset(self) -> None:
        """An empty form, ready for the next staff member."""
        for edit in (self.user_edit, self.pin_edit, self.factor_edit):
            edit.clear()
        self._failure = None
        self._countdown.stop()
        self._render_message()
        self._update_button()
        self.user_edit.setFocus()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Staff login"))
        self.user_label.setText(self.tr("User"))
        self.pin_label.setText(self.tr("PIN"))
        self.factor_label.setText(self.tr("Code or badge"))
        self.factor_edit.setPlaceholderText(self.tr("6-digit authenticator code, or badge token"))
        self.back_button.setText(self.tr("Back"))
        self.login_button.setText(self.tr("Log in"))
        self.user_edit.setAccessibleName(self.tr("User"))
        self.pin_edit.setAccessibleName(self.tr("PIN"))
        self.factor_edit.setAccessibleName(self.tr("Code or badge"))
        self._render_message()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- login ------------------------------------------------------------------------------

    def _update_button(self) -> None:
        filled = all(e.text() for e in (self.user_edit, self.pin_edit, self.factor_edit))
        self.login_button.setEnabled(filled and self.isEnabled())

    def _submit(self) -> None:
        user, pin, factor = self.user_edit.text(), self.pin_edit.text(), self.factor_edit.text()
        if not (user and pin and factor) or not self.login_button.isEnabled():
            return
        # The secrets leave the widgets now: a wrong attempt means typing them again.
        self.pin_edit.clear()
        self.factor_edit.clear()
        self._failure = None
        self._render_message()
        self.login_button.setEnabled(False)
        self.setEnabled(False)

        def work(services: StaffServices) -> Principal:
            return services.login(user, pin, factor)

        self.context.call(self, work, self._succeeded, self._refused)

    def _succeeded(self, principal: Principal) -> None:
        self.setEnabled(True)
        self.reset()
        self.logged_in.emit(principal)

    def _refused(self, failure: StaffFailure) -> None:
        self.setEnabled(True)
        self._failure = failure
        if failure.locked_out and not failure.hard_locked and failure.wait_seconds is not None:
            self._wait_until = self.context.clock.now() + failure.wait_seconds
            self._countdown.start()
        self._render_message()
        self._update_button()
        self.pin_edit.setFocus()

    def _render_message(self) -> None:
        failure = self._failure
        if failure is None:
            self.message.clear()
            return
        if failure.hard_locked:
            text = self.tr("This account is locked. An IT admin can unlock it.")
        elif failure.locked_out:
            left = math.ceil(max(0.0, (self._wait_until or 0.0) - self.context.clock.now()))
            if left <= 0:
                self._countdown.stop()
                text = self.tr("You can try again now.")
            else:
                text = self.tr("Too many failed attempts. Try again in %n second(s).", "", left)
        elif failure.kind == "invalid_input":
            text = self.tr("User, PIN or code not accepted.")
        else:
            text = self.tr("Login is not possible right now (%1).").replace("%1", failure.kind)
        self.message.setText(text)
