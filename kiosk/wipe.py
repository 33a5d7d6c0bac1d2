"""Secure wipe: erase every interview's data, every account and every key on this terminal.

For a terminal that is decommissioned, sent for repair, or back after it was stolen. What makes
it safe is the order, a crypto-erase first:

1. An audit entry (``wipe``) is committed, naming who and how much, while there is a log to
   write it to.
2. The store is **retired** (:meth:`SessionStore.retire`): from here on no interview starts on
   this terminal, even if a later step fails, and the app shows "out of service" until it is
   restarted.
3. The **keys** go: the device key file (it opens every session's device copy of its data key,
   the sealed bundles and the staff TOTP secrets) is overwritten and deleted; then, in one
   committed transaction, every wrapped session key, every recruiter's copy of the review key
   and every account (SQLite's ``secure_delete`` zeroes the freed pages, and the WAL is
   truncated). From here on nothing stored on the terminal can be decrypted on it.
4. The store is closed, so the running app can never write to the files that follow, and the
   log files in the data directory are closed.
5. Everything else in the data directory is deleted: the database, answer media, scratch
   recordings, pulled bundles, the other key files, the logs. Small files are overwritten first.
6. A **wipe receipt** (JSON, no personal data) is written in the emptied data directory: the
   only trace left, since the audit log went with the database.

Why crypto-erase is the guarantee, and overwriting only a courtesy: terminals store data on
flash (SSD, eMMC, SD). Their controllers never overwrite a block in place; a write goes to a
fresh block and the old one waits, readable with the right tools, until garbage collection
erases it, and the file system (journal, copy-on-write) may keep copies of its own. So
overwriting a file cannot promise that its old bytes are gone. But every personal record and
every recording on this terminal is ciphertext under a per-session data key, and those keys are
stored only wrapped: for the device (under the device key), for recruiters (under the review
key, whose private half exists only sealed under each recruiter's PIN-derived key) and for the
HR server (only the server can unwrap that copy, and it holds the results legitimately). Once
the device key, the wrapped keys and the review-key copies are gone, leftover ciphertext
anywhere on the medium is noise. The residual risk is the small key material itself surviving
in stale flash blocks; overwriting it first and then deleting it is the best a program can do,
and a terminal that must rule even that out keeps its data directory on a LUKS volume whose key
can be destroyed (``cryptsetup luksErase``), or is erased by the drive's own sanitize command.

The per-session deletion of :mod:`kiosk.retention` is not used: it writes a tombstone, an
outbox row and an audit entry per session, all of which the wipe erases a moment later and
none of which could reach the HR system any more.

Kept: the on-device model files (public, verified against pinned hashes, large) and earlier
wipe receipts. Not erased: files named by the config outside the data directory (a mutual-TLS
client key, say); the receipt lists them so IT can remove them.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from kiosk import __version__
from kiosk.config import KioskConfig
from kiosk.diagnostics import InterviewInProgress, device_label, erp_identity, interview_in_progress
from kiosk.errors import ErrorKind, VaultError
from kiosk.fileio import write_private
from kiosk.outbox import Outbox
from kiosk.staff import StaffServices
from kiosk.vault.roles import Permission

log = logging.getLogger(__name__)

RECEIPT_PREFIX = "wipe-receipt-"
#: Files up to this size are overwritten before they are deleted. Larger ones are answer media
#: and recordings (ciphertext under keys already destroyed), where it would only cost time.
OVERWRITE_LIMIT_BYTES = 256 * 2**20
#: Tables holding keys or what opens them: emptied (and their pages zeroed) before any file goes.
KEY_TABLES = ("session_keys", "review_key_copies", "users")
#: Folders whose files are ciphertext under the destroyed keys: deleted without overwriting.
CIPHERTEXT_DIRS = frozenset({"media", "scratch"})


@dataclass(frozen=True, slots=True)
class WipeReport:
    """What the wipe erased and where its receipt is."""

    receipt: Path
    sessions: int
    accounts: int
    undelivered: int  # outbox items that never reached the HR system
    files: int
    bytes: int
    kept: tuple[str, ...]
    not_erased: tuple[str, ...]  # settings naming files outside the data directory


@dataclass(frozen=True, slots=True)
class WipePreview:
    """What a wipe would erase, for the confirmation screen."""

    device_label: str  # what must be typed to confirm
    sessions: int
    accounts: int
    undelivered: int  # results and other items not yet sent to the HR system: lost by a wipe


def wipe_preview(services: StaffServices) -> WipePreview:
    """The device label to type and what would be lost."""
    services.require(Permission.SECURE_WIPE)
    store = services.kiosk.store
    return WipePreview(
        device_label(services.kiosk.config),
        len(store.sessions()),
        len(services.accounts.users()),
        Outbox(store).status(services.now()).pending,
    )


def wipe_device(services: StaffServices, confirmation: str) -> WipeReport:
    """Erase all interview data and keys; ``confirmation`` must be the device's label
    (:func:`kiosk.diagnostics.device_label`) as typed by the IT admin.

    Raises :class:`VaultError` (``INVALID_INPUT``) for a wrong confirmation and
    :class:`InterviewInProgress` during an interview, both before anything is erased. After it
    returns, the kiosk's store is closed: the app must stop taking interviews and be restarted
    (and enrolled again) to be used.
    """
    who = services.require(Permission.SECURE_WIPE)
    kiosk = services.kiosk
    config = kiosk.config
    expected = device_label(config)
    if confirmation.strip() != expected:
        raise VaultError(
            "the typed confirmation is not this terminal's device id: nothing was erased",
            kind=ErrorKind.INVALID_INPUT,
        )
    if interview_in_progress(services):
        raise InterviewInProgress(
            "an interview is in progress: wipe after it has ended; nothing was erased",
            kind=ErrorKind.DEVICE_UNAVAILABLE,
        )
    store = kiosk.store
    now = services.now()
    erp_id, _ = erp_identity(config.data_dir / "keys")
    sessions = [row.session_id for row in store.sessions()]
    accounts = len(services.accounts.users())
    undelivered = Outbox(store).status(now).pending
    detail = {"sessions": len(sessions), "accounts": accounts, "undelivered": undelivered}
    store.audit(who.user_id, "wipe", expected, detail, now)
    head = store.audit_entries()[-1]
    log.warning("secure wipe started: %d session(s), %d account(s)", len(sessions), accounts)

    # Out of service before anything is destroyed: if a step below fails (a database locked by
    # `kiosk sync run`, a read-only file), the app must still take no interview on what is left.
    store.retire()
    if kiosk.retention_job is not None:
        kiosk.retention_job.stop()  # it would open the store while it is taken apart
    key_bytes = _crypto_erase(services, sessions)
    store.close()
    _detach_file_logs(config.data_dir)
    kept = _kept(config)
    files, size = _delete_data(config.data_dir, kept)
    files, size = files + 1, size + key_bytes
    not_erased = _outside(config)
    stamp = datetime.fromtimestamp(now, tz=timezone.utc)
    receipt = config.data_dir / f"{RECEIPT_PREFIX}{stamp.strftime('%Y%m%dT%H%M%SZ')}.json"
    document: dict[str, Any] = {
        "kind": "interview-kiosk-wipe-receipt",
        "wiped_at": stamp.isoformat(),
        "device_label": config.device_id,
        "erp_device_id": erp_id,
        "software": __version__,
        # The account id, as the audit log it replaces named the actor: a destructive action
        # needs someone accountable. No candidate is named anywhere in the receipt.
        "by": {"user_id": who.user_id, "role": who.role.value},
        "erased": {
            "sessions": len(sessions),
            "accounts": accounts,
            "undelivered_items": undelivered,
            "files": files,
            "bytes": size,
        },
        # The wipe's own audit entry, the last of the erased log; if the log reached the HR
        # system before, its head there leads up to this entry.
        "audit_head": {"seq": head[0], "hash": head[7]},
        "method": "crypto-erase: device key, wrapped session keys, review-key copies and "
        "accounts destroyed first; then the database, media, scratch recordings, bundles, "
        "keys and logs deleted, files up to 256 MB overwritten first",
        "kept": sorted(p.name for p in kept),
        "not_erased": list(not_erased),
    }
    write_private(receipt, json.dumps(document, indent=2, sort_keys=True).encode())
    log.warning("secure wipe done: %d file(s), %d bytes erased", files, size)
    return WipeReport(
        receipt,
        len(sessions),
        accounts,
        undelivered,
        files,
        size,
        tuple(document["kept"]),
        not_erased,
    )


def _crypto_erase(services: StaffServices, sessions: list[str]) -> int:
    """Destroy the device key, then every wrapped key and what could open one; returns the
    device key file's size."""
    kiosk = services.kiosk
    store = kiosk.store
    device_key = kiosk.config.data_dir / "keys" / "device.key"
    size = device_key.stat().st_size if device_key.exists() else 0
    _shred(device_key, random=True)
    with store.transaction() as db:
        for table in KEY_TABLES:
            db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
    store.checkpoint()  # the WAL held the deleted pages until now
    # And from memory, as far as Python allows (bytes objects cannot be zeroed in place).
    store.keyring.review_private = None
    for session_id in sessions:
        store.forget_key(session_id)
    return size


def _detach_file_logs(data_dir: Path) -> None:
    """Close the log files kept in ``data_dir`` before they are deleted: a handler would go on
    writing into the unlinked file. What the wipe logs after this goes to the console only."""
    data = data_dir.resolve()
    for logger in (logging.getLogger(), *_named_loggers()):
        for handler in list(logger.handlers):
            filename = getattr(handler, "baseFilename", None)
            if filename is not None and data in Path(filename).resolve().parents:
                logger.removeHandler(handler)
                handler.close()


def _named_loggers() -> list[logging.Logger]:
    manager = logging.Logger.manager
    return [item for item in manager.loggerDict.values() if isinstance(item, logging.Logger)]


def _kept(config: KioskConfig) -> set[Path]:
    data = config.data_dir.resolve()
    kept = {(config.models.bundles_dir or config.data_dir / "models").resolve()}
    if config.models.whisper_dir is not None:
        kept.add(config.models.whisper_dir.resolve())
    kept.update(p.resolve() for p in config.data_dir.glob(f"{RECEIPT_PREFIX}*.json"))
    return {p for p in kept if p.parent == data}


def _delete_data(data_dir: Path, kept: set[Path]) -> tuple[int, int]:
    """Delete every entry of ``data_dir`` but ``kept``; returns (files, bytes)."""
    files = size = 0
    # The keys folder first: after the device key, the other key files are what matters most.
    entries = sorted(data_dir.iterdir(), key=lambda p: (p.name != "keys", p.name))
    for entry in entries:
        if entry.resolve() in kept:
            continue
        overwrite = entry.name not in CIPHERTEXT_DIRS
        paths = [entry] if not entry.is_dir() or entry.is_symlink() else _files_under(entry)
        for path in paths:
            try:
                length = path.lstat().st_size
            except FileNotFoundError:
                continue
            if overwrite and path.is_file() and not path.is_symlink():
                _shred(path, random=entry.name == "keys")
            else:
                path.unlink(missing_ok=True)
            files += 1
            size += length
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
    return files, size


def _files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() or p.is_symlink()]


def _shred(path: Path, *, random: bool = False) -> None:
    """Overwrite a file in place (random bytes for keys, zeros otherwise), sync, delete it."""
    try:
        length = path.stat().st_size
    except FileNotFoundError:
        return
    if length <= OVERWRITE_LIMIT_BYTES:
        try:
            with path.open("r+b", buffering=0) as handle:
                left = length
                while left > 0:
                    chunk = min(left, 2**20)
                    handle.write(secrets.token_bytes(chunk) if random else bytes(chunk))
                    left -= chunk
                os.fsync(handle.fileno())
        except OSError as exc:
            # Deleting still matters; the crypto-erase does not depend on this overwrite.
            log.warning("could not overwrite %s before deleting it (%s)", path.name, exc.strerror)
    path.unlink(missing_ok=True)


def _outside(config: KioskConfig) -> tuple[str, ...]:
    """Settings that name private files outside the data directory (left for IT to remove)."""
    data = config.data_dir.resolve()
    out = []
    for key, path in (("erp.client_key", config.erp.client_key),):
        if path is not None and data not in path.resolve().parents and path.exists():
            out.append(f"{key} (outside the data directory)")
    return tuple(out)
