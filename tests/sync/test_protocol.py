"""Signed bundles (Ed25519): what is refused, and what the core does with an applied one."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk import pulled
from kiosk.app import load_configured_bank
from kiosk.bank import load_sample_bank
from kiosk.config import load_config
from kiosk.errors import ConfigError
from kiosk.sealing import load_device_key
from sync.protocol import (
    BundleError,
    NotNewer,
    b64,
    canonical,
    sign_bundle,
    unb64,
    verify_bundle,
)
from sync.worker import Backoff

ORG = Ed25519PrivateKey.generate()
NOW = 1_800_000_000.0


def signed(version: int = 3, *, expires: float = NOW + 3600, **extra: object) -> dict[str, str]:
    options = {"kind": "bank", "data": {"x": 1}, "device_id": "*", **extra}
    return sign_bundle(ORG, version=version, issued_at=NOW - 10, expires_at=expires,
                       **options)  # type: ignore[arg-type]  # fmt: skip


def check(document: object, current: int | None = 2, device: str = "dev-1") -> object:
    return verify_bundle(
        document, ORG.public_key(), kind="bank", device_id=device, now=NOW, current_version=current
    )


def test_a_good_bundle_verifies() -> None:
    bundle = check(signed())
    assert bundle.version == 3 and bundle.data == {"x": 1}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"payload": "…"}, "not a bundle"),
        ({"payload": "!!!", "signature": "AAAA"}, "base64"),
        (signed(expires=NOW - 1), "expired"),
        (signed(version=1), "rollback refused"),
        (signed(kind="accounts"), "served as 'bank'"),
        (signed(device_id="dev-2"), "another terminal"),
    ],
)
def test_bad_bundles_are_refused_with_the_reason(document: object, message: str) -> None:
    with pytest.raises(BundleError, match=message):
        check(document)


def test_a_tampered_payload_or_another_key_fails_the_signature() -> None:
    document = signed()
    payload = bytearray(unb64(document["payload"]))
    payload[payload.index(b'"x":1') + 4] = ord("2")
    with pytest.raises(BundleError, match="bad signature"):
        check({**document, "payload": b64(bytes(payload))})
    other = Ed25519PrivateKey.generate()
    forged = sign_bundle(other, kind="bank", version=9, issued_at=NOW, expires_at=NOW + 9,
                         data={})  # fmt: skip
    with pytest.raises(BundleError, match="bad signature"):
        check(forged)


def test_the_same_version_is_not_newer() -> None:
    with pytest.raises(NotNewer):
        check(signed(version=2))


def test_canonical_json_is_stable() -> None:
    assert canonical({"b": 1, "a": "中"}) == '{"a":"中","b":1}'.encode()


def test_full_jitter_backoff_stays_under_the_cap_and_honours_retry_after() -> None:
    backoff = Backoff(base=1.0, cap=60.0)
    delays = [backoff.delay(attempt) for attempt in range(12) for _ in range(50)]
    assert max(delays) <= 60.0 and min(delays) >= 0.0
    assert max(backoff.delay(10) for _ in range(200)) > 30  # it does grow towards the cap
    assert max(backoff.delay(0) for _ in range(200)) <= 1.0
    assert backoff.delay(3, retry_after=7.0) == 7.0


def test_an_applied_bank_bundle_is_sealed_and_used_at_start(tmp_path: Path) -> None:
    config = replace(load_config(None, environ={}), data_dir=tmp_path)
    key = load_device_key(tmp_path / "keys" / "device.key")
    bank = json.loads((Path(pulled.__file__).parent / "samples" / "bank.json").read_text())
    bank["version"] = 987654
    pulled.store_bundle(tmp_path, key, "bank", version=4, data=bank, signed=b"{}")
    raw = (tmp_path / "bundles" / "bank.sealed").read_bytes()
    assert b"987654" not in raw  # sealed under the device key
    assert load_configured_bank(config).version == 987654
    assert load_sample_bank().version != 987654


def test_a_central_config_sits_under_the_local_file_and_may_not_move_the_data(
    tmp_path: Path,
) -> None:
    local = tmp_path / "kiosk.toml"
    local.write_text("retention_days = 90\n", encoding="utf-8")
    central = {"retention_days": 30, "policy_profile": "cn"}
    config = load_config(local, environ={}, central=central)
    assert (config.retention_days, config.policy_profile) == (90, "cn")
    with pytest.raises(ConfigError, match="may only be set locally"):
        load_config(None, environ={}, central={"erp": {"endpoint": "https://evil.example"}})
