"""Secure wipe for the IT admin: what would be lost, a typed confirmation, then the wipe.

The wipe itself is :func:`kiosk.wipe.wipe_device` (crypto-erase first; see its module for why
that is the real guarantee on flash storage). The typed confirmation is checked there too, not
only here: a screen cannot be the last line of defence for erasing a terminal.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from kiosk.staff import StaffServices
from kiosk.wipe import WipePreview, WipeReport, wipe_device, wipe_preview
from ui.screens.base import button, label
from ui.staff.admin_common import Busy, Page, busy_text, failure_text, unless_busy
from ui.staff.calls import StaffFailure
from ui.staff.context import StaffContext


class WipePage(Page):
    """The secure wipe, behind a typed confirmation."""

    # The terminal was wiped: the app must stop (WipeReport).
    wiped = Signal(object)

    def __init__(self, context: StaffContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.preview: WipePreview | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(24, 16, 24, 16)
        column.setSpacing(16)
        self.explanation = label("body")
        column.addWidget(self.explanation)
        self.loss = label("notice")
        column.addWidget(self.loss)
        self.prompt = label("body")
        column.addWidget(self.prompt)
        row = QHBoxLayout()
        self.confirmation = QLineEdit()
        self.confirmation.setObjectName("confirmation")
        self.confirmation.setMaxLength(64)
        self.confirmation.textChanged.connect(self._update_button)
        self.wipe_button = button("primary")
        self.wipe_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.wipe_button.clicked.connect(self._wipe)
        row.addWidget(self.confirmation, 1)
        row.addWidget(self.wipe_button)
        column.addLayout(row)
        self.message = label("problem")
        column.addWidget(self.message)
        column.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.explanation.setText(
            self.tr(
                "A secure wipe erases every interview, recording, staff account, pulled bundle, "
                "key and log on this terminal. The keys are destroyed first, so whatever the "
                "storage keeps afterwards can no longer be decrypted. A wipe receipt without "
                "personal data stays in the data folder. Afterwards the kiosk must be restarted "
                "and enrolled again. This cannot be undone."
            )
        )
        self.wipe_button.setText(self.tr("Erase everything"))
        self.confirmation.setAccessibleName(self.tr("Device id, to confirm"))
        self._render_preview()

    def activated(self) -> None:
        self.message.clear()
        self.confirmation.clear()
        self.call(wipe_preview, self._previewed, self._failed)

    def _previewed(self, preview: WipePreview) -> None:
        self.preview = preview
        self._render_preview()

    def _render_preview(self) -> None:
        preview = self.preview
        if preview is None:
            self.loss.clear()
            self.prompt.clear()
            self._update_button()
            return
        loss = (
            self.tr("Stored interviews: %1. Staff accounts: %2.")
            .replace("%1", str(preview.sessions))
            .replace("%2", str(preview.accounts))
        )
        if preview.undelivered:
            loss += " " + self.tr(
                "%n item(s) have not reached the HR system yet and will be lost.",
                "",
                preview.undelivered,
            )
        self.loss.setText(loss)
        self.prompt.setText(
            self.tr("To confirm, type this terminal's device id: %1").replace(
                "%1", preview.device_label
            )
        )
        self._update_button()

    def _update_button(self) -> None:
        # Enabled for any text: a wrong one is refused by the core, which says so.
        self.wipe_button.setEnabled(self.preview is not None and bool(self.confirmation.text()))

    def _wipe(self) -> None:
        typed = self.confirmation.text()
        if not typed:
            return
        self.message.clear()
        self.wipe_button.setEnabled(False)
        self.confirmation.setEnabled(False)

        def work(services: StaffServices) -> WipeReport:
            return wipe_device(services, typed)

        self.call(unless_busy(work), self._done, self._failed)

    def _done(self, result: WipeReport | Busy) -> None:
        self.confirmation.setEnabled(True)
        if isinstance(result, Busy):
            self.message.setText(busy_text())
            self._update_button()
            return
        self.wiped.emit(result)

    def _failed(self, failure: StaffFailure) -> None:
        self.confirmation.setEnabled(True)
        self._update_button()
        if failure.kind == "invalid_input":
            self.message.setText(
                self.tr("That is not this terminal's device id. Nothing was erased.")
            )
        else:
            self.message.setText(failure_text(failure))


class WipedPage(QWidget):
    """What the admin sees after a wipe: the terminal holds nothing and must be restarted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report: WipeReport | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(64, 48, 64, 48)
        column.setSpacing(24)
        self.title = label("title")
        self.body = label("body")
        self.receipt = label("body")
        self.receipt.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.title)
        column.addWidget(self.body)
        column.addWidget(self.receipt)
        column.addStretch(1)
        self.retranslate()

    def show_report(self, report: WipeReport) -> None:
        """Show what was erased."""
        self.report = report
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("This terminal has been wiped"))
        self.body.setText(
            self.tr(
                "All interview data, accounts and keys are erased. The kiosk cannot take "
                "interviews any more: restart it and enrol it again (kiosk provision, then add "
                "staff accounts)."
            )
        )
        report = self.report
        if report is None:
            self.receipt.clear()
            return
        text = (
            self.tr("%1 interview(s) and %2 account(s) erased; %3 file(s) deleted. Receipt: %4")
            .replace("%1", str(report.sessions))
            .replace("%2", str(report.accounts))
            .replace("%3", str(report.files))
            .replace("%4", str(report.receipt))
        )
        if report.not_erased:
            text += "\n" + self.tr("Not erased (outside the data folder): %1").replace(
                "%1", ", ".join(report.not_erased)
            )
        self.receipt.setText(text)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
