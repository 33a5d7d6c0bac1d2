"""The values devices hand out: video frames, audio blocks and stream facts.

They are frozen so that a frame or block can be passed between threads (capture
worker, analysis worker, recorder) without anyone changing it underneath another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeVar

import numpy as np
import numpy.typing as npt

#: How a file-backed device delivers its media: ``"realtime"`` waits so media
#: time never runs ahead of the wall clock (demo, soak tests); ``"fast"`` delivers
#: as fast as the file decodes (batch processing, tests).
Pace = Literal["realtime", "fast"]


@dataclass(frozen=True, eq=False)
class VideoFrame:
    """One picture from a camera.

    ``eq=False`` because comparing numpy arrays with ``==`` does not give a bool;
    compare ``image`` with ``numpy.array_equal`` instead.
    """

    #: Height x width x 3, ``uint8``, BGR channel order (OpenCV's native order).
    image: npt.NDArray[np.uint8]
    #: Position in the stream, counting from 0 at ``open()``.
    index: int
    #: Seconds of media time: for a file, ``index / fps``; for a live source, the
    #: monotonic time since ``open()``.
    timestamp: float


@dataclass(frozen=True, eq=False)
class AudioBlock:
    """A run of consecutive mono samples from a microphone."""

    #: 1-D ``float32`` samples in [-1, 1].
    samples: npt.NDArray[np.float32]
    #: Offset of the first sample, in samples since ``open()``; blocks from one
    #: device are contiguous, so ``start + len(samples)`` is the next block's start.
    start: int
    #: Samples per second.
    sample_rate: int

    @property
    def duration(self) -> float:
        """Length of the block in seconds."""
        return len(self.samples) / self.sample_rate


@dataclass(frozen=True)
class CameraInfo:
    """What an open camera delivers: every frame is ``width`` x ``height``."""

    width: int
    height: int
    #: Frames per second the source reports (or was asked for, when it reports none).
    fps: float


_Managed = TypeVar("_Managed", bound="ClosesOnExit")


class ClosesOnExit:
    """``with thing:`` always calls ``close()`` (for writers, which open on construction)."""

    def close(self) -> None:
        """Release the resource; safe to call twice."""
        raise NotImplementedError

    def __enter__(self: _Managed) -> _Managed:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class OpensOnEnter(ClosesOnExit):
    """``with device:`` opens the device and always closes it."""

    def open(self) -> None:
        """Acquire the device."""
        raise NotImplementedError

    def __enter__(self: _Managed) -> _Managed:
        self.open()  # type: ignore[attr-defined]  # every subclass of OpensOnEnter has open()
        return self
