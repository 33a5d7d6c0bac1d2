"""Qt runs headless in the tests: no display is needed, and no window appears on one."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from ui.gil import gui_thread_first

# Before pytest-qt or a test creates the application; a platform set on purpose is kept.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session", autouse=True)
def collect_on_the_gui_thread(qapp: QApplication) -> Iterator[None]:
    """As ``kiosk run`` does (ui.collector): the garbage collector runs on the GUI thread only,
    so no engine or staff thread frees a Qt object (a deadlock seen in a full run); and the
    interpreter's switch interval is the app's (ui.gil)."""
    with gui_thread_first(qapp):
        yield
