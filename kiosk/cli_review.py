"""``kiosk review``: a recruiter reads, decides on and exports a finished session from a shell.

The same :class:`~kiosk.review.ReviewDesk` as the recruiter screens: the recruiter logs in with
PIN and second factor (that unlocks the review key), every action is role-checked and audited,
and the login ends with the command.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from pathlib import Path
from typing import Any

from kiosk.app import load_configured_bank, open_store
from kiosk.config import KioskConfig
from kiosk.errors import ErrorKind, VaultError
from kiosk.review import DECISIONS, ReviewDesk, ReviewedReport
from kiosk.store import SessionRow, SessionStore
from kiosk.vault.accounts import Accounts


def add_commands(commands: Any) -> None:
    """Add ``kiosk review`` to the ``kiosk`` parser."""
    review = commands.add_parser(
        "review",
        help="a recruiter's review of a finished session: show, decide, override, export",
        description="Log in as a recruiter or department head (PIN, then a TOTP code or badge "
        "token) and act on one finished session. Every action is checked against your role "
        "and recorded in the audit log.",
    )
    actions = review.add_subparsers(dest="review_action", metavar="ACTION", required=True)
    parsers = {
        "show": actions.add_parser("show", help="the scores and the decision so far"),
        "decide": actions.add_parser("decide", help="advance, hold or reject the candidate"),
        "override": actions.add_parser("override", help="replace one competency's score"),
        "export": actions.add_parser("export", help="write the report files (HTML, PDF, JSON)"),
    }
    for parser in parsers.values():
        parser.add_argument("--session", required=True, metavar="CODE", help="the session code")
        parser.add_argument("--user", required=True, help="your staff user id")
        parser.add_argument(
            "--credentials-stdin",
            action="store_true",
            help="read the PIN and the second factor from standard input, one per line",
        )
    parsers["decide"].add_argument("--status", required=True, choices=DECISIONS)
    parsers["decide"].add_argument("--note", default="", help="kept sealed with the decision")
    parsers["override"].add_argument("--competency", required=True, metavar="ID")
    parsers["override"].add_argument("--score", required=True, type=int, metavar="0-100")
    parsers["override"].add_argument("--reason", required=True, help="why (kept sealed)")
    parsers["export"].add_argument("--out", type=Path, default=Path("review-output"))


def run(args: argparse.Namespace, config: KioskConfig) -> int:
    """Run ``kiosk review``; returns the exit code."""
    store = open_store(config)
    try:
        accounts = Accounts(store, store.keyring, config.data_dir / "keys", time.time)
        pin, factor = _credentials(args.credentials_stdin)
        who = accounts.login(args.user, pin, factor)
        try:
            bank = load_configured_bank(config)
            desk = ReviewDesk(store, lambda: bank, time.time)
            row = _session(store, args.session)
            if args.review_action == "show":
                _show(desk.open(who, row.session_id))
            elif args.review_action == "decide":
                desk.decide(who, row.session_id, args.status, args.note)
                print(f"session {row.code}: {args.status}")
            elif args.review_action == "override":
                desk.override(who, row.session_id, args.competency, args.score, args.reason)
                print(f"session {row.code}: {args.competency} set to {args.score}")
            else:
                files = desk.export(who, row.session_id, args.out)
                for path in (files.html_path, *files.extra, files.json_path):
                    print(path)
        finally:
            accounts.logout()
    finally:
        store.close()
    return 0


def _session(store: SessionStore, code: str) -> SessionRow:
    row = store.session_by_code(code)
    if row is None:
        raise VaultError(f"no session with code {code.upper()}", kind=ErrorKind.INVALID_INPUT)
    return row


def _show(reviewed: ReviewedReport) -> None:
    report, row = reviewed.report, reviewed.session
    result = report.get("result")
    print(f"session {row.code} · {report['position']['title']} · {row.outcome}")
    if result is None:
        print("  no scores: on-device analysis was off for this interview")
    else:
        print(f"  overall {result['overall100']}/100 (confidence {result['confidence']})")
        for competency in result["competencies"]:
            override = reviewed.overrides.get(competency["id"])
            note = f"  (overridden to {override['score']} by {override['by']})" if override else ""
            print(f"  {competency['id']:<28} {competency['score100']:>3}/100{note}")
    print(f"  decision: {reviewed.status or 'none yet'}")


def _credentials(from_stdin: bool) -> tuple[str, str]:
    """The PIN (never echoed) and the TOTP code or badge token."""
    if from_stdin:
        lines = [sys.stdin.readline().rstrip("\r\n") for _ in range(2)]
        if not all(lines):
            raise VaultError(
                "give the PIN and the second factor on standard input, one per line",
                kind=ErrorKind.INVALID_INPUT,
            )
        return lines[0], lines[1]
    try:
        return getpass.getpass("PIN: "), input("authenticator code or badge token: ").strip()
    except EOFError:
        raise VaultError("no credentials typed", kind=ErrorKind.INVALID_INPUT) from None
