"""The Chinese catalogue: every UI string translated, the shipped .qm compiled from the .ts."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator
from pytestqt.qtbot import QtBot

from ui.i18n import catalogue_path
from ui.translations import compile_catalogue, untranslated, update_catalogue


def _messages(ts: Path) -> set[tuple[str, str]]:
    root = ET.parse(ts).getroot()  # noqa: S314  # our own file
    return {
        (context.findtext("name", ""), message.findtext("source", ""))
        for context in root.iter("context")
        for message in context.iter("message")
    }


def test_every_string_in_the_code_has_a_chinese_translation(tmp_path: Path) -> None:
    shipped = catalogue_path("zh", ".ts")
    current = tmp_path / shipped.name
    shutil.copy(shipped, current)
    update_catalogue(current)  # what `python -m ui.translations` would merge in now
    assert untranslated(current) == [], "run `python -m ui.translations` and translate"
    assert _messages(current) == _messages(shipped), "the .ts is behind the code"
    assert len(_messages(shipped)) > 50


def test_the_shipped_qm_is_compiled_from_the_shipped_ts(tmp_path: Path) -> None:
    compiled = tmp_path / "kiosk_zh_CN.qm"
    compile_catalogue(catalogue_path("zh", ".ts"), compiled)
    assert compiled.read_bytes() == catalogue_path("zh").read_bytes(), (
        "run `python -m ui.translations` to recompile the .qm"
    )


def test_the_catalogue_translates_through_qt(qtbot: QtBot) -> None:
    translator = QTranslator()
    assert translator.load(str(catalogue_path("zh")))
    assert translator.translate("WelcomeScreen", "Check in") == "签到"
    app = QCoreApplication.instance()
    assert app is not None
    app.installTranslator(translator)
    try:
        assert QCoreApplication.translate("QuestionScreen", "I'm done") == "我答完了"
    finally:
        app.removeTranslator(translator)
