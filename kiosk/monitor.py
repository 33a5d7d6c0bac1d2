"""Live watching of an answer's audio: end it after a long silence, warn when nobody speaks.

Runs on the recorder's audio thread, block by block, through a streaming voice activity
detector (~0.3 ms per 32 ms of audio). It never acts on the engine directly: it *posts* a
``FinishAnswer`` and calls the notice callback, and the runner's owner thread applies them.
:meth:`AnswerMonitor.observe` returns the detector's state after the block, which live
analysis cuts its speech chunks at: the VAD runs once per block for both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
import numpy.typing as npt

from hardware import AudioBlock

#: Speech needed before a silence can end the answer (a pause before speaking is thinking).
MIN_SPEECH_SECONDS = 1.0


class VadStateLike(Protocol):
    """What the monitor reads of a streaming VAD's state."""

    @property
    def speech_seconds(self) -> float: ...

    @property
    def silence_seconds(self) -> float: ...

    @property
    def total_seconds(self) -> float: ...


class StreamingVad(Protocol):
    """A streaming voice activity detector (``models.vad.LiveVad`` fits)."""

    def update(self, block: npt.NDArray[np.float32]) -> VadStateLike: ...


class AnswerMonitor:
    """Watches one recording at a time; :meth:`start` before each."""

    def __init__(
        self,
        new_vad: Callable[[], StreamingVad],
        *,
        silence_end_seconds: float,
        no_speech_warn_seconds: float,
        on_finish: Callable[[], None],
        on_warning: Callable[[str], None],
    ) -> None:
        self._new_vad = new_vad
        self._silence_end = silence_end_seconds
        self._warn_after = no_speech_warn_seconds
        self._on_finish = on_finish
        self._on_warning = on_warning
        self._vad: StreamingVad | None = None
        self._finished = self._warned = False

    def start(self) -> None:
        """A new recording begins."""
        self._vad = self._new_vad()
        self._finished = self._warned = False

    def observe(self, block: AudioBlock) -> VadStateLike | None:
        """Called with every captured block (audio thread); the VAD's state after it (None
        before :meth:`start`). The VAD keeps running after the answer was ended or the
        warning given: live analysis still reads it until the recorder stops."""
        if self._vad is None:
            return None
        state = self._vad.update(block.samples)
        if self._finished:
            return state
        if (
            self._silence_end > 0
            and state.speech_seconds >= MIN_SPEECH_SECONDS
            and state.silence_seconds >= self._silence_end
        ):
            self._finished = True
            self._on_finish()
        elif (
            not self._warned
            and state.speech_seconds < 0.3
            and state.total_seconds >= self._warn_after
        ):
            self._warned = True
            self._on_warning("no_speech")
        return state
