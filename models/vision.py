"""What the camera sees: face presence, head pose, gaze, eyes, mouth, brows and body motion.

:class:`FaceAnalyzer` measures one frame at a time with MediaPipe 0.10.21's legacy
``solutions``: full-range face detection finds every face (FaceMesh's own detector
misses faces narrower than ~90 px and second faces), FaceMesh with iris landmarks
runs on a crop around the largest face, and Pose runs every few frames.
:func:`~models.vision_summary.summarize` turns the frames into
:class:`~models.vision_summary.VideoFeatures`, whose :class:`~models.features.Measure`
values name their spans and method.

This module holds the measuring (MediaPipe, OpenCV, landmark geometry) and
:func:`analyze_video`. The per-frame record lives in :mod:`models.vision_types` and the
per-answer summary in :mod:`models.vision_summary`, which both import from below rather than
from here, so there is no import cycle; their public names are re-exported here so that
``from models.vision import ...`` keeps working for every caller.

Everything here is a measured behaviour (geometry of landmarks), never an emotion:
"smile" is how far the mouth corners are pulled up and out, "brow furrow" how far
the inner brows are drawn together and down.

Conventions: angles in degrees; image coordinates of a non-mirrored camera. Yaw is
positive when the face turns towards the image's right, pitch when it tilts up,
roll when it rotates counter-clockwise on screen.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from kiosk.errors import ErrorKind, ModelError
from models.vision_summary import (
    BLINK_FRACTION,
    BLINK_MAX_S,
    LOOK_AWAY_BRIDGE_S,
    LOOK_AWAY_MIN_S,
    ON_THRESHOLD,
    Spans,
    VideoFeatures,
    VisionBin,
    summarize,
)
from models.vision_types import (
    GAZE_PITCH_MAX,
    GAZE_YAW_MAX,
    FaceBox,
    FrameAnalyzer,
    FrameFeatures,
)

__all__ = [
    "BLINK_FRACTION",
    "BLINK_MAX_S",
    "CROP_MARGIN",
    "CROP_SIZE",
    "EYES_CLOSED_EAR",
    "FURROW_GAP",
    "FURROW_HEIGHT",
    "GAZE_PITCH_MAX",
    "GAZE_YAW_MAX",
    "LOOK_AWAY_BRIDGE_S",
    "LOOK_AWAY_MIN_S",
    "ON_THRESHOLD",
    "PITCH_ZERO",
    "POSE_MIN_VISIBILITY",
    "SMILE_LIFT",
    "SMILE_WIDTH",
    "FaceAnalyzer",
    "FaceBox",
    "FrameAnalyzer",
    "FrameFeatures",
    "Points",
    "Spans",
    "VideoFeatures",
    "VisionBin",
    "analysed_rate",
    "analyze_frames",
    "analyze_video",
    "head_angles",
    "summarize",
]

Points = npt.NDArray[np.float64]

#: FaceMesh landmarks. "Right"/"left" are the subject's: their right eye is on the image's left.
_R_EYE = (33, 160, 158, 133, 153, 144)  # outer corner, upper lid x2, inner corner, lower lid x2
_L_EYE = (263, 387, 385, 362, 380, 373)
_R_IRIS, _L_IRIS = 468, 473
_FOREHEAD, _CHIN = 10, 152
_MOUTH_R, _MOUTH_L, _UPPER_LIP = 61, 291, 13
_BROW_R, _BROW_L = 55, 285  # inner ends of the brows
_POSE_POINTS = (11, 12, 15, 16)  # shoulders, wrists
#: The pitch FaceMesh's chin-to-forehead line gives a face looking into the lens (the sample
#: portrait, upright or mirrored: -9.3 and -10.2); subtracted so that such a face reads ~0.
PITCH_ZERO = -9.5
CROP_SIZE = 256
#: The crop around a detection box: detection boxes hug brows-to-chin; FaceMesh wants the
#: whole head with some margin, as its own pipeline does (it scales its box by 1.5-2).
CROP_MARGIN = 2.0
#: An iris offset of 1 eye width turns the eye by asin(2.5 * offset): eye width ~30 mm,
#: eyeball radius ~12 mm. Looking straight ahead, the iris centre sits ~0.05 eye widths above
#: the line through the eye corners (the corners are low on the eye's outline; sample portrait).
_EYE_WIDTH_PER_RADIUS, _IRIS_REST_DOWN = 2.5, -0.05
#: Eyes with an aspect ratio below this are closed (open: ~0.3); the iris then says nothing.
EYES_CLOSED_EAR = 0.15
#: Smile, each half of the score: mouth width over the outer-eye-corner distance from 0.58 (a
#: relaxed mouth is ~50 mm, the eye corners ~90 mm apart) to 0.72; and the corners' lift above
#: the upper lip's middle, in eye distances, from 0 (relaxed, level) to 0.06. The sample
#: portrait's broad smile measures 0.69 and 0.04, about 0.7.
SMILE_WIDTH, SMILE_LIFT = (0.58, 0.72), (0.0, 0.06)
#: Brow furrow, each half of the score: the inner-brow gap over the eye distance from 0.28 to
#: 0.20, and the inner brows' height above the inner eye corners from 0.15 to 0.10. The relaxed
#: ends are the sample portrait's (0.29, 0.155); the furrowed ends assume brows drawn ~7 mm
#: together and down. No furrowing face was at hand to calibrate them: a coarse signal.
FURROW_GAP, FURROW_HEIGHT = (0.28, 0.20), (0.15, 0.10)
POSE_MIN_VISIBILITY = 0.5


class FaceAnalyzer:
    """Measures frames with MediaPipe; one instance per thread (the graphs keep state).

    ``pose=False`` skips Pose (about 3/4 of the time); ``pose_every`` runs it on every
    n-th frame only, since body motion changes slowly. Close it (or use ``with``)
    to free the graphs.
    """

    def __init__(self, *, max_faces: int = 3, pose: bool = True, pose_every: int = 3) -> None:
        if max_faces < 1 or pose_every < 1:
            raise ModelError("max_faces and pose_every must be >= 1", kind=ErrorKind.INVALID_INPUT)
        try:
            # Imported here: mediapipe takes ~1 s to import and only the analysis workers need it.
            import mediapipe as mp  # noqa: PLC0415

            solutions: Any = mp.solutions
            self._detector = solutions.face_detection.FaceDetection(
                model_selection=1, min_detection_confidence=0.5
            )
            self._mesh = solutions.face_mesh.FaceMesh(
                static_image_mode=False, max_num_faces=1, refine_landmarks=True
            )
            self._pose = solutions.pose.Pose(model_complexity=1) if pose else None
        except (ImportError, AttributeError, RuntimeError, OSError) as error:
            raise ModelError(
                f"MediaPipe face models unavailable (need mediapipe==0.10.21): {error}"
            ) from error
        self._max_faces, self._pose_every = max_faces, pose_every
        self._open = True
        self._count = 0
        self._last_pose: tuple[float, Points, npt.NDArray[np.bool_]] | None = None

    def __enter__(self) -> FaceAnalyzer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Free the MediaPipe graphs; safe to call twice."""
        if self._open:
            self._open = False
            for graph in (self._detector, self._mesh, self._pose):
                if graph is not None:
                    graph.close()

    def reset(self) -> None:
        """Forget the previous frame (body motion is measured between frames of one video)."""
        self._count = 0
        self._last_pose = None

    def analyze(self, image_bgr: npt.NDArray[np.uint8], timestamp: float) -> FrameFeatures:
        """Measure one BGR ``uint8`` frame taken at ``timestamp`` seconds."""
        if not self._open:
            raise ModelError("the face analyser is closed", kind=ErrorKind.INTERNAL)
        if image_bgr.dtype != np.uint8 or image_bgr.ndim != 3 or image_bgr.shape[2] != 3:
            raise ModelError(
                f"need an HxWx3 uint8 BGR image, got {image_bgr.dtype} {image_bgr.shape}",
                kind=ErrorKind.INVALID_INPUT,
            )
        rgb = np.asarray(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB), dtype=np.uint8)
        boxes = self._detect(rgb)
        motion = None
        if self._pose is not None and self._count % self._pose_every == 0:
            motion = self._body_motion(self._pose, rgb, timestamp)
        self._count += 1
        points = self._landmarks(rgb, boxes[0]) if boxes else None
        if points is None:
            return FrameFeatures(timestamp, boxes, body_motion=motion)
        return _face_features(timestamp, boxes, points, motion)

    def _detect(self, rgb: npt.NDArray[np.uint8]) -> tuple[FaceBox, ...]:
        height, width = rgb.shape[:2]
        boxes = []
        for detection in self._detector.process(rgb).detections or ():
            rel = detection.location_data.relative_bounding_box
            x0, y0 = max(0, round(rel.xmin * width)), max(0, round(rel.ymin * height))
            x1 = min(width, round((rel.xmin + rel.width) * width))
            y1 = min(height, round((rel.ymin + rel.height) * height))
            if x1 > x0 and y1 > y0:
                boxes.append(FaceBox(x0, y0, x1 - x0, y1 - y0, float(detection.score[0])))
        boxes.sort(key=lambda b: b.width * b.height, reverse=True)
        return tuple(boxes[: self._max_faces])

    def _landmarks(self, rgb: npt.NDArray[np.uint8], box: FaceBox) -> Points | None:
        """FaceMesh landmarks of the face in ``box``, as (x, y, z) pixels of the full frame."""
        scale = CROP_SIZE / (CROP_MARGIN * max(box.width, box.height))
        shift_x = CROP_SIZE / 2 - (box.x + box.width / 2) * scale
        shift_y = CROP_SIZE / 2 - (box.y + box.height / 2) * scale
        warp = np.array([[scale, 0.0, shift_x], [0.0, scale, shift_y]])
        crop = cv2.warpAffine(rgb, warp, (CROP_SIZE, CROP_SIZE), borderMode=cv2.BORDER_REPLICATE)
        found = self._mesh.process(crop).multi_face_landmarks
        if not found:
            return None
        points = np.array([(p.x, p.y, p.z) for p in found[0].landmark], dtype=np.float64)
        points *= CROP_SIZE  # FaceMesh's z has roughly the scale of its x
        points[:, 0] -= shift_x
        points[:, 1] -= shift_y
        return points / scale

    def _body_motion(self, pose: Any, rgb: npt.NDArray[np.uint8], timestamp: float) -> float | None:
        found = pose.process(rgb).pose_landmarks
        if not found:
            self._last_pose = None
            return None
        height, width = rgb.shape[:2]
        marks = [found.landmark[i] for i in _POSE_POINTS]
        points = np.array([(m.x * width, m.y * height) for m in marks], dtype=np.float64)
        visible = np.array([m.visibility >= POSE_MIN_VISIBILITY for m in marks])
        last, self._last_pose = self._last_pose, (timestamp, points, visible)
        shoulders = float(np.linalg.norm(points[0] - points[1]))
        if last is None or timestamp <= last[0] or not visible[:2].all() or shoulders < 1.0:
            return None
        both = visible & last[2]
        # Per second and per shoulder width, so it compares across frame rates, pose_every,
        # distance to the camera and resolution.
        step = np.linalg.norm(points[both] - last[1][both], axis=1)
        return float(np.mean(step)) / shoulders / (timestamp - last[0])


# --- per-frame geometry -------------------------------------------------------------------


def _face_features(
    timestamp: float, boxes: tuple[FaceBox, ...], points: Points, motion: float | None
) -> FrameFeatures:
    yaw, pitch, roll = head_angles(points)
    # Landmarks in a face frame: x along the eyes, y down from them, in outer-eye-corner
    # distances, so the measures below ignore roll, face size and distance to the camera.
    xy = points[:, :2]
    along = xy[_L_EYE[0]] - xy[_R_EYE[0]]
    unit = max(float(np.linalg.norm(along)), 1e-9)
    f = (xy - xy[_R_EYE[0]]) @ (np.array([along, (-along[1], along[0])]).T / unit**2)
    ear = [_aspect_ratio(f[list(eye)]) for eye in (_R_EYE, _L_EYE)]
    # Smile: the zygomatic major pulls the mouth corners up and out (AU12): a wider mouth, and
    # corners above the upper lip's middle, which an open, talking jaw does not move.
    width = float(np.linalg.norm(f[_MOUTH_L] - f[_MOUTH_R]))
    lift = float(f[_UPPER_LIP, 1] - (f[_MOUTH_R, 1] + f[_MOUTH_L, 1]) / 2)
    smile = (_ramp(width, SMILE_WIDTH) + _ramp(lift, SMILE_LIFT)) / 2
    # Brow furrow: the corrugator draws the inner brows together and down (AU4).
    gap = float(np.linalg.norm(f[_BROW_L] - f[_BROW_R]))
    height = float(f[_R_EYE[3], 1] - f[_BROW_R, 1] + f[_L_EYE[3], 1] - f[_BROW_L, 1]) / 2
    furrow = (_ramp(gap, FURROW_GAP) + _ramp(height, FURROW_HEIGHT)) / 2
    gaze = None
    if min(ear) >= EYES_CLOSED_EAR:
        # Where the irises sit between the eye corners (in eye widths, right and down) turns
        # the eyes within the head; add the head's own turn for the direction of gaze.
        offsets = [
            (f[iris] - (f[eye[0]] + f[eye[3]]) / 2)
            / max(float(np.linalg.norm(f[eye[0]] - f[eye[3]])), 1e-9)
            for eye, iris in ((_R_EYE, _R_IRIS), (_L_EYE, _L_IRIS))
        ]
        right, down = np.mean(offsets, axis=0)
        gaze = (
            abs(yaw + _eye_turn(right)) <= GAZE_YAW_MAX
            and abs(pitch - _eye_turn(down - _IRIS_REST_DOWN)) <= GAZE_PITCH_MAX
        )
    openness = float(np.mean(ear))
    return FrameFeatures(
        timestamp, boxes, yaw=yaw, pitch=pitch, roll=roll, gaze_on_camera=gaze,
        eye_openness=openness, smile=smile, brow_furrow=furrow, body_motion=motion,
    )  # fmt: skip


def _eye_turn(offset: float) -> float:
    """Degrees an eye turns when its iris moves ``offset`` eye widths from the middle."""
    return math.degrees(math.asin(float(np.clip(_EYE_WIDTH_PER_RADIUS * offset, -1.0, 1.0))))


def head_angles(points: Points) -> tuple[float, float, float]:
    """Yaw, pitch and roll (degrees) of a face from its FaceMesh landmarks (x, y, z pixels).

    A geometric approximation instead of solvePnP: FaceMesh already gives each landmark a
    depth on the scale of x, so the face's own axes (eye to eye; chin to forehead) are 3-D
    vectors and need neither a generic head model nor the camera's focal length. The
    chin-to-forehead line leans back from the facial plane, hence ``PITCH_ZERO``.
    """
    # Camera frame with x right, y up, z towards the camera (FaceMesh's y points down and its
    # z away from the camera).
    q = points * np.array([1.0, -1.0, -1.0])
    across = q[[_L_EYE[0], _L_EYE[3]]].mean(axis=0) - q[[_R_EYE[0], _R_EYE[3]]].mean(axis=0)
    across /= max(float(np.linalg.norm(across)), 1e-9)
    up = q[_FOREHEAD] - q[_CHIN]
    up -= across * float(np.dot(up, across))
    up /= max(float(np.linalg.norm(up)), 1e-9)
    facing = np.cross(across, up)
    yaw = math.degrees(math.atan2(facing[0], facing[2]))
    pitch = math.degrees(math.atan2(facing[1], math.hypot(facing[0], facing[2]))) - PITCH_ZERO
    roll = math.degrees(math.atan2(across[1], across[0]))
    return yaw, pitch, roll


def _aspect_ratio(eye: Points) -> float:
    """Eye aspect ratio (Soukupova & Cech 2016): mean lid gap over the corner distance."""
    lids = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
    return float(lids / max(2.0 * float(np.linalg.norm(eye[0] - eye[3])), 1e-9))


def _ramp(value: float, bounds: tuple[float, float]) -> float:
    """0 at ``bounds[0]``, 1 at ``bounds[1]`` (either direction), linear and clipped between."""
    return float(np.clip((value - bounds[0]) / (bounds[1] - bounds[0]), 0.0, 1.0))


def analyze_video(
    path: Path, sample_fps: float = 10, analyzer: FrameAnalyzer | None = None
) -> VideoFeatures:
    """Analyse a video file, about ``sample_fps`` frames per second of it (file analysis after
    an answer, not live capture). Pass a long-lived ``analyzer`` to skip loading the models for
    every answer; it is reset first so nothing carries over from the previous video."""
    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            raise ModelError(f"cannot open video {path}", kind=ErrorKind.MEDIA_INVALID)
        fps = float(capture.get(cv2.CAP_PROP_FPS))
        fps = fps if math.isfinite(fps) and fps > 0 else sample_fps

        def frames() -> Iterator[tuple[float, npt.NDArray[np.uint8]]]:
            for index in itertools.count():
                ok, image = capture.read()
                if not ok or image is None:
                    return
                yield index / fps, np.asarray(image, dtype=np.uint8)

        return analyze_frames(frames(), sample_fps, analyzer)
    except ModelError as error:
        if error.kind is ErrorKind.MEDIA_INVALID and "no frames" in str(error):
            raise ModelError(
                f"video {path} has no decodable frames", kind=ErrorKind.MEDIA_INVALID
            ) from None
        raise
    finally:
        capture.release()


def analyze_frames(
    frames: Iterable[tuple[float, npt.NDArray[np.uint8]]],
    sample_fps: float = 10,
    analyzer: FrameAnalyzer | None = None,
) -> VideoFeatures:
    """Analyse timestamped frames (seconds into the answer, BGR image) at most ``sample_fps``
    per second: a video file, or a recording decrypted in memory frame by frame. Pass a
    long-lived ``analyzer`` to skip loading the models for every answer; it is reset first so
    nothing carries over from the previous answer."""
    owned = analyzer is None
    active: FrameAnalyzer = FaceAnalyzer() if analyzer is None else analyzer
    active.reset()
    analysed: list[FrameFeatures] = []
    due = -math.inf
    try:
        for timestamp, image in frames:
            # A small tolerance: timestamps are index / fps and may round just under the mark.
            if timestamp + 1e-6 >= due:
                analysed.append(active.analyze(image, timestamp))
                due = max(due, timestamp) + 1.0 / sample_fps
    finally:
        if owned:
            active.close()
    if not analysed:
        raise ModelError("the recording has no frames", kind=ErrorKind.MEDIA_INVALID)
    return summarize(analysed, analysed_rate(analysed, sample_fps))


def analysed_rate(frames: Sequence[FrameFeatures], default: float) -> float:
    """Frames per second actually analysed: one over the median step between frames."""
    steps = np.diff([f.timestamp for f in frames])
    return 1.0 / float(np.median(steps)) if len(steps) else default
