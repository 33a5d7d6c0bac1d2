"""The device check: does the camera show the candidate's face in good light, and does the
microphone hear them?

The engine thread reads the devices (:class:`ui.preview.Viewfinder`) and sends a preview frame
with live readings ten times a second: the picture with its framing oval, the face's placement
(when this terminal has the face model; when it has not, the screen says so rather than
pretending to check), the light and the microphone level. "Start the check" listens for a few
seconds while the candidate says "I am ready"; the measurement decides whether they may go on,
and then the screen shows what the speech model heard. That transcript is shown, never stored,
and forgotten as soon as the screen is left.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QVBoxLayout

from kiosk.devicecheck import (
    BRIGHTNESS_RANGE,
    MIN_PEAK_DBFS,
    DeviceCheckResult,
    Placement,
)
from kiosk.engine import DeviceCheckPassed
from ui.engine_data import HeardSpeech, PreviewFrame, Snapshot
from ui.preview import CameraView
from ui.screens.base import Screen, ScreenContext, button, label

# The level bar's floor: anything quieter shows as an empty bar.
LEVEL_FLOOR_DBFS = -60
#: Below this share of frames showing one face, the verdict asks the candidate to face the
#: camera (advice only: the check passes on light and sound).
MIN_ONE_FACE = 0.5


class DeviceCheckScreen(Screen):
    """Stage DEVICE_CHECK: live preview and indicators, the measurement, continue once good."""

    # The candidate is ready to say "I am ready" (the window asks the engine to listen).
    check_requested = Signal()

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.column.setSpacing(16)  # the preview takes the height: no more than it needs
        self.title = label("title")
        self.instructions = label()
        self.camera_view = CameraView(guide=True)
        self.face_line = label()
        self.camera_line = label()
        self.microphone_line = label()
        self.level_bar = QProgressBar()
        self.level_bar.setRange(LEVEL_FLOOR_DBFS, 0)
        self.level_bar.setTextVisible(False)
        self.level_bar.setValue(LEVEL_FLOOR_DBFS)
        self.heard_line = label()
        self.status = label("notice")
        self.verdict = label()
        self.check_button = button("secondary")
        self.check_button.clicked.connect(self.start_check)
        self.continue_button = button("primary")
        self.continue_button.clicked.connect(lambda: self.intent.emit(DeviceCheckPassed()))
        self.column.addWidget(self.title)
        self.column.addWidget(self.instructions)
        # The picture and the readings side by side: a 1366x768 panel has no height to spare.
        body = QHBoxLayout()
        body.setSpacing(32)
        body.addWidget(self.camera_view, 1)
        readings = QVBoxLayout()
        readings.setSpacing(12)
        for widget in (self.face_line, self.camera_line, self.microphone_line):
            readings.addWidget(widget)
        readings.addWidget(self.level_bar)
        for widget in (self.heard_line, self.status, self.verdict):
            readings.addWidget(widget)
        readings.addStretch(1)
        body.addLayout(readings, 1)
        self.column.addLayout(body, 1)
        row = QHBoxLayout()
        row.addWidget(self.check_button)
        row.addWidget(self.continue_button)
        self.column.addLayout(row)
        self.frame: PreviewFrame | None = None
        self.checking = False  # listening for "I am ready"
        self.hearing = False  # measured; the transcript is on its way
        self.result: DeviceCheckResult | None = None
        self.heard: HeardSpeech | None = None
        self.retranslate()
        self.refresh()

    def show_snapshot(self, snapshot: Snapshot) -> None:
        previous = self.snapshot
        state = snapshot.state
        if (
            previous is None
            or previous.state.session_id != state.session_id
            or previous.state.stage_started != state.stage_started
        ):
            # The check was entered afresh (a new candidate, or back after a lost device): an
            # earlier measurement no longer says anything.
            self._forget_check()
        super().show_snapshot(snapshot)

    def start_check(self) -> None:
        """Listen (again)."""
        self.checking = True
        self.hearing = False
        self.result = None
        self.heard = None
        self.refresh()
        self.check_requested.emit()

    def show_result(self, result: DeviceCheckResult) -> None:
        """The measurement arrived from the engine thread; the transcript follows."""
        if not self.checking:
            return  # the check was abandoned (screen left) before it answered
        self.checking = False
        self.hearing = True
        self.result = result
        self.refresh()

    def show_heard(self, heard: HeardSpeech) -> None:
        """What the speech model heard (shown until the screen is left)."""
        if not self.hearing:
            return
        self.hearing = False
        self.heard = heard
        self.refresh()

    def show_preview(self, frame: PreviewFrame) -> None:
        """The camera's latest picture and the live readings."""
        self.frame = frame
        self.camera_view.show_frame(frame)
        self._show_live(frame)

    def on_failed(self, kind: str) -> None:
        self.checking = self.hearing = False
        self.refresh()

    def clear(self) -> None:
        self._forget_check()
        super().clear()

    def hideEvent(self, event: QHideEvent) -> None:
        # What was heard is shown while the candidate is here, and forgotten when they leave.
        self.heard = None
        self.heard_line.clear()
        self.frame = None
        self.camera_view.show_frame(None)
        super().hideEvent(event)

    def retranslate(self) -> None:
        self.title.setText(self.tr("Camera and microphone check"))
        self.instructions.setText(
            self.tr(
                "Sit comfortably, facing the screen, with your face inside the oval. Press "
                "“Start the check” and say “I am ready” in your normal voice."
            )
        )
        self.camera_view.setAccessibleName(self.tr("Camera preview"))

    def refresh(self) -> None:
        result = self.result
        waiting = self.checking or self.hearing
        self.check_button.setEnabled(not waiting)
        self.check_button.setText(
            self.tr("Check again") if result is not None else self.tr("Start the check")
        )
        self.continue_button.setText(self.tr("Continue"))
        self.continue_button.setEnabled(result is not None and result.ok and not self.checking)
        self.status.setText(
            self.tr("Listening… please say “I am ready” now.") if self.checking else ""
        )
        self.status.setVisible(self.checking)
        self._show_microphone(result)
        self._show_heard()
        self._show_live(self.frame)

    # -- the parts --------------------------------------------------------------------------

    def _forget_check(self) -> None:
        self.checking = self.hearing = False
        self.result = None
        self.heard = None
        self.frame = None
        self.camera_view.show_frame(None)

    def _show_live(self, frame: PreviewFrame | None) -> None:
        _set(self.face_line, self._face_text(frame))
        _set(self.camera_line, self._light_text(frame))
        level = frame.level_dbfs if frame is not None else None
        value = LEVEL_FLOOR_DBFS if level is None else round(max(LEVEL_FLOOR_DBFS, min(0, level)))
        if self.level_bar.value() != value:
            self.level_bar.setValue(value)
        _set(self.verdict, self._verdict(frame))

    def _face_text(self, frame: PreviewFrame | None) -> str:
        if frame is None or frame.image is None:
            return ""
        if not frame.face_check:
            return self.tr("Face check: not available on this terminal.")
        face = frame.face
        if face is None:
            return self.tr("Looking for your face…")
        return self._placement_text(face.placement)

    def _placement_text(self, placement: Placement) -> str:
        if placement == "good":
            return "✓ " + self.tr("Face: well placed.")
        texts = {
            "none": self.tr("Face: not found. Please face the camera."),
            "several": self.tr("Face: more than one person."),
            "too_far": self.tr("Face: please come a little closer."),
            "too_close": self.tr("Face: please move back a little."),
            "off_centre": self.tr("Face: please move into the oval."),
        }
        return "✗ " + texts[placement]

    def _light_text(self, frame: PreviewFrame | None) -> str:
        if frame is not None:
            value = frame.brightness
        elif self.result is not None:
            value = self.result.brightness if self.result.width else None
        else:
            return ""
        if value is None:
            return self.tr("✗ Camera: no picture")
        if value < BRIGHTNESS_RANGE[0]:
            return "✗ " + self.tr("Light: too dark")
        if value > BRIGHTNESS_RANGE[1]:
            return "✗ " + self.tr("Light: too bright")
        return "✓ " + self.tr("Light: good")

    def _show_microphone(self, result: DeviceCheckResult | None) -> None:
        if result is None:
            self.microphone_line.setText(self.tr("Microphone"))
            return
        mark = "✓" if result.peak_dbfs >= MIN_PEAK_DBFS else "✗"
        self.microphone_line.setText(
            mark
            + " "
            + self.tr("Microphone: loudest sound {value} dB").format(
                value=f"{result.peak_dbfs:.0f}"
            )
        )

    def _show_heard(self) -> None:
        heard = self.heard
        if self.hearing:
            text = self.tr("Checking what we heard…")
        elif heard is None:
            text = ""
        elif not heard.available:
            text = self.tr(
                "We cannot show what we heard: speech recognition is not available on this "
                "terminal."
            )
        elif not heard.text:
            text = self.tr("We did not catch any words. Please try again, a little louder.")
        else:
            text = self.tr("We heard: “{text}”").format(text=heard.text)
        self.heard_line.setText(text)
        self.heard_line.setVisible(bool(text))  # an empty line would still take its spacing

    def _verdict(self, frame: PreviewFrame | None) -> str:
        """What to do next: one thing at a time (the most basic first), from the measurement
        once there is one, else from the live picture's light."""
        result = self.result
        if result is None:
            return "" if frame is None else self._light_advice(frame.brightness)
        light = self._light_advice(result.brightness if result.width else None)
        if light:
            return light
        if result.peak_dbfs < MIN_PEAK_DBFS:
            return self.tr(
                "We could not hear you well. Please say “I am ready” a little louder, "
                "facing the screen."
            )
        if result.one_face is not None and result.one_face < MIN_ONE_FACE:
            return self.tr(
                "We could not see your face clearly. Please sit facing the camera, inside the oval."
            )
        return self.tr("Everything works. You can continue.")

    def _light_advice(self, brightness: float | None) -> str:
        low, high = BRIGHTNESS_RANGE
        if brightness is None:
            return self.tr("The camera shows no picture. Please ask a staff member.")
        if brightness < low:
            return self.tr("The picture is too dark. Please face the light.")
        if brightness > high:
            return self.tr("The picture is too bright. Please move out of direct light.")
        return ""


def _set(widget: QLabel, text: str) -> None:
    # Ten frames a second: only touch a label whose text changes (a new text relayouts).
    if widget.text() != text:
        widget.setText(text)
