"""When things go wrong mid-interview: a restart resumes, a lost device pauses, a session that
cannot go on or is walked away from ends, and the screen forgets the candidate."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from kiosk.engine import Stage
from tests.ui.harness import CANARY_NAME, WAIT_MS, App, ui_config, visible_texts


def _to_first_question(app: App) -> None:
    app.walk_in("customer-manager")
    app.to_device_check()
    app.pass_device_check()
    while app.stage() is not Stage.PREP:
        app.answer_current()


def test_a_restart_resumes_the_unfinished_interview_at_its_question(
    qtbot: QtBot, tmp_path: Path
) -> None:
    config = ui_config(tmp_path)
    first = App(qtbot, config)
    try:
        _to_first_question(first)
        for _ in range(3):  # prepare, answer, review: on to question 2
            first.answer_current()
        qtbot.waitUntil(lambda: first.stage() is Stage.PREP, timeout=WAIT_MS)
        snapshot = first.window.snapshot
        assert snapshot is not None and snapshot.state.index == 1
        session_id = snapshot.state.session_id
    finally:
        first.close()  # the app stops mid-interview; the store has every committed state

    second = App(qtbot, config)
    try:
        question = second.screens.question
        second.wait_for(question)
        resumed = second.window.snapshot
        assert resumed is not None and resumed.resumed
        assert resumed.state.session_id == session_id and resumed.state.index == 1
        assert resumed.candidate_name == CANARY_NAME
        assert "Question 2 of" in question.progress.text()
        assert "continues where it stopped" in second.window.banner.text()
        while second.stage() is not Stage.DONE:
            second.answer_current()
        second.wait_for(second.screens.done)
        assert second.screens.done.code.text() == second.kiosk.store.session(str(session_id)).code
    finally:
        second.close()


def test_a_lost_camera_pauses_the_question_until_it_is_back(qtbot: QtBot, tmp_path: Path) -> None:
    app = App(qtbot, ui_config(tmp_path))
    shown: list[QWidget | None] = []
    app.window.stack.currentChanged.connect(lambda _: shown.append(app.window.current_screen()))
    try:
        _to_first_question(app)
        app.answer_current()  # recording
        app.wait_stage(Stage.ANSWER)
        # What the recorder's video thread reports when the camera stops delivering.
        app.kiosk.runner.device_lost("camera")
        qtbot.waitUntil(lambda: app.screens.paused in shown, timeout=WAIT_MS)
        # The engine thread reopens the camera and the question starts again from preparation.
        app.wait_stage(Stage.PREP)
        snapshot = app.window.snapshot
        assert snapshot is not None and snapshot.state.index == 0 and snapshot.state.attempt == 1
        assert app.window.current_screen() is app.screens.question
    finally:
        app.close()


def test_a_session_the_devices_end_shows_interrupted_then_forgets(
    qtbot: QtBot, tmp_path: Path
) -> None:
    app = App(qtbot, ui_config(tmp_path, KIOSK_INTERVIEW_DEVICE_RETRY_LIMIT="0"))
    try:
        _to_first_question(app)
        session_id = str(app.window.snapshot.state.session_id)  # type: ignore[union-attr]
        app.kiosk.runner.device_lost("microphone")
        app.wait_for(app.screens.interrupted)
        assert app.stage() is Stage.WELCOME
        assert CANARY_NAME not in "\n".join(visible_texts(app.window))
        app.tap(app.screens.interrupted.finish_button)
        app.wait_for(app.screens.welcome)
        assert app.kiosk.store.session(session_id).outcome == "interrupted"
    finally:
        app.close()


def test_walking_away_mid_interview_abandons_it(qtbot: QtBot, tmp_path: Path) -> None:
    app = App(qtbot, ui_config(tmp_path))
    try:
        app.walk_in("swe-intern")
        app.tap(app.screens.greeting.continue_button)
        app.wait_for(app.screens.consent)
        session_id = str(app.window.snapshot.state.session_id)  # type: ignore[union-attr]
        app.window.set_inactivity_seconds(0.5)
        app.wait_for(app.screens.welcome)
        app.wait_stage(Stage.WELCOME)
        assert CANARY_NAME not in "\n".join(visible_texts(app.window))
        assert app.kiosk.store.session(session_id).outcome == "interrupted"
    finally:
        app.close()
