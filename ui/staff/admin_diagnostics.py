"""The IT admin's diagnostics page: camera, microphone, loudspeaker, printer, models, disk,
sync, and the log export.

Every check runs on the staff thread (:meth:`StaffContext.call`) and is permission-checked in
the core (:mod:`kiosk.diagnostics`). Device checks are refused while an interview holds the
devices; the row then says so instead of a result.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk.devicecheck import light_ok
from kiosk.diagnostics import (
    CameraCheck,
    DiskReport,
    LogExport,
    MicrophoneCheck,
    SpeakerCheck,
    SpeechBenchmark,
    SyncReport,
    benchmark_speech,
    check_camera,
    check_microphone,
    check_speaker,
    device_label,
    disk_report,
    export_logs,
    sync_report,
    verify_models,
)
from kiosk.staff import StaffServices
from kiosk.vault.roles import Permission
from models.registry import Verification
from ui.printing import print_test_page
from ui.screens.base import button
from ui.staff.admin_common import (
    Busy,
    CheckRow,
    LevelRelay,
    Page,
    busy_text,
    failure_text,
    format_bytes,
    format_time,
    meter_percent,
    never_text,
    unless_busy,
)
from ui.staff.calls import StaffFailure
from ui.staff.context import StaffContext

# How long the microphone check listens.
MIC_SECONDS = 3.0
# The test tone's pitch.
TONE_HZ = 440.0


class DiagnosticsPage(Page):
    """Checks of the terminal's devices, models, disk and sync, and the log export."""

    def __init__(self, context: StaffContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._relay: LevelRelay | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        outer.addWidget(scroll)
        body = QWidget()
        body.setObjectName("screen")
        scroll.setWidget(body)
        column = QVBoxLayout(body)
        column.setContentsMargins(24, 16, 24, 16)

        self.camera = CheckRow()
        self.camera_image = QLabel()
        self.camera_image.setFixedSize(320, 240)
        self.camera_image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.camera_image.setVisible(False)
        self.camera.column.insertWidget(1, self.camera_image)
        self.microphone = CheckRow()
        self.meter = QProgressBar()
        self.meter.setRange(0, 100)
        self.meter.setTextVisible(False)
        self.microphone.column.insertWidget(1, self.meter)  # between the button and the result
        self.speaker = CheckRow()
        self.printer = CheckRow()
        self.models = CheckRow()
        self.benchmark = CheckRow()
        self.disk = CheckRow()
        self.sync = CheckRow()
        self.export = CheckRow()
        folder_row = QHBoxLayout()
        self.export_folder = QLineEdit()
        self.export_folder.setObjectName("folder")
        self.export_folder.setText(str(_default_export_folder()))
        self.browse_button = button("secondary")
        self.browse_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.browse_button.clicked.connect(self._browse)
        folder_row.addWidget(self.export_folder, 1)
        folder_row.addWidget(self.browse_button)
        self.export.column.addLayout(folder_row)
        rows: list[tuple[CheckRow, Callable[[], None]]] = [
            (self.camera, self._run_camera),
            (self.microphone, self._run_microphone),
            (self.speaker, self._run_speaker),
            (self.printer, self._run_printer),
            (self.models, self._run_models),
            (self.benchmark, self._run_benchmark),
            (self.disk, self._run_disk),
            (self.sync, self._run_sync),
            (self.export, self._run_export),
        ]
        for row, slot in rows:
            row.run.connect(slot)
            column.addWidget(row)
        column.addStretch(1)
        self._meter_timer = QTimer(self)
        self._meter_timer.setInterval(50)
        self._meter_timer.timeout.connect(self._poll_meter)
        self.retranslate()

    def retranslate(self) -> None:
        self.camera.set_texts(self.tr("Camera"), self.tr("Take a picture"))
        self.microphone.set_texts(self.tr("Microphone"), self.tr("Listen"))
        self.meter.setAccessibleName(self.tr("Microphone level"))
        self.speaker.set_texts(self.tr("Loudspeaker"), self.tr("Play a tone"))
        self.printer.set_texts(self.tr("Printer"), self.tr("Print a test page"))
        self.models.set_texts(self.tr("Models"), self.tr("Verify"))
        self.benchmark.set_texts(self.tr("Speech model speed"), self.tr("Run benchmark"))
        self.disk.set_texts(self.tr("Disk"), self.tr("Refresh"))
        self.sync.set_texts(self.tr("Sync with the HR system"), self.tr("Refresh"))
        self.export.set_texts(self.tr("Log export"), self.tr("Export logs"))
        self.export_folder.setAccessibleName(self.tr("Export folder"))
        self.browse_button.setText(self.tr("Choose…"))
        for row in (self.camera, self.microphone, self.speaker, self.printer, self.models):
            row.refresh()
        for row in (self.benchmark, self.disk, self.sync, self.export):
            row.refresh()

    def activated(self) -> None:
        # Cheap and always useful: shown without a tap.
        self._run_disk()
        self._run_sync()

    # -- plumbing ---------------------------------------------------------------------------

    def _failed(self, row: CheckRow) -> Callable[[StaffFailure], None]:
        def show(failure: StaffFailure) -> None:
            row.show_result(lambda: (failure_text(failure), False))

        return show

    def _busy(self, row: CheckRow) -> None:
        row.show_result(lambda: (busy_text(), False))

    # -- camera -----------------------------------------------------------------------------

    def _run_camera(self) -> None:
        self.camera.working(self.tr("Looking through the camera…"))
        self.call(unless_busy(check_camera), self._camera_done, self._failed(self.camera))

    def _camera_done(self, result: CameraCheck | Busy) -> None:
        if isinstance(result, Busy):
            self._busy(self.camera)
            return
        image = result.image
        height, width = image.shape[:2]
        picture = QImage(image.data, width, height, image.strides[0], QImage.Format.Format_BGR888)
        pixmap = QPixmap.fromImage(picture.copy())  # copy: the array's memory is not Qt's
        self.camera_image.setPixmap(
            pixmap.scaled(
                self.camera_image.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        self.camera_image.setVisible(True)
        self.camera.show_result(lambda: self._camera_text(result))

    def _camera_text(self, result: CameraCheck) -> tuple[str, bool]:
        placements = {
            "good": self.tr("one face, well placed"),
            "none": self.tr("no face found"),
            "several": self.tr("more than one face"),
            "off_centre": self.tr("the face is not in the middle"),
            "too_far": self.tr("the face is too far away"),
            "too_close": self.tr("the face is too close"),
        }
        light = self.tr("good light") if light_ok(result.brightness) else self.tr("poor light")
        text = (
            self.tr("%1 × %2 pixels · brightness %3 (%4) · %5")
            .replace("%1", str(result.width))
            .replace("%2", str(result.height))
            .replace("%3", f"{result.brightness:.0f}")
            .replace("%4", light)
            .replace("%5", placements[result.placement])
        )
        return text, result.ok

    # -- microphone -------------------------------------------------------------------------

    def _run_microphone(self) -> None:
        relay = self._relay = LevelRelay()
        self.meter.setValue(0)
        self.microphone.working(
            self.tr("Listening for %1 seconds… say something.").replace("%1", f"{MIC_SECONDS:g}")
        )

        def work(services: StaffServices) -> MicrophoneCheck:
            return check_microphone(services, seconds=MIC_SECONDS, on_level=relay.push)

        self._meter_timer.start()
        self.call(unless_busy(work), self._microphone_done, self._microphone_failed)

    def _poll_meter(self) -> None:
        level = self._relay.take() if self._relay is not None else None
        if level is not None:
            self.meter.setValue(meter_percent(level))

    def _microphone_done(self, result: MicrophoneCheck | Busy) -> None:
        self._poll_meter()
        self._meter_timer.stop()
        if isinstance(result, Busy):
            self._busy(self.microphone)
            return

        def render() -> tuple[str, bool]:
            text = (
                self.tr("Loudest sound %1 dBFS (peak %2 dBFS) in %3 s.")
                .replace("%1", f"{result.loudest_rms_dbfs:.1f}")
                .replace("%2", f"{result.peak_dbfs:.1f}")
                .replace("%3", f"{result.seconds:.1f}")
            )
            if result.problems:
                text += " " + self.tr("Too quiet: nothing was heard.")
            return text, not result.problems

        self.microphone.show_result(render)

    def _microphone_failed(self, failure: StaffFailure) -> None:
        self._meter_timer.stop()
        self._failed(self.microphone)(failure)

    # -- loudspeaker and printer ------------------------------------------------------------

    def _run_speaker(self) -> None:
        self.speaker.working(self.tr("Playing a tone…"))

        def work(services: StaffServices) -> SpeakerCheck:
            return check_speaker(services, frequency=TONE_HZ)

        self.call(unless_busy(work), self._speaker_done, self._failed(self.speaker))

    def _speaker_done(self, result: SpeakerCheck | Busy) -> None:
        if isinstance(result, Busy):
            self._busy(self.speaker)
            return

        def render() -> tuple[str, bool]:
            if not result.audible:
                return self.tr("This terminal is set up without a loudspeaker."), False
            return (
                self.tr("A %1 Hz tone played for %2 s. Did you hear it?")
                .replace("%1", f"{TONE_HZ:g}")
                .replace("%2", f"{result.seconds:.1f}"),
                True,
            )

        self.speaker.show_result(render)

    def _run_printer(self) -> None:
        self.printer.working(self.tr("Sending a test page…"))

        def work(services: StaffServices) -> str:
            services.require(Permission.DEVICE_DIAGNOSTICS)
            config = services.kiosk.config
            return print_test_page(config.printer.queue, device_id=device_label(config))

        def done(job: str) -> None:
            self.printer.show_result(
                lambda: (
                    self.tr("Test page sent to the printer (job %1).").replace("%1", job),
                    True,
                )
            )

        self.call(work, done, self._failed(self.printer))

    # -- models -----------------------------------------------------------------------------

    def _run_models(self) -> None:
        self.models.working(self.tr("Checking the model files…"))

        def done(results: list[Verification]) -> None:
            def render() -> tuple[str, bool]:
                lines = [
                    f"{r.name} {r.version}: "
                    + (self.tr("OK") if r.ok else self.tr("FAILED") + " – " + "; ".join(r.problems))
                    for r in results
                ]
                return "\n".join(lines) or self.tr("No models found."), bool(results) and all(
                    r.ok for r in results
                )

            self.models.show_result(render)

        self.call(verify_models, done, self._failed(self.models))

    def _run_benchmark(self) -> None:
        self.benchmark.working(self.tr("Transcribing the sample clip…"))
        self.call(unless_busy(benchmark_speech), self._benchmark_done, self._failed(self.benchmark))

    def _benchmark_done(self, result: SpeechBenchmark | Busy) -> None:
        if isinstance(result, Busy):
            self._busy(self.benchmark)
            return

        def render() -> tuple[str, bool]:
            text = (
                self.tr(
                    "%1: %2 s of speech transcribed in %3 s (real-time factor %4); "
                    "loading took %5 s. Heard: “%6”"
                )
                .replace("%1", result.model)
                .replace("%2", f"{result.audio_seconds:.1f}")
                .replace("%3", f"{result.transcribe_seconds:.2f}")
                .replace("%4", f"{result.real_time_factor:.2f}")
                .replace("%5", f"{result.load_seconds:.1f}")
                .replace("%6", result.transcript)
            )
            good = result.recognised and result.real_time_factor < 1.0
            return text, good

        self.benchmark.show_result(render)

    # -- disk and sync ----------------------------------------------------------------------

    def _run_disk(self) -> None:
        self.disk.working(self.tr("Measuring…"))

        def done(report: DiskReport) -> None:
            def render() -> tuple[str, bool]:
                text = (
                    self.tr(
                        "%1 free of %2. Database %3, answers waiting for upload %4, "
                        "recordings in progress %5."
                    )
                    .replace("%1", format_bytes(report.free_bytes))
                    .replace("%2", format_bytes(report.total_bytes))
                    .replace("%3", format_bytes(report.database_bytes))
                    .replace("%4", format_bytes(report.media_bytes))
                    .replace("%5", format_bytes(report.scratch_bytes))
                )
                if report.low:
                    text += " " + self.tr("Less than %1 free: new interviews are refused.").replace(
                        "%1", format_bytes(report.min_free_bytes)
                    )
                return text, not report.low

            self.disk.show_result(render)

        self.call(disk_report, done, self._failed(self.disk))

    def _run_sync(self) -> None:
        self.sync.working(self.tr("Reading the sync state…"))

        def done(report: SyncReport) -> None:
            def render() -> tuple[str, bool]:
                outbox = report.outbox
                bundles = ", ".join(
                    f"{kind} {'-' if version is None else version}"
                    for kind, (version, _) in report.bundles.items()
                )
                lines = [
                    self.tr("Waiting to be sent: %1 (%2 waiting to retry).")
                    .replace("%1", str(outbox.pending))
                    .replace("%2", str(outbox.waiting)),
                    self.tr("Delivered: %1; last success: %2.")
                    .replace("%1", str(outbox.delivered))
                    .replace("%2", format_time(outbox.last_delivered_at, never_text())),
                    self.tr("Last error: %1").replace("%1", outbox.last_error or "-"),
                    self.tr("Bundles: %1").replace("%1", bundles),
                ]
                refused = [f"{k}: {e}" for k, (_, e) in report.bundles.items() if e]
                if refused:
                    lines.append(self.tr("Refused bundles: %1").replace("%1", "; ".join(refused)))
                return "\n".join(lines), outbox.last_error is None and not refused

            self.sync.show_result(render)

        self.call(sync_report, done, self._failed(self.sync))

    # -- log export -------------------------------------------------------------------------

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self,
            self.tr("Export logs to"),
            self.export_folder.text(),
            QFileDialog.Option.ShowDirsOnly | QFileDialog.Option.DontUseNativeDialog,
        )
        if folder:
            self.export_folder.setText(folder)

    def _run_export(self) -> None:
        destination = Path(self.export_folder.text().strip())
        self.export.working(self.tr("Exporting…"))

        def work(services: StaffServices) -> LogExport:
            return export_logs(services, destination)

        def done(result: LogExport) -> None:
            self.export.show_result(
                lambda: (
                    self.tr("Exported %n file(s) to %1.", "", len(result.files)).replace(
                        "%1", str(result.folder)
                    ),
                    True,
                )
            )

        self.call(work, done, self._failed(self.export))


def _default_export_folder() -> Path:
    # Removable media mount here on Debian (udisks); a terminal without one uses the home folder.
    media = Path("/media")
    return media if media.is_dir() and any(media.iterdir()) else Path.home()
