"""Staff accounts and login on a real SQLite file: PINs, TOTP and badge second factors, the
lockout, the review key a recruiter's login unlocks, the audit chain; and ``kiosk users`` as IT
staff run it, in a real subprocess."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk.engine import InterviewState, PlannedQuestion, Stage
from kiosk.errors import ErrorKind, VaultError
from kiosk.store import SessionStore
from kiosk.vault import audit, totp
from kiosk.vault.accounts import Accounts, AddedUser, LockedOut, UserSummary
from kiosk.vault.envelope import fingerprint, new_key_pair, private_key_bytes
from kiosk.vault.keyring import Keyring
from kiosk.vault.roles import Principal, Role

ROOT = Path(__file__).resolve().parents[3]
T0 = 1_800_000_000.0
ADMIN = "local-admin"
# Eight digits: any six-digit string turns up now and then in the kilobytes of hex hashes the
# data directory holds, which would make the scan for PINs below fail by chance.
RITA_PIN, DORA_PIN, IVAN_PIN, REX_PIN = "48291573", "93716482", "61829374", "27495816"
WRONG_PIN = "57380192"
CANARY = "Philippa Vasquez-Oyelaran"


class Clock:
    """The injected clock: moves only when a test moves it."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@dataclass
class Terminal:
    data: Path
    store: SessionStore
    accounts: Accounts
    clock: Clock

    @property
    def keyring(self) -> Keyring:
        return self.store.keyring

    def add(self, user_id: str, role: Role, pin: str, *depts: str, **kw: str) -> AddedUser:
        return self.accounts.add_user(user_id, role, pin, depts, actor=ADMIN, **kw)

    def login_totp(self, user: AddedUser, pin: str) -> Principal:
        return self.accounts.login(user.user_id, pin, code(user, self.clock.now))

    def failures(self, user_id: str) -> int:
        rows = self.store.query("SELECT failures FROM users WHERE user_id = ?", [user_id])
        return int(rows[0][0])


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[Terminal]:
    data = tmp_path / "data"
    store = SessionStore(data / "kiosk.db", Keyring.load(data / "keys"))
    clock = Clock()
    yield Terminal(data, store, Accounts(store, store.keyring, data / "keys", clock), clock)
    store.close()


def secret_of(uri: str) -> bytes:
    return totp.secret_from_base32(parse_qs(urlparse(uri).query)["secret"][0])


def code(user: AddedUser, at: float) -> str:
    return totp.totp(secret_of(user.provisioning_uri), at)


def refused(action: Callable[[], object]) -> VaultError:
    with pytest.raises(VaultError) as info:
        action()
    return info.value


def closed_session(store: SessionStore, session_id: str) -> None:
    state = InterviewState(
        stage=Stage.GREETING,
        session_id=session_id,
        position_id="swe-intern",
        language="en",
        questions=(PlannedQuestion("q", "behavioural", 30, 120, 1),),
    )
    store.create_session(state, f"{session_id.upper():X<4}-0001", {"name": CANARY}, T0)
    store.close_session(session_id, "completed", T0 + 60)


# -- adding accounts ----------------------------------------------------------------------


def test_the_first_recruiter_creates_the_review_key_and_it_admins_get_no_copy(
    kiosk: Terminal,
) -> None:
    review_pub = kiosk.data / "keys" / "review.pub"
    ivan = kiosk.add("ivan", Role.IT_ADMIN, IVAN_PIN)
    assert ivan.created_review_key is None
    assert kiosk.keyring.review_key is None and not review_pub.exists()

    rita = kiosk.add("rita", Role.RECRUITER, RITA_PIN)
    review_key = kiosk.keyring.review_key
    assert review_key is not None and rita.created_review_key == fingerprint(review_key)
    assert review_pub.read_bytes() == review_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert review_pub.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in review_pub.parent.iterdir() if p.name.endswith(".tmp")] == []
    # A terminal started later wraps new sessions to the same key.
    assert Keyring.load(kiosk.data / "keys").review_key is not None

    assert rita.provisioning_uri.startswith("otpauth://totp/Interview%20Kiosk:rita?secret=")
    assert rita.badge_token.startswith("ikb1-") and len(rita.badge_token) > 40
    assert rita.badge_token not in repr(rita) and "otpauth" not in repr(rita)
    copies = kiosk.store.query("SELECT user_id FROM review_key_copies")
    assert [tuple(row) for row in copies] == [("rita",)]
    assert kiosk.accounts.users() == [
        UserSummary("ivan", Role.IT_ADMIN, (), False),
        UserSummary("rita", Role.RECRUITER, (), False),
    ]
    stored = kiosk.store.query(
        "SELECT pin_hash, badge_hash, source FROM users WHERE user_id='rita'"
    )
    pin_hash, badge_hash, source = stored[0]
    assert pin_hash.startswith("$argon2id$v=19$m=32768,t=3,p=2$")
    assert len(badge_hash) == 64 and rita.badge_token not in badge_hash and source == "local"


@pytest.mark.parametrize("user_id", ["ab", "Rita", "rita smith", "-rita", "r" * 33, "rïta", ""])
def test_user_ids_are_lowercase_ascii_of_3_to_32_characters(kiosk: Terminal, user_id: str) -> None:
    error = refused(lambda: kiosk.add(user_id, Role.IT_ADMIN, IVAN_PIN))
    assert error.kind is ErrorKind.INVALID_INPUT and "3-32 characters" in str(error)


def test_pins_departments_and_duplicates_are_checked(kiosk: Terminal) -> None:
    for pin in ("12345", "123456", "111111", "121212", "12ab56", "١٢٣٤٥٩"):
        error = refused(lambda pin=pin: kiosk.add("ivan", Role.IT_ADMIN, pin))  # type: ignore[misc]
        assert error.kind is ErrorKind.INVALID_INPUT and pin not in str(error)
    head = refused(lambda: kiosk.add("dora", Role.DEPARTMENT_HEAD, DORA_PIN))
    assert "at least one department" in str(head)
    recruiter = refused(lambda: kiosk.add("rita", Role.RECRUITER, RITA_PIN, "sales"))
    assert "only department heads" in str(recruiter)
    assert kiosk.accounts.users() == []
    kiosk.add("ivan", Role.IT_ADMIN, IVAN_PIN)
    twice = refused(lambda: kiosk.add("ivan", Role.IT_ADMIN, IVAN_PIN))
    assert twice.kind is ErrorKind.INVALID_INPUT and "already exists" in str(twice)


def test_a_later_recruiter_needs_the_review_key_from_an_existing_one(kiosk: Terminal) -> None:
    kiosk.add("rita", Role.RECRUITER, RITA_PIN)
    alone = refused(lambda: kiosk.add("dora", Role.DEPARTMENT_HEAD, DORA_PIN, "sales"))
    assert alone.kind is ErrorKind.LOCKED and "--existing-recruiter" in str(alone)
    # A wrong PIN of the existing recruiter counts as a failed login of theirs.
    wrong = refused(
        lambda: kiosk.add(
            "dora", Role.DEPARTMENT_HEAD, DORA_PIN, "sales",
            existing_recruiter="rita", existing_pin=WRONG_PIN,
        )
    )  # fmt: skip
    assert wrong.kind is ErrorKind.INVALID_INPUT and kiosk.failures("rita") == 1
    dora = kiosk.add(
        "dora", Role.DEPARTMENT_HEAD, DORA_PIN, "sales", "it",
        existing_recruiter="rita", existing_pin=RITA_PIN,
    )  # fmt: skip
    assert dora.created_review_key is None and kiosk.failures("rita") == 0
    assert kiosk.keyring.review_private is None  # copying the key logged nobody in
    # A logged-in department head adds a colleague without anyone typing another PIN.
    head = kiosk.login_totp(dora, DORA_PIN)
    assert head == Principal("dora", Role.DEPARTMENT_HEAD, frozenset({"it", "sales"}))
    rex = kiosk.add("rex", Role.RECRUITER, REX_PIN)
    kiosk.accounts.logout()
    kiosk.clock.now += 30
    kiosk.login_totp(rex, REX_PIN)
    review_private = kiosk.keyring.review_private
    assert review_private is not None and kiosk.keyring.review_key is not None
    assert fingerprint(review_private.public_key()) == fingerprint(kiosk.keyring.review_key)
    entries = {row[4]: row[5] for row in kiosk.store.audit_entries() if row[3] == "user_added"}
    assert '"review_key_from":"rita"' in entries["dora"]


# -- login ----------------------------------------------------------------------------------


def test_login_with_a_totp_code_and_a_replayed_code_is_refused(kiosk: Terminal) -> None:
    rita = kiosk.add("rita", Role.RECRUITER, RITA_PIN)
    seen = code(rita, T0)
    assert kiosk.accounts.login("rita", RITA_PIN, seen) == Principal("rita", Role.RECRUITER)
    assert kiosk.accounts.current == Principal("rita", Role.RECRUITER)
    kiosk.accounts.logout()
    # The same code again, still inside its 30 s (someone watched it being typed) ...
    kiosk.clock.now += 10
    replay = refused(lambda: kiosk.accounts.login("rita", RITA_PIN, seen))
    assert replay.kind is ErrorKind.INVALID_INPUT and kiosk.failures("rita") == 1
    # ... while the next code, typed as apps show it, works and resets the failures.
    kiosk.clock.now += 30
    next_code = code(rita, kiosk.clock.now)
    kiosk.accounts.login("rita", RITA_PIN, f"{next_code[:3]} {next_code[3:]}")
    assert kiosk.failures("rita") == 0
    # A code from two minutes ago is outside the window.
    kiosk.clock.now += 30
    stale = refused(lambda: kiosk.accounts.login("rita", RITA_PIN, code(rita, T0 - 120)))
    assert stale.kind is ErrorKind.INVALID_INPUT


def test_login_with_a_badge(kiosk: Terminal) -> None:
    rita = kiosk.add("rita", Role.RECRUITER, RITA_PIN)
    ivan = kiosk.add("ivan", Role.IT_ADMIN, IVAN_PIN)
    assert kiosk.accounts.login("ivan", IVAN_PIN, ivan.badge_token + "\n").role is Role.IT_ADMIN
    # The badge is a second factor, not a one-time code: it works every day.
    assert kiosk.accounts.login("ivan", IVAN_PIN, ivan.badge_token).user_id == "ivan"
    assert refused(lambda: kiosk.accounts.login("ivan", IVAN_PIN, rita.badge_token))
    assert refused(lambda: kiosk.accounts.login("ivan", WRONG_PIN, ivan.badge_token))
    assert refused(lambda: kiosk.accounts.login("ivan", IVAN_PIN, ""))
    assert kiosk.failures("ivan") == 3
    logins = [row[5] for row in kiosk.store.audit_entries() if row[3] == "login"]
    assert logins == ['{"factor":"badge","role":"it_admin"}'] * 2


def test_after_three_free_failures_the_wait_holds_even_for_the_right_pin(
    kiosk: Terminal,
) -> None:
    rita = kiosk.add("rita", Role.RECRUITER, RITA_PIN)
    for failures in (1, 2, 3, 4):  # three free, the fourth is still checked, then 30 s
        wrong = refused(lambda: kiosk.accounts.login("rita", WRONG_PIN, code(rita, T0)))
        assert wrong.kind is ErrorKind.INVALID_INPUT and kiosk.failures("rita") == failures
    assert kiosk.accounts.users()[0].locked
    kiosk.clock.now += 29
    with pytest.raises(LockedOut) as info:
        kiosk.login_totp(rita, RITA_PIN)
    assert info.value.kind is ErrorKind.LOCKED and info.value.wait_seconds == 1.0
    assert "try again in 1 s" in str(info.value)
    # While waiting, the PIN is not even looked at: a damaged hash would raise otherwise.
    [(saved,)] = kiosk.store.query("SELECT pin_hash FROM users WHERE user_id = 'rita'")
    with kiosk.store.transaction() as db:
        db.execute("UPDATE users SET pin_hash = 'damaged' WHERE user_id = 'rita'")
    with pytest.raises(LockedOut):
        kiosk.login_totp(rita, RITA_PIN)
    with kiosk.store.transaction() as db:
        db.execute("UPDATE users SET pin_hash = ? WHERE user_id = 'rita'", [saved])
    assert kiosk.failures("rita") == 4  # a refused attempt is not a failed one
    kiosk.clock.now += 1
    assert kiosk.login_totp(rita, RITA_PIN).user_id == "rita"
    assert kiosk.failures("rita") == 0 and not kiosk.accounts.users()[0].locked


def fail_until_locked(kiosk: Terminal, user_id: str, times: int) -> None:
    """``times`` failed logins, each as soon as the wait before it is over."""
    done = 0
    while done < times:
        try:
            kiosk.accounts.login(user_id, WRONG_PIN, "000000")
        except LockedOut as locked:
            kiosk.clock.now += locked.wait_seconds
        except VaultError:
            done += 1


def test_ten_failures_lock_the_account_until_an_it_admin_unlocks_it(kiosk: Terminal) -> None:
    rita = kiosk.add("rita", Role.RECRUITER, RITA_PIN)
    fail_until_locked(kiosk, "rita", 10)
    assert kiosk.clock.now - T0 == 30 + 60 + 120 + 240 + 480 + 900
    kiosk.clock.now += 7 * 86_400.0
    with pytest.raises(LockedOut) as info:
        kiosk.login_totp(rita, RITA_PIN)
    assert math.isinf(info.value.wait_seconds) and "IT admin" in str(info.value)
    assert refused(lambda: kiosk.accounts.unlock("nobody", actor="ivan")).kind is (
        ErrorKind.INVALID_INPUT
    )
    kiosk.accounts.unlock("rita", actor="ivan")
    assert kiosk.login_totp(rita, RITA_PIN).user_id == "rita"
    unlocked = [row for row in kiosk.store.audit_entries() if row[3] == "user_unlocked"]
    assert [(r[2], r[4], r[5]) for r in unlocked] == [
        ("ivan", "rita", '{"failures":10,"was_locked":true}')
    ]


def test_an_unknown_user_looks_exactly_like_a_wrong_pin(kiosk: Terminal) -> None:
    rita = kiosk.add("rita", Role.RECRUITER, RITA_PIN)
    wrong = refused(lambda: kiosk.accounts.login("rita", WRONG_PIN, code(rita, T0)))
    unknown = refused(lambda: kiosk.accounts.login("rota", RITA_PIN, code(rita, T0)))
    assert (type(unknown), unknown.kind, str(unknown)) == (type(wrong), wrong.kind, str(wrong))

    def fastest(user_id: str) -> float:
        times = []
        for _ in range(3):
            kiosk.accounts.unlock("rita", actor=ADMIN)
            start = time.perf_counter()
            refused(lambda: kiosk.accounts.login(user_id, WRONG_PIN, "000000"))
            times.append(time.perf_counter() - start)
        return min(times)

    # Both pay one argon2id verification; without the dummy one an unknown id would be
    # answered in about a millisecond instead of about a hundred.
    ratio = fastest("nobody") / fastest("rita")
    assert 0.5 < ratio < 2.0, ratio
    # An unknown id also locks like a real one, so the lockout does not tell them apart ...
    fail_until_locked(kiosk, "nobody", 1)  # its fourth failure
    with pytest.raises(LockedOut) as info:
        kiosk.accounts.login("nobody", RITA_PIN, "000000")
    assert info.value.wait_seconds == 30.0
    # ... and is not written to the audit log: it may be anything typed, even a PIN.
    targets = {row[4] for row in kiosk.store.audit_entries() if row[3] == "login_failed"}
    assert targets == {"rita", "(unknown)"}


# -- the review key ---------------------------------------------------------------------------


def test_a_recruiter_login_opens_closed_sessions_and_logout_closes_them_again(
    kiosk: Terminal,
) -> None:
    rita = kiosk.add("rita", Role.RECRUITER, RITA_PIN)
    ivan = kiosk.add("ivan", Role.IT_ADMIN, IVAN_PIN)
    closed_session(kiosk.store, "s1")  # started after the review key existed
    assert {c.recipient for c in kiosk.store.wrapped_keys("s1")} == {"review"}
    assert refused(lambda: kiosk.store.personal("s1")).kind is ErrorKind.LOCKED

    kiosk.login_totp(rita, RITA_PIN)
    assert kiosk.store.personal("s1") == {"name": CANARY}
    kiosk.accounts.logout()
    assert kiosk.keyring.review_private is None and kiosk.accounts.current is None
    # A store that has not opened s1 before (this one remembers the data key; see below).
    fresh = SessionStore(kiosk.data / "kiosk.db", kiosk.keyring)
    assert refused(lambda: fresh.personal("s1")).kind is ErrorKind.LOCKED

    kiosk.accounts.login("ivan", IVAN_PIN, ivan.badge_token)
    assert kiosk.keyring.review_private is None
    assert refused(lambda: fresh.personal("s1")).kind is ErrorKind.LOCKED
    # One staff member at a time: the admin's login ends the recruiter's unlock.
    kiosk.clock.now += 30
    kiosk.login_totp(rita, RITA_PIN)
    assert kiosk.keyring.review_private is not None
    kiosk.accounts.login("ivan", IVAN_PIN, ivan.badge_token)
    assert kiosk.keyring.review_private is None
    fresh.close()


def test_logout_also_closes_sessions_the_same_store_already_opened(kiosk: Terminal) -> None:
    rita = kiosk.add("rita", Role.RECRUITER, RITA_PIN)
    closed_session(kiosk.store, "s1")
    kiosk.login_totp(rita, RITA_PIN)
    assert kiosk.store.personal("s1") == {"name": CANARY}
    kiosk.accounts.logout()
    assert refused(lambda: kiosk.store.personal("s1")).kind is ErrorKind.LOCKED


def test_a_replaced_review_pub_is_caught_at_login(kiosk: Terminal) -> None:
    # Someone with the disk swaps review.pub for their own key, so that the sessions started
    # from then on are wrapped for them: the next recruiter login refuses, loudly.
    rita = kiosk.add("rita", Role.RECRUITER, RITA_PIN)
    keys = kiosk.data / "keys"
    (keys / "review.pub").write_bytes(
        new_key_pair()[1].public_bytes(Encoding.Raw, PublicFormat.Raw)
    )
    store = SessionStore(kiosk.data / "kiosk.db", Keyring.load(keys))
    accounts = Accounts(store, store.keyring, keys, kiosk.clock)
    error = refused(lambda: accounts.login("rita", RITA_PIN, code(rita, T0)))
    assert error.kind is ErrorKind.STORAGE_CORRUPT and "review.pub" in str(error)
    assert store.keyring.review_private is None and accounts.current is None
    store.close()


def test_accounts_use_the_stores_own_keyring(kiosk: Terminal) -> None:
    with pytest.raises(ValueError, match="store's own keyring"):
        Accounts(kiosk.store, Keyring.load(kiosk.data / "keys"), kiosk.data / "keys", kiosk.clock)


# -- the audit chain and the files ------------------------------------------------------------


def test_every_action_is_audited_and_no_secret_reaches_any_file(kiosk: Terminal) -> None:
    ivan = kiosk.add("ivan", Role.IT_ADMIN, IVAN_PIN)
    rita = kiosk.add("rita", Role.RECRUITER, RITA_PIN)
    dora = kiosk.add(
        "dora", Role.DEPARTMENT_HEAD, DORA_PIN, "sales",
        existing_recruiter="rita", existing_pin=RITA_PIN,
    )  # fmt: skip
    closed_session(kiosk.store, "s1")
    kiosk.login_totp(rita, RITA_PIN)
    assert kiosk.keyring.review_private is not None
    review_private = private_key_bytes(kiosk.keyring.review_private)
    kiosk.accounts.logout()
    refused(lambda: kiosk.accounts.login("rita", WRONG_PIN, code(rita, kiosk.clock.now)))
    refused(lambda: kiosk.accounts.login(RITA_PIN, RITA_PIN, "000000"))  # PIN as user id
    kiosk.accounts.login("dora", DORA_PIN, dora.badge_token)
    kiosk.accounts.logout()
    fail_until_locked(kiosk, "ivan", 10)
    kiosk.accounts.unlock("ivan", actor=ADMIN)
    kiosk.accounts.login("ivan", IVAN_PIN, code(ivan, kiosk.clock.now))
    kiosk.accounts.logout()

    entries = kiosk.store.audit_entries()
    assert audit.verify(entries) == []
    actions = {row[3] for row in entries}
    assert actions == {"user_added", "login", "login_failed", "logout", "user_unlocked"}
    kiosk.store.close()

    secrets: dict[str, bytes] = {"review private key": review_private}
    for name, pin in (("ivan", IVAN_PIN), ("rita", RITA_PIN), ("dora", DORA_PIN)):
        secrets[f"{name}'s PIN"] = pin.encode()
    secrets["a wrong PIN"] = WRONG_PIN.encode()
    for user in (ivan, rita, dora):
        secret = secret_of(user.provisioning_uri)
        secrets[f"{user.user_id}'s TOTP secret"] = secret
        secrets[f"{user.user_id}'s TOTP secret, base32"] = totp.secret_to_base32(secret).encode()
        secrets[f"{user.user_id}'s badge"] = user.badge_token.encode()
    scanned = 0
    for path in kiosk.data.rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            scanned += len(raw)
            for what, value in secrets.items():
                assert value not in raw, (path.name, what)
    assert scanned > 20_000


# -- ``kiosk users`` ------------------------------------------------------------------------


def kiosk_cli(data: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env["KIOSK_DATA_DIR"] = str(data)
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        input=stdin, capture_output=True, text=True, timeout=120, cwd=ROOT, check=False, env=env,
    )  # fmt: skip


def test_kiosk_users_add_and_list_as_it_staff_run_them(tmp_path: Path) -> None:
    data = tmp_path / "data"
    added = kiosk_cli(
        data, "users", "add", "rita", "--role", "recruiter", "--pin-stdin", stdin=f"{RITA_PIN}\n"
    )
    assert added.returncode == 0, added.stderr
    assert "created the review key" in added.stdout and RITA_PIN not in added.stdout
    uri = next(w for w in added.stdout.split() if w.startswith("otpauth://totp/"))
    badge = next(w for w in added.stdout.split() if w.startswith("ikb1-"))
    head = kiosk_cli(
        data, "users", "add", "dora", "--role", "department_head", "--department", "sales",
        "--pin-stdin", "--existing-recruiter", "rita", stdin=f"{DORA_PIN}\n{RITA_PIN}\n",
    )  # fmt: skip
    assert head.returncode == 0, head.stderr
    trivial = kiosk_cli(
        data, "users", "add", "ivan", "--role", "it_admin", "--pin-stdin", stdin="123456\n"
    )
    assert trivial.returncode == 1 and "too easy to guess" in trivial.stderr
    assert "Traceback" not in trivial.stderr and len(trivial.stderr.splitlines()) == 1

    listed = kiosk_cli(data, "users", "list")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines()[1:]]
    assert rows == [["dora", "department_head", "no", "sales"], ["rita", "recruiter", "no", "-"]]

    # The printed URI and badge are the account's real second factors.
    store = SessionStore(data / "kiosk.db", Keyring.load(data / "keys"))
    accounts = Accounts(store, store.keyring, data / "keys", time.time)
    secret = secret_of(uri)
    assert accounts.login("rita", RITA_PIN, totp.totp(secret, time.time())).user_id == "rita"
    assert store.keyring.review_private is not None
    assert accounts.login("rita", RITA_PIN, badge).user_id == "rita"
    store.close()
    raw = b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file())
    for value in (RITA_PIN, DORA_PIN, badge, totp.secret_to_base32(secret)):
        assert value.encode() not in raw


# -- removing accounts and changing PINs ------------------------------------------------------


def test_a_removed_recruiter_can_log_in_no_more_and_the_review_key_survives(
    kiosk: Terminal,
) -> None:
    rita = kiosk.add("rita", Role.RECRUITER, RITA_PIN)
    last = refused(lambda: kiosk.accounts.remove("rita", actor=ADMIN))
    assert "last copy of the review key" in str(last)
    rex = kiosk.add(
        "rex", Role.RECRUITER, REX_PIN, existing_recruiter="rita", existing_pin=RITA_PIN
    )
    closed_session(kiosk.store, "s1")
    kiosk.accounts.remove("rita", actor=ADMIN)
    assert [u.user_id for u in kiosk.accounts.users()] == ["rex"]
    assert not kiosk.store.query("SELECT 1 FROM review_key_copies WHERE user_id = 'rita'")
    gone = refused(lambda: kiosk.login_totp(rita, RITA_PIN))
    assert gone.kind is ErrorKind.INVALID_INPUT
    # The colleague still opens what the review key opens.
    kiosk.clock.now += 30
    kiosk.login_totp(rex, REX_PIN)
    assert kiosk.store.personal("s1")["name"] == CANARY
    assert refused(lambda: kiosk.accounts.remove("nobody", actor=ADMIN))
    removed = [(e[2], e[3], e[4]) for e in kiosk.store.audit_entries() if e[3] == "user_removed"]
    assert removed == [(ADMIN, "user_removed", "rita")]


def test_a_pin_change_needs_the_old_pin_and_a_second_factor_and_keeps_the_review_key(
    kiosk: Terminal,
) -> None:
    rita = kiosk.add("rita", Role.RECRUITER, RITA_PIN)
    closed_session(kiosk.store, "s1")
    now = kiosk.clock.now
    wrong = refused(lambda: kiosk.accounts.change_pin("rita", WRONG_PIN, code(rita, now), DORA_PIN))
    assert wrong.kind is ErrorKind.INVALID_INPUT and kiosk.failures("rita") == 1  # counted
    easy = refused(lambda: kiosk.accounts.change_pin("rita", RITA_PIN, rita.badge_token, "123456"))
    assert "too easy to guess" in str(easy)
    kiosk.accounts.change_pin("rita", RITA_PIN, rita.badge_token, DORA_PIN)
    assert kiosk.failures("rita") == 0
    kiosk.clock.now += 30
    assert refused(lambda: kiosk.login_totp(rita, RITA_PIN))  # the old PIN is gone
    kiosk.clock.now += 30
    kiosk.login_totp(rita, DORA_PIN)
    assert kiosk.store.personal("s1")["name"] == CANARY  # the review key, under the new PIN
    changed = [(e[2], e[4]) for e in kiosk.store.audit_entries() if e[3] == "pin_changed"]
    assert changed == [("rita", "rita")]


def test_kiosk_users_pin_and_remove_as_staff_run_them(tmp_path: Path) -> None:
    data = tmp_path / "data"
    kiosk_cli(
        data, "users", "add", "rita", "--role", "recruiter", "--pin-stdin", stdin=f"{RITA_PIN}\n"
    )
    added = kiosk_cli(
        data, "users", "add", "rex", "--role", "recruiter", "--pin-stdin",
        "--existing-recruiter", "rita", stdin=f"{REX_PIN}\n{RITA_PIN}\n",
    )  # fmt: skip
    badge = next(w for w in added.stdout.split() if w.startswith("ikb1-"))
    changed = kiosk_cli(
        data, "users", "pin", "rex", "--pin-stdin", stdin=f"{REX_PIN}\n{badge}\n{DORA_PIN}\n"
    )
    assert changed.returncode == 0, changed.stderr
    assert "changed the PIN of rex" in changed.stdout and DORA_PIN not in changed.stdout
    again = kiosk_cli(
        data, "users", "pin", "rex", "--pin-stdin", stdin=f"{REX_PIN}\n{badge}\n{IVAN_PIN}\n"
    )
    assert again.returncode == 1 and "login refused" in again.stderr
    assert "Traceback" not in again.stderr
    removed = kiosk_cli(data, "users", "remove", "rita")
    assert removed.returncode == 0 and "removed rita" in removed.stdout
    listed = kiosk_cli(data, "users", "list")
    assert [line.split()[0] for line in listed.stdout.splitlines()[1:]] == ["rex"]
    last = kiosk_cli(data, "users", "remove", "rex")
    assert last.returncode == 1 and "last copy of the review key" in last.stderr
