"""Printing through the system print queue (CUPS): receipts, reports and the test page.

Everything goes through the CUPS command-line clients, ``lpstat`` and ``lp``, rather than
``QPrinter``: they are what IT staff use to check a terminal by hand, they honour ``CUPS_SERVER``
(so tests can print to a private scheduler), and a subprocess with a timeout can never hang the
caller. A PDF reaches ``lp`` on its standard input, never through a temporary file: a report or a
receipt is personal data and must not be written to the disk in plaintext by the kiosk. (The
scheduler keeps its own spool copy while it prints; how long it keeps it afterwards is the
system's ``PreserveJobFiles`` setting, which the terminal's CUPS configuration should turn off.)

Job titles end up in the scheduler's job history and page log, so a caller passes a title without
personal data: a session code, never a name.

Every failure is a :class:`PrintError` (kind ``DEVICE_UNAVAILABLE``) whose message tells staff
what to do: CUPS tools missing, scheduler not running, no queue, or ``lp`` refusing the job.
Call these functions off the GUI thread: each runs a process (with a timeout).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF
from PySide6.QtGui import (
    QFont,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)

from kiosk import __version__
from kiosk.errors import HardwareError

#: How long ``lpstat`` may take: it only asks the local scheduler.
LPSTAT_TIMEOUT_SECONDS = 10.0
#: How long ``lp`` may take to hand a job to the scheduler (not to print it: that is the
#: scheduler's business, after ``lp`` has returned).
LP_TIMEOUT_SECONDS = 30.0
#: Larger documents are refused before they reach the queue (a report is well under 5 MB).
MAX_PDF_BYTES = 64 * 2**20

#: Latin first, then CJK: the first family with a glyph draws it (as in ui.report_pdf).
_FONTS = ["Noto Sans", "DejaVu Sans", "WenQuanYi Micro Hei", "Noto Sans CJK SC", "sans-serif"]
_REQUEST_ID = re.compile(r"request id is (\S+)")
_CUPS_PACKAGES = "cups cups-client cups-bsd"


class PrintError(HardwareError):
    """Printing is not possible; the message says why, for staff (never personal data)."""


@dataclass(frozen=True, slots=True)
class CupsState:
    """What ``lpstat`` says about the scheduler and its queues."""

    running: bool
    queues: tuple[str, ...]
    default: str | None


def cups_state() -> CupsState:
    """Whether the scheduler runs, its queues and its default destination (one ``lpstat``)."""
    output = _run(
        [_tool("lpstat"), "-r", "-e", "-d"], timeout=LPSTAT_TIMEOUT_SECONDS, what="lpstat"
    ).stdout.decode("utf-8", errors="replace")
    running = False
    queues: list[str] = []
    default: str | None = None
    for raw in output.splitlines():
        line = raw.strip()
        if line == "scheduler is running":
            running = True
        elif line.startswith("system default destination:"):
            default = line.split(":", 1)[1].strip() or None
        elif line and " " not in line:
            # Queue names cannot contain spaces; every other line of lpstat's output does.
            queues.append(line)
    return CupsState(running, tuple(queues), default)


def printers() -> list[str]:
    """The names of the CUPS queues (destinations); empty if there are none.

    Raises :class:`PrintError` if the CUPS tools are missing or the scheduler is not running.
    """
    state = cups_state()
    _require_running(state)
    return list(state.queues)


def default_queue() -> str | None:
    """The scheduler's default destination, or ``None`` if it has none.

    Raises :class:`PrintError` if the CUPS tools are missing or the scheduler is not running.
    """
    state = cups_state()
    _require_running(state)
    return state.default


def print_pdf(data: bytes, *, title: str, queue: str = "") -> str:
    """Send a PDF to ``queue`` (``""``: the default destination); returns the CUPS job id.

    The bytes go to ``lp`` on its standard input. ``title`` names the job in the queue and the
    scheduler's logs: never put personal data in it. Raises :class:`PrintError` when there is no
    such queue (or no default), CUPS is missing or not running, or ``lp`` refuses the job.
    """
    if not data.startswith(b"%PDF"):
        raise PrintError("only PDF documents can be printed")
    if len(data) > MAX_PDF_BYTES:
        raise PrintError(f"the document is too large to print ({len(data) // 2**20} MB)")
    target = resolve_queue(queue)
    command = [_tool("lp"), "-d", target, "-t", _clean_title(title), "-"]
    done = _run(command, timeout=LP_TIMEOUT_SECONDS, what="lp", stdin=data)
    output = done.stdout.decode("utf-8", errors="replace")
    match = _REQUEST_ID.search(output)
    if match is None:
        raise PrintError(f"lp accepted the job for {target} but gave no job id")
    return match.group(1)


def resolve_queue(queue: str = "") -> str:
    """The queue a job for ``queue`` goes to: ``queue`` itself if CUPS has it, else (for
    ``""``) the default destination. Raises :class:`PrintError` naming what is missing."""
    state = cups_state()
    _require_running(state)
    if not queue:
        if state.default is None:
            if not state.queues:
                raise PrintError("no printer is set up (CUPS has no print queue)")
            raise PrintError(
                "no default printer: set printer.queue in the config or a CUPS default "
                f"(queues: {', '.join(state.queues)})"
            )
        return state.default
    if queue not in state.queues:
        known = ", ".join(state.queues) or "none"
        raise PrintError(f"there is no print queue named {queue!r} (queues: {known})")
    return queue


def render_test_page(*, device_id: str, when: datetime | None = None) -> bytes:
    """A one-page A4 PDF for checking a printer: device id, time, and sample text in Chinese
    and English (so a missing CJK font shows as empty boxes on paper). Rendered in memory."""
    if QGuiApplication.instance() is None:
        raise PrintError("the test page needs the Qt application to be running")
    stamp = (when or datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    document = QTextDocument()
    font = QFont()
    font.setFamilies(_FONTS)
    font.setPointSize(12)
    document.setDefaultFont(font)
    # Our own fixed text and a device id checked by the config; escaped all the same.
    document.setHtml(
        "<h1>Interview Kiosk · 打印测试页</h1>"
        f"<p><b>Device / 设备</b>: {_escape(device_id)}<br>"
        f"<b>Time / 时间</b>: {_escape(stamp)}<br>"
        f"<b>Software / 软件</b>: {_escape(__version__)}</p>"
        "<p>The quick brown fox jumps over the lazy dog. 0123456789</p>"
        "<p>敏捷的棕色狐狸跳过了那只懒狗。欢迎参加面试，祝您顺利！</p>"
        "<p>If both lines above are readable, the printer and its fonts work.<br>"
        "如果以上两行文字都清晰可读，说明打印机和字体工作正常。</p>"
    )
    return document_pdf(
        document, QPageSize.PageSizeId.A4, margin_mm=20, title="Interview Kiosk test page"
    )


def print_test_page(queue: str = "", *, device_id: str = "unknown") -> str:
    """Print :func:`render_test_page` on ``queue`` (``""``: the default); returns the job id."""
    return print_pdf(
        render_test_page(device_id=device_id), title=f"Kiosk test page {device_id}", queue=queue
    )


# -- internals ------------------------------------------------------------------------------


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise PrintError(
            f"the CUPS command {name!r} is not installed (Debian packages: {_CUPS_PACKAGES})"
        )
    return path


def _require_running(state: CupsState) -> None:
    if not state.running:
        raise PrintError("the CUPS print service (cupsd) is not running")


def _run(
    command: list[str], *, timeout: float, what: str, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    # English messages (the output is parsed, and lpstat translates them) in UTF-8 (a title
    # may be Chinese).
    env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")
    try:
        done = subprocess.run(
            command,
            input=stdin if stdin is not None else b"",
            capture_output=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PrintError(f"{what} did not answer within {timeout:g} s") from None
    except OSError as exc:
        raise PrintError(f"{what} could not be started ({exc.strerror})") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        reason = detail[-1] if detail else f"exit status {done.returncode}"
        raise PrintError(f"{what} failed: {reason[:300]}")
    return done


def _clean_title(title: str) -> str:
    # One line of printable text: the title travels in an IPP attribute and the page log.
    cleaned = "".join(ch if ch.isprintable() else " " for ch in title).strip()
    return cleaned[:120] or "Interview Kiosk"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def document_pdf(
    document: QTextDocument, page: QPageSize.PageSizeId, *, margin_mm: float, title: str
) -> bytes:
    """``document`` laid out on one ``page`` and rendered to PDF bytes in memory (nothing is
    written to disk: receipts and reports carry personal data). ``title`` lands in the print
    queue's job history, so it must never hold personal data."""
    buffer = QBuffer()
    if not buffer.open(QIODevice.OpenModeFlag.WriteOnly):
        raise PrintError("could not open a memory buffer for the document")
    writer = QPdfWriter(buffer)
    writer.setTitle(title)
    writer.setCreator("Interview Kiosk")
    writer.setResolution(300)
    margins = QMarginsF(margin_mm, margin_mm, margin_mm, margin_mm)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(page), QPageLayout.Orientation.Portrait, margins, QPageLayout.Unit.Millimeter
        )
    )
    # Laid out with the writer's own metrics (300 dpi), not the screen's, so point sizes are
    # true on paper and lines break where they will be printed.
    document.documentLayout().setPaintDevice(writer)
    document.setTextWidth(writer.width())
    painter = QPainter(writer)
    try:
        document.drawContents(painter)
    finally:
        painter.end()
    data = bytes(buffer.data().data())
    buffer.close()
    if not data.startswith(b"%PDF"):
        raise PrintError("Qt produced no PDF")
    return data
