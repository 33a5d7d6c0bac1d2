"""Lockout after failed staff logins, as pure functions of a record and an injected time.

The numbers (:data:`DEFAULT_POLICY`) and why:

- **3 free attempts**: a recruiter who mistypes a PIN or catches a code as it changes is not
  slowed down.
- **then 30 s, 60 s, 120 s, ... doubling, capped at 15 min** before the next attempt is allowed
  (failure 4 waits 30 s, 5 waits 60 s, 6 waits 120 s, 7 waits 240 s, 8 waits 480 s, 9 waits
  900 s instead of 960 s).
- **10 consecutive failures lock the account** until an IT admin unlocks it.

Guessing therefore gets ten tries per admin unlock, whatever the attacker's patience. A login
needs the PIN (10^6 values) and the current TOTP code (10^6 values, three of them accepted with
a window of one step): without the PIN the ten tries succeed with odds near 10^-11, and even
someone who watched the PIN being typed has about 3 in 100,000. Nine tries cost about half an
hour of waiting (30 + 60 + 120 + 240 + 480 + 900 s) before the tenth, in a public hall.

A candidate fiddling with the staff screen meets the same numbers from the other side: three
and a half minutes of wrong taps leave the recruiter at most a four-minute wait, and reaching
the hard lock takes half an hour of deliberate persistence in view of staff. No wait is longer
than 15 min, even if the kiosk's clock is set back.

Failures are counted per account and reset only by a successful login or an admin unlock; the
caller persists :class:`LoginRecord` (the store) and reads the time from the injected clock.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from kiosk.errors import ErrorKind, VaultError


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    """How many failed logins are free, how long the waits after them grow, and when the
    account locks for good. See the module docstring for why these defaults."""

    free_attempts: int = 3  # failures allowed before any wait
    first_delay: float = 30.0  # seconds to wait after the first failure beyond the free ones
    max_delay: float = 15 * 60.0  # no wait is longer than this, however many failures
    hard_lock_after: int = 10  # this many consecutive failures lock until an admin unlocks

    def __post_init__(self) -> None:
        if self.free_attempts < 0:
            raise _invalid("free_attempts must not be negative")
        if not 0 < self.first_delay <= self.max_delay:
            raise _invalid("delays must satisfy 0 < first_delay <= max_delay")
        if self.hard_lock_after <= self.free_attempts:
            raise _invalid("hard_lock_after must be greater than free_attempts")

    def delay_after(self, failures: int) -> float:
        """Seconds to wait after ``failures`` consecutive failures (before the hard lock)."""
        beyond = failures - self.free_attempts
        if beyond <= 0:
            return 0.0
        # Doubling from first_delay; the exponent is clamped so that a huge count cannot
        # overflow the float before the cap applies.
        return min(self.first_delay * 2.0 ** min(beyond - 1, 64), self.max_delay)


#: The policy of every staff account.
DEFAULT_POLICY = LockoutPolicy()


@dataclass(frozen=True, slots=True)
class LoginRecord:
    """One account's standing after its recent logins: what the store keeps per user.

    ``LoginRecord()`` is an account in good standing; an IT admin's unlock stores one.
    """

    failures: int = 0  # consecutive failed logins since the last success or unlock
    locked_until: float = 0.0  # no attempt before this time (seconds since the epoch)
    hard_locked: bool = False  # locked until an IT admin unlocks it


def check(record: LoginRecord, now: float, policy: LockoutPolicy = DEFAULT_POLICY) -> float:
    """Seconds until ``record``'s account may try to log in: 0 means now.

    A hard-locked account waits forever (``math.inf``) until an IT admin unlocks it. The wait
    is never longer than ``policy.max_delay``, so setting the clock back cannot lengthen it.
    """
    if record.hard_locked:
        return math.inf
    return min(max(0.0, record.locked_until - now), policy.max_delay)


def after_failure(record: LoginRecord, now: float, policy: LockoutPolicy) -> LoginRecord:
    """The record after a failed login at ``now`` (wrong PIN or wrong code: never say which).

    Every failure reported counts, even one the caller should have refused with
    :func:`check`, so that a caller's mistake cannot open the door to unlimited guessing.
    """
    failures = record.failures + 1
    if failures >= policy.hard_lock_after:
        return dataclasses.replace(record, failures=failures, hard_locked=True)
    delay = policy.delay_after(failures)
    locked_until = now + delay if delay else record.locked_until
    return dataclasses.replace(record, failures=failures, locked_until=locked_until)


def after_success(record: LoginRecord) -> LoginRecord:
    """The record after a successful login: failures and waits are forgotten.

    A hard lock stays: a login that reached verification while hard-locked means the caller
    skipped :func:`check`, and only an IT admin may lift it (by storing a fresh record).
    """
    if record.hard_locked:
        return record
    return LoginRecord()


def _invalid(message: str) -> VaultError:
    return VaultError(f"lockout policy: {message}", kind=ErrorKind.CONFIG_INVALID)
