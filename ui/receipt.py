"""The candidate's printed receipt: the session code, when, for which position, what happens next.

The session code is what a candidate quotes to ask about their interview or to have their data
deleted, so it is printed large. The receipt carries no name: it is left at a printer in a lobby,
and the code alone lets the recruiting team find the interview. It is rendered in memory (a small
A6 PDF, which a receipt printer or an office printer takes alike) and handed to the print queue
on its standard input (:func:`ui.printing.print_pdf`): nothing of it is written to the disk by
the kiosk.

:class:`ReceiptPrinter` renders and prints on a thread of its own: ``lp`` may take seconds, and
a printer problem must neither freeze the done screen nor hold up the reset for the next
candidate. Its texts are translated when the receipt is composed, in the display language.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import (
    QCoreApplication,
    QObject,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QFont, QPageSize, QTextDocument

from kiosk.errors import KioskError
from ui.printing import document_pdf, print_pdf

log = logging.getLogger(__name__)

#: Latin first, then CJK: the first family with a glyph draws it (as in ui.printing).
FONT_FAMILIES = ["Noto Sans", "DejaVu Sans", "WenQuanYi Micro Hei", "Noto Sans CJK SC"]
MARGIN_MM = 8.0


@dataclass(frozen=True, slots=True)
class ReceiptContent:
    """Every text of one receipt, already in the candidate's language. No name, by design."""

    code: str
    heading: str
    code_caption: str
    position: str
    when: str
    next_steps: str
    footer: str


def compose_receipt(code: str, position: str, when: datetime) -> ReceiptContent:
    """The receipt for session ``code`` at ``position`` (a title in the display language),
    finished at ``when``, with its texts in the display language. Call on the GUI thread."""
    # Spelled out call by call: Qt's lupdate collects only literal translate() calls.
    return ReceiptContent(
        code=code,
        heading=QCoreApplication.translate("Receipt", "Interview receipt"),
        code_caption=QCoreApplication.translate("Receipt", "Your session code"),
        position=QCoreApplication.translate("Receipt", "Position: {title}").format(title=position),
        when=QCoreApplication.translate("Receipt", "Date: {when}").format(
            when=when.strftime("%Y-%m-%d %H:%M")
        ),
        next_steps=QCoreApplication.translate(
            "Receipt",
            "Thank you for your interview. A recruiter reviews every interview; the computer "
            "decides nothing on its own. The recruiting team will contact you about the next "
            "steps.",
        ),
        footer=QCoreApplication.translate(
            "Receipt",
            "Quote this code to the recruiting team to ask about your interview, or to have "
            "your data deleted.",
        ),
    )


def render_receipt(content: ReceiptContent) -> bytes:
    """The receipt as a one-page A6 PDF, in memory. Any thread (the Qt application must run).

    Raises :class:`KioskError` if Qt produces no PDF.
    """
    document = QTextDocument()
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSize(9)
    document.setDefaultFont(font)
    # Every text is escaped: the position title comes from the question bank.
    document.setHtml(
        f"<p style='font-size:12pt'><b>{_escape(content.heading)}</b></p>"
        f"<p>{_escape(content.code_caption)}</p>"
        f"<p style='font-size:26pt; font-weight:bold; letter-spacing:2px'>"
        f"{_escape(content.code)}</p>"
        f"<p>{_escape(content.position)}<br>{_escape(content.when)}</p>"
        f"<p>{_escape(content.next_steps)}</p>"
        f"<p><i>{_escape(content.footer)}</i></p>"
    )
    # The title lands in the print queue's job history: the code, never a name.
    return document_pdf(
        document, QPageSize.PageSizeId.A6, margin_mm=MARGIN_MM, title=_job_title(content.code)
    )


class ReceiptPrinter(QObject):
    """Prints receipts one at a time on a thread of its own; reports back by session code."""

    #: The receipt for this session code went to the print queue.
    printed = Signal(str)
    #: The receipt for this session code could not be printed (the log says why, for staff).
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # one printer: one job at a time, in order

    def print_receipt(self, content: ReceiptContent, queue: str = "") -> None:
        """Render and print ``content`` on ``queue`` ("" for the default); returns at once."""
        self._pool.start(lambda: self._run(content, queue))

    def wait(self, timeout_ms: int = 60_000) -> bool:
        """Wait for queued receipts (at shutdown); False if they did not finish in time."""
        return bool(self._pool.waitForDone(timeout_ms))

    def _run(self, content: ReceiptContent, queue: str) -> None:
        # On the pool's thread. Emitting from here is thread-safe; the receivers live on the
        # GUI thread, so Qt queues the call to them.
        try:
            job = print_pdf(render_receipt(content), title=_job_title(content.code), queue=queue)
        except KioskError as exc:
            # Printing errors name queues and tools, never the candidate.
            log.warning("the receipt could not be printed: %s", exc)
            self.failed.emit(content.code)
            return
        except Exception:
            log.exception("printing the receipt failed unexpectedly")
            self.failed.emit(content.code)
            return
        log.info("receipt printed as job %s", job)
        self.printed.emit(content.code)


def _job_title(code: str) -> str:
    return f"Interview receipt {code}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
