"""The garbage collector runs on the GUI thread only (ui.collector)."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot


class _Cycle(QObject):
    """A Qt object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        super().__init__()
        self.me = self


def test_cycles_are_freed_on_the_gui_thread_not_where_they_were_dropped(qtbot: QtBot) -> None:
    # tests/ui/conftest.py runs the collector for the whole session, as `kiosk run` does.
    assert not gc.isenabled()
    freed_on: list[str] = []
    refs: list[weakref.ref[_Cycle]] = []
    kept: list[list[int]] = []

    def make_garbage() -> None:
        for _ in range(50):
            cycle = _Cycle()
            weakref.finalize(cycle, lambda: freed_on.append(threading.current_thread().name))
            refs.append(weakref.ref(cycle))
        # Allocating plenty here would have triggered a collection on this thread.
        kept.extend([index] for index in range(5_000))

    worker = threading.Thread(target=make_garbage, name="engine-like")
    worker.start()
    worker.join()
    assert all(ref() is not None for ref in refs)  # nothing collected on the worker
    qtbot.waitUntil(lambda: all(ref() is None for ref in refs), timeout=5000)
    assert set(freed_on) == {"MainThread"}
