"""The kiosk's look: touch-first sizes and type readable from a metre away.

One stylesheet for the whole app, keyed on object names the screens set (``title``, ``body``,
``primary`` …), so screens say what a widget *is* and this module decides how it looks. The
colours come from a :class:`Theme`: the standard one, or the high-contrast one a candidate can
switch on (black ground, white and yellow text, every pair at least 7:1, WCAG AAA). Both draw
a thick focus ring, so a candidate using a keyboard or a switch device always sees where they
are; touch never moves the focus, so touch users never see it.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

#: The smallest height of anything a finger must hit (platform guidelines say 44-48 px; a
#: kiosk screen is stood at, slightly further away than a phone, so a little more).
TOUCH_MIN_PX = 64
#: Body text size: ~6 mm cap height on a 21.5" 1080p panel, legible from 1 m.
BODY_PX = 26
#: On-screen keyboard keys: smaller than buttons (a full row must fit), still above 48 px.
KEY_MIN_PX = 56

#: Latin text first, then CJK: the first family with a glyph draws it. WenQuanYi Micro Hei is
#: what packaging/bootstrap-system.sh installs; Noto is used where a terminal has it.
FONT_FAMILIES = ["DejaVu Sans", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Noto Sans"]

#: The application property that says which theme is applied (read by :func:`high_contrast`).
_THEME_PROPERTY = "kioskHighContrast"


@dataclass(frozen=True, slots=True)
class Theme:
    """The colours of one look. Names say what a colour is for, not what it is."""

    name: str
    ground: str  # window and screen background
    surface: str  # fields, documents, secondary buttons
    text: str
    muted: str  # subtitles
    accent: str  # primary buttons, countdown, secondary button text
    on_accent: str  # text on the accent
    border: str  # fields and frames
    warn_ground: str  # the banner
    warn_text: str  # banner and gentle notices
    good: str
    problem: str  # problems and the recording indicator
    disabled_text: str
    disabled_ground: str
    focus: str  # the focus ring
    focus_px: int

    def text_pairs(self) -> dict[str, tuple[str, str]]:
        """Every (text colour, background colour) pair the stylesheet draws, by use."""
        return {
            "body": (self.text, self.ground),
            "subtitle": (self.muted, self.ground),
            "countdown": (self.accent, self.ground),
            "document": (self.text, self.surface),
            "field": (self.text, self.surface),
            "secondary button": (self.accent, self.surface),
            "primary button": (self.on_accent, self.accent),
            "banner": (self.warn_text, self.warn_ground),
            "notice": (self.warn_text, self.ground),
            "good": (self.good, self.ground),
            "problem": (self.problem, self.ground),
            "disabled button": (self.disabled_text, self.disabled_ground),
        }


STANDARD = Theme(
    name="standard",
    ground="#f7f8fa",
    surface="#ffffff",
    text="#1d2129",
    muted="#4e5969",
    accent="#165dff",
    on_accent="#ffffff",
    border="#c9cdd4",
    warn_ground="#fff7e6",
    warn_text="#873800",
    good="#237804",
    problem="#a8071a",
    disabled_text="#86909c",
    disabled_ground="#f2f3f5",
    focus="#d25f00",
    focus_px=4,
)

HIGH_CONTRAST = Theme(
    name="high-contrast",
    ground="#000000",
    surface="#000000",
    text="#ffffff",
    muted="#ffff00",
    accent="#ffff00",
    on_accent="#000000",
    border="#ffffff",
    warn_ground="#000000",
    warn_text="#ffff00",
    good="#00ff00",
    problem="#ff9999",
    disabled_text="#c0c0c0",
    disabled_ground="#000000",
    focus="#00ffff",
    focus_px=6,
)


def stylesheet(theme: Theme) -> str:
    """The application stylesheet in ``theme``'s colours."""
    t = theme
    # A focused control swaps part of its padding for the thicker ring, so focus never changes
    # its size (the layout would jump as the candidate tabs through).
    ring = t.focus_px
    return f"""
QMainWindow, QWidget#screen, QWidget#keyboard {{ background: {t.ground}; }}
QLabel {{ font-size: {BODY_PX}px; color: {t.text}; }}
QLabel#title {{ font-size: 44px; font-weight: bold; }}
QLabel#subtitle {{ font-size: 30px; color: {t.muted}; }}
QLabel#prompt {{ font-size: 34px; }}
QLabel#countdown {{ font-size: 56px; font-weight: bold; color: {t.accent}; }}
QLabel#recording {{ font-size: 30px; font-weight: bold; color: {t.problem}; }}
QLabel#code {{ font-size: 64px; font-weight: bold; letter-spacing: 4px; }}
QLabel#banner {{ font-size: {BODY_PX}px; padding: 12px 20px; border-radius: 8px;
    background: {t.warn_ground}; color: {t.warn_text}; }}
QLabel#notice {{ font-size: 28px; color: {t.warn_text}; }}
QLabel#good {{ color: {t.good}; }}
QLabel#problem {{ color: {t.problem}; }}
QPushButton {{ font-size: 28px; min-height: {TOUCH_MIN_PX}px; padding: 8px 32px;
    border-radius: 10px; border: 2px solid {t.accent}; background: {t.surface};
    color: {t.accent}; }}
QPushButton#primary {{ background: {t.accent}; color: {t.on_accent}; }}
QLabel#option {{ font-size: 28px; color: {t.accent}; background: transparent; }}
QLabel#option:disabled {{ color: {t.disabled_text}; }}
QPushButton:focus {{ border: {ring}px solid {t.focus}; padding: {10 - ring}px {34 - ring}px; }}
QPushButton:disabled, QPushButton#primary:disabled, QPushButton#secondary:disabled {{
    border-color: {t.disabled_text}; color: {t.disabled_text};
    background: {t.disabled_ground}; }}
QPushButton#language {{ font-size: 24px; min-width: 120px; padding: 4px 16px; }}
QPushButton#language:checked {{ background: {t.accent}; color: {t.on_accent}; }}
QPushButton#key {{ font-size: 26px; min-height: {KEY_MIN_PX}px; min-width: {KEY_MIN_PX}px;
    padding: 0 8px; border-radius: 8px; }}
QLineEdit, QPlainTextEdit {{ font-size: 30px; padding: 0 16px; border: 2px solid {t.border};
    border-radius: 10px; background: {t.surface}; color: {t.text}; }}
QLineEdit {{ min-height: {TOUCH_MIN_PX}px; }}
QPlainTextEdit {{ padding: 12px 16px; }}
QLineEdit:focus, QPlainTextEdit:focus {{ border: {ring}px solid {t.focus}; }}
QLineEdit:focus {{ min-height: {TOUCH_MIN_PX + 4 - 2 * ring}px;
    padding: 0 {18 - ring}px; }}
QCheckBox {{ font-size: {BODY_PX}px; min-height: {TOUCH_MIN_PX}px; spacing: 16px;
    color: {t.text}; padding: 0 8px; border: {ring}px solid transparent; border-radius: 8px; }}
QCheckBox:focus {{ border-color: {t.focus}; }}
QCheckBox::indicator {{ width: 40px; height: 40px; }}
QProgressBar {{ min-height: 28px; border: 2px solid {t.border}; border-radius: 8px;
    text-align: center; font-size: 18px; color: {t.text}; background: {t.surface}; }}
QProgressBar::chunk {{ background: {t.accent}; }}
QScrollArea {{ border: 2px solid {t.border}; border-radius: 10px; background: {t.surface}; }}
QScrollArea:focus {{ border: {ring}px solid {t.focus}; }}
QScrollArea#positions {{ border: none; background: transparent; }}
QScrollArea#page, QScrollArea#page > QWidget {{ border: none; background: {t.ground}; }}
QWidget#positions {{ background: transparent; }}
QLabel#document {{ background: {t.surface}; color: {t.text}; padding: 16px 24px; }}
""" + (_HIGH_CONTRAST_EXTRA.format(t=t) if t is HIGH_CONTRAST else "")


# The platform draws check boxes in its own light colours; on black they must be redrawn.
_HIGH_CONTRAST_EXTRA = """
QLabel#banner {{ border: 2px solid {t.warn_text}; }}
QCheckBox::indicator {{ border: 3px solid {t.text}; background: {t.ground}; border-radius: 4px; }}
QCheckBox::indicator:checked {{ background: {t.accent}; border-color: {t.accent}; }}
QScrollBar {{ background: {t.ground}; }}
QScrollBar::handle {{ background: {t.text}; }}
"""

#: The standard stylesheet (kept for callers that read it directly).
STYLESHEET = stylesheet(STANDARD)


def apply_style(app: QApplication, *, high_contrast: bool = False) -> None:
    """Give ``app`` the kiosk font and stylesheet, in high contrast if asked."""
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPixelSize(BODY_PX)
    app.setFont(font)
    # First: widgets told of the new stylesheet ask which theme it is.
    app.setProperty(_THEME_PROPERTY, high_contrast)
    app.setStyleSheet(stylesheet(HIGH_CONTRAST if high_contrast else STANDARD))


def set_high_contrast(enabled: bool) -> None:
    """Switch the running application's theme (no-op without a QApplication, or if it is
    already in that theme: re-applying a stylesheet re-polishes every widget)."""
    app = QCoreApplication.instance()
    if isinstance(app, QApplication) and high_contrast() != enabled:
        apply_style(app, high_contrast=enabled)


def high_contrast() -> bool:
    """True while the running application shows the high-contrast theme."""
    app = QCoreApplication.instance()
    return bool(app is not None and app.property(_THEME_PROPERTY))


def contrast_ratio(foreground: str, background: str) -> float:
    """The WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21)."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)
