"""What the recruiter pages share: status and decision names, times and durations, buttons.

The names are translated in one context (``Recruiter``), so the dashboard, the session list and
the report say "Interrupted" or "Hold" the same way. Call them again after a language change.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QFrame, QPushButton, QScrollArea, QWidget

from ui.screens.base import button


def status_names() -> dict[str, str]:
    """A session's status (kiosk.dashboard.STATUSES) as shown."""
    return {
        "completed": QCoreApplication.translate("Recruiter", "Completed"),
        "in_progress": QCoreApplication.translate("Recruiter", "In progress"),
        "declined": QCoreApplication.translate("Recruiter", "Declined"),
        "interrupted": QCoreApplication.translate("Recruiter", "Interrupted"),
    }


def decision_names() -> dict[str, str]:
    """A review decision (kiosk.review.DECISIONS, and ``none``) as shown."""
    return {
        "advance": QCoreApplication.translate("Recruiter", "Advance"),
        "hold": QCoreApplication.translate("Recruiter", "Hold"),
        "reject": QCoreApplication.translate("Recruiter", "Reject"),
        "none": QCoreApplication.translate("Recruiter", "No decision yet"),
    }


def when_text(at: float | None, *, with_date: bool = True) -> str:
    """A time on the terminal's clock, ``YYYY-MM-DD HH:MM`` (or ``HH:MM``); "-" for none."""
    if at is None:
        return "-"
    return datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M")


def duration_text(seconds: float | None) -> str:
    """``m:ss`` (``h:mm:ss`` from an hour); "-" for none."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def failure_text(kind: str, message: str) -> str:
    """A staff call's failure as a staff member reads it (a KioskError's own message never
    holds personal data)."""
    if kind == "forbidden":
        return QCoreApplication.translate("Recruiter", "Not allowed for your role: %1").replace(
            "%1", message
        )
    if kind == "locked":
        return QCoreApplication.translate("Recruiter", "Log in again to read this.")
    return QCoreApplication.translate("Recruiter", "Could not do that: %1").replace("%1", message)


def staff_button(name: str = "secondary") -> QPushButton:
    """A touch-sized button that a keyboard also reaches (staff may have one; candidates'
    buttons take no focus)."""
    widget = button(name)
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return widget


def scrolled(widget: QWidget) -> QScrollArea:
    """``widget`` in a scroll area, so a tall form fits a 1366×768 screen (a stacked page takes
    the tallest page's height as its own minimum)."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area
