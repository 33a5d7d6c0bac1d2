"""Recruiter accounts pulled from the ERP: login with the ERP's hashed PIN and second factor,
review-key copies made by the ERP, removal, and local accounts left alone."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.errors import VaultError
from kiosk.store import SessionStore
from kiosk.vault import totp
from kiosk.vault.accounts import Accounts, _review_copy
from kiosk.vault.envelope import new_key_pair, private_key_bytes
from kiosk.vault.passwords import hash_pin, verify_pin
from kiosk.vault.roles import Role
from sync.bundles import BundlePuller
from sync.client import ErpClient
from sync.credentials import load_credentials, load_org_key
from sync.transport import TlsSettings
from tests.sync.erp_helpers import ServerHandle, TlsFiles, make_tls, running_server
from tests.sync.terminal import add_results, enrol_terminal, open_terminal

SECRET = totp.new_secret()


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[ServerHandle, SessionStore, BundlePuller, Path]]:
    tls: TlsFiles = make_tls(tmp_path / "tls")
    with running_server(tmp_path / "erp", tls=tls) as server:
        data = tmp_path / "terminal"
        store = open_terminal(data)
        enrol_terminal(store, data, server.url, server.issue_token(), tls)
        credentials = load_credentials(data / "keys")
        org = load_org_key(data / "keys")
        assert credentials is not None and org is not None
        client = ErpClient(credentials, TlsSettings(ca_bundle=tls.ca_pem))
        yield server, store, BundlePuller(store, client, org, data, clock=time.time), data
        client.close()
        store.close()


def entry(user_id: str, pin: str, role: str = "recruiter", **extra: object) -> dict[str, object]:
    return {
        "userId": user_id,
        "role": role,
        "departments": ["technology"] if role == "department_head" else [],
        "pinHash": hash_pin(pin),
        "totpSecret": totp.secret_to_base32(SECRET),
        **extra,
    }


def test_erp_accounts_log_in_and_open_what_their_review_copy_opens(
    setup: tuple[ServerHandle, SessionStore, BundlePuller, Path],
) -> None:
    server, store, puller, data = setup
    # The ERP holds the terminal's review key and seals a copy under each recruiter's PIN.
    review_private, review_public = new_key_pair()
    (data / "keys" / "review.pub").write_bytes(review_public.public_bytes_raw())
    store.keyring.review_key = review_public
    copy = _review_copy("erp.rita", "730196", review_private)
    accounts = [
        entry("erp.rita", "730196", reviewKeyCopy={
            "salt": base64.b64encode(copy["salt"]).decode(),
            "kdfParams": copy["kdf_params"],
            "sealedPrivate": base64.b64encode(copy["sealed_private"]).decode(),
        }),
        entry("erp.ivan", "552918", role="it_admin"),
    ]  # fmt: skip
    server.publish("accounts", accounts)
    assert puller.pull("accounts").status == "applied"
    (sid,) = add_results(store, 1)  # closed: only the server and review copies remain
    login = Accounts(store, store.keyring, data / "keys", time.time)
    with pytest.raises(VaultError):
        store.result(sid)
    who = login.login("erp.rita", "730196", totp.totp(SECRET, time.time()))
    assert who.role is Role.RECRUITER
    assert store.result(sid) is not None  # the ERP's copy opened the review key
    assert private_key_bytes(store.keyring.review_private) == private_key_bytes(review_private)  # type: ignore[arg-type]
    login.logout()
    with pytest.raises(VaultError, match="wrong"):
        login.login("erp.rita", "111111", totp.totp(SECRET, time.time() + 30))
    # Removed at the ERP: disabled here at the next pull.
    server.publish("accounts", accounts[1:])
    assert puller.pull("accounts").status == "applied"
    with pytest.raises(VaultError):
        login.login("erp.rita", "730196", totp.totp(SECRET, time.time() + 60))
    actions = [(e[2], e[3], e[4]) for e in store.audit_entries() if e[2] == "erp"]
    assert ("erp", "user_disabled", "erp.rita") in actions


def test_local_accounts_are_not_overwritten_and_bad_bundles_are_refused(
    setup: tuple[ServerHandle, SessionStore, BundlePuller, Path],
) -> None:
    server, store, puller, data = setup
    local = Accounts(store, store.keyring, data / "keys", time.time)
    local.add_user("it.local", Role.IT_ADMIN, "640271", actor="local-admin")
    server.publish("accounts", [entry("it.local", "999999", role="it_admin")])
    assert puller.pull("accounts").status == "applied"
    rows = store.query("SELECT source, pin_hash FROM users WHERE user_id = 'it.local'")
    assert rows[0][0] == "local" and verify_pin("640271", rows[0][1])  # the local PIN stays
    for bad in (
        [{"userId": "x", "role": "recruiter", "pinHash": hash_pin("123456")}],  # id too short
        [entry("erp.bob", "482913", role="janitor")],
        [{**entry("erp.bob", "482913"), "pinHash": "plain-pin"}],
        [{k: v for k, v in entry("erp.bob", "482913").items() if k != "totpSecret"}],
    ):
        server.publish("accounts", bad)
        outcome = puller.pull("accounts")
        assert outcome.status == "refused", bad
    assert {u.user_id for u in local.users()} == {"it.local"}
