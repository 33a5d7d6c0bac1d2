"""Lockout after failed logins, driven by explicit times (the functions never read a clock)."""

from __future__ import annotations

import math

import pytest

from kiosk.errors import ErrorKind, VaultError
from kiosk.vault.lockout import (
    DEFAULT_POLICY,
    LockoutPolicy,
    LoginRecord,
    after_failure,
    after_success,
    check,
)

T0 = 1_800_000_000.0
FRESH = LoginRecord()


def fail(times: int, record: LoginRecord = FRESH, at: float = T0) -> LoginRecord:
    """``times`` failures, each at the moment the previous wait ends."""
    for _ in range(times):
        at += check(record, at)
        record = after_failure(record, at, DEFAULT_POLICY)
    return record


def test_the_default_numbers() -> None:
    expected = LockoutPolicy(free_attempts=3, first_delay=30.0, max_delay=900.0, hard_lock_after=10)
    assert expected == DEFAULT_POLICY


def test_three_failures_are_free() -> None:
    record = LoginRecord()
    for failures in (1, 2, 3):
        record = after_failure(record, T0, DEFAULT_POLICY)
        assert record.failures == failures
        assert check(record, T0) == 0
    assert not record.hard_locked


def test_then_the_wait_doubles_from_30_s_and_is_capped_at_15_min() -> None:
    record, now = fail(3), T0
    waits = []
    for _ in range(6):  # failures 4 to 9
        now += check(record, now)
        record = after_failure(record, now, DEFAULT_POLICY)
        waits.append(check(record, now))
    assert waits == [30, 60, 120, 240, 480, 900]
    assert not record.hard_locked
    assert [DEFAULT_POLICY.delay_after(n) for n in range(12)] == [
        *(0, 0, 0, 0),
        *(30, 60, 120, 240, 480, 900, 900, 900),
    ]
    assert DEFAULT_POLICY.delay_after(10_000) == 900


def test_the_wait_runs_down_with_the_injected_time() -> None:
    record = after_failure(fail(3), T0, DEFAULT_POLICY)
    assert check(record, T0) == 30
    assert check(record, T0 + 10) == 20
    assert check(record, T0 + 29.5) == 0.5
    assert check(record, T0 + 30) == 0
    assert check(record, T0 + 3600) == 0


def test_ten_consecutive_failures_lock_the_account_until_an_admin_unlocks_it() -> None:
    record = fail(9)
    assert not record.hard_locked
    record = fail(1, record, T0 + 10_000)
    assert record.hard_locked and record.failures == 10
    assert check(record, T0 + 10_000) == math.inf
    assert check(record, T0 + 365 * 86_400) == math.inf  # waiting does not lift it
    # A login that should never have been tried does not lift it either.
    assert after_success(record) == record
    # Only the admin's fresh record does.
    assert check(LoginRecord(), T0) == 0


def test_a_success_forgets_the_failures() -> None:
    record = fail(6)
    assert record.failures == 6 and check(record, T0 + 200) > 0
    record = after_success(record)
    assert record == LoginRecord()
    assert check(record, T0 + 200) == 0
    # Counting starts again from zero: three more failures are free.
    assert check(fail(3, record, T0 + 200), T0 + 200) == 0


def test_failures_reported_during_a_wait_still_count() -> None:
    record = after_failure(fail(3), T0, DEFAULT_POLICY)  # must wait 30 s
    record = after_failure(record, T0 + 1, DEFAULT_POLICY)
    assert record.failures == 5
    assert check(record, T0 + 1) == 60


def test_setting_the_clock_back_cannot_lengthen_a_wait_beyond_the_cap() -> None:
    record = after_failure(fail(3), T0, DEFAULT_POLICY)
    assert check(record, T0 - 86_400) == DEFAULT_POLICY.max_delay


def test_a_custom_policy_is_followed() -> None:
    policy = LockoutPolicy(free_attempts=0, first_delay=5.0, max_delay=12.0, hard_lock_after=4)
    record, waits = LoginRecord(), []
    for _ in range(3):
        record = after_failure(record, T0, policy)
        waits.append(check(record, T0, policy))
    assert waits == [5, 10, 12]
    assert after_failure(record, T0, policy).hard_locked


@pytest.mark.parametrize(
    "fields",
    [
        {"free_attempts": -1},
        {"first_delay": 0.0},
        {"first_delay": 60.0, "max_delay": 30.0},
        {"free_attempts": 5, "hard_lock_after": 5},
    ],
)
def test_an_inconsistent_policy_is_refused(fields: dict[str, float]) -> None:
    with pytest.raises(VaultError) as caught:
        LockoutPolicy(**fields)  # type: ignore[arg-type]
    assert caught.value.kind is ErrorKind.CONFIG_INVALID
