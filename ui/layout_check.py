"""Does every text on a screen show whole, in a font that has its glyphs?

A translation that runs longer than the English, a 1366×768 panel, a label that cannot wrap:
text gets cut off, and a candidate reads half an instruction. Chinese text on a terminal without
a CJK font shows as empty boxes. Both are invisible to a test that reads ``label.text()``, so
this module looks at what is laid out: each visible label and button is measured against the
room it was given, and each character is looked up in the fonts the style falls back through.
The screen tests and the screenshot gallery (``scripts/gallery.py``) run it on every screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics
from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QLabel, QLineEdit, QWidget

from ui.style import FONT_FAMILIES

#: Slack for rounding between the measured and the laid-out size, in pixels.
_SLACK_PX = 2
#: A line edit's text margins and border in the kiosk style (ui/style.py: 16 px each side).
_FIELD_PADDING_PX = 36


@dataclass(frozen=True, slots=True)
class LayoutProblem:
    """One text that does not show whole, or a character no installed font can draw."""

    widget: str  # object name and class, to find it
    text: str
    problem: str

    def __str__(self) -> str:
        return f"{self.widget}: {self.problem}: {self.text[:60]!r}"


def layout_problems(window: QWidget) -> list[LayoutProblem]:
    """Every clipped, overflowing or undrawable text among ``window``'s visible widgets."""
    problems: list[LayoutProblem] = []
    bounds = window.rect()
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or widget.window() is not window:
            continue
        text = _text(widget)
        if not text:
            continue
        name = f"{widget.objectName() or '-'} ({type(widget).__name__})"
        where = QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())
        if not _inside(where, bounds) and _shown_area(widget):
            problems.append(LayoutProblem(name, text, "outside the window"))
        if isinstance(widget, QAbstractButton | QLineEdit) and _squeezed(widget):
            # Smaller than its minimum: the layout ran out of room and buttons overlap.
            size = f"{widget.width()}x{widget.height()}"
            problems.append(LayoutProblem(name, text, f"squeezed to {size}"))
        problem = _clipped(widget, text)
        if problem:
            problems.append(LayoutProblem(name, text, problem))
        missing = sorted({c for c in text if not c.isspace() and not has_glyph(c)})
        if missing:
            problems.append(LayoutProblem(name, text, f"no font has {''.join(missing)!r}"))
    return problems


def has_glyph(char: str) -> bool:
    """Whether one of the style's font families, as installed here, can draw ``char``."""
    return _has_glyph(ord(char))


@cache
def _has_glyph(code: int) -> bool:
    return any(QFontMetrics(QFont(f)).inFontUcs4(code) for f in _installed_families())


@cache
def _installed_families() -> tuple[str, ...]:
    installed = set(QFontDatabase.families())
    return tuple(f for f in FONT_FAMILIES if f in installed)


def _text(widget: QWidget) -> str:
    if isinstance(widget, QLabel):
        # Rich text is measured by its document, not here.
        return widget.text() if widget.textFormat() != Qt.TextFormat.RichText else ""
    if isinstance(widget, QAbstractButton):
        # A button that lays out its own label (a wrapping one) is checked by that label.
        return widget.text() if widget.layout() is None else ""
    if isinstance(widget, QLineEdit):
        return widget.text() or widget.placeholderText()
    return ""


def _clipped(widget: QWidget, text: str) -> str | None:
    metrics = QFontMetrics(widget.font())
    if isinstance(widget, QLabel) and widget.wordWrap():
        needed, has = widget.heightForWidth(widget.width()), widget.height()
        what = "height"
    elif isinstance(widget, QLabel):
        needed = max(metrics.horizontalAdvance(line) for line in text.split("\n"))
        has, what = widget.contentsRect().width(), "width"
    else:
        # Buttons and fields: the text on one line, inside the padding the style gives them.
        needed = metrics.horizontalAdvance(text)
        if isinstance(widget, QLineEdit):
            needed += _FIELD_PADDING_PX
        if isinstance(widget, QAbstractButton):
            needed = max(needed, widget.sizeHint().width())
        has, what = widget.width(), "width"
    if needed > has + _SLACK_PX:
        return f"needs {needed} px of {what}, has {has}"
    return None


def _squeezed(widget: QWidget) -> bool:
    least = widget.minimumSizeHint().height()
    if widget.hasHeightForWidth():
        least = widget.heightForWidth(widget.width())
    return widget.height() + _SLACK_PX < least


def _inside(rect: QRect, bounds: QRect) -> bool:
    return bounds.contains(rect.topLeft()) and bounds.contains(rect.bottomRight())


def _shown_area(widget: QWidget) -> bool:
    # Inside a scroll area that scrolls, a widget may reach past the window: the scroll bar
    # brings it into view. (The window's own page scrolls only under the on-screen keyboard.)
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea) and (
            parent.verticalScrollBar().maximum() > 0 or parent.horizontalScrollBar().maximum() > 0
        ):
            return False
        parent = parent.parentWidget()
    return True
