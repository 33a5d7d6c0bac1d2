"""The welcome screen: check in with an invitation code, or as a walk-in for an open position.

The interview language is the display language at the moment of check-in: a candidate who wants
the interview in English switches to English first, and every later screen follows.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
)

from kiosk.bank import CandidateProfile, QuestionBank
from ui.engine_data import CheckInRequest
from ui.screens.base import Screen, ScreenContext, button, label

# Longest name or code accepted from the keyboard (names longer than this are typos).
MAX_NAME = 100
MAX_CODE = 64


class WelcomeScreen(Screen):
    """Stage WELCOME: two ways in, side by side."""

    # A walk-in candidate chose a position (:class:`ui.engine_data.CheckInRequest`).
    check_in_requested = Signal(object)
    # An invitation code was typed (the code, the interview language).
    code_entered = Signal(str, str)

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.title = label("title")
        self.subtitle = label("subtitle")
        self.column.addWidget(self.title)
        self.column.addWidget(self.subtitle)
        columns = QHBoxLayout()
        columns.setSpacing(48)
        self.column.addLayout(columns, 1)

        invited = QVBoxLayout()
        self.code_heading = label("subtitle")
        self.code_hint = label()
        self.code_edit = QLineEdit()
        self.code_edit.setMaxLength(MAX_CODE)
        self.code_edit.returnPressed.connect(self._submit_code)
        self.code_edit.textChanged.connect(self._update_buttons)
        self.code_button = button("primary")
        self.code_button.clicked.connect(self._submit_code)
        self.code_message = label("problem")
        # Scanning the invitation's QR code with the camera comes later (it needs the live
        # camera preview and a decoder on a worker); it will end in the same code_entered.
        invited.addWidget(self.code_heading)
        invited.addWidget(self.code_hint)
        invited.addWidget(self.code_edit)
        invited.addWidget(self.code_button)
        invited.addWidget(self.code_message)
        invited.addStretch(1)
        columns.addLayout(invited, 1)

        separator = QFrame()
        separator.setFrameShape(QFrame.Shape.VLine)
        columns.addWidget(separator)

        walk_in = QVBoxLayout()
        self.walk_in_heading = label("subtitle")
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(MAX_NAME)
        self.name_edit.textChanged.connect(self._update_buttons)
        self.graduate_check = QCheckBox()
        # As wide as its box and text: a tap anywhere on it toggles it (no dead space).
        self.graduate_check.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.positions_hint = label()
        walk_in.addWidget(self.walk_in_heading)
        walk_in.addWidget(self.name_edit)
        walk_in.addWidget(self.graduate_check)
        walk_in.addWidget(self.positions_hint)
        self._positions = QVBoxLayout()
        walk_in.addLayout(self._positions)
        walk_in.addStretch(1)
        columns.addLayout(walk_in, 1)

        # One button per open position, by position id (built when the bank is known).
        self.position_buttons: dict[str, QPushButton] = {}
        self._bank: QuestionBank | None = None
        self._refused: str | None = None
        self.retranslate()
        self.refresh()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Welcome"))
        self.subtitle.setText(self.tr("Check in with your invitation code, or as a walk-in."))
        self.code_heading.setText(self.tr("I have an invitation"))
        self.code_hint.setText(self.tr("Type the code from your invitation message."))
        self.code_edit.setPlaceholderText(self.tr("Invitation code"))
        self.code_button.setText(self.tr("Check in"))
        self.walk_in_heading.setText(self.tr("I am a walk-in candidate"))
        self.name_edit.setPlaceholderText(self.tr("Your full name"))
        self.graduate_check.setText(self.tr("I am a student or graduated within the last year"))
        self.positions_hint.setText(self.tr("Enter your name, then choose a position:"))
        if self._refused == "expired":
            self.code_message.setText(
                self.tr("This invitation code is no longer valid. Please ask a staff member.")
            )
        elif self._refused is not None:
            self.code_message.setText(
                self.tr("We could not find this code. Please check it or ask a staff member.")
            )
        else:
            self.code_message.clear()

    def refresh(self) -> None:
        setup = self.context.setup
        if setup is not None and setup.bank is not self._bank:
            self._build_positions(setup.bank)
        if self._bank is not None:
            for position in self._bank.positions:
                self.position_buttons[position.id].setText(self.context.text(position.title))
        self._update_buttons()

    def clear(self) -> None:
        self.name_edit.clear()
        self.code_edit.clear()
        self.graduate_check.setChecked(False)
        self._refused = None
        super().clear()
        self.retranslate()

    def show_refused(self, reason: str) -> None:
        """The typed invitation code was ``unknown`` or ``expired``."""
        self._refused = reason
        self.retranslate()

    def _build_positions(self, bank: QuestionBank) -> None:
        for old in self.position_buttons.values():
            old.deleteLater()
        self.position_buttons = {}
        self._bank = bank
        for position in bank.positions:
            widget = button("secondary")
            widget.clicked.connect(lambda _=False, pid=position.id: self._walk_in(pid))
            self._positions.addWidget(widget)
            self.position_buttons[position.id] = widget

    def _update_buttons(self) -> None:
        named = bool(self.name_edit.text().strip())
        for widget in self.position_buttons.values():
            widget.setEnabled(named)
        self.code_button.setEnabled(bool(self.code_edit.text().strip()))

    def _walk_in(self, position_id: str) -> None:
        name = " ".join(self.name_edit.text().split())
        if not name:
            return
        profile = CandidateProfile(fresh_graduate=self.graduate_check.isChecked())
        self.check_in_requested.emit(
            CheckInRequest(position_id, self.context.lang, name=name, profile=profile)
        )

    def _submit_code(self) -> None:
        code = self.code_edit.text().strip()
        if code:
            self._refused = None
            self.retranslate()
            self.code_entered.emit(code, self.context.lang)
