"""The kiosk's look: touch-first sizes and type readable from a metre away.

One stylesheet for the whole app, keyed on object names the screens set (``title``, ``body``,
``primary`` …), so screens say what a widget *is* and this module decides how it looks.
"""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

#: The smallest height of anything a finger must hit (platform guidelines say 44-48 px; a
#: kiosk screen is stood at, slightly further away than a phone, so a little more).
TOUCH_MIN_PX = 64
#: Body text size: ~6 mm cap height on a 21.5" 1080p panel, legible from 1 m.
BODY_PX = 26

#: Latin text first, then CJK: the first family with a glyph draws it. WenQuanYi Micro Hei is
#: what packaging/bootstrap-system.sh installs; Noto is used where a terminal has it.
FONT_FAMILIES = ["DejaVu Sans", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Noto Sans"]

STYLESHEET = f"""
QMainWindow, QWidget#screen {{ background: #f7f8fa; }}
QLabel {{ font-size: {BODY_PX}px; color: #1d2129; }}
QLabel#title {{ font-size: 44px; font-weight: bold; }}
QLabel#subtitle {{ font-size: 30px; color: #4e5969; }}
QLabel#prompt {{ font-size: 34px; }}
QLabel#countdown {{ font-size: 56px; font-weight: bold; color: #165dff; }}
QLabel#recording {{ font-size: 30px; font-weight: bold; color: #d4380d; }}
QLabel#code {{ font-size: 64px; font-weight: bold; letter-spacing: 4px; }}
QLabel#banner {{ font-size: {BODY_PX}px; padding: 12px 20px; border-radius: 8px;
    background: #fff7e6; color: #873800; }}
QLabel#notice {{ font-size: 28px; color: #873800; }}
QLabel#good {{ color: #237804; }}
QLabel#problem {{ color: #a8071a; }}
QPushButton {{ font-size: 28px; min-height: {TOUCH_MIN_PX}px; padding: 8px 32px;
    border-radius: 10px; border: 2px solid #165dff; background: white; color: #165dff; }}
QPushButton#primary {{ background: #165dff; color: white; }}
QPushButton:disabled, QPushButton#primary:disabled, QPushButton#secondary:disabled {{
    border-color: #c9cdd4; color: #86909c; background: #f2f3f5; }}
QPushButton#language {{ font-size: 24px; min-width: 120px; padding: 4px 16px; }}
QPushButton#language:checked {{ background: #165dff; color: white; }}
QLineEdit {{ font-size: 30px; min-height: {TOUCH_MIN_PX}px; padding: 0 16px;
    border: 2px solid #c9cdd4; border-radius: 10px; background: white; }}
QCheckBox {{ font-size: {BODY_PX}px; min-height: {TOUCH_MIN_PX}px; spacing: 16px; }}
QCheckBox::indicator {{ width: 40px; height: 40px; }}
QProgressBar {{ min-height: 28px; border: 2px solid #c9cdd4; border-radius: 8px;
    text-align: center; font-size: 18px; }}
QScrollArea {{ border: 2px solid #e5e6eb; border-radius: 10px; background: white; }}
QLabel#document {{ background: white; padding: 16px 24px; }}
"""


def apply_style(app: QApplication) -> None:
    """Give ``app`` the kiosk font and stylesheet."""
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPixelSize(BODY_PX)
    app.setFont(font)
    app.setStyleSheet(STYLESHEET)
