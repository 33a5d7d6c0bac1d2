"""Errors reach candidates as the core's safe messages, never as exception text."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from kiosk.app import Kiosk
from kiosk.clock import ManualClock
from kiosk.engine import Stage
from kiosk.errors import SAFE_MESSAGES, ErrorKind
from tests.ui.harness import CANARY_NAME, WAIT_MS, App, ui_config, visible_texts
from ui.engine_data import EngineCallbacks
from ui.engine_host import EngineHost
from ui.window import KioskWindow


def test_a_refused_check_in_shows_the_safe_message_not_the_error(
    qtbot: QtBot, tmp_path: Path
) -> None:
    # More free space demanded than any disk has: check-in raises VaultError(DISK_FULL), whose
    # text ("only ... MB free in the data directory ...") is for staff and logs.
    app = App(qtbot, ui_config(tmp_path, KIOSK_RECORDING_MIN_FREE_MB="1000000"))
    try:
        welcome = app.screens.welcome
        qtbot.waitUntil(lambda: "swe-intern" in welcome.position_buttons, timeout=WAIT_MS)
        app.type_into(welcome.name_edit, CANARY_NAME)
        app.tap(welcome.position_buttons["swe-intern"])
        banner = app.window.banner
        qtbot.waitUntil(banner.isVisible, timeout=WAIT_MS)
        assert banner.text() == SAFE_MESSAGES[ErrorKind.DISK_FULL]["en"]
        texts = "\n".join(visible_texts(app.window))
        assert "MB free" not in texts and "data directory" not in texts
        assert app.window.current_screen() is welcome and app.stage() is Stage.WELCOME
        app.tap(app.window.language_buttons["zh"])
        qtbot.waitUntil(
            lambda: banner.text() == SAFE_MESSAGES[ErrorKind.DISK_FULL]["zh"], timeout=WAIT_MS
        )
        assert app.kiosk.store.sessions() == []
    finally:
        app.close()


def test_a_bank_that_does_not_load_puts_the_terminal_out_of_service(
    qtbot: QtBot, tmp_path: Path
) -> None:
    bank = tmp_path / "broken-bank.json"
    bank.write_text('{"schema_version": 1, "positions": "not a list"}', encoding="utf-8")
    app = App(qtbot, ui_config(tmp_path, KIOSK_BANK_PATH=str(bank)), wait_ready=False)
    try:
        status = app.screens.status
        qtbot.waitUntil(lambda: status.error_kind is not None, timeout=WAIT_MS)
        assert app.window.current_screen() is status
        assert status.body.text() == SAFE_MESSAGES[ErrorKind.BANK_INVALID]["en"]
        texts = "\n".join(visible_texts(app.window))
        assert "broken-bank" not in texts and "positions" not in texts
    finally:
        app.close()


def test_an_unexpected_exception_becomes_a_generic_message(qtbot: QtBot, tmp_path: Path) -> None:
    detail = "Traceback: /secret/path ValueError"

    def factory(callbacks: EngineCallbacks) -> Kiosk:
        raise ValueError(detail)

    clock = ManualClock()
    host = EngineHost(factory, clock=clock)
    window = KioskWindow(host, clock, kiosk_mode=False)
    failures: list[tuple[str, bool]] = []
    host.failed.connect(lambda kind, fatal: failures.append((kind, fatal)))
    window.show_kiosk()
    host.start()
    try:
        qtbot.waitUntil(lambda: bool(failures), timeout=WAIT_MS)
        assert failures == [("internal", True)]
        status = window.screens.status
        assert window.current_screen() is status
        assert status.body.text() == SAFE_MESSAGES[ErrorKind.INTERNAL]["en"]
        assert not any(detail in text for text in visible_texts(window))
    finally:
        window.shutdown()
        assert host.stop(30)
        window.deleteLater()
