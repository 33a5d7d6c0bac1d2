"""Which signal families may count towards a score, by jurisdiction profile.

The camera can always serve integrity (is the candidate there, alone, looking at the screen) and
capture quality; whether what it sees may move a *score* is a legal question that differs by
jurisdiction. The profile is chosen per terminal in config (``policy_profile``) and recorded with
every result, together with the reason, so a reviewer can see why a signal did or did not count.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class SignalFamily(enum.Enum):
    """Groups of signals that a policy admits or excludes together."""

    CONTENT = "content"  # what was said: STAR structure, rubric evidence, specificity
    VOICE = "voice"  # how it was said: rate, pauses, fillers, loudness and pitch variation
    VISUAL = "visual"  # what the camera sees: gaze, smile, brow furrow, gestures


@dataclass(frozen=True, slots=True)
class ScoringPolicy:
    """The signal families that count, and why the others do not."""

    profile: str
    counted: frozenset[SignalFamily]
    reasons: tuple[str, ...]

    def counts(self, family: SignalFamily) -> bool:
        """Whether ``family`` may move a score under this policy."""
        return family in self.counted

    def to_json(self) -> dict[str, object]:
        """How the policy is recorded with a result."""
        return {
            "profile": self.profile,
            "counted": sorted(f.value for f in self.counted),
            "reasons": list(self.reasons),
        }


_ALL = frozenset(SignalFamily)
_NO_VISUAL = frozenset({SignalFamily.CONTENT, SignalFamily.VOICE})

EU_REASON = (
    "EU AI Act Art. 5(1)(f) prohibits inferring emotions in the workplace (since 2 Feb 2025): "
    "visual expression signals do not count towards scores; the camera serves integrity only."
)
CN_NO_CONSENT_REASON = (
    "PIPL and the 2025 facial-recognition measures require separate consent for face data; the "
    "candidate did not give it, so visual signals do not count."
)
STRICT_REASON = (
    "The strict profile scores what was said only: voice and visual signals do not count."
)


def policy_for(profile: str, *, face_consent: bool) -> ScoringPolicy:
    """The scoring policy for a config profile and the candidate's face-analysis consent."""
    if profile == "standard":
        return ScoringPolicy(profile, _ALL, ())
    if profile == "eu":
        return ScoringPolicy(profile, _NO_VISUAL, (EU_REASON,))
    if profile == "cn":
        if face_consent:
            return ScoringPolicy(
                profile, _ALL, ("The candidate gave separate consent to face analysis.",)
            )
        return ScoringPolicy(profile, _NO_VISUAL, (CN_NO_CONSENT_REASON,))
    if profile == "strict":
        return ScoringPolicy(profile, frozenset({SignalFamily.CONTENT}), (STRICT_REASON,))
    raise ValueError(f"unknown policy profile {profile!r}")  # config validation prevents this
