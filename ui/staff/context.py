"""What every staff screen shares: the call runner, the display language, the clock, and who is
logged in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from PySide6.QtWidgets import QWidget

from kiosk.clock import Clock
from kiosk.staff import StaffServices
from kiosk.vault.roles import Principal
from ui.i18n import UiLanguage
from ui.staff.calls import StaffCalls, StaffFailure

T = TypeVar("T")


@dataclass
class StaffContext:
    """Shared by the staff area and its pages."""

    calls: StaffCalls
    language: UiLanguage
    clock: Clock
    principal: Principal | None = None

    @property
    def lang(self) -> str:
        """The current display language code."""
        return self.language.current

    def call(
        self,
        owner: QWidget,
        work: Callable[[StaffServices], T],
        done: Callable[[T], None],
        failed: Callable[[StaffFailure], None] | None = None,
    ) -> None:
        """Run ``work`` on the staff thread for the widget ``owner``; the callbacks run on the
        GUI thread, and not at all if ``owner`` was deleted meanwhile (e.g. at logout)."""
        self.calls.call(work, done, failed, owner=owner)
