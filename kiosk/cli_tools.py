"""Staff commands beside the interview: model management and single-answer scoring.

``kiosk models list|verify|install`` are for IT staff provisioning terminals;
``kiosk analyze`` and ``kiosk score-text`` let HR calibrate a bank by scoring one answer with
exactly the code path an interview uses, and see the evidence behind every number.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from kiosk.analysis import TimedText, analyze_content
from kiosk.app import load_configured_bank, model_registry
from kiosk.bank import QuestionBank, load_bank
from kiosk.config import KioskConfig
from kiosk.errors import ModelError
from kiosk.pipeline import AnalysisJob, AnswerAnalyzer, signals_from_record
from kiosk.scoring.fusion import AnswerSignals, CompetencyScore, score_answer
from kiosk.scoring.integrity import AnswerObservations, IntegrityFlag
from kiosk.scoring.policy import policy_for


def add_commands(commands: Any) -> None:
    """Register the subcommands on the main parser's subparsers."""
    models = commands.add_parser(
        "models",
        help="list, verify or install on-device models",
        description="Manage the on-device models (speech, voice activity).",
    )
    models.add_argument(
        "action",
        choices=("list", "verify", "install"),
        help="`list`: installed and built-in models; `verify`: check every file's "
        "SHA-256; `install`: add a model bundle (directory or archive)",
    )
    models.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=None,
        help="with `install`: the bundle directory or .tar.gz/.zip archive",
    )

    for name, what in (
        ("analyze", "an audio (and video) recording"),
        ("score-text", "a typed answer"),
    ):
        tool = commands.add_parser(
            name,
            help=f"score {what} of one question, with its evidence",
            description=f"Score {what} against one question of a bank with the same analysis "
            "and scoring an interview uses; prints every score with its evidence.",
        )
        tool.add_argument(
            "--bank",
            type=Path,
            default=None,
            metavar="PATH",
            help="question-bank JSON (default: the configured bank)",
        )
        tool.add_argument("--question", required=True, metavar="ID", help="the question's id")
        tool.add_argument(
            "--lang", choices=("en", "zh"), default="en", help="the answer's language (default: en)"
        )
        tool.add_argument(
            "--policy",
            choices=("standard", "eu", "cn", "strict"),
            default=None,
            help="scoring policy profile (default: the configured one)",
        )
        tool.add_argument(
            "--face-consent",
            action="store_true",
            help="under `cn`, the candidate consented to face analysis",
        )
        tool.add_argument("--json", action="store_true", help="print JSON instead of text")
        if name == "analyze":
            tool.add_argument(
                "--audio",
                required=True,
                type=Path,
                metavar="FILE",
                help="the answer's audio (WAV, Ogg/Opus, FLAC)",
            )
            tool.add_argument(
                "--video",
                type=Path,
                default=None,
                metavar="FILE",
                help="the answer's video (optional)",
            )
        else:
            tool.add_argument("--text", required=True, help="the answer's text")


def run(args: argparse.Namespace, config: KioskConfig) -> int:
    """Run one of this module's commands; returns the exit code."""
    if args.command == "models":
        return _models(args, config)
    bank = load_bank(args.bank) if args.bank else load_configured_bank(config)
    question = bank.question(args.question)
    if args.command == "analyze":
        analyzer = AnswerAnalyzer(
            model_registry(config),
            asr_threads=config.analysis.asr_threads,
            vision_fps=config.analysis.vision_fps,
        )
        job = AnalysisJob("cli", 0, 1, question.id, args.lang, args.audio, args.video)
        record = analyzer.analyze(job)
        signals = signals_from_record(
            0, question, record, seconds=record["seconds"], language=args.lang
        )
    else:
        content = analyze_content(question, None, TimedText.from_plain(args.text, args.lang))
        obs = AnswerObservations(question.id, args.lang, 0.0, word_count=content.word_count)
        signals = AnswerSignals(
            0, question.id, args.lang, obs, content=content, transcript=args.text
        )
        record = None
    policy = policy_for(args.policy or config.policy_profile, face_consent=args.face_consent)
    scores, flags = score_answer(
        bank, signals, policy, min_asr_confidence=config.analysis.min_asr_confidence
    )
    summary = answer_summary(
        bank, signals, scores=scores, flags=flags, language=args.lang, record=record
    )
    summary["policy"] = policy.to_json()
    print(json.dumps(summary, ensure_ascii=False, indent=2) if args.json else _text(summary))
    return 0


def answer_summary(
    bank: QuestionBank,
    signals: AnswerSignals,
    *,
    scores: tuple[CompetencyScore, ...],
    flags: tuple[IntegrityFlag, ...],
    language: str,
    record: dict[str, Any] | None,
) -> dict[str, Any]:
    """What one answer scored, and why."""
    content = signals.content
    summary: dict[str, Any] = {
        "question_id": signals.question_id,
        "transcript": signals.transcript,
        "competencies": [
            {
                "id": s.competency_id,
                "name": bank.competency(s.competency_id).name.in_language(language),
                "level": s.content_level,
                "score10": s.score10,
                "score100": s.score100,
                "confidence": s.confidence,
                "why": [
                    {
                        "family": p.family.value,
                        "counted": p.counted,
                        "weight": round(p.weight, 3),
                        "explanation": p.explanation,
                        "evidence": [
                            {"quote": e.quote, "start": e.start, "end": e.end} for e in p.evidence
                        ],
                    }
                    for p in s.contributions
                ],
            }
            for s in scores
        ],
        "flags": [f.to_json() for f in flags],
    }
    if content is not None:
        summary["content"] = {
            "strength": round(content.strength, 3),
            "star": {k.value: [e.quote for e in v] for k, v in content.star.items()},
            "specificity": round(content.specificity.value, 3),
            "ownership": round(content.ownership.value, 3),
            "relevance": round(content.relevance.value, 3),
            "generic_claims": [e.quote for e in content.generic_claims],
            "flags": list(content.flags),
            "suggested_probes": [p.in_language(language) for p in content.suggested_probes],
        }
    if record is not None:
        summary["voice"] = record.get("voice", {})
        summary["video"] = record.get("video", {})
        summary["models"] = record.get("models", {})
    return summary


def _text(summary: dict[str, Any]) -> str:
    lines = [f"question {summary['question_id']}"]
    if summary["transcript"]:
        lines.append(f"transcript: {summary['transcript']}")
    for c in summary["competencies"]:
        level = "not assessed" if c["level"] is None else f"level {c['level']:.2f}"
        lines.append(
            f"{c['name']}: {c['score100']}/100 ({level}, confidence {c['confidence']:.2f})"
        )
        for part in c["why"]:
            mark = "" if part["counted"] else " [not counted]"
            lines.append(f"  {part['family']}{mark} ×{part['weight']:.2f}: {part['explanation']}")
            lines.extend(f"    “{e['quote']}”" for e in part["evidence"][:4])
    content = summary.get("content")
    if content:
        lines.append(
            f"content strength {content['strength']:.2f}; flags: "
            f"{', '.join(content['flags']) or 'none'}"
        )
        lines.extend(f"  probe: {p}" for p in content["suggested_probes"])
    lines.extend(f"FLAG {f['code']}: {f['detail']}" for f in summary["flags"])
    return "\n".join(lines)


def _models(args: argparse.Namespace, config: KioskConfig) -> int:
    registry = model_registry(config)
    if args.action == "install":
        if args.path is None:
            raise ModelError("`kiosk models install` needs the bundle's PATH")
        info = registry.install(args.path)
        print(f"installed {info.label} ({', '.join(info.languages)}) in {info.path}")
        return 0
    if args.action == "list":
        for info in registry.models():
            origin = "built-in" if info.builtin else str(info.path)
            print(f"{info.label:<32} {info.kind:<11} {','.join(info.languages) or '-':<8} {origin}")
        return 0
    failed = 0
    for result in registry.verify():
        status = "OK" if result.ok else "FAILED: " + "; ".join(result.problems)
        print(f"{result.name:<32} {status}")
        failed += not result.ok
    return 1 if failed else 0
