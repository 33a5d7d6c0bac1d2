"""Kiosk hardening: candidates cannot leave the app; staff have a hidden corner gesture."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QKeyEvent
from pytestqt.qtbot import QtBot

from tests.ui.harness import WAIT_MS, App, ui_config


@pytest.fixture
def app(qtbot: QtBot, tmp_path: Path) -> Iterator[App]:
    running = App(qtbot, ui_config(tmp_path))
    yield running
    running.close()


MODIFIER_KEYS = (Qt.Key.Key_Alt, Qt.Key.Key_Control, Qt.Key.Key_Shift, Qt.Key.Key_Meta)


class KeySpy(QObject):
    """Records the keys that reach a widget."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[int] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() not in MODIFIER_KEYS
        ):
            self.keys.append(event.key())
        return False


def test_leave_keys_never_reach_the_app_and_closing_is_refused(app: App, qtbot: QtBot) -> None:
    window = app.window
    edit = app.screens.welcome.name_edit
    spy = KeySpy()
    edit.installEventFilter(spy)
    edit.setFocus()
    M = Qt.KeyboardModifier
    for key, modifiers in (
        (Qt.Key.Key_Escape, M.NoModifier),
        (Qt.Key.Key_F4, M.AltModifier),
        (Qt.Key.Key_Q, M.ControlModifier),
        (Qt.Key.Key_W, M.ControlModifier),
    ):
        qtbot.keyClick(edit, key, modifiers)
        qtbot.keyClick(window, key, modifiers)
    qtbot.keyClick(edit, Qt.Key.Key_A)  # ordinary typing still works
    assert spy.keys == [Qt.Key.Key_A]
    assert edit.text() == "a"
    # What a window manager does on Alt+F4: a close request, refused.
    assert window.close() is False
    assert window.isVisible()


def test_holding_the_top_left_corner_asks_for_staff_login(app: App, qtbot: QtBot) -> None:
    window = app.window
    target = window.centralWidget()
    assert target is not None
    left = Qt.MouseButton.LeftButton
    corner, middle = QPoint(10, 10), target.rect().center()
    with qtbot.assertNotEmitted(window.staff_login_requested, wait=0):
        # A tap in the corner, and a long press anywhere else, are nothing.
        qtbot.mousePress(target, left, pos=corner)
        qtbot.wait(800)
        qtbot.mouseRelease(target, left, pos=corner)
        qtbot.mousePress(target, left, pos=middle)
        qtbot.wait(3300)
        qtbot.mouseRelease(target, left, pos=middle)
    start = time.monotonic()
    with qtbot.waitSignal(window.staff_login_requested, timeout=6000):
        qtbot.mousePress(target, left, pos=corner)
    held = time.monotonic() - start
    qtbot.mouseRelease(target, left, pos=corner)
    assert held >= 2.9
    app.wait_for(app.window.staff)
    app.tap(app.window.staff.login.back_button)
    app.wait_for(app.screens.welcome)
    qtbot.waitUntil(lambda: window.current_screen() is app.screens.welcome, timeout=WAIT_MS)
