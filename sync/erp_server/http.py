"""The HTTP(S) server: stdlib ``ThreadingHTTPServer``, TLS via ``ssl``, faults on the wire.

Responses are written by hand (status line, headers, body) rather than through
``send_response``: the faults need to stop at exact points (half a body, half the headers, no
answer at all) and that is only possible when this module owns every byte it sends.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import socket
import ssl
import struct
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sync.erp_server.admin import render_admin_html
from sync.erp_server.api import ErpApi
from sync.erp_server.faults import BEFORE, Fault, FaultPlan, as_plan
from sync.erp_server.keys import ServerPaths, load_server_keys
from sync.erp_server.media import MediaUploads
from sync.erp_server.responses import Request, Response, error
from sync.erp_server.store import ErpStore
from sync.protocol import API, ENROL_PATH, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES

log = logging.getLogger("sync.erp_server")

#: Oversized bodies up to this size are read and thrown away so the client sees the 413
#: instead of a reset while it is still sending; anything larger is answered and cut off.
_DRAIN_LIMIT = 4 * MAX_REQUEST_BYTES
_GARBAGE = b"<html><body>502 Bad Gateway</body></html>\n\x00\xff\xfe not json"
_REASONS = {460: "Checksum Mismatch"}


class ErpServer:
    """The reference ERP server on one directory; see the package docstring for the layout.

    Usable in-process (:meth:`start` runs it on a thread) or as the body of ``serve``.
    """

    def __init__(
        self,
        directory: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: tuple[Path, Path] | None = None,
        faults: FaultPlan | str | None = None,
        token_ttl: float = 3600.0,
        client_ca: Path | None = None,
    ) -> None:
        paths = ServerPaths(directory)
        self.keys = load_server_keys(directory)  # ServerDirError before anything is bound
        self.store = ErpStore(paths.db)
        self.media = MediaUploads(self.store, paths.media)
        self.api = ErpApi(self.store, self.keys, self.media, token_ttl)
        self.faults: FaultPlan | None = as_plan(faults)
        self._httpd = _HttpServer(self, (host, port))
        self.scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.load_cert_chain(certfile=str(tls[0]), keyfile=str(tls[1]))
            if client_ca is not None:  # mutual TLS: a terminal must show a certificate of this CA
                context.verify_mode = ssl.CERT_REQUIRED
                context.load_verify_locations(cafile=str(client_ca))
            # The handshake runs in the connection's own thread (see _Handler.setup), so one
            # slow or hostile client cannot stall the accept loop.
            self._httpd.socket = context.wrap_socket(
                self._httpd.socket, server_side=True, do_handshake_on_connect=False
            )
            self.scheme = "https"
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The base URL (``/v1`` paths go under it)."""
        host = str(self._httpd.server_address[0])
        return f"{self.scheme}://{f'[{host}]' if ':' in host else host}:{self.port}"

    @property
    def token_ttl(self) -> float:
        return self.api.token_ttl

    @token_ttl.setter
    def token_ttl(self, seconds: float) -> None:
        self.api.token_ttl = seconds

    def set_faults(self, faults: FaultPlan | str | None) -> None:
        """Switch faults on, change them, or off (``None``); takes effect for the next request."""
        self.faults = as_plan(faults)

    def serve_forever(self) -> None:
        self._httpd.serve_forever(poll_interval=0.05)

    def start(self) -> None:
        """Serve on a daemon thread (in-process use)."""
        self._thread = threading.Thread(target=self.serve_forever, name="erp-server", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and drop open connections (keep-alive clients see the server go)."""
        self._httpd.shutdown()
        self._httpd.drop_connections()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.wait_idle(timeout=5)

    def close(self) -> None:
        """Close the store (after :meth:`stop`)."""
        self.store.close()


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # connections are dropped by ErpServer.stop instead
    request_queue_size = 64

    def __init__(self, erp: ErpServer, address: tuple[str, int]) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.erp = erp
        self._connections: set[socket.socket] = set()
        self._idle = threading.Condition()
        super().__init__(address, _Handler)

    def track(self, connection: socket.socket, *, add: bool) -> None:
        with self._idle:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)
            self._idle.notify_all()

    def drop_connections(self) -> None:
        with self._idle:
            for connection in list(self._connections):
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)

    def wait_idle(self, timeout: float) -> None:
        with self._idle:
            self._idle.wait_for(lambda: not self._connections, timeout=timeout)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients vanishing mid-answer (and our own injected resets) are normal here.
        problem = sys.exc_info()[1]
        if isinstance(problem, OSError | ssl.SSLError | ValueError):
            log.debug("connection ended: %s", type(problem).__name__)
        else:
            log.exception("unexpected error on a connection")


class _Handler(BaseHTTPRequestHandler):
    server: _HttpServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else every answer waits ~40 ms for a delayed ACK
    timeout = 60  # an idle keep-alive connection holds a thread; not forever
    server_version = "erp-server"
    sys_version = ""

    def setup(self) -> None:
        self.server.track(self.request, add=True)
        try:
            if isinstance(self.request, ssl.SSLSocket):
                self.request.settimeout(self.timeout)
                self.request.do_handshake()
            super().setup()
        except BaseException:
            # finish() is not called when setup() fails: untrack here or stop() waits for it.
            self.server.track(self.request, add=False)
            raise

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.request, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        # The request line holds ids only (device, upload, bundle kind), never personal data.
        log.debug("%s " + format, self.client_address[0], *args)

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PATCH = do_HEAD = do_PUT = do_DELETE = do_GET

    # -- request ---------------------------------------------------------------------------

    def _dispatch(self) -> None:
        path = urlsplit(self.path).path
        body = self._read_body()
        if body is None:
            return
        if path == "/admin":
            self._admin()
            return
        if not path.startswith(API + "/"):
            self._send(error(404, "not_found", "no such endpoint"))
            return
        plan = self.server.erp.faults if path != ENROL_PATH else None
        fault: Fault | None = None
        if plan is not None:
            if plan.latency:
                time.sleep(plan.latency)
            fault = plan.draw()
            if fault is not None:
                log.info("fault %s injected on %s %s", fault, self.command, path)
            if fault in BEFORE:
                self._inject(fault, plan)
                return
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = Request(self.command, path, headers, body)
        try:
            response = self.server.erp.api.handle(request)
        except Exception:
            log.exception("internal error on %s %s", self.command, path)
            response = error(500, "internal_error", "the server failed; see its log")
        if fault == "lost_ack":
            self._reset()  # committed, but the client never hears so
        else:
            self._send(response, truncate=fault == "truncate")

    def _read_body(self) -> bytes | None:
        """The request body, or ``None`` after answering a body we will not take."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._send(error(411, "length_required", "send Content-Length"), close=True)
            return None
        text = self.headers.get("Content-Length", "0").strip() or "0"
        if not text.isdigit():
            self._send(
                error(400, "bad_content_length", "Content-Length is not a number"), close=True
            )
            return None
        length = int(text)
        if length > MAX_REQUEST_BYTES:
            drained = length <= _DRAIN_LIMIT and self._drain(length)
            message = f"the body is over {MAX_REQUEST_BYTES} bytes"
            self._send(error(413, "body_too_large", message), close=not drained)
            return None
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            # The client went away mid-body: never act on a partial request.
            self.close_connection = True
            return None
        return body

    def _drain(self, length: int) -> bool:
        while length > 0:
            block = self.rfile.read(min(length, 2**20))
            if not block:
                return False
            length -= len(block)
        return True

    def _admin(self) -> None:
        # Loopback only: the page lists devices and traffic, and has no login of its own.
        if not ipaddress.ip_address(self.client_address[0]).is_loopback:
            self._send(error(403, "forbidden", "the admin page is served to loopback only"))
        elif self.command not in ("GET", "HEAD"):
            self._send(error(405, "method_not_allowed", "use GET", {"Allow": "GET"}))
        else:
            erp = self.server.erp
            html = render_admin_html(erp.store, faults=erp.faults)
            self._send(Response(200, html.encode(), {"Content-Type": "text/html; charset=utf-8"}))

    # -- faults ----------------------------------------------------------------------------

    def _inject(self, fault: Fault, plan: FaultPlan) -> None:
        if fault == "reset":
            self._reset()
        elif fault == "5xx":
            retry = {"Retry-After": str(plan.retry_after)}
            self._send(error(503, "unavailable", "injected fault: service unavailable", retry))
        elif fault == "429":
            retry = {"Retry-After": str(plan.retry_after)}
            self._send(error(429, "rate_limited", "injected fault: too many requests", retry))
        elif fault == "garbage":
            self._send(Response(200, _GARBAGE, {"Content-Type": "application/json"}))
        elif fault == "oversize":
            self._oversize()

    def _reset(self) -> None:
        """Abort the connection: SO_LINGER 0 makes close() send a RST instead of a FIN."""
        self.close_connection = True
        connection = self.connection
        with contextlib.suppress(OSError):
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # detach() + os.close() closes the descriptor now, whatever still refers to the socket
        # object (rfile holds one): a plain close() would wait for those references.
        self.server.track(connection, add=False)
        with contextlib.suppress(OSError):
            os.close(connection.detach())

    def _oversize(self) -> None:
        """A 200 whose body is larger than a terminal may read, streamed, not built."""
        prefix, suffix = b'{"padding":"', b'"}'
        declared = MAX_RESPONSE_BYTES + 2**16
        self.close_connection = True
        head = self._head(200, {"Content-Type": "application/json"}, declared, close=True)
        block = b"x" * 2**16
        remaining = declared - len(prefix) - len(suffix)
        try:
            self.wfile.write(head + prefix)
            while remaining > 0:
                self.wfile.write(block[: min(remaining, len(block))])
                remaining -= len(block)
            self.wfile.write(suffix)
        except OSError:
            log.debug("client stopped reading the oversized answer (as it should)")

    # -- response --------------------------------------------------------------------------

    def _head(self, status: int, headers: dict[str, str], length: int | None, close: bool) -> bytes:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = _REASONS.get(status, "Unknown")
        lines = [
            f"HTTP/1.1 {status} {reason}",
            f"Date: {self.date_time_string()}",
            f"Server: {self.server_version}",
        ]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if length is not None:
            lines.append(f"Content-Length: {length}")
        if close:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _send(self, response: Response, *, close: bool = False, truncate: bool = False) -> None:
        """Write ``response``; ``truncate`` sends half of it (half the headers if it has no
        body) and closes, as a connection dropped mid-answer would."""
        if close or truncate:
            self.close_connection = True
        bodyless = response.status in (204, 304)
        length = None if bodyless else len(response.body)
        head = self._head(response.status, response.headers, length, close or truncate)
        body = b"" if bodyless or self.command == "HEAD" else response.body
        if truncate:
            data = head + body[: len(body) // 2] if body else head[: len(head) // 2]
        else:
            data = head + body
        self.wfile.write(data)
        log.debug(
            '"%s %s" %d %d', self.command, urlsplit(self.path).path, response.status, len(body)
        )
