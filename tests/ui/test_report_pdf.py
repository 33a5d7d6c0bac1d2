"""The PDF report: real Qt (offscreen) writes it, Qt PDF (pdfium) reads it back.

The report is built by the product's own code (content analysis, scoring, build_report) from
analysis records like those the pipeline stores, for a Chinese interview with its English
question, so the PDF carries Chinese and English text, evidence, a flag, probes and plots.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QApplication

from kiosk.bank import load_sample_bank
from kiosk.engine import InterviewState, Stage
from kiosk.engine.state import CompletedAnswer
from kiosk.interview import FinishedInterview
from kiosk.pipeline import signals_from_record
from kiosk.plugins import load_plugins
from kiosk.report import build_report, write_report
from kiosk.report_html import render_html
from kiosk.review import ReviewDesk
from kiosk.scoring.fusion import score_interview
from kiosk.scoring.policy import policy_for
from kiosk.store import SessionStore
from kiosk.vault.keyring import Keyring
from kiosk.vault.roles import Principal, Role
from ui.report_pdf import write_pdf

BANK = load_sample_bank()
CODE = "K7F3-9QX2"
NAME = "王小明"
POSITION = "customer-manager"
# question id -> (language spoken, what the candidate said)
ANSWERS = {
    "self-intro": (
        "zh",
        "我是金融专业的应届毕业生。两个暑假我在商场兼职销售手机套餐，有四个月完成了销售目标。"
        "我喜欢帮助别人做出好的决定，所以这个岗位很适合我。",
    ),
    "bei-objection-handling": (
        "zh",
        "去年暑假一位客户觉得我们的套餐太贵，明确拒绝了。我先耐心倾听，问她真正担心什么，"
        "了解到她主要用流量。于是我调整了方案，推荐了一个更便宜的流量套餐。"
        "她当天就签约了，后来还介绍了两位朋友，我那个月的销售额提高了百分之十五。",
    ),
    "english-team-project": (
        "en",
        "In a marketing course project, two teammates disagreed about our survey design. "
        "I set up a short meeting, listed both ideas, and we agreed to combine them. "
        "We finished on time and scored ninety one out of one hundred.",
    ),
    # Generic virtue statements: weak evidence, highlighted in its own colour.
    "bei-customer-extra-mile": (
        "en",
        "I always try my best to help customers because service is very important. "
        "I think if you are friendly and patient, customers will be happy.",
    ),
}
LOOKS_AWAY = "bei-objection-handling"  # eye contact drops for 9 s: a looking_away flag
PLOT_BLUE = (0x4A, 0x7B, 0xD0)  # report_html's .line stroke
MARK_YELLOW = (0xFF, 0xE2, 0x7A)


def measure(value: float, unit: str, spans: list[list[float]] | None = None) -> dict[str, Any]:
    return {"value": value, "unit": unit, "spans": spans or [], "method": "test"}


def analysis_record(question_id: str, language: str, text: str) -> dict[str, Any]:
    """An answer's analysis record as the pipeline stores it, with plausible timings."""
    tokens = list(text) if language == "zh" else [f" {w}" for w in text.split(" ")]
    step = 0.25 if language == "zh" else 0.4
    words: list[list[Any]] = [
        [1 + i * step, 1 + (i + 1) * step, t.strip(), 0.93] for i, t in enumerate(tokens)
    ]
    seconds = math.ceil(words[-1][1] + 1)
    away = question_id == LOOKS_AWAY
    return {
        "version": 1,
        "question_id": question_id,
        "language": language,
        "seconds": float(seconds),
        "transcript": {
            "text": text,
            "model": "whisper-small-int8",
            "mean_word_probability": 0.93,
            "low_confidence": False,
            "words": words,
        },
        "speech": [[1.0, words[-1][1]]],
        "voice": {},
        "video": {
            "face_present_ratio": measure(1.0, "ratio"),
            "gaze_on_camera_ratio": measure(0.35 if away else 0.8, "ratio"),
            "looking_away_longest": measure(9.0, "s", [[12.0, 21.0]])
            if away
            else measure(1.0, "s"),
        },
        "voice_timeline": [
            {"t": float(t), "loudness_db": -24 + 8 * math.sin(t), "speech_fraction": 1.0}
            for t in range(seconds)
        ],
        "video_timeline": [
            {
                "t": float(t),
                "face_present": 1.0,
                "faces": 1,
                "gaze_on": 0.2 if away and 12 <= t < 21 else 0.9,
                "smile": 0.1,
                "brow_furrow": 0.0,
                "motion": 0.1,
            }
            for t in range(seconds)
        ],
        "models": {"speech": "whisper-small-int8", "vad": "silero-vad-5", "vision": "mediapipe"},
    }


def interview_report(*, analysed: bool = True) -> dict[str, Any]:
    """A finished Chinese interview's report, scored by the product's own fusion."""
    answers = tuple(
        CompletedAnswer(index=i, question_id=q, attempt=1, seconds=60.0, timed_out=False)
        for i, q in enumerate(ANSWERS)
    )
    state = InterviewState(
        stage=Stage.DONE,
        session_id="session-1",
        position_id=POSITION,
        language="zh",
        answers=answers,
        face_consent=True,
        started_at=1_790_000_000.0,
    )
    personal = {"name": NAME, "profile": {}}
    if not analysed:
        return build_report(FinishedInterview(state, CODE, personal, ()), BANK)
    records: dict[int, dict[str, Any] | None] = {
        i: analysis_record(q, *ANSWERS[q]) for i, q in enumerate(ANSWERS)
    }
    signals = [
        signals_from_record(
            a.index,
            BANK.question(a.question_id),
            records[a.index],
            seconds=a.seconds,
            language=ANSWERS[a.question_id][0],
        )
        for a in answers
    ]
    policy = policy_for("standard", face_consent=True)
    score = score_interview(BANK, POSITION, signals, policy, min_asr_confidence=0.6)
    return build_report(FinishedInterview(state, CODE, personal, (), records, score), BANK)


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return interview_report()


def open_pdf(path: Path) -> QPdfDocument:
    document = QPdfDocument()
    document.load(str(path))
    assert document.status() == QPdfDocument.Status.Ready, document.error()
    return document


def compact(text: str) -> str:
    """``text`` without whitespace: the PDF breaks wrapped lines anywhere."""
    return "".join(text.split())


def page_text(document: QPdfDocument) -> str:
    """All pages' text, :func:`compact`."""
    return compact("".join(document.getAllText(p).text() for p in range(document.pageCount())))


def page_pixels(document: QPdfDocument, page: int) -> NDArray[np.uint8]:
    """Page ``page`` rendered at about 144 dpi, as an RGB array."""
    size = document.pagePointSize(page)
    rendered = document.render(page, QSize(int(size.width() * 2), int(size.height() * 2)))
    image = QImage(rendered.size(), QImage.Format.Format_RGB888)
    image.fill(QColor("white"))  # the page comes transparent where nothing is drawn
    painter = QPainter(image)
    painter.drawImage(0, 0, rendered)
    painter.end()
    # Copied: the array must not outlive the image's memory.
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1).copy()
    return rows[:, : image.width() * 3].reshape(image.height(), image.width(), 3)


def count_colour(
    pixels: NDArray[np.uint8], colour: tuple[int, int, int], tolerance: int = 40
) -> int:
    distance = np.abs(pixels.astype(np.int16) - np.array(colour, np.int16)).max(axis=2)
    return int((distance <= tolerance).sum())


def evidence_quotes(report: Mapping[str, Any], language: str) -> list[str]:
    """Evidence quotes of the report that are highlighted in a transcript in ``language``."""
    transcripts = [text for lang, text in ANSWERS.values() if lang == language]
    return [
        e["quote"]
        for c in report["result"]["competencies"]
        for p in c["contributions"]
        for e in p["evidence"]
        if len(e["quote"]) > 3 and any(e["quote"] in t for t in transcripts)
    ]


def test_the_pdf_carries_the_report_in_chinese_and_english(
    qapp: QApplication, report: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / f"report-{CODE}.pdf"
    started = time.monotonic()
    write_pdf(report, render_html(report), path)
    elapsed = time.monotonic() - started
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    assert path.stat().st_mode & 0o777 == 0o600
    assert list(tmp_path.iterdir()) == [path], "no temporary file is left behind"
    assert elapsed < 10, f"{elapsed:.1f} s for a three-page report"  # ~0.1 s when measured

    document = open_pdf(path)
    assert document.pageCount() >= 1
    assert document.metaData(QPdfDocument.MetaDataField.Title) == f"Interview report {CODE}"
    assert document.metaData(QPdfDocument.MetaDataField.Creator) == "Interview Kiosk"
    text = page_text(document)
    zh_quotes, en_quotes = evidence_quotes(report, "zh"), evidence_quotes(report, "en")
    assert zh_quotes and en_quotes, "the fixture must give evidence in both languages"
    flags = [f["code"] for f in report["result"]["flags"]]
    assert "looking_away" in flags
    for expected in [
        CODE,
        NAME,
        *(compact(text) for _, text in ANSWERS.values()),  # both transcripts, whole
        *zh_quotes,
        *en_quotes,
        *flags,
        compact(report["result"]["suggested_probes"][0]["zh"]),
        f"page1of{document.pageCount()}",
    ]:
        assert compact(expected) in text, expected
    # Real CJK glyphs: a font with Chinese in it is embedded (not boxes from a Latin font).
    assert re.search(rb"/BaseFont\s*/(\w+\+)?(WenQuanYi|NotoSansCJK|NotoSansSC)", data)


def test_the_pdf_draws_the_plots_and_the_highlights(
    qapp: QApplication, report: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "report.pdf"
    write_pdf(report, render_html(report), path)
    document = open_pdf(path)
    pages = [page_pixels(document, p) for p in range(document.pageCount())]
    first = pages[0]
    assert (first.min(axis=2) < 128).sum() > 10_000, "page 1 has text on it"
    assert count_colour(first, (255, 255, 255), 8) > first.shape[0] * first.shape[1] // 2
    # Six plots (voice and video for three answers), each a 480-unit line in the plot blue.
    blue = sum(count_colour(p, PLOT_BLUE) for p in pages)
    assert blue > 6 * 480, f"only {blue} pixels of plot lines"
    highlighted = sum(count_colour(p, MARK_YELLOW, 12) for p in pages)
    assert highlighted > 2_000, f"only {highlighted} pixels of highlights"


def test_a_report_without_analysis_prints_its_explanation(
    qapp: QApplication, tmp_path: Path
) -> None:
    report = interview_report(analysed=False)
    path = tmp_path / "report.pdf"
    write_pdf(report, render_html(report), path)
    document = open_pdf(path)
    text = page_text(document)
    assert compact(report["analysis"]["explanation"]) in text
    assert NAME in text and CODE in text
    assert count_colour(page_pixels(document, 0), PLOT_BLUE) == 0, "no plots without analysis"


def test_write_report_writes_the_pdf_beside_the_html_through_the_entry_point(
    qapp: QApplication, report: dict[str, Any], tmp_path: Path
) -> None:
    files = write_report(report, tmp_path / "out")
    pdf = tmp_path / "out" / f"report-{CODE}.pdf"
    assert files.extra == (pdf,)
    assert pdf.parent == files.html_path.parent
    assert pdf.read_bytes().startswith(b"%PDF")
    for path in (files.json_path, files.markdown_path, files.receipt_path, files.html_path, pdf):
        assert path.stat().st_mode & 0o777 == 0o600, path
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [f"report-{CODE}.{s}" for s in ("json", "md", "html", "pdf")] + [f"receipt-{CODE}.txt"]
    )


def test_a_failing_report_writer_costs_only_its_own_format(
    report: dict[str, Any], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(report: Mapping[str, Any], html: str, path: Path) -> None:
        path.write_text("half a report", encoding="utf-8")
        raise RuntimeError("the renderer fell over")

    def careless(report: Mapping[str, Any], html: str, path: Path) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)  # world-readable, as plugins may
        os.write(fd, html.encode())
        os.close(fd)

    out = tmp_path / "out"
    with caplog.at_level(logging.WARNING, logger="kiosk.report"):
        files = write_report(report, out, writers={"zz": broken, "txt": careless})
    assert files.extra == (out / f"report-{CODE}.txt",)
    assert (out / f"report-{CODE}.txt").stat().st_mode & 0o777 == 0o600
    assert not (out / f"report-{CODE}.zz").exists(), "the half-written file is removed"
    for path in (files.json_path, files.markdown_path, files.receipt_path, files.html_path):
        assert path.stat().st_size > 0
    (warning,) = [r for r in caplog.records if r.name == "kiosk.report"]
    assert warning.levelno == logging.WARNING
    assert "zz" in warning.getMessage() and "RuntimeError" in warning.getMessage()
    assert NAME not in warning.getMessage()


def test_plugins_load_from_entry_points_and_a_broken_one_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A real installed distribution, as importlib.metadata finds one on sys.path.
    info = tmp_path / "kiosk_test_plugins-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: kiosk-test-plugins\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        "[kiosk.test_plugins]\n"
        "zeta = json:dumps\n"
        "broken = kiosk_no_such_module:writer\n"
        "alpha = os.path:join\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with caplog.at_level(logging.WARNING, logger="kiosk.plugins"):
        plugins = load_plugins("kiosk.test_plugins")
    assert list(plugins) == ["alpha", "zeta"]
    assert plugins["alpha"] is os.path.join and plugins["zeta"] is json.dumps
    (warning,) = [r for r in caplog.records if r.name == "kiosk.plugins"]
    assert "broken" in warning.getMessage() and "ModuleNotFoundError" in warning.getMessage()


def test_the_core_writes_the_pdf_in_a_process_without_qt_or_a_display(
    report: dict[str, Any], tmp_path: Path
) -> None:
    """As ``kiosk demo`` does: no Qt application yet, no display, no platform chosen."""
    source = tmp_path / "report.json"
    source.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    probe = (
        "import json, sys; from pathlib import Path; from kiosk.report import write_report\n"
        "assert 'PySide6' not in sys.modules\n"
        "report = json.loads(Path(sys.argv[1]).read_text(encoding='utf-8'))\n"
        "print(write_report(report, Path(sys.argv[2])).extra)\n"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    done = subprocess.run(
        [sys.executable, "-c", probe, str(source), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    pdf = tmp_path / "out" / f"report-{CODE}.pdf"
    assert str(pdf) in done.stdout
    document = open_pdf(pdf)
    assert NAME in page_text(document)


def test_weak_evidence_is_highlighted_apart_from_evidence_for_a_score(
    report: dict[str, Any],
) -> None:
    kinds = {
        ev["kind"]: ev["quote"]
        for c in report["result"]["competencies"]
        for p in c["contributions"]
        for ev in p["evidence"]
    }
    assert "keyword.low" in kinds, sorted(kinds)
    page = render_html(report)
    assert f"<mark class='weak'>{kinds['keyword.low']}</mark>" in page
    assert f"<mark>{kinds['event']}</mark>" in page


def test_an_export_carries_the_reviewers_overrides_and_decision(
    qapp: QApplication, report: dict[str, Any], tmp_path: Path
) -> None:
    """What the recruiter decided travels with the files, beside what the models computed."""
    store = SessionStore(tmp_path / "kiosk.db", Keyring(b"\x05" * 32))
    state = InterviewState(stage=Stage.GREETING, session_id="s1", position_id=POSITION)
    store.create_session(state, CODE, {"name": NAME}, 1.0)
    store.save_result("s1", report, "scored", 2.0)
    store.close_session("s1", "completed", 3.0)
    desk = ReviewDesk(store, lambda: BANK, lambda: 1_790_000_500.0)
    recruiter = Principal("rita", Role.RECRUITER)
    competency = report["result"]["competencies"][0]
    desk.override(recruiter, "s1", competency["id"], 91, "Strong answer in the phone screen")
    desk.decide(recruiter, "s1", "advance", "second round")
    files = desk.export(recruiter, "s1", tmp_path / "out")
    exported = json.loads(files.json_path.read_text())
    review = exported["review"]
    assert review["decision"] == {
        "status": "advance",
        "note": "second round",
        "by": "rita",
        "at": "2026-09-21T14:21:40+00:00",
    }
    [override] = review["overrides"]
    assert (override["computed"], override["score"]) == (competency["score100"], 91)
    assert override["reason"] == "Strong answer in the phone screen"
    markdown = files.markdown_path.read_text()
    assert "## Review" in markdown and "**advance** — second round" in markdown
    assert f"{competency['name']}: {competency['score100']} → 91/100 overridden" in markdown
    page = files.html_path.read_text()
    assert "<h2>Review</h2>" in page and "Strong answer in the phone screen" in page
    store.close()
