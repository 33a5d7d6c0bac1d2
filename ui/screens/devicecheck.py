"""The device check: is the camera delivering a usable picture, and does the microphone hear
the candidate? The measuring (:func:`kiosk.devicecheck.check_devices`, a few seconds of reading
both devices) runs on the engine thread; this screen asks for it and shows the numbers.

A live camera preview for framing comes later (it needs frames streamed from the engine thread
to a view); this slice shows the measured brightness and level only.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar

from kiosk.devicecheck import BRIGHTNESS_RANGE, MIN_PEAK_DBFS, DeviceCheckResult
from kiosk.engine import DeviceCheckPassed
from ui.engine_data import Snapshot
from ui.screens.base import Screen, ScreenContext, button, label

# The level bar's floor: anything quieter shows as an empty bar.
LEVEL_FLOOR_DBFS = -60


class DeviceCheckScreen(Screen):
    """Stage DEVICE_CHECK: instructions, the measurement, and continue once it is good."""

    # The candidate is ready to be measured (the window asks the engine).
    check_requested = Signal()

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.title = label("title")
        self.instructions = label()
        self.status = label("notice")
        self.camera_line = label()
        self.brightness_bar = QProgressBar()
        self.brightness_bar.setRange(0, 255)
        self.microphone_line = label()
        self.level_bar = QProgressBar()
        self.level_bar.setRange(LEVEL_FLOOR_DBFS, 0)
        for bar in (self.brightness_bar, self.level_bar):
            bar.setTextVisible(False)
        self.verdict = label()
        self.check_button = button("secondary")
        self.check_button.clicked.connect(self.start_check)
        self.continue_button = button("primary")
        self.continue_button.clicked.connect(lambda: self.intent.emit(DeviceCheckPassed()))
        for widget in (self.title, self.instructions, self.status, self.camera_line):
            self.column.addWidget(widget)
        self.column.addWidget(self.brightness_bar)
        self.column.addWidget(self.microphone_line)
        self.column.addWidget(self.level_bar)
        self.column.addWidget(self.verdict)
        self.column.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.check_button)
        row.addWidget(self.continue_button)
        self.column.addLayout(row)
        self.checking = False
        self.result: DeviceCheckResult | None = None
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
            self.result = None
            self.checking = False
        super().show_snapshot(snapshot)

    def start_check(self) -> None:
        """Measure (again)."""
        self.checking = True
        self.result = None
        self.refresh()
        self.check_requested.emit()

    def show_result(self, result: DeviceCheckResult) -> None:
        """The measurement arrived from the engine thread."""
        self.checking = False
        self.result = result
        self.refresh()

    def on_failed(self, kind: str) -> None:
        self.checking = False
        self.refresh()

    def clear(self) -> None:
        self.checking = False
        self.result = None
        super().clear()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Camera and microphone check"))
        self.instructions.setText(
            self.tr(
                "Sit comfortably, facing the screen. Press “Start the check” and say “I am "
                "ready” in your normal voice."
            )
        )

    def refresh(self) -> None:
        result = self.result
        self.check_button.setEnabled(not self.checking)
        self.check_button.setText(
            self.tr("Check again") if result is not None else self.tr("Start the check")
        )
        self.continue_button.setText(self.tr("Continue"))
        self.continue_button.setEnabled(result is not None and result.ok and not self.checking)
        self.status.setText(
            self.tr("Listening… please say “I am ready” now.") if self.checking else ""
        )
        for widget in (self.brightness_bar, self.level_bar):
            widget.setVisible(result is not None)
        if result is None:
            for line in (self.camera_line, self.microphone_line, self.verdict):
                line.clear()
            return
        self._show_measurement(result)

    def _show_measurement(self, result: DeviceCheckResult) -> None:
        low, high = BRIGHTNESS_RANGE
        if result.width == 0:
            self.camera_line.setText(self.tr("✗ Camera: no picture"))
        else:
            mark = "✓" if low <= result.brightness <= high else "✗"
            self.camera_line.setText(
                mark
                + " "
                + self.tr("Camera: picture received, brightness {value} of 255").format(
                    value=f"{result.brightness:.0f}"
                )
            )
        self.brightness_bar.setValue(round(min(255.0, max(0.0, result.brightness))))
        mark = "✓" if result.peak_dbfs >= MIN_PEAK_DBFS else "✗"
        self.microphone_line.setText(
            mark
            + " "
            + self.tr("Microphone: loudest sound {value} dB").format(
                value=f"{result.peak_dbfs:.0f}"
            )
        )
        self.level_bar.setValue(round(max(LEVEL_FLOOR_DBFS, min(0.0, result.peak_dbfs))))
        advice = []
        if result.width == 0:
            advice.append(self.tr("The camera shows no picture. Please ask a staff member."))
        elif result.brightness < low:
            advice.append(self.tr("The picture is too dark. Please face the light."))
        elif result.brightness > high:
            advice.append(self.tr("The picture is too bright. Please move out of direct light."))
        if result.peak_dbfs < MIN_PEAK_DBFS:
            advice.append(
                self.tr(
                    "We could not hear you well. Please say “I am ready” a little louder, "
                    "facing the screen."
                )
            )
        self.verdict.setText(
            "\n".join(advice) if advice else self.tr("Everything works. You can continue.")
        )
