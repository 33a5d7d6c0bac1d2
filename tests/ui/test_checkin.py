"""Checking in with an invitation code from the ERP's invitations bundle."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from kiosk.pulled import store_bundle
from kiosk.sealing import load_device_key
from tests.ui.harness import WAIT_MS, App, ui_config

INVITATIONS = [
    {
        "code": "K7Q4M2",
        "positionId": "customer-manager",
        "name": "Wanda Invitee",
        "candidateRef": "cand-42",
        "profile": {"experience_tags": ["sales"], "fresh_graduate": True},
        "external": {"feishuInterviewId": "fs-1"},
    },
    {"code": "OLD123", "positionId": "swe-intern", "name": "Otto Late", "validUntil": 1000},
]


def _shows(label: QLabel, text: str) -> Callable[[], bool]:
    return lambda: text in label.text()


def test_an_invitation_code_checks_the_invited_candidate_in(qtbot: QtBot, tmp_path: Path) -> None:
    config = ui_config(tmp_path)
    keys = config.data_dir / "keys"
    keys.mkdir(parents=True, mode=0o700)
    # As sync applies a verified bundle: sealed under the device key in the data directory.
    store_bundle(
        config.data_dir,
        load_device_key(keys / "device.key"),
        "invitations",
        version=1,
        data=INVITATIONS,
        signed=b"{}",
    )
    app = App(qtbot, config)
    try:
        welcome = app.screens.welcome
        app.wait_for(welcome)
        for typed, message in (("NOPE99", "could not find"), ("old123", "no longer valid")):
            welcome.code_edit.clear()
            app.type_into(welcome.code_edit, typed)
            app.tap(welcome.code_button)
            qtbot.waitUntil(_shows(welcome.code_message, message), timeout=WAIT_MS)
            assert app.window.current_screen() is welcome
        welcome.code_edit.clear()
        app.type_into(welcome.code_edit, " k7q4m2 ")
        app.tap(welcome.code_button)
        app.wait_for(app.screens.greeting)
        greeting = app.screens.greeting
        assert greeting.title.text() == "Welcome, Wanda Invitee"
        assert "Customer Manager" in greeting.position.text()
        snapshot = app.window.snapshot
        assert snapshot is not None and snapshot.state.session_id is not None
        personal = app.kiosk.store.personal(snapshot.state.session_id)
        assert personal["name"] == "Wanda Invitee"
        assert personal["candidate_ref"] == "cand-42"
        assert personal["external"] == {"feishuInterviewId": "fs-1"}
        assert personal["profile"]["experience_tags"] == ["sales"]
        assert welcome.code_message.text() == ""
    finally:
        app.close()


def test_without_invitations_a_code_is_simply_not_found(qtbot: QtBot, tmp_path: Path) -> None:
    app = App(qtbot, ui_config(tmp_path))
    try:
        welcome = app.screens.welcome
        app.type_into(welcome.code_edit, "K7Q4M2")
        app.tap(welcome.code_button)
        qtbot.waitUntil(lambda: "could not find" in welcome.code_message.text(), timeout=WAIT_MS)
        assert app.window.current_screen() is welcome
        assert app.kiosk.store.sessions() == []
    finally:
        app.close()
