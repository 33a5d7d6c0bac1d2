"""The screens outside the question flow: paused, done, interrupted, and the terminal's own
states (starting, out of service, the staff placeholder)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout

from kiosk.engine import Reset, Stage
from kiosk.errors import ErrorKind
from ui.engine_data import Snapshot
from ui.receipt import ReceiptPrinter, compose_receipt
from ui.screens.base import Screen, ScreenContext, button, label, safe_message

#: Where the receipt of the interview on screen is: not asked for, on its way, out, or failed.
ReceiptState = Literal["none", "printing", "printed", "failed"]


class PausedScreen(Screen):
    """Stage PAUSED: a device was lost; the engine thread keeps trying to reopen it."""

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.title = label("title")
        self.body = label()
        self.wait = label("notice")
        for widget in (self.title, self.body, self.wait):
            self.column.addWidget(widget)
        self.column.addStretch(1)
        self.retranslate()
        self.refresh()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Please wait a moment"))
        self.wait.setText(
            self.tr("We are reconnecting. If this takes long, please ask a staff member.")
        )

    def refresh(self) -> None:
        # The core's own candidate-safe wording: earlier answers are safe, the question repeats.
        self.body.setText(safe_message(ErrorKind.DEVICE_LOST.value, self.context.lang))


class DoneScreen(Screen):
    """Stage DONE: thanks, next steps, the session code, and its printed receipt.

    The receipt is printed when the engine reports the result stored (:meth:`expect_receipt`,
    just before this screen's snapshot arrives) if the terminal prints receipts; printing runs
    on a thread of its own, and a failure only adds a line asking the candidate to note the
    code: it never holds up "Finish" or the reset after inactivity.
    """

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.title = label("title")
        self.body = label()
        self.code_caption = label("subtitle")
        self.code = label("code")
        self.code_hint = label()
        self.receipt_line = label("notice")
        self.print_button = button("secondary")
        self.print_button.clicked.connect(self.print_receipt)
        self.finish_button = button("primary")
        self.finish_button.clicked.connect(lambda: self.intent.emit(Reset()))
        for widget in (self.title, self.body, self.code_caption, self.code, self.code_hint):
            self.column.addWidget(widget)
        self.column.addWidget(self.receipt_line)
        self.column.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.print_button)
        row.addWidget(self.finish_button)
        self.column.addLayout(row)
        self.printer = ReceiptPrinter(self)
        self.printer.printed.connect(lambda code: self._printed(code, "printed"))
        self.printer.failed.connect(lambda code: self._printed(code, "failed"))
        self.receipt: ReceiptState = "none"
        self._expected: str | None = None  # a finished session whose receipt prints on arrival
        self.retranslate()
        self.refresh()

    def expect_receipt(self, code: str) -> None:
        """The interview with session ``code`` was stored: print its receipt when it is shown."""
        setup = self.context.setup
        if setup is not None and setup.print_receipt:
            self._expected = code

    def show_snapshot(self, snapshot: Snapshot) -> None:
        if self.snapshot is None or self.snapshot.session_code != snapshot.session_code:
            self.receipt = "none"
        super().show_snapshot(snapshot)
        if snapshot.session_code is not None and snapshot.session_code == self._expected:
            self._expected = None
            self.print_receipt()

    def print_receipt(self) -> None:
        """Print (again) the receipt of the session on screen, on the configured queue."""
        snapshot, setup = self.snapshot, self.context.setup
        if snapshot is None or snapshot.session_code is None or setup is None:
            return
        position_id = snapshot.state.position_id
        position = (
            "" if position_id is None else self.context.text(setup.bank.position(position_id).title)
        )
        when = datetime.fromtimestamp(self.context.clock.now()).astimezone()
        content = compose_receipt(snapshot.session_code, position, when)
        self.receipt = "printing"
        self.refresh()
        self.printer.print_receipt(content, setup.printer_queue)

    def clear(self) -> None:
        self.receipt = "none"
        self._expected = None
        super().clear()

    def _printed(self, code: str, outcome: ReceiptState) -> None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.session_code != code:
            return  # the next candidate is on the screen by now
        self.receipt = outcome
        self.refresh()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Thank you! Your interview is complete."))
        self.body.setText(
            self.tr(
                "A recruiter reviews every interview; the computer decides nothing on its own. "
                "The recruiting team will contact you about the next steps."
            )
        )
        self.code_caption.setText(self.tr("Your session code"))
        self.code_hint.setText(
            self.tr(
                "Please note this code. Quote it to the recruiting team to ask about your "
                "interview, or to have your data deleted."
            )
        )
        self.finish_button.setText(self.tr("Finish"))

    def refresh(self) -> None:
        snapshot = self.snapshot
        code = snapshot.session_code if snapshot is not None else None
        self.code.setText(code or "")
        setup = self.context.setup
        self.print_button.setVisible(setup is not None and setup.print_receipt)
        self.print_button.setEnabled(code is not None and self.receipt != "printing")
        self.print_button.setText(
            self.tr("Print receipt") if self.receipt == "none" else self.tr("Print again")
        )
        texts = {
            "none": "",
            "printing": self.tr("Printing your receipt…"),
            "printed": self.tr("Your receipt is printed. Please take it from the printer."),
            "failed": self.tr("The receipt could not be printed — please note your code."),
        }
        self.receipt_line.setText(texts[self.receipt])


class InterruptedScreen(Screen):
    """The session ended without the candidate finishing it: the devices failed too often
    (the engine closed it) or the app found it unfinishable."""

    # The candidate tapped "Finish" on a session the engine has already closed.
    dismissed = Signal()

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.title = label("title")
        self.body = label()
        self.finish_button = button("primary")
        self.finish_button.clicked.connect(self._finish)
        self.column.addWidget(self.title)
        self.column.addWidget(self.body)
        self.column.addStretch(1)
        self.column.addWidget(self.finish_button)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("The interview could not continue"))
        self.body.setText(
            self.tr(
                "We are sorry: a technical problem stopped the interview. The answers you gave "
                "are saved, and a recruiter will contact you to arrange the rest."
            )
        )
        self.finish_button.setText(self.tr("Finish"))

    def _finish(self) -> None:
        snapshot = self.snapshot
        if snapshot is not None and snapshot.state.stage is Stage.INTERRUPTED:
            self.intent.emit(Reset())
        else:
            self.dismissed.emit()


class StatusScreen(Screen):
    """The terminal itself: starting up, or out of service after a failed start."""

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.title = label("title", center=True)
        self.body = label("subtitle", center=True)
        self.column.addStretch(1)
        self.column.addWidget(self.title)
        self.column.addWidget(self.body)
        self.column.addStretch(1)
        self.error_kind: str | None = None
        self.retranslate()
        self.refresh()

    def show_error(self, kind: str) -> None:
        """The kiosk cannot run: say so, safely."""
        self.error_kind = kind
        self.retranslate()
        self.refresh()

    def retranslate(self) -> None:
        if self.error_kind is None:
            self.title.setText(self.tr("Starting…"))
        else:
            self.title.setText(self.tr("This terminal is not available right now"))

    def refresh(self) -> None:
        kind = self.error_kind
        self.body.setText("" if kind is None else safe_message(kind, self.context.lang))
