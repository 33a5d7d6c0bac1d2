"""What every screen has in common: the shared context, live retranslation, forgetting, and
the accessibility every candidate screen gets without asking.

A screen builds its widgets once, sets its fixed texts in :meth:`Screen.retranslate` and the
texts that depend on the interview in :meth:`Screen.refresh`; both run again whenever the display
language changes. :meth:`Screen.clear` forgets everything personal (names, codes, typed text).
Taps become engine events on :attr:`Screen.intent`; the window hands them to the engine thread.

Accessibility: buttons and check boxes made here take the keyboard focus from Tab only (a touch
never focuses them), activate with Space or Enter, and carry an accessible name that follows
their text through every retranslation. Controls made elsewhere get a name from their text or
placeholder (:meth:`Screen.name_controls`). A button keeps only a focus the candidate gave it
with the keyboard (not one Qt hands out when the window activates or switches screens), and
lets go of it when the stage changes, so a second Enter cannot hit whatever button appeared
under it.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from kiosk.bank import LocalizedText
from kiosk.clock import Clock
from kiosk.errors import SAFE_MESSAGES, ErrorKind
from ui.engine_data import EngineSetup, Snapshot
from ui.i18n import UiLanguage
from ui.style import TOUCH_MIN_PX, high_contrast, set_high_contrast


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
        previous = self.snapshot
        self.snapshot = snapshot
        focused = QApplication.focusWidget()
        # Hiding the focused control (the start button once the answer begins) moves the focus
        # on along the chain, possibly out of this screen onto the window's language buttons.
        focus_was_here = focused is not None and self.isAncestorOf(focused)
        self.refresh()
        self.name_controls()
        if previous is None or _step(previous) != _step(snapshot):
            self.release_button_focus(moved_from_here=focus_was_here)

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
            self.name_controls()
        super().changeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        self.name_controls()
        super().showEvent(event)

    def release_button_focus(self, *, moved_from_here: bool = False) -> None:
        """If a button of this screen has the keyboard focus, take it away (Tab brings it back).
        With ``moved_from_here``, also a button elsewhere in the window the focus just moved to
        from this screen: a stray Enter must not press it either."""
        focused = QApplication.focusWidget()
        if isinstance(focused, QAbstractButton) and (moved_from_here or self.isAncestorOf(focused)):
            focused.clearFocus()

    def name_controls(self) -> None:
        """Give every interactive control without an accessible name one from its text (or its
        placeholder), and keep those names up to date as texts change."""
        for widget in self.findChildren(QWidget):
            if isinstance(widget, (KioskButton, KioskCheckBox)):
                continue  # they name themselves
            if isinstance(widget, QAbstractButton):
                text = widget.text()
            elif isinstance(widget, (QLineEdit, QPlainTextEdit, QTextEdit)):
                text = widget.placeholderText()
            else:
                continue
            if not widget.accessibleName() or widget.property(_AUTO_NAMED):
                widget.setAccessibleName(spoken_text(text))
                widget.setProperty(_AUTO_NAMED, True)


def set_tab_order(*widgets: QWidget) -> None:
    """Tab visits ``widgets`` in this order (the order they read on screen, not the order they
    were created in)."""
    for first, second in itertools.pairwise(widgets):
        QWidget.setTabOrder(first, second)


def spoken_text(text: str) -> str:
    """A control's visible text as a screen reader should say it: no mnemonic ampersands, no
    decorative symbols, one line."""
    cleaned = re.sub(r"[●✓✗→←]", " ", text.replace("&&", "\0").replace("&", ""))
    return " ".join(cleaned.replace("\0", "&").split())


#: Marks controls :meth:`Screen.name_controls` named (and may rename when their text changes).
_AUTO_NAMED = "kioskAutoAccessibleName"


def _step(snapshot: Snapshot) -> tuple[object, ...]:
    state = snapshot.state
    return (state.session_id, state.stage, state.index, state.attempt)


#: How a control may come to hold the focus: the candidate moved it there with the keyboard.
_CHOSEN_FOCUS = (
    Qt.FocusReason.TabFocusReason,
    Qt.FocusReason.BacktabFocusReason,
    Qt.FocusReason.ShortcutFocusReason,
)


def _keep_focus_if_chosen(widget: QWidget, event: QFocusEvent) -> None:
    """Let go of a focus the candidate did not give: Qt focuses the first control when the
    window is activated, and moves the focus into a screen the window switches to. Such a
    button would show a focus ring to a touch user and take a stray Enter; Tab brings the
    focus back for those who use it. (Once the focus change is done: hence the zero timer.)"""
    if event.reason() not in _CHOSEN_FOCUS:
        # With ``widget`` as the context: the call is dropped if it is deleted meanwhile.
        QTimer.singleShot(0, widget, lambda: widget.clearFocus() if widget.hasFocus() else None)


class KioskButton(QPushButton):
    """A push button whose accessible name is its text, unless a screen names it explicitly."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._named_explicitly = False

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        _keep_focus_if_chosen(self, event)

    def setText(self, text: str) -> None:
        super().setText(text)
        if not self._named_explicitly:
            super().setAccessibleName(spoken_text(text))

    def setAccessibleName(self, name: str) -> None:
        self._named_explicitly = True
        super().setAccessibleName(name)


class WrappingButton(KioskButton):
    """A touch button whose text wraps onto more lines: a multiple-choice option can be a whole
    sentence, and a push button's own text never wraps (it would widen the screen instead).

    The text is drawn by a word-wrapped label inside the button; :meth:`text` still returns it
    and it still names the button for assistive technology.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._label = QLabel(self)
        self._label.setObjectName("option")
        self._label.setTextFormat(Qt.TextFormat.PlainText)
        self._label.setWordWrap(True)
        # Taps go to the button underneath.
        self._label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(32, 10, 32, 10)
        self._layout.addWidget(self._label)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

    def setText(self, text: str) -> None:
        self._label.setText(text)
        if not self._named_explicitly:
            QPushButton.setAccessibleName(self, spoken_text(text))
        self.updateGeometry()

    def text(self) -> str:
        return self._label.text()

    def sizeHint(self) -> QSize:
        return self._layout.sizeHint().expandedTo(QSize(0, TOUCH_MIN_PX))

    def minimumSizeHint(self) -> QSize:
        return self._layout.minimumSize().expandedTo(QSize(0, TOUCH_MIN_PX))

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return max(TOUCH_MIN_PX, self._layout.totalHeightForWidth(width))


class KioskCheckBox(QCheckBox):
    """A check box named by its text, toggled by Space or Enter (switch devices send Enter)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._named_explicitly = False

    def setText(self, text: str) -> None:
        super().setText(text)
        if not self._named_explicitly:
            super().setAccessibleName(spoken_text(text))

    def setAccessibleName(self, name: str) -> None:
        self._named_explicitly = True
        super().setAccessibleName(name)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        _keep_focus_if_chosen(self, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.isAutoRepeat():
            self.click()
            return
        super().keyPressEvent(event)


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


class HighContrastToggle(KioskCheckBox):
    """The candidate's high-contrast switch: checking it switches the whole app's theme, and
    every toggle follows the theme however it was switched (another toggle, a reset)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setChecked(high_contrast())
        self.toggled.connect(set_high_contrast)
        # Qt tells only polished widgets that the stylesheet changed; a toggle not shown yet
        # must hear it too.
        self.ensurePolished()
        self.retranslate()

    def retranslate(self) -> None:
        """Set the text in the display language."""
        self.setText(self.tr("High contrast"))
        self.setAccessibleDescription(
            self.tr("Shows white and yellow text on black, with larger outlines.")
        )

    def changeEvent(self, event: QEvent) -> None:
        kind = event.type()
        if kind == QEvent.Type.LanguageChange:
            self.retranslate()
        elif kind == QEvent.Type.StyleChange and self.isChecked() != high_contrast():
            # The application's stylesheet changed under us: show the theme now in force.
            self.blockSignals(True)
            self.setChecked(high_contrast())
            self.blockSignals(False)
        super().changeEvent(event)


def button(name: str = "primary") -> KioskButton:
    """A touch-sized button styled as ``name`` (``primary`` or ``secondary``)."""
    widget = KioskButton()
    widget.setObjectName(name)
    widget.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    # Tab focus only: a keyboard or switch user reaches it with Tab and sees the focus ring; a
    # tap never focuses it, so no button silently holds the focus and takes an Enter meant for
    # a text field.
    widget.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    # Enter activates the focused button (Space always does): keyboard users expect both.
    widget.setAutoDefault(True)
    return widget


def option_button() -> WrappingButton:
    """A touch-sized button for a multiple-choice option, whose text wraps."""
    widget = WrappingButton()
    widget.setObjectName("secondary")
    widget.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    widget.setAutoDefault(True)
    return widget


def checkbox() -> KioskCheckBox:
    """A touch-sized check box: the whole box and text are the target."""
    widget = KioskCheckBox()
    # As wide as its box and text: a tap anywhere on it toggles it (no dead space).
    widget.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    widget.setFocusPolicy(Qt.FocusPolicy.TabFocus)
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
