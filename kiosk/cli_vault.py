"""``kiosk purge``, ``delete``, ``audit verify`` and ``users``: the vault's commands for IT staff.

They act on the terminal's own data directory and are audited (the actor is ``local-admin``:
whoever has a shell on the terminal). Deletion is crypto-shredding; see
:mod:`kiosk.retention`. Accounts: :mod:`kiosk.vault.accounts`.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from typing import Any

from kiosk import retention
from kiosk.app import open_store
from kiosk.config import KioskConfig
from kiosk.errors import ErrorKind, VaultError
from kiosk.store import SessionStore
from kiosk.vault import audit
from kiosk.vault.accounts import Accounts
from kiosk.vault.roles import Role

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
        help="delete on request: one session (the code on the candidate's receipt) or every "
        "session of a candidate",
        description="Crypto-shreds sessions: their data keys first, then their records and "
        "media; leaves a tombstone for the HR server.",
    )
    which = delete.add_mutually_exclusive_group(required=True)
    which.add_argument("--session", metavar="CODE", help="the receipt's code")
    which.add_argument(
        "--candidate", metavar="REF", help="the ERP's candidate reference (invited candidates)"
    )
    delete.add_argument(
        "--reason",
        default="candidate request",
        choices=retention.REASONS,
        help="recorded in the audit log and the tombstone (default: candidate request)",
    )
    verify = commands.add_parser("audit", help="check the audit log's hash chain")
    verify.add_argument("action", choices=("verify",), help="`verify`: check the chain")
    verify.add_argument(
        "--head",
        metavar="SEQ:HASH",
        help="an entry known elsewhere (the HR server's last receipt) that must be in the chain",
    )
    _add_users_command(commands)


def _add_users_command(commands: Any) -> None:
    users = commands.add_parser("users", help="staff accounts: add, list, unlock, remove, pin")
    actions = users.add_subparsers(dest="users_action", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add",
        help="add a staff account (local-only mode; otherwise accounts come from the ERP)",
        description="Adds an account with a PIN (asked twice) and prints, once, the TOTP "
        "setup URI for an authenticator app and a badge token to print as a QR code; neither "
        "is stored in the clear. The first recruiter or department head creates the "
        "terminal's review key; later ones need an existing recruiter's PIN to copy it.",
    )
    add.add_argument("user", metavar="USER", help="user id: 3-32 of a-z, 0-9, '.', '_', '-'")
    add.add_argument("--role", required=True, choices=[role.value for role in Role])
    add.add_argument(
        "--department",
        action="append",
        default=[],
        metavar="D",
        help="a department whose positions a department head may see (repeat for more)",
    )
    add.add_argument(
        "--existing-recruiter",
        metavar="USER",
        help="a recruiter or department head whose PIN unlocks the review key, to copy it for "
        "the new account (their PIN is asked for, or read from standard input after the new PIN)",
    )
    add.add_argument(
        "--pin-stdin",
        action="store_true",
        help="read the PIN (then the existing recruiter's) from standard input, one per line, "
        "instead of asking: for scripted provisioning",
    )
    actions.add_parser("list", help="list the accounts and whether they are locked")
    unlock = actions.add_parser("unlock", help="lift a lock after too many failed logins")
    unlock.add_argument("user", metavar="USER")
    remove = actions.add_parser(
        "remove",
        help="remove a local account (someone who left): their PIN opens nothing any more",
    )
    remove.add_argument("user", metavar="USER")
    pin = actions.add_parser(
        "pin",
        help="change a staff member's PIN (they type the current one, a code and the new one)",
    )
    pin.add_argument("user", metavar="USER")
    pin.add_argument(
        "--pin-stdin",
        action="store_true",
        help="read the current PIN, the authenticator code or badge token, and the new PIN "
        "from standard input, one per line",
    )


def run(args: argparse.Namespace, config: KioskConfig) -> int:
    """Run one of this module's commands; returns the exit code."""
    store = open_store(config)
    try:
        if args.command == "purge":
            return _purge(store, config, dry_run=args.dry_run)
        if args.command == "delete":
            if args.candidate is not None:
                return _delete_candidate(store, config, args.candidate, args.reason)
            return _delete(store, config, args.session, args.reason)
        if args.command == "users":
            # The same keys folder open_store loaded the store's keyring from.
            accounts = Accounts(store, store.keyring, config.data_dir / "keys", time.time)
            return _users(accounts, args)
        return _verify(store, args.head)
    finally:
        store.close()


def _purge(store: SessionStore, config: KioskConfig, *, dry_run: bool) -> int:
    now = time.time()
    if dry_run:
        expired = retention.expired_sessions(store, config.retention_days, now)
        print(f"{len(expired)} session(s) older than {config.retention_days} days would be deleted")
        return 0
    count = retention.purge(
        store, config.retention_days, now, actor=LOCAL_ADMIN, media_root=config.media_dir
    )
    print(f"deleted {count} session(s) older than {config.retention_days} days")
    return 0


def _delete(store: SessionStore, config: KioskConfig, code: str, reason: str) -> int:
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
    retention.delete_session(
        store,
        row.session_id,
        actor=LOCAL_ADMIN,
        reason=reason,
        now=time.time(),
        media_root=config.media_dir,
    )
    print(f"deleted session {row.code}: its keys and records are gone; a tombstone remains")
    return 0


def _delete_candidate(store: SessionStore, config: KioskConfig, ref: str, reason: str) -> int:
    still_open = store.open_session_ids() & set(store.sessions_of_candidate(ref))
    if still_open:
        raise VaultError(
            "that candidate's interview is still in progress; end it on the terminal first",
            kind=ErrorKind.INVALID_INPUT,
        )
    count = retention.delete_candidate(
        store, ref, actor=LOCAL_ADMIN, reason=reason, now=time.time(), media_root=config.media_dir
    )
    # The reference itself is not echoed: it identifies a person.
    print(f"deleted {count} session(s) of that candidate; tombstones remain")
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


def _users(accounts: Accounts, args: argparse.Namespace) -> int:
    if args.users_action == "list":
        print(f"{'USER':<32}  {'ROLE':<15}  {'LOCKED':<6}  DEPARTMENTS")
        for user in accounts.users():
            locked = "yes" if user.locked else "no"
            departments = ", ".join(user.departments) or "-"
            print(f"{user.user_id:<32}  {user.role.value:<15}  {locked:<6}  {departments}")
        return 0
    if args.users_action == "unlock":
        accounts.unlock(args.user, actor=LOCAL_ADMIN)
        print(f"unlocked {args.user}: its failed logins are forgotten")
        return 0
    if args.users_action == "remove":
        accounts.remove(args.user, actor=LOCAL_ADMIN)
        print(f"removed {args.user}: the account and its copy of the review key are gone")
        return 0
    if args.users_action == "pin":
        current = _read_pin(f"current PIN of {args.user}: ", from_stdin=args.pin_stdin)
        factor = _read_pin("authenticator code or badge token: ", from_stdin=args.pin_stdin)
        new = _read_pin("new PIN: ", from_stdin=args.pin_stdin, confirm=True)
        accounts.change_pin(args.user, current, factor, new)
        print(f"changed the PIN of {args.user}")
        return 0
    pin = _read_pin(f"PIN for {args.user}: ", from_stdin=args.pin_stdin, confirm=True)
    existing_pin = None
    if args.existing_recruiter:
        prompt = f"PIN of {args.existing_recruiter}: "
        existing_pin = _read_pin(prompt, from_stdin=args.pin_stdin, confirm=False)
    added = accounts.add_user(
        args.user,
        Role(args.role),
        pin,
        args.department,
        actor=LOCAL_ADMIN,
        existing_recruiter=args.existing_recruiter,
        existing_pin=existing_pin,
    )
    print(f"added {added.user_id} ({added.role.value})")
    print("shown this once only (the kiosk keeps neither in the clear):")
    print(f"  authenticator app (show as a QR code or type in): {added.provisioning_uri}")
    print(f"  badge token (print as the badge's QR code):       {added.badge_token}")
    if added.created_review_key:
        print(
            f"created the review key {added.created_review_key}: sessions started from now on "
            "can be read here after a recruiter logs in; earlier ones stay device-only"
        )
    return 0


def _read_pin(prompt: str, *, from_stdin: bool, confirm: bool = False) -> str:
    """A PIN from standard input (one line) or typed twice without echo; never printed."""
    if from_stdin:
        line = sys.stdin.readline()
        if not line.strip():
            raise VaultError("no PIN on standard input", kind=ErrorKind.INVALID_INPUT)
        return line.rstrip("\r\n")
    try:
        pin = getpass.getpass(prompt)
        if confirm and getpass.getpass("the same PIN again: ") != pin:
            raise VaultError(
                "the two PINs differ; nothing was changed", kind=ErrorKind.INVALID_INPUT
            )
    except EOFError:
        raise VaultError(
            "no PIN typed; nothing was changed", kind=ErrorKind.INVALID_INPUT
        ) from None
    return pin
