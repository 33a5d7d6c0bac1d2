"""The ``kiosk`` command.

Every failure the product anticipates is a :class:`~kiosk.errors.KioskError`, printed as one line
(exit 2 for bad configuration or input files, 1 otherwise). Anything else is a bug: its
traceback goes to the log file, never to the screen.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from kiosk import __version__, cli_review, cli_tools, cli_vault
from kiosk.app import configure_logging, load_effective_config
from kiosk.bank import load_bank
from kiosk.config import KioskConfig, describe_config
from kiosk.demo import DemoOptions, run_demo
from kiosk.errors import BankError, ConfigError, KioskError
from kiosk.plugins import command_plugins

log = logging.getLogger("kiosk")

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 70, 130


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with help for every option."""
    parser = argparse.ArgumentParser(
        prog="kiosk",
        description="Interview Kiosk: on-site AI interview terminal. Runs structured interviews, "
        "scores them on the device, stores results encrypted and syncs them to the HR ERP.",
        epilog="Configuration comes from --config (or $KIOSK_CONFIG) plus KIOSK_* environment "
        "variables; `kiosk config docs` lists every setting.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--config",
        metavar="FILE",
        type=Path,
        default=os.environ.get("KIOSK_CONFIG") or None,
        help="TOML config file (default: $KIOSK_CONFIG; without either, built-in defaults)",
    )
    commands = parser.add_subparsers(
        dest="command",
        metavar="COMMAND",
        required=True,
        help="what to do (COMMAND --help for more)",
    )

    demo = commands.add_parser(
        "demo",
        help="run a complete headless demo interview of a synthetic candidate",
        description="Run a complete interview of a synthetic candidate headless, through the real "
        "engine, store and recorder, with replay devices playing the shipped sample media. Writes "
        "the report and receipt to --out and prints a summary. Run it again on the same "
        "--data-dir after a kill and it resumes the unfinished session.",
    )
    demo.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        default=Path("demo-output"),
        help="folder for the report and receipt (default: ./demo-output)",
    )
    demo.add_argument(
        "--position",
        metavar="ID",
        default=None,
        help="position to interview for, e.g. customer-manager or swe-intern "
        "(default: the first demo candidate's)",
    )
    demo.add_argument(
        "--candidate-name",
        metavar="NAME",
        default=None,
        help="name of the synthetic candidate (default: the sample's)",
    )
    demo.add_argument(
        "--pace",
        choices=("realtime", "fast"),
        default="fast",
        help="`realtime` plays media at real speed (minutes); `fast` as fast as "
        "possible, with timers on media time (seconds). Default: fast",
    )
    demo.add_argument(
        "--data-dir",
        metavar="DIR",
        type=Path,
        default=None,
        help="where the demo's database and working files live "
        "(default: <data_dir>/demo, apart from real interviews)",
    )
    demo.add_argument(
        "--think-seconds",
        metavar="S",
        type=float,
        default=None,
        help="real seconds the candidate spends on each screen before acting, at "
        "either pace, so stages can be followed (default: 1 at realtime, 0 at fast)",
    )
    demo.add_argument(
        "--retake",
        action="store_true",
        help="have the candidate retake the first question that allows it",
    )

    config = commands.add_parser("config", help="show, check or document the configuration")
    config.add_argument(
        "action",
        choices=("show", "check", "docs"),
        help="`show`: the effective config as JSON; `check`: validate and say so; "
        "`docs`: Markdown documentation of every setting",
    )

    cli_tools.add_commands(commands)
    cli_vault.add_commands(commands)
    cli_review.add_commands(commands)
    for plugin in command_plugins():
        plugin.add_commands(commands)

    bank = commands.add_parser("bank", help="validate a question bank file")
    bank.add_argument("action", choices=("validate",), help="`validate`: check a bank file")
    bank.add_argument("file", type=Path, help="the question-bank JSON file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kiosk`` console script."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "config" and args.action == "docs":
            sys.stdout.write(describe_config())
            return EXIT_OK
        config = load_effective_config(args.config)
        return _run(args, config)
    except (ConfigError, BankError) as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KioskError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("kiosk: interrupted; run the same command again to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:
        log.exception("unexpected error")
        print("kiosk: internal error; the details are in the kiosk log", file=sys.stderr)
        return EXIT_INTERNAL


def _run(args: argparse.Namespace, config: KioskConfig) -> int:
    if args.command == "config":
        if args.action == "check":
            print(f"config OK ({args.config or 'defaults'}); data in {config.data_dir}")
        else:
            print(json.dumps(_jsonable(config), indent=2, ensure_ascii=False))
        return EXIT_OK
    if args.command == "bank":
        bank = load_bank(args.file)
        print(
            f"{args.file}: valid bank {bank.bank_id} version {bank.version} "
            f"({len(bank.positions)} positions, {len(bank.questions)} questions)"
        )
        return EXIT_OK
    if args.command in ("models", "analyze", "score-text"):
        return cli_tools.run(args, config)
    return _run_subcommand(args, config)


def _run_subcommand(args: argparse.Namespace, config: KioskConfig) -> int:
    if args.command in ("purge", "delete", "audit", "users"):
        return cli_vault.run(args, config)
    if args.command == "review":
        return cli_review.run(args, config)
    for plugin in command_plugins():
        if args.command in plugin.names:
            return int(plugin.run(args, config))
    return _demo(args, config)


def _demo(args: argparse.Namespace, config: KioskConfig) -> int:
    options = DemoOptions(
        out_dir=args.out,
        data_dir=args.data_dir or config.data_dir / "demo",
        position_id=args.position,
        candidate_name=args.candidate_name,
        pace=args.pace,
        think_seconds=args.think_seconds,
        retake=args.retake,
    )
    configure_logging(dataclasses.replace(config, data_dir=options.data_dir))
    print(f"demo interview ({options.pace}); data in {options.data_dir}", flush=True)
    result = run_demo(config, options, lambda line: print(line, flush=True))
    if result.report is None:
        if result.resumed_from == "done":
            print(f"that session had finished; its report is in {options.out_dir}")
        else:
            print(f"the session ended ({result.outcome}) without a report")
        return EXIT_OK
    report = result.summary
    print(
        f"\ndone: session {report['session_code']} · {report['position']['title']} · "
        f"{len(report['answers'])} answers"
    )
    for answer in report["answers"]:
        analysis = answer.get("analysis") or {}
        if "choice" in answer:
            detail = (
                f"choice {answer['choice']} ({'correct' if answer.get('correct') else 'wrong'})"
            )
        elif "transcript" in analysis:
            words = len(analysis["transcript"].split())
            detail = f"{words:3d} words, ASR confidence {analysis['asr_confidence']:.2f}"
        else:
            rec = answer.get("recording") or {}
            detail = f"{rec.get('audio_seconds', 0):5.1f} s audio (not analysed)"
        print(f"  {answer['index']}. {answer['kind']:<16} {detail}")
    scored = report.get("result")
    if scored is None:
        print(f"analysis: {report['analysis']['status']}")
    else:
        print(
            f"overall {scored['overall100']}/100 (confidence {scored['confidence']:.2f}); "
            f"policy {scored['policy']['profile']}"
        )
        for c in scored["competencies"]:
            bench = f" — {c['benchmark']['text']}" if c["benchmark"] else ""
            print(f"  {c['name']:<24} {c['score100']:3d}/100{bench}")
        review = "; ".join(scored["review_reasons"]) if scored["needs_review"] else "not required"
        print(f"human review: {review}")
    files = (result.report.html_path, *result.report.extra, result.report.markdown_path)
    print("report:  " + "\n         ".join(str(p) for p in (*files, result.report.json_path)))
    print(f"receipt: {result.report.receipt_path}")
    return EXIT_OK


def _jsonable(value: object) -> object:
    if hasattr(value, "__dataclass_fields__"):
        return {k: _jsonable(getattr(value, k)) for k in value.__dataclass_fields__}
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
