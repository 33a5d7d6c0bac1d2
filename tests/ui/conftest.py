"""Qt runs headless in the tests: no display is needed, and no window appears on one."""

from __future__ import annotations

import os

# Before pytest-qt or a test creates the application; a platform set on purpose is kept.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
