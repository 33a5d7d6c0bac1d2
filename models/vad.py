"""Voice activity with Silero VAD v6, run directly in onnxruntime.

The model reads 16 kHz audio in windows of 512 samples (32 ms), each preceded by the last 64
samples of the window before it (zeros for the first), and carries an LSTM state ``(h, c)``
from window to window; it returns one speech probability per window. A batch of consecutive
windows in one call gives exactly the probabilities of feeding them one at a time, so
:meth:`VoiceActivityDetector.speech_segments` runs a whole clip in one call and
:class:`LiveVad` runs whatever whole windows each block completes. We feed the model here
rather than through ``faster_whisper.vad`` because that module offers only a batch function
over one process-wide cached session, with no way to carry the state across live blocks.

Both use Silero's hysteresis: a window is speech when its probability reaches ``threshold``,
or when it stays above ``threshold - 0.15`` right after speech, so the quiet end of a word does
not flicker between speech and silence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from kiosk.errors import ModelError
from models.registry import ModelInfo

SAMPLE_RATE = 16_000
WINDOW = 512  # samples the v6 model scores at a time at 16 kHz
CONTEXT = 64  # samples of the previous window it also sees
WINDOW_SECONDS = WINDOW / SAMPLE_RATE
HYSTERESIS = 0.15
_BATCH = 10_000  # windows per session call (320 s), to bound memory on long recordings

Samples = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class SpeechSegment:
    """A stretch of speech, in seconds from the start of the clip."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class VadState:
    """What a :class:`LiveVad` has heard so far, counted in whole 32 ms windows."""

    #: Speech now, or less than the tracker's ``hangover_seconds`` ago.
    speaking: bool
    #: Total time of the windows judged speech (a cough counts; judge the amount, not > 0).
    speech_seconds: float
    #: Time since the last speech window ended; equals ``total_seconds`` if nobody spoke yet.
    silence_seconds: float
    #: Audio scored so far (up to 31 ms more may wait in the buffer for its window to fill).
    total_seconds: float


class VoiceActivityDetector:
    """Silero VAD v6 in one onnxruntime session (one thread), shared by all its trackers.

    Only 16 kHz audio: the v6 model's window size is fixed for that rate.
    """

    def __init__(self, model: ModelInfo, *, threshold: float = 0.5) -> None:
        if model.kind != "silero-vad":
            raise ModelError(f"{model.label} is a {model.kind} model, not Silero VAD")
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
        onnx_files = [name for name, _ in model.files if name.endswith(".onnx")]
        if len(onnx_files) != 1:
            raise ModelError(f"{model.label}: expected one .onnx file, found {len(onnx_files)}")
        try:
            import onnxruntime  # noqa: PLC0415 - heavy; load with the model
        except ImportError as error:
            raise ModelError(f"voice activity detection needs onnxruntime: {error}") from error
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # a 32 ms window takes ~0.2 ms; threads only add overhead
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only; its warnings are about graph optimisation
        path = model.path / onnx_files[0]
        try:
            self._session = onnxruntime.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime's errors derive from Exception only
            raise ModelError(f"cannot load {model.label} from {path}: {error}") from error
        inputs = {item.name for item in self._session.get_inputs()}
        if inputs != {"input", "h", "c"}:
            raise ModelError(f"{model.label}: {path.name} is not a Silero VAD v6 model")
        self._model = model
        self._threshold = threshold

    @property
    def model(self) -> ModelInfo:
        """The model this detector runs."""
        return self._model

    @property
    def threshold(self) -> float:
        """Speech probability at which a window counts as speech."""
        return self._threshold

    def probabilities(self, audio: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.float32]:
        """Speech probability of each 32 ms window of ``audio`` (the last one zero-padded)."""
        samples = _mono(audio)
        padded = np.pad(samples, (0, -len(samples) % WINDOW))
        windows = padded.reshape(-1, WINDOW)
        probabilities, _ = self._score(windows, np.zeros(CONTEXT, np.float32), _fresh_state())
        return probabilities

    def speech_segments(
        self,
        audio: npt.NDArray[np.floating[Any]],
        *,
        min_speech_seconds: float = 0.25,
        min_silence_seconds: float = 0.3,
        pad_seconds: float = 0.05,
    ) -> tuple[SpeechSegment, ...]:
        """The stretches of speech in a clip of 16 kHz mono audio.

        Speech separated by less than ``min_silence_seconds`` is one segment, so the gaps
        between words and at commas do not split it while longer pauses (hesitations, most
        sentence ends) do; pause and speaking-rate measures want exactly those. Segments
        shorter than ``min_speech_seconds`` (clicks, coughs) are dropped. Each segment is
        widened by ``pad_seconds`` on both sides (never past the middle of the gap to its
        neighbour, nor the clip's ends), because soft onsets and word endings score below the
        threshold.
        """
        samples = _mono(audio)
        duration = len(samples) / SAMPLE_RATE
        speech = _hysteresis(self.probabilities(samples), self._threshold)
        runs: list[list[int]] = []  # [first window, end window) of speech
        for index, is_speech in enumerate(speech):
            if not is_speech:
                continue
            gap = index - runs[-1][1] if runs else None  # silent windows since the last run
            if gap is not None and (gap == 0 or gap * WINDOW_SECONDS < min_silence_seconds):
                runs[-1][1] = index + 1
            else:
                runs.append([index, index + 1])
        kept = [
            (first * WINDOW_SECONDS, min(end * WINDOW_SECONDS, duration))
            for first, end in runs
            if (end - first) * WINDOW_SECONDS >= min_speech_seconds
        ]
        segments = []
        for position, (start, end) in enumerate(kept):
            # Padding never crosses the middle of the gap to a neighbour, nor the clip's ends.
            low = (kept[position - 1][1] + start) / 2 if position else 0.0
            high = (end + kept[position + 1][0]) / 2 if position + 1 < len(kept) else duration
            segments.append(
                SpeechSegment(max(start - pad_seconds, low), min(end + pad_seconds, high))
            )
        return tuple(segments)

    def live(self, *, hangover_seconds: float = 0.3) -> LiveVad:
        """A new tracker for a live stream (one per answer); see :class:`LiveVad`."""
        return LiveVad(self, hangover_seconds=hangover_seconds)

    def _score(
        self, windows: Samples, context: Samples, state: Samples
    ) -> tuple[npt.NDArray[np.float32], Samples]:
        """Probabilities of consecutive ``windows`` (n x 512) and the LSTM state after them."""
        if not len(windows):
            return np.zeros(0, np.float32), state
        tails = np.concatenate([context[None, :], windows[:-1, -CONTEXT:]])
        batch = np.concatenate([tails, windows], axis=1)
        results = []
        for first in range(0, len(batch), _BATCH):
            try:
                probabilities, h, c = self._session.run(
                    None, {"input": batch[first : first + _BATCH], "h": state[0], "c": state[1]}
                )
            except Exception as error:  # onnxruntime's errors derive from Exception only
                raise ModelError(f"{self._model.label} failed to run: {error}") from error
            state = np.stack([h, c])
            results.append(np.asarray(probabilities, dtype=np.float32).reshape(-1))
        return np.concatenate(results), state


class LiveVad:
    """Measures speech and trailing silence in a live stream, fed blocks of any size.

    It only measures; the interview decides what a long silence means. Samples wait in a
    buffer until a whole 32 ms window is there. One tracker per stream, fed from one thread.
    """

    def __init__(self, detector: VoiceActivityDetector, *, hangover_seconds: float = 0.3) -> None:
        self._detector = detector
        self._hangover = hangover_seconds
        self._pending = np.zeros(0, np.float32)
        self._context = np.zeros(CONTEXT, np.float32)
        self._state = _fresh_state()
        self._was_speech = False
        self._windows = 0
        self._speech_windows = 0
        self._last_speech_end: int | None = None  # window count at the end of the last speech

    def update(self, block: npt.NDArray[np.floating[Any]]) -> VadState:
        """Add a block of 16 kHz mono samples; returns the state after its whole windows."""
        buffered = np.concatenate([self._pending, _mono(block)])
        whole = len(buffered) // WINDOW * WINDOW
        self._pending = buffered[whole:]
        if whole:
            windows = buffered[:whole].reshape(-1, WINDOW)
            probabilities, self._state = self._detector._score(windows, self._context, self._state)
            self._context = windows[-1, -CONTEXT:].copy()
            speech = _hysteresis(probabilities, self._detector.threshold, self._was_speech)
            for is_speech in speech:
                self._windows += 1
                if is_speech:
                    self._speech_windows += 1
                    self._last_speech_end = self._windows
            self._was_speech = speech[-1]
        return self.state

    @property
    def state(self) -> VadState:
        """The measurements so far."""
        total = self._windows * WINDOW_SECONDS
        if self._last_speech_end is None:
            silence = total
        else:
            silence = (self._windows - self._last_speech_end) * WINDOW_SECONDS
        return VadState(
            speaking=self._last_speech_end is not None and silence < self._hangover,
            speech_seconds=self._speech_windows * WINDOW_SECONDS,
            silence_seconds=silence,
            total_seconds=total,
        )


def _mono(audio: npt.NDArray[np.floating[Any]]) -> Samples:
    samples = np.ascontiguousarray(audio, dtype=np.float32)
    if samples.ndim != 1:
        raise ValueError(f"audio must be 1-D mono samples, got shape {samples.shape}")
    return samples


def _fresh_state() -> Samples:
    return np.zeros((2, 1, 1, 128), np.float32)  # (h, c), as the v6 model's inputs want them


def _hysteresis(
    probabilities: npt.NDArray[np.float32], threshold: float, was_speech: bool = False
) -> list[bool]:
    speech = []
    for probability in probabilities:
        was_speech = bool(
            probability >= threshold or (was_speech and probability >= threshold - HYSTERESIS)
        )
        speech.append(was_speech)
    return speech
