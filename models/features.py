"""Small value types shared by the voice and vision analysers.

Every number the analysers produce is a :class:`Measure`: a value with its unit,
the stretches of the answer it comes from (:class:`Span`) and one sentence on how
it was measured, so that a report can show the evidence behind each figure and a
reviewer can judge it. Measures describe observable behaviour (pauses, gaze,
mouth-corner geometry); none of them names an emotion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from kiosk.errors import ErrorKind, ModelError


class Interval(Protocol):
    """Anything with a start and an end in seconds: a :class:`Span`, a VAD segment."""

    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of an answer, in seconds from the answer's start."""

    start: float
    end: float

    def __post_init__(self) -> None:
        if not self.start <= self.end:
            raise ModelError(
                f"span ends before it starts ({self.start} > {self.end})",
                kind=ErrorKind.INVALID_INPUT,
            )

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Measure:
    """One measured number, with where it comes from and how it was measured."""

    #: Stable identifier, e.g. ``"pause_count"``.
    name: str
    value: float
    #: Unit of ``value``, e.g. ``"s"``, ``"words/min"``, ``"ratio"``, ``"dBFS"``.
    unit: str
    #: The stretches of the answer that make up the value (pauses, fillers, spans
    #: without a face ...); empty when the value is a property of the whole answer.
    spans: tuple[Span, ...] = ()
    #: One short sentence on how the value was measured.
    method: str = ""


def runs(mask: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Half-open index ranges ``[a, b)`` of the consecutive ``True`` runs in ``mask``."""
    padded = np.concatenate(([False], np.asarray(mask, dtype=bool), [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def fill_short_gaps(mask: npt.NDArray[np.bool_], max_gap: int) -> npt.NDArray[np.bool_]:
    """``mask`` with runs of at most ``max_gap`` ``False`` between two ``True`` runs set."""
    out = np.asarray(mask, dtype=bool).copy()
    found = runs(~out)
    for a, b in found:
        if a > 0 and b < out.size and b - a <= max_gap:
            out[a:b] = True
    return out


def merge_spans(spans: Sequence[Interval], *, lo: float, hi: float) -> tuple[Span, ...]:
    """``spans`` clipped to ``[lo, hi]``, sorted, overlaps merged, empty ones dropped."""
    clipped = sorted(
        (max(lo, s.start), min(hi, s.end)) for s in spans if min(hi, s.end) > max(lo, s.start)
    )
    merged: list[list[float]] = []
    for start, end in clipped:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple(Span(a, b) for a, b in merged)
