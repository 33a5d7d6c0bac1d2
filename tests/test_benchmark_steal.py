"""The GUI benchmark's split of gaps by hypervisor steal (benchmarks.steal)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from benchmarks.steal import StealSampler, read_steal


def _stat(path: Path, steal: int) -> None:
    path.write_text(f"cpu  100 0 50 1000 0 0 0 {steal} 0 0\ncpu0 50 0 25 500 0 0 0 {steal} 0 0\n")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/stat is Linux's")
def test_reads_this_machines_steal() -> None:
    steal = read_steal()
    assert isinstance(steal, int)
    assert steal >= 0


def test_gaps_are_split_by_whether_steal_was_counted_during_them(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    sampler = StealSampler(stat)
    # Ticks every 10 ms, one 70 ms gap with steal counted across it, one 40 ms gap without.
    timeline = [(0.000, 5), (0.010, 5), (0.080, 12), (0.090, 12), (0.130, 12), (0.140, 12)]
    for now, steal in timeline:
        _stat(stat, steal)
        sampler.tick(now)
    split = sampler.split(interval_ms=10, threshold_ms=50)
    assert split.known
    assert split.max_gap_with_steal_ms == pytest.approx(60.0)
    assert split.max_gap_ms == pytest.approx(30.0)  # the app's own: no steal during it
    assert (split.gaps_over, split.gaps_with_steal) == (1, 1)
    ticks = StealSampler(stat)._ticks_per_second
    cpus = StealSampler(stat)._cpus
    # 7 ticks of steal over all the CPUs in 0.14 s
    assert split.steal_share == pytest.approx(7 / (0.14 * ticks * cpus))
    # Less the steal averaged over the CPUs: 60 ms − 70 ms / cpus (10 ms ticks at 100 Hz).
    taken = 7 * 1000 / ticks / cpus
    assert split.max_net_with_steal_ms == pytest.approx(max(0.0, 60.0 - taken))


def test_without_a_readable_counter_every_gap_counts_as_the_apps(tmp_path: Path) -> None:
    sampler = StealSampler(tmp_path / "missing")
    for now in (0.0, 0.01, 0.09):
        sampler.tick(now)
    split = sampler.split(interval_ms=10, threshold_ms=50)
    assert not split.known
    assert split.max_gap_ms == pytest.approx(70.0)
    assert split.gaps_with_steal == 0
    assert split.steal_share == 0.0
