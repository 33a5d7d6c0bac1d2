"""The interview report: what was asked, what was captured, and how it was measured.

Every number in the report says where it comes from. Until on-device analysis is installed the
report carries recording measurements only and says so: it never shows a score it did not compute.
A written report is an export of personal data; only staff actions (or the demo, whose candidate
is synthetic) write one.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk import __version__
from kiosk.analysis import Evidence
from kiosk.bank import QuestionBank
from kiosk.fileio import write_private
from kiosk.plugins import ReportWriter, report_writers
from kiosk.report_html import render_html
from kiosk.scoring.fusion import InterviewScore

if TYPE_CHECKING:  # the runner builds the report at the end of an interview
    from kiosk.interview import FinishedInterview

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReportFiles:
    """Where a report was written."""

    json_path: Path
    markdown_path: Path
    receipt_path: Path
    html_path: Path
    #: Formats written by report-writer plugins (the PDF, when ``ui`` is installed), by name.
    extra: tuple[Path, ...] = ()


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
            }
        record = finished.analyses.get(answer.index)
        if record is not None:
            item["analysis"] = _answer_analysis(record)
        answers.append(item)
    started = datetime.fromtimestamp(state.started_at or 0, tz=timezone.utc)
    report: dict[str, Any] = {
        "report_version": 2,
        "session_code": finished.code,
        "candidate": {
            "name": finished.personal.get("name"),
            "profile": finished.personal.get("profile"),
            # The ERP's candidate id and the HR system's own ids from the invitation (e.g. the
            # Feishu external interview), so a result can be filed where it belongs.
            "ref": finished.personal.get("candidate_ref"),
            "external": finished.personal.get("external", {}),
        },
        "position": {"id": position.id, "title": position.title.in_language(language)},
        "language": language,
        "started_at": started.isoformat(),
        "personalisation": finished.personal.get("applied_rules", []),
        "answers": answers,
        "versions": {
            "kiosk": __version__,
            "bank": f"{bank.bank_id}@{bank.version}",
            "rubric": bank.rubric_version,
            "models": sorted(
                {m for a in answers for m in a.get("analysis", {}).get("models", {}).values()}
            ),
        },
    }
    if finished.score is None:
        report["analysis"] = {
            "status": "not_available",
            "explanation": "On-device analysis is switched off on this terminal; no scores were "
            "computed.",
        }
    else:
        report["analysis"] = {"status": "scored"}
        report["result"] = _result(finished.score, bank, language)
    return report


def _answer_analysis(record: dict[str, Any]) -> dict[str, Any]:
    if "error" in record:
        return {"error": record["error"]}
    transcript = record["transcript"]
    return {
        "transcript": transcript["text"],
        "asr_confidence": round(transcript["mean_word_probability"], 3),
        "asr_low_confidence": transcript["low_confidence"],
        "words": transcript["words"],
        "speech_segments": record.get("speech", []),
        "voice": record.get("voice", {}),
        "video": record.get("video", {}),
        "voice_timeline": record.get("voice_timeline", []),
        "video_timeline": record.get("video_timeline", []),
        "models": record.get("models", {}),
        # Analysed live while recorded, or from the files afterwards (and frames dropped).
        "pipeline": record.get("pipeline", {}),
    }


def _evidence(e: Evidence) -> dict[str, Any]:
    return {"kind": e.kind, "quote": e.quote, "start": e.start, "end": e.end, "detail": e.detail}


def _result(score: InterviewScore, bank: QuestionBank, language: str) -> dict[str, Any]:
    competencies = []
    for c in score.competencies:
        name = bank.competency(c.competency_id).name.in_language(language)
        competencies.append(
            {
                "id": c.competency_id,
                "name": name,
                "weight": c.weight,
                "assessed": c.assessed,
                "level": c.content_level,
                "score10": c.score10,
                "score100": c.score100,
                "confidence": c.confidence,
                "benchmark": None
                if c.benchmark is None
                else {
                    "mean": c.benchmark.mean,
                    "sd": c.benchmark.sd,
                    "delta": round(c.benchmark.delta, 1),
                    "z": round(c.benchmark.z, 2),
                    "text": c.benchmark.describe(name, c.score100),
                },
                "contributions": [
                    {
                        "family": p.family.value,
                        "question_id": p.question_id,
                        "value": round(p.value, 3),
                        "weight": round(p.weight, 3),
                        "counted": p.counted,
                        "explanation": p.explanation,
                        "evidence": [_evidence(e) for e in p.evidence],
                    }
                    for p in c.contributions
                ],
            }
        )
    return {
        "overall100": score.overall100,
        "overall10": round(score.overall * 10, 1),
        "confidence": round(score.confidence, 3),
        "needs_review": score.needs_review,
        "review_reasons": list(score.review_reasons),
        "flags": [f.to_json() for f in score.flags],
        "competencies": competencies,
        "policy": score.policy.to_json(),
        "suggested_probes": [{"question_id": q, "zh": zh, "en": en} for q, zh, en in score.probes],
        "method": "Per competency: rubric levels (1 absent, 2 partly, 3 fully present) weighted by "
        "match confidence, mapped to 0-100; delivery signals carry the share the bank allows when "
        "the policy admits them. Overall: the position's weighted mean. The AI never rejects: a "
        "person decides.",
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
    ]
    lines += _markdown_review(report.get("review"))
    result = report.get("result")
    if result is None:
        lines += [f"**Analysis:** {report['analysis']['explanation']}", ""]
    else:
        review = "yes — " + "; ".join(result["review_reasons"]) if result["needs_review"] else "no"
        lines += [
            f"## Overall {result['overall100']}/100 (confidence {result['confidence']:.2f})",
            "",
            f"Human review required: {review}",
            f"Policy: {result['policy']['profile']} — counts "
            f"{', '.join(result['policy']['counted'])}",
            "",
            "| competency | weight | level | score | confidence | against the position |",
            "|---|---|---|---|---|---|",
        ]
        for c in result["competencies"]:
            bench = c["benchmark"]["text"] if c["benchmark"] else ""
            level = "" if c["level"] is None else f"{c['level']:.2f}"
            lines.append(
                f"| {c['name']} | {c['weight']:.0%} | {level} | {c['score100']} | "
                f"{c['confidence']:.2f} | {bench} |"
            )
        lines.append("")
        for c in result["competencies"]:
            lines.append(f"### {c['name']}: {c['score100']}/100")
            for p in c["contributions"]:
                mark = "" if p["counted"] else " (not counted)"
                lines.append(f"- {p['family']}{mark}, weight {p['weight']:.2f}: {p['explanation']}")
                lines.extend(
                    f"  - “{e['quote']}”"
                    + (f" ({e['start']:.1f}–{e['end']:.1f} s)" if e["start"] is not None else "")
                    for e in p["evidence"][:4]
                )
            lines.append("")
        if result["flags"]:
            lines.append("## Flags")
            lines.extend(
                f"- **{f['code']}** ({f['question_id']}): {f['detail']}" for f in result["flags"]
            )
            lines.append("")
        if result["suggested_probes"]:
            lines.append("## Suggested follow-up probes for the next round")
            lines.extend(
                f"- ({p['question_id']}) {p['en']} / {p['zh']}" for p in result["suggested_probes"]
            )
            lines.append("")
    lines += ["## Answers", ""]
    for a in report["answers"]:
        lines.append(
            f"**{a['index']}. {a['prompt']}** (attempt {a['attempt']}, {a['answer_seconds']} s"
            f"{', timed out' if a['timed_out'] else ''})"
        )
        analysis = a.get("analysis")
        if "choice" in a:
            lines.append(
                f"> chose option {a['choice']} ({'correct' if a.get('correct') else 'incorrect'})"
            )
        elif analysis and "transcript" in analysis:
            lines.append(f"> {analysis['transcript'] or '(no speech recognised)'}")
        lines.append("")
    versions = report["versions"]
    lines.append(
        f"_kiosk {versions['kiosk']} · bank {versions['bank']} · rubric {versions['rubric']}"
        f" · models {', '.join(versions['models']) or 'none'}_"
    )
    return "\n".join(lines) + "\n"


def _markdown_review(review: dict[str, Any] | None) -> list[str]:
    """The reviewers' decision and overrides (an exported report's ``review``), if any."""
    if not review:
        return []
    lines = ["## Review", ""]
    decision = review.get("decision")
    if decision is not None:
        note = f" — {decision['note']}" if decision["note"] else ""
        lines.append(
            f"- Decision: **{decision['status']}**{note} ({decision['by']}, {decision['at']})"
        )
    for o in review.get("overrides", []):
        computed = "" if o["computed"] is None else f"{o['computed']} → "
        lines.append(
            f"- {o['name']}: {computed}{o['score']}/100 overridden: {o['reason']} "
            f"({o['by']}, {o['at']})"
        )
    lines.append("")
    return lines


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


def write_report(
    report: dict[str, Any], out_dir: Path, writers: Mapping[str, ReportWriter] | None = None
) -> ReportFiles:
    """Write the report (JSON, Markdown, HTML, plugin formats) and the receipt to ``out_dir``.

    Every file is mode 0600. ``writers`` are the extra formats by file suffix; by default the
    installed :data:`kiosk.plugins.REPORT_WRITERS` (the PDF).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    code = report["session_code"]
    html = render_html(report)
    files = ReportFiles(
        out_dir / f"report-{code}.json",
        out_dir / f"report-{code}.md",
        out_dir / f"receipt-{code}.txt",
        out_dir / f"report-{code}.html",
    )
    _write_private(files.json_path, json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    _write_private(files.markdown_path, render_markdown(report))
    _write_private(files.receipt_path, render_receipt(report))
    _write_private(files.html_path, html)
    extra = []
    for name, writer in sorted((report_writers() if writers is None else writers).items()):
        path = out_dir / f"report-{code}.{name}"
        try:
            writer(report, html, path)
            os.chmod(path, 0o600)  # personal data, whatever mode the plugin created it with
        except Exception as error:
            # A plugin boundary: a failing extra format (no fonts, a Qt problem, a bug) must not
            # cost the report the formats already written, nor the receipt the candidate awaits.
            log.warning(
                "the %s report could not be written (%s: %s)", name, type(error).__name__, error
            )
            path.unlink(missing_ok=True)  # no half-written copy of personal data
        else:
            extra.append(path)
    return replace(files, extra=tuple(extra))


def _write_private(path: Path, text: str) -> None:
    write_private(path, text.encode("utf-8"))
