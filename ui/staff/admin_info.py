"""Read-only IT admin pages: the effective configuration, and the enrolment with the HR ERP."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.diagnostics import (
    ConfigRow,
    EnrolmentReport,
    SyncReport,
    config_rows,
    enrolment_report,
    sync_report,
)
from kiosk.staff import StaffServices
from ui.screens.base import label
from ui.staff.admin_common import Page, failure_text, yes_no
from ui.staff.calls import StaffFailure
from ui.staff.context import StaffContext


class ConfigPage(Page):
    """Every setting of the running configuration, with the digest the audit log compares.
    Secrets and paths to private keys show as hidden."""

    def __init__(self, context: StaffContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.rows: list[ConfigRow] = []
        column = QVBoxLayout(self)
        self.add_header(column, self.load, "problem")
        self.table = QTableWidget(0, 3)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        column.addWidget(self.table, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.note.setText(
            self.tr(
                "The settings this terminal runs with (file, environment and the HR system's "
                "config bundle). Hidden values are secrets or key files; their digests still "
                "show whether two terminals agree."
            )
        )
        self.refresh_button.setText(self.tr("Refresh"))
        self.table.setHorizontalHeaderLabels(
            [self.tr("Setting"), self.tr("Value"), self.tr("Digest")]
        )
        self.table.setAccessibleName(self.tr("Configuration"))
        self._fill()

    def activated(self) -> None:
        if not self.rows:
            self.load()

    def load(self) -> None:
        """Read the config on the staff thread."""
        self.refresh_button.setEnabled(False)
        self.call(config_rows, self._loaded, self._failed)

    def _loaded(self, rows: list[ConfigRow]) -> None:
        self.refresh_button.setEnabled(True)
        self.message.clear()
        self.rows = rows
        self._fill()

    def _failed(self, failure: StaffFailure) -> None:
        self.refresh_button.setEnabled(True)
        self.message.setText(failure_text(failure))

    def _fill(self) -> None:
        self.table.setRowCount(len(self.rows))
        for index, row in enumerate(self.rows):
            if row.masked:
                value = self.tr("hidden (set)") if row.is_set else self.tr("hidden (not set)")
            else:
                value = "—" if row.value is None else row.value
            for col, text in enumerate((row.key, value, row.digest)):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                self.table.setItem(index, col, item)

    def value_of(self, key: str) -> str:
        """The text shown for a setting (for tests and screenshots)."""
        for index in range(self.table.rowCount()):
            item = self.table.item(index, 0)
            if item is not None and item.text() == key:
                shown = self.table.item(index, 1)
                return "" if shown is None else shown.text()
        raise KeyError(key)


class EnrolmentPage(Page):
    """Whether this terminal is enrolled with the HR ERP, its identity there, the keys it
    trusts, and the bundle versions it last applied."""

    def __init__(self, context: StaffContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.report: EnrolmentReport | None = None
        self.sync: SyncReport | None = None
        column = QVBoxLayout(self)
        self.add_header(column, self.load, "problem")
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        self.names: dict[str, QLabel] = {}
        self.values: dict[str, QLabel] = {}
        for index, key in enumerate(_FIELDS):
            self.names[key] = label("body")
            # Names on one line: the values beside them wrap instead.
            self.names[key].setWordWrap(False)
            self.values[key] = label("body")
            self.values[key].setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(self.names[key], index, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(self.values[key], index, 1)
        grid.setColumnStretch(1, 1)
        column.addLayout(grid)
        self.warning = label("notice")
        column.addWidget(self.warning)
        column.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.note.setText(
            self.tr("Enrolment ties this terminal to the HR system (command: kiosk provision).")
        )
        self.refresh_button.setText(self.tr("Refresh"))
        names = {
            "enrolled": self.tr("Enrolled"),
            "device": self.tr("Device id at the HR system"),
            "label": self.tr("Local device id"),
            "endpoint": self.tr("HR system address"),
            "server_key": self.tr("Server sealing key"),
            "org_key": self.tr("Organisation signing key"),
            "review_key": self.tr("Review key"),
            "connector": self.tr("Connector"),
            "bundles": self.tr("Bundle versions"),
        }
        for key, widget in self.names.items():
            widget.setText(names[key])
        self._fill()

    def activated(self) -> None:
        if self.report is None:
            self.load()

    def load(self) -> None:
        """Read the enrolment and the bundle versions on the staff thread."""
        self.refresh_button.setEnabled(False)

        def work(services: StaffServices) -> tuple[EnrolmentReport, SyncReport]:
            return enrolment_report(services), sync_report(services)

        self.call(work, self._loaded, self._failed)

    def _loaded(self, result: tuple[EnrolmentReport, SyncReport]) -> None:
        self.refresh_button.setEnabled(True)
        self.message.clear()
        self.report, self.sync = result
        self._fill()

    def _failed(self, failure: StaffFailure) -> None:
        self.refresh_button.setEnabled(True)
        self.message.setText(failure_text(failure))

    def _fill(self) -> None:
        report, sync = self.report, self.sync
        if report is None or sync is None:
            for widget in self.values.values():
                widget.clear()
            self.warning.clear()
            return
        unset = self.tr("none")
        bundles = ", ".join(
            f"{kind} {'-' if version is None else version}"
            for kind, (version, _) in sync.bundles.items()
        )
        texts = {
            "enrolled": yes_no(report.enrolled),
            "device": report.erp_device_id or unset,
            "label": report.device_label,
            "endpoint": report.endpoint or unset,
            "server_key": report.server_key or unset,
            "org_key": report.organisation_key or unset,
            "review_key": report.review_key or unset,
            "connector": sync.connector,
            "bundles": bundles,
        }
        for key, widget in self.values.items():
            widget.setText(texts[key])
        if report.local_only:
            self.warning.setText(
                self.tr(
                    "Neither enrolled nor set up for recruiters: finished interviews stay "
                    "readable with this terminal's own key until it is enrolled."
                )
            )
        elif not report.enrolled:
            self.warning.setText(
                self.tr("Not enrolled: results stay on this terminal until it is.")
            )
        else:
            self.warning.clear()


_FIELDS = (
    "enrolled",
    "device",
    "label",
    "endpoint",
    "server_key",
    "org_key",
    "review_key",
    "connector",
    "bundles",
)
