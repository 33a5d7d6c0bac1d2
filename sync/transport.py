"""HTTPS to the ERP: verification always on, optional key pinning and client certificates,
bounded response reading, and every failure mapped to one of :mod:`sync.connector`'s errors.

Verification is never switched off. A terminal trusts either the CAs of ``erp.ca_bundle`` (or
the system's), or — for an on-premises ERP with its own certificate — exactly one server key,
pinned by the SHA-256 of its SubjectPublicKeyInfo, so a renewed certificate with the same key
keeps working and any other key is refused before a byte of the request is sent.
"""

from __future__ import annotations

import hashlib
import json
import ssl
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import InsecureRequestWarning

from kiosk.config import endpoint_problem
from kiosk.errors import ErrorKind, VaultError
from sync.connector import PermanentError, TransientError
from sync.protocol import MAX_RESPONSE_BYTES

#: Status codes worth retrying: the server is busy, overloaded or timed out.
RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class TlsSettings:
    """How the terminal checks the server (and, with mTLS, proves itself)."""

    ca_bundle: Path | None = None
    pinned_key: str | None = None  # hex SHA-256 of the server's SubjectPublicKeyInfo
    client_cert: Path | None = None
    client_key: Path | None = None


class PinMismatch(ssl.SSLError):
    """The server's TLS key is not the pinned one."""


def spki_sha256(der_certificate: bytes) -> str:
    """Hex SHA-256 of a certificate's SubjectPublicKeyInfo (the value ``pinned_key`` holds)."""
    public = x509.load_der_x509_certificate(der_certificate).public_key()
    spki = public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


class _PinnedContext(ssl.SSLContext):
    """A TLS context that accepts exactly one server key.

    The certificate chain is not checked against CAs (an on-premises ERP's certificate is often
    self-issued); the key is checked instead, right after the handshake and before the request.
    """

    pin: str = ""

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        sock = super().wrap_socket(*args, **kwargs)
        der = sock.getpeercert(binary_form=True)
        if der is None or spki_sha256(der) != self.pin:
            sock.close()
            raise PinMismatch("the ERP server's TLS key does not match the pinned key")
        return sock


class _PinnedAdapter(HTTPAdapter):
    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        super().cert_verify(conn, url, verify, cert)
        # requests would ask urllib3 to check the chain too; the pin replaces that check.
        conn.cert_reqs = "CERT_NONE"
        conn.ca_certs = None
        conn.ca_cert_dir = None


#: The operating system's CA bundle (Debian's update-ca-certificates), so a company CA installed
#: in the OS is trusted; requests alone would use certifi's list.
_SYSTEM_CA_FILES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")


def _system_cas() -> str | None:
    return next((path for path in _SYSTEM_CA_FILES if Path(path).is_file()), None)


def check_endpoint(url: str) -> None:
    """Refuse an endpoint that is not https:// (plain http only to 127.0.0.1 / localhost):
    enrolment and every later call would otherwise travel, keys and secrets included, in clear."""
    problem = endpoint_problem(url)
    if problem:
        raise VaultError(f"ERP endpoint {url!r} {problem}", kind=ErrorKind.INVALID_INPUT)


def new_session(tls: TlsSettings) -> requests.Session:
    """A requests session configured for the ERP (keep-alive: one handshake for a batch)."""
    session = requests.Session()
    session.trust_env = False  # no proxy or CA overrides from the environment
    if tls.client_cert is not None:
        session.cert = (str(tls.client_cert), str(tls.client_key or tls.client_cert))
    if tls.pinned_key:
        context = _PinnedContext(ssl.PROTOCOL_TLS_CLIENT)
        context.pin = tls.pinned_key
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        if tls.client_cert is not None:
            context.load_cert_chain(str(tls.client_cert), str(tls.client_key or tls.client_cert))
        session.mount("https://", _PinnedAdapter(context))
        # urllib3 calls a connection without CA verification "unverified" and warns; here the
        # pin in _PinnedContext is the verification, done before any request is sent.
        warnings.filterwarnings("ignore", category=InsecureRequestWarning)
        session.verify = True
    else:
        session.verify = str(tls.ca_bundle or _system_cas() or True)
    return session


@dataclass(frozen=True, slots=True)
class Response:
    """A response read in full (within the size limit)."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON; :class:`TransientError` if it is not (a garbled or cut reply)."""
        try:
            return json.loads(self.body)
        except ValueError:
            raise TransientError(
                f"HTTP {self.status}: the server's reply is not JSON ({len(self.body)} bytes)"
            ) from None


def request(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: float,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    limit: int = MAX_RESPONSE_BYTES,
) -> Response:
    """Send one request and read the reply, bounded by ``limit`` bytes.

    Network failures, timeouts, resets and truncated bodies raise :class:`TransientError`;
    a reply larger than ``limit`` raises :class:`PermanentError` without being read.
    """
    try:
        # Never follow a redirect: a 307 to http:// would resend the body in clear, and a
        # contract endpoint has no reason to move.
        with session.request(
            method,
            url,
            headers=headers,
            data=body,
            timeout=timeout,
            stream=True,
            allow_redirects=False,
        ) as reply:
            declared = reply.headers.get("Content-Length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                raise PermanentError(
                    f"HTTP {reply.status_code}: reply of {int(declared)} bytes is over the "
                    f"{limit}-byte limit; not read"
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in reply.iter_content(65_536):
                size += len(chunk)
                if size > limit:
                    raise PermanentError(
                        f"HTTP {reply.status_code}: reply over the {limit}-byte limit; not read"
                    )
                chunks.append(chunk)
            # Header names are case-insensitive in HTTP: keep requests' mapping, not a dict.
            received = CaseInsensitiveDict(reply.headers)
            return Response(reply.status_code, received, b"".join(chunks))
    except (PinMismatch, requests.exceptions.SSLError) as exc:
        text = str(exc)
        if isinstance(exc, PinMismatch) or "pinned key" in text:
            raise PermanentError("the ERP server's TLS key does not match the pinned key") from None
        if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
            raise PermanentError(
                f"TLS verification of the ERP server failed: {_short(exc)}"
            ) from None
        # A handshake cut short (EOF, reset) is the network, not the certificate.
        raise TransientError(f"TLS connection failed: {_short(exc)}") from None
    except (OSError, requests.exceptions.RequestException) as exc:
        raise TransientError(f"{type(exc).__name__}: {_short(exc)}") from None


def retry_after(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` in seconds (delta form; an HTTP date counts as one minute)."""
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return 60.0


def _short(exc: BaseException) -> str:
    # urllib3's messages repeat the pool and URL; the last part names the cause.
    text = str(exc)
    return text[-200:] if len(text) > 200 else text
