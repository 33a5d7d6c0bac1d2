"""The zh / en switch: Qt's translator, the bank's texts and the consent notice, live."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.consent import current_notice
from kiosk.engine import Stage
from tests.ui.harness import WAIT_MS, App, ui_config


@pytest.fixture
def app(qtbot: QtBot, tmp_path: Path) -> Iterator[App]:
    running = App(qtbot, ui_config(tmp_path, KIOSK_DEFAULT_LANGUAGE="zh"))
    yield running
    running.close()


def test_the_switch_retranslates_the_screen_and_check_in_takes_its_language(
    app: App, qtbot: QtBot
) -> None:
    welcome = app.screens.welcome
    app.wait_for(welcome)
    # The configured default language first.
    assert welcome.title.text() == "欢迎"
    assert welcome.code_button.text() == "签到"
    assert welcome.position_buttons["swe-intern"].text() == "软件工程师（实习）"
    assert app.window.language_buttons["zh"].isChecked()

    app.tap(app.window.language_buttons["en"])
    qtbot.waitUntil(lambda: welcome.title.text() == "Welcome", timeout=WAIT_MS)
    assert welcome.code_button.text() == "Check in"
    assert welcome.name_edit.placeholderText() == "Your full name"
    assert welcome.position_buttons["swe-intern"].text() == "Software Engineer Intern"

    app.tap(app.window.language_buttons["zh"])
    qtbot.waitUntil(lambda: welcome.title.text() == "欢迎", timeout=WAIT_MS)
    app.walk_in("customer-manager", name="王小明")
    snapshot = app.window.snapshot
    assert snapshot is not None and snapshot.state.language == "zh"
    greeting = app.screens.greeting
    assert greeting.title.text() == "王小明，欢迎您"
    assert greeting.position.text() == "您面试的职位：客户经理"

    # The notice follows the display language; the interview language stays.
    app.tap(greeting.continue_button)
    consent = app.screens.consent
    app.wait_for(consent)
    notice = current_notice(retention_days=180, policy_profile="standard")
    assert consent.notice.text() == notice.texts["zh"]
    assert consent.agree_button.text() == "我同意，开始面试"
    app.tap(app.window.language_buttons["en"])
    qtbot.waitUntil(lambda: consent.notice.text() == notice.texts["en"], timeout=WAIT_MS)
    assert consent.agree_button.text() == "I agree, start the interview"
    assert not consent.face_check.isVisible(), "the standard profile has no face clause"

    # Questions are asked in the interview language; the buttons follow the display.
    app.tap(consent.agree_button)
    app.wait_for(app.screens.device_check)
    app.pass_device_check()
    question = app.screens.question
    app.wait_for(question)
    assert question.prompt.text().startswith("这是一道练习题")
    assert question.start_button.text() == "Start answering now"
    assert question.answer_language.text() == "Please answer in Chinese."
    app.tap(app.window.language_buttons["zh"])
    qtbot.waitUntil(lambda: question.start_button.text() == "现在开始作答", timeout=WAIT_MS)
    assert question.answer_language.text() == ""
    assert app.stage() is Stage.PRACTICE_PREP


def test_the_cn_profile_asks_for_face_analysis_separately(qtbot: QtBot, tmp_path: Path) -> None:
    app = App(qtbot, ui_config(tmp_path, KIOSK_POLICY_PROFILE="cn"))
    try:
        app.walk_in("customer-manager")
        app.tap(app.screens.greeting.continue_button)
        consent = app.screens.consent
        app.wait_for(consent)
        notice = current_notice(retention_days=180, policy_profile="cn")
        assert notice.face_clause is not None
        assert consent.face_check.isVisible() and not consent.face_check.isChecked()
        assert consent.face_clause.text() == notice.face_clause["en"]
        app.tap(consent.face_check)
        app.tap(consent.agree_button)
        app.wait_for(app.screens.device_check)
        session_id = str(app.window.snapshot.state.session_id)  # type: ignore[union-attr]
        assert app.kiosk.store.consents(session_id)[0][:2] == (notice.version, True)
    finally:
        app.close()
