"""The dependency combination works in one process: PySide6, the headless OpenCV and mediapipe.

Runs in a subprocess so the import order is the product's (cv2 first, then Qt) and nothing the
test runner imported earlier can hide a conflict.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kiosk.demo import samples_dir

PROBE = r"""
import os, sys
import cv2
import mediapipe as mp
assert "QT_QPA_PLATFORM_PLUGIN_PATH" not in os.environ, "non-headless OpenCV set Qt's plugin path"
assert not os.path.isdir(os.path.join(os.path.dirname(cv2.__file__), "qt")), "cv2 ships Qt plugins"
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QLabel
from PySide6.QtGui import QPixmap

capture = cv2.VideoCapture(sys.argv[1])
ok, frame = capture.read()
assert ok, "could not read the sample video"
with mp.solutions.face_detection.FaceDetection(model_selection=1) as detector:
    found = detector.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)).detections
assert found and len(found) == 1, "mediapipe did not find the face"
detector = cv2.wechat_qrcode_WeChatQRCode()  # the contrib build's QR decoder

app = QApplication([])
rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
image = QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0], QImage.Format.Format_RGB888)
label = QLabel()
label.setPixmap(QPixmap.fromImage(image))
label.show()
app.processEvents()
assert label.pixmap().width() == frame.shape[1]
print("ok", cv2.__version__, mp.__version__)
"""


def test_qt_opencv_and_mediapipe_work_in_one_process() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(samples_dir() / "media" / "face_steady.mp4")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("ok 4.11")


EMITS = r"""
import sys
from PySide6.QtCore import QObject, Signal

class Source(QObject):
    changed = Signal(int)

source = Source()
source.changed.connect(lambda value: None)
before = sys.getrefcount(True), sys.getrefcount(False)
for value in range(200):
    source.changed.emit(value)
after = sys.getrefcount(True), sys.getrefcount(False)
print(after[0] - before[0], after[1] - before[1])
"""


def test_emitting_signals_keeps_the_interpreters_references() -> None:
    """PySide6 6.12.0 drops a reference to ``True`` at every ``emit()``: a kiosk emitting for
    days reaches zero and dies with a fatal error. In a subprocess, so the count is fresh."""
    done = subprocess.run(
        [sys.executable, "-c", EMITS],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    true_delta, false_delta = map(int, done.stdout.split())
    assert abs(true_delta) < 20 and abs(false_delta) < 20, done.stdout
