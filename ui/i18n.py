"""The display language of the kiosk's screens, through Qt's own translation machinery.

Every string the UI writes itself goes through ``tr()`` (source language: English); the Chinese
catalogue is ``ui/i18n/kiosk_zh_CN.ts``, compiled to the ``.qm`` shipped beside it (regenerate
both with ``python -m ui.translations``). Installing or removing the translator makes Qt send a
``LanguageChange`` event to every widget, which is how the screens retranslate live.

Texts that come with their own translations stay where they are: the bank's positions and
questions (``LocalizedText``), the consent notice (``kiosk.consent``) and the candidate-safe error
messages (``kiosk.errors.SAFE_MESSAGES``). The screens pick those by :attr:`UiLanguage.current`.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QTranslator, Signal

#: Qt catalogue per interview language; English is the source language and needs none.
CATALOGUES: dict[str, str] = {"zh": "kiosk_zh_CN"}
#: How each language names itself on the switch (never translated).
LANGUAGE_NAMES: dict[str, str] = {"zh": "中文", "en": "English"}

log = logging.getLogger(__name__)


def i18n_dir() -> Path:
    """The folder holding the ``.ts`` sources and compiled ``.qm`` catalogues."""
    return Path(str(resources.files("ui"))) / "i18n"


def catalogue_path(language: str, suffix: str = ".qm") -> Path:
    """The catalogue file of ``language`` (``.qm`` or ``.ts``)."""
    return i18n_dir() / f"{CATALOGUES[language]}{suffix}"


class UiLanguage(QObject):
    """The language the screens are shown in; switching it retranslates every widget."""

    #: The new language code, after the widgets have been told.
    changed = Signal(str)

    def __init__(self, languages: tuple[str, ...] = ("zh", "en"), parent: QObject | None = None):
        super().__init__(parent)
        self._languages = languages
        self._current = "en"
        self._translator: QTranslator | None = None

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the switch offers, in order."""
        return self._languages

    @property
    def current(self) -> str:
        """The current language code (``zh`` or ``en``)."""
        return self._current

    def set_languages(self, languages: tuple[str, ...]) -> None:
        """Offer only ``languages`` (from the config)."""
        self._languages = languages

    def set(self, language: str) -> None:
        """Show every screen in ``language``; a no-op if it is already current.

        Qt sends ``LanguageChange`` to every widget when a translator is installed or removed,
        so the screens retranslate themselves.
        """
        if language == self._current:
            return
        if language != "en" and language not in CATALOGUES:
            raise ValueError(f"no catalogue for language {language!r}")
        app = QCoreApplication.instance()
        if app is None:
            raise RuntimeError("UiLanguage needs a QApplication")
        if self._translator is not None:
            app.removeTranslator(self._translator)
            self._translator = None
        if language in CATALOGUES:
            translator = QTranslator(self)
            path = catalogue_path(language)
            if not translator.load(str(path)):
                # A broken install must not stop interviews: English stays readable.
                log.error("cannot load the %s catalogue %s; staying in English", language, path)
                language = "en"
            else:
                app.installTranslator(translator)
                self._translator = translator
        self._current = language
        self.changed.emit(language)
