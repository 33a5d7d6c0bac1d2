"""IT admin mode (placeholder until the admin screens land)."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.screens.base import label
from ui.staff.context import StaffContext


class AdminHome(QWidget):
    """What an IT admin sees after logging in."""

    def __init__(self, context: StaffContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        column = QVBoxLayout(self)
        self.title = label("title")
        self.title.setText(self.tr("Diagnostics"))
        column.addWidget(self.title)
        column.addStretch(1)
