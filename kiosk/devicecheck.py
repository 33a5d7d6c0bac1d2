"""The device check before the practice question: is the camera delivering a usable picture of
one face, and does the microphone hear the candidate?

Two ways to measure, both on the thread that owns the devices:

* :func:`check_devices` reads a few seconds of both devices in one go (the demo, the CLI tests).
* :class:`LiveCheck` measures one step at a time while the device-check screen is open: a frame
  with its brightness and (when the face model is loaded) the face's framing, and a short block
  of audio with its level, so the screen can show a live preview and live indicators. On request
  it *listens* for a few seconds ("say: I am ready") and hands back the :class:`Measurement`,
  whose audio the caller may transcribe to show the candidate what was heard.

Face framing uses the same MediaPipe face detection as the answer analysis
(:class:`models.vision.FaceAnalyzer`, in the app's model process when it has one); when analysis
is switched off, or the face model fails, there is no framing result, and the screen says so
rather than guessing.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from hardware import Camera, Microphone
from kiosk.errors import KioskError, ModelError
from kiosk.pipeline import AnswerAnalyzer
from models.vision import FaceAnalyzer, FaceBox, FrameAnalyzer

log = logging.getLogger(__name__)

#: Mean brightness (0-255) outside this range means a covered lens or a blinding light.
BRIGHTNESS_RANGE = (40.0, 220.0)
#: The candidate's "I am ready" must peak at least this loud.
MIN_PEAK_DBFS = -30.0
#: Where the framing guide (an upright oval in the middle of the preview) wants the face: its
#: centre at most this far from the guide's centre, as fractions of the frame's width and height
#: (the guide's centre sits a little above the middle, where eyes look natural on a screen).
GUIDE_CENTRE = (0.5, 0.45)
CENTRE_TOLERANCE = (0.15, 0.2)
#: The face box's height as a fraction of the frame's: below, the candidate sits too far away for
#: the face analysis (FaceMesh needs ~90 px of face at 480 px); above, too close to show the face
#: whole. The sample portrait at a normal distance measures 0.36.
FACE_HEIGHT_RANGE = (0.18, 0.7)
#: How often a listening :class:`LiveCheck` reads audio, and the block read for the live level
#: meter otherwise (short: the read blocks until that much fresh audio has arrived).
LISTEN_BLOCK_SECONDS = 0.1
METER_BLOCK_SECONDS = 0.05
#: Listening for "I am ready" lasts at least the check's few seconds, then ends once the
#: candidate has been quiet this long after speaking; it goes on (up to twice the seconds) while
#: they still speak, or while nothing was heard yet: people start late, a sound server's stream
#: can take a second or two to open, and cutting "I am ready" in half helps nobody.
QUIET_END_SECONDS = 0.6

#: Where the face is, relative to the framing guide.
Placement = Literal["none", "several", "off_centre", "too_far", "too_close", "good"]


def brightness(image: npt.NDArray[np.uint8]) -> float:
    """Mean brightness of a frame, 0-255."""
    return float(image.mean())


def peak_dbfs(samples: npt.NDArray[np.float32]) -> float:
    """The loudest sample of ``samples`` in dB of full scale (-120 for silence)."""
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    return 20 * math.log10(peak) if peak > 1e-6 else -120.0


def light_ok(value: float) -> bool:
    """Whether a frame of this mean brightness is usable."""
    return BRIGHTNESS_RANGE[0] <= value <= BRIGHTNESS_RANGE[1]


@dataclass(frozen=True, slots=True)
class FaceFraming:
    """How many faces a frame shows and where the main one is."""

    faces: int
    #: The largest face as (x, y, width, height), fractions of the frame (None: no face).
    box: tuple[float, float, float, float] | None = None

    @classmethod
    def of(cls, boxes: tuple[FaceBox, ...], width: int, height: int) -> FaceFraming:
        """The framing of detected ``boxes`` (largest first) in a ``width`` x ``height`` frame."""
        if not boxes or width <= 0 or height <= 0:
            return cls(0)
        main = boxes[0]
        relative = (main.x / width, main.y / height, main.width / width, main.height / height)
        return cls(len(boxes), relative)

    @property
    def placement(self) -> Placement:
        """The face relative to the guide: what the candidate should change, if anything."""
        if self.box is None:
            return "none"
        if self.faces > 1:
            return "several"
        x, y, width, height = self.box
        if height < FACE_HEIGHT_RANGE[0]:
            return "too_far"
        if height > FACE_HEIGHT_RANGE[1]:
            return "too_close"
        off_x = abs(x + width / 2 - GUIDE_CENTRE[0]) > CENTRE_TOLERANCE[0]
        off_y = abs(y + height / 2 - GUIDE_CENTRE[1]) > CENTRE_TOLERANCE[1]
        return "off_centre" if off_x or off_y else "good"


class FaceCheck:
    """Face detection for framing; one instance per thread (MediaPipe graphs keep state).

    ``analyzer`` measures the frames: by default a MediaPipe analyser in this process, built
    here (a second or two, holding the GIL for part of it: build it where a pause does not
    show); the app passes one in its model process. Raises ``ModelError`` if MediaPipe is
    unavailable.
    """

    def __init__(self, analyzer: FrameAnalyzer | None = None) -> None:
        # Pose is not needed to frame a face; two faces are enough to say "only you, please".
        self._analyzer = analyzer or FaceAnalyzer(max_faces=2, pose=False)

    def look(self, image: npt.NDArray[np.uint8]) -> FaceFraming:
        """The framing of the face(s) in one BGR frame (``ModelError`` if the model fails)."""
        features = self._analyzer.analyze(image, 0.0)
        height, width = image.shape[:2]
        return FaceFraming.of(features.boxes, width, height)

    def close(self) -> None:
        """Free the models; safe to call twice."""
        self._analyzer.close()


def ready_face_check(analyzer: AnswerAnalyzer) -> FaceCheck | None:
    """A face check on the answer analysis' models, loaded and run once (its first frame
    builds the graphs: seconds); None if that fails, and the check goes without framing."""
    try:
        # In the model process when there is one: MediaPipe then never holds this process's
        # interpreter lock while the GUI thread wants it.
        host = analyzer.host
        faces = FaceCheck(host.face_analyzer(max_faces=2, pose=False) if host else None)
        faces.look(np.zeros((240, 320, 3), np.uint8))
    except KioskError as exc:
        log.warning("the device check cannot frame faces (%s)", exc.kind.value)
        return None
    return faces


@dataclass(frozen=True, slots=True)
class DeviceCheckResult:
    """Measured camera and microphone signals, and what is wrong with them."""

    width: int
    height: int
    brightness: float
    peak_dbfs: float
    problems: tuple[str, ...] = field(default=())
    #: Share of the analysed frames that showed exactly one face (None: faces not checked).
    one_face: float | None = None

    @property
    def ok(self) -> bool:
        """Whether the interview can go on. The face is advice, never a condition: a face
        detector that misses a face must not lock a candidate out of their interview."""
        return not self.problems


class Measurement:
    """The signals gathered while listening: frames, faces and the audio itself."""

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self._audio: list[npt.NDArray[np.float32]] = []
        self._brightness: list[float] = []
        self._faces: list[FaceFraming] = []
        self._size = (0, 0)
        self._samples = 0
        self._loud_until: int | None = None  # the end of the last block loud enough (samples)

    @property
    def seconds(self) -> float:
        """How much audio has been gathered."""
        return self._samples / self.sample_rate

    def complete(self, seconds: float) -> bool:
        """Whether listening for at least ``seconds`` is done (see :data:`QUIET_END_SECONDS`)."""
        gathered = self.seconds
        if gathered >= 2 * seconds:
            return True
        if gathered < seconds or self._loud_until is None:
            return False
        return self._samples - self._loud_until >= QUIET_END_SECONDS * self.sample_rate

    @property
    def audio(self) -> npt.NDArray[np.float32]:
        """The gathered audio, 16 kHz mono (the speech model's input)."""
        if not self._audio:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(self._audio)

    def add_audio(self, samples: npt.NDArray[np.float32]) -> None:
        """Gather a block of audio."""
        self._audio.append(samples)
        self._samples += len(samples)
        if peak_dbfs(samples) >= MIN_PEAK_DBFS:
            self._loud_until = self._samples

    def add_frame(self, image: npt.NDArray[np.uint8], face: FaceFraming | None = None) -> None:
        """Gather a frame and, if it was analysed, its faces."""
        self._size = (image.shape[1], image.shape[0])
        self._brightness.append(brightness(image))
        if face is not None:
            self._faces.append(face)

    def result(self, *, faces_checked: bool = False) -> DeviceCheckResult:
        """What was measured; ``faces_checked`` when a face model looked at the frames."""
        level = peak_dbfs(self.audio)
        mean = sum(self._brightness) / len(self._brightness) if self._brightness else 0.0
        problems = []
        if not self._brightness:
            problems.append("no camera frames")
        elif not light_ok(mean):
            problems.append(f"camera brightness {mean:.0f} outside {BRIGHTNESS_RANGE}")
        if level < MIN_PEAK_DBFS:
            problems.append(f"microphone peak {level:.1f} dBFS below {MIN_PEAK_DBFS:g}")
        one_face = None
        if faces_checked:
            single = sum(1 for face in self._faces if face.faces == 1)
            one_face = single / len(self._faces) if self._faces else 0.0
        width, height = self._size
        return DeviceCheckResult(width, height, mean, level, tuple(problems), one_face)


def check_devices(
    camera: Camera, microphone: Microphone, seconds: float = 2.0
) -> DeviceCheckResult:
    """Read ``seconds`` of audio and a frame per 0.5 s of it; measure level and brightness."""
    block = microphone.sample_rate // 10
    measurement = Measurement(microphone.sample_rate)
    for i in range(max(1, int(seconds * 10))):
        audio = microphone.read(block, timeout=2.0)
        if audio is None:
            break
        measurement.add_audio(audio.samples)
        if i % 5 == 0:
            frame = camera.read(timeout=2.0)
            if frame is not None:
                measurement.add_frame(frame.image)
    return measurement.result()


@dataclass(frozen=True, slots=True, eq=False)
class LiveReading:
    """One step of a :class:`LiveCheck`: what the devices show and hear right now."""

    #: The BGR frame (None: the camera gave none).
    image: npt.NDArray[np.uint8] | None
    brightness: float | None
    #: Peak level of the latest audio block, dBFS (None: no audio).
    level_dbfs: float | None
    #: The face framing of this or a recent frame (None: no face model, or not yet looked).
    face: FaceFraming | None
    listening: bool
    #: Whether a face model frames the face (False: analysis off, or the model failed).
    face_check: bool = False


class LiveCheck:
    """The device-check screen's measurements, one :meth:`step` at a time.

    Not thread-safe: the devices' owner thread calls every method. ``faces`` is None when
    there is no face model (analysis off); frames are then measured for light only, as they
    are from the moment the face model fails.
    """

    def __init__(
        self,
        camera: Camera,
        microphone: Microphone,
        faces: FaceCheck | None,
        *,
        listen_seconds: float = 3.0,
        face_every: int = 2,
    ) -> None:
        self._camera = camera
        self._microphone = microphone
        self._faces = faces
        self._listen_seconds = listen_seconds
        self._face_every = max(1, face_every)
        self._steps = 0
        self._face: FaceFraming | None = None
        self._measurement: Measurement | None = None

    @property
    def faces_checked(self) -> bool:
        """Whether a face model frames the face."""
        return self._faces is not None

    @property
    def listening(self) -> bool:
        """Whether a listening window is open."""
        return self._measurement is not None

    def listen(self) -> None:
        """Open a listening window of ``listen_seconds`` or a little more (see
        :meth:`Measurement.complete`), from the next step on."""
        self._measurement = Measurement(self._microphone.sample_rate)

    def cancel(self) -> None:
        """Close a listening window without a result (the screen was left)."""
        self._measurement = None
        self._face = None

    def _look(self, faces: FaceCheck, image: npt.NDArray[np.uint8]) -> FaceFraming | None:
        try:
            return faces.look(image)
        except ModelError as exc:
            # The camera still works: go on without framing, and say so on screen.
            log.warning("the device check stops framing faces (%s)", exc.kind.value)
            self._faces = None
            return None

    def step(self) -> tuple[LiveReading, Measurement | None]:
        """Read a block of audio and a frame; the measurement once a listening window is full.

        Raises what the devices raise (``DeviceLostError`` …).
        """
        measurement = self._measurement
        rate = self._microphone.sample_rate
        if measurement is None:
            # Only the current level matters for the meter: audio queued since the last step
            # would make it lag behind the candidate's voice.
            self._microphone.discard_pending()
            block = self._microphone.read(max(1, round(rate * METER_BLOCK_SECONDS)))
        else:
            block = self._microphone.read(max(1, round(rate * LISTEN_BLOCK_SECONDS)))
        level = None
        if block is not None and block.samples.size:
            level = peak_dbfs(block.samples)
            if measurement is not None:
                measurement.add_audio(block.samples)
        frame = self._camera.read()
        image = None if frame is None else frame.image
        light = None
        looked: FaceFraming | None = None
        if image is not None:
            light = brightness(image)
            if self._faces is not None and self._steps % self._face_every == 0:
                looked = self._face = self._look(self._faces, image)
            if measurement is not None:
                measurement.add_frame(image, looked)
        self._steps += 1
        reading = LiveReading(
            image, light, level, self._face, measurement is not None, self._faces is not None
        )
        if measurement is not None and (
            block is None or measurement.complete(self._listen_seconds)
        ):
            self._measurement = None
            return reading, measurement
        return reading, None
