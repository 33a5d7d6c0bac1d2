"""Inactivity: how long nobody has touched the terminal, not counting recordings.

A candidate answering a question speaks rather than taps, so the time spent recording does not
count (``interview.inactivity_reset_seconds``: "without input outside a recording"). A closing
screen (thanks, declined) and the welcome screen get the full period from the moment they
appear, so they can be read before they reset.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.engine import Stage
from ui.engine_data import RECORDING_STAGES

#: After a recording, at least this long before an expiry (a recording may end the period).
MIN_AFTER_RECORDING_MS = 1000


class InactivityTimer(QObject):
    """Emits :attr:`expired` after the period without :meth:`touch`, paused during recordings.

    It restarts itself after expiring, so a terminal left alone is reset once per period.
    """

    expired = Signal()

    def __init__(self, seconds: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._period_ms = int(seconds * 1000)
        self._paused_ms: int | None = None  # remaining time while a recording runs
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._expire)

    @property
    def period_ms(self) -> int:
        """The inactivity period."""
        return self._period_ms

    def set_period(self, seconds: float) -> None:
        """Change the period; it runs in full from now."""
        self._period_ms = int(seconds * 1000)
        self.touch()

    def touch(self) -> None:
        """Someone touched the screen or pressed a key."""
        if self._paused_ms is not None:
            self._paused_ms = self._period_ms  # counts in full once the recording ends
        else:
            self._timer.start(self._period_ms)

    def stage_changed(self, was: Stage, now: Stage) -> None:
        """The engine moved from stage ``was`` to ``now``."""
        if now in RECORDING_STAGES and was not in RECORDING_STAGES:
            self._paused_ms = max(0, self._timer.remainingTime())
            self._timer.stop()
        elif was in RECORDING_STAGES and now not in RECORDING_STAGES:
            remaining = self._paused_ms if self._paused_ms is not None else self._period_ms
            self._paused_ms = None
            self._timer.start(max(MIN_AFTER_RECORDING_MS, remaining))
        elif now is not was and (now is Stage.WELCOME or now.is_closing):
            self.touch()

    def stop(self) -> None:
        """Stop counting (the window is closing)."""
        self._timer.stop()
        self._paused_ms = None

    def _expire(self) -> None:
        self._timer.start(self._period_ms)
        self.expired.emit()
