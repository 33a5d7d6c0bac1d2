"""The per-frame record the camera analysis produces, shared by measuring and summarising.

:class:`FrameFeatures` (with :class:`FaceBox`) is what :class:`~models.vision.FaceAnalyzer`
returns for one frame and what :func:`~models.vision_summary.summarize` reads. It lives in
this small module of plain data, with no MediaPipe or OpenCV, so that both of those modules
import it from below: :mod:`models.vision` needs :func:`~models.vision_summary.summarize` for
``analyze_video``, and the summary needs the frames, so defining the record in either of them
would make the two import each other. The gaze cone is here too because it is part of what
``gaze_on_camera`` means: the analyser applies it and the summary quotes it in its method text.
:class:`FrameAnalyzer` is what callers need of an analyser, so the one in the model process
(:mod:`models.host`) serves them too, without this module (or them) importing MediaPipe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

#: Gaze counts as on the camera within this cone. 15 deg sideways is about +-16 cm at 60 cm,
#: the camera plus the screen's upper middle; 20 deg vertically allows reading the screen below.
GAZE_YAW_MAX, GAZE_PITCH_MAX = 15.0, 20.0


@dataclass(frozen=True, slots=True)
class FaceBox:
    """A detected face, in pixels of the analysed frame."""

    x: int
    y: int
    width: int
    height: int
    score: float


@dataclass(frozen=True, slots=True)
class FrameFeatures:
    """What one frame shows. Per-face values are for the main (largest) face and ``None``
    when there is no face, its mesh failed, or (``body_motion``) Pose did not run."""

    timestamp: float
    #: Every detected face, largest first (at most ``max_faces``).
    boxes: tuple[FaceBox, ...] = ()
    yaw: float | None = None
    pitch: float | None = None
    roll: float | None = None
    gaze_on_camera: bool | None = None
    #: Eye aspect ratio (lid gap / eye width, mean of both eyes): ~0.3 open, < 0.15 closed.
    eye_openness: float | None = None
    #: Mouth corners pulled up and out, 0-1.
    smile: float | None = None
    #: Inner brows drawn together and down, 0-1.
    brow_furrow: float | None = None
    #: Shoulder and wrist movement since the previous Pose frame, shoulder widths per second.
    body_motion: float | None = None

    @property
    def faces(self) -> int:
        """How many faces the frame shows."""
        return len(self.boxes)

    @property
    def face_present(self) -> bool:
        """Whether the frame shows a face."""
        return bool(self.boxes)

    @property
    def multiple_faces(self) -> bool:
        """Whether the frame shows more than one face."""
        return len(self.boxes) > 1

    @property
    def box(self) -> FaceBox | None:
        """The main (largest) face."""
        return self.boxes[0] if self.boxes else None


class FrameAnalyzer(Protocol):
    """What measures frames: :class:`models.vision.FaceAnalyzer`, or its proxy in the model
    process (:class:`models.host.RemoteFaceAnalyzer`). One owner thread at a time."""

    def analyze(self, image_bgr: npt.NDArray[np.uint8], timestamp: float) -> FrameFeatures:
        """Measure one BGR ``uint8`` frame taken at ``timestamp`` seconds."""
        ...

    def reset(self) -> None:
        """Forget the previous frame (a new video or answer begins)."""
        ...

    def close(self) -> None:
        """Free the models; safe to call twice."""
        ...
