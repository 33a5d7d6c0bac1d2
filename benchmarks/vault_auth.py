"""Staff login benchmarks: the cost of a PIN check and of a TOTP check.

- verifying a PIN (argon2id, the kiosk's parameters), against the bare ``Argon2id.derive`` with
  the same parameters: the overhead of parsing the stored hash; and against the login target of
  50-150 ms on this machine class (2 cores), slow enough to make offline guessing expensive,
  fast enough for a login repeated all day. The ratio is figure / 150 ms, so below 1 meets it;
- verifying a TOTP code with a window of one step (three HMACs), against one ``totp()`` call.

Timings are medians of several repeats; ratios compare figures from this run only.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from benchmarks.timing import median_seconds
from kiosk.vault.passwords import DEFAULT_PARAMS, hash_pin, verify_pin
from kiosk.vault.totp import new_secret, totp, verify_totp

Row = tuple[str, str, str, str]
TARGET_SECONDS = 0.150


def bench_pin(repeats: int = 9) -> tuple[float, float]:
    """Seconds per :func:`verify_pin`, and per bare argon2id derivation with the same cost."""
    encoded = hash_pin("480215")
    salt = b"\x07" * 16

    def bare() -> bytes:
        return Argon2id(
            salt=salt,
            length=32,
            iterations=DEFAULT_PARAMS.iterations,
            lanes=DEFAULT_PARAMS.lanes,
            memory_cost=DEFAULT_PARAMS.memory_kib,
        ).derive(b"480215")

    verify_pin("480215", encoded)  # warm-up: the first call maps the memory
    return median_seconds(lambda: verify_pin("480215", encoded), repeats), median_seconds(
        bare, repeats
    )


def bench_totp(count: int = 2_000) -> tuple[float, float]:
    """Seconds per :func:`verify_totp` (window 1) and per single :func:`totp`."""
    secret, now = new_secret(), 1_800_000_000.0
    code = totp(secret, now)

    def run_verify() -> None:
        for _ in range(count):
            verify_totp(secret, code, now)

    def run_one() -> None:
        for _ in range(count):
            totp(secret, now)

    return median_seconds(run_verify, 5) / count, median_seconds(run_one, 5) / count


def bench_rows() -> list[Row]:
    """Measure everything; one row per figure."""
    verify, bare = bench_pin()
    totp_verify, totp_one = bench_totp()
    return [
        (
            f"PIN verify, argon2id {DEFAULT_PARAMS.phc()}",
            f"{verify * 1e3:.0f} ms",
            f"{bare * 1e3:.0f} ms (bare Argon2id.derive)",
            f"{verify / bare:.2f}x",
        ),
        (
            "  against the login target",
            f"{verify * 1e3:.0f} ms",
            "target 50-150 ms",
            f"{verify / TARGET_SECONDS:.2f}x",
        ),
        (
            "TOTP verify, window ±1 step",
            f"{totp_verify * 1e6:.1f} µs",
            f"{totp_one * 1e6:.1f} µs (one code)",
            f"{totp_verify / totp_one:.2f}x",
        ),
    ]


if __name__ == "__main__":
    for row in bench_rows():
        print("  ".join(row))
