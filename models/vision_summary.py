"""One answer's video in figures: :func:`summarize` turns its frames into :class:`VideoFeatures`.

The frames come from :class:`~models.vision.FaceAnalyzer` (live, or via
:func:`~models.vision.analyze_video` from a file); this module only counts and times what they
show: shares of frames, the longest look away, blinks, head movement, and the spans behind each
:class:`~models.features.Measure`. It is separate from :mod:`models.vision` because it needs no
MediaPipe or OpenCV and changes for other reasons (what a report states, not how a face is
measured). It imports the per-frame record from :mod:`models.vision_types`, never from
:mod:`models.vision`, which imports this module for ``analyze_video``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from kiosk.errors import ErrorKind, ModelError
from models.features import Measure, Span, fill_short_gaps, runs
from models.vision_types import GAZE_PITCH_MAX, GAZE_YAW_MAX, FrameFeatures

#: A frame "smiles" or "furrows" from this intensity on.
ON_THRESHOLD = 0.5
#: Blinks: the eye aspect ratio under this share of the answer's median, for at most BLINK_MAX_S.
BLINK_FRACTION, BLINK_MAX_S = 0.6, 0.5
#: Looking away: gaps in it up to this long are bridged (a blink, a missed frame); only spells
#: at least LOOK_AWAY_MIN_S long are listed.
LOOK_AWAY_BRIDGE_S, LOOK_AWAY_MIN_S = 0.2, 0.5


@dataclass(frozen=True, slots=True)
class VisionBin:
    """One bin of :meth:`VideoFeatures.timeline`; ``None`` where nothing was measured."""

    t: float
    #: Share of the bin's frames with a face.
    face_present: float
    #: Most faces in one frame of the bin.
    faces: int
    #: Share of the frames with a measured gaze that look at the camera.
    gaze_on: float | None
    smile: float | None
    brow_furrow: float | None
    motion: float | None


@dataclass(frozen=True, slots=True)
class VideoFeatures:
    """Measured features of one answer's video. A measure is ``None`` when no frame gave
    anything to measure (no face mesh, no Pose)."""

    duration: float
    frames: tuple[FrameFeatures, ...]
    face_present_ratio: Measure
    multiple_faces_ratio: Measure
    gaze_on_camera_ratio: Measure | None
    looking_away_longest: Measure
    head_yaw_sd: Measure | None
    head_pitch_sd: Measure | None
    blink_rate: Measure | None
    smile_ratio: Measure | None
    brow_furrow_ratio: Measure | None
    gesture_amplitude: Measure | None

    def measures(self) -> tuple[Measure, ...]:
        """Every measure that is present, in a stable order (for reports and storage)."""
        found = (
            self.face_present_ratio, self.multiple_faces_ratio, self.gaze_on_camera_ratio,
            self.looking_away_longest, self.head_yaw_sd, self.head_pitch_sd, self.blink_rate,
            self.smile_ratio, self.brow_furrow_ratio, self.gesture_amplitude,
        )  # fmt: skip
        return tuple(m for m in found if m is not None)

    def timeline(self, bin_seconds: float = 1.0) -> tuple[VisionBin, ...]:
        """Per-bin presence, faces, gaze, smile, brow furrow and motion, for a heatmap."""
        if not bin_seconds > 0:
            raise ModelError("bin_seconds must be positive", kind=ErrorKind.INVALID_INPUT)
        groups: dict[int, list[FrameFeatures]] = {}
        start = self.frames[0].timestamp
        for frame in self.frames:
            groups.setdefault(int((frame.timestamp - start) // bin_seconds), []).append(frame)
        return tuple(
            VisionBin(
                t=round(start + index * bin_seconds, 6),
                face_present=sum(f.face_present for f in group) / len(group),
                faces=max(f.faces for f in group),
                gaze_on=_mean(
                    [None if f.gaze_on_camera is None else float(f.gaze_on_camera) for f in group]
                ),
                smile=_mean([f.smile for f in group]),
                brow_furrow=_mean([f.brow_furrow for f in group]),
                motion=_mean([f.body_motion for f in group]),
            )
            for index, group in sorted(groups.items())
        )


def summarize(frames: Sequence[FrameFeatures], fps: float) -> VideoFeatures:
    """Summarise an answer's frames (in time order, analysed at ``fps`` frames per second)."""
    if not frames or fps <= 0:
        raise ModelError("need frames and a positive fps", kind=ErrorKind.INVALID_INPUT)
    times, step = np.array([f.timestamp for f in frames]), 1.0 / fps

    def spans(mask: npt.NDArray[np.bool_]) -> tuple[Span, ...]:
        # Frame i stands for [t_i, t_i + 1 / fps).
        return tuple(Span(float(times[a]), float(times[b - 1]) + step) for a, b in runs(mask))

    def column(name: str) -> list[float | None]:
        return [getattr(f, name) for f in frames]

    present = np.array([f.face_present for f in frames])
    several = np.array([f.multiple_faces for f in frames])
    measured = np.array([f.gaze_on_camera is not None for f in frames])
    on = np.array([f.gaze_on_camera is True for f in frames])
    bridge = round(LOOK_AWAY_BRIDGE_S * fps)
    # Gaze off the camera while the face is seen; for the longest spell, no face counts too.
    off = [
        s for s in spans(fill_short_gaps(measured & ~on, bridge)) if s.duration >= LOOK_AWAY_MIN_S
    ]
    longest = max(spans(fill_short_gaps(~on, bridge)), key=lambda s: s.duration, default=None)
    detected = "Full-range face detection on every analysed frame"
    gaze = (
        f"head pose plus iris position within the eye corners, within {GAZE_YAW_MAX:.0f} deg "
        f"sideways and {GAZE_PITCH_MAX:.0f} deg up or down of the camera"
    )
    return VideoFeatures(
        duration=float(times[-1] - times[0]) + step,
        frames=tuple(frames),
        face_present_ratio=Measure(
            "face_present_ratio", float(np.mean(present)), "ratio", spans(~present),
            f"{detected}; spans without a face.",
        ),
        multiple_faces_ratio=Measure(
            "multiple_faces_ratio", float(np.mean(several)), "ratio", spans(several),
            f"{detected}; spans with two or more faces.",
        ),
        gaze_on_camera_ratio=Measure(
            "gaze_on_camera_ratio", np.count_nonzero(on) / np.count_nonzero(measured), "ratio",
            tuple(off),
            f"Share of frames with a face and open eyes whose gaze ({gaze}) is on the camera; "
            f"spans away for {LOOK_AWAY_MIN_S} s or more.",
        ) if measured.any() else None,
        looking_away_longest=Measure(
            "looking_away_longest", longest.duration if longest else 0.0, "s",
            () if longest is None else (longest,),
            f"Longest spell without gaze on the camera ({gaze}; no face counts as away), "
            f"bridging interruptions up to {LOOK_AWAY_BRIDGE_S} s.",
        ),
        head_yaw_sd=_statistic("head_yaw_sd", column("yaw"), np.std, "deg", "SD of head yaw"),
        head_pitch_sd=_statistic(
            "head_pitch_sd", column("pitch"), np.std, "deg", "SD of head pitch"
        ),
        blink_rate=_blink_rate(column("eye_openness"), spans, step * np.count_nonzero(present)),
        smile_ratio=_share(
            "smile_ratio", column("smile"), spans,
            "mouth corners pulled up and out (width and lift over the eye distance)",
        ),
        brow_furrow_ratio=_share(
            "brow_furrow_ratio", column("brow_furrow"), spans,
            "inner brows drawn together and down (gap and height over the eye distance)",
        ),
        gesture_amplitude=_statistic(
            "gesture_amplitude", column("body_motion"), np.mean, "shoulder widths/s",
            "Mean Pose shoulder and wrist movement per second",
        ),
    )  # fmt: skip


Spans = Callable[[npt.NDArray[np.bool_]], tuple[Span, ...]]


def _mean(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return float(np.mean(known)) if known else None


def _statistic(
    name: str, values: Sequence[float | None], stat: Callable[[Any], Any], unit: str, what: str
) -> Measure | None:
    known = [v for v in values if v is not None]
    if not known:
        return None
    return Measure(name, float(stat(known)), unit, (), f"{what} over {len(known)} frames.")


def _share(name: str, values: Sequence[float | None], spans: Spans, what: str) -> Measure | None:
    known = np.array([v is not None for v in values])
    if not known.any():
        return None
    above = np.array([v is not None and v >= ON_THRESHOLD for v in values])
    how = f"Share of frames with a face mesh where {what} reaches {ON_THRESHOLD} of 1; spans above."
    return Measure(
        name, np.count_nonzero(above) / np.count_nonzero(known), "ratio", spans(above), how
    )


def _blink_rate(openness: Sequence[float | None], spans: Spans, seen: float) -> Measure | None:
    """Blinks per minute of face time (``seen`` seconds), from dips in the eye aspect ratio."""
    ear = np.array([np.nan if v is None else v for v in openness], dtype=np.float64)
    known = np.isfinite(ear)
    if not known.any():
        return None
    closed = known & (ear < BLINK_FRACTION * float(np.median(ear[known])))
    # A blink is a short dip between open frames; a longer one is eyes closed, not a blink.
    bounded = [a > 0 and b < ear.size and known[a - 1] and known[b] for a, b in runs(closed)]
    blinks = tuple(
        span
        for span, inside in zip(spans(closed), bounded, strict=True)
        if inside and span.duration <= BLINK_MAX_S + 1e-9
    )
    how = (
        f"Dips of the eye aspect ratio under {BLINK_FRACTION} of the answer's median lasting at "
        f"most {BLINK_MAX_S} s, per minute with a face; sampled frames miss the shortest blinks."
    )
    return Measure(
        "blink_rate", len(blinks) * 60.0 / seen if seen > 0 else 0.0, "per min", blinks, how
    )
