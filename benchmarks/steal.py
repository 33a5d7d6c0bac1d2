"""CPU time the hypervisor took from this (virtual) machine, beside each GUI-thread gap.

On a virtual machine the host can deschedule the guest's CPUs to run other guests; Linux counts
that time as *steal* (the eighth figure of the ``cpu`` line in ``/proc/stat``, in clock ticks
summed over the CPUs). While the CPUs are taken, no thread of the app runs, so a gap in the GUI
thread's timer during steal says nothing about the app. On the shared two-core machines the
benchmarks run on, steal comes in bursts of 30–70 ms (up to ~45 % of a 100 ms window), and
the longest GUI gaps measured fell inside them: the GUI thread had run for under 8 ms of a
60–70 ms gap, and was not waiting for a CPU either.

:class:`StealSampler` reads the counter at every tick of a :class:`ui.responsiveness.GuiGapProbe`
(``on_tick``); :meth:`StealSampler.split` then separates the gaps during which the machine took
nothing from those it did. A kiosk terminal is bare metal and has no steal: there both figures
are the same. Where ``/proc/stat`` is missing (not Linux) nothing is sampled and every gap
counts as undisturbed.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from pathlib import Path

STAT = Path("/proc/stat")


def read_steal(stat: Path = STAT) -> int | None:
    """The machine's steal so far, in clock ticks over all CPUs; None where unknown."""
    try:
        with stat.open("rb") as handle:
            fields = handle.readline().split()
    except OSError:
        return None
    # "cpu user nice system idle iowait irq softirq steal ...": steal is the eighth figure.
    if len(fields) < 9 or fields[0] != b"cpu":
        return None
    return int(fields[8])


@dataclass(frozen=True, slots=True)
class StealSplit:
    """A run's gaps split by whether the machine took CPU time during them."""

    max_gap_ms: float  # the longest gap during which no steal was counted
    max_gap_with_steal_ms: float  # the longest gap during which some was
    max_net_with_steal_ms: float  # the longest of those less the steal (per CPU) during it
    gaps_with_steal: int  # gaps beyond ``threshold_ms`` during which steal was counted
    gaps_over: int  # all gaps beyond ``threshold_ms``
    steal_share: float  # steal over the run, as a share of the CPUs' time (0..1)
    known: bool  # False where steal could not be read: every gap counted as undisturbed


class StealSampler:
    """Steal at each probe tick (pass :meth:`tick` as the probe's ``on_tick``)."""

    def __init__(self, stat: Path = STAT) -> None:
        self._stat = stat
        self._samples: list[tuple[float, int | None]] = []
        self._ticks_per_second = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self._cpus = os.cpu_count() or 1

    def tick(self, now: float) -> None:
        """Record the counter at ``now`` (``time.perf_counter()`` seconds)."""
        self._samples.append((now, read_steal(self._stat)))

    def split(self, interval_ms: float, threshold_ms: float) -> StealSplit:
        """The gaps (time between ticks beyond ``interval_ms``) split by steal. Steal is counted
        in whole clock ticks (10 ms), so "no steal" means less than a tick on every CPU."""
        samples = self._samples
        known = len(samples) > 1 and all(steal is not None for _, steal in samples)
        calm, stolen = 0.0, 0.0
        with_steal = over = 0
        net = 0.0
        tick_ms = 1000.0 / self._ticks_per_second
        for (before, steal_before), (after, steal_after) in itertools.pairwise(samples):
            gap = max(0.0, (after - before) * 1000.0 - interval_ms)
            took = known and steal_after != steal_before
            if took:
                stolen = max(stolen, gap)
                assert steal_before is not None and steal_after is not None
                taken = (steal_after - steal_before) * tick_ms / self._cpus
                net = max(net, gap - taken)
            else:
                calm = max(calm, gap)
            if gap > threshold_ms:
                over += 1
                with_steal += took
        share = 0.0
        if known:
            (first, steal_first), (last, steal_last) = samples[0], samples[-1]
            assert steal_first is not None and steal_last is not None
            capacity = (last - first) * self._ticks_per_second * self._cpus
            share = (steal_last - steal_first) / capacity if capacity > 0 else 0.0
        return StealSplit(calm, stolen, net, with_steal, over, share, known)
