"""A touch keyboard for terminals without a physical one.

:class:`OnScreenKeyboard` follows the focus: when a text field (``QLineEdit``, ``QTextEdit``,
``QPlainTextEdit``) of its own window takes the keyboard focus, it appears; when the focus
leaves text fields, it hides. Its keys never take the focus themselves, so the field keeps it,
and each key is sent to the field as a real key press and release — the field does what it
does for a physical keyboard (insert, delete, Enter submits a line or breaks a paragraph), and
the inactivity timer sees activity.

It types Latin letters, digits and common punctuation. Chinese comes through the operating
system's input method, not through this widget: Qt ships the ``ibus`` platform input context
plugin, so with ``QT_IM_MODULE=ibus`` and a pinyin engine a physical keyboard (or ibus's own
on-screen keyboard) commits Chinese text into the same fields. Key events sent from here do not
pass through the input method, so this keyboard cannot compose pinyin — deliberately: building
an IME is out of scope.

The window places it (typically at the bottom, under the screens) and nothing else: it shows
and hides itself. A field Qt focuses only because the window was activated does not open it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from ui.events import application_events
from ui.style import KEY_MIN_PX

#: The character rows, top to bottom (lower case; Shift gives the upper case).
ROWS = ("1234567890", "qwertyuiop", "asdfghjkl'", "zxcvbnm,.?")
TEXT_FIELDS = (QLineEdit, QTextEdit, QPlainTextEdit)
#: What the keyboard watches across the application: a field focused, a field tapped.
_WATCHED = frozenset({QEvent.Type.FocusIn, QEvent.Type.MouseButtonPress})


def _character_key(character: str) -> Qt.Key:
    # Qt's codes for printable ASCII keys are their ASCII codes (letters: the upper case).
    return Qt.Key(ord(character.upper()))


class OnScreenKeyboard(QWidget):
    """Keys for the focused text field of this widget's window; see the module docstring."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyboard")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.target: QWidget | None = None
        self.shifted = False
        self.character_keys: dict[str, QPushButton] = {}
        column = QVBoxLayout(self)
        column.setContentsMargins(16, 8, 16, 8)
        column.setSpacing(8)
        for index, characters in enumerate(ROWS):
            row = QHBoxLayout()
            row.setSpacing(8)
            row.addStretch(1)
            if index == 3:
                self.shift_key = self._key(row, self._toggle_shift)
                self.shift_key.setCheckable(True)
            for character in characters:
                key = self._key(row, lambda _=False, c=character: self._type(c))
                self.character_keys[character] = key
            if index == 1:
                self.backspace_key = self._key(row, self._backspace)
                self.backspace_key.setText("⌫")
                self.backspace_key.setAutoRepeat(True)  # held down, it keeps deleting
            row.addStretch(1)
            column.addLayout(row)
        bottom = QHBoxLayout()
        bottom.setSpacing(8)
        self.hide_key = self._key(bottom, self.dismiss)
        self.space_key = self._key(bottom, lambda: self._send(Qt.Key.Key_Space, " "))
        self.space_key.setMinimumWidth(KEY_MIN_PX * 8)
        self.enter_key = self._key(bottom, lambda: self._send(Qt.Key.Key_Return, "\r"))
        column.addLayout(bottom)
        self._label_keys()
        self.retranslate()
        self.setVisible(False)
        events = application_events()
        if events is not None:
            # Focus events, not QApplication.focusChanged: their reason tells a field the
            # candidate chose from one Qt focused when the window was activated (a kiosk's
            # idle welcome screen must not open with a keyboard over it).
            events.subscribe(self, _WATCHED, self.eventFilter)

    # -- public -----------------------------------------------------------------------------

    def dismiss(self) -> None:
        """Hide until a text field is focused or tapped again (the Hide key)."""
        self.setVisible(False)

    def retranslate(self) -> None:
        """Set the named keys' texts and every key's accessible name."""
        self.shift_key.setText(self.tr("Shift"))
        self.hide_key.setText(self.tr("Hide"))
        self.space_key.setText(self.tr("Space"))
        self.enter_key.setText(self.tr("Enter"))
        self.shift_key.setAccessibleName(self.tr("Shift"))
        self.backspace_key.setAccessibleName(self.tr("Delete the last character"))
        self.hide_key.setAccessibleName(self.tr("Hide the keyboard"))
        self.space_key.setAccessibleName(self.tr("Space"))
        self.enter_key.setAccessibleName(self.tr("Enter"))
        self.setAccessibleName(self.tr("On-screen keyboard"))

    # -- Qt ---------------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.FocusIn and isinstance(event, QFocusEvent):
            self._focused(watched, event.reason())
        elif kind == QEvent.Type.MouseButtonPress and self._in_target(watched):
            self.setVisible(True)  # a tap on the field it was hidden from brings it back
        return False

    # -- internals --------------------------------------------------------------------------

    def _in_target(self, widget: QObject) -> bool:
        # A multi-line field is tapped on its viewport, a child of the field.
        target = self.target
        return (
            target is not None
            and isinstance(widget, QWidget)
            and (widget is target or target.isAncestorOf(widget))
        )

    def _key(self, row: QHBoxLayout, pressed: Callable[..., None]) -> QPushButton:
        key = QPushButton()
        key.setObjectName("key")
        # Never the focus: the text field keeps it while the candidate types.
        key.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        key.setMinimumSize(KEY_MIN_PX, KEY_MIN_PX)
        key.setAutoRepeat(False)
        key.clicked.connect(pressed)
        row.addWidget(key)
        return key

    def _label_keys(self) -> None:
        for character, key in self.character_keys.items():
            shown = character.upper() if self.shifted else character
            key.setText("&&" if shown == "&" else shown)
            key.setAccessibleName(shown)

    def _toggle_shift(self) -> None:
        self.shifted = not self.shifted
        self.shift_key.setChecked(self.shifted)
        self._label_keys()

    def _type(self, character: str) -> None:
        text = character.upper() if self.shifted else character
        modifiers = (
            Qt.KeyboardModifier.ShiftModifier if self.shifted else Qt.KeyboardModifier.NoModifier
        )
        self._send(_character_key(character), text, modifiers)
        if self.shifted:
            self._toggle_shift()  # one capital, as on a phone

    def _backspace(self) -> None:
        self._send(Qt.Key.Key_Backspace, "")

    def _send(
        self,
        key: Qt.Key,
        text: str,
        modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
    ) -> None:
        target = self.target
        if target is None or not target.isVisible() or not target.isEnabled():
            return
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(target, QKeyEvent(kind, key, modifiers, text))

    def _focused(self, widget: QObject, reason: Qt.FocusReason) -> None:
        if not isinstance(widget, QWidget) or widget.window() is not self.window():
            return
        if self.isAncestorOf(widget):
            return  # the keys take no focus; nothing else here does either
        if reason == Qt.FocusReason.ActiveWindowFocusReason:
            # The window was (re)activated: a field focused only by that opens nothing, and
            # one already being typed into stays as it was.
            if widget is not self.target:
                self._set_target(widget if isinstance(widget, TEXT_FIELDS) else None)
            return
        if isinstance(widget, TEXT_FIELDS):
            self._set_target(widget)
            self.setVisible(True)
        else:
            self._set_target(None)
            self.setVisible(False)

    def _set_target(self, widget: QWidget | None) -> None:
        if self.target is widget:
            return
        if self.target is not None:
            self.target.destroyed.disconnect(self._target_destroyed)
        self.target = widget
        if widget is not None:
            widget.destroyed.connect(self._target_destroyed)

    def _target_destroyed(self) -> None:
        self.target = None
        self.setVisible(False)
