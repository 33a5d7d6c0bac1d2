"""Integrity and quality flags: reasons a result must be reviewed by a person.

A flag never changes a score by itself; it sends the whole result to mandatory human review and
says why, with the time spans it comes from. The camera may raise flags under every jurisdiction
profile: presence and a second person are integrity questions, not emotion inference.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The face is missing from more than this share of an answer's frames.
FACE_ABSENT_SHARE = 0.2
#: A second face is in view in more than this share of frames.
MULTIPLE_FACES_SHARE = 0.05
#: Eye contact below this share of frames, or one look away longer than the next constant.
LOOKING_AWAY_SHARE = 0.3
LOOKING_AWAY_LONGEST = 8.0
#: Less speech than this in a spoken answer.
NO_SPEECH_SECONDS = 2.0
#: Fewer words (English) or characters (Chinese) than this in a spoken answer.
TOO_SHORT = {"en": 20, "zh": 40}

Span = tuple[float, float]


@dataclass(frozen=True, slots=True)
class IntegrityFlag:
    """Why a result needs a person's review, where in the answer, and how it was decided."""

    code: str
    question_id: str
    detail: str
    spans: tuple[Span, ...] = ()

    def to_json(self) -> dict[str, object]:
        """As recorded in the result."""
        return {
            "code": self.code,
            "question_id": self.question_id,
            "detail": self.detail,
            "spans": [list(s) for s in self.spans],
        }


@dataclass(frozen=True, slots=True)
class AnswerObservations:
    """What the analysis measured of one answer that bears on integrity (None: not measured)."""

    question_id: str
    language: str
    seconds: float
    speech_seconds: float | None = None
    word_count: int | None = None
    asr_confidence: float | None = None
    face_present_ratio: float | None = None
    no_face_spans: tuple[Span, ...] = ()
    multiple_faces_ratio: float | None = None
    multiple_faces_spans: tuple[Span, ...] = ()
    gaze_on_ratio: float | None = None
    looking_away_longest: float | None = None
    looking_away_spans: tuple[Span, ...] = ()


def answer_flags(
    obs: AnswerObservations, *, min_asr_confidence: float
) -> tuple[IntegrityFlag, ...]:
    """The flags one answer raises."""
    flags: list[IntegrityFlag] = []
    q = obs.question_id
    if obs.face_present_ratio is not None and 1 - obs.face_present_ratio > FACE_ABSENT_SHARE:
        flags.append(
            IntegrityFlag(
                "face_absent",
                q,
                f"no face visible in {1 - obs.face_present_ratio:.0%} of the answer "
                f"(threshold {FACE_ABSENT_SHARE:.0%})",
                obs.no_face_spans,
            )
        )
    if obs.multiple_faces_ratio is not None and obs.multiple_faces_ratio > MULTIPLE_FACES_SHARE:
        flags.append(
            IntegrityFlag(
                "multiple_faces",
                q,
                f"more than one face in view in {obs.multiple_faces_ratio:.0%} of the answer "
                f"(threshold {MULTIPLE_FACES_SHARE:.0%})",
                obs.multiple_faces_spans,
            )
        )
    away_long = (
        obs.looking_away_longest is not None and obs.looking_away_longest > LOOKING_AWAY_LONGEST
    )
    away_much = obs.gaze_on_ratio is not None and obs.gaze_on_ratio < LOOKING_AWAY_SHARE
    present = obs.face_present_ratio is None or obs.face_present_ratio > 0.5
    if present and (away_long or away_much):
        flags.append(
            IntegrityFlag(
                "looking_away",
                q,
                f"eye contact in {obs.gaze_on_ratio or 0:.0%} of frames, longest look away "
                f"{obs.looking_away_longest or 0:.1f} s (thresholds {LOOKING_AWAY_SHARE:.0%}, "
                f"{LOOKING_AWAY_LONGEST:g} s)",
                obs.looking_away_spans,
            )
        )
    if obs.speech_seconds is not None and obs.speech_seconds < NO_SPEECH_SECONDS:
        flags.append(
            IntegrityFlag(
                "no_speech",
                q,
                f"{obs.speech_seconds:.1f} s of speech detected "
                f"(threshold {NO_SPEECH_SECONDS:g} s)",
            )
        )
    elif obs.asr_confidence is not None and obs.asr_confidence < min_asr_confidence:
        flags.append(
            IntegrityFlag(
                "low_asr_confidence",
                q,
                f"mean word confidence {obs.asr_confidence:.2f} below {min_asr_confidence:.2f}: "
                "the transcript may be wrong, so its content score is not certain",
            )
        )
    limit = TOO_SHORT.get(obs.language, TOO_SHORT["en"])
    speech_ok = obs.speech_seconds is None or obs.speech_seconds >= NO_SPEECH_SECONDS
    if obs.word_count is not None and obs.word_count < limit and speech_ok:
        unit = "characters" if obs.language == "zh" else "words"
        flags.append(IntegrityFlag("too_short", q, f"{obs.word_count} {unit}, fewer than {limit}"))
    return tuple(flags)
