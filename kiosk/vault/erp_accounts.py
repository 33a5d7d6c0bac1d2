"""Staff accounts from the HR ERP (the ``accounts`` bundle), applied to the local accounts table.

The ERP is the source of truth for its accounts: each pull adds new ones, updates role,
departments and credentials of known ones, and disables the ones it no longer lists (their
failed-login state is kept, so a lockout cannot be reset by a re-listing). Accounts created on
the terminal (``kiosk users add``, local-only mode) are never touched by a bundle.

Credentials arrive already hashed or sealed: an argon2id PHC string for the PIN, the TOTP
secret (sealed under the device key here, as for local accounts) or a badge token's SHA-256,
and optionally the terminal's review private key sealed under a key derived from the PIN (the
ERP makes that copy when the PIN is set), which a login then opens exactly like a local copy.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kiosk.errors import ErrorKind, VaultError
from kiosk.store import SessionStore
from kiosk.vault import totp

# The account module's own sealing and hashing, so ERP and local accounts are stored alike.
from kiosk.vault.accounts import _USER_ID, _aad, _departments, _seal
from kiosk.vault.passwords import Argon2Params
from kiosk.vault.roles import Role

_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class ErpAccount:
    """One validated entry of an accounts bundle."""

    user_id: str
    role: Role
    departments: tuple[str, ...]
    pin_hash: str
    totp_secret: bytes | None
    badge_hash: str | None
    review_copy: tuple[bytes, str, bytes] | None  # salt, kdf params (PHC), sealed private key


@dataclass(frozen=True, slots=True)
class AccountsApplied:
    """What applying a bundle changed."""

    added: int
    updated: int
    disabled: int
    skipped_local: int  # ids the ERP listed that belong to local accounts


def parse_accounts(entries: Sequence[Mapping[str, Any]]) -> list[ErpAccount]:
    """Validate every entry; VaultError (``INVALID_INPUT``) naming the first bad one."""
    accounts, seen = [], set()
    for index, entry in enumerate(entries):
        try:
            account = _parse(entry)
        except (VaultError, ValueError, KeyError, TypeError) as exc:
            raise VaultError(f"accounts[{index}]: {exc}", kind=ErrorKind.INVALID_INPUT) from None
        if account.user_id in seen:
            raise VaultError(f"accounts[{index}]: {account.user_id} listed twice")
        seen.add(account.user_id)
        accounts.append(account)
    return accounts


def _parse(entry: Mapping[str, Any]) -> ErpAccount:
    user_id = str(entry["userId"])
    if not _USER_ID.fullmatch(user_id):
        raise ValueError("userId must be 3-32 of a-z, 0-9, '.', '_', '-'")
    role = Role(str(entry["role"]))
    departments = tuple(_departments(role, [str(d) for d in entry.get("departments", [])]))
    pin_hash = str(entry["pinHash"])
    if not pin_hash.startswith("$argon2id$"):
        raise ValueError("pinHash must be an argon2id PHC string")
    secret = entry.get("totpSecret")
    badge = entry.get("badgeHash")
    if secret is None and badge is None:
        raise ValueError("a second factor is needed: totpSecret or badgeHash")
    if badge is not None and not _HEX64.fullmatch(str(badge)):
        raise ValueError("badgeHash must be 64 lowercase hex digits (SHA-256)")
    copy = entry.get("reviewKeyCopy")
    review = None
    if copy is not None:
        Argon2Params.from_phc(str(copy["kdfParams"]))  # refuse parameters we cannot use
        review = (
            base64.b64decode(str(copy["salt"]), validate=True),
            str(copy["kdfParams"]),
            base64.b64decode(str(copy["sealedPrivate"]), validate=True),
        )
    return ErpAccount(
        user_id,
        role,
        departments,
        pin_hash,
        None if secret is None else totp.secret_from_base32(str(secret)),
        None if badge is None else str(badge),
        review,
    )


def apply_accounts(
    store: SessionStore, accounts: Sequence[ErpAccount], now: float
) -> AccountsApplied:
    """Make the ERP's accounts on this terminal match ``accounts`` (one transaction; audited)."""
    device_key = store.keyring.device_key
    existing = {
        row[0]: (row[1], bool(row[2]))
        for row in store.query("SELECT user_id, source, disabled FROM users")
    }
    added = updated = skipped = 0
    listed = {a.user_id for a in accounts}
    with store.transaction() as db:
        for account in accounts:
            source = existing.get(account.user_id, (None, False))[0]
            if source == "local":
                skipped += 1
                continue
            totp_sealed = (
                b"" if account.totp_secret is None
                else _seal(device_key, account.totp_secret, _aad("totp", account.user_id))
            )  # fmt: skip
            values = [account.role.value, json.dumps(list(account.departments)),
                      account.pin_hash, totp_sealed, account.badge_hash]  # fmt: skip
            if source is None:
                db.execute(
                    "INSERT INTO users (role, departments, pin_hash, totp_sealed, badge_hash, "
                    "user_id, source, created_at) VALUES (?, ?, ?, ?, ?, ?, 'erp', ?)",
                    [*values, account.user_id, now],
                )
                store.append_audit(now, "erp", "user_added", account.user_id,
                                   {"role": account.role.value, "source": "erp"})  # fmt: skip
                added += 1
            else:
                db.execute(
                    "UPDATE users SET role = ?, departments = ?, pin_hash = ?, totp_sealed = ?, "
                    "badge_hash = ?, disabled = 0 WHERE user_id = ?",
                    [*values, account.user_id],
                )
                updated += 1
            if account.review_copy is not None:
                salt, params, sealed = account.review_copy
                db.execute(
                    "INSERT OR REPLACE INTO review_key_copies (user_id, salt, kdf_params, "
                    "sealed_private) VALUES (?, ?, ?, ?)",
                    [account.user_id, salt, params, sealed],
                )
        gone = [uid for uid, (src, off) in existing.items()
                if src == "erp" and uid not in listed and not off]  # fmt: skip
        for user_id in gone:
            db.execute("UPDATE users SET disabled = 1 WHERE user_id = ?", [user_id])
            db.execute("DELETE FROM review_key_copies WHERE user_id = ?", [user_id])
            store.append_audit(now, "erp", "user_disabled", user_id, {"source": "erp"})
    return AccountsApplied(added, updated, len(gone), skipped)
