"""Accessibility in the real app: accommodations chosen before consent (extra time, typed
answers), keyboard-only use, accessible names, high contrast, gentle warnings, the on-screen
keyboard and the spoken prompt.

Real parts throughout (tests/ui/harness.py): the window, the engine thread, the SQLite vault in
the test's folder, replay devices, a manual clock. The spoken prompt is played through a private
PulseAudio daemon's null sink and recorded back from its monitor.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from hardware import SoundDeviceMicrophone
from kiosk.engine import Stage
from tests.hardware import conftest as hardware_fixtures
from tests.hardware.conftest import PulseServer
from tests.ui.harness import WAIT_MS, App, ui_config
from ui.keyboard import OnScreenKeyboard
from ui.responsiveness import gui_gaps
from ui.screens.base import HighContrastToggle, Screen
from ui.screens.prompt_voice import PromptVoice
from ui.screens.question import QuestionScreen
from ui.style import HIGH_CONTRAST, STANDARD, contrast_ratio, high_contrast

# The private PulseAudio daemon of the hardware tests (see tests/ui/test_real_microphone.py).
pulse_server = hardware_fixtures.pulse_server

CANARY = "Quillfeather Marmaduke"  # typed by the candidate: never on disk in the clear
INTERACTIVE = (QAbstractButton, QLineEdit, QTextEdit, QPlainTextEdit)


@pytest.fixture
def app(qtbot: QtBot, tmp_path: Path) -> Iterator[App]:
    running = App(qtbot, ui_config(tmp_path, KIOSK_SPEAKER_KIND="none"))
    yield running
    running.close()


def unnamed_controls(screen: QWidget) -> list[str]:
    """The visible interactive controls of ``screen`` a screen reader could not name."""
    return [
        f"{type(w).__name__} {w.objectName()!r} {getattr(w, 'text', lambda: '')()!r}"
        for w in screen.findChildren(QWidget)
        if isinstance(w, INTERACTIVE) and w.isVisible() and not w.accessibleName().strip()
    ]


def check_names(app: App) -> None:
    screen = app.window.current_screen()
    assert isinstance(screen, Screen)
    assert unnamed_controls(screen) == [], type(screen).__name__


def focused() -> QWidget | None:
    return QApplication.focusWidget()


def press(qtbot: QtBot, key: Qt.Key, window: QWidget) -> None:
    """A key as a physical keyboard sends it: to the focused widget, else the window."""
    qtbot.keyClick(focused() or window, key)


def activate(app: App) -> None:
    app.window.activateWindow()
    app.qtbot.waitUntil(app.window.isActiveWindow, timeout=WAIT_MS)


# -- the whole journey with both accommodations ------------------------------------------------


def test_an_interview_with_extra_time_and_typed_answers_through_the_screens(
    app: App, qtbot: QtBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    screens = app.screens
    app.walk_in("customer-manager")
    greeting = screens.greeting
    check_names(app)
    assert greeting.text_answers_check.isVisible() and greeting.extra_time_check.isVisible()
    assert "+50 %" in greeting.extra_time_check.text()
    before = greeting.steps.text()
    app.tap(greeting.extra_time_check)
    app.tap(greeting.text_answers_check)
    qtbot.waitUntil(
        lambda: (
            app.window.snapshot is not None
            and app.window.snapshot.state.extra_time
            and app.window.snapshot.state.text_answers
        ),
        timeout=WAIT_MS,
    )
    qtbot.waitUntil(lambda: greeting.steps.text() != before, timeout=WAIT_MS)
    assert "Nothing is recorded" in greeting.steps.text()  # the plan, re-planned
    app.tap(greeting.continue_button)
    app.wait_for(screens.consent)
    app.tap(screens.consent.agree_button)
    # Typed answers record nothing, so there is no device check (it asks the candidate to speak).
    app.wait_stage(Stage.PRACTICE_PREP)
    question = screens.question
    app.wait_for(question)
    state = app.window.snapshot.state if app.window.snapshot else None
    assert state is not None and state.deadline is not None
    bank = app.kiosk.banks.current
    practice_prep = bank.question(state.current.question_id).prep_seconds
    assert state.deadline - app.clock.now() == pytest.approx(practice_prep * 1.5)
    assert not question.read_button.isVisible()  # this terminal has no loudspeaker
    assert "type your answer" in question.phase.text()
    check_names(app)

    # The practice: typed, then thrown away.
    app.tap(question.start_button)
    app.wait_stage(Stage.PRACTICE_ANSWER)
    qtbot.waitUntil(question.answer_box.isVisible, timeout=WAIT_MS)
    assert not question.recording.isVisible()
    check_names(app)
    qtbot.keyClicks(question.answer_box, "a practice answer")
    app.tap(question.done_button)
    app.wait_stage(Stage.PREP)
    assert question.answer_box.toPlainText() == ""  # a new answer starts empty

    typed: dict[int, str] = {}
    timed_out_once = False
    while app.stage() is not Stage.DONE:
        stage = app.stage()
        snapshot = app.window.snapshot
        assert snapshot is not None
        if stage is Stage.ANSWER and snapshot.state.typing:
            qtbot.waitUntil(question.answer_box.isVisible, timeout=WAIT_MS)
            text = f"Answer {snapshot.state.index}: I led the team, said {CANARY}."
            question.answer_box.setFocus()
            qtbot.keyClicks(question.answer_box, text)
            typed[snapshot.state.index] = text
            if not timed_out_once:
                # Typed, then the time runs out: what was typed is kept.
                timed_out_once = True
                qtbot.wait(600)  # the text so far reaches the engine after a short pause
                app.clock.advance(snapshot.state.current.answer_seconds + 1)
                qtbot.waitUntil(lambda: app.stage() is not Stage.ANSWER, timeout=WAIT_MS)
            else:
                app.tap(question.done_button)
                qtbot.waitUntil(lambda s=snapshot: app.window.snapshot is not s, timeout=WAIT_MS)
        else:
            app.answer_current()
    app.wait_for(screens.done)

    store = app.kiosk.store
    final = app.window.snapshot
    assert final is not None
    session_id = str(final.state.session_id)
    assert typed and timed_out_once
    for answer in final.state.answers:
        record = store.analysis(session_id, answer.index, answer.attempt)
        if answer.index in typed:
            assert record is not None and record["transcript"]["text"] == typed[answer.index]
    timed_out = {a.index for a in final.state.answers if a.timed_out}
    assert timed_out == {min(typed)}  # the one left to time out, with its text kept
    scratch = app.kiosk.config.scratch_dir / session_id
    assert not scratch.exists() or not any(scratch.iterdir())  # nothing was recorded
    result = store.result(session_id)
    assert result is not None and result["accommodations"]["extra_time"]
    assert result["accommodations"]["text_answers"]

    app.window.set_inactivity_seconds(0.5)
    app.wait_for(screens.welcome)
    app.wait_stage(Stage.WELCOME)
    assert question.answer_box.toPlainText() == ""
    app.close()
    for path in (tmp_path / "data").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for canary in (CANARY, "Quillfeather", "Marmaduke"):
                assert canary.encode() not in data, f"{canary} in plaintext in {path}"
    assert "Quillfeather" not in caplog.text


def test_text_answers_are_not_offered_where_the_terminal_does_not_offer_them(
    qtbot: QtBot, tmp_path: Path
) -> None:
    app = App(qtbot, ui_config(tmp_path, KIOSK_INTERVIEW_TEXT_ANSWERS="false"))
    try:
        app.walk_in("swe-intern")
        greeting = app.screens.greeting
        assert not greeting.text_answers_check.isVisible()
        assert greeting.extra_time_check.isVisible()
    finally:
        app.close()


# -- keyboard ---------------------------------------------------------------------------------


def test_consent_is_operable_by_keyboard_alone(app: App, qtbot: QtBot) -> None:
    screens = app.screens
    app.walk_in("swe-intern")
    activate(app)
    window = app.window
    # Qt hands the focus to the first control when a screen shows or the window activates;
    # a button lets go of a focus nobody gave it with the keyboard.
    qtbot.waitUntil(lambda: not isinstance(focused(), QAbstractButton), timeout=WAIT_MS)
    # Nor does a tap leave a button holding the focus (and so taking a later Enter).
    app.tap(screens.greeting.extra_time_check)
    qtbot.wait(20)
    assert not isinstance(focused(), QAbstractButton)
    qtbot.waitUntil(lambda: window.snapshot is not None and window.snapshot.state.extra_time)

    # Tab through the choices, Space toggles one back, Tab to Continue, Enter.
    visited = []
    for _ in range(8):
        press(qtbot, Qt.Key.Key_Tab, window)
        visited.append(focused())
        if focused() is screens.greeting.continue_button:
            break
    greeting = screens.greeting
    expected = [greeting.extra_time_check, greeting.text_answers_check, greeting.contrast_check]
    assert visited[:3] == expected
    assert focused() is greeting.continue_button
    press(qtbot, Qt.Key.Key_Return, window)
    app.wait_for(screens.consent)

    consent = screens.consent
    # Qt moved the focus into the new page along with the candidate: onto the notice (which
    # the arrow keys then scroll), never onto a button.
    qtbot.wait(50)
    visited = [focused()] if focused() is not None else []
    assert not isinstance(focused(), QAbstractButton)
    for _ in range(8):
        press(qtbot, Qt.Key.Key_Tab, window)
        visited.append(focused())
        if focused() is consent.agree_button:
            break
    order = [consent.notice_area, consent.decline_button, consent.agree_button]
    if consent.face_check.isVisible():
        order.insert(1, consent.face_check)
    assert visited == order
    # The focus ring is drawn: the focused button's edge is the theme's focus colour.
    qtbot.wait(50)
    image = consent.agree_button.grab().toImage()
    edge = image.pixelColor(image.width() // 2, 1)
    assert edge == QColor(STANDARD.focus), edge.name()
    press(qtbot, Qt.Key.Key_Space, window)
    app.wait_for(screens.device_check)


def test_enter_on_start_does_not_leave_the_focus_on_im_done(app: App, qtbot: QtBot) -> None:
    app.walk_in("swe-intern")
    app.to_device_check()
    app.pass_device_check()
    activate(app)
    question = app.screens.question
    app.wait_for(question)
    for _ in range(8):
        press(qtbot, Qt.Key.Key_Tab, app.window)
        if focused() is question.start_button:
            break
    assert focused() is question.start_button
    press(qtbot, Qt.Key.Key_Enter, app.window)
    app.wait_stage(Stage.PRACTICE_ANSWER)
    qtbot.waitUntil(question.done_button.isVisible, timeout=WAIT_MS)
    # A second Enter must not end the answer that just began: no button holds the focus.
    assert not isinstance(focused(), QAbstractButton)
    press(qtbot, Qt.Key.Key_Return, app.window)
    qtbot.wait(200)
    assert app.stage() is Stage.PRACTICE_ANSWER
    app.speak_and_finish()
    app.wait_stage(Stage.PREP)


def test_the_on_screen_keyboard_follows_the_focus_and_types(qtbot: QtBot) -> None:
    parent = QWidget()
    column = QVBoxLayout(parent)
    line = QLineEdit()
    box = QPlainTextEdit()
    other = QPushButton("elsewhere")
    keyboard = OnScreenKeyboard()
    for widget in (line, box, other, keyboard):
        column.addWidget(widget)
    qtbot.addWidget(parent)
    parent.show()
    assert not keyboard.isVisible()
    parent.activateWindow()
    qtbot.waitUntil(parent.isActiveWindow, timeout=WAIT_MS)
    other.setFocus()  # activation focused the first field; start from a button
    qtbot.waitUntil(lambda: not keyboard.isVisible(), timeout=WAIT_MS)

    line.setFocus()
    qtbot.waitUntil(keyboard.isVisible, timeout=WAIT_MS)
    assert keyboard.target is line
    keys = [k for k in keyboard.findChildren(QPushButton) if k.isVisible()]
    assert len(keys) > 40
    assert all(k.width() >= 48 and k.height() >= 48 for k in keys), "keys under 48 px"
    assert all(k.focusPolicy() == Qt.FocusPolicy.NoFocus for k in keys)
    assert all(k.accessibleName() for k in keys)

    def tap(key: QPushButton) -> None:
        qtbot.mouseClick(key, Qt.MouseButton.LeftButton)

    for character in "hi":
        tap(keyboard.character_keys[character])
    tap(keyboard.shift_key)
    tap(keyboard.character_keys["a"])
    tap(keyboard.character_keys["b"])  # Shift is for one letter
    tap(keyboard.space_key)
    tap(keyboard.character_keys["7"])
    tap(keyboard.character_keys[","])
    assert line.text() == "hiAb 7,"
    tap(keyboard.backspace_key)
    assert line.text() == "hiAb 7"
    assert focused() is line  # the keys never took the focus
    with qtbot.waitSignal(line.returnPressed, timeout=WAIT_MS):
        tap(keyboard.enter_key)

    tap(keyboard.hide_key)
    assert not keyboard.isVisible()
    qtbot.mouseClick(line, Qt.MouseButton.LeftButton)
    assert keyboard.isVisible()

    box.setFocus()
    qtbot.waitUntil(lambda: keyboard.target is box, timeout=WAIT_MS)
    tap(keyboard.character_keys["o"])
    tap(keyboard.enter_key)
    tap(keyboard.character_keys["k"])
    assert box.toPlainText() == "o\nk"
    tap(keyboard.hide_key)
    qtbot.mouseClick(box.viewport(), Qt.MouseButton.LeftButton)
    assert keyboard.isVisible()
    other.setFocus()
    qtbot.waitUntil(lambda: not keyboard.isVisible(), timeout=WAIT_MS)
    tap(keyboard.character_keys["x"])  # hidden, no target: nothing happens
    assert box.toPlainText() == "o\nk" and line.text() == "hiAb 7"


# -- names, contrast, warnings ----------------------------------------------------------------


def test_every_control_of_every_candidate_screen_has_an_accessible_name(
    app: App, qtbot: QtBot
) -> None:
    for screen in app.screens.all():
        named = [
            w
            for w in screen.findChildren(QAbstractButton)
            if w.text() and not w.accessibleName().strip()
        ]
        assert named == [], type(screen).__name__
    app.walk_in("swe-intern")
    check_names(app)
    app.tap(app.screens.greeting.continue_button)
    app.wait_for(app.screens.consent)
    check_names(app)
    assert app.screens.consent.agree_button.accessibleDescription()
    app.tap(app.screens.consent.agree_button)
    app.wait_for(app.screens.device_check)
    check_names(app)
    app.pass_device_check()
    seen = set()
    while app.stage() is not Stage.DONE:
        screen = app.window.current_screen()
        key = (type(screen).__name__, app.stage())
        if key not in seen:
            seen.add(key)
            check_names(app)
        app.answer_current()
    app.wait_for(app.screens.done)
    check_names(app)
    assert len(seen) >= 5
    # Names follow the display language.
    app.window.language.set("zh")
    qtbot.waitUntil(lambda: app.window.language.current == "zh", timeout=WAIT_MS)
    done = app.screens.done
    buttons = [b for b in done.findChildren(QAbstractButton) if b.isVisible()]
    assert buttons and all(b.accessibleName() == " ".join(b.text().split()) for b in buttons)


def test_high_contrast_is_chosen_on_the_welcome_and_forgotten_at_the_end(
    app: App, qtbot: QtBot
) -> None:
    for use, (text, ground) in HIGH_CONTRAST.text_pairs().items():
        assert contrast_ratio(text, ground) >= 7.0, use
    assert contrast_ratio(HIGH_CONTRAST.focus, HIGH_CONTRAST.ground) >= 7.0
    assert contrast_ratio(STANDARD.focus, STANDARD.ground) >= 3.0  # WCAG focus indicator

    qt_app = QApplication.instance()
    assert isinstance(qt_app, QApplication)
    assert not high_contrast() and "#000000" not in qt_app.styleSheet()
    app.walk_in("customer-manager")
    greeting = app.screens.greeting
    other_toggle = HighContrastToggle()  # e.g. one the window shows in its header
    assert not other_toggle.isChecked()
    app.tap(greeting.contrast_check)
    assert high_contrast()
    sheet = qt_app.styleSheet()
    assert "background: #000000" in sheet and HIGH_CONTRAST.focus in sheet
    assert other_toggle.isChecked()  # every toggle shows the theme in force
    qtbot.wait(50)
    image = greeting.grab().toImage()
    assert image.pixelColor(5, 5) == QColor("#000000")
    # Nothing about the interview changes: it is not an engine choice.
    snapshot = app.window.snapshot
    assert snapshot is not None and not snapshot.state.extra_time

    # The candidate leaves; the next one starts with the standard look.
    app.window.set_inactivity_seconds(0.5)
    app.wait_stage(Stage.WELCOME)
    qtbot.waitUntil(lambda: not high_contrast(), timeout=WAIT_MS)
    assert "background: #000000" not in qt_app.styleSheet()
    assert not greeting.contrast_check.isChecked() and not other_toggle.isChecked()
    other_toggle.deleteLater()


def test_no_face_and_no_speech_are_gentle_warnings_on_the_question(app: App, qtbot: QtBot) -> None:
    app.walk_in("swe-intern")
    app.to_device_check()
    app.pass_device_check()
    question = app.screens.question
    app.wait_for(question)
    app.tap(question.start_button)
    app.wait_stage(Stage.PRACTICE_ANSWER)
    assert not question.notice.isVisible()
    app.host.notice.emit("no_face")
    qtbot.waitUntil(question.notice.isVisible, timeout=WAIT_MS)
    assert "camera can see your face" in question.notice.text()
    app.host.notice.emit("no_speech")
    assert "cannot hear you" in question.notice.text()
    app.host.notice.emit("camera_lost")  # not a question's notice: left to the window
    assert "cannot hear you" in question.notice.text()


# -- the spoken prompt, through a real loudspeaker path ---------------------------------------


def to_a_spoken_question(app: App) -> tuple[QuestionScreen, PromptVoice]:
    """A walk-in at the practice question, whose prompt the loudspeaker can read."""
    app.walk_in("swe-intern")
    app.to_device_check()
    app.pass_device_check()
    question = app.screens.question
    app.wait_for(question)
    voice = question.prompt_voice
    assert voice is not None and voice.available
    return question, voice


@pytest.mark.slow
def test_the_question_is_read_aloud_off_the_gui_thread(
    qtbot: QtBot,
    tmp_path: Path,
    pulse_server: PulseServer,
    record_property: Callable[[str, object], None],
) -> None:
    app = App(qtbot, ui_config(tmp_path, KIOSK_SPEAKER_KIND="sounddevice"))
    microphone = SoundDeviceMicrophone("pulse", sample_rate=16_000)
    microphone.open()
    heard: list[np.ndarray] = []
    stop = threading.Event()

    def listen() -> None:
        while not stop.is_set():
            heard.append(microphone.read(1600, timeout=3.0).samples)

    listener = threading.Thread(target=listen, daemon=True)
    try:
        question, voice = to_a_spoken_question(app)
        assert question.read_button.isVisible()
        assert question.read_button.accessibleName() == "Read the question aloud"
        microphone.discard_pending()
        listener.start()
        with gui_gaps(10) as probe:
            app.tap(question.read_button)
            assert voice.reading and not question.read_button.isEnabled()
            assert not question.start_button.isEnabled()  # the recording would hear it
            qtbot.waitUntil(lambda: not voice.reading, timeout=60_000)
            stats = probe.stats()
        assert question.read_button.isEnabled() and voice.available
        # Seconds of speech played while the GUI kept its 10 ms timer going.
        record_property("read_aloud_gui_max_gap_ms", round(stats.max_gap_ms, 1))
        logging.getLogger(__name__).info("while reading aloud: %s", stats.describe())
        assert stats.max_gap_ms < 250, stats.describe()
        qtbot.wait(500)
    finally:
        stop.set()
        if listener.is_alive():
            listener.join(timeout=5)
        microphone.close()
        app.close()
    audio = np.concatenate(heard) if heard else np.zeros(0, dtype=np.float32)
    loud = np.abs(audio) > 0.05
    assert loud.sum() > 0.3 * 16_000, f"only {loud.sum() / 16_000:.2f} s of speech were heard"


@pytest.mark.slow
def test_reading_aloud_stops_when_the_preparation_time_runs_out(
    qtbot: QtBot, tmp_path: Path, pulse_server: PulseServer
) -> None:
    """The recording that starts must not hear the loudspeaker."""
    app = App(qtbot, ui_config(tmp_path, KIOSK_SPEAKER_KIND="sounddevice"))
    try:
        question, voice = to_a_spoken_question(app)
        app.tap(question.read_button)
        qtbot.wait(800)  # synthesised, and playing
        assert voice.reading
        started = time.monotonic()
        state = app.window.snapshot
        assert state is not None
        app.clock.advance(state.state.current.prep_seconds + 1)
        app.wait_stage(Stage.PRACTICE_ANSWER)
        qtbot.waitUntil(lambda: not voice.reading, timeout=5000)
        assert time.monotonic() - started < 2.0  # the question takes several seconds to read
        assert voice.available  # stopping is not a failure of the loudspeaker
    finally:
        app.close()
