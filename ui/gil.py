"""How long another thread may keep the interpreter lock while the GUI thread waits for it.

PySide6 releases the interpreter lock around Qt's C++ work and takes it again for every call
back into Python (a slot, an event filter, a paint or event override), so one screen change
takes the lock hundreds of times. While another thread runs Python (capture, live analysis,
the engine), each take waits until that thread is asked to let go, after the interpreter's
switch interval: 5 ms by default. With two busy Python threads beside the window, a screen
switch took a median 300 ms at 5 ms and 84 ms at 1 ms (0.5 ms gained little more).

The cost is more lock hand-overs between the worker threads, which mostly wait on queues and
run C code that releases the lock (codecs, inference in the model process); the benchmark's
journey took no longer.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QCoreApplication

from ui.collector import MainThreadCollector

#: The interpreter's switch interval while the kiosk runs.
SWITCH_INTERVAL_SECONDS = 0.001


def favour_gui_thread(interval: float = SWITCH_INTERVAL_SECONDS) -> float:
    """Shorten the switch interval to ``interval``; the previous one (to restore)."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(interval)
    return previous


@contextmanager
def gui_thread_first(app: QCoreApplication) -> Iterator[None]:
    """The GUI thread as ``kiosk run`` runs it (the tests and the benchmark use it too): garbage
    collected there only (:mod:`ui.collector`) and the short switch interval; both undone on
    leaving."""
    collector = MainThreadCollector(parent=app)
    collector.start()
    previous = favour_gui_thread()
    try:
        yield
    finally:
        sys.setswitchinterval(previous)
        collector.stop()
        collector.deleteLater()
