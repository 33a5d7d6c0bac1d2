"""The printable report: the HTML report laid out on A4 pages as a PDF, with Qt.

Recruiters print the report, and a PDF prints the same everywhere. It is made with
``QTextDocument`` (Qt's rich-text engine, which reads a subset of HTML and CSS) painted on a
``QPdfWriter`` rather than with a browser engine: both ship in the Qt wheels the kiosk already
has, work offline and in-process, and need no extra process or the ~280 MB QtWebEngine. The
subset has gaps the report falls into, bridged here: inline ``<svg>`` (the timeline plots, drawn
as images with QtSvg), ``<mark>`` (the evidence highlights; QTextDocument colours the unknown
tag only through the report's CSS, so it becomes a span that carries its colour) and a few CSS
details (see :data:`PRINT_CSS`). Pages are painted here rather than by
``QTextDocument.print_`` so that a heading is never left alone at the foot of a page and every
page carries the session code.

The core finds :func:`write_pdf` through the ``kiosk.report_writers`` entry point declared in
``pyproject.toml`` and never imports this module: Qt lives only in ``ui``.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPalette,
    QPdfWriter,
    QTextBlock,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtSvg import QSvgRenderer

from kiosk.errors import KioskError

#: Latin text first, then CJK; the first family that has a glyph draws it. DejaVu Sans is
#: Debian's default sans; WenQuanYi Micro Hei is the CJK font packaging/bootstrap-system.sh
#: installs (fonts-wqy-microhei). The Noto families are used where a terminal has them. (The
#: report's own CSS asks for Noto Sans, then WenQuanYi Micro Hei, for the body.)
FONT_FAMILIES = [
    "Noto Sans",
    "DejaVu Sans",
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "sans-serif",
]
RESOLUTION_DPI = 300
MARGIN_MM = 18.0
#: The bottom margin is taller: the footer (session code, page number) sits in it.
BOTTOM_MARGIN_MM = 22.0
#: Plots are rasterised at this multiple of their size, so they stay sharp on paper.
PLOT_SCALE = 2
#: Highlight colours by the mark's class: evidence for the candidate, and weak evidence
#: (generic claims, off-topic runs) against. The same as the HTML report's.
MARK_COLOURS = {"": "#ffe27a", "weak": "#f6c6bd"}
#: Appended to the report's own style, so it wins. QTextDocument knows no ``rem`` (the cells'
#: padding came out as 0.3 px) and gives tables the body's ``margin: 2rem auto`` (an indent).
PRINT_CSS = "body{margin:0}td,th{padding:3px 6px}"

# The report's SVG is our own markup from kiosk.report_html._plot (single-quoted attributes,
# no nesting, no CDATA), so a regular expression over it is exact, not a guess at arbitrary SVG.
_SVG = re.compile(r"<svg\b(?P<attrs>[^>]*)>(?P<body>.*?)</svg>", re.DOTALL)
_STYLE = re.compile(r"<style>(?P<css>.*?)</style>", re.DOTALL)
_MARK = re.compile(r"<mark(?: class='(?P<cls>\w+)')?>(?P<text>.*?)</mark>", re.DOTALL)
# What an inline image is in a block's text.
_OBJECT = "\ufffc"
# Frame margins are given in Qt's reference 96-dpi pixels; the layout scales them to the device.
_PX_PER_MM = 96 / 25.4

# A QGuiApplication made here (when the process has none) must outlive this call.
_APP: list[QGuiApplication] = []


def write_pdf(report: Mapping[str, Any], html: str, path: Path) -> None:
    """Write ``html`` (``report``'s HTML rendering) to ``path`` as an A4 PDF, mode 0600.

    The file appears whole or not at all: it is rendered in memory, written to a private
    temporary file beside ``path`` and renamed over it. Raises :class:`KioskError` if Qt fails.
    """
    data = render_pdf(html, title=f"Interview report {report['session_code']}")
    tmp = path.with_suffix(".pdf.tmp")
    tmp.unlink(missing_ok=True)  # O_EXCL below: never write into a file someone else made
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def render_pdf(html: str, *, title: str) -> bytes:
    """The PDF bytes of ``html`` on A4 pages, each with ``title`` and its number in the footer."""
    _ensure_application()
    document = printable_document(html)
    buffer = QBuffer()
    if not buffer.open(QIODevice.OpenModeFlag.WriteOnly):
        raise KioskError("could not open a memory buffer for the PDF report")
    writer = QPdfWriter(buffer)
    writer.setTitle(title)
    writer.setCreator("Interview Kiosk")
    writer.setResolution(RESOLUTION_DPI)
    # The whole sheet is the paint area; the document's frame holds the margins, and the
    # footer is painted in the bottom one.
    a4 = QPageLayout(
        QPageSize(QPageSize.PageSizeId.A4),
        QPageLayout.Orientation.Portrait,
        QMarginsF(0, 0, 0, 0),
        QPageLayout.Unit.Millimeter,
    )
    if not writer.setPageLayout(a4):
        raise KioskError("Qt refused the A4 page layout for the PDF report")
    _paginate(document, writer)
    _paint(document, writer, title)
    data = bytes(buffer.data().data())
    buffer.close()
    if not data.startswith(b"%PDF") or b"%%EOF" not in data[-64:]:
        raise KioskError(f"Qt produced no complete PDF for the report ({len(data)} bytes)")
    return data


def printable_document(html: str) -> QTextDocument:
    """A QTextDocument of the report, its plots as image resources and highlights as spans."""
    document = QTextDocument()
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSizeF(10)
    document.setDefaultFont(font)
    style = _STYLE.search(html)
    css = style.group("css") if style else ""
    images: list[tuple[str, QImage]] = []

    def plot_image(match: re.Match[str]) -> str:
        attrs = match.group("attrs")
        width, height = _size(attrs, "width"), _size(attrs, "height")
        name = f"kiosk-plot-{len(images) + 1}.png"
        images.append((name, _render_svg(attrs, match.group("body"), css, width, height)))
        # In its own block, as the browser shows it (QTextDocument would run it into the
        # caption before it, as one block).
        return f"<div><img src='{name}' width='{width}' height='{height}'></div>"

    html = _SVG.sub(plot_image, html)
    html = _MARK.sub(
        lambda m: (
            f"<span style='background-color:{MARK_COLOURS[m['cls'] or '']}'>{m['text']}</span>"
        ),
        html,
    )
    html = html.replace("</style>", f"{PRINT_CSS}</style>", 1)
    # QTextDocument takes a table's width from the attribute only, not from CSS.
    html = html.replace("<table>", "<table width='100%'>")
    for name, image in images:
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
    document.setHtml(html)
    return document


def _size(attrs: str, name: str) -> int:
    found = re.search(rf"\b{name}=['\"](\d+)['\"]", attrs)
    if found is None:
        raise KioskError(f"a plot in the report has no {name}")
    return int(found.group(1))


def _render_svg(attrs: str, body: str, css: str, width: int, height: int) -> QImage:
    """The SVG ``<svg{attrs}>{body}</svg>`` drawn at ``PLOT_SCALE`` times its size, on white.

    The plots are styled by classes from the report's ``<style>``, which an SVG renderer outside
    the page does not see, so that style is copied into the SVG; QtSvg applies it. Inside a page
    the namespace is implied; a standalone SVG document needs it.
    """
    if "xmlns=" not in attrs:
        attrs = f" xmlns='http://www.w3.org/2000/svg'{attrs}"
    renderer = QSvgRenderer(QByteArray(f"<svg{attrs}><style>{css}</style>{body}</svg>".encode()))
    if not renderer.isValid():
        raise KioskError("Qt could not read a timeline plot of the report")
    image = QImage(width * PLOT_SCALE, height * PLOT_SCALE, QImage.Format.Format_RGB32)
    image.setDevicePixelRatio(PLOT_SCALE)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, width, height))
    finally:
        painter.end()
    return image


def _paginate(document: QTextDocument, writer: QPdfWriter) -> None:
    """Lay ``document`` out in pages of ``writer``, in its units, keeping headings with text."""
    document.documentLayout().setPaintDevice(writer)  # the printer's font metrics, not a screen's
    frame = document.rootFrame().frameFormat()
    frame.setLeftMargin(MARGIN_MM * _PX_PER_MM)
    frame.setRightMargin(MARGIN_MM * _PX_PER_MM)
    frame.setTopMargin(MARGIN_MM * _PX_PER_MM)
    frame.setBottomMargin(BOTTOM_MARGIN_MM * _PX_PER_MM)
    document.rootFrame().setFrameFormat(frame)
    page = QSizeF(writer.width(), writer.height())
    document.setPageSize(page)
    # Each page break moves everything after it, so look again from the top after each one.
    # Every pass adds a break before a block that had none, so this ends.
    while (block := _first_stranded(document)) is not None:
        cursor = QTextCursor(block)
        fmt = block.blockFormat()
        fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
        cursor.setBlockFormat(fmt)
        # A whole new layout: after a format change Qt redoes only part of it and finishes
        # from its event loop, which does not run here (the rest would be lost).
        document.setPageSize(page)


def _first_stranded(document: QTextDocument) -> QTextBlock | None:
    """The first block that must start a new page so it is not parted from what follows it.

    A heading stays with the block after it, and a plot's caption with the plot; where such a
    chain is split by a page end, its first block moves to the next page (once: a chain taller
    than a page stays split).
    """
    layout = document.documentLayout()
    height = document.pageSize().height()

    def page(block: QTextBlock) -> int:
        return int(layout.blockBoundingRect(block).top() // height)

    def keeps_with_next(block: QTextBlock) -> bool:
        after = block.next()
        return after.isValid() and (
            block.blockFormat().headingLevel() > 0 or after.text() == _OBJECT
        )

    first = block = document.begin()
    start = block  # of the chain of blocks that keep with the next that ``block`` is in
    while block.isValid():
        after = block.next()
        if not keeps_with_next(block):
            start = after
        elif page(start) != page(after) and start != first and not _breaks_before(start):
            return start
        block = after
    return None


def _breaks_before(block: QTextBlock) -> bool:
    policy = block.blockFormat().pageBreakPolicy()
    return bool(policy & QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)


def _paint(document: QTextDocument, writer: QPdfWriter, title: str) -> None:
    """Paint ``document`` (laid out by :func:`_paginate`) page by page, with a footer."""
    layout = document.documentLayout()
    page = document.pageSize()
    pages = document.pageCount()
    mm = writer.resolution() / 25.4
    footer = QRectF(
        MARGIN_MM * mm,
        page.height() - BOTTOM_MARGIN_MM * mm + 6 * mm,
        page.width() - 2 * MARGIN_MM * mm,
        8 * mm,
    )
    footer_font = QFont(document.defaultFont())
    footer_font.setPointSizeF(8)
    context = QAbstractTextDocumentLayout.PaintContext()
    palette = QPalette(context.palette)
    palette.setColor(QPalette.ColorRole.Text, QColor("black"))  # not a dark desktop theme's
    context.palette = palette
    painter = QPainter()
    if not painter.begin(writer):
        raise KioskError("Qt could not start painting the PDF report")
    try:
        for index in range(pages):
            if index and not writer.newPage():
                raise KioskError("Qt could not add a page to the PDF report")
            view = QRectF(0, index * page.height(), page.width(), page.height())
            painter.save()
            painter.translate(0, -view.top())
            painter.setClipRect(view)
            context.clip = view
            layout.draw(painter, context)
            painter.restore()
            painter.setFont(footer_font)
            painter.setPen(QColor("#667"))
            painter.drawText(
                footer,
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                f"{title} · page {index + 1} of {pages}",
            )
    finally:
        painter.end()  # writes the PDF's trailer


def _ensure_application() -> None:
    """Fonts need a QGuiApplication; make one if the process has none (the CLI, the demo)."""
    if QGuiApplication.instance() is not None:
        return
    if threading.current_thread() is not threading.main_thread():
        # Qt must create its application object on the main thread; elsewhere it fails later
        # in ways no caller could handle.
        raise KioskError("the PDF report needs Qt, which must first be started on the main thread")
    # Rendering a PDF needs fonts, not a screen: always the offscreen platform, so a DISPLAY
    # that is set but unreachable (ssh without X forwarding) cannot abort the process. An
    # argument rather than QT_QPA_PLATFORM, so the choice does not leak into child processes.
    arguments = ["kiosk-report", "-platform", "offscreen"]
    _APP.append(QGuiApplication(arguments))
