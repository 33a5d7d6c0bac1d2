"""Staff accounts and logins for the staff-screen tests: real accounts in the app's own store,
logged in through the real login screen."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from kiosk.vault import totp
from kiosk.vault.accounts import Accounts, AddedUser
from kiosk.vault.roles import Role
from tests.ui.harness import WAIT_MS, App

PIN = "482916"


def add_user(
    app: App, user_id: str, role: Role, departments: tuple[str, ...] = (), pin: str = PIN
) -> AddedUser:
    """A local account in the running app's store (as ``kiosk users add`` would make it)."""
    store = app.kiosk.store
    accounts = Accounts(store, store.keyring, app.config.data_dir / "keys", app.clock.now)
    existing = None
    if role is not Role.IT_ADMIN and store.keyring.review_key is not None:
        existing = _first_reviewer(accounts)
    return accounts.add_user(
        user_id,
        role,
        pin,
        departments,
        actor="test",
        existing_recruiter=existing,
        existing_pin=PIN if existing else None,
    )


def _first_reviewer(accounts: Accounts) -> str | None:
    for user in accounts.users():
        if user.role is not Role.IT_ADMIN:
            return user.user_id
    return None


def totp_code(app: App, added: AddedUser) -> str:
    """The authenticator code for the app's (manual) clock."""
    secret = parse_qs(urlparse(added.provisioning_uri).query)["secret"][0]
    return totp.totp(totp.secret_from_base32(secret), app.clock.now())


def open_login(app: App) -> None:
    """The hidden gesture's effect: the staff login form."""
    app.window.staff_login_requested.emit()
    app.wait_for(app.window.staff)


def log_in(app: App, user_id: str, second_factor: str, pin: str = PIN) -> None:
    """Type the credentials into the login form and submit (does not wait for the outcome)."""
    login = app.window.staff.login
    login.user_edit.clear()  # a refused attempt keeps the user id
    app.type_into(login.user_edit, user_id)
    app.type_into(login.pin_edit, pin)
    app.type_into(login.factor_edit, second_factor)
    app.tap(login.login_button)


def wait_logged_in(app: App) -> None:
    staff = app.window.staff
    app.qtbot.waitUntil(lambda: staff.home is not None and staff.home.isVisible(), timeout=WAIT_MS)


def wait_login_message(app: App) -> str:
    """The login form's message after a refused attempt."""
    login = app.window.staff.login
    app.qtbot.waitUntil(lambda: bool(login.message.text()) and login.isEnabled(), timeout=WAIT_MS)
    return login.message.text()
