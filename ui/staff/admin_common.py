"""What the IT admin pages share: a check row (button, result, "working…"), the refusal of
device checks during an interview, a thread-safe level relay for the microphone meter, and
formatting of sizes and times."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.diagnostics import InterviewInProgress
from kiosk.staff import StaffServices
from ui.screens.base import button, label
from ui.staff.calls import StaffFailure
from ui.staff.context import StaffContext

T = TypeVar("T")


class Busy:
    """What a device check returns instead of its result while an interview holds the devices
    (the core raised :class:`InterviewInProgress`; this turns it into a value the page can
    answer with a translated sentence)."""


BUSY = Busy()


def unless_busy(work: Callable[[StaffServices], T]) -> Callable[[StaffServices], T | Busy]:
    """``work``, answering :data:`BUSY` if the core refused it for a running interview."""

    def guarded(services: StaffServices) -> T | Busy:
        try:
            return work(services)
        except InterviewInProgress:
            return BUSY

    guarded.__name__ = getattr(work, "__name__", "admin call")
    return guarded


class CheckRow(QWidget):
    """One check: its name, a button, and the outcome (good, a problem, or working)."""

    # The button was pressed.
    run = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = self.column = QVBoxLayout(self)  # pages add a picture or a meter below
        column.setContentsMargins(0, 8, 0, 8)
        row = QHBoxLayout()
        self.name = label("subtitle")
        self.button = button("secondary")
        # Staff use a keyboard and mouse as often as touch here.
        self.button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.button.clicked.connect(self.run)
        row.addWidget(self.name, 1)
        row.addWidget(self.button)
        column.addLayout(row)
        self.result = label("body")
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.result)
        self._render: Callable[[], tuple[str, bool]] | None = None

    def set_texts(self, name: str, action: str) -> None:
        """The check's name and its button's text (accessible name included)."""
        self.name.setText(name)
        self.button.setText(action)
        self.button.setAccessibleName(f"{name}: {action}")

    def working(self, text: str) -> None:
        """The check runs: the button waits for it."""
        self._render = None
        self.button.setEnabled(False)
        self._show(text, good=True, style="notice")

    def show_result(self, render: Callable[[], tuple[str, bool]]) -> None:
        """Show an outcome: ``render`` gives (text, good) in the current language, and is
        called again when the language changes."""
        self._render = render
        self.button.setEnabled(True)
        self.refresh()

    def refresh(self) -> None:
        """Render the last outcome again (after a language change)."""
        if self._render is not None:
            text, good = self._render()
            self._show(text, good=good)

    def _show(self, text: str, *, good: bool, style: str | None = None) -> None:
        restyle(self.result, style or ("good" if good else "problem"))
        self.result.setText(text)


def restyle(widget: QWidget, name: str) -> None:
    """Give ``widget`` another style name (the stylesheet is keyed on object names)."""
    if widget.objectName() != name:
        widget.setObjectName(name)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


def failure_text(failure: StaffFailure) -> str:
    """A staff call's failure for staff: the error's own text (it names devices, files and
    queues, never personal data), or a plain sentence for a refusal by role."""
    if failure.kind == "forbidden":
        return QCoreApplication.translate("AdminHome", "This account may not do that.")
    return QCoreApplication.translate("AdminHome", "Failed: %1").replace("%1", failure.message)


def busy_text() -> str:
    """Why a device check did not run."""
    return QCoreApplication.translate(
        "AdminHome", "Not possible while an interview is in progress. Try again when it has ended."
    )


class Page(QWidget):
    """Base of the admin pages: the staff context, and live retranslation."""

    def __init__(self, context: StaffContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context

    def retranslate(self) -> None:
        """Set the fixed texts in the display language, and render results again."""

    def activated(self) -> None:
        """The page was brought to the front: load what it shows."""

    def add_header(self, column: QVBoxLayout, refresh: Callable[[], None], message: str) -> None:
        """The page's explanation (``note``) beside its Refresh button, then the line for
        results and errors (``message``, styled as ``message``)."""
        top = QHBoxLayout()
        self.note = label("body")
        self.refresh_button = button("secondary")
        self.refresh_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.refresh_button.clicked.connect(refresh)
        top.addWidget(self.note, 1)
        top.addWidget(self.refresh_button)
        column.addLayout(top)
        self.message = label(message)
        column.addWidget(self.message)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def call(
        self,
        work: Callable[[StaffServices], T],
        done: Callable[[T], None],
        failed: Callable[[StaffFailure], None],
    ) -> None:
        """Run ``work`` on the staff thread for this page (see :meth:`StaffContext.call`)."""
        self.context.call(self, work, done, failed)


class LevelRelay:
    """Levels measured on the staff thread, picked up by the GUI thread's timer.

    A plain locked list rather than a Qt signal: the page may be destroyed (logout) while the
    measurement still runs, and a Python object outlives it safely. The GUI takes the loudest
    level since its last look, so short sounds show even if several blocks arrived at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._levels: list[float] = []

    def push(self, level_dbfs: float) -> None:
        """Called by the measuring thread."""
        with self._lock:
            self._levels.append(level_dbfs)

    def take(self) -> float | None:
        """The loudest level since the last call, or None if none arrived."""
        with self._lock:
            levels, self._levels = self._levels, []
        return max(levels) if levels else None


# The level meter spans this many dB below full scale.
METER_FLOOR_DBFS = -60.0


def meter_percent(level_dbfs: float) -> int:
    """A dBFS level as a 0-100 bar (the floor and below: 0)."""
    span = -METER_FLOOR_DBFS
    return max(0, min(100, round((level_dbfs - METER_FLOOR_DBFS) / span * 100)))


def format_bytes(count: float) -> str:
    """``1.2 GB`` and the like (units are international, not translated)."""
    for unit in ("B", "KB", "MB", "GB"):
        if abs(count) < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TB"  # pragma: no cover - the loop returns at GB


def format_time(at: float | None, never: str) -> str:
    """A moment in local time, or ``never``."""
    if at is None:
        return never
    return datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M:%S")


def yes_no(value: Any) -> str:
    """A translated yes or no."""
    if value:
        return QCoreApplication.translate("AdminHome", "yes")
    return QCoreApplication.translate("AdminHome", "no")


def never_text() -> str:
    """What a time that has not happened yet shows."""
    return QCoreApplication.translate("AdminHome", "never")
