"""Choosing devices from configuration, without knowing the kiosk's config.

The core turns its config into these small specs; :func:`make_camera` and
:func:`make_microphone` construct the matching device (they do not open it, so
construction never touches hardware).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from hardware.camera import Camera, OpenCVCamera
from hardware.media import Pace
from hardware.microphone import Microphone, SoundDeviceMicrophone
from hardware.replay import ReplayCamera, ReplayMicrophone
from kiosk.errors import ConfigError


def _check_pace(pace: str) -> None:
    if pace not in get_args(Pace):
        raise ConfigError(f"pace must be one of {get_args(Pace)}, not {pace!r}")


@dataclass(frozen=True)
class CameraSpec:
    """Which camera to use and how.

    Invalid values raise ``ConfigError``, so a bad config file is reported as one.
    """

    #: ``"opencv"`` for a real camera or stream, ``"replay"`` to play a video file.
    kind: Literal["opencv", "replay"]
    #: opencv: a device index such as ``"0"``, a file path or a URL; replay: a file path.
    source: str
    #: Size of every frame, in pixels; replay files are resized to it.
    width: int = 640
    height: int = 480
    #: Frames per second asked of a real camera (replay uses the file's rate).
    fps: float = 15.0
    #: replay only: ``"realtime"`` or ``"fast"``.
    pace: Pace = "realtime"
    #: replay only: start the file again at its end.
    loop: bool = True

    def __post_init__(self) -> None:
        if self.kind not in ("opencv", "replay"):
            raise ConfigError(f"camera kind must be 'opencv' or 'replay', not {self.kind!r}")
        if not self.source:
            raise ConfigError("camera source must not be empty")
        if self.width <= 0 or self.height <= 0 or self.fps <= 0:
            raise ConfigError("camera width, height and fps must be positive")
        _check_pace(self.pace)


@dataclass(frozen=True)
class MicrophoneSpec:
    """Which microphone to use and how.

    Invalid values raise ``ConfigError``, so a bad config file is reported as one.
    """

    #: ``"sounddevice"`` for a real device, ``"replay"`` to play audio files.
    kind: Literal["sounddevice", "replay"]
    #: sounddevice: a device name or index, ``""`` for the default;
    #: replay: an audio file to start with, ``""`` for none (clips are cued later).
    source: str = ""
    #: Samples per second of every block.
    sample_rate: int = 16000
    #: replay only: ``"realtime"`` or ``"fast"``.
    pace: Pace = "realtime"
    #: replay only: deliver silence when no clip plays, like a quiet room.
    fill_silence: bool = True

    def __post_init__(self) -> None:
        if self.kind not in ("sounddevice", "replay"):
            raise ConfigError(
                f"microphone kind must be 'sounddevice' or 'replay', not {self.kind!r}"
            )
        if self.sample_rate <= 0:
            raise ConfigError("microphone sample_rate must be positive")
        _check_pace(self.pace)


def make_camera(spec: CameraSpec) -> Camera:
    """The camera ``spec`` describes, constructed but not opened."""
    if spec.kind == "replay":
        return ReplayCamera(
            spec.source, pace=spec.pace, loop=spec.loop, size=(spec.width, spec.height)
        )
    source: int | str = int(spec.source) if spec.source.isdigit() else spec.source
    return OpenCVCamera(source, width=spec.width, height=spec.height, fps=spec.fps)


def make_microphone(spec: MicrophoneSpec) -> Microphone:
    """The microphone ``spec`` describes, constructed but not opened."""
    if spec.kind == "replay":
        return ReplayMicrophone(
            spec.source or None,
            sample_rate=spec.sample_rate,
            pace=spec.pace,
            fill_silence=spec.fill_silence,
        )
    device: int | str | None = spec.source or None
    if spec.source.isdigit():
        device = int(spec.source)
    return SoundDeviceMicrophone(device, sample_rate=spec.sample_rate)
