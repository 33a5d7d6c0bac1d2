"""What every screen has in common: the shared context, live retranslation, forgetting.

A screen builds its widgets once, sets its fixed texts in :meth:`Screen.retranslate` and the
texts that depend on the interview in :meth:`Screen.refresh`; both run again whenever the display
language changes. :meth:`Screen.clear` forgets everything personal (names, codes, typed text).
Taps become engine events on :attr:`Screen.intent`; the window hands them to the engine thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from kiosk.bank import LocalizedText
from kiosk.clock import Clock
from kiosk.errors import SAFE_MESSAGES, ErrorKind
from ui.engine_data import EngineSetup, Snapshot
from ui.i18n import UiLanguage


@dataclass
class ScreenContext:
    """Shared by all screens: the clock for countdowns, the display language, and the kiosk's
    setup once the engine has reported it (None before)."""

    clock: Clock
    language: UiLanguage
    setup: EngineSetup | None = None

    @property
    def lang(self) -> str:
        """The current display language code."""
        return self.language.current

    def text(self, text: LocalizedText) -> str:
        """A bank text in the display language."""
        return text.in_language(self.lang)


class Screen(QWidget):
    """Base of the candidate screens."""

    #: An engine event (:mod:`kiosk.engine`) the candidate's tap asks for.
    intent = Signal(object)

    def __init__(self, context: ScreenContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.context = context
        self.snapshot: Snapshot | None = None
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(64, 32, 64, 48)
        self.column.setSpacing(24)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Show the interview as it now is."""
        self.snapshot = snapshot
        self.refresh()

    def clear(self) -> None:
        """Forget everything personal this screen holds or shows."""
        self.snapshot = None
        self.refresh()

    def retranslate(self) -> None:
        """Set the fixed texts in the display language."""

    def refresh(self) -> None:
        """Set the texts that depend on the snapshot and the bank."""

    def on_notice(self, kind: str) -> None:
        """A notice from the core while this screen is shown (``no_speech``…)."""

    def on_failed(self, kind: str) -> None:
        """An intent from this screen failed with an error of ``kind``."""

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
            self.refresh()
        super().changeEvent(event)


def label(name: str = "body", *, center: bool = False) -> QLabel:
    """A word-wrapped plain-text label styled as ``name`` (names and bank texts are never
    interpreted as HTML)."""
    widget = QLabel()
    widget.setObjectName(name)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    widget.setWordWrap(True)
    if center:
        widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return widget


def button(name: str = "primary") -> QPushButton:
    """A touch-sized button styled as ``name`` (``primary`` or ``secondary``)."""
    widget = QPushButton()
    widget.setObjectName(name)
    widget.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    # Touch screens have no keyboard focus to show, and a focused button would take Enter.
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return widget


def safe_message(kind: str, language: str) -> str:
    """The candidate-safe text for an error kind: never the exception's own text."""
    try:
        error_kind = ErrorKind(kind)
    except ValueError:
        error_kind = ErrorKind.INTERNAL
    messages = SAFE_MESSAGES[error_kind]
    return messages.get(language, messages["en"])


def clock_text(seconds: float) -> str:
    """``m:ss`` of a countdown (never negative)."""
    whole = max(0, int(seconds + 0.999))
    return f"{whole // 60}:{whole % 60:02d}"
