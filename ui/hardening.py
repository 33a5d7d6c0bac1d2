"""Kiosk hardening: a candidate cannot leave the app, and staff have a hidden way in.

:class:`KioskGuard` is an application-wide event filter that swallows the keys which close or
leave a window (Escape, Alt+F4, Ctrl+Q, Ctrl+W) and reports every touch, click and key as
activity, which the inactivity reset listens to. The window itself refuses ``closeEvent`` unless
staff asked for the close (see :meth:`ui.window.KioskWindow.shutdown`), which also covers a
window manager's Alt+F4. :class:`CornerLongPress` turns a long press in the top-left corner into
a staff-login request.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QTouchEvent
from PySide6.QtWidgets import QWidget

_KEY_EVENTS = frozenset(
    {QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride}
)
_ACTIVITY_EVENTS = frozenset(
    {QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress}
)
_PRESS_EVENTS = frozenset({QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin})
_RELEASE_EVENTS = frozenset(
    {QEvent.Type.MouseButtonRelease, QEvent.Type.TouchEnd, QEvent.Type.TouchCancel}
)
_MOVE_EVENTS = frozenset({QEvent.Type.MouseMove, QEvent.Type.TouchUpdate})


def is_leave_key(event: QKeyEvent) -> bool:
    """True for the keys that close or leave a window on the desktops a kiosk may run on."""
    key, mods = event.key(), event.modifiers()
    if key == Qt.Key.Key_Escape:
        return True
    if key == Qt.Key.Key_F4 and mods & Qt.KeyboardModifier.AltModifier:
        return True
    ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
    return ctrl and key in (Qt.Key.Key_Q, Qt.Key.Key_W)


class KioskGuard(QObject):
    """Subscribe to the application's events (:class:`ui.events.EventHub`): swallows leave
    keys while :attr:`enabled`; emits :attr:`activity` on every press, touch and key."""

    #: The candidate (or anyone) touched the screen or pressed a key.
    activity = Signal()
    #: The event types :meth:`eventFilter` acts on (for :class:`ui.events.EventHub`).
    EVENTS = _ACTIVITY_EVENTS | _KEY_EVENTS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        #: Off only for staff screens that need Escape (none yet).
        self.enabled = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in _ACTIVITY_EVENTS:
            self.activity.emit()
        if kind in _KEY_EVENTS and self.enabled and isinstance(event, QKeyEvent):
            return is_leave_key(event)
        return False


class CornerLongPress(QObject):
    """Subscribe to the application's events (:class:`ui.events.EventHub`): a press held
    ``hold_ms`` in ``window``'s top-left corner (``corner_px`` square) emits :attr:`triggered`.
    Candidates never hold a corner that long; staff know where to."""

    triggered = Signal()
    #: The event types :meth:`eventFilter` acts on (for :class:`ui.events.EventHub`).
    EVENTS = _PRESS_EVENTS | _RELEASE_EVENTS | _MOVE_EVENTS

    def __init__(
        self,
        window: QWidget,
        *,
        corner_px: int = 96,
        hold_ms: int = 3000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._corner = corner_px
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        # A coarse timer may fire up to 5 % early; "at least 3 s" should mean it.
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(hold_ms)
        self._timer.timeout.connect(self.triggered)

    @property
    def hold_ms(self) -> int:
        """How long the press must be held."""
        return self._timer.interval()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in _PRESS_EVENTS:
            # The same press reaches the filter once per widget it propagates to: start once.
            if not self._timer.isActive() and self._in_corner(event):
                self._timer.start()
        elif kind in _RELEASE_EVENTS or (kind in _MOVE_EVENTS and not self._in_corner(event)):
            # Lifted, or slid out of the corner: not a deliberate hold.
            self._timer.stop()
        return False

    def _in_corner(self, event: QEvent) -> bool:
        if isinstance(event, QMouseEvent):
            point = event.globalPosition().toPoint()
        elif isinstance(event, QTouchEvent) and event.points():
            point = event.points()[0].globalPosition().toPoint()
        else:
            return False
        local: QPoint = self._window.mapFromGlobal(point)
        return 0 <= local.x() < self._corner and 0 <= local.y() < self._corner
