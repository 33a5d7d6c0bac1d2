"""``kiosk provision``, ``kiosk sync status|now|run`` and ``kiosk erp-server`` (an entry-point
plugin: the core's CLI finds it through the ``kiosk.commands`` group and never imports sync)."""

from __future__ import annotations

import argparse
import logging
import math
import signal
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from kiosk.app import open_store
from kiosk.config import KioskConfig
from kiosk.errors import ErrorKind, KioskError, VaultError
from kiosk.outbox import Outbox
from kiosk.retention import RetentionJob
from kiosk.store import SessionStore
from sync.connector import SyncError
from sync.credentials import load_credentials
from sync.erp_server import cli as erp_cli
from sync.protocol import BUNDLE_KINDS
from sync.provision import enrol_offline, enrol_online
from sync.setup import build_sync, keys_dir, tls_settings

log = logging.getLogger(__name__)


class _Commands:
    names = ("provision", "sync", "erp-server")

    def add_commands(self, commands: Any) -> None:
        provision = commands.add_parser(
            "provision",
            help="enrol this terminal with the HR ERP (one-time token, or an offline bundle)",
            description="Trades a one-time enrolment token for this terminal's identity and "
            "the organisation's keys; --bundle does the same from a file for air-gapped sites.",
        )
        how = provision.add_mutually_exclusive_group(required=True)
        how.add_argument("--token", help="the one-time enrolment token from the ERP")
        how.add_argument("--bundle", type=Path, metavar="FILE", help="an enrolment bundle file")
        provision.add_argument("--server", metavar="URL", help="the ERP's base URL (with --token)")
        provision.add_argument("--name", default="kiosk", help="a name for this terminal")
        sync = commands.add_parser("sync", help="sync with the HR ERP: status, now, run")
        sync.add_argument(
            "sync_action",
            choices=("status", "now", "run"),
            help="`status`: queue and last outcome; `now`: deliver the backlog with a progress "
            "bar and pull bundles; `run`: keep syncing in the background (a service)",
        )
        sync.add_argument(
            "--timeout", type=float, default=600.0, help="`now`: give up after this many seconds"
        )
        erp_cli.add_commands(commands)

    def run(self, args: argparse.Namespace, config: KioskConfig) -> int:
        if args.command == "erp-server":
            return int(erp_cli.run(args))
        store = open_store(config)
        try:
            if args.command == "provision":
                return _provision(args, config, store)
            if args.sync_action == "status":
                return _status(config, store, sys.stdout)
            if args.sync_action == "now":
                return _now(config, store, args.timeout)
            return _run_service(config, store)
        finally:
            store.close()


COMMANDS = _Commands()


def _provision(args: argparse.Namespace, config: KioskConfig, store: SessionStore) -> int:
    if args.bundle is not None:
        result = enrol_offline(store, keys_dir(config), args.bundle)
    else:
        server = args.server or config.erp.endpoint
        if not server:
            raise VaultError("--server URL is needed with --token", kind=ErrorKind.INVALID_INPUT)
        result = enrol_online(
            store,
            keys_dir(config),
            server,
            args.token,
            tls_settings(config),
            device_name=args.name,
            timeout=config.erp.timeout_seconds,
        )
    print(f"enrolled as device {result.device_id}")
    print(f"  organisation signing key {result.org_key_id}; server sealing key "
          f"{result.server_key_id}")  # fmt: skip
    print("  interviews are sealed to the HR server from now on (a running kiosk picks the key")
    print("  up at its next interview)")
    return 0


def _when(at: float | None) -> str:
    if at is None:
        return "never"
    return datetime.fromtimestamp(at, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _status(config: KioskConfig, store: SessionStore, out: TextIO) -> int:
    credentials = load_credentials(keys_dir(config))
    now = time.time()
    status = Outbox(store).status(now)
    state = dict(store.query("SELECT name, value FROM sync_state"))
    device = credentials.device_id if credentials else "not enrolled"
    endpoint = config.erp.endpoint or (credentials.endpoint if credentials else "") or "-"
    out.write(f"device          {device}\n")
    out.write(f"ERP             {endpoint}\n")
    out.write(f"pending         {status.pending} item(s)")
    out.write(f", {status.waiting} backing off\n" if status.waiting else "\n")
    out.write(f"oldest pending  {_when(status.oldest_pending_at)}\n")
    last = _when(status.last_delivered_at)
    out.write(f"delivered       {status.delivered}; last success {last}\n")
    out.write(f"last error      {status.last_error or '-'}\n")
    out.write(f"audit pushed    up to entry {state.get('audit.pushed_seq', '0')}\n")
    for kind in BUNDLE_KINDS:
        version = state.get(f"bundle.{kind}.version") or "-"
        error = state.get(f"bundle.{kind}.error")
        refused = f"  (last refused: {error})" if error else ""
        out.write(f"bundle {kind:<12}{version}{refused}\n")
    return 0


def _now(config: KioskConfig, store: SessionStore, timeout: float) -> int:
    setup = build_sync(config, store)
    outbox = Outbox(store)
    total = outbox.status(time.time()).pending
    bar = ProgressBar(total, sys.stderr if total else None)
    delivered = 0
    setup.worker.on_progress = lambda done, _: bar.update(delivered + done)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            result = setup.worker.run_pass()
            delivered += result.delivered + result.skipped
            bar.update(delivered)
            left = outbox.status(time.time())
            if left.pending == 0 or result.stopped_by == "auth":
                break
            time.sleep(min(1.0, max(0.05, _seconds_to_next(store))))
        pulls = []
        try:
            pulls = setup.puller.pull_all() if setup.puller is not None else []
        except SyncError as exc:
            print(f"pull failed: {exc}", file=sys.stderr)
    finally:
        bar.finish()
        setup.close()
    left = outbox.status(time.time())
    error = f"; last error: {left.last_error}" if left.pending and left.last_error else ""
    print(f"delivered {delivered}; {left.pending} pending{error}")
    for pull in pulls:
        if pull.status in ("applied", "refused", "deferred"):
            kept = f" (version {pull.version} kept)" if pull.status == "refused" else ""
            print(f"bundle {pull.kind}: {pull.status}{kept} {pull.detail}".rstrip())
    return 0 if left.pending == 0 else 1


def _seconds_to_next(store: SessionStore) -> float:
    rows = store.query("SELECT MIN(next_attempt_at) FROM outbox WHERE delivered_at IS NULL")
    soonest = rows[0][0] if rows else None
    # Nothing pending: the push interval decides (not a 50 ms poll of an empty outbox).
    return math.inf if soonest is None else float(soonest) - time.time()


def _run_service(config: KioskConfig, store: SessionStore) -> int:
    setup = build_sync(config, store)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    last_pull = 0.0
    # The service runs for weeks: it keeps the retention period too, like the kiosk app does.
    retention_job = RetentionJob(
        store,
        config.retention_days,
        time.time,
        interval=config.purge_interval_minutes * 60.0,
        media_root=config.media_dir,
    )
    retention_job.start()
    print(f"syncing ({config.erp.connector}); stop with Ctrl+C or SIGTERM", flush=True)
    device_key = keys_dir(config) / "device.key"
    try:
        while not stop.is_set():
            if not device_key.exists():
                # A secure wipe (kiosk.wipe) destroyed the keys while this ran: what is left
                # in memory must be neither sent nor kept. Enrolling again starts afresh.
                log.warning("the terminal was wiped: sync stopped")
                print("kiosk: this terminal was wiped; sync stopped", file=sys.stderr)
                return 1
            wait = config.erp.push_interval_seconds
            try:
                setup.worker.run_pass()
                due = time.monotonic() - last_pull > config.erp.pull_interval_minutes * 60
                if setup.puller is not None and due:
                    last_pull = time.monotonic()
                    setup.puller.pull_all()
                wait = min(wait, max(0.05, _seconds_to_next(store)))
            except (SyncError, KioskError) as exc:  # a busy or full disk, a bad reply: go on
                log.warning("sync pass failed: %s", exc)
            stop.wait(wait)
    except KeyboardInterrupt:
        pass
    finally:
        retention_job.stop()
        setup.close()
    return 0


class ProgressBar:
    """A one-line progress bar on a terminal; a line every 10 % when not on a terminal."""

    def __init__(self, total: int, out: TextIO | None, width: int = 30) -> None:
        """``out`` None: show nothing (an empty queue needs no bar)."""
        self._total = max(total, 1)
        self._out = out
        self._width = width
        self._tty = out is not None and out.isatty()
        self._started = time.monotonic()
        self._last_decile = -1
        self._done = 0

    def update(self, done: int) -> None:
        """Show ``done`` of the total."""
        self._done = done
        if self._out is None:
            return
        fraction = min(done / self._total, 1.0)
        rate = done / max(time.monotonic() - self._started, 1e-6)
        if self._tty:
            filled = int(fraction * self._width)
            bar = "#" * filled + "." * (self._width - filled)
            self._out.write(f"\r[{bar}] {done}/{self._total} items  {rate:.0f}/s")
            self._out.flush()
        elif int(fraction * 10) > self._last_decile:
            self._last_decile = int(fraction * 10)
            self._out.write(f"{done}/{self._total} items ({fraction:.0%}), {rate:.0f}/s\n")

    def finish(self) -> None:
        """End the line."""
        if self._tty and self._out is not None:
            self._out.write("\n")
            self._out.flush()
