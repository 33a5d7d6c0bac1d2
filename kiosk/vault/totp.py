"""Time-based one-time passwords (RFC 6238), the second factor of staff login.

A recruiter's authenticator app and the kiosk share a random secret; both compute
HMAC(secret, floor(unix time / 30 s)) and truncate it to six digits (RFC 4226). The kiosk has
no network, so this is the only second factor that needs nothing but a clock.

The kiosk's clock may drift from the phone's, so :func:`verify_totp` accepts the codes of
``window`` steps either side of now; each extra step also lets one guess match one more code,
which is why the default is 1 (three codes live at a time). A code must not be accepted twice
(RFC 6238, section 5.2): :func:`verify_totp` returns the step it matched, the caller stores it,
and passes it back as ``last_used_step`` so that step and every earlier one are refused.

Everything here is pure: the time comes in as ``at`` (seconds since the epoch) from the
injected clock, never from ``time.time()``.
"""

from __future__ import annotations

import base64
import hmac
import math
import secrets
from typing import Literal
from urllib.parse import quote, urlencode

from kiosk.errors import ErrorKind, VaultError

Algorithm = Literal["sha1", "sha256", "sha512"]

#: Secret length from :func:`new_secret`: 160 bits, RFC 4226's recommendation for HMAC-SHA1.
SECRET_BYTES = 20
# RFC 4226 requires at least 128 bits of shared secret.
_MIN_SECRET_BYTES = 16
# Authenticator apps show 6 or 8 digits; fewer than 6 is below RFC 4226's minimum.
_DIGIT_RANGE = range(6, 9)
_ALGORITHMS: tuple[Algorithm, ...] = ("sha1", "sha256", "sha512")


def new_secret() -> bytes:
    """A new shared secret of :data:`SECRET_BYTES` random bytes, for one staff account."""
    return secrets.token_bytes(SECRET_BYTES)


def secret_to_base32(secret: bytes) -> str:
    """``secret`` in base32 without padding, the form authenticator apps accept typed in."""
    return base64.b32encode(secret).decode("ascii").rstrip("=")


def secret_from_base32(text: str) -> bytes:
    """The secret written by :func:`secret_to_base32`; case, spaces and padding do not matter.

    Raises :class:`VaultError` (``INVALID_INPUT``) if ``text`` is not base32.
    """
    compact = text.replace(" ", "").rstrip("=").upper()
    try:
        return base64.b32decode(compact + "=" * (-len(compact) % 8))
    except ValueError:  # binascii.Error, or characters outside ASCII
        raise VaultError(
            "a TOTP secret is not valid base32", kind=ErrorKind.INVALID_INPUT
        ) from None


def provisioning_uri(
    secret: bytes,
    account: str,
    issuer: str = "Interview Kiosk",
    *,
    digits: int = 6,
    step: int = 30,
    algorithm: Algorithm = "sha1",
) -> str:
    """The ``otpauth://totp/...`` URI an authenticator app reads from a QR code.

    Follows Google Authenticator's key URI format: label ``issuer:account``, the issuer again
    as a parameter (apps use it to group and name the entry), the secret in base32 and the
    algorithm, digits and period spelled out even at their defaults, because some apps
    assume defaults of their own.
    """
    _check(secret, digits, step, algorithm)
    for name, value in (("account", account), ("issuer", issuer)):
        # The colon separates issuer from account in the label; apps split on the first one.
        if not value or ":" in value:
            raise VaultError(
                f"a TOTP {name} must be non-empty and contain no colon",
                kind=ErrorKind.INVALID_INPUT,
            )
    label = f"{quote(issuer, safe='')}:{quote(account, safe='@')}"
    query = urlencode(
        {
            "secret": secret_to_base32(secret),
            "issuer": issuer,
            "algorithm": algorithm.upper(),
            "digits": digits,
            "period": step,
        },
        quote_via=quote,  # spaces as %20: several apps show a literal "+" otherwise
    )
    return f"otpauth://totp/{label}?{query}"


def totp(
    secret: bytes, at: float, *, digits: int = 6, step: int = 30, algorithm: Algorithm = "sha1"
) -> str:
    """The code for time ``at`` (seconds since the epoch), zero-padded to ``digits``."""
    _check(secret, digits, step, algorithm)
    return _hotp(secret, time_step(at, step), digits, algorithm)


def time_step(at: float, step: int = 30) -> int:
    """RFC 6238's T: the number of whole ``step``-second periods since the epoch at ``at``."""
    if not math.isfinite(at) or at < 0:
        raise VaultError("TOTP time must be a non-negative number", kind=ErrorKind.INVALID_INPUT)
    if step <= 0:
        raise VaultError("a TOTP step must be positive", kind=ErrorKind.INVALID_INPUT)
    return int(at // step)


def verify_totp(
    secret: bytes,
    code: str,
    at: float,
    *,
    window: int = 1,
    last_used_step: int | None = None,
    digits: int = 6,
    step: int = 30,
    algorithm: Algorithm = "sha1",
) -> int | None:
    """The time step whose code ``code`` is, within ``window`` steps of ``at``, or ``None``.

    Steps at or before ``last_used_step`` are never matched: store the returned step and pass
    it back on the next login, so a code seen over a shoulder cannot be used again. Spaces in
    ``code`` are ignored (apps show "123 456"); any other malformed code is simply wrong.
    """
    _check(secret, digits, step, algorithm)
    if window < 0:
        raise VaultError("a TOTP window must not be negative", kind=ErrorKind.INVALID_INPUT)
    code = code.replace(" ", "")
    if len(code) != digits or not (code.isascii() and code.isdigit()):
        return None
    now = time_step(at, step)
    matched = None
    # Every candidate is computed and compared in constant time, so the response time does
    # not tell which step (or whether any) matched.
    for candidate in range(max(0, now - window), now + window + 1):
        if last_used_step is not None and candidate <= last_used_step:
            continue
        if hmac.compare_digest(_hotp(secret, candidate, digits, algorithm), code):
            matched = candidate
    return matched


def _hotp(secret: bytes, counter: int, digits: int, algorithm: Algorithm) -> str:
    """RFC 4226 HOTP: HMAC of the 8-byte counter, then dynamic truncation."""
    mac = hmac.digest(secret, counter.to_bytes(8, "big"), algorithm)
    offset = mac[-1] & 0x0F
    value = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFF_FFFF
    return str(value % 10**digits).zfill(digits)


def _check(secret: bytes, digits: int, step: int, algorithm: str) -> None:
    if len(secret) < _MIN_SECRET_BYTES:
        raise VaultError(
            f"a TOTP secret must have at least {_MIN_SECRET_BYTES} bytes",
            kind=ErrorKind.INVALID_INPUT,
        )
    if digits not in _DIGIT_RANGE:
        raise VaultError(
            f"TOTP codes have {_DIGIT_RANGE.start}-{_DIGIT_RANGE.stop - 1} digits, not {digits}",
            kind=ErrorKind.INVALID_INPUT,
        )
    if step <= 0:
        raise VaultError("a TOTP step must be positive", kind=ErrorKind.INVALID_INPUT)
    if algorithm not in _ALGORITHMS:
        raise VaultError(
            f"TOTP algorithm must be one of {', '.join(_ALGORITHMS)}", kind=ErrorKind.INVALID_INPUT
        )
