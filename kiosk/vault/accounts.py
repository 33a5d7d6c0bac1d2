"""Staff accounts and login: who may unlock the terminal, and how.

Each account has a role (:mod:`kiosk.vault.roles`), a PIN stored as an argon2id hash
(:mod:`kiosk.vault.passwords`) and two second factors, either of which completes a login: a
TOTP code (:mod:`kiosk.vault.totp`; the shared secret is sealed under the device key, so a
copied database alone does not give it away) and a badge token, printed once as a QR code and
stored only as its SHA-256 (256 random bits need no slow hash). Failed logins follow
:mod:`kiosk.vault.lockout`.

Recruiters and department heads read candidate data through the terminal's **review key**
(:mod:`kiosk.vault.keyring`): adding the first of them creates it and writes ``review.pub``, so
sessions started from then on get a review copy of their data key; sessions started before have
none. Every such account keeps its own copy of the review private key, sealed with AES-256-GCM
under a key derived with argon2id from its PIN; a login opens that copy into
``keyring.review_private`` and :meth:`Accounts.logout` drops it. A later colleague's copy can only
be made from the private key itself, so adding one needs a recruiter: logged in, or typing their
PIN (``--existing-recruiter``). IT admins get no copy: they run the device, not the interviews.

One staff member is logged in at a time: a login replaces whoever was logged in before.

Accounts come from ``kiosk users add`` (``source = 'local'``) or, later, from the ERP.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk.errors import ErrorKind, VaultError
from kiosk.fileio import write_private
from kiosk.store import SessionStore
from kiosk.vault import lockout, passwords, totp
from kiosk.vault.envelope import fingerprint, load_private_key, new_key_pair, private_key_bytes
from kiosk.vault.keyring import Keyring
from kiosk.vault.lockout import DEFAULT_POLICY, LockoutPolicy, LoginRecord
from kiosk.vault.passwords import DEFAULT_PARAMS, Argon2Params, derive_key, hash_pin
from kiosk.vault.roles import Principal, Role

#: Roles that read candidate data, and so hold a copy of the review key.
REVIEW_ROLES = frozenset({Role.RECRUITER, Role.DEPARTMENT_HEAD})

_USER_ID = re.compile(r"[a-z0-9][a-z0-9._-]{2,31}")
_BADGE_PREFIX = "ikb1-"  # never all digits, so a badge is never mistaken for a TOTP code
_NONCE_BYTES = 12
_SALT_BYTES = 16
# Audit names for whoever stands at the screen: a failed login authenticates nobody, and a
# user id that does not exist may be anything typed, even a PIN typed into the wrong field.
_ANONYMOUS = "(anonymous)"
_UNKNOWN = "(unknown)"
# Lockout records of unknown user ids, kept in memory only so that they lock like real ones
# (otherwise "locked after four tries" would tell which ids exist); bounded against floods.
_MAX_UNKNOWN = 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


# A well-formed hash of no PIN at all, with today's parameters: verifying against it costs what
# a real wrong PIN costs, so an unknown user id is not answered faster.
_DUMMY_HASH = (
    f"$argon2id$v=19${DEFAULT_PARAMS.phc()}"
    f"${_b64(secrets.token_bytes(16))}${_b64(secrets.token_bytes(32))}"
)


class LockedOut(VaultError):
    """A login refused before any PIN check, because the account must wait or is locked."""

    def __init__(self, wait_seconds: float) -> None:
        if math.isinf(wait_seconds):
            message = "too many failed logins: the account is locked until an IT admin unlocks it"
        else:
            message = f"too many failed logins: try again in {math.ceil(wait_seconds)} s"
        super().__init__(message, kind=ErrorKind.LOCKED)
        #: Seconds until the next attempt is allowed; ``math.inf`` until an admin unlocks.
        self.wait_seconds = wait_seconds


@dataclass(frozen=True, slots=True)
class AddedUser:
    """A new account's one-time secrets: show them once, then let them go (never stored)."""

    user_id: str
    role: Role
    provisioning_uri: str = field(repr=False)  # otpauth:// URI carrying the TOTP secret
    badge_token: str = field(repr=False)  # to print as the badge's QR code
    created_review_key: str | None  # fingerprint, if this account created the review key


class UserSummary(NamedTuple):
    """One line of :meth:`Accounts.users`."""

    user_id: str
    role: Role
    departments: tuple[str, ...]
    locked: bool  # waiting after failures, or locked until an IT admin unlocks


@dataclass(frozen=True, slots=True)
class _User:
    user_id: str
    role: Role
    departments: tuple[str, ...]
    pin_hash: str
    totp_sealed: bytes
    badge_hash: str | None
    record: LoginRecord
    last_totp_step: int | None

    def principal(self) -> Principal:
        return Principal(self.user_id, self.role, frozenset(self.departments))

    def summary(self, now: float, policy: LockoutPolicy) -> UserSummary:
        locked = lockout.check(self.record, now, policy) > 0
        return UserSummary(self.user_id, self.role, self.departments, locked)


_USER_COLUMNS = (
    "user_id, role, departments, pin_hash, totp_sealed, badge_hash, failures, locked_until, "
    "hard_locked, last_totp_step"
)


class Accounts:
    """Staff accounts in the session store, and the login that unlocks the review key.

    ``keyring`` must be the store's own (``store.keyring``): the review key a login unlocks is
    the one the store opens closed sessions with. ``clock`` gives seconds since the epoch.
    """

    def __init__(
        self,
        store: SessionStore,
        keyring: Keyring,
        keys_dir: Path,
        clock: Callable[[], float],
        *,
        policy: LockoutPolicy = DEFAULT_POLICY,
    ) -> None:
        if keyring is not store.keyring:
            raise ValueError("Accounts needs the store's own keyring (store.keyring)")
        self._store = store
        self._keyring = keyring
        self._keys_dir = keys_dir
        self._clock = clock
        self._policy = policy
        # Attempts run one at a time, so two at once cannot both pass the lockout check with
        # the same count of failures and get a guess each without waiting.
        self._lock = threading.Lock()
        self._unknown: dict[str, LoginRecord] = {}
        self._current: Principal | None = None

    @property
    def current(self) -> Principal | None:
        """Who is logged in, if anyone."""
        return self._current

    # -- accounts -------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        role: Role,
        pin: str,
        departments: Iterable[str] = (),
        *,
        actor: str,
        existing_recruiter: str | None = None,
        existing_pin: str | None = None,
    ) -> AddedUser:
        """Add a local account; audited ``user_added``. Whether ``actor`` may is the caller's
        check (:func:`kiosk.vault.roles.authorize`).

        A recruiter or department head gets a copy of the review key. The first one creates
        the key (``review.pub``, so sessions started from now on are wrapped to it); later ones
        need the private key, from a logged-in recruiter (``keyring.review_private``) or from
        ``existing_recruiter`` and ``existing_pin`` (checked like a login, failures counted);
        otherwise :class:`VaultError` (``LOCKED``).
        """
        if not _USER_ID.fullmatch(user_id):
            raise _invalid(
                "a user id has 3-32 characters: lowercase a-z, digits, '.', '_' or '-', "
                "starting with a letter or digit"
            )
        passwords.check_pin_policy(pin)
        depts = _departments(role, departments)
        if self._user(user_id) is not None:
            raise _invalid(f"user {user_id} already exists")
        private: X25519PrivateKey | None = None
        created = False
        if role in REVIEW_ROLES:
            private, created = self._review_private_for_copy(existing_recruiter, existing_pin)
        elif existing_recruiter is not None:
            raise _invalid("IT admins get no copy of the review key; omit --existing-recruiter")
        secret, badge = totp.new_secret(), _BADGE_PREFIX + secrets.token_urlsafe(32)
        now = self._clock()
        # The argon2 work happens before the transaction: the store's lock is shared with the
        # interview, which must not wait for it.
        row = {
            "user_id": user_id,
            "role": role.value,
            "departments": json.dumps(depts),
            "pin_hash": hash_pin(pin),
            "totp_sealed": _seal(self._keyring.device_key, secret, _aad("totp", user_id)),
            "badge_hash": _badge_hash(badge),
            "source": "local",
            "created_at": now,
        }
        copy = _review_copy(user_id, pin, private) if private is not None else None
        detail: dict[str, Any] = {"role": role.value, "source": "local"}
        if created and private is not None:
            detail["created_review_key"] = fingerprint(private.public_key())
        if existing_recruiter is not None:
            detail["review_key_from"] = existing_recruiter
        with self._store.transaction() as db:
            db.table("users").insert(row)
            if copy is not None:
                db.table("review_key_copies").insert(copy)
            self._store.audit(actor, "user_added", user_id, detail, now)
        # After the commit: a crash in between leaves copies without review.pub, which the next
        # recruiter login writes again; the other order could leave a review.pub nobody opens.
        if private is not None:
            self._publish_review_key(private.public_key())
        uri = totp.provisioning_uri(secret, user_id)
        return AddedUser(user_id, role, uri, badge, detail.get("created_review_key"))

    def users(self) -> list[UserSummary]:
        """Every account, by user id."""
        now = self._clock()
        rows = self._store.query(f"SELECT {_USER_COLUMNS} FROM users ORDER BY user_id")  # noqa: S608
        return [_user_from_row(row).summary(now, self._policy) for row in rows]

    def unlock(self, user_id: str, *, actor: str) -> None:
        """Forget an account's failures and lift its lock (IT admins); audited."""
        with self._lock, self._store.transaction() as db:
            user = self._user(user_id)
            if user is None:
                raise _invalid(f"no user {user_id}")
            _write_record(db, user_id, LoginRecord())
            detail = {"failures": user.record.failures, "was_locked": user.record.hard_locked}
            self._store.audit(actor, "user_unlocked", user_id, detail, self._clock())

    def remove(self, user_id: str, *, actor: str) -> None:
        """Remove a local account (someone who left): the account and its copy of the review
        key are deleted, so their PIN opens nothing from now on; audited ``user_removed``.

        Refused for the last account holding the review key (no one could read a closed
        session's report on this terminal again) and for accounts the ERP manages (they go
        when the ERP drops them).
        """
        with self._lock, self._store.transaction() as db:
            user = self._user(user_id)
            if user is None:
                raise _invalid(f"no user {user_id}")
            source = db.execute("SELECT source FROM users WHERE user_id = ?", [user_id])
            if source.fetchone()[0] != "local":
                raise _invalid(f"{user_id} is managed by the HR ERP: remove them there")
            holders = [
                row[0] for row in db.execute("SELECT user_id FROM review_key_copies").fetchall()
            ]
            if holders == [user_id]:
                raise _invalid(
                    f"{user_id} holds the last copy of the review key: add another recruiter "
                    "first, or no report could be read on this terminal again"
                )
            db.execute("DELETE FROM review_key_copies WHERE user_id = ?", [user_id])
            db.execute("DELETE FROM users WHERE user_id = ?", [user_id])
            detail = {"role": user.role.value}
            self._store.audit(actor, "user_removed", user_id, detail, self._clock())
        if self._current is not None and self._current.user_id == user_id:
            self.logout()

    def change_pin(self, user_id: str, pin: str, second_factor: str, new_pin: str) -> None:
        """A staff member's new PIN, proven with the current one and a second factor (counted
        like a login, with its lockout); their copy of the review key is sealed again under
        the new PIN. Audited ``pin_changed``."""
        passwords.check_pin_policy(new_pin)
        if new_pin == pin:
            raise _invalid("the new PIN must differ from the current one")
        with self._lock:
            user, step = self._verify(user_id, pin, second_factor)
            private = self._open_review_copy(user, pin) if user.role in REVIEW_ROLES else None
            pin_hash = hash_pin(new_pin)
            copy = _review_copy(user_id, new_pin, private) if private is not None else None
            with self._store.transaction() as db:
                _record_success(db, user, step, pin_hash)
                if copy is not None:
                    db.execute(
                        "UPDATE review_key_copies SET salt = ?, kdf_params = ?, "
                        "sealed_private = ? WHERE user_id = ?",
                        [copy["salt"], copy["kdf_params"], copy["sealed_private"], user_id],
                    )
                self._store.audit(user_id, "pin_changed", user_id, {}, self._clock())

    # -- login ----------------------------------------------------------------------------

    def login(self, user_id: str, pin: str, second_factor: str) -> Principal:
        """Log a staff member in with their PIN and a TOTP code or badge token.

        Raises :class:`LockedOut` while the account must wait (no PIN is checked then), and
        :class:`VaultError` (``INVALID_INPUT``) for a wrong user id, PIN or second factor, all
        with one message and the same argon2 work. A recruiter's or department head's login
        unlocks the review key (``keyring.review_private``); any other login clears it.
        """
        with self._lock:
            user, step = self._verify(user_id, pin, second_factor)
            private = self._open_review_copy(user, pin) if user.role in REVIEW_ROLES else None
            # Parameters raised since the PIN was set: store a hash with today's.
            rehashed = hash_pin(pin) if passwords.needs_rehash(user.pin_hash) else None
            now = self._clock()
            with self._store.transaction() as db:
                _record_success(db, user, step, rehashed)
                factor = "totp" if step is not None else "badge"
                detail = {"role": user.role.value, "factor": factor}
                self._store.audit(user_id, "login", user_id, detail, now)
            # Whatever the previous user's review key opened goes with them.
            self._store.forget_closed_keys()
            self._keyring.review_private = private
            if private is not None:
                self._publish_review_key(private.public_key())
            self._current = user.principal()
            return self._current

    def logout(self) -> None:
        """Forget the review key and whoever was logged in (audited if someone was)."""
        self._keyring.review_private = None
        self._store.forget_closed_keys()
        current, self._current = self._current, None
        if current is not None:
            self._store.audit(current.user_id, "logout", current.user_id, {}, self._clock())

    def _verify(
        self, user_id: str, pin: str, second_factor: str | None
    ) -> tuple[_User, int | None]:
        """The account, if ``pin`` and ``second_factor`` (None: the PIN alone) are right, and
        the TOTP step used; otherwise the failure is counted and audited and this raises."""
        now = self._clock()
        user = self._user(user_id)
        record = user.record if user else self._unknown.get(user_id, LoginRecord())
        target = user.user_id if user else _UNKNOWN
        wait = lockout.check(record, now, self._policy)
        if wait > 0:
            self._store.audit(_ANONYMOUS, "login_failed", target, {"locked": True}, now)
            raise LockedOut(wait)
        step = None
        if user is None:
            # The same work as a wrong PIN; the result is moot.
            passwords.verify_pin(pin, _DUMMY_HASH)
        else:
            pin_ok = passwords.verify_pin(pin, user.pin_hash)
            factor_ok, step = self._second_factor_ok(user, second_factor, now)
            if pin_ok and factor_ok:
                return user, step
        failed = lockout.after_failure(record, now, self._policy)
        if user is None:
            self._remember_unknown(user_id, failed)
        # One transaction either way, so an unknown id costs the same disk writes as well.
        with self._store.transaction() as db:
            if user is not None:
                _write_record(db, user_id, failed)
            detail = {"failures": failed.failures, "locked": failed.hard_locked}
            self._store.audit(_ANONYMOUS, "login_failed", target, detail, now)
        raise VaultError(
            "login refused: wrong user id, PIN or second factor", kind=ErrorKind.INVALID_INPUT
        )

    def _second_factor_ok(
        self, user: _User, factor: str | None, now: float
    ) -> tuple[bool, int | None]:
        """Whether ``factor`` is right (None: none asked for), and the TOTP step it used."""
        if factor is None:
            return True, None
        code = factor.replace(" ", "")
        if code.isascii() and code.isdigit():
            if not user.totp_sealed:  # an ERP account with a badge only
                return False, None
            secret = _open(self._keyring.device_key, user.totp_sealed, _aad("totp", user.user_id))
            step = totp.verify_totp(secret, code, now, last_used_step=user.last_totp_step)
            return step is not None, step
        if user.badge_hash is None:
            return False, None
        return hmac.compare_digest(_badge_hash(factor.strip()), user.badge_hash), None

    def _remember_unknown(self, user_id: str, record: LoginRecord) -> None:
        self._unknown.pop(user_id, None)
        if len(self._unknown) >= _MAX_UNKNOWN:
            del self._unknown[next(iter(self._unknown))]  # the oldest
        self._unknown[user_id] = record

    # -- the review key -------------------------------------------------------------------

    def _review_private_for_copy(
        self, existing_recruiter: str | None, existing_pin: str | None
    ) -> tuple[X25519PrivateKey, bool]:
        """The review private key to copy for a new account, and whether it is new."""
        if existing_recruiter is not None:
            if existing_pin is None:
                raise _invalid("an existing recruiter needs their PIN")
            with self._lock:
                user, _ = self._verify(existing_recruiter, existing_pin, None)
                with self._store.transaction() as db:
                    _write_record(db, user.user_id, lockout.after_success(user.record))
            private = self._open_review_copy(user, existing_pin)
            if private is None:
                raise _invalid(f"{existing_recruiter} holds no copy of the review key")
            return private, False
        if self._keyring.review_private is not None:
            return self._keyring.review_private, False
        copies = self._store.query("SELECT 1 FROM review_key_copies LIMIT 1")
        if self._keyring.review_key is None and not copies:
            return new_key_pair()[0], True
        raise VaultError(
            "adding a recruiter or department head needs the review key: a recruiter must be "
            "logged in, or give their user id and PIN (--existing-recruiter)",
            kind=ErrorKind.LOCKED,
        )

    def _open_review_copy(self, user: _User, pin: str) -> X25519PrivateKey | None:
        """``user``'s copy of the review private key, opened with their (verified) PIN.

        None if they have none (an account synced from the ERP, which cannot make one).
        """
        rows = self._store.query(
            "SELECT salt, kdf_params, sealed_private FROM review_key_copies WHERE user_id = ?",
            [user.user_id],
        )
        if not rows:
            return None
        salt, params, sealed = rows[0]
        key = derive_key(pin.encode("utf-8"), salt, params=Argon2Params.from_phc(params))
        private = load_private_key(_open(key, sealed, _aad("review", user.user_id)))
        review_key = self._keyring.review_key
        if review_key is not None and fingerprint(review_key) != fingerprint(private.public_key()):
            raise _corrupt("keys/review.pub is not the review key recruiters hold; restore it")
        return private

    def _publish_review_key(self, public: X25519PublicKey) -> None:
        """Write ``review.pub`` (0600, atomically) if the keyring has no review key yet."""
        if self._keyring.review_key is not None:
            return
        raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
        path = self._keys_dir / "review.pub"
        if path.exists() and path.read_bytes() != raw:
            raise _corrupt(f"{path} is not the review key recruiters hold; restore it")
        if not path.exists():
            write_private(path, raw)
        self._keyring.review_key = public

    def _user(self, user_id: str) -> _User | None:
        rows = self._store.query(
            f"SELECT {_USER_COLUMNS} FROM users WHERE user_id = ? AND disabled = 0",  # noqa: S608
            [user_id],
        )
        return _user_from_row(rows[0]) if rows else None


# -- helpers ------------------------------------------------------------------------------


def _user_from_row(row: Any) -> _User:
    (user_id, role, depts, pin_hash, totp_sealed, badge_hash, failures, locked_until,
     hard_locked, last_step) = row  # fmt: skip
    record = LoginRecord(failures, locked_until, bool(hard_locked))
    return _User(
        user_id, Role(role), tuple(json.loads(depts)), pin_hash, totp_sealed, badge_hash,
        record, last_step,
    )  # fmt: skip


def _record_success(db: Any, user: _User, step: int | None, pin_hash: str | None) -> None:
    """A proven PIN and second factor: the failures are forgotten, the TOTP step used is kept
    (so the code cannot be replayed) and a new PIN hash, if any, replaces the old one."""
    _write_record(db, user.user_id, lockout.after_success(user.record))
    db.execute(
        "UPDATE users SET last_totp_step = COALESCE(?, last_totp_step), "
        "pin_hash = COALESCE(?, pin_hash) WHERE user_id = ?",
        [step, pin_hash, user.user_id],
    )


def _write_record(db: Any, user_id: str, record: LoginRecord) -> None:
    db.execute(
        "UPDATE users SET failures = ?, locked_until = ?, hard_locked = ? WHERE user_id = ?",
        [record.failures, record.locked_until, int(record.hard_locked), user_id],
    )


def _departments(role: Role, departments: Iterable[str]) -> list[str]:
    depts = sorted({d.strip() for d in departments})
    if any(not d for d in depts):
        raise _invalid("a department name must not be empty")
    if role is Role.DEPARTMENT_HEAD and not depts:
        raise _invalid("a department head needs at least one department")
    if role is not Role.DEPARTMENT_HEAD and depts:
        # Other roles ignore departments; accepting them would suggest a limit that is not there.
        raise _invalid(f"only department heads have departments, not role {role.value}")
    return depts


def _review_copy(user_id: str, pin: str, private: X25519PrivateKey) -> dict[str, Any]:
    salt = secrets.token_bytes(_SALT_BYTES)
    key = derive_key(pin.encode("utf-8"), salt, params=DEFAULT_PARAMS)
    return {
        "user_id": user_id,
        "salt": salt,
        "kdf_params": DEFAULT_PARAMS.phc(),
        "sealed_private": _seal(key, private_key_bytes(private), _aad("review", user_id)),
    }


def _aad(purpose: str, user_id: str) -> bytes:
    # Binds a ciphertext to its account, so one user's sealed secret copied onto another's
    # row does not open there. Length-prefixed, as in kiosk.vault.envelope.
    parts = (b"ik-account-v1", purpose.encode(), user_id.encode())
    return b"".join(len(p).to_bytes(2, "big") + p for p in parts)


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], aad)
    except (InvalidTag, ValueError):
        # The key here is the device key or one from a verified PIN: this is damage, not a guess.
        raise _corrupt("a sealed account secret does not open (damaged, or moved)") from None


def _badge_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _invalid(message: str) -> VaultError:
    return VaultError(message, kind=ErrorKind.INVALID_INPUT)


def _corrupt(message: str) -> VaultError:
    return VaultError(message, kind=ErrorKind.STORAGE_CORRUPT)
