"""The welcome screen: check in with an invitation code, or as a walk-in for an open position.

The interview language is the display language at the moment of check-in: a candidate who wants
the interview in English switches to English first, and every later screen follows.

An invitation's QR code held up to the camera does what typing its code does: the engine thread
reads the code (:mod:`ui.preview`), this screen puts it in the code field and checks in with it,
and an unknown or expired code gets the same answer as a typed one. A small live preview shows
the candidate what the camera sees.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QScroller,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.bank import CandidateProfile, QuestionBank
from ui.engine_data import CheckInRequest, PreviewFrame
from ui.preview import CameraView
from ui.screens.base import Screen, ScreenContext, button, label

# Longest name or code accepted from the keyboard (names longer than this are typos).
MAX_NAME = 100
MAX_CODE = 64
#: The welcome screen's preview: enough to aim a phone at the camera, no more.
PREVIEW_SIZE = (160, 120)
#: Between the parts of each column: tight enough for the screen to fit a 1366×768 panel.
COLUMN_SPACING = 16


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
        columns.addLayout(self._invited_column(), 1)

        separator = QFrame()
        separator.setFrameShape(QFrame.Shape.VLine)
        columns.addWidget(separator)

        walk_in = QVBoxLayout()
        walk_in.setSpacing(COLUMN_SPACING)
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
        # The positions scroll (by finger, too): a fair with many openings, or a 1366×768
        # panel, must not push the list off the bottom of the screen.
        positions = QWidget()
        positions.setObjectName("positions")
        self._positions = QVBoxLayout(positions)
        self._positions.setContentsMargins(0, 0, 0, 0)
        self._positions.addStretch(1)
        self.positions_area = QScrollArea()
        self.positions_area.setObjectName("positions")
        self.positions_area.setWidgetResizable(True)
        self.positions_area.setFrameShape(QFrame.Shape.NoFrame)
        self.positions_area.setWidget(positions)
        QScroller.grabGesture(
            self.positions_area.viewport(), QScroller.ScrollerGestureType.TouchGesture
        )
        walk_in.addWidget(self.positions_area, 1)
        columns.addLayout(walk_in, 1)

        # One button per open position, by position id (built when the bank is known).
        self.position_buttons: dict[str, QPushButton] = {}
        self._bank: QuestionBank | None = None
        self._refused: str | None = None
        self.retranslate()
        self.refresh()

    def _invited_column(self) -> QVBoxLayout:
        """The invited candidate's side: type the code, or hold its QR code up to the camera."""
        invited = QVBoxLayout()
        invited.setSpacing(COLUMN_SPACING)
        self.code_heading = label("subtitle")
        self.code_hint = label()
        self.code_edit = QLineEdit()
        self.code_edit.setMaxLength(MAX_CODE)
        self.code_edit.returnPressed.connect(self._submit_code)
        self.code_edit.textChanged.connect(self._update_buttons)
        self.code_button = button("primary")
        self.code_button.clicked.connect(self._submit_code)
        self.code_message = label("problem")
        self.camera_view = CameraView(guide=False)
        self.camera_view.setFixedSize(*PREVIEW_SIZE)
        # The preview beside the heading, where the column has width to spare: the code
        # field keeps the column's width, and the column fits a 1366×768 panel.
        heading = QHBoxLayout()
        heading.addWidget(self.code_heading, 1, Qt.AlignmentFlag.AlignTop)
        heading.addWidget(self.camera_view)
        invited.addLayout(heading)
        invited.addWidget(self.code_hint)
        invited.addWidget(self.code_edit)
        invited.addWidget(self.code_button)
        invited.addWidget(self.code_message)
        invited.addStretch(1)
        return invited

    def retranslate(self) -> None:
        self.title.setText(self.tr("Welcome"))
        self.subtitle.setText(self.tr("Check in with your invitation code, or as a walk-in."))
        self.code_heading.setText(self.tr("I have an invitation"))
        self.code_hint.setText(
            self.tr("Type the code from your invitation, or hold its QR code up to the camera.")
        )
        self.camera_view.setAccessibleName(self.tr("Camera preview"))
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
        elif self._refused == "not_invitation":
            self.code_message.setText(
                self.tr(
                    "This QR code is not an invitation. Please show the QR code from your "
                    "invitation message, or type its code."
                )
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
        self.camera_view.show_frame(None)
        self._refused = None
        super().clear()
        self.retranslate()

    def show_refused(self, reason: str) -> None:
        """The invitation code was ``unknown`` or ``expired``, or the QR code held up was
        ``not_invitation``."""
        self._refused = reason
        self.retranslate()

    def show_preview(self, frame: PreviewFrame) -> None:
        """The camera's latest picture."""
        self.camera_view.show_frame(frame)

    def scan_code(self, code: str) -> None:
        """An invitation code was read from a QR code: check in with it as if it was typed."""
        if not self.isVisible():
            return  # read just before the screen was left: the candidate has moved on
        self.code_edit.setText(code)
        self._submit_code()

    def show_scan_refused(self, reason: str) -> None:
        """A QR code held up to the camera holds no invitation code (``not_invitation``)."""
        if self.isVisible():
            self.show_refused(reason)

    def _build_positions(self, bank: QuestionBank) -> None:
        for old in self.position_buttons.values():
            old.deleteLater()
        self.position_buttons = {}
        self._bank = bank
        for position in bank.positions:
            widget = button("secondary")
            widget.clicked.connect(lambda _=False, pid=position.id: self._walk_in(pid))
            # Above the stretch that keeps the list at the top of its area.
            self._positions.insertWidget(self._positions.count() - 1, widget)
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
