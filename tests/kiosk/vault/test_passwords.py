"""PIN hashes, the PIN policy and key derivation, with the real argon2id of cryptography."""

from __future__ import annotations

import base64
import re

import pytest
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from kiosk.errors import ErrorKind, VaultError
from kiosk.vault.passwords import (
    DEFAULT_PARAMS,
    Argon2Params,
    check_pin_policy,
    derive_key,
    hash_pin,
    needs_rehash,
    verify_pin,
)

# Cheap parameters for tests that are not about the cost; the default ones are used where the
# test is about what the kiosk really stores.
FAST = Argon2Params(memory_kib=1024, iterations=1, lanes=1)
PIN = "480215"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def test_a_pin_round_trips_with_the_default_parameters_and_a_wrong_pin_fails() -> None:
    encoded = hash_pin(PIN)
    b64_16, b64_32 = "[A-Za-z0-9+/]{22}", "[A-Za-z0-9+/]{43}"
    assert re.fullmatch(rf"\$argon2id\$v=19\$m=32768,t=3,p=2\${b64_16}\${b64_32}", encoded)
    assert PIN not in encoded
    assert verify_pin(PIN, encoded)
    assert not verify_pin("480216", encoded)
    assert not verify_pin("", encoded)
    assert not needs_rehash(encoded)


def test_two_hashes_of_one_pin_differ_because_each_has_its_own_salt() -> None:
    first, second = hash_pin(PIN, params=FAST), hash_pin(PIN, params=FAST)
    assert first != second
    assert first.split("$")[4] != second.split("$")[4]
    assert verify_pin(PIN, first) and verify_pin(PIN, second)


@pytest.mark.skipif(
    not hasattr(Argon2id, "verify_phc_encoded"), reason="cryptography < 45 has no PHC helpers"
)
def test_hashes_are_standard_phc_strings_that_other_argon2_code_reads_and_writes() -> None:
    Argon2id.verify_phc_encoded(PIN.encode(), hash_pin(PIN, params=FAST))
    theirs = Argon2id(salt=b"s" * 16, length=32, iterations=2, lanes=1, memory_cost=2048)
    encoded = theirs.derive_phc_encoded(PIN.encode())
    assert verify_pin(PIN, encoded)
    assert not verify_pin("480216", encoded)


def test_a_hash_made_with_older_parameters_still_verifies_and_asks_for_a_rehash() -> None:
    weaker = hash_pin(PIN, params=FAST)
    assert verify_pin(PIN, weaker)
    assert needs_rehash(weaker)
    stronger = Argon2Params(DEFAULT_PARAMS.memory_kib, DEFAULT_PARAMS.iterations + 1, 2)
    assert needs_rehash(hash_pin(PIN, params=FAST), params=stronger)
    assert not needs_rehash(weaker, params=FAST)
    # Another salt length (e.g. from another argon2 library) is migrated too.
    short_salt = Argon2id(salt=b"s" * 8, length=32, iterations=3, lanes=2, memory_cost=32768)
    encoded = f"$argon2id$v=19$m=32768,t=3,p=2${b64(b's' * 8)}${b64(short_salt.derive(b'x'))}"
    assert verify_pin("x", encoded)
    assert needs_rehash(encoded)


def test_tampering_with_a_well_formed_hash_makes_it_fail_to_verify() -> None:
    encoded = hash_pin(PIN, params=FAST)
    _, _, version, params, salt, digest = encoded.split("$")
    other_digest = b64(bytes(32))
    other_salt = b64(b"\x00" * 16)
    for tampered in (
        f"$argon2id${version}${params}${salt}${other_digest}",
        f"$argon2id${version}${params}${other_salt}${digest}",
        f"$argon2id${version}$m=1024,t=2,p=1${salt}${digest}",
    ):
        assert not verify_pin(PIN, tampered)


VALID = hash_pin(PIN, params=FAST)
SALT, DIGEST = VALID.split("$")[4], VALID.split("$")[5]
B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# The last character of a 16-byte salt carries 4 unused bits (always 0); setting one spells
# the same salt a second way.
SALT_RESPELT = SALT[:-1] + B64_ALPHABET[B64_ALPHABET.index(SALT[-1]) ^ 1]


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        ("", "not an argon2id hash"),
        (PIN, "not an argon2id hash"),
        ("$2b$12$abcdefghijklmnopqrstuv", "not an argon2id hash"),
        (VALID.replace("$argon2id$", "$argon2i$"), "not an argon2id hash"),
        (VALID.replace("v=19", "v=16"), "unsupported argon2 version"),
        ("$argon2id$", "unsupported argon2 version"),
        (VALID.rsplit("$", 1)[0], "malformed"),
        (VALID + "$extra", "malformed"),
        (VALID.replace("m=1024,t=1,p=1", "t=1,m=1024,p=1"), "malformed"),
        (VALID.replace("m=1024", "m=١٠٢٤"), "malformed"),
        (VALID.replace("m=1024", "m=-1"), "malformed"),
        (VALID.replace("m=1024,t=1,p=1", "m=1024,t=1,p=1,keyid=x"), "malformed"),
        (VALID + "=", "malformed"),
        (f"$argon2id$v=19$m=1024,t=1,p=1${SALT}$*{DIGEST[1:]}", "malformed"),
        (VALID.replace("m=1024", "m=4294967295"), "memory must be"),
        (VALID.replace("m=1024", "m=4"), "memory must be"),
        (VALID.replace("t=1", "t=0"), "iterations must be"),
        (VALID.replace("p=1", "p=0"), "lanes must be"),
        (VALID.replace("p=1", "p=99999"), "lanes must be"),
        (VALID.replace(SALT, b64(b"salt")), "salt of 4 bytes"),
        (VALID.replace(DIGEST, b64(bytes(8))), "digest of 8 bytes"),
        (VALID.replace(SALT, "A"), "not valid base64"),
        (VALID.replace(SALT, SALT_RESPELT), "canonical"),
    ],
)
def test_a_malformed_hash_raises_a_storage_error_that_says_why(encoded: str, message: str) -> None:
    with pytest.raises(VaultError, match=message) as caught:
        verify_pin(PIN, encoded)
    assert caught.value.kind is ErrorKind.STORAGE_CORRUPT
    with pytest.raises(VaultError):
        needs_rehash(encoded)


def test_a_hash_that_is_not_a_string_is_a_storage_error_not_a_crash() -> None:
    with pytest.raises(VaultError) as caught:
        verify_pin(PIN, VALID.encode())  # type: ignore[arg-type]
    assert caught.value.kind is ErrorKind.STORAGE_CORRUPT


@pytest.mark.parametrize(
    ("pin", "message"),
    [
        ("12345", "at least 6 digits"),
        ("", "at least 6 digits"),
        ("abcdef", "only the digits"),
        ("48021a", "only the digits"),
        ("480 215", "only the digits"),
        ("４８０２１５", "only the digits"),  # full-width digits
        ("٤٨٠٢١٥", "only the digits"),  # Arabic-Indic digits
        ("123456", "too easy"),
        ("654321", "too easy"),
        ("111111", "too easy"),
        ("00000000", "too easy"),
        ("234567890", "too easy"),
        ("890123", "too easy"),
        ("210987", "too easy"),
        ("121212", "too easy"),
        ("123123", "too easy"),
        ("48024802", "too easy"),
    ],
)
def test_the_policy_refuses_short_non_digit_and_trivial_pins(pin: str, message: str) -> None:
    with pytest.raises(VaultError, match=message) as caught:
        check_pin_policy(pin)
    assert caught.value.kind is ErrorKind.INVALID_INPUT
    assert not pin or pin not in str(caught.value)


@pytest.mark.parametrize("pin", ["480215", "193847", "0471925", "7051938", "112233", "123457"])
def test_the_policy_accepts_ordinary_pins(pin: str) -> None:
    check_pin_policy(pin)


def test_parameters_round_trip_in_phc_notation_and_bad_ones_are_refused() -> None:
    assert DEFAULT_PARAMS.phc() == "m=32768,t=3,p=2"
    assert Argon2Params.from_phc(DEFAULT_PARAMS.phc()) == DEFAULT_PARAMS
    with pytest.raises(VaultError) as caught:
        Argon2Params(memory_kib=1024, iterations=0, lanes=1)
    assert caught.value.kind is ErrorKind.CONFIG_INVALID
    for text in ("", "m=1024,t=1", "m=1024,t=1,p=1 ", "m=8,t=1,p=2"):
        with pytest.raises(VaultError) as caught:
            Argon2Params.from_phc(text)
        assert caught.value.kind is ErrorKind.STORAGE_CORRUPT


def test_derived_keys_are_repeatable_per_salt_and_parameters() -> None:
    secret, salt = b"480215", b"\x07" * 16
    key = derive_key(secret, salt, params=FAST)
    assert len(key) == 32
    assert derive_key(secret, salt, params=FAST) == key
    assert derive_key(secret, b"\x08" * 16, params=FAST) != key
    assert derive_key(b"480216", salt, params=FAST) != key
    assert derive_key(secret, salt, params=Argon2Params(1024, 2, 1)) != key
    assert len(derive_key(secret, salt, length=64, params=FAST)) == 64
    assert len(derive_key(secret, salt)) == 32  # the default parameters work too


def test_a_derived_key_never_equals_the_pin_hash_digest_for_the_same_salt() -> None:
    secret, salt = PIN.encode(), b"\x07" * 16
    pin_digest = Argon2id(salt=salt, length=32, iterations=1, lanes=1, memory_cost=1024).derive(
        secret
    )
    encoded = f"$argon2id$v=19${FAST.phc()}${b64(salt)}${b64(pin_digest)}"
    assert verify_pin(PIN, encoded)  # the digest above is exactly what a PIN hash stores
    assert derive_key(secret, salt, params=FAST) != pin_digest


@pytest.mark.parametrize(
    ("secret", "salt", "length", "message"),
    [
        (b"", b"s" * 16, 32, "empty secret"),
        (b"480215", b"s" * 15, 32, "at least 16 bytes"),
        (b"480215", b"s" * 16, 8, "16-64 bytes"),
        (b"480215", b"s" * 16, 65, "16-64 bytes"),
    ],
)
def test_key_derivation_refuses_weak_inputs(
    secret: bytes, salt: bytes, length: int, message: str
) -> None:
    with pytest.raises(VaultError, match=message) as caught:
        derive_key(secret, salt, length=length, params=FAST)
    assert caught.value.kind is ErrorKind.INVALID_INPUT
