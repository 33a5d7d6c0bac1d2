"""Typed answers: the text-answer accommodation, from the candidate's text to fusion signals.

A candidate who chose to type instead of speaking gives spoken questions a written answer.
Nothing is recorded for it. Its text is personal data: it never enters the engine state (the
engine hands it to the runner in an effect), and the runner seals it in the vault as the
answer's *analysis record* — the same sealed record the analysis worker stores for a recorded
answer — so every later step (resume, finalising, the report, sync) finds it where it finds
transcripts.

Scoring reads the typed text exactly as ``kiosk score-text`` does: content analysis of the plain
text, no voice or video signals. Those are *missing*, not zero: fusion gives their share back to
content, no "no speech" flag is raised, and the report says which accommodations applied so
the people who review the result know how it was given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kiosk.analysis import TimedText, analyze_content
from kiosk.bank import Question
from kiosk.engine import InterviewState
from kiosk.scoring.fusion import AnswerSignals
from kiosk.scoring.integrity import AnswerObservations

#: The analysis-record version of a typed answer (its own format, marked by ``mode``).
TYPED_RECORD_VERSION = 1
TYPED = "typed"


def typed_record(question_id: str, language: str, text: str, seconds: float) -> dict[str, Any]:
    """The analysis record of a typed answer (sealed by the store like any other).

    It has the recorded answers' ``transcript`` shape, so the report shows the text where it
    shows transcripts; ``mode`` tells it apart. A typed text is exactly what the candidate
    meant: no recogniser stood in between, hence certainty 1 and no words with times.
    """
    return {
        "version": TYPED_RECORD_VERSION,
        "mode": TYPED,
        "question_id": question_id,
        "language": language,
        "seconds": seconds,
        "transcript": {
            "text": text,
            "model": TYPED,
            "mean_word_probability": 1.0,
            "low_confidence": False,
            "words": [],
        },
        "models": {},
        "pipeline": {"mode": TYPED},
    }


def is_typed(record: Mapping[str, Any] | None) -> bool:
    """True for the record of a typed answer."""
    return record is not None and record.get("mode") == TYPED


def typed_signals(index: int, question: Question, record: Mapping[str, Any]) -> AnswerSignals:
    """A typed answer's fusion signals: its content, and nothing measured from voice or face.

    Speech time, recogniser confidence and face presence are None (not measured), so no
    ``no_speech``, ``low_asr_confidence`` or camera flag can be raised against a typed answer.
    The word count still is measured: a very short answer is flagged as for speech.
    """
    language = str(record["language"])
    text = str(record["transcript"]["text"])
    content = (
        analyze_content(question, None, TimedText.from_plain(text, language))
        if text.strip()
        else None
    )
    observations = AnswerObservations(
        question.id,
        language,
        float(record.get("seconds", 0.0)),
        word_count=content.word_count if content is not None else 0,
    )
    return AnswerSignals(
        index, question.id, language, observations, content=content, transcript=text
    )


def accommodations(state: InterviewState) -> dict[str, Any]:
    """What the report says of the accommodations the candidate chose (always present, so a
    reviewer can tell "none" from "unknown")."""
    applied = []
    if state.extra_time:
        applied.append(
            f"extra time: every preparation and answer time multiplied by {state.time_factor:g}"
        )
    if state.text_answers:
        applied.append(
            "text answers: spoken questions were answered by typing; no audio or video was "
            "recorded, so voice and camera signals are absent (not zero) for those answers"
        )
    return {
        "extra_time": state.extra_time,
        "time_factor": state.time_factor,
        "text_answers": state.text_answers,
        "applied": applied,
    }


def annotate_report(
    report: dict[str, Any],
    state: InterviewState,
    analyses: Mapping[int, Mapping[str, Any] | None],
) -> dict[str, Any]:
    """Add the accommodations and each answer's mode to a report built by
    :func:`kiosk.report.build_report` (in place; returned for convenience)."""
    report["accommodations"] = accommodations(state)
    for item in report["answers"]:
        if "choice" in item:
            continue
        typed = is_typed(analyses.get(item["index"] - 1))
        item["answered_by"] = "typing" if typed else "speaking"
    return report
