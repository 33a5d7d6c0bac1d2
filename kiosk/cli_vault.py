"""``kiosk purge``, ``kiosk delete`` and ``kiosk audit verify``: the vault's commands for IT staff.

They act on the terminal's own data directory and are audited (the actor is ``local-admin``:
whoever has a shell on the terminal). Deletion is crypto-shredding; see
:meth:`kiosk.store.SessionStore.delete_session`.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from kiosk.app import open_store
from kiosk.config import KioskConfig
from kiosk.errors import ErrorKind, VaultError
from kiosk.store import SessionStore
from kiosk.vault import audit

LOCAL_ADMIN = "local-admin"


def add_commands(commands: Any) -> None:
    """Add this module's subcommands to the ``kiosk`` parser."""
    purge = commands.add_parser(
        "purge",
        help="delete every session older than the retention period",
        description="Crypto-shreds every closed session older than `retention_days` (config), "
        "and finishes any deletion a crash interrupted. Each deletion leaves a tombstone "
        "without personal data, which sync carries to the HR server.",
    )
    purge.add_argument("--dry-run", action="store_true", help="only say what would be deleted")
    delete = commands.add_parser(
        "delete",
        help="delete one session on request (the code on the candidate's receipt)",
        description="Crypto-shreds one session: its data keys first, then its records; "
        "leaves a tombstone for the HR server.",
    )
    delete.add_argument("--session", required=True, metavar="CODE", help="the receipt's code")
    delete.add_argument("--reason", default="candidate request", help="recorded in the audit log")
    verify = commands.add_parser("audit", help="check the audit log's hash chain")
    verify.add_argument("action", choices=("verify",), help="`verify`: check the chain")
    verify.add_argument(
        "--head",
        metavar="SEQ:HASH",
        help="an entry known elsewhere (the HR server's last receipt) that must be in the chain",
    )


def run(args: argparse.Namespace, config: KioskConfig) -> int:
    """Run one of this module's commands; returns the exit code."""
    store = open_store(config)
    try:
        if args.command == "purge":
            return _purge(store, config, dry_run=args.dry_run)
        if args.command == "delete":
            return _delete(store, args.session, args.reason)
        return _verify(store, args.head)
    finally:
        store.close()


def _purge(store: SessionStore, config: KioskConfig, *, dry_run: bool) -> int:
    now = time.time()
    if dry_run:
        expired = store.expired_sessions(config.retention_days, now)
        print(f"{len(expired)} session(s) older than {config.retention_days} days would be deleted")
        return 0
    count = store.purge(config.retention_days, now, actor=LOCAL_ADMIN)
    print(f"deleted {count} session(s) older than {config.retention_days} days")
    return 0


def _delete(store: SessionStore, code: str, reason: str) -> int:
    row = store.session_by_code(code)
    if row is None:
        raise VaultError(
            f"no session with code {code.upper()} (already deleted, or a typo)",
            kind=ErrorKind.INVALID_INPUT,
        )
    if row.closed_at is None:
        raise VaultError(
            f"session {row.code} is still in progress; end it on the terminal first",
            kind=ErrorKind.INVALID_INPUT,
        )
    store.delete_session(row.session_id, actor=LOCAL_ADMIN, reason=reason, now=time.time())
    print(f"deleted session {row.code}: its keys and records are gone; a tombstone remains")
    return 0


def _verify(store: SessionStore, head_text: str | None) -> int:
    head = None
    if head_text:
        seq, _, digest = head_text.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            raise VaultError("--head must be SEQ:HASH (as printed by this command)")
        head = (int(seq), digest)
    entries = store.audit_entries()
    problems = audit.verify(entries, head=head)
    if problems:
        for problem in problems:
            print(f"entry {problem.seq}: {problem.problem}")
        print(f"audit log BROKEN: {len(problems)} problem(s) in {len(entries)} entries")
        return 1
    last = f"{entries[-1][0]}:{entries[-1][7]}" if entries else "0:" + audit.GENESIS
    print(f"audit log intact: {len(entries)} entries; head {last}")
    return 0
