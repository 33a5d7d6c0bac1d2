"""Qt runs headless in the tests: no display is needed, and no window appears on one."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from ui.collector import MainThreadCollector
from ui.gil import favour_gui_thread

# Before pytest-qt or a test creates the application; a platform set on purpose is kept.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session", autouse=True)
def collect_on_the_gui_thread(qapp: QApplication) -> Iterator[None]:
    """As ``kiosk run`` does (ui.collector): the garbage collector runs on the GUI thread only,
    so no engine or staff thread frees a Qt object (a deadlock seen in a full run); and the
    interpreter's switch interval is the app's (ui.gil)."""
    collector = MainThreadCollector(parent=qapp)
    collector.start()
    previous = favour_gui_thread()
    yield
    sys.setswitchinterval(previous)
    collector.stop()
