"""Printing through CUPS: a private scheduler with a real cups-pdf queue, read back as PDF.

Every test talks to a real ``cupsd`` (tests/ui/cups.py) through the real ``lp`` and ``lpstat``;
the error tests make the real conditions: a scheduler without queues, one that is not running,
a machine without the CUPS tools, a client that does not answer.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QColor, QFont, QPageSize, QPainter, QPdfWriter
from PySide6.QtPdf import QPdfDocument
from pytestqt.qtbot import QtBot

from tests.ui import cups
from tests.ui.cups import CupsServer, pdf_info, printed_like, printed_title
from ui import printing
from ui.printing import PrintError, print_pdf, print_test_page, render_test_page

cups_server = cups.cups_server
cups_without_queues = cups.cups_without_queues


def test_the_test_page_prints_to_the_default_queue(qtbot: QtBot, cups_server: CupsServer) -> None:
    assert printing.printers() == [cups_server.queue]
    assert printing.default_queue() == cups_server.queue
    job = print_test_page(device_id="kiosk-lobby-7")
    assert job.startswith(f"{cups_server.queue}-")
    (pdf,) = cups_server.wait_for_pdfs(1)
    info = pdf_info(pdf)
    assert printed_title(pdf) == "Kiosk test page kiosk-lobby-7" and info["Pages"] == "1"
    assert "A4" in info["Page size"]
    # The page that came out is the page that was sent (not a blank or an error page).
    assert printed_like(pdf, render_test_page(device_id="kiosk-lobby-7")) > 0.7
    assert job in cups_server.completed_jobs()


def test_the_test_page_is_rendered_in_memory_with_both_languages(
    qtbot: QtBot, tmp_path: Path
) -> None:
    when = datetime(2026, 11, 22, 9, 30, tzinfo=timezone.utc)
    data = render_test_page(device_id="kiosk-lobby-7", when=when)
    assert data.startswith(b"%PDF") and b"%%EOF" in data[-64:]
    path = tmp_path / "test-page.pdf"  # no personal data on a test page
    path.write_bytes(data)
    document = QPdfDocument()
    document.load(str(path))
    assert document.status() == QPdfDocument.Status.Ready, document.error()
    assert document.pageCount() == 1
    text = document.getAllText(0).text()
    assert "kiosk-lobby-7" in text and "2026-11-22 09:30:00" in text
    assert "打印测试页" in text and "欢迎参加面试" in text
    assert "quick brown fox" in text


def test_a_pdf_goes_to_a_named_queue_from_memory(qtbot: QtBot, cups_server: CupsServer) -> None:
    assert cups_server.queue is not None
    data = big_text_pdf("ABC123")
    job = print_pdf(data, title="Receipt\nABC123", queue=cups_server.queue)
    assert job.startswith(cups_server.queue)
    (pdf,) = cups_server.wait_for_pdfs(1)
    assert printed_title(pdf) == "Receipt ABC123"  # one line, whatever the caller gave
    assert printed_like(pdf, data) > 0.9
    # Another page does not pass for it: the comparison can fail.
    assert printed_like(pdf, render_test_page(device_id="ABC123")) < 0.8


def test_an_unknown_queue_is_named_in_the_error(cups_server: CupsServer) -> None:
    with pytest.raises(PrintError, match="no print queue named 'front-desk'") as caught:
        print_pdf(b"%PDF-1.4\n%%EOF\n", title="x", queue="front-desk")
    assert cups_server.queue is not None and cups_server.queue in str(caught.value)
    assert caught.value.kind.value == "device_unavailable"


def test_no_queue_at_all_is_a_clear_error(cups_without_queues: CupsServer) -> None:
    assert printing.printers() == []
    assert printing.default_queue() is None
    with pytest.raises(PrintError, match="no printer is set up"):
        print_pdf(b"%PDF-1.4\n%%EOF\n", title="x")


def test_a_stopped_scheduler_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUPS_SERVER", str(tmp_path / "no-such-cupsd.sock"))
    with pytest.raises(PrintError, match="not running"):
        printing.printers()
    with pytest.raises(PrintError, match="not running"):
        print_pdf(b"%PDF-1.4\n%%EOF\n", title="x")


def test_missing_cups_tools_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine without the CUPS clients
    with pytest.raises(PrintError, match=r"'lpstat' is not installed.*cups-client"):
        printing.printers()


def test_only_pdfs_are_printed() -> None:
    with pytest.raises(PrintError, match="only PDF"):
        print_pdf(b"plain text", title="x")


def test_a_client_that_does_not_answer_times_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An lpstat that hangs (a scheduler stuck on a dead network printer behaves like this).
    stuck = tmp_path / "lpstat"
    stuck.write_text("#!/bin/sh\nexec sleep 30\n")
    stuck.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(printing, "LPSTAT_TIMEOUT_SECONDS", 0.5)
    with pytest.raises(PrintError, match=r"did not answer within 0\.5 s"):
        printing.printers()


def big_text_pdf(text: str) -> bytes:
    """An A4 PDF with ``text`` in large letters (a page unlike the test page)."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setResolution(150)
    painter = QPainter(writer)
    font = QFont("DejaVu Sans")
    font.setPointSize(72)
    painter.setFont(font)
    painter.drawText(150, 600, text)
    painter.fillRect(150, 800, 900, 120, QColor("black"))
    painter.end()
    return bytes(buffer.data().data())
