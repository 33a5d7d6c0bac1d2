"""Every screen, in Chinese and English, on the two panel sizes terminals have: every text shows
whole and every character has a glyph (ui/layout_check.py).

With ``KIOSK_GALLERY_DIR`` set, each screen is also saved as a PNG there: ``scripts/gallery.py``
runs this module under Xvfb to keep docs/gallery current.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from kiosk.engine import Stage
from kiosk.vault.roles import Role
from tests.ui.harness import App, ui_config
from tests.ui.staff_helpers import add_user, log_in, open_login, wait_logged_in, wait_login_message
from ui.layout_check import LayoutProblem, layout_problems
from ui.staff.admin import AdminHome
from ui.staff.recruiter import RecruiterHome

SIZES = {"1920x1080": (1920, 1080), "1366x768": (1366, 768)}


class Gallery:
    """Checks the window as it now is, and saves it when a gallery folder is given."""

    def __init__(self, app: App, language: str, size: str) -> None:
        self.app = app
        self.size = SIZES[size]
        self.prefix = f"{language}-{size}"
        folder = os.environ.get("KIOSK_GALLERY_DIR")
        self.folder = Path(folder) if folder else None
        self.problems: dict[str, list[LayoutProblem]] = {}
        self.count = 0

    def shoot(self, name: str, *, settle: bool = True) -> None:
        window = self.app.window
        if settle:
            self.app.qtbot.wait(50)  # let layouts settle after the last signal
        self.count += 1
        found = layout_problems(window)
        grown = (window.width(), window.height())
        if grown != self.size:
            # A screen whose minimum size is larger than the panel: on a terminal, the
            # window manager cuts off its bottom or right.
            found.append(LayoutProblem("window", "", f"needs {grown}, the panel is {self.size}"))
            window.resize(*self.size)
        if found:
            self.problems[name] = found
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"{self.prefix}-{self.count:02d}-{name}.png"
            screen = QGuiApplication.primaryScreen()
            on_x = settle and QGuiApplication.platformName() == "xcb"
            image = screen.grabWindow(0) if on_x else window.grab()
            assert image.save(str(path)), f"could not save {path}"

    def report(self) -> str:
        return "\n".join(
            f"{screen}: {problem}" for screen, found in self.problems.items() for problem in found
        )


def candidate_journey(app: App, shoot: Callable[[str], None]) -> None:
    """Every candidate screen, in journey order."""
    screens = app.screens
    app.wait_for(screens.welcome)
    # The live preview's first frame, so the picture shows what a candidate sees.
    app.qtbot.waitUntil(lambda: screens.welcome.camera_view.frame is not None, timeout=20_000)
    shoot("welcome")
    # A tap in the name field opens the on-screen keyboard under the screen.
    app.qtbot.mouseClick(screens.welcome.name_edit, Qt.MouseButton.LeftButton)
    app.qtbot.waitUntil(app.window.keyboard.isVisible, timeout=5000)
    app.qtbot.wait(100)
    assert not screens.welcome.name_edit.visibleRegion().isEmpty(), "the field is under the keys"
    shoot("welcome-keyboard")
    app.walk_in("swe-intern")
    app.qtbot.waitUntil(lambda: not app.window.keyboard.isVisible(), timeout=5000)
    shoot("greeting")
    app.tap(screens.greeting.continue_button)
    app.wait_for(screens.consent)
    shoot("consent")
    app.tap(screens.consent.agree_button)
    app.wait_for(screens.device_check)
    app.qtbot.waitUntil(lambda: screens.device_check.camera_view.frame is not None, timeout=20_000)
    shoot("device-check")
    app.tap(screens.device_check.check_button)
    app.qtbot.waitUntil(lambda: screens.device_check.result is not None, timeout=20_000)
    shoot("device-check-result")
    app.tap(screens.device_check.continue_button)
    app.wait_stage(Stage.PRACTICE_PREP)
    seen: set[str] = set()
    while app.stage() is not Stage.DONE:
        stage = app.stage()
        name = "choice" if app.window.current_screen() is screens.choice else stage.value
        if name not in seen:
            seen.add(name)
            shoot(name)
        app.answer_current()
    app.wait_for(screens.done)
    shoot("done")
    app.tap(screens.done.finish_button)
    app.wait_stage(Stage.WELCOME)


def other_candidate_screens(app: App, shoot: Callable[..., None]) -> None:
    """The accommodations, declining, a lost camera and walking away."""
    screens = app.screens
    app.walk_in("customer-manager")
    greeting = screens.greeting
    for box in (greeting.extra_time_check, greeting.text_answers_check):
        app.tap(box)
    shoot("greeting-accommodations")
    app.tap(greeting.contrast_check)
    shoot("greeting-high-contrast")
    app.tap(greeting.contrast_check)
    app.tap(greeting.continue_button)
    app.wait_for(screens.consent)
    app.tap(screens.consent.decline_button)
    app.wait_for(screens.declined)
    shoot("declined")
    app.tap(screens.declined.finish_button)
    app.wait_stage(Stage.WELCOME)

    app.walk_in("customer-manager")
    app.to_device_check()
    app.pass_device_check()
    # A camera lost while recording pauses the question; the engine reopens it after ~2 s.
    app.answer_current()
    app.wait_stage(Stage.PRACTICE_ANSWER)
    # The paused screen may last less than a poll: it is checked the moment it is shown.
    paused: list[bool] = []

    def on_switch(_: int) -> None:
        if app.window.current_screen() is screens.paused and not paused:
            paused.append(True)
            shoot("paused", settle=False)

    app.window.stack.currentChanged.connect(on_switch)
    app.kiosk.runner.device_lost("camera")
    app.qtbot.waitUntil(lambda: bool(paused), timeout=20_000)
    app.window.stack.currentChanged.disconnect(on_switch)
    app.wait_stage(Stage.PRACTICE_PREP)
    # The second loss is one more than the terminal allows (device_retry_limit = 1).
    app.answer_current()
    app.wait_stage(Stage.PRACTICE_ANSWER)
    app.kiosk.runner.device_lost("camera")
    app.wait_for(screens.interrupted)
    shoot("interrupted")
    app.tap(screens.interrupted.finish_button)
    app.wait_for(screens.welcome)


def staff_screens(app: App, shoot: Callable[[str], None]) -> None:
    """Login, recruiter mode and IT admin mode, after one finished interview."""
    rita = add_user(app, "rita", Role.RECRUITER)
    ivan = add_user(app, "ivan", Role.IT_ADMIN)
    before = {row.session_id for row in app.kiosk.store.sessions()}
    app.walk_in("swe-intern")
    app.to_device_check()
    app.pass_device_check()
    while app.stage() is not Stage.DONE:
        app.answer_current()
    app.wait_for(app.screens.done)
    app.tap(app.screens.done.finish_button)
    app.wait_stage(Stage.WELCOME)

    staff = app.window.staff
    calls = app.window.staff_calls

    def settled() -> None:
        app.qtbot.waitUntil(lambda: calls.pending == 0, timeout=20_000)

    open_login(app)
    shoot("staff-login")
    log_in(app, "rita", "000000", pin="999999")
    wait_login_message(app)
    shoot("staff-login-refused")
    log_in(app, "rita", rita.badge_token)
    wait_logged_in(app)
    home = staff.home
    assert isinstance(home, RecruiterHome)
    settled()
    shoot("recruiter-dashboard")
    home.show_sessions("")
    settled()
    shoot("recruiter-sessions")
    # The interview above (the earlier ones were sealed before a recruiter existed).
    (session_id,) = {row.session_id for row in app.kiosk.store.sessions()} - before
    home.open_report(session_id)
    settled()
    report = home.report
    for index in range(report.tabs.count()):
        report.tabs.setCurrentIndex(index)
        settled()
        shoot(f"recruiter-report-{index + 1}")
    app.tap(staff.logout_button)
    app.wait_for(app.screens.welcome)

    open_login(app)
    log_in(app, "ivan", ivan.badge_token)
    wait_logged_in(app)
    admin = staff.home
    assert isinstance(admin, AdminHome)
    for index in range(admin.tabs.count()):
        admin.tabs.setCurrentIndex(index)
        settled()
        shoot(f"admin-{index + 1}")
    app.tap(staff.logout_button)
    app.wait_for(app.screens.welcome)


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_screen_fits(qtbot: QtBot, tmp_path: Path, language: str, size: str) -> None:
    config = ui_config(
        tmp_path, KIOSK_DEFAULT_LANGUAGE=language, KIOSK_INTERVIEW_DEVICE_RETRY_LIMIT="1"
    )
    app = App(qtbot, config)
    try:
        width, height = SIZES[size]
        app.window.resize(width, height)
        qtbot.waitUntil(lambda: app.window.size().width() == width, timeout=5000)
        gallery = Gallery(app, language, size)
        candidate_journey(app, gallery.shoot)
        other_candidate_screens(app, gallery.shoot)
        staff_screens(app, gallery.shoot)
        assert gallery.count >= 30
        assert not gallery.problems, gallery.report()
    finally:
        app.close()
