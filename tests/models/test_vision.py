"""Vision features with the real MediaPipe models on the sample videos (a real face: NASA's
portrait of Eileen Collins) and on frames whose content is known."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from hardware import ReplayCamera
from kiosk.errors import ErrorKind, ModelError
from models.features import Span
from models.vision import (
    FaceAnalyzer,
    FaceBox,
    FrameFeatures,
    VideoFeatures,
    analyze_video,
    head_angles,
    summarize,
)

MEDIA = Path(__file__).resolve().parents[2] / "kiosk" / "samples" / "media"
FPS = 10.0


def replay(name: str, *, pose: bool = True) -> VideoFeatures:
    """Every frame of a sample video through one analyser, as the live kiosk would see it."""
    frames = []
    with FaceAnalyzer(pose=pose) as analyzer, ReplayCamera(MEDIA / name, pace="fast") as camera:
        while (frame := camera.read()) is not None:
            frames.append(analyzer.analyze(frame.image, frame.timestamp))
    return summarize(frames, FPS)


@pytest.fixture(scope="module")
def steady() -> VideoFeatures:
    return analyze_video(MEDIA / "face_steady.mp4")


@pytest.fixture(scope="module")
def first_frame() -> npt.NDArray[np.uint8]:
    with ReplayCamera(MEDIA / "face_steady.mp4", pace="fast") as camera:
        frame = camera.read()
    assert frame is not None
    return frame.image


@pytest.fixture
def analyzer() -> Iterator[FaceAnalyzer]:
    with FaceAnalyzer(pose=False) as face_analyzer:
        yield face_analyzer


def values(frames: tuple[FrameFeatures, ...], name: str) -> list[float]:
    return [v for f in frames if (v := getattr(f, name)) is not None]


@pytest.mark.slow
def test_a_steady_face_is_present_alone_and_looks_into_the_lens(steady: VideoFeatures) -> None:
    assert len(steady.frames) == 80 and steady.duration == pytest.approx(8.0)
    assert steady.face_present_ratio.value >= 0.95
    assert steady.multiple_faces_ratio.value <= 0.02
    assert steady.gaze_on_camera_ratio is not None
    assert steady.gaze_on_camera_ratio.value >= 0.9
    assert steady.looking_away_longest.value < 0.5
    # The portrait is frontal; the video only sways and rolls her by a few degrees.
    for angle in ("yaw", "pitch", "roll"):
        measured = values(steady.frames, angle)
        assert len(measured) >= 76
        assert max(abs(a) for a in measured) < 10, angle
    assert steady.head_yaw_sd is not None and steady.head_yaw_sd.value < 3
    assert steady.head_pitch_sd is not None and steady.head_pitch_sd.value < 3
    # A still photograph never blinks, and her eyes are open throughout.
    assert steady.blink_rate is not None and steady.blink_rate.value == 0
    assert min(values(steady.frames, "eye_openness")) > 0.2
    # She smiles broadly in the portrait and does not frown.
    assert steady.smile_ratio is not None and steady.smile_ratio.value >= 0.9
    assert steady.brow_furrow_ratio is not None and steady.brow_furrow_ratio.value <= 0.05
    # Small sway only: well under a shoulder width per second.
    assert steady.gesture_amplitude is not None and steady.gesture_amplitude.value < 0.2
    rows = steady.timeline(1.0)
    assert [r.t for r in rows] == [float(i) for i in range(8)]
    assert all(r.face_present == 1.0 and r.faces == 1 for r in rows)
    assert all(r.gaze_on is not None and r.smile is not None for r in rows)


def test_a_candidate_who_leaves_gives_a_span_without_a_face() -> None:
    away = replay("face_away.mp4")
    gone = away.face_present_ratio.spans
    # She slides out between 0.4 and 0.9 s and back between 2.55 and 3.05 s.
    assert len(gone) == 1
    assert 1.5 <= gone[0].duration <= 2.5
    assert 0.4 <= gone[0].start <= 1.0 and 2.5 <= gone[0].end <= 3.1
    assert away.face_present_ratio.value == pytest.approx(1 - gone[0].duration / 4.0, abs=0.01)
    # Absence is looking away, and the longest spell of it is that span.
    longest = away.looking_away_longest
    assert longest.spans == (gone[0],) or (
        longest.spans[0].start <= gone[0].start and longest.spans[0].end >= gone[0].end
    )
    assert longest.value == pytest.approx(longest.spans[0].duration)
    assert any(r.face_present == 0.0 and r.gaze_on is None for r in away.timeline())
    # Sliding out of the frame is a large body movement next to the steady clip's sway.
    assert away.gesture_amplitude is not None and away.gesture_amplitude.value > 0.3


def test_a_second_person_gives_multiple_faces_with_their_spans() -> None:
    two = replay("two_faces.mp4", pose=False)
    assert two.multiple_faces_ratio.value >= 0.6
    assert two.face_present_ratio.value >= 0.95
    # The second person steps in between 0.4 and 1.0 s and stays to the end.
    spans = two.multiple_faces_ratio.spans
    assert spans[0].start <= 1.2 and spans[-1].end == pytest.approx(4.0)
    assert sum(s.duration for s in spans) == pytest.approx(two.multiple_faces_ratio.value * 4.0)
    # The main face is the candidate: the larger, centred one.
    last = two.frames[-1]
    assert last.faces == 2 and last.box is not None
    assert last.box.width > last.boxes[1].width
    assert 110 <= last.box.x + last.box.width / 2 <= 210
    assert max(r.faces for r in two.timeline()) == 2


def test_a_black_frame_has_no_face(analyzer: FaceAnalyzer) -> None:
    black = analyzer.analyze(np.zeros((240, 320, 3), np.uint8), 0.0)
    assert black.faces == 0 and not black.face_present and black.box is None
    assert black.yaw is None and black.gaze_on_camera is None and black.smile is None
    summary = summarize([black, analyzer.analyze(np.zeros((480, 640, 3), np.uint8), 0.1)], FPS)
    assert summary.face_present_ratio.value == 0.0
    assert summary.face_present_ratio.spans == (Span(0.0, 0.2),)
    assert summary.gaze_on_camera_ratio is None and summary.smile_ratio is None
    assert summary.looking_away_longest.value == pytest.approx(0.2)


def rotated(image: npt.NDArray[np.uint8], degrees: float) -> npt.NDArray[np.uint8]:
    """``image`` turned counter-clockwise on screen by ``degrees`` about the face."""
    matrix = cv2.getRotationMatrix2D((160.0, 100.0), degrees, 1.0)
    turned = cv2.warpAffine(image, matrix, (320, 240), borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(turned, dtype=np.uint8)


def test_roll_follows_a_rotation_and_a_mirror_flips_yaw_and_roll(
    first_frame: npt.NDArray[np.uint8],
) -> None:
    def angles(image: npt.NDArray[np.uint8]) -> tuple[float, float, float]:
        # A fresh analyser each time: no landmark tracking from the previous picture.
        with FaceAnalyzer(pose=False) as fresh:
            found = fresh.analyze(image, 0.0)
        assert found.yaw is not None and found.pitch is not None and found.roll is not None
        return found.yaw, found.pitch, found.roll

    yaw, pitch, roll = angles(first_frame)
    for degrees in (15.0, -15.0):
        assert angles(rotated(first_frame, degrees))[2] - roll == pytest.approx(degrees, abs=3)
    mirrored = angles(np.ascontiguousarray(first_frame[:, ::-1]))
    assert mirrored[0] == pytest.approx(-yaw, abs=2)
    assert mirrored[2] == pytest.approx(-roll, abs=2)
    assert mirrored[1] == pytest.approx(pitch, abs=3)


def rotation(axis: str, degrees: float) -> npt.NDArray[np.float64]:
    """A rotation in a camera frame with x right, y up and z towards the camera."""
    c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    return {
        "yaw": np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]]),  # turns the face to image right
        "pitch": np.array([[1, 0, 0], [0, c, s], [0, -s, c]]),  # tilts it up
        "roll": np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]),  # counter-clockwise on screen
    }[axis]


@pytest.mark.parametrize("axis", ["yaw", "pitch", "roll"])
def test_head_angles_of_a_rotated_landmark_cloud(axis: str) -> None:
    # The landmarks head_angles uses, on a frontal face (camera frame, pixels): eye corners,
    # forehead, chin. Real 3-D head turns are not in the sample videos, so turn the points.
    face = np.zeros((478, 3))
    face[[33, 133, 362, 263]] = [(-45, 30, -10), (-15, 30, -5), (15, 30, -5), (45, 30, -10)]
    face[10], face[152] = (0, 80, 0), (0, -70, 0)
    flip = np.array([1.0, -1.0, -1.0])  # FaceMesh's y points down and its z away

    def angles(points: npt.NDArray[np.float64]) -> dict[str, float]:
        return dict(zip(("yaw", "pitch", "roll"), head_angles(points * flip), strict=True))

    frontal = angles(face)
    assert frontal["yaw"] == pytest.approx(0, abs=1e-6)
    assert frontal["roll"] == pytest.approx(0, abs=1e-6)
    for degrees in (25.0, -25.0):
        turned = angles(face @ rotation(axis, degrees).T)
        assert turned[axis] - frontal[axis] == pytest.approx(degrees, abs=0.5)
        for other in {"yaw", "pitch", "roll"} - {axis}:
            assert turned[other] == pytest.approx(frontal[other], abs=0.5)


def test_summary_counts_blinks_and_spans_from_frames() -> None:
    # 6 s at 10 fps: eyes open (0.3) with two blinks (0.2 s and 0.1 s), then 1 s with the eyes
    # closed, which is not a blink; gaze off camera for 0.8 s; smiles for the last 2 s.
    openness = [0.3] * 60
    openness[10:12] = [0.1, 0.1]
    openness[30] = 0.12
    openness[45:55] = [0.05] * 10
    face = (FaceBox(120, 60, 80, 80, 0.9),)
    frames = [
        FrameFeatures(
            timestamp=i / FPS,
            boxes=face,
            yaw=0.0,
            pitch=0.0,
            gaze_on_camera=not 20 <= i < 28,
            eye_openness=openness[i],
            smile=0.8 if i >= 40 else 0.1,
            brow_furrow=0.0,
        )
        for i in range(60)
    ]
    summary = summarize(frames, FPS)
    assert summary.blink_rate is not None
    assert [(s.start, s.end) for s in summary.blink_rate.spans] == [
        pytest.approx((1.0, 1.2)),
        pytest.approx((3.0, 3.1)),
    ]
    assert summary.blink_rate.value == pytest.approx(2 / (6 / 60))
    assert summary.looking_away_longest.value == pytest.approx(0.8)
    assert summary.looking_away_longest.spans[0].start == pytest.approx(2.0)
    assert summary.gaze_on_camera_ratio is not None
    assert summary.gaze_on_camera_ratio.value == pytest.approx(52 / 60)
    assert summary.smile_ratio is not None and summary.smile_ratio.value == pytest.approx(1 / 3)
    assert summary.smile_ratio.spans == (Span(4.0, 6.0),)
    assert summary.brow_furrow_ratio is not None and summary.brow_furrow_ratio.value == 0
    assert summary.gesture_amplitude is None  # Pose never ran
    assert [r.smile for r in summary.timeline(2.0)] == pytest.approx([0.1, 0.1, 0.8])


def test_bad_input_is_refused(analyzer: FaceAnalyzer) -> None:
    with pytest.raises(ModelError) as error:
        analyzer.analyze(np.zeros((240, 320), np.uint8), 0.0)
    assert error.value.kind is ErrorKind.INVALID_INPUT
    with pytest.raises(ModelError):
        analyzer.analyze(np.zeros((240, 320, 3), np.float32), 0.0)
    with pytest.raises(ModelError):
        summarize([], FPS)
    with pytest.raises(ModelError) as error:
        analyze_video(MEDIA / "missing.mp4")
    assert error.value.kind is ErrorKind.MEDIA_INVALID
    analyzer.close()
    analyzer.close()  # twice is fine
    with pytest.raises(ModelError):
        analyzer.analyze(np.zeros((240, 320, 3), np.uint8), 0.0)
