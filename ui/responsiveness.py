"""How responsive the GUI thread stays: a probe for tests and benchmarks.

A timer that should fire every few milliseconds on the GUI thread records the time between its
firings. Anything slow on the GUI thread (disk, inference, a blocking wait) delays the next
firing, so the largest gap is the longest the screen could not react to a touch. The probe only
measures; what counts as good enough is for a benchmark to decide.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QTimer


@dataclass(frozen=True, slots=True)
class GapStats:
    """What a :class:`GuiGapProbe` saw. Gaps are the time between firings beyond the interval."""

    interval_ms: float
    firings: int
    max_gap_ms: float
    p99_gap_ms: float
    mean_period_ms: float

    def describe(self) -> str:
        """One line for logs and benchmark output."""
        return (
            f"GUI gap over {self.firings} ticks of {self.interval_ms:g} ms: max "
            f"{self.max_gap_ms:.1f} ms, p99 {self.p99_gap_ms:.1f} ms, mean period "
            f"{self.mean_period_ms:.1f} ms"
        )


class GuiGapProbe(QObject):
    """A precise timer on the calling (GUI) thread that records the gaps between its firings."""

    def __init__(
        self,
        interval_ms: int = 10,
        parent: QObject | None = None,
        *,
        on_tick: Callable[[float], None] | None = None,
    ) -> None:
        """``on_tick``, if given, is called at every firing with its ``time.perf_counter()``
        (a benchmark samples what else went on beside each gap)."""
        super().__init__(parent)
        self._interval = interval_ms
        self._on_tick = on_tick
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._last: float | None = None
        self._periods: list[float] = []

    def start(self) -> None:
        """Start measuring (again, from nothing)."""
        self._periods.clear()
        self._last = time.perf_counter()
        if self._on_tick is not None:
            self._on_tick(self._last)
        self._timer.start()

    def stop(self) -> GapStats:
        """Stop measuring; the statistics so far."""
        self._timer.stop()
        return self.stats()

    def stats(self) -> GapStats:
        """The statistics so far."""
        periods = sorted(self._periods)
        if not periods:
            return GapStats(self._interval, 0, 0.0, 0.0, 0.0)
        gaps = [max(0.0, p - self._interval) for p in periods]
        p99 = gaps[min(len(gaps) - 1, math.ceil(0.99 * len(gaps)) - 1)]
        return GapStats(
            float(self._interval), len(periods), gaps[-1], p99, sum(periods) / len(periods)
        )

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self._periods.append((now - self._last) * 1000.0)
        self._last = now
        if self._on_tick is not None:
            self._on_tick(now)


@contextmanager
def gui_gaps(interval_ms: int = 10) -> Iterator[GuiGapProbe]:
    """Measure the GUI thread's gaps while the block runs (the event loop must run inside it,
    e.g. through ``qtbot.waitUntil``); read ``probe.stats()`` afterwards."""
    probe = GuiGapProbe(interval_ms)
    probe.start()
    try:
        yield probe
    finally:
        probe.stop()
