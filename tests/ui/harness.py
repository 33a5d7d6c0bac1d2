"""The kiosk app as a candidate meets it, for the UI tests.

Real parts throughout: the engine on its own thread, a SQLite store in the test's folder, replay
devices at fast pace (the replay voice speaks a short clip whenever the candidate must speak), a
manual clock (so engine timers fire only when a test advances it), and the real window, shown
offscreen. A test taps buttons with qtbot and waits for screens; every wait has a timeout.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QLineEdit,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from hardware import ReplayCamera, ReplayMicrophone
from kiosk.app import Kiosk
from kiosk.clock import ManualClock
from kiosk.config import KioskConfig, load_config
from kiosk.demo import samples_dir
from kiosk.engine import Stage
from ui.engine_data import kiosk_factory
from ui.engine_host import EngineHost
from ui.replay import ReplayVoice
from ui.screens.base import Screen
from ui.style import apply_style
from ui.window import KioskWindow

CANARY_NAME = "Zebulon Quaxley"
MEDIA = samples_dir() / "media"
CLIP = MEDIA / "mic_check.ogg"  # ~2 s of speech
WAIT_MS = 20_000


def ui_config(tmp_path: Path, **environ: str) -> KioskConfig:
    """Defaults, analysis off (fast), English first, data in ``tmp_path``."""
    env = {
        "KIOSK_DATA_DIR": str(tmp_path / "data"),
        "KIOSK_ANALYSIS_ENABLED": "false",
        "KIOSK_DEFAULT_LANGUAGE": "en",
        "KIOSK_RECORDING_MIN_FREE_MB": "50",
        **environ,
    }
    return load_config(environ=env)


class App:
    """One kiosk app: window, engine thread and devices. Call :meth:`close` at the end."""

    def __init__(
        self,
        qtbot: QtBot,
        config: KioskConfig,
        *,
        inactivity_seconds: float = 300.0,
        wait_ready: bool = True,
        clips: Mapping[str, Path] | None = None,
    ) -> None:
        self.qtbot = qtbot
        self.config = config
        self.clock = ManualClock()
        self.camera = ReplayCamera(MEDIA / "face_steady.mp4", pace="fast", loop=True)
        self.microphone = ReplayMicrophone(None, pace="fast", fill_silence=True)
        # Every answer is the short clip unless a test gives real answers (``clips``).
        self.voice = ReplayVoice(self.microphone, clips or {}, fallback=CLIP)
        self.finished_codes: list[str] = []

        factory = kiosk_factory(
            config,
            clock=self.clock,
            camera=self.camera,
            microphone=self.microphone,
            periodic_purge=False,
        )
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        apply_style(app)
        self.host = EngineHost(factory, clock=self.clock, voice=self.voice)
        self.host.finished.connect(self.finished_codes.append)
        self.window = KioskWindow(
            self.host, self.clock, kiosk_mode=False, inactivity_seconds=inactivity_seconds
        )
        self.screens = self.window.screens
        self.window.show_kiosk()
        self.host.start()
        # Ready once the engine thread has reported its first state (welcome, or a resumed
        # session's screen).
        if wait_ready:
            qtbot.waitUntil(lambda: self.window.snapshot is not None, timeout=WAIT_MS)

    @property
    def kiosk(self) -> Kiosk:
        kiosk = self.host.kiosk
        assert kiosk is not None
        return kiosk

    def stage(self) -> Stage:
        snapshot = self.window.snapshot
        return Stage.WELCOME if snapshot is None else snapshot.state.stage

    def wait_for(self, screen: QWidget, timeout: int = WAIT_MS) -> None:
        self.qtbot.waitUntil(lambda: self.window.current_screen() is screen, timeout=timeout)

    def wait_stage(self, stage: Stage, timeout: int = WAIT_MS) -> None:
        self.qtbot.waitUntil(lambda: self.stage() is stage, timeout=timeout)

    def tap(self, button: QAbstractButton) -> None:
        """Tap a button once it is shown and enabled (as a finger would have to wait)."""
        self.qtbot.waitUntil(lambda: button.isVisible() and button.isEnabled(), timeout=WAIT_MS)
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    def type_into(self, edit: QLineEdit, text: str) -> None:
        edit.setFocus()
        if text.isascii():
            self.qtbot.keyClicks(edit, text)
        else:
            # Chinese arrives from an input method as a committed string, not as key presses.
            event = QInputMethodEvent()
            event.setCommitString(text)
            QApplication.sendEvent(edit, event)

    def walk_in(self, position_id: str, name: str = CANARY_NAME) -> None:
        welcome = self.screens.welcome
        self.qtbot.waitUntil(lambda: position_id in welcome.position_buttons, timeout=WAIT_MS)
        self.type_into(welcome.name_edit, name)
        self.tap(welcome.position_buttons[position_id])
        self.wait_for(self.screens.greeting)

    def to_device_check(self) -> None:
        self.tap(self.screens.greeting.continue_button)
        self.wait_for(self.screens.consent)
        self.tap(self.screens.consent.agree_button)
        self.wait_for(self.screens.device_check)

    def pass_device_check(self) -> None:
        check = self.screens.device_check
        self.tap(check.check_button)
        self.tap(check.continue_button)
        self.wait_stage(Stage.PRACTICE_PREP)

    def speak_and_finish(self) -> None:
        """In an answer stage: let the replay voice finish its clip, then tap "I'm done"."""
        self.qtbot.waitUntil(self.microphone.clip_done.is_set, timeout=WAIT_MS)
        self.tap(self.screens.question.done_button)

    def answer_current(self, *, choice: int = 0, finalise_ms: int = WAIT_MS) -> None:
        """Act on the current question stage like a candidate who never retakes.

        ``finalise_ms``: how long "go on" after the last answer may take (with analysis on,
        the engine waits there for every answer's analysis)."""
        stage = self.stage()
        question = self.screens.question
        if stage in (Stage.PREP, Stage.PRACTICE_PREP):
            self.tap(question.start_button)
            self.qtbot.waitUntil(lambda: self.stage() is not stage, timeout=WAIT_MS)
        elif self.window.current_screen() is self.screens.choice:
            before = self.window.snapshot
            self.tap(self.screens.choice.option_buttons[choice])
            self.qtbot.waitUntil(lambda: self.window.snapshot is not before, timeout=WAIT_MS)
        elif stage in (Stage.ANSWER, Stage.PRACTICE_ANSWER):
            self.speak_and_finish()
            self.qtbot.waitUntil(lambda: self.stage() is not stage, timeout=WAIT_MS)
        elif stage is Stage.REVIEW:
            before = self.window.snapshot
            self.tap(question.next_button)
            self.qtbot.waitUntil(lambda: self.window.snapshot is not before, timeout=finalise_ms)

    def close(self) -> None:
        self.window.shutdown()
        assert self.host.stop(60), "the engine thread did not stop"
        self.camera.close()
        self.microphone.close()
        self.window.deleteLater()


def visible_texts(root: QWidget) -> list[str]:
    """Every text any widget under ``root`` holds, shown or not (labels, fields, buttons)."""
    texts: list[str] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append(widget.text())
        elif isinstance(widget, QLineEdit):
            texts.extend((widget.text(), widget.placeholderText()))
        elif isinstance(widget, QTextEdit):
            texts.append(widget.toPlainText())
    return [t for t in texts if t]


def shown_texts(screen: Screen) -> str:
    """The texts of a screen's visible labels and buttons, one per line."""
    parts: list[Any] = []
    for widget in screen.findChildren(QWidget):
        if widget.isVisible() and isinstance(widget, QLabel | QAbstractButton):
            parts.append(widget.text())
    return "\n".join(p for p in parts if p)
