"""``kiosk run --replay``: the app on replay devices, for machines without camera or microphone.

The camera replays the shipped sample video of a face; the microphone plays silence, and the
sample candidate's recorded voice whenever "the candidate" has to speak (the device check and
each spoken answer), so the whole journey, analysis included, works at a desk or in a test.
The devices are built by :func:`kiosk.app.assemble` from the config like real ones: the UI only
changes the config and cues clips.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol, cast

from kiosk.config import KioskConfig, Pace
from kiosk.demo import load_candidates, samples_dir
from kiosk.errors import ConfigError


class CueableMicrophone(Protocol):
    """A microphone that plays a clip on request (:class:`hardware.ReplayMicrophone`)."""

    def cue(self, path: str | Path) -> None:
        """Play ``path`` from its start, replacing whatever is playing."""


def replay_config(config: KioskConfig, *, data_dir: Path, pace: Pace = "realtime") -> KioskConfig:
    """``config`` on replay devices playing the shipped sample media, with its data in
    ``data_dir`` (kept apart from real interviews, as the demo's are)."""
    camera = dataclasses.replace(
        config.camera,
        kind="replay",
        source=str(samples_dir() / "media" / "face_steady.mp4"),
        pace=pace,
        loop=True,
    )
    microphone = dataclasses.replace(config.microphone, kind="replay", source="", pace=pace)
    return dataclasses.replace(config, data_dir=data_dir, camera=camera, microphone=microphone)


def sample_clips() -> dict[str, Path]:
    """A recorded spoken answer per question id, from the shipped demo candidates."""
    clips: dict[str, Path] = {}
    for candidate in load_candidates():
        for question_id, answer in candidate.answers.items():
            if "audio" in answer:
                clips.setdefault(question_id, samples_dir() / str(answer["audio"]))
    return clips


class ReplayVoice:
    """Speaks for the candidate into a replay microphone (a :class:`ui.engine_data.CandidateVoice`).

    Called on the engine thread when the candidate has to speak; a question without a sample
    answer gets ``fallback`` (by default the ~2 s "I am ready" of the microphone check).
    """

    def __init__(
        self,
        microphone: CueableMicrophone,
        clips: Mapping[str, Path] | None = None,
        *,
        check_clip: Path | None = None,
        fallback: Path | None = None,
    ) -> None:
        media = samples_dir() / "media"
        self._microphone = microphone
        self._clips = dict(clips or {})
        self._check_clip = check_clip or media / "mic_check.ogg"
        self._fallback = fallback or self._check_clip

    @classmethod
    def from_samples(cls, microphone: CueableMicrophone) -> ReplayVoice:
        """The voice of the shipped demo candidates."""
        return cls(microphone, sample_clips())

    def device_check(self) -> None:
        """Say "I am ready" for the microphone check."""
        self._microphone.cue(self._check_clip)

    def answer(self, question_id: str) -> None:
        """Speak the recorded answer to ``question_id``."""
        self._microphone.cue(self._clips.get(question_id, self._fallback))


def as_cueable(microphone: object) -> CueableMicrophone:
    """``microphone`` as one that clips can be cued into; ConfigError if it is a real one."""
    if not callable(getattr(microphone, "cue", None)):
        raise ConfigError("the replay voice needs a replay microphone (microphone.kind = replay)")
    return cast(CueableMicrophone, microphone)
