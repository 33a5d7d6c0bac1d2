"""TOTP against RFC 6238's own test vectors, the clock-drift window and replay refusal."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from kiosk.errors import ErrorKind, VaultError
from kiosk.vault.totp import (
    SECRET_BYTES,
    Algorithm,
    new_secret,
    provisioning_uri,
    secret_from_base32,
    secret_to_base32,
    time_step,
    totp,
    verify_totp,
)

# RFC 6238, Appendix B: the seeds are ASCII digits, one length per hash function.
SEEDS: dict[Algorithm, bytes] = {
    "sha1": b"12345678901234567890",
    "sha256": b"12345678901234567890123456789012",
    "sha512": b"1234567890123456789012345678901234567890123456789012345678901234",
}
RFC_6238_VECTORS: list[tuple[float, Algorithm, str]] = [
    (59, "sha1", "94287082"),
    (59, "sha256", "46119246"),
    (59, "sha512", "90693936"),
    (1111111109, "sha1", "07081804"),
    (1111111109, "sha256", "68084774"),
    (1111111109, "sha512", "25091201"),
    (1111111111, "sha1", "14050471"),
    (1111111111, "sha256", "67062674"),
    (1111111111, "sha512", "99943326"),
    (1234567890, "sha1", "89005924"),
    (1234567890, "sha256", "91819424"),
    (1234567890, "sha512", "93441116"),
    (2000000000, "sha1", "69279037"),
    (2000000000, "sha256", "90698825"),
    (2000000000, "sha512", "38618901"),
    (20000000000, "sha1", "65353130"),
    (20000000000, "sha256", "77737706"),
    (20000000000, "sha512", "47863826"),
]
SECRET = SEEDS["sha1"]
NOW = 1_800_000_000.0  # a step boundary: 1_800_000_000 / 30 = 60_000_000
STEP = 60_000_000


@pytest.mark.parametrize(("at", "algorithm", "expected"), RFC_6238_VECTORS)
def test_the_rfc_6238_vectors(at: float, algorithm: Algorithm, expected: str) -> None:
    assert totp(SEEDS[algorithm], at, digits=8, algorithm=algorithm) == expected
    # Six digits are the last six of the same truncated value.
    assert totp(SEEDS[algorithm], at, algorithm=algorithm) == expected[2:]
    step = verify_totp(SEEDS[algorithm], expected, at, digits=8, algorithm=algorithm)
    assert step == time_step(at)


def test_a_code_is_accepted_within_one_step_either_side_and_not_beyond() -> None:
    code = totp(SECRET, NOW)
    assert verify_totp(SECRET, code, NOW) == STEP
    assert verify_totp(SECRET, code, NOW + 29.9) == STEP  # same step
    assert verify_totp(SECRET, code, NOW + 30) == STEP  # phone one step behind the kiosk
    assert verify_totp(SECRET, code, NOW + 59.9) == STEP
    assert verify_totp(SECRET, code, NOW - 30) == STEP  # phone one step ahead
    assert verify_totp(SECRET, code, NOW + 60) is None
    assert verify_totp(SECRET, code, NOW - 30.1) is None
    assert verify_totp(SECRET, code, NOW + 60, window=2) == STEP
    assert verify_totp(SECRET, code, NOW + 30, window=0) is None


def test_the_step_of_a_used_code_and_every_earlier_one_are_refused() -> None:
    code = totp(SECRET, NOW)
    used = verify_totp(SECRET, code, NOW)
    assert used == STEP
    # The same code replayed a few seconds later, still inside its step and window.
    assert verify_totp(SECRET, code, NOW + 5, last_used_step=used) is None
    assert verify_totp(SECRET, code, NOW + 45, last_used_step=used) is None
    # An older code that was never used is refused too once a newer step has been used.
    older = totp(SECRET, NOW - 30)
    assert verify_totp(SECRET, older, NOW, last_used_step=used) is None
    # The next step's code works.
    assert verify_totp(SECRET, totp(SECRET, NOW + 30), NOW + 31, last_used_step=used) == STEP + 1


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12345a", "１２３４５６"])
def test_malformed_codes_are_simply_wrong(code: str) -> None:
    assert verify_totp(SECRET, code, NOW) is None


def test_a_wrong_code_fails_and_spaces_inside_a_code_are_ignored() -> None:
    code = totp(SECRET, NOW)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert verify_totp(SECRET, wrong, NOW) is None
    assert verify_totp(SECRET, f"{code[:3]} {code[3:]}", NOW) == STEP
    assert verify_totp(new_secret(), code, NOW) is None


def test_codes_keep_their_leading_zeros() -> None:
    assert totp(SEEDS["sha1"], 1111111109, digits=8) == "07081804"
    codes = {totp(SECRET, NOW + 30 * i) for i in range(200)}
    assert all(len(code) == 6 and code.isdigit() for code in codes)


def test_new_secrets_are_random_20_bytes_and_round_trip_through_base32() -> None:
    first, second = new_secret(), new_secret()
    assert len(first) == SECRET_BYTES == 20
    assert first != second
    text = secret_to_base32(first)
    assert len(text) == 32 and "=" not in text
    assert secret_from_base32(text) == first
    assert secret_from_base32(" ".join(text.lower()[i : i + 4] for i in range(0, 32, 4))) == first
    assert secret_to_base32(SEEDS["sha1"]) == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    odd = bytes(range(16))  # 16 bytes need base32 padding, which is left off
    assert secret_from_base32(secret_to_base32(odd)) == odd


@pytest.mark.parametrize("text", ["GEZDGNBV1", "not base32!", "ГЕЗД"])
def test_text_that_is_not_base32_is_refused(text: str) -> None:
    with pytest.raises(VaultError) as caught:
        secret_from_base32(text)
    assert caught.value.kind is ErrorKind.INVALID_INPUT


def test_the_provisioning_uri_is_what_authenticator_apps_read() -> None:
    uri = provisioning_uri(SEEDS["sha1"], "li.wei@example.com")
    assert uri == (
        "otpauth://totp/Interview%20Kiosk:li.wei@example.com"
        "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Interview%20Kiosk"
        "&algorithm=SHA1&digits=6&period=30"
    )
    parts = urlsplit(provisioning_uri(SEEDS["sha256"], "王 伟", "HR & Co", algorithm="sha256"))
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert unquote(parts.path) == "/HR & Co:王 伟"
    query = parse_qs(parts.query)
    assert query == {
        "secret": [secret_to_base32(SEEDS["sha256"])],
        "issuer": ["HR & Co"],
        "algorithm": ["SHA256"],
        "digits": ["6"],
        "period": ["30"],
    }
    assert secret_from_base32(query["secret"][0]) == SEEDS["sha256"]


@pytest.mark.parametrize(("account", "issuer"), [("a:b", "Kiosk"), ("ab", "K:x"), ("", "Kiosk")])
def test_a_label_with_a_colon_or_an_empty_part_is_refused(account: str, issuer: str) -> None:
    with pytest.raises(VaultError) as caught:
        provisioning_uri(SECRET, account, issuer)
    assert caught.value.kind is ErrorKind.INVALID_INPUT


@pytest.mark.parametrize(
    "call",
    [
        lambda: totp(b"short secret", NOW),
        lambda: totp(SECRET, NOW, digits=5),
        lambda: totp(SECRET, NOW, digits=9),
        lambda: totp(SECRET, NOW, step=0),
        lambda: totp(SECRET, -1),
        lambda: totp(SECRET, float("nan")),
        lambda: totp(SECRET, NOW, algorithm="md5"),  # type: ignore[arg-type]
        lambda: verify_totp(SECRET, "123456", NOW, window=-1),
    ],
)
def test_bad_parameters_are_refused(call: Callable[[], object]) -> None:
    with pytest.raises(VaultError) as caught:
        call()
    assert caught.value.kind is ErrorKind.INVALID_INPUT
