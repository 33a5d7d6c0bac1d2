"""Export a report to a folder (PDF, HTML, JSON) or print it on the system print queue.

Either way personal data leaves the vault, so each is a deliberate act with its own
permission and an audit entry (``export``; a print is recorded with the format ``print``).
Exports go through :meth:`kiosk.review.ReviewDesk.export` to a folder the staff member picks:
removable media under ``/media`` when some is mounted, else their home folder. A print renders
the PDF in memory and hands it to CUPS on ``lp``'s standard input (:mod:`ui.printing`): no
plaintext copy is written by the kiosk. Both run on the staff thread.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from kiosk.dashboard import department_of
from kiosk.errors import ErrorKind, VaultError
from kiosk.report_html import render_html
from kiosk.staff import StaffServices
from kiosk.vault.roles import Permission
from ui.printing import print_pdf
from ui.report_pdf import render_pdf, write_pdf
from ui.screens.base import label
from ui.staff.admin_common import restyle
from ui.staff.calls import StaffFailure
from ui.staff.context import StaffContext
from ui.staff.recruiter_format import failure_text, staff_button

#: Where removable media is mounted on Debian (udisks: /media/<user>/<label>).
MEDIA_ROOT = Path("/media")


@dataclass(frozen=True, slots=True)
class Exported:
    """Where the report went: a folder and its files, or a print job."""

    folder: Path | None = None
    files: tuple[str, ...] = ()
    job: str = ""


def default_export_folder(media_root: Path = MEDIA_ROOT) -> Path | None:
    """The first mounted removable medium (``/media/<user>/<label>`` or ``/media/<label>``),
    else None: a report in the terminal's own home folder would be plaintext personal data
    that neither the retention purge nor a secure wipe removes, so the recruiter must choose a
    folder on purpose."""
    try:
        bases = [media_root / getpass.getuser(), media_root]
    except (KeyError, OSError):  # a user with no name (a container without /etc/passwd entry)
        bases = [media_root]
    for base in bases:
        try:
            mounts = sorted(p for p in base.iterdir() if p.is_dir() and p.is_mount())
        except OSError:
            continue
        if mounts:
            return mounts[0]
    return None


def export_report(services: StaffServices, session_id: str, folder: Path) -> Exported:
    """Write the report files to ``folder`` (an existing folder), audited as an export."""
    if not folder.is_absolute() or not folder.is_dir():
        raise VaultError(f"there is no folder {folder}", kind=ErrorKind.INVALID_INPUT)
    files = services.desk.export(services.who(), session_id, folder, writers={"pdf": write_pdf})
    names = (
        files.html_path,
        files.json_path,
        files.markdown_path,
        files.receipt_path,
        *files.extra,
    )
    return Exported(folder=folder, files=tuple(sorted(p.name for p in names)))


def print_report(services: StaffServices, session_id: str) -> Exported:
    """Print the report on the configured queue; audited (as an export to ``print``) before
    the document leaves, so a print that then fails is still on record."""
    store = services.kiosk.store
    row = store.session(session_id)
    who = services.require(Permission.PRINT_REPORT, department_of(services.bank, row.position_id))
    if row.closed_at is None:
        raise VaultError("this interview is still in progress", kind=ErrorKind.INVALID_INPUT)
    report = store.result(session_id)
    if report is None:
        raise VaultError("this session has no result to print", kind=ErrorKind.INVALID_INPUT)
    # The title names the job in the CUPS logs: the session code, never the candidate.
    title = f"Interview report {row.code}"
    data = render_pdf(render_html(services.desk.with_reviews(session_id, report)), title=title)
    store.audit(who.user_id, "export", session_id, {"formats": ["print"]}, services.now())
    job = print_pdf(data, title=title, queue=services.kiosk.config.printer.queue)
    return Exported(job=job)


class ExportPanel(QWidget):
    """The export folder, and the export and print buttons."""

    def __init__(self, context: StaffContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.session_id: str | None = None
        self.result: Exported | None = None
        self._failure: StaffFailure | None = None
        self._dialog: QFileDialog | None = None
        column = QVBoxLayout(self)
        column.setSpacing(12)
        self.folder_title = label("subtitle")
        column.addWidget(self.folder_title)
        row = QHBoxLayout()
        default = default_export_folder()
        self.folder_edit = QLineEdit("" if default is None else str(default))
        self.folder_edit.setObjectName("folder")
        self.choose_button = staff_button("secondary")
        self.choose_button.clicked.connect(self._choose)
        row.addWidget(self.folder_edit, 1)
        row.addWidget(self.choose_button)
        column.addLayout(row)
        buttons = QHBoxLayout()
        self.export_button = staff_button("primary")
        self.export_button.clicked.connect(self.export)
        self.print_button = staff_button("secondary")
        self.print_button.clicked.connect(self.print_)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        self.note = label("notice")
        self.message = label()
        column.addWidget(self.note)
        column.addWidget(self.message)
        column.addStretch(1)
        self.retranslate()

    def show_session(self, session_id: str | None) -> None:
        """Act on ``session_id`` from now on (None: nothing open)."""
        self.session_id = session_id
        self.result, self._failure = None, None
        self.retranslate()

    def export(self) -> None:
        """Export the open report to the folder in the field."""
        session_id, folder = self.session_id, Path(self.folder_edit.text().strip())
        if session_id is None:
            return
        self._start(lambda services: export_report(services, session_id, folder))

    def print_(self) -> None:
        """Print the open report."""
        session_id = self.session_id
        if session_id is None:
            return
        self._start(lambda services: print_report(services, session_id))

    def _start(self, work: Callable[[StaffServices], Exported]) -> None:
        self.result, self._failure = None, None
        self.setEnabled(False)
        self.message.setText(self.tr("Working…"))
        self.context.call(self, work, self._done, self._refused)

    def _done(self, result: Exported) -> None:
        self.setEnabled(True)
        self.result = result
        self.retranslate()

    def _refused(self, failure: StaffFailure) -> None:
        self.setEnabled(True)
        self._failure = failure
        self.retranslate()

    def _choose(self) -> None:
        # Qt's own dialog, not the platform's: it works the same on every kiosk and under
        # offscreen tests, and open() does not block the GUI thread.
        dialog = QFileDialog(self, self.tr("Export to which folder?"), self.folder_edit.text())
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.fileSelected.connect(self.folder_edit.setText)
        dialog.finished.connect(dialog.deleteLater)
        self._dialog = dialog
        dialog.open()

    def retranslate(self) -> None:
        self.folder_title.setText(self.tr("Export to folder"))
        self.folder_edit.setAccessibleName(self.tr("Export folder"))
        self.choose_button.setText(self.tr("Choose…"))
        self.export_button.setText(self.tr("Export PDF, HTML and JSON"))
        self.print_button.setText(self.tr("Print"))
        self.note.setText(
            self.tr(
                "The report holds personal data: exporting and printing are recorded in the "
                "audit log. Keep exported files on encrypted media and delete them when done."
            )
        )
        for widget in (self.export_button, self.print_button):
            widget.setEnabled(self.session_id is not None)
        restyle(self.message, "problem" if self._failure else "good")
        self.message.setText(self._result_text())

    def _result_text(self) -> str:
        if self._failure is not None:
            return failure_text(self._failure.kind, self._failure.message)
        result = self.result
        if result is None:
            return ""
        if result.job:
            return self.tr("Sent to the printer (job %1).").replace("%1", result.job)
        return (
            self.tr("Saved in %1: %2")
            .replace("%1", str(result.folder))
            .replace("%2", ", ".join(result.files))
        )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
