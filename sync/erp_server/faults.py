"""Deliberate misbehaviour, so the terminal's sync worker can be tested against a hostile network.

A :class:`FaultPlan` comes from a spec string such as
``latency=0.02,5xx=0.1,429=0.05,retry_after=1,reset=0.05,lost_ack=0.05,truncate=0.05,seed=7``:

=============  ===============================================================================
``latency``    seconds to sleep before handling every request (not a probability)
``5xx``        answer 503 before processing
``429``        answer 429 with ``Retry-After: <retry_after>`` before processing
``reset``      abort the TCP connection (RST) before processing
``lost_ack``   process and commit, then abort the connection without a response
``truncate``   process and commit, then send the headers and half the body and close
``garbage``    answer 200 with a body that is not JSON, without processing
``oversize``   answer 200 declaring a body larger than ``MAX_RESPONSE_BYTES``, unprocessed
``retry_after`` whole seconds for 429's header (default 1)
``seed``       seed of the random draw (fixed seed → the same faults in the same order)
``limit``      inject at most this many faults, then behave (e.g. ``5xx=1,limit=2``: two 503s)
=============  ===============================================================================

The probabilities are per request and mutually exclusive (one draw picks at most one fault), so
they must add up to at most 1.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Final, Literal

Fault = Literal["reset", "5xx", "429", "garbage", "oversize", "lost_ack", "truncate"]

#: Faults in the order the cumulative draw walks them (fixed, so a seed means one sequence).
FAULTS: Final[tuple[Fault, ...]] = (
    "reset",
    "5xx",
    "429",
    "garbage",
    "oversize",
    "lost_ack",
    "truncate",
)
#: Faults that replace the answer before anything is processed.
BEFORE: Final = frozenset({"reset", "5xx", "429", "garbage", "oversize"})
#: Faults that let the request be processed and committed, then spoil the answer.
AFTER: Final = frozenset({"lost_ack", "truncate"})

_SETTINGS: Final = ("latency", "retry_after", "seed", "limit")


class FaultSpecError(ValueError):
    """A fault spec that does not parse; the message says which part."""


@dataclass
class FaultPlan:
    """Which faults to inject, with a seeded, thread-safe draw."""

    probabilities: dict[Fault, float] = field(default_factory=dict)
    latency: float = 0.0
    retry_after: int = 1
    seed: int | None = None
    limit: int | None = None
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)
    _injected: int = field(init=False, repr=False, default=0)

    def __post_init__(self) -> None:
        for name, p in self.probabilities.items():
            if name not in FAULTS:
                raise FaultSpecError(f"unknown fault {name!r} (known: {', '.join(FAULTS)})")
            if not 0.0 <= p <= 1.0:
                raise FaultSpecError(f"{name}={p}: a probability is between 0 and 1")
        if sum(self.probabilities.values()) > 1.0 + 1e-9:
            raise FaultSpecError("fault probabilities add up to more than 1")
        if self.latency < 0 or self.retry_after < 0 or (self.limit is not None and self.limit < 0):
            raise FaultSpecError("latency, retry_after and limit cannot be negative")
        # Not a security RNG: reproducible chaos is the point.
        self._rng = random.Random(self.seed)  # noqa: S311

    @classmethod
    def parse(cls, spec: str) -> FaultPlan:
        """A plan from ``name=value,name=value`` (empty or ``none``: no faults)."""
        probabilities: dict[Fault, float] = {}
        settings: dict[str, float] = {}
        text = spec.strip()
        if text.lower() in ("", "none", "off"):
            return cls()
        for part in text.split(","):
            name, sep, value = part.strip().partition("=")
            name = name.strip()
            if not sep or not name:
                raise FaultSpecError(f"{part.strip()!r}: expected name=value")
            try:
                number = float(value)
            except ValueError:
                raise FaultSpecError(f"{name}={value!r}: not a number") from None
            if name in _SETTINGS:
                settings[name] = number
            elif name in FAULTS:
                probabilities[name] = number
            else:
                known = ", ".join((*FAULTS, *_SETTINGS))
                raise FaultSpecError(f"unknown fault setting {name!r} (known: {known})")
        for name in ("retry_after", "seed", "limit"):
            if name in settings and not float(settings[name]).is_integer():
                raise FaultSpecError(f"{name} must be a whole number")
        return cls(
            probabilities=probabilities,
            latency=settings.get("latency", 0.0),
            retry_after=int(settings.get("retry_after", 1)),
            seed=int(settings["seed"]) if "seed" in settings else None,
            limit=int(settings["limit"]) if "limit" in settings else None,
        )

    def draw(self) -> Fault | None:
        """The fault for the next request, or ``None`` (thread-safe)."""
        with self._lock:
            if self.limit is not None and self._injected >= self.limit:
                return None
            roll = self._rng.random()
            total = 0.0
            for name in FAULTS:
                total += self.probabilities.get(name, 0.0)
                if roll < total:
                    self._injected += 1
                    return name
            return None

    @property
    def injected(self) -> int:
        """How many faults were injected so far."""
        with self._lock:
            return self._injected

    def describe(self) -> str:
        """A one-line summary for the startup line and the admin page."""
        parts = [f"{name}={p:g}" for name, p in self.probabilities.items() if p]
        if self.latency:
            parts.append(f"latency={self.latency:g}")
        if self.probabilities.get("429"):
            parts.append(f"retry_after={self.retry_after}")
        if self.limit is not None:
            parts.append(f"limit={self.limit}")
        if self.seed is not None:
            parts.append(f"seed={self.seed}")
        return ",".join(parts) or "none"


def as_plan(faults: FaultPlan | str | None) -> FaultPlan | None:
    """Accept a plan, a spec string or ``None``; a spec without faults becomes ``None``."""
    if faults is None:
        return None
    plan = FaultPlan.parse(faults) if isinstance(faults, str) else faults
    if not any(plan.probabilities.values()) and not plan.latency:
        return None
    return plan
