"""Staff login through the real screen: the second factors, wrong inputs, lockout, logout.

Real accounts in the app's store (argon2, sealed TOTP secrets), logged in on the staff thread.
"""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from kiosk.vault.roles import Role
from tests.ui.harness import App, ui_config, visible_texts
from tests.ui.staff_helpers import (
    add_user,
    log_in,
    open_login,
    totp_code,
    wait_logged_in,
    wait_login_message,
)
from ui.staff.admin import AdminHome
from ui.staff.recruiter import RecruiterHome


def _audit_actions(app: App) -> list[tuple[str, str]]:
    return [(entry[2], entry[3]) for entry in app.kiosk.store.audit_entries()]


def test_recruiter_logs_in_with_a_code_and_out_again(qtbot: QtBot, tmp_path: Path) -> None:
    app = App(qtbot, ui_config(tmp_path))
    try:
        added = add_user(app, "rita", Role.RECRUITER)
        open_login(app)
        log_in(app, "rita", totp_code(app, added))
        wait_logged_in(app)
        staff = app.window.staff
        assert isinstance(staff.home, RecruiterHome)
        assert "rita" in staff.who_label.text()
        assert app.kiosk.store.keyring.review_private is not None  # the review key is open
        # Nothing typed stays in the form behind the home page.
        assert staff.login.pin_edit.text() == staff.login.factor_edit.text() == ""

        app.tap(staff.logout_button)
        app.wait_for(app.screens.welcome)
        assert staff.home is None
        qtbot.waitUntil(lambda: app.kiosk.store.keyring.review_private is None, timeout=10_000)
        actions = _audit_actions(app)
        assert ("rita", "login") in actions
        qtbot.waitUntil(lambda: ("rita", "logout") in _audit_actions(app), timeout=10_000)
    finally:
        app.close()


def test_it_admin_logs_in_with_a_badge(qtbot: QtBot, tmp_path: Path) -> None:
    app = App(qtbot, ui_config(tmp_path))
    try:
        added = add_user(app, "ivan", Role.IT_ADMIN)
        open_login(app)
        log_in(app, "ivan", added.badge_token)
        wait_logged_in(app)
        assert isinstance(app.window.staff.home, AdminHome)
        assert app.kiosk.store.keyring.review_private is None  # IT admins never hold it
    finally:
        app.close()


def test_wrong_logins_then_lockout_with_a_countdown(qtbot: QtBot, tmp_path: Path) -> None:
    app = App(qtbot, ui_config(tmp_path))
    try:
        added = add_user(app, "rita", Role.RECRUITER)
        open_login(app)
        login = app.window.staff.login
        # An unknown user and a wrong PIN get the same message.
        log_in(app, "nobody", "123456")
        assert wait_login_message(app) == "User, PIN or code not accepted."
        for _ in range(4):
            log_in(app, "rita", "000000", pin="999999")
            assert wait_login_message(app) == "User, PIN or code not accepted."
        # Three failures are free; after the fourth the account waits, counted down on screen.
        log_in(app, "rita", "000000", pin="999999")
        message = wait_login_message(app)
        assert "Too many failed attempts" in message and "30 second" in message
        # Even the right credentials are refused while the wait lasts...
        log_in(app, "rita", totp_code(app, added))
        app.qtbot.waitUntil(lambda: "Try again in" in login.message.text(), timeout=10_000)
        assert app.window.staff.home is None
        # ...and accepted after it.
        app.clock.advance(31)
        qtbot.waitUntil(lambda: login.message.text() == "You can try again now.", timeout=5000)
        log_in(app, "rita", totp_code(app, added))
        wait_logged_in(app)
        assert not any("999999" in text for text in visible_texts(app.window))
    finally:
        app.close()


def test_hard_lock_after_ten_failures(qtbot: QtBot, tmp_path: Path) -> None:
    app = App(qtbot, ui_config(tmp_path))
    try:
        add_user(app, "rita", Role.RECRUITER)
        open_login(app)
        for _ in range(10):
            log_in(app, "rita", "000000", pin="999999")
            wait_login_message(app)
            app.clock.advance(16 * 60)  # past any wait
        log_in(app, "rita", "000000", pin="999999")
        assert wait_login_message(app) == "This account is locked. An IT admin can unlock it."
    finally:
        app.close()


def test_inactivity_logs_staff_out(qtbot: QtBot, tmp_path: Path) -> None:
    app = App(qtbot, ui_config(tmp_path), inactivity_seconds=1.0)
    try:
        added = add_user(app, "rita", Role.RECRUITER)
        open_login(app)
        log_in(app, "rita", added.badge_token)
        wait_logged_in(app)
        app.wait_for(app.screens.welcome, timeout=10_000)
        assert app.window.staff.home is None
        qtbot.waitUntil(lambda: app.kiosk.store.keyring.review_private is None, timeout=10_000)
    finally:
        app.close()
