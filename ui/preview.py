"""The camera while a screen shows it: the welcome screen's QR scan and the device check's live
preview, indicators and "say: I am ready".

:class:`Viewfinder` lives on the engine thread, which owns the camera and the microphone: every
read happens there, and only in the welcome stage (no session open) and the device check, the
two stages in which the recorder cannot be reading the same devices. It reads the camera ten
times a second while the window shows one of those screens and says so (:meth:`Viewfinder.want`),
and stops the moment either is no longer true. Frames go to the GUI through a one-slot
:class:`FrameMailbox`: a frame the GUI has not taken yet is replaced by the newer one, so a busy
GUI drops frames instead of queueing them. :class:`CameraView` paints the latest frame, with the
framing guide on the device check.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QObject, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from hardware import Camera, Microphone, fit_frame
from hardware.qr import QrReader
from kiosk.app import Kiosk
from kiosk.devicecheck import (
    GUIDE_CENTRE,
    MIN_PEAK_DBFS,
    FaceCheck,
    LiveCheck,
    Measurement,
)
from kiosk.engine import InterviewState, Stage
from kiosk.errors import KioskError
from models.speech import Transcriber
from ui.engine_data import CandidateVoice, HeardSpeech, PreviewFrame, ViewMode

log = logging.getLogger(__name__)

#: Preview widths: big enough to judge framing, small enough to cost the GUI nothing.
CHECK_WIDTH = 480
WELCOME_WIDTH = 320
#: On the welcome screen: a preview every 2nd frame (5 a second), a QR scan every 3rd.
WELCOME_PREVIEW_EVERY = 2
SCAN_EVERY = 3
#: A code seen again within this many seconds is the same showing, not a new attempt.
FORGET_CODE_SECONDS = 3.0
#: After a device error the camera is read this much less often, and reopened every few tries.
FAILED_INTERVAL_MS = 2000
REOPEN_EVERY = 3
#: What an invitation code looks like: the ERP's codes are short runs of letters and digits
#: (hyphens allowed). Anything else in a QR code (a link, a staff badge, a payment code) is
#: not one, and is neither looked up nor repeated anywhere.
_INVITATION_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{2,31}")
#: The framing guide: an upright oval around :data:`kiosk.devicecheck.GUIDE_CENTRE`, as
#: fractions of the picture's width and height.
GUIDE_SIZE = (0.36, 0.62)

_Item = TypeVar("_Item")


class FrameMailbox(Generic[_Item]):
    """One slot between two threads: the newest item wins, nothing queues."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._item: _Item | None = None

    def put(self, item: _Item) -> bool:
        """Leave ``item`` for the reader; True if the slot was empty (the reader needs a
        nudge), False if an untaken item was replaced (a nudge is already on its way)."""
        with self._lock:
            empty, self._item = self._item is None, item
        return empty

    def take(self) -> _Item | None:
        """The newest item, once."""
        with self._lock:
            item, self._item = self._item, None
        return item


def preview_image(image: npt.NDArray[np.uint8], width: int) -> QImage:
    """A BGR frame as a mirrored RGB ``QImage`` at most ``width`` pixels wide."""
    height, original = image.shape[:2]
    if original > width:
        height = max(1, round(height * width / original))
        image = fit_frame(image, (width, height))
    else:
        width = original
    # Mirrored (flip the columns) and BGR to RGB (flip the channels) in one view.
    rgb = np.ascontiguousarray(image[:, ::-1, ::-1])
    # copy(): the QImage must own its pixels, the array is gone when this returns.
    return QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def invitation_code(text: str) -> str | None:
    """The invitation code a QR code holds, or None if it holds something else."""
    stripped = text.strip()
    return stripped.upper() if _INVITATION_CODE.fullmatch(stripped) else None


class SeenCodes:
    """Which QR texts the camera showed lately, so that a code held in view is acted on once."""

    def __init__(self, forget_after: float = FORGET_CODE_SECONDS) -> None:
        self._forget_after = forget_after
        self._last_seen: dict[str, float] = {}

    def new(self, texts: Iterable[str], now: float) -> list[str]:
        """The texts among ``texts`` not seen in the last ``forget_after`` seconds."""
        fresh = []
        for text in texts:
            last = self._last_seen.get(text)
            if last is None or now - last > self._forget_after:
                fresh.append(text)
            self._last_seen[text] = now
        return fresh

    def clear(self) -> None:
        """Forget every text (the welcome screen was left)."""
        self._last_seen.clear()


def allowed_mode(state: InterviewState) -> ViewMode:
    """What the camera may be read for in ``state``: never while the recorder may read it."""
    if state.stage is Stage.WELCOME and state.session_id is None:
        return "welcome"
    if state.stage is Stage.DEVICE_CHECK:
        return "device_check"
    return "off"


class Viewfinder(QObject):
    """Reads the camera for a preview; lives on the engine thread (see the module docstring).

    Call :meth:`attach` once the kiosk is assembled, :meth:`follow` with every engine state and
    :meth:`want` with what the window shows; :meth:`take` (any thread) gives the latest frame.
    """

    #: A :class:`PreviewFrame` waits in the mailbox: :meth:`take` it.
    preview = Signal()
    #: An invitation code was read from a QR code held up to the camera.
    code_scanned = Signal(str)
    #: A QR code that holds no invitation code was held up (``not_invitation``).
    scan_refused = Signal(str)
    #: :class:`kiosk.devicecheck.DeviceCheckResult` of a listening window.
    devices_checked = Signal(object)
    #: :class:`HeardSpeech`, a moment after ``devices_checked``.
    speech_heard = Signal(object)

    def __init__(
        self,
        voice: CandidateVoice | None,
        *,
        interval_ms: int = 100,
        listen_seconds: float = 3.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._voice = voice
        self._interval_ms = interval_ms
        self._listen_seconds = listen_seconds
        # A child: it moves to the engine thread with its parent, and ticks there.
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._mailbox: FrameMailbox[PreviewFrame] = FrameMailbox()
        self._kiosk: Kiosk | None = None
        self._check: LiveCheck | None = None
        self._speech: Callable[[str], Transcriber] | None = None
        self._qr: QrReader | None = None
        self._scanning = True
        self._seen = SeenCodes()
        self._wanted: ViewMode = "off"
        self._allowed: ViewMode = "off"
        self._mode: ViewMode = "off"
        self._language = "en"
        self._ticks = 0
        self._failures = 0
        # Transcribing takes about a second: on a thread of its own, so the preview goes on.
        self._transcriber = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mic-check")

    @property
    def mode(self) -> ViewMode:
        """What the camera is being read for now."""
        return self._mode

    def attach(
        self,
        kiosk: Kiosk,
        faces: FaceCheck | None,
        speech: Callable[[str], Transcriber] | None,
    ) -> None:
        """Use the assembled kiosk's devices, a face model and the speech model per language
        (None: analysis off)."""
        self._kiosk, self._speech = kiosk, speech
        self._check = LiveCheck(
            kiosk.camera, kiosk.microphone, faces, listen_seconds=self._listen_seconds
        )

    def want(self, mode: ViewMode) -> None:
        """What the window shows (``off`` for a screen without a preview)."""
        self._wanted = mode
        self._update()

    def follow(self, state: InterviewState) -> None:
        """The engine's state changed: read the camera only where it is safe."""
        self._allowed = allowed_mode(state)
        self._language = state.language
        self._update()

    def listen(self) -> bool:
        """Start listening for "I am ready"; False if the device check is not running."""
        check = self._check
        if self._mode != "device_check" or check is None:
            return False
        if not check.listening:  # a second tap while listening changes nothing
            if self._voice is not None:
                self._voice.device_check()
            check.listen()
        return True

    def take(self) -> PreviewFrame | None:
        """The newest preview frame, once (any thread)."""
        return self._mailbox.take()

    def close(self) -> None:
        """Stop reading; wait for a transcription in progress (about a second)."""
        self._wanted = "off"
        self._update()
        self._transcriber.shutdown(wait=True, cancel_futures=True)
        self._kiosk = None

    # -- engine thread ----------------------------------------------------------------------

    def _update(self) -> None:
        mode: ViewMode = self._wanted if self._wanted == self._allowed else "off"
        if self._kiosk is None:
            mode = "off"
        if mode == self._mode:
            return
        if self._check is not None:
            self._check.cancel()
        self._seen.clear()
        self._mode, self._ticks, self._failures = mode, 0, 0
        self._timer.setInterval(self._interval_ms)
        if mode == "off":
            self._timer.stop()
        else:
            self._timer.start()

    def _tick(self) -> None:
        kiosk = self._kiosk
        if kiosk is None or self._mode == "off":
            return
        try:
            if self._mode == "welcome":
                self._welcome_step(kiosk)
            else:
                self._check_step()
        except KioskError as exc:
            self._failed(kiosk, exc)
            return
        if self._failures:
            log.info("the preview reads the devices again")
            self._failures = 0
            self._timer.setInterval(self._interval_ms)

    def _welcome_step(self, kiosk: Kiosk) -> None:
        frame = kiosk.camera.read(timeout=1.0)
        if frame is None:  # the end of a camera file that does not loop
            self._publish(PreviewFrame("welcome", None))
            return
        self._ticks += 1
        if self._scanning and self._ticks % SCAN_EVERY == 0:
            self._scan(frame.image)
        if self._ticks % WELCOME_PREVIEW_EVERY == 0:
            self._publish(PreviewFrame("welcome", preview_image(frame.image, WELCOME_WIDTH)))

    def _scan(self, image: npt.NDArray[np.uint8]) -> None:
        if self._qr is None:
            try:
                self._qr = QrReader()
            except KioskError as exc:
                log.warning("no QR scanning on this terminal (%s)", exc.kind.value)
                self._scanning = False
                return
        # Never log what a code holds: a staff badge is a QR code too.
        for text in self._seen.new(self._qr.scan(image), time.monotonic()):
            code = invitation_code(text)
            if code is None:
                self.scan_refused.emit("not_invitation")
            else:
                self.code_scanned.emit(code)
                return  # the first invitation wins; the check-in ends the scanning

    def _check_step(self) -> None:
        check = self._check
        if check is None:
            return
        reading, measurement = check.step()
        image = None if reading.image is None else preview_image(reading.image, CHECK_WIDTH)
        self._publish(
            PreviewFrame(
                "device_check",
                image,
                reading.brightness,
                reading.level_dbfs,
                reading.face,
                reading.listening,
                reading.face_check,
            )
        )
        if measurement is not None:
            self._listened(measurement, check.faces_checked)

    def _listened(self, measurement: Measurement, faces_checked: bool) -> None:
        result = measurement.result(faces_checked=faces_checked)
        self.devices_checked.emit(result)
        speech = self._speech
        if speech is None:
            self.speech_heard.emit(HeardSpeech(available=False))
        elif result.peak_dbfs < MIN_PEAK_DBFS:
            # Nothing loud enough to be speech: Whisper would "hear" words in the hiss.
            self.speech_heard.emit(HeardSpeech(available=True))
        else:
            self._transcriber.submit(self._transcribe, speech, measurement.audio, self._language)

    def _transcribe(
        self,
        speech: Callable[[str], Transcriber],
        audio: npt.NDArray[np.float32],
        language: str,
    ) -> None:
        # On the transcriber thread; emitting from here is thread-safe (the host relays it).
        try:
            text = speech(language).transcribe(audio, language).text.strip()
        except KioskError as exc:
            log.warning("the microphone check could not transcribe (%s)", exc.kind.value)
            self.speech_heard.emit(HeardSpeech(available=False))
            return
        except Exception:
            log.exception("the microphone check's transcription failed unexpectedly")
            self.speech_heard.emit(HeardSpeech(available=False))
            return
        self.speech_heard.emit(HeardSpeech(available=True, text=text))

    def _failed(self, kiosk: Kiosk, exc: KioskError) -> None:
        # A lost camera: show no picture, try less often (a failing read can block for a
        # second, and the engine thread has intents to run), and reopen now and then.
        if not self._failures:  # once, not every two seconds for as long as it lasts
            log.info("the preview cannot read the devices (%s)", exc.kind.value)
        check = self._check
        if check is not None and check.listening:
            check.cancel()
            self.devices_checked.emit(Measurement(kiosk.microphone.sample_rate).result())
            self.speech_heard.emit(HeardSpeech(available=self._speech is not None))
        self._publish(PreviewFrame(self._mode, None))
        self._failures += 1
        self._timer.setInterval(FAILED_INTERVAL_MS)
        if self._failures % REOPEN_EVERY == 0:
            devices: list[Camera | Microphone] = [kiosk.camera]
            if self._mode == "device_check":
                devices.append(kiosk.microphone)
            for device in devices:
                try:
                    device.close()
                    device.open()
                except KioskError as again:
                    log.info("reopening a device failed (%s)", again.kind.value)

    def _publish(self, frame: PreviewFrame) -> None:
        if self._mailbox.put(frame):
            self.preview.emit()


class CameraView(QWidget):
    """Paints the latest preview frame, fitted and centred; with ``guide``, the framing oval
    (green when the face sits well in it) and the detected face's outline."""

    def __init__(self, *, guide: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._guide = guide
        self.frame: PreviewFrame | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(QSize(240, 180))

    def sizeHint(self) -> QSize:
        return QSize(480, 360)

    def show_frame(self, frame: PreviewFrame | None) -> None:
        """Paint ``frame`` (None: blank)."""
        self.frame = frame
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#1d2129"))
        frame = self.frame
        image = frame.image if frame is not None else None
        if image is None or image.isNull():
            painter.end()
            return
        target = _fitted(QSize(image.width(), image.height()), self.size())
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(target, image)
        if self._guide and frame is not None:
            _paint_guide(painter, target, frame)
        painter.end()


def _fitted(image: QSize, area: QSize) -> QRectF:
    scale = min(area.width() / max(1, image.width()), area.height() / max(1, image.height()))
    width, height = image.width() * scale, image.height() * scale
    return QRectF((area.width() - width) / 2, (area.height() - height) / 2, width, height)


def _paint_guide(painter: QPainter, target: QRectF, frame: PreviewFrame) -> None:
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    face = frame.face
    if face is None:
        colour, style = QColor("white"), Qt.PenStyle.DashLine  # no face model: a plain guide
    elif face.placement == "good":
        colour, style = QColor("#23c343"), Qt.PenStyle.SolidLine
    else:
        colour, style = QColor("#ff9a2e"), Qt.PenStyle.SolidLine
    pen = QPen(colour, max(3.0, target.width() / 120), style)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    centre = QPointF(
        target.left() + GUIDE_CENTRE[0] * target.width(),
        target.top() + GUIDE_CENTRE[1] * target.height(),
    )
    painter.drawEllipse(
        centre, GUIDE_SIZE[0] * target.width() / 2, GUIDE_SIZE[1] * target.height() / 2
    )
    if face is not None and face.box is not None:
        x, y, width, height = face.box
        mirrored_x = 1.0 - x - width  # the picture is mirrored, the box was measured unmirrored
        painter.setPen(QPen(colour, 2.0, Qt.PenStyle.DotLine))
        painter.drawRect(
            QRectF(
                target.left() + mirrored_x * target.width(),
                target.top() + y * target.height(),
                width * target.width(),
                height * target.height(),
            )
        )
