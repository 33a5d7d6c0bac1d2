"""A summary of the terminal's state, and the log export IT staff take away for support."""

from __future__ import annotations

import json
import logging
import platform
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from kiosk import __version__
from kiosk.app import model_registry
from kiosk.config import config_digests
from kiosk.diagnostics.devices import interview_in_progress
from kiosk.diagnostics.status import _disk, _enrolment, _sync, device_label
from kiosk.errors import ErrorKind, VaultError
from kiosk.fileio import write_private
from kiosk.staff import StaffServices
from kiosk.vault import audit
from kiosk.vault.roles import Permission, Role

log = logging.getLogger(__name__)


def summary(services: StaffServices) -> dict[str, Any]:
    """Everything above as JSON-ready data, for the log export and support tickets.

    Operational facts only: no names, answers or scores, no staff user ids (a user id may be
    a name), no paths (they may name a home folder), and secret settings as digests only.
    """
    services.require(Permission.DEVICE_DIAGNOSTICS)
    kiosk = services.kiosk
    config = kiosk.config
    sync = _sync(services)
    users = services.accounts.users()
    by_role = {role.value: sum(u.role is role for u in users) for role in Role}
    entries = kiosk.store.audit_entries()
    return {
        "kind": "interview-kiosk-diagnostics",
        "software": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "at": datetime.fromtimestamp(services.now(), tz=timezone.utc).isoformat(),
        "enrolment": asdict(_enrolment(services)),
        "config_digests": config_digests(config),
        "disk": asdict(_disk(config)),
        "sync": {
            "outbox": asdict(sync.outbox),
            "audit_pushed_seq": sync.audit_pushed_seq,
            "bundles": {k: {"version": v, "refused": e} for k, (v, e) in sync.bundles.items()},
            "connector": sync.connector,
        },
        "models": [
            {"name": v.name, "version": v.version, "ok": v.ok, "problems": list(v.problems)}
            for v in model_registry(config).verify()
        ],
        "accounts": {"by_role": by_role, "locked": sum(u.locked for u in users)},
        "sessions": {
            "stored": len(kiosk.store.sessions()),
            "open": len(kiosk.store.open_session_ids()),
        },
        "interview_in_progress": interview_in_progress(services),
        "audit": {"entries": len(entries), "chain_intact": not audit.verify(entries)},
    }


@dataclass(frozen=True, slots=True)
class LogExport:
    """Where the export went and what it holds (file names only)."""

    folder: Path
    files: tuple[str, ...] = field(default=())


def export_logs(services: StaffServices, destination: Path) -> LogExport:
    """Copy the app's log files and a :func:`summary` into a new folder in ``destination``
    (a USB stick, say); audited as an ``export`` of ``logs``.

    The logs hold no personal data by design (code logs ids, stages and sizes, never names,
    answers or scores), so they are copied as they are.
    """
    who = services.require(Permission.DEVICE_DIAGNOSTICS)
    if not destination.is_dir():
        raise VaultError(f"{destination} is not a folder", kind=ErrorKind.INVALID_INPUT)
    config = services.kiosk.config
    stamp = datetime.fromtimestamp(services.now(), tz=timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    folder = destination / f"kiosk-logs-{device_label(config)}-{stamp}"
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        raise VaultError(f"{folder} exists already", kind=ErrorKind.INVALID_INPUT) from None
    except OSError as exc:
        raise VaultError(f"cannot write to {destination} ({exc.strerror})") from None
    names = []
    for log_file in sorted((config.data_dir / "logs").glob("kiosk.log*")):
        write_private(folder / log_file.name, log_file.read_bytes())
        names.append(log_file.name)
    document = json.dumps(summary(services), indent=2, ensure_ascii=False, sort_keys=True)
    write_private(folder / "diagnostics.json", document.encode())
    names.append("diagnostics.json")
    services.kiosk.store.audit(who.user_id, "export", "logs", {"files": len(names)}, services.now())
    log.info("logs exported (%d files)", len(names))
    return LogExport(folder, tuple(names))
