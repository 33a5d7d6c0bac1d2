"""The interview report: what was asked, what was captured, and how it was measured.

Every number in the report says where it comes from. Until on-device analysis is installed the
report carries recording measurements only and says so: it never shows a score it did not compute.
A written report is an export of personal data; only staff actions (or the demo, whose candidate
is synthetic) write one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from kiosk import __version__
from kiosk.bank import QuestionBank
from kiosk.interview import FinishedInterview
from kiosk.recording import VOICED_DBFS


@dataclass(frozen=True, slots=True)
class ReportFiles:
    """Where a report was written."""

    json_path: Path
    markdown_path: Path
    receipt_path: Path


def build_report(finished: FinishedInterview, bank: QuestionBank) -> dict[str, Any]:
    """The report as a JSON-ready dict."""
    state = finished.state
    language = state.language
    position = bank.position(state.position_id or "")
    recordings = {(r.index, r.attempt): r for r in finished.recordings}
    answers = []
    for answer in sorted(state.answers, key=lambda a: a.index):
        question = bank.question(answer.question_id)
        item: dict[str, Any] = {
            "index": answer.index + 1,
            "question_id": question.id,
            "kind": question.kind,
            "prompt": question.prompt.in_language(language),
            "attempt": answer.attempt,
            "answer_seconds": round(answer.seconds, 1),
            "timed_out": answer.timed_out,
        }
        if answer.choice is not None:
            item["choice"] = answer.choice
            item["correct"] = answer.choice == question.correct_option
        recording = recordings.get((answer.index, answer.attempt))
        if recording is not None:
            item["recording"] = {
                "audio_seconds": round(recording.seconds, 2),
                "video_frames": recording.frames,
                "voiced_ratio": round(recording.voiced_ratio, 3),
                "voiced_level_dbfs": round(recording.level_dbfs, 1),
                "method": f"share of 100 ms audio blocks at or above {VOICED_DBFS:g} dBFS; "
                "mean level of those blocks",
            }
        answers.append(item)
    started = datetime.fromtimestamp(state.started_at or 0, tz=timezone.utc)
    return {
        "report_version": 1,
        "session_code": finished.code,
        "candidate": {
            "name": finished.personal.get("name"),
            "profile": finished.personal.get("profile"),
        },
        "position": {"id": position.id, "title": position.title.in_language(language)},
        "language": language,
        "started_at": started.isoformat(),
        "personalisation": finished.personal.get("applied_rules", []),
        "answers": answers,
        "analysis": {
            "status": "not_available",
            "explanation": "On-device speech, voice, video and content analysis is not installed "
            "in this build; no scores were computed. Recording measurements above are exact.",
        },
        "versions": {
            "kiosk": __version__,
            "bank": f"{bank.bank_id}@{bank.version}",
            "rubric": bank.rubric_version,
        },
    }


def render_markdown(report: dict[str, Any]) -> str:
    """A human-readable rendering of :func:`build_report`'s dict."""
    lines = [
        f"# Interview report {report['session_code']}",
        "",
        f"- Candidate: {report['candidate']['name']}",
        f"- Position: {report['position']['title']} (`{report['position']['id']}`)",
        f"- Started: {report['started_at']}  ·  language: {report['language']}",
        f"- Personalisation rules applied: {', '.join(report['personalisation']) or 'none'}",
        "",
        "| # | question | attempt | answer (s) | voiced | level (dBFS) | frames |",
        "|---|---|---|---|---|---|---|",
    ]
    for a in report["answers"]:
        rec = a.get("recording") or {}
        voiced = f"{rec['voiced_ratio']:.0%}" if rec else (f"choice {a.get('choice')}")
        lines.append(
            f"| {a['index']} | {a['prompt']} | {a['attempt']} | {a['answer_seconds']}"
            f"{' (timed out)' if a['timed_out'] else ''} | {voiced} | "
            f"{rec.get('voiced_level_dbfs', '')} | {rec.get('video_frames', '')} |"
        )
    lines += ["", f"**Analysis:** {report['analysis']['explanation']}", ""]
    versions = report["versions"]
    lines.append(
        f"_kiosk {versions['kiosk']} · bank {versions['bank']} · rubric {versions['rubric']}_"
    )
    return "\n".join(lines) + "\n"


def render_receipt(report: dict[str, Any]) -> str:
    """The candidate's printed receipt: no scores, nothing but what they need to follow up."""
    return "\n".join(
        [
            "Interview Kiosk — receipt / 面试回执",
            f"Session code / 面试编号: {report['session_code']}",
            f"Position / 职位: {report['position']['title']}",
            f"Date / 日期: {report['started_at'][:10]}",
            "Next steps: the recruiting team will contact you within 5 working days.",
            "后续：招聘团队将在5个工作日内与您联系。",
            "To see or delete your data, quote the session code. / 查询或删除数据请提供面试编号。",
            "",
        ]
    )


def write_report(report: dict[str, Any], out_dir: Path) -> ReportFiles:
    """Write the report (JSON, Markdown) and the receipt to ``out_dir`` (mode 0600 files)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    code = report["session_code"]
    files = ReportFiles(
        out_dir / f"report-{code}.json",
        out_dir / f"report-{code}.md",
        out_dir / f"receipt-{code}.txt",
    )
    _write_private(files.json_path, json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    _write_private(files.markdown_path, render_markdown(report))
    _write_private(files.receipt_path, render_receipt(report))
    return files


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
