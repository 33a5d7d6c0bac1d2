"""One application-wide event filter (ui.events) and the GUI thread's share of the
interpreter lock (ui.gil)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from tests.ui.harness import App, ui_config
from ui.events import application_events
from ui.gil import SWITCH_INTERVAL_SECONDS


def test_one_hub_per_application(qapp: QApplication) -> None:
    hub = application_events()
    assert hub is not None
    assert application_events() is hub
    assert hub.parent() is qapp


def test_handlers_see_only_their_event_types_and_the_first_true_swallows(qtbot: QtBot) -> None:
    hub = application_events()
    assert hub is not None
    edit = QLineEdit()
    qtbot.addWidget(edit)
    edit.show()
    qtbot.waitExposed(edit)
    seen: list[QEvent.Type] = []
    first, second = QObject(), QObject()

    def swallow_keys(watched: QObject, event: QEvent) -> bool:
        seen.append(event.type())
        return watched is edit and event.type() == QEvent.Type.KeyPress

    later: list[QEvent.Type] = []
    hub.subscribe(first, {QEvent.Type.KeyPress}, swallow_keys)
    hub.subscribe(second, {QEvent.Type.KeyPress}, lambda _w, e: later.append(e.type()) or False)
    try:
        QTest.keyClick(edit, Qt.Key.Key_A)
        assert edit.text() == ""  # swallowed before the field saw it
        assert seen and set(seen) == {QEvent.Type.KeyPress}  # no paints, timers, releases
        assert not later  # nor passed on to the next handler
        hub.unsubscribe(first)
        QTest.keyClick(edit, Qt.Key.Key_B)
        assert edit.text() == "b"
        assert later
    finally:
        hub.unsubscribe(second)


def test_a_destroyed_owner_is_never_called(qtbot: QtBot) -> None:
    hub = application_events()
    assert hub is not None
    edit = QLineEdit()
    qtbot.addWidget(edit)
    calls: list[int] = []
    owner = QObject()
    hub.subscribe(owner, {QEvent.Type.KeyPress}, lambda _w, _e: calls.append(1) or False)
    QTest.keyClick(edit, Qt.Key.Key_A)
    assert calls == [1]
    owner.deleteLater()
    qtbot.waitUntil(lambda: not hub._handlers.get(QEvent.Type.KeyPress), timeout=2000)
    QTest.keyClick(edit, Qt.Key.Key_B)
    assert calls == [1]


def test_the_window_and_keyboard_share_the_one_filter(qtbot: QtBot, tmp_path: Path) -> None:
    hub = application_events()
    assert hub is not None
    before = {kind: len(entries) for kind, entries in hub._handlers.items()}
    app = App(qtbot, ui_config(tmp_path))
    try:
        # The guard, the corner long press and the keyboard subscribed; none installed its own
        # application filter (each would be one more call into Python for every event).
        grown = {k for k, entries in hub._handlers.items() if len(entries) > before.get(k, 0)}
        assert {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.FocusIn} <= grown
        owners = {key for entries in hub._handlers.values() for key, _ in entries}
        assert id(app.window.keyboard) in owners
    finally:
        app.close()


def test_the_ui_runs_with_the_kiosks_switch_interval() -> None:
    # tests/ui/conftest.py sets it for the session, as `kiosk run` does.
    assert sys.getswitchinterval() == SWITCH_INTERVAL_SECONDS
