"""Delivery sub-scores: how something was said (voice) and shown (visual), each 0..1.

Each measurement is scored against a *band*: inside the ideal range it scores 1; it falls
linearly to 0 at the hard limits. The bands are deliberately wide — delivery may only nudge a
competency score, by the share the bank's ``signal_weights`` allow — and every part is returned
with its band so the report can show exactly why a delivery score is what it is.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Band:
    """An ideal range inside hard limits (``None``: no limit on that side)."""

    ideal_low: float | None
    ideal_high: float | None
    hard_low: float | None
    hard_high: float | None

    def score(self, value: float) -> float:
        """1 inside the ideal range, falling linearly to 0 at the hard limits."""
        if self.ideal_low is not None and value < self.ideal_low:
            if self.hard_low is None:
                return 1.0
            return _ramp(value, self.hard_low, self.ideal_low)
        if self.ideal_high is not None and value > self.ideal_high:
            if self.hard_high is None:
                return 1.0
            return 1.0 - _ramp(value, self.ideal_high, self.hard_high)
        return 1.0

    def describe(self) -> str:
        """The ideal range in words, for the report."""
        low = "" if self.ideal_low is None else f"{self.ideal_low:g}"
        high = "" if self.ideal_high is None else f"{self.ideal_high:g}"
        if low and high:
            return f"ideal {low}–{high}"
        return f"ideal ≥ {low}" if low else f"ideal ≤ {high}"


def _ramp(value: float, zero_at: float, one_at: float) -> float:
    if one_at == zero_at:
        return 1.0
    return min(1.0, max(0.0, (value - zero_at) / (one_at - zero_at)))


@dataclass(frozen=True, slots=True)
class DeliveryPart:
    """One measurement's contribution to a delivery score."""

    name: str
    value: float
    unit: str
    band: str
    score: float


@dataclass(frozen=True, slots=True)
class DeliveryScore:
    """A delivery score and the parts it is the mean of."""

    score: float
    parts: tuple[DeliveryPart, ...]


# Speaking rate: conversational interview speech is ~110–170 English words or ~180–300 Chinese
# characters a minute; far slower reads as hesitant, far faster as rushed.
RATE_BANDS = {
    "en": Band(110, 170, 60, 230),
    "zh": Band(180, 300, 90, 400),
}
FILLER_BAND = Band(None, 3, None, 12)  # fillers per minute
LONGEST_PAUSE_BAND = Band(None, 2.5, None, 8.0)  # seconds of silence inside the answer
# Pitch variation in semitones (SD): below ~1.5 sounds monotone; above ~5 is unusually erratic.
PITCH_VARIATION_BAND = Band(1.5, 5.0, 0.5, 9.0)
GAZE_BAND = Band(0.6, None, 0.2, None)  # share of frames looking towards the camera
# Share of frames with a visible smile: only a complete absence counts against; smiling a lot
# is no fault (and how much someone smiles varies with culture and person).
SMILE_BAND = Band(0.05, None, 0.0, None)


def voice_delivery(
    *,
    language: str,
    speaking_rate: float,
    filler_rate: float,
    longest_pause: float,
    pitch_variation_semitones: float | None,
) -> DeliveryScore:
    """Voice delivery from rate, fillers, the longest pause and pitch variation."""
    rate_unit = "chars/min" if language == "zh" else "words/min"
    rate_band = RATE_BANDS.get(language, RATE_BANDS["en"])
    parts = [
        _part("speaking rate", speaking_rate, rate_unit, rate_band),
        _part("fillers", filler_rate, "per min", FILLER_BAND),
        _part("longest pause", longest_pause, "s", LONGEST_PAUSE_BAND),
    ]
    if pitch_variation_semitones is not None:
        parts.append(
            _part(
                "pitch variation", pitch_variation_semitones, "semitones SD", PITCH_VARIATION_BAND
            )
        )
    return DeliveryScore(sum(p.score for p in parts) / len(parts), tuple(parts))


def visual_delivery(*, gaze_on_camera: float, smile_ratio: float) -> DeliveryScore:
    """Visual delivery from eye contact and smiling — measured behaviours, not emotions."""
    parts = (
        _part("eye contact", gaze_on_camera, "share of frames", GAZE_BAND),
        _part("smiling", smile_ratio, "share of frames", SMILE_BAND),
    )
    return DeliveryScore(sum(p.score for p in parts) / len(parts), parts)


def _part(name: str, value: float, unit: str, band: Band) -> DeliveryPart:
    return DeliveryPart(name, value, unit, band.describe(), round(band.score(value), 3))
