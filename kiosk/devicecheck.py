"""The device check before the practice question: is the camera delivering usable frames, and
does the microphone hear the candidate?

Face framing needs the vision model; this check measures what needs no model: frames arrive,
they are neither black nor blown out, and speech reaches a usable level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from hardware import Camera, Microphone

#: Mean brightness (0-255) outside this range means a covered lens or a blinding light.
BRIGHTNESS_RANGE = (40.0, 220.0)
#: The candidate's "I am ready" must peak at least this loud.
MIN_PEAK_DBFS = -30.0


@dataclass(frozen=True, slots=True)
class DeviceCheckResult:
    """Measured camera and microphone signals, and what is wrong with them."""

    width: int
    height: int
    brightness: float
    peak_dbfs: float
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """Whether the interview can go on."""
        return not self.problems


def check_devices(
    camera: Camera, microphone: Microphone, seconds: float = 2.0
) -> DeviceCheckResult:
    """Read ``seconds`` of audio and a frame per 0.5 s of it; measure level and brightness."""
    block = microphone.sample_rate // 10
    peak = 0.0
    brightness: list[float] = []
    width = height = 0
    for i in range(max(1, int(seconds * 10))):
        audio = microphone.read(block, timeout=2.0)
        if audio is None:
            break
        if audio.samples.size:
            peak = max(peak, float(np.max(np.abs(audio.samples))))
        if i % 5 == 0:
            frame = camera.read(timeout=2.0)
            if frame is not None:
                height, width = frame.image.shape[:2]
                brightness.append(float(frame.image.mean()))
    peak_dbfs = 20 * math.log10(peak) if peak > 1e-6 else -120.0
    mean_brightness = sum(brightness) / len(brightness) if brightness else 0.0
    problems = []
    if not brightness:
        problems.append("no camera frames")
    elif not BRIGHTNESS_RANGE[0] <= mean_brightness <= BRIGHTNESS_RANGE[1]:
        problems.append(f"camera brightness {mean_brightness:.0f} outside {BRIGHTNESS_RANGE}")
    if peak_dbfs < MIN_PEAK_DBFS:
        problems.append(f"microphone peak {peak_dbfs:.1f} dBFS below {MIN_PEAK_DBFS:g}")
    return DeviceCheckResult(width, height, mean_brightness, peak_dbfs, tuple(problems))
