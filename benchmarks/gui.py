"""GUI responsiveness: the longest the GUI thread is blocked during an interview.

The probe (:class:`ui.responsiveness.GuiGapProbe`, a 10 ms precise timer on the GUI thread)
records the gaps between its firings beyond the interval:

- baseline: the probe alone on an idle event loop, for a few seconds: the timer's own jitter on
  this machine;
- an interview: a whole candidate journey (swe-intern) in the real :class:`ui.window.KioskWindow`
  and :class:`ui.engine_host.EngineHost`, wired as ``kiosk run --replay`` wires them (replay
  devices at fast pace, the replay voice speaking the demo candidate's answers, analysis on with
  the real models, the system clock), driven by clicking the real widgets from check-in to the
  done screen with the probe running throughout. The target: never more than 50 ms.

Offscreen (``QT_QPA_PLATFORM=offscreen``), in this process. The engine thread's longest intent
(finalising, which waits for the answers' analysis, or the first answer's start, which loads the
live analysis) is reported beside it: those waits must not show on the GUI thread.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMessageLogContext, Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from hardware import ReplayMicrophone
from kiosk.app import build_devices
from kiosk.clock import SystemClock
from kiosk.config import load_config
from kiosk.engine import Stage
from ui.engine_data import kiosk_factory
from ui.engine_host import EngineHost
from ui.replay import ReplayVoice, as_cueable, replay_config
from ui.responsiveness import GapStats, GuiGapProbe, gui_gaps
from ui.style import apply_style
from ui.window import KioskWindow

Row = tuple[str, str, str, str]
TARGET_MS = 50.0
BASELINE_SECONDS = 3.0
WAIT_SECONDS = 120.0
POSITION = "swe-intern"


def _application() -> QApplication:
    """The QApplication, offscreen (the platform is set before it exists)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    if existing is not None:
        raise RuntimeError("benchmarks.gui needs a QApplication, not a QCoreApplication")
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    for name in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):  # as ui.cli does for cv2
        if "cv2" in os.environ.get(name, ""):
            del os.environ[name]
    qInstallMessageHandler(_quiet)
    return QApplication(["benchmarks.gui"])


def _quiet(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Qt's messages to stderr, less the offscreen plugin's one about size hints (on every
    layout change, so hundreds of lines in an interview)."""
    if "propagateSizeHints" not in message:
        sys.stderr.write(message + "\n")


def _spin(ms: int) -> None:
    """Run the event loop for ``ms`` milliseconds."""
    QTest.qWait(ms)


def _wait_until(predicate: Callable[[], bool], what: str, timeout: float = WAIT_SECONDS) -> None:
    """Run the event loop until ``predicate`` holds; RuntimeError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"benchmarks.gui: timed out waiting for {what}")
        _spin(5)


def idle_baseline(seconds: float = BASELINE_SECONDS) -> GapStats:
    """The probe on an idle event loop."""
    _application()
    with gui_gaps(10) as probe:
        _spin(int(seconds * 1000))
    return probe.stats()


class _Kiosk:
    """The app as ``kiosk run --replay`` wires it (system clock, replay devices at fast pace,
    the demo candidate's voice, analysis on), driven through its widgets like a candidate."""

    def __init__(self, data_dir: Path) -> None:
        app = _application()
        environ = {"KIOSK_DATA_DIR": str(data_dir), "KIOSK_DEFAULT_LANGUAGE": "en"}
        config = load_config(environ=environ)  # defaults: analysis on, live analysis on
        config = replay_config(config, data_dir=data_dir / "replay", pace="fast")
        camera, microphone = build_devices(config)
        assert isinstance(microphone, ReplayMicrophone)
        self.microphone = microphone
        clock = SystemClock()

        factory = kiosk_factory(config, clock=clock, camera=camera, microphone=microphone)
        apply_style(app)
        voice = ReplayVoice.from_samples(as_cueable(microphone))
        self.host = EngineHost(factory, clock=clock, voice=voice)
        self.window = KioskWindow(self.host, clock, language=config.default_language)
        self.screens = self.window.screens
        self.busy: list[tuple[float, bool, str]] = []
        self.host.busy.connect(
            lambda on: self.busy.append((time.perf_counter(), on, self.stage().name))
        )
        self.window.show_kiosk()
        self.host.start()
        welcome = self.screens.welcome
        _wait_until(lambda: POSITION in welcome.position_buttons, "the engine to be ready")

    def stage(self) -> Stage:
        snapshot = self.window.snapshot
        return Stage.WELCOME if snapshot is None else snapshot.state.stage

    def on_screen(self, screen: QWidget) -> None:
        _wait_until(lambda: self.window.current_screen() is screen, type(screen).__name__)

    def tap(self, widget: QAbstractButton, *, next_state: bool = False) -> None:
        """Tap once it is shown and enabled (as a finger would have to wait); with
        ``next_state``, until the engine has answered with a new state."""
        _wait_until(lambda: widget.isVisible() and widget.isEnabled(), f"'{widget.text()}'")
        before = self.window.snapshot
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton)
        if next_state:
            _wait_until(lambda: self.window.snapshot is not before, "the next state")

    def journey(self) -> None:
        """Check-in to the done screen; every answer spoken by the replay voice."""
        screens = self.screens
        screens.welcome.name_edit.setFocus()
        QTest.keyClicks(screens.welcome.name_edit, "Bench Candidate")
        self.tap(screens.welcome.position_buttons[POSITION])
        self.on_screen(screens.greeting)
        self.tap(screens.greeting.continue_button)
        self.on_screen(screens.consent)
        self.tap(screens.consent.agree_button)
        self.on_screen(screens.device_check)
        self.tap(screens.device_check.check_button)
        self.tap(screens.device_check.continue_button)
        _wait_until(lambda: self.stage() is Stage.PRACTICE_PREP, "the practice question")
        question = screens.question
        while (stage := self.stage()) is not Stage.DONE:
            if stage in (Stage.PREP, Stage.PRACTICE_PREP):
                self.tap(question.start_button, next_state=True)
            elif self.window.current_screen() is screens.choice:
                self.tap(screens.choice.option_buttons[0], next_state=True)
            elif stage in (Stage.ANSWER, Stage.PRACTICE_ANSWER):
                _wait_until(self.microphone.clip_done.is_set, "the answer to be spoken")
                self.tap(question.done_button, next_state=True)
            elif stage is Stage.REVIEW:
                self.tap(question.next_button, next_state=True)
            else:
                _spin(5)
        self.on_screen(screens.done)

    def longest_intent(self) -> tuple[float, str]:
        """Seconds of the longest busy intent on the engine thread, and the stage it was
        tapped in (finalising is the tap in the last REVIEW or ANSWER)."""
        pairs = zip(self.busy[::2], self.busy[1::2], strict=False)
        spans = [(end - start, stage) for (start, _, stage), (end, _, _) in pairs]
        return max(spans, default=(0.0, "-"))

    def close(self) -> None:
        self.window.shutdown()
        stopped = self.host.stop(120)
        self.window.deleteLater()
        _spin(0)
        if not stopped:
            raise RuntimeError("benchmarks.gui: the engine thread did not stop")


def interview(data_dir: Path) -> tuple[GapStats, float, tuple[float, str]]:
    """The probe over one whole journey (check-in to the done screen), the journey's seconds
    and the longest engine intent's seconds."""
    kiosk = _Kiosk(data_dir)
    probe = GuiGapProbe(10)
    try:
        started = time.perf_counter()
        probe.start()
        kiosk.journey()
        stats = probe.stop()
        seconds = time.perf_counter() - started
    finally:
        probe.stop()
        kiosk.close()
    return stats, seconds, kiosk.longest_intent()


def rows() -> list[Row]:
    """Measure the baseline, then the interview; one row per figure."""
    base = idle_baseline()
    with tempfile.TemporaryDirectory(prefix="bench-gui-") as tmp:
        stats, seconds, (longest, tapped_in) = interview(Path(tmp))
    gui_max = stats.max_gap_ms
    return [
        (
            f"GUI thread gap, {POSITION} interview (analysis on), max / p99",
            f"{gui_max:.1f} ms / {stats.p99_gap_ms:.1f} ms",
            f"{base.max_gap_ms:.1f} ms / {base.p99_gap_ms:.1f} ms (idle loop, 10 ms timer)",
            f"{gui_max / max(base.max_gap_ms, 0.1):.1f}x (max)",
        ),
        (
            "  against the target",
            f"{gui_max:.1f} ms",
            f"target ≤ {TARGET_MS:.0f} ms",
            f"{gui_max / TARGET_MS:.2f}x",
        ),
        (
            f"  longest engine-thread intent (a tap in {tapped_in})",
            f"{longest:.2f} s",
            f"{seconds:.1f} s (the journey, {stats.firings} probe ticks)",
            f"{longest / seconds:.2f}x",
        ),
    ]


if __name__ == "__main__":
    for row in rows():
        print("  ".join(row))
