"""``erp-server``: the reference ERP server's command line (init, serve, token, publish, show,
enrolment-bundle).

:func:`add_commands` plugs it into any argparse program (``kiosk erp-server …``) and
``python -m sync.erp_server …`` runs it alone. Anticipated failures print one line to stderr:
exit 2 for bad input (arguments, files, fault specs), 1 for everything else.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import ssl
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from sync.erp_server.admin import (
    AdminError,
    publish_bundle,
    show_report,
    write_enrolment_bundle,
)
from sync.erp_server.faults import FaultPlan, FaultSpecError
from sync.erp_server.http import ErpServer
from sync.erp_server.keys import (
    ServerDirError,
    ServerKeys,
    ServerPaths,
    init_server_dir,
    load_server_keys,
)
from sync.erp_server.store import ErpStore
from sync.protocol import BUNDLE_KINDS

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad input from the person at the command line (exit 2)."""


def add_commands(commands: Any) -> None:
    """Add the ``erp-server`` command (with its actions) to an argparse subparsers object."""
    parser = commands.add_parser(
        "erp-server",
        help="run or administer the reference HR ERP server",
        description="The reference HR ERP server: implements the sync contract "
        "(sync/protocol.py) on one SQLite file, for pilots, IT tests and the test suite.",
    )
    actions = parser.add_subparsers(dest="erp_action", metavar="ACTION", required=True)

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = actions.add_parser(
            name, help=help_text, description=help_text
        )
        sub.add_argument("--dir", type=Path, required=True, metavar="DIR", help="server directory")
        return sub

    action("init", "create the server directory, database and keys (harmless when done already)")
    serve = action("serve", "serve HTTP(S) until SIGTERM or Ctrl-C")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8443, help="port (default 8443; 0: any free)")
    serve.add_argument("--tls-cert", type=Path, metavar="PEM", help="certificate chain (HTTPS)")
    serve.add_argument("--tls-key", type=Path, metavar="PEM", help="its private key")
    serve.add_argument(
        "--client-ca",
        type=Path,
        metavar="PEM",
        help="require terminals to present a client certificate issued by this CA (mutual TLS)",
    )
    serve.add_argument(
        "--faults",
        metavar="SPEC",
        help="inject faults, e.g. 'latency=0.02,5xx=0.1,429=0.05,retry_after=1,reset=0.05,"
        "lost_ack=0.05,truncate=0.05,garbage=0.02,seed=7' (see sync/erp_server/faults.py)",
    )
    serve.add_argument(
        "--token-ttl", type=float, default=3600.0, metavar="SECONDS",
        help="access-token lifetime (default 3600)",
    )  # fmt: skip
    token = action("token", "print a fresh one-time enrolment token")
    token.add_argument("--ttl-hours", type=float, default=24.0, help="validity (default 24)")
    publish = action("publish", "sign a JSON file as a bundle and serve it from now on")
    publish.add_argument("--kind", required=True, choices=BUNDLE_KINDS)
    publish.add_argument("--file", type=Path, required=True, metavar="JSON", help="bundle data")
    publish.add_argument(
        "--version", type=int, help="version (default: highest published + 1; an older one is "
        "served as is, which is how to test a rollback)",
    )  # fmt: skip
    publish.add_argument("--expires-days", type=float, default=30.0, help="validity (default 30)")
    show = action("show", "what arrived: counts per kind and device, recent items, uploads")
    show.add_argument(
        "--decrypt", action="store_true",
        help="also open sealed results with the sealing key and print their scores",
    )  # fmt: skip
    bundle = action("enrolment-bundle", "register a terminal offline and write its credentials")
    bundle.add_argument("--out", type=Path, required=True, metavar="FILE", help="file to write")
    bundle.add_argument("--endpoint", metavar="URL", help="the server URL the terminal will use")


def run(args: argparse.Namespace) -> int:
    """Run the ``erp-server`` action in ``args``; returns the exit code."""
    try:
        return _ACTIONS[args.erp_action](args)
    except (UsageError, FaultSpecError) as problem:
        _fail(str(problem))
        return EXIT_USAGE
    except (ServerDirError, AdminError) as problem:
        _fail(str(problem))
        return EXIT_ERROR
    except OSError as problem:
        _fail(
            f"{problem.strerror or problem}" + (f": {problem.filename}" if problem.filename else "")
        )
        return EXIT_ERROR


def _fail(message: str) -> None:
    sys.stderr.write(f"erp-server: {message}\n")


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _open(directory: Path) -> tuple[ErpStore, ServerKeys]:
    keys = load_server_keys(directory)  # first: never create a database in a wrong directory
    return ErpStore(ServerPaths(directory).db), keys


def _init(args: argparse.Namespace) -> int:
    keys = init_server_dir(args.dir)
    ErpStore(ServerPaths(args.dir).db).close()
    _say(
        f"initialised {args.dir}: organisation signing key {keys.signing_key_id}, "
        f"sealing key {keys.sealing_key_id}"
    )
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    if (args.tls_cert is None) != (args.tls_key is None):
        raise UsageError("--tls-cert and --tls-key go together")
    faults = FaultPlan.parse(args.faults) if args.faults else None
    if args.token_ttl <= 0:
        raise UsageError("--token-ttl must be positive")
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s"
    )
    tls = (args.tls_cert, args.tls_key) if args.tls_cert else None
    try:
        server = ErpServer(
            args.dir, host=args.host, port=args.port, tls=tls, faults=faults,
            token_ttl=args.token_ttl, client_ca=args.client_ca if tls else None,
        )  # fmt: skip
    except ssl.SSLError as problem:
        raise UsageError(f"cannot use the TLS certificate or key: {problem.reason}") from None
    except OSError as problem:
        if problem.filename:
            raise
        _fail(f"cannot listen on {args.host}:{args.port}: {problem.strerror or problem}")
        return EXIT_ERROR
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.start()
    _say(
        f"erp-server listening on {server.url} (faults: {faults.describe() if faults else 'none'})"
    )
    while not stop.wait(0.5):
        pass
    server.stop()
    server.close()
    _say("erp-server stopped")
    return EXIT_OK


def _token(args: argparse.Namespace) -> int:
    if args.ttl_hours <= 0:
        raise UsageError("--ttl-hours must be positive")
    store, _ = _open(args.dir)
    try:
        _say(store.issue_enrolment_token(args.ttl_hours * 3600))
    finally:
        store.close()
    return EXIT_OK


def _publish(args: argparse.Namespace) -> int:
    try:
        data = json.loads(args.file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{args.file}: no such file") from None
    except (ValueError, UnicodeDecodeError) as problem:
        raise UsageError(f"{args.file}: not JSON ({problem})") from None
    store, keys = _open(args.dir)
    try:
        bundle = publish_bundle(
            store, keys, args.kind, data, version=args.version, expires_days=args.expires_days
        )
    finally:
        store.close()
    _say(f"published {bundle.kind} version {bundle.version}; served from now on")
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    store, keys = _open(args.dir)
    try:
        sys.stdout.write(show_report(store, keys, decrypt=args.decrypt))
    finally:
        store.close()
    return EXIT_OK


def _enrolment_bundle(args: argparse.Namespace) -> int:
    store, keys = _open(args.dir)
    try:
        device_id = write_enrolment_bundle(store, keys, args.out, endpoint=args.endpoint)
    finally:
        store.close()
    _say(f"device {device_id} registered; credentials written to {args.out} (keep it secret)")
    return EXIT_OK


_ACTIONS = {
    "init": _init,
    "serve": _serve,
    "token": _token,
    "publish": _publish,
    "show": _show,
    "enrolment-bundle": _enrolment_bundle,
}


def main(argv: list[str] | None = None) -> int:
    """``python -m sync.erp_server``: the ``erp-server`` command on its own."""
    parser = argparse.ArgumentParser(prog="python -m sync.erp_server")
    add_commands(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    words = list(sys.argv[1:] if argv is None else argv)
    # `python -m sync.erp_server serve …` reads better than repeating the command's name.
    if words[:1] != ["erp-server"]:
        words.insert(0, "erp-server")
    return run(parser.parse_args(words))
