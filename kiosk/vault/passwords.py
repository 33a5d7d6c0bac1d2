"""Staff PINs: the PIN policy, argon2id hashes of PINs, and argon2id key derivation.

A six-digit PIN has a million values, about 20 bits: no hash makes that safe against someone who
has copied the user table and can guess offline. What protects a PIN on the kiosk is the lockout
(:mod:`kiosk.vault.lockout`) and the second factor (:mod:`kiosk.vault.totp`); what the hash buys
is cost. With :data:`DEFAULT_PARAMS` every guess needs 32 MiB of memory and about a tenth of a
second of one core, so trying all six-digit PINs against one stolen hash takes about a day of
CPU time instead of a second, and memory-hardness keeps GPUs from shortcutting much of that.

Parameters, measured on the 2-core reference machine (AMD EPYC VM, cryptography 50; OpenSSL's
argon2 runs the lanes one after another, so ``p`` costs nothing extra there): m = 32 MiB, t = 3,
p = 2 takes a median of 80 ms per hash or verify on a quiet machine and 85-120 ms while other
benchmarks run, inside the 50-150 ms a login may take. 64 MiB with t = 3 took 175-270 ms, too
slow for a login a recruiter repeats all day; 32 MiB with t = 2 took 70-80 ms.
``python -m benchmarks.vault_auth`` measures it again.

Hashes are PHC strings (``$argon2id$v=19$m=32768,t=3,p=2$<salt>$<hash>``, unpadded standard
base64, the format of argon2-cffi and libsodium), so each hash carries its own parameters:
:data:`DEFAULT_PARAMS` can be raised later, old hashes still verify, and :func:`needs_rehash`
tells the login code to store a fresh hash after the next successful login.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import itertools
import re
import secrets
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from kiosk.errors import ErrorKind, VaultError

#: The shortest PIN accepted when a PIN is set.
PIN_MIN_DIGITS = 6

_SALT_BYTES = 16
_HASH_BYTES = 32
# Upper bounds on what a stored hash may ask for: a tampered row must fail as corrupt, not
# exhaust the kiosk's memory (m=4 TiB) or hold a login for minutes. At the bounds a verify
# costs some 40x the default (a few seconds), far above anything a 2-core kiosk would choose.
_MAX_MEMORY_KIB = 256 * 1024  # 256 MiB
_MAX_ITERATIONS = 16
_MAX_LANES = 16
# Salts written by other argon2 implementations may be as short as argon2 allows (8 bytes).
_MIN_SALT_BYTES, _MAX_SALT_BYTES = 8, 64
_MIN_HASH_BYTES, _MAX_HASH_BYTES = 16, 64
# Argon2's associated data for derive_key: a key-encryption key and a PIN hash computed from
# the same secret and salt still differ, so one can never stand in for the other.
_KDF_CONTEXT = b"interview-kiosk/key-encryption-key/v1"

_NUMBER = "([0-9]{1,10})"
_B64 = "([A-Za-z0-9+/]+)"
_PARAMS_RE = re.compile(f"m={_NUMBER},t={_NUMBER},p={_NUMBER}")
_PHC_RE = re.compile(rf"\$argon2id\$v=19\$(m=[0-9]+,t=[0-9]+,p=[0-9]+)\${_B64}\${_B64}")


def _params_problem(memory_kib: int, iterations: int, lanes: int) -> str | None:
    if not 1 <= lanes <= _MAX_LANES:
        return f"lanes must be 1-{_MAX_LANES}, not {lanes}"
    if not 8 * lanes <= memory_kib <= _MAX_MEMORY_KIB:
        return f"memory must be {8 * lanes}-{_MAX_MEMORY_KIB} KiB, not {memory_kib}"
    if not 1 <= iterations <= _MAX_ITERATIONS:
        return f"iterations must be 1-{_MAX_ITERATIONS}, not {iterations}"
    return None


@dataclass(frozen=True, slots=True)
class Argon2Params:
    """Argon2id cost parameters, as written into every PHC string."""

    memory_kib: int  # argon2's m: memory per hash in KiB; the main cost for a GPU attacker
    iterations: int  # argon2's t: passes over that memory
    lanes: int  # argon2's p: parallel lanes (sequential in OpenSSL, so no speed-up here)

    def __post_init__(self) -> None:
        problem = _params_problem(self.memory_kib, self.iterations, self.lanes)
        if problem:
            raise VaultError(f"argon2id parameters: {problem}", kind=ErrorKind.CONFIG_INVALID)

    def phc(self) -> str:
        """The parameters in PHC notation, e.g. ``m=32768,t=3,p=2``."""
        return f"m={self.memory_kib},t={self.iterations},p={self.lanes}"

    @classmethod
    def from_phc(cls, text: str) -> Argon2Params:
        """Read parameters written by :meth:`phc` (for example stored beside a derived key's
        salt); raise :class:`VaultError` (``STORAGE_CORRUPT``) if they are malformed."""
        match = _PARAMS_RE.fullmatch(text)
        if not match:
            raise VaultError(
                "argon2id parameters are malformed (expected m=<KiB>,t=<passes>,p=<lanes>)",
                kind=ErrorKind.STORAGE_CORRUPT,
            )
        memory, iterations, lanes = (int(group) for group in match.groups())
        problem = _params_problem(memory, iterations, lanes)
        if problem:
            raise VaultError(f"argon2id parameters: {problem}", kind=ErrorKind.STORAGE_CORRUPT)
        return cls(memory, iterations, lanes)


#: The parameters new hashes and keys use; see the module docstring for the measurement.
DEFAULT_PARAMS = Argon2Params(memory_kib=32 * 1024, iterations=3, lanes=2)


def check_pin_policy(pin: str) -> None:
    """Raise :class:`VaultError` (``INVALID_INPUT``) unless ``pin`` may be set as a staff PIN.

    A PIN is at least :data:`PIN_MIN_DIGITS` ASCII digits and not trivially guessable: not one
    digit repeated (111111), not a run up or down (123456, 654321, 890123 with 0 after 9) and
    not a shorter block repeated (121212, 123123). These are the first PINs anyone tries; the
    lockout allows only ten tries in all. Only setting a PIN is checked: :func:`verify_pin`
    accepts whatever was set before a policy change. Messages never contain the PIN.
    """
    if len(pin) < PIN_MIN_DIGITS:
        raise VaultError(
            f"a PIN must have at least {PIN_MIN_DIGITS} digits", kind=ErrorKind.INVALID_INPUT
        )
    # isdigit() alone also accepts other scripts' digits and superscripts, which a keypad
    # cannot type and which would make the same PIN hash differently.
    if not (pin.isascii() and pin.isdigit()):
        raise VaultError("a PIN may contain only the digits 0-9", kind=ErrorKind.INVALID_INPUT)
    if _is_trivial(pin):
        raise VaultError(
            "this PIN is too easy to guess (a digit or block repeated, or a run up or down)",
            kind=ErrorKind.INVALID_INPUT,
        )


def hash_pin(pin: str, *, params: Argon2Params = DEFAULT_PARAMS) -> str:
    """Hash ``pin`` with argon2id and a fresh 16-byte random salt, as a PHC string.

    Does not apply the PIN policy: call :func:`check_pin_policy` first when a PIN is set.
    """
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _argon2id(pin.encode("utf-8"), salt, params, _HASH_BYTES)
    return f"$argon2id$v=19${params.phc()}${_b64encode(salt)}${_b64encode(digest)}"


def verify_pin(pin: str, encoded: str) -> bool:
    """Whether ``pin`` matches the PHC string ``encoded``, with the parameters stored in it.

    The digests are compared in constant time. A string that is not a well-formed argon2id
    hash raises :class:`VaultError` (``STORAGE_CORRUPT``): a damaged user record is not the
    same as a wrong PIN, and must not silently lock a recruiter out as one.
    """
    params, salt, expected = _parse(encoded)
    actual = _argon2id(pin.encode("utf-8"), salt, params, len(expected))
    return hmac.compare_digest(actual, expected)


def needs_rehash(encoded: str, *, params: Argon2Params = DEFAULT_PARAMS) -> bool:
    """Whether ``encoded`` was made with other parameters or sizes than new hashes use.

    After a successful login with such a hash, store ``hash_pin(pin)`` instead. Any difference
    counts, not only weaker settings, so a deliberate change of parameters reaches every user.
    Raises :class:`VaultError` like :func:`verify_pin` for a malformed string.
    """
    stored, salt, digest = _parse(encoded)
    return stored != params or len(salt) != _SALT_BYTES or len(digest) != _HASH_BYTES


def derive_key(
    secret: bytes, salt: bytes, *, length: int = 32, params: Argon2Params = DEFAULT_PARAMS
) -> bytes:
    """Derive a key-encryption key from a staff credential (e.g. a recruiter's PIN).

    The same primitive and cost as PIN hashing: argon2id with :data:`DEFAULT_PARAMS`. Two
    things keep it apart from a PIN hash: the caller's own ``salt`` (at least 16 random bytes,
    stored beside the key it protects, never the salt of the user's PIN hash) and argon2's
    associated data, a fixed context string, so the output is never equal to a stored PIN hash
    even if a salt were reused.

    Store ``params.phc()`` with the salt and pass :meth:`Argon2Params.from_phc` of it back when
    deriving again: :data:`DEFAULT_PARAMS` may be raised later, and a key derived with other
    parameters is a different key.
    """
    if not secret:
        raise VaultError("cannot derive a key from an empty secret", kind=ErrorKind.INVALID_INPUT)
    if len(salt) < _SALT_BYTES:
        raise VaultError(
            f"a key-derivation salt must have at least {_SALT_BYTES} bytes",
            kind=ErrorKind.INVALID_INPUT,
        )
    if not _MIN_HASH_BYTES <= length <= _MAX_HASH_BYTES:
        raise VaultError(
            f"derived keys have {_MIN_HASH_BYTES}-{_MAX_HASH_BYTES} bytes, not {length}",
            kind=ErrorKind.INVALID_INPUT,
        )
    return _argon2id(secret, salt, params, length, context=_KDF_CONTEXT)


def _argon2id(
    secret: bytes, salt: bytes, params: Argon2Params, length: int, context: bytes | None = None
) -> bytes:
    try:
        kdf = Argon2id(
            salt=salt,
            length=length,
            iterations=params.iterations,
            lanes=params.lanes,
            memory_cost=params.memory_kib,
            ad=context,
        )
    except UnsupportedAlgorithm as exc:
        # Only a cryptography built against an OpenSSL without argon2 gets here.
        raise VaultError(f"argon2id is not available: {exc}", kind=ErrorKind.INTERNAL) from None
    return kdf.derive(secret)


def _parse(encoded: str) -> tuple[Argon2Params, bytes, bytes]:
    """Split a PHC string into parameters, salt and digest, or raise ``STORAGE_CORRUPT``."""
    if not isinstance(encoded, str) or not encoded.startswith("$argon2id$"):
        raise _corrupt("not an argon2id hash (another algorithm, or not a hash at all)")
    version = encoded.split("$")[2]
    if version != "v=19":
        raise _corrupt(f"unsupported argon2 version field {version[:16]!r} (need v=19)")
    match = _PHC_RE.fullmatch(encoded)
    if not match:
        raise _corrupt("malformed argon2id hash (expected $argon2id$v=19$m=,t=,p=$salt$hash)")
    params_text, salt_text, digest_text = match.groups()
    params = Argon2Params.from_phc(params_text)
    salt, digest = _b64decode(salt_text, "salt"), _b64decode(digest_text, "digest")
    if not _MIN_SALT_BYTES <= len(salt) <= _MAX_SALT_BYTES:
        raise _corrupt(f"argon2id salt of {len(salt)} bytes is out of range")
    if not _MIN_HASH_BYTES <= len(digest) <= _MAX_HASH_BYTES:
        raise _corrupt(f"argon2id digest of {len(digest)} bytes is out of range")
    return params, salt, digest


def _is_trivial(pin: str) -> bool:
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    if steps in ({0}, {1}, {9}):  # one digit repeated, or a run up or down (0 follows 9)
        return True
    # A string is a shorter block repeated exactly when it occurs inside itself doubled with
    # the first and last characters removed (121212 in 21212121212).
    return pin in (pin + pin)[1:-1]


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _b64decode(text: str, what: str) -> bytes:
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except binascii.Error:
        raise _corrupt(f"argon2id {what} is not valid base64") from None
    # Unused low bits in the last character would give several spellings of one hash.
    if _b64encode(data) != text:
        raise _corrupt(f"argon2id {what} is not canonical base64")
    return data


def _corrupt(message: str) -> VaultError:
    return VaultError(message, kind=ErrorKind.STORAGE_CORRUPT)
