"""Python's cyclic garbage collector, run on the GUI thread only.

Left to itself, the collector runs on whichever thread happens to allocate when a threshold is
crossed: the engine, staff or printing thread. A Qt object caught in a reference cycle (a widget
whose slot is a lambda holding the widget, say) is then destroyed on that thread. Its destructor
takes Qt's connection mutex and asks for the interpreter lock, while the GUI thread, holding
the lock, deletes another object and waits for that mutex: both wait for good. A whole test run
hung exactly so (PySide6 6.11, gdb: ``QObject::~QObject`` on the engine thread inside
``PyGILState_Ensure``, the GUI thread in ``QBasicMutex::lockInternal``).

:class:`MainThreadCollector` turns the automatic collection off and runs the same generational
collection from a timer on the GUI thread instead, so every cycle is freed there. (The pattern
is pyqtgraph's and Orange's, for the same reason.) A young-generation pass takes well under a
millisecond; the full one runs only when its own threshold is crossed.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

#: How often the GUI thread looks at the allocation counts.
INTERVAL_MS = 1000


class MainThreadCollector(QObject):
    """Disables automatic garbage collection and collects on the GUI thread every second; see
    the module docstring. :meth:`stop` gives collection back to the interpreter."""

    def __init__(self, interval_ms: int = INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect)

    def start(self) -> None:
        """Collect from here on, on this (the GUI) thread only. What exists by now (modules,
        classes, the bank) lives as long as the app: frozen, a full collection skips it, which
        keeps that pass short enough for the GUI thread."""
        gc.disable()
        gc.collect()
        gc.freeze()
        self._timer.start()

    def stop(self) -> None:
        """Collect once more here, then let the interpreter collect on its own again."""
        self._timer.stop()
        gc.unfreeze()
        gc.collect()
        gc.enable()

    def collect(self) -> None:
        """The generations whose thresholds are crossed, youngest first (as the interpreter
        itself would)."""
        young, middle, old = gc.get_count()
        first, second, third = self._thresholds
        if young > first:
            if middle > second:
                gc.collect(2 if old > third else 1)
            else:
                gc.collect(0)
