"""``kiosk run``: the kiosk app. An entry-point plugin (group ``kiosk.commands``): the core's CLI
finds it and never imports ``ui``.

Start-up: the config's devices (or, with ``--replay``, replay devices playing the shipped sample
media), the window, then the engine thread, which assembles the kiosk with the periodic
retention purge and resumes an unfinished session (a crash or power cut mid-interview continues
at the last completed answer). SIGINT and SIGTERM (Ctrl+C, ``systemctl stop``) close the window,
then the engine closes devices, analysis and store.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from kiosk.app import build_devices, configure_logging
from kiosk.clock import SystemClock
from kiosk.config import KioskConfig
from kiosk.errors import ConfigError
from ui.engine_data import EngineSetup, kiosk_factory
from ui.engine_host import EngineHost
from ui.gil import gui_thread_first
from ui.replay import ReplayVoice, as_cueable, replay_config
from ui.style import apply_style

if TYPE_CHECKING:
    from ui.window import KioskWindow

log = logging.getLogger(__name__)

#: How long to wait for the engine to close (a finalise may be waiting for analysis).
STOP_TIMEOUT_SECONDS = 600.0


class _Commands:
    names = ("run",)

    def add_commands(self, commands: Any) -> None:
        run = commands.add_parser(
            "run",
            help="start the kiosk app (full screen, for candidates)",
            description="Start the candidate-facing kiosk app: full screen without window "
            "decorations; keys that would leave it do nothing. An unfinished interview is "
            "resumed. Staff reach the staff screen by holding the top-left corner for 3 s.",
        )
        run.add_argument(
            "--windowed",
            action="store_true",
            help="a normal window instead of full screen (development)",
        )
        run.add_argument(
            "--replay",
            action="store_true",
            help="use replay devices playing the shipped sample media (for machines without "
            "camera or microphone); data goes to <data_dir>/replay, apart from real interviews",
        )

    def run(self, args: argparse.Namespace, config: KioskConfig) -> int:
        return run_app(config, windowed=args.windowed, replay=args.replay)


COMMANDS = _Commands()


def run_app(config: KioskConfig, *, windowed: bool = False, replay: bool = False) -> int:
    """Run the kiosk app until it is closed; returns the exit code."""
    if replay:
        config = replay_config(config, data_dir=config.data_dir / "replay")
    _require_display()
    configure_logging(config)
    camera, microphone = build_devices(config)  # not opened yet: the engine thread does that
    voice = ReplayVoice.from_samples(as_cueable(microphone)) if replay else None
    clock = SystemClock()

    factory = kiosk_factory(config, clock=clock, camera=camera, microphone=microphone)
    _clear_opencv_qt_paths()
    app = QApplication.instance() or QApplication([sys.argv[0]])
    if not isinstance(app, QApplication):
        raise ConfigError("another Qt application type is already running in this process")
    apply_style(app)
    # Imported here, not at the top: every `kiosk` command loads this module (entry point),
    # and the window pulls in QtMultimedia, which writes its own start-up messages to stderr.
    from ui.window import KioskWindow  # noqa: PLC0415

    # Qt objects in reference cycles are freed on this thread only; other threads hand the
    # interpreter lock back within 1 ms.
    with gui_thread_first(app):
        host = EngineHost(factory, clock=clock, voice=voice)
        window = KioskWindow(host, clock, kiosk_mode=not windowed, language=config.default_language)
        host.ready.connect(_log_ready)
        print(f"kiosk run: data in {config.data_dir}; stop with Ctrl+C", flush=True)
        with _stop_on_signals(window):
            window.show_kiosk()
            host.start()
            code = app.exec()
        if not host.stop(STOP_TIMEOUT_SECONDS):
            log.error("the engine did not stop within %.0f s", STOP_TIMEOUT_SECONDS)
            return 1
    log.info("kiosk app stopped")
    return int(code)


def _log_ready(setup: EngineSetup) -> None:
    bank = setup.bank
    log.info(
        "kiosk ready: bank %s version %d, %d positions",
        bank.bank_id,
        bank.version,
        len(bank.positions),
    )


def _require_display() -> None:
    # Without any display Qt aborts the process with a core dump; say what is missing instead.
    if sys.platform.startswith("linux") and not any(
        os.environ.get(name) for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")
    ):
        raise ConfigError(
            "no display: run under X11 or Wayland, or set QT_QPA_PLATFORM (e.g. eglfs on a "
            "terminal without a desktop, offscreen for tests)"
        )


def _clear_opencv_qt_paths() -> None:
    # The non-headless OpenCV build points these at its own Qt5 plugins and fonts when cv2 is
    # imported, which breaks PySide6 (docs: PLATFORM.md); a path set by the user is kept.
    for name in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):
        value = os.environ.get(name, "")
        if "cv2" in value:
            log.warning("ignoring %s set by OpenCV (%s)", name, value)
            del os.environ[name]


@contextmanager
def _stop_on_signals(window: KioskWindow) -> Iterator[None]:
    """SIGINT and SIGTERM close the window (a staff-side close) while the block runs."""

    def close(signum: int, frame: object) -> None:
        log.info("signal %d: closing the kiosk app", signum)
        QTimer.singleShot(0, window.shutdown)

    previous = {sig: signal.signal(sig, close) for sig in (signal.SIGINT, signal.SIGTERM)}
    # Python runs signal handlers only between bytecodes; Qt's loop runs C++ for as long as it
    # has nothing to do, so wake the interpreter a few times a second.
    wake = QTimer()
    wake.timeout.connect(lambda: None)
    wake.start(250)
    try:
        yield
    finally:
        wake.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
