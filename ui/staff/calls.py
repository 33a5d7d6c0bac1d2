"""Staff work off the GUI thread: logins, reports, statistics, diagnostics.

A login runs argon2, a report is decrypted, a model benchmark takes seconds: none of it may run on
the GUI thread. :class:`StaffCalls` owns a thread of its own (not the engine's, so a slow staff
task never delays an interview's timers) and runs each call there against the kiosk's
:class:`~kiosk.staff.StaffServices`, which it builds on first use. The result, or a
:class:`StaffFailure`, comes back to the caller's callback on the GUI thread.

Calls run one at a time, in the order they were made.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QThread, Signal, Slot

from kiosk.errors import ErrorKind, KioskError
from kiosk.staff import StaffServices
from kiosk.vault.accounts import LockedOut

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class StaffFailure:
    """Why a staff call failed. ``message`` is the error's own text, which staff may read
    (it names files, keys and devices, never personal data); ``wait_seconds`` is set for a
    login refused by the lockout (``math.inf`` until an IT admin unlocks the account)."""

    kind: str
    message: str
    wait_seconds: float | None = None

    @property
    def locked_out(self) -> bool:
        """A login refused because the account must wait."""
        return self.wait_seconds is not None

    @property
    def hard_locked(self) -> bool:
        """Locked until an IT admin unlocks it."""
        return self.wait_seconds is not None and math.isinf(self.wait_seconds)


@dataclass(eq=False)
class _Job(Generic[T]):
    work: Callable[[StaffServices], T]
    done: Callable[[T], None]
    failed: Callable[[StaffFailure], None] | None
    name: str
    owner: QObject | None

    def wanted(self) -> bool:
        # A screen closed (or logged out) while its call ran: its callbacks must not run.
        return self.owner is None or shiboken6.isValid(self.owner)


class _StaffWorker(QObject):
    """Lives on the staff thread."""

    answered = Signal(object, object)  # job, result
    refused = Signal(object, object)  # job, StaffFailure

    def __init__(self, services: Callable[[], StaffServices]) -> None:
        super().__init__()
        self._make_services = services
        self._services: StaffServices | None = None

    @Slot(object)
    def run(self, job: _Job[Any]) -> None:
        try:
            if self._services is None:
                self._services = self._make_services()
            result = job.work(self._services)
        except LockedOut as exc:
            self.refused.emit(job, StaffFailure(exc.kind.value, str(exc), exc.wait_seconds))
        except KioskError as exc:
            log.info("staff call %s failed (%s): %s", job.name, exc.kind.value, exc)
            self.refused.emit(job, StaffFailure(exc.kind.value, str(exc)))
        except Exception:
            log.exception("unexpected error in staff call %s", job.name)
            self.refused.emit(job, StaffFailure(ErrorKind.INTERNAL.value, "unexpected error"))
        else:
            self.answered.emit(job, result)

    @Slot()
    def logout(self) -> None:
        if self._services is not None:
            try:
                self._services.logout()
            except KioskError as exc:
                log.warning("logout failed (%s): %s", exc.kind.value, exc)


class StaffCalls(QObject):
    """Runs staff work on the staff thread; answers on the GUI thread."""

    #: True while a call is queued or running (for a "working…" indicator).
    busy = Signal(bool)

    _submit = Signal(object)
    _logout = Signal()

    def __init__(self, services: Callable[[], StaffServices], parent: QObject | None = None):
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("kiosk-staff")
        self._worker = _StaffWorker(services)
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.run)
        self._logout.connect(self._worker.logout)
        self._worker.answered.connect(self._answered)
        self._worker.refused.connect(self._refused)
        self._pending = 0
        self._thread.start()

    @property
    def pending(self) -> int:
        """Calls queued or running."""
        return self._pending

    def call(
        self,
        work: Callable[[StaffServices], T],
        done: Callable[[T], None],
        failed: Callable[[StaffFailure], None] | None = None,
        *,
        owner: QObject | None = None,
        name: str = "",
    ) -> None:
        """Run ``work(services)`` on the staff thread, then ``done(result)`` here, or
        ``failed(failure)`` (logged if no callback is given). If ``owner`` (the widget that
        asked) has been deleted by then, neither callback runs."""
        self._pending += 1
        if self._pending == 1:
            self.busy.emit(True)
        label = name or getattr(work, "__name__", "call")
        self._submit.emit(_Job(work, done, failed, label, owner))

    def logout(self) -> None:
        """Log out on the staff thread, after the calls already queued."""
        self._logout.emit()

    def stop(self, timeout: float = 30.0) -> bool:
        """Log out, finish the queued calls and end the thread."""
        if not self._thread.isRunning():
            return True
        self._logout.emit()
        self._thread.quit()
        return bool(self._thread.wait(int(timeout * 1000)))

    def _settled(self) -> None:
        self._pending -= 1
        if self._pending == 0:
            self.busy.emit(False)

    @Slot(object, object)
    def _answered(self, job: _Job[Any], result: object) -> None:
        self._settled()
        if job.wanted():
            job.done(result)

    @Slot(object, object)
    def _refused(self, job: _Job[Any], failure: StaffFailure) -> None:
        self._settled()
        if not job.wanted():
            return
        if job.failed is not None:
            job.failed(failure)
        else:
            log.warning("staff call %s failed: %s (%s)", job.name, failure.kind, failure.message)
