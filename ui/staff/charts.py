"""The dashboard's score distribution: a bar chart painted with QPainter.

Painted rather than built with QtCharts: ten bars need no chart framework, and QPainter keeps
the look (fonts, colours) the same as the rest of the kiosk. With no scores at all the chart
says so in words instead of drawing an empty frame.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.style import HIGH_CONTRAST, STANDARD, high_contrast


def _colours() -> tuple[QColor, QColor, QColor]:
    """Bar, axis and text colours of the theme in use (high contrast too), read at each paint."""
    theme = HIGH_CONTRAST if high_contrast() else STANDARD
    return QColor(theme.accent), QColor(theme.muted), QColor(theme.text)


class ScoreHistogram(QWidget):
    """How many overall scores fall in each bin of 0-100 (``bins`` equal bins)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._counts: tuple[int, ...] = ()
        self._empty_text = ""
        self.setMinimumSize(QSize(360, 160))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    @property
    def counts(self) -> tuple[int, ...]:
        """The bars, lowest scores first."""
        return self._counts

    def set_counts(self, counts: Sequence[int]) -> None:
        """Show ``counts``, one bar per equal-width bin from 0 to 100."""
        self._counts = tuple(counts)
        total = sum(self._counts)
        self.setAccessibleDescription(
            ", ".join(
                f"{label}: {n}" for label, n in zip(self._labels(), self._counts, strict=True)
            )
            or "-"
        )
        self.setToolTip(str(total))
        self.update()

    def set_empty_text(self, text: str) -> None:
        """What the chart says when there are no scores (translated by the caller)."""
        self._empty_text = text
        self.update()

    def _labels(self) -> list[str]:
        n = len(self._counts)
        width = 100 // n if n else 0
        return [f"{i * width}" for i in range(n)]

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            font = QFont(self.font())
            font.setPixelSize(18)
            painter.setFont(font)
            area = QRectF(self.rect()).adjusted(48, 32, -16, -40)  # room for a count above a bar
            if not self._counts or not sum(self._counts):
                painter.setPen(_colours()[1])
                painter.drawText(
                    QRectF(self.rect()), Qt.AlignmentFlag.AlignCenter, self._empty_text
                )
                return
            self._paint_bars(painter, area)
        finally:
            painter.end()

    def _paint_bars(self, painter: QPainter, area: QRectF) -> None:
        bar, axis, text = _colours()
        top = max(self._counts)
        slot = area.width() / len(self._counts)
        painter.setPen(axis)
        painter.drawLine(area.bottomLeft(), area.bottomRight())
        # The y axis: 0 and the tallest bar's count.
        painter.drawText(
            QRectF(0, area.top() - 10, area.left() - 8, 20),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            str(top),
        )
        painter.drawText(
            QRectF(0, area.bottom() - 10, area.left() - 8, 20),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            "0",
        )
        for i, (label, count) in enumerate(zip(self._labels(), self._counts, strict=True)):
            left = area.left() + i * slot
            height = area.height() * count / top
            if count:
                painter.fillRect(
                    QRectF(left + slot * 0.12, area.bottom() - height, slot * 0.76, height), bar
                )
                painter.setPen(text)
                painter.drawText(
                    QRectF(left, area.bottom() - height - 24, slot, 22),
                    Qt.AlignmentFlag.AlignCenter,
                    str(count),
                )
            painter.setPen(axis)
            painter.drawText(
                QRectF(left, area.bottom() + 6, slot, 24), Qt.AlignmentFlag.AlignCenter, label
            )
