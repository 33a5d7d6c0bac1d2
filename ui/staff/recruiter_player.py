"""Key segments of a report, played from memory.

The list names each segment (the question, the time span, the evidence quote or flag); picking
one decrypts that stretch of the answer on the staff thread into an in-memory clip
(:mod:`ui.staff.recruiter_media`) which a ``QMediaPlayer`` reads from a ``QBuffer``. Nothing
decrypted is written to disk, and the clip is dropped when another is picked, the report is
closed or the staff member logs out. Sound plays when the terminal has an audio output.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QSize, Qt, QUrl
from PySide6.QtGui import QPixmap
from PySide6.QtMultimedia import (
    QAudioOutput,
    QMediaDevices,
    QMediaPlayer,
    QVideoFrame,
    QVideoSink,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.dashboard import KeySegment
from kiosk.staff import StaffServices
from ui.screens.base import label
from ui.staff.calls import StaffFailure
from ui.staff.context import StaffContext
from ui.staff.recruiter_format import duration_text, failure_text, staff_button
from ui.staff.recruiter_media import Clip, load_clip

#: A quote longer than this is cut in the list (the report shows it whole).
QUOTE_CHARS = 60
#: The smallest video area: the recorder's default frame size.
VIDEO_SIZE = QSize(320, 240)


class SegmentPlayer(QWidget):
    """The key segments of one report and a player for the one picked."""

    def __init__(self, context: StaffContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.session_id: str | None = None
        self.segments: list[KeySegment] = []
        self.clip: Clip | None = None
        #: Video frames the player has shown for the current clip (for the tests, and a sign
        #: that playback really runs).
        self.frames_shown = 0
        self._state = "idle"  # idle | loading | playing | missing | failed
        self._failure: StaffFailure | None = None
        self._buffer: QBuffer | None = None
        self._pick: object | None = None  # the latest segment picked (see _picked)
        self._build()
        self.retranslate()

    def _build(self) -> None:
        row = QHBoxLayout(self)
        self.list = QListWidget()
        self.list.setObjectName("segments")
        self.list.setWordWrap(True)
        self.list.currentRowChanged.connect(self._picked)
        row.addWidget(self.list, 1)
        side = QVBoxLayout()
        # Frames are drawn by this widget from a video sink rather than by a QVideoWidget:
        # that needs a GPU-backed surface on some platforms, while a QLabel with the frame
        # as a pixmap draws the same everywhere (offscreen too) and keeps the last frame.
        self.video = QLabel()
        self.video.setObjectName("video")
        self.video.setMinimumSize(VIDEO_SIZE)
        self.video.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.video.setStyleSheet("background: #1d2129;")
        self.sink = QVideoSink(self)
        self.player = QMediaPlayer(self)
        self.player.setVideoSink(self.sink)
        self.audio: QAudioOutput | None = None
        if not QMediaDevices.defaultAudioOutput().isNull():
            self.audio = QAudioOutput(self)
            self.player.setAudioOutput(self.audio)
        self.sink.videoFrameChanged.connect(self._frame)
        self.player.mediaStatusChanged.connect(self._media_status)
        self.play_button = staff_button("secondary")
        self.play_button.clicked.connect(self._toggle)
        self.status = label()
        side.addWidget(self.video, 1)
        side.addWidget(self.play_button)
        side.addWidget(self.status)
        row.addLayout(side, 1)

    # -- public -----------------------------------------------------------------------------

    def show_segments(self, session_id: str, segments: Sequence[KeySegment]) -> None:
        """List the segments of a freshly opened report."""
        self.clear()
        self.session_id = session_id
        self.segments = list(segments)
        self.list.blockSignals(True)
        for _ in self.segments:
            self.list.addItem(QListWidgetItem(""))
        self.list.blockSignals(False)
        self.retranslate()

    def play(self, row: int) -> None:
        """Pick segment ``row`` (loads and plays it)."""
        self.list.setCurrentRow(row)

    def clear(self) -> None:
        """Stop, and forget the segments and the decrypted clip."""
        self._pick = None  # a clip still being decrypted is not played when it arrives
        self._stop()
        self.session_id = None
        self.segments = []
        self.list.blockSignals(True)
        self.list.clear()
        self.list.blockSignals(False)
        self._state, self._failure = "idle", None
        self.retranslate()

    # -- playing ----------------------------------------------------------------------------

    def _picked(self, row: int) -> None:
        session_id = self.session_id
        if session_id is None or not 0 <= row < len(self.segments):
            return
        self._stop()
        segment = self.segments[row]
        self._state, self._failure = "loading", None
        self.retranslate()

        def work(services: StaffServices) -> Clip | None:
            return load_clip(services, session_id, segment)

        # The recruiter may pick another segment, or leave the report, before this one is
        # decrypted: only the latest pick may play.
        self._pick = token = object()

        def loaded(clip: Clip | None) -> None:
            if token is self._pick and self.session_id == session_id:
                self._loaded(clip)

        self.context.call(self, work, loaded, self._refused)

    def _loaded(self, clip: Clip | None) -> None:
        self._stop()  # and drop any earlier clip's decrypted buffer
        if clip is None:
            self._state = "missing"
            self.retranslate()
            return
        self.clip = clip
        self.frames_shown = 0
        # The player reads the AVI from memory; QMediaPlayer keeps no copy on disk.
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(clip.data))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.player.setSourceDevice(self._buffer, QUrl("segment.avi"))
        self.player.play()
        self._state = "playing"
        self.retranslate()

    def _refused(self, failure: StaffFailure) -> None:
        self._state, self._failure = "failed", failure
        self.retranslate()

    def _stop(self) -> None:
        self.player.stop()
        self.player.setSource(QUrl())
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.setData(QByteArray())
            self._buffer.deleteLater()
            self._buffer = None
        self.clip = None
        self.video.clear()

    def _toggle(self) -> None:
        if self.clip is None:
            return
        if self.player.playbackState() is QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
        else:
            self.player.play()
        self.retranslate()

    def _frame(self, frame: QVideoFrame) -> None:
        if not frame.isValid():
            return  # the end of the clip: the last frame stays on screen
        image = frame.toImage()
        if image.isNull():
            return
        self.frames_shown += 1
        self.video.setPixmap(
            QPixmap.fromImage(image).scaled(
                self.video.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )

    def _media_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status is QMediaPlayer.MediaStatus.EndOfMedia:
            self.retranslate()

    # -- texts ------------------------------------------------------------------------------

    def _segment_text(self, segment: KeySegment) -> str:
        span = f"{duration_text(segment.start)}–{duration_text(segment.end)}"
        question = self.tr("Question %1").replace("%1", str(segment.question_number))
        if segment.kind == "answer":
            whole = self.tr("whole answer")  # (lupdate reads no tr() inside an f-string)
            return f"{question} · {whole} ({span})"
        if segment.kind == "flag":
            flag = self.tr("integrity flag")
            return f"{question} · {span} · {flag}: {segment.label}"
        quote = segment.label
        if len(quote) > QUOTE_CHARS:
            quote = quote[: QUOTE_CHARS - 1] + "…"
        return f"{question} · {span} · {segment.competency}: “{quote}”"

    def retranslate(self) -> None:
        self.list.setAccessibleName(self.tr("Key segments"))
        self.video.setAccessibleName(self.tr("Video of the key segment"))
        for row, segment in enumerate(self.segments):
            item = self.list.item(row)
            if item is not None:
                item.setText(self._segment_text(segment))
        playing = self.player.playbackState() is QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setText(self.tr("Pause") if playing else self.tr("Play"))
        self.play_button.setEnabled(self.clip is not None)
        self.status.setText(self._status_text())

    def _status_text(self) -> str:
        if not self.segments:
            return self.tr("No key segments in this report.") if self.session_id else ""
        if self._state == "failed" and self._failure is not None:
            return failure_text(self._failure.kind, self._failure.message)
        clip = self.clip
        if self._state != "playing" or clip is None:
            return {
                "idle": self.tr("Pick a segment to play it."),
                "loading": self.tr("Decrypting the segment…"),
                "missing": self.tr(
                    "The recording of this answer is no longer on this terminal (recordings "
                    "are kept only until they are uploaded, and only when uploading is on)."
                ),
            }.get(self._state, "")
        length = duration_text(clip.seconds)
        if not clip.has_audio:
            text = self.tr("%1 of video, no sound recorded")
        elif self.audio is None:
            text = self.tr("%1 of video; this terminal has no sound output")
        else:
            text = self.tr("%1 of video with sound")
        return text.replace("%1", length)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
