"""Keep the Qt translation catalogues in step with the sources: ``python -m ui.translations``.

1. ``pyside6-lupdate`` collects every ``tr()`` / ``QCoreApplication.translate()`` string of the
   ``ui`` package into ``ui/i18n/kiosk_zh_CN.ts`` (new strings arrive *unfinished*; strings no
   longer in the code are dropped).
2. A translator fills in the Chinese in the ``.ts`` (Qt Linguist, ``pyside6-linguist``, or any
   editor: it is XML).
3. ``pyside6-lrelease`` compiles it to the ``.qm`` the app loads (shipped as package data).

The command does 1 and 3 and lists what is still untranslated; tests/ui/test_translations.py
fails while anything is, or while the ``.qm`` is older than its ``.ts``. Locations are left out of
the ``.ts`` so that editing a screen does not rewrite the catalogue's line numbers. lupdate reads
a ``#:`` comment as a note for the translator of the next string, so files with ``tr()`` calls
document their attributes with plain ``#`` comments.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from ui.i18n import catalogue_path

#: The Qt language tag of each catalogue's translations.
TARGETS = {"zh": "zh_CN"}


@dataclass(frozen=True, slots=True)
class Untranslated:
    """A source string without a finished translation."""

    context: str
    source: str


def qt_tool(name: str) -> str:
    """The path of a PySide6 tool (``pyside6-lupdate``…), preferring this interpreter's."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found; it comes with the PySide6 wheels")
    return found


def ui_sources(root: Path | None = None) -> list[Path]:
    """The ``ui`` package's Python files, sorted (the strings lupdate collects)."""
    package = root or Path(__file__).resolve().parent
    return sorted(p for p in package.rglob("*.py") if "__pycache__" not in p.parts)


def update_catalogue(ts: Path, language: str = "zh", sources: list[Path] | None = None) -> None:
    """Merge the sources' strings into ``ts`` (created if missing)."""
    files = [str(p) for p in (sources or ui_sources())]
    subprocess.run(
        [
            qt_tool("pyside6-lupdate"),
            *files,
            "-no-obsolete",
            "-locations",
            "none",
            "-source-language",
            "en",
            "-target-language",
            TARGETS[language],
            "-ts",
            str(ts),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def compile_catalogue(ts: Path, qm: Path) -> None:
    """Compile ``ts`` to ``qm`` (only finished translations are included)."""
    subprocess.run(
        [qt_tool("pyside6-lrelease"), str(ts), "-qm", str(qm)],
        check=True,
        capture_output=True,
        timeout=120,
    )


def untranslated(ts: Path) -> list[Untranslated]:
    """Strings in ``ts`` whose translation is empty, unfinished, obsolete or vanished."""
    root = ET.parse(ts).getroot()  # noqa: S314  # our own catalogue, not untrusted input
    missing = []
    for context in root.iter("context"):
        name = context.findtext("name", default="")
        for message in context.iter("message"):
            translation = message.find("translation")
            if (
                translation is None
                or not all(text.strip() for text in _translated_texts(translation))
                or translation.get("type") in ("unfinished", "obsolete", "vanished")
            ):
                missing.append(Untranslated(name, message.findtext("source", default="")))
    return missing


def _translated_texts(translation: ET.Element) -> list[str]:
    # A plural message ("%n session(s)") keeps its text in one <numerusform> per plural form
    # of the language (Chinese has one); others keep it in <translation> itself.
    forms = translation.findall("numerusform")
    if forms:
        return [form.text or "" for form in forms]
    return [translation.text or ""]


def main() -> int:
    """Update the Chinese catalogue from the sources, compile it, list what is missing."""
    ts, qm = catalogue_path("zh", ".ts"), catalogue_path("zh", ".qm")
    update_catalogue(ts)
    compile_catalogue(ts, qm)
    missing = untranslated(ts)
    for item in missing:
        sys.stderr.write(f"untranslated [{item.context}] {item.source!r}\n")
    sys.stderr.write(f"{ts.name}: {len(missing)} string(s) untranslated; compiled {qm.name}\n")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
