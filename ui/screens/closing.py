"""The screens outside the question flow: paused, done, interrupted, and the terminal's own
states (starting, out of service, the staff placeholder)."""

from __future__ import annotations

from PySide6.QtCore import Signal

from kiosk.engine import Reset, Stage
from kiosk.errors import ErrorKind
from ui.screens.base import Screen, ScreenContext, button, label, safe_message


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
    """Stage DONE: thanks, next steps and the session code (as on the receipt)."""

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.title = label("title")
        self.body = label()
        self.code_caption = label("subtitle")
        self.code = label("code")
        self.code_hint = label()
        self.finish_button = button("primary")
        self.finish_button.clicked.connect(lambda: self.intent.emit(Reset()))
        for widget in (self.title, self.body, self.code_caption, self.code, self.code_hint):
            self.column.addWidget(widget)
        self.column.addStretch(1)
        self.column.addWidget(self.finish_button)
        self.retranslate()
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
