"""Content analysis of interview answers: what was said, measured against the rubric.

The Qt-free, model-free core of scoring "what the candidate said": a transcript
(:class:`TimedText`, from typed text or from recognised words with times) is split into
sentences, read for STAR structure and first-person actions, and matched against the
question's rubric with bilingual (English/Chinese) lexicons – no embeddings, no network.
:func:`analyze_content` returns a :class:`ContentAnalysis` in which every number is backed by
:class:`Evidence`: exact quotes of the transcript with character offsets and, when spoken,
start and end times.
"""

from kiosk.analysis.content import ContentAnalysis, analyze_content
from kiosk.analysis.evidence import Evidence, Measure
from kiosk.analysis.rubric import EventMatch, RubricMatch
from kiosk.analysis.text import (
    ANALYSIS_LANGUAGES,
    AnalysisInputError,
    Sentence,
    TimedText,
    TimedToken,
    split_sentences,
)

__all__ = [
    "ANALYSIS_LANGUAGES",
    "AnalysisInputError",
    "ContentAnalysis",
    "EventMatch",
    "Evidence",
    "Measure",
    "RubricMatch",
    "Sentence",
    "TimedText",
    "TimedToken",
    "analyze_content",
    "split_sentences",
]
