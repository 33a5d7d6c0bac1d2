"""Speech to text with Whisper (faster-whisper on CTranslate2), one answer at a time.

The language is always given by the interview, never detected: a candidate who answers in
another language gets an empty or low-confidence transcript, not a silent switch of language
(tiny.en mostly gives nothing for espeak-ng Mandarin and low-confidence nonsense for French);
combine an empty transcript with the VAD's speech time to tell "not understood" from "said
nothing". Voice activity is our own (:mod:`models.vad`), so Whisper's VAD filter is off;
``condition_on_previous_text`` is off too, because feeding a window's text into the next is
what makes Whisper loop on noisy or silent stretches.

Clear speech transcribes deterministically (beam search at temperature 0). Audio that fails
Whisper's own checks is decoded again at higher temperatures, which samples at random: such a
transcript differs from run to run and takes far longer (real-time factor 0.5-1.7 instead of
~0.1 with tiny.en), but it ends up empty or low confidence. Decoding at temperature 0 alone
would be faster and would give confident nonsense for the same audio.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from kiosk.errors import ErrorKind, ModelError
from models.registry import ModelInfo

SAMPLE_RATE = 16_000
# Scripts written without spaces between words: segments are joined without one.
_UNSPACED_LANGUAGES = frozenset({"zh", "yue", "ja", "th", "lo", "my", "bo"})

# When a transcript is low confidence (Transcript.doubts). Calibrated with tiny.en: on the
# espeak-ng sample answers mean word probability is 0.78-0.96, segment log-probability -0.21 to
# -0.45, distinct words 70-92 %, at most 2 low words in a row, no-speech probability <= 0.23.
# Reversed speech, Mandarin or French read as English, speech under white noise at about -3 dB
# SNR and digital silence each break at least one rule (3 runs each; see tests/models).
#: Mean word probability below this.
LOW_MEAN_WORD_PROBABILITY = 0.6
#: This many consecutive words each below ``LOW_WORD_PROBABILITY`` (a garbled stretch).
LOW_RUN_WORDS = 5
LOW_WORD_PROBABILITY = 0.4
#: Mean token log-probability of the segments, weighted by their words, below this.
LOW_AVG_LOGPROB = -0.8
#: At least ``REPETITION_MIN_WORDS`` words of which fewer than this share are distinct
#: (Whisper looping "I'm a fan of the game. I'm a fan of the game. ...").
LOW_DISTINCT_WORDS = 0.35
REPETITION_MIN_WORDS = 12
#: A segment with words in a 30 s window Whisper itself thinks held no speech.
HIGH_NO_SPEECH_PROBABILITY = 0.6


@dataclass(frozen=True, slots=True)
class Word:
    """One word with its time in the clip (seconds) and Whisper's probability for it."""

    start: float
    end: float
    #: The word as spelled, with attached punctuation, without surrounding spaces.
    text: str
    probability: float


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of words Whisper decoded together (roughly a sentence)."""

    start: float
    end: float
    text: str
    #: Mean log-probability of the segment's tokens (closer to 0 is surer).
    avg_logprob: float
    #: Whisper's probability that the 30 s window holding this segment had no speech.
    no_speech_prob: float
    words: tuple[Word, ...]


@dataclass(frozen=True, slots=True)
class Transcript:
    """What was said in one clip, with timing and confidence."""

    language: str
    text: str
    #: Length of the audio in seconds.
    duration: float
    segments: tuple[Segment, ...]
    #: ``name@version`` of the model that made it.
    model: str

    @property
    def words(self) -> tuple[Word, ...]:
        """Every word of every segment, in order."""
        return tuple(word for segment in self.segments for word in segment.words)

    @property
    def mean_word_probability(self) -> float:
        """Mean of the words' probabilities; 0.0 when there are no words."""
        words = self.words
        return sum(word.probability for word in words) / len(words) if words else 0.0

    @property
    def empty(self) -> bool:
        """Nothing was said (or only punctuation was decoded from noise)."""
        return not self.words

    @property
    def doubts(self) -> tuple[str, ...]:
        """Why the text should not be trusted as it stands, one phrase per rule broken.

        Empty for an empty transcript: there is nothing to doubt; check :attr:`empty` first.
        """
        words = self.words
        if not words:
            return ()
        doubts = []
        if self.mean_word_probability < LOW_MEAN_WORD_PROBABILITY:
            doubts.append(f"mean word probability {self.mean_word_probability:.2f}")
        run = longest = 0
        for word in words:
            run = run + 1 if word.probability < LOW_WORD_PROBABILITY else 0
            longest = max(longest, run)
        if longest >= LOW_RUN_WORDS:
            doubts.append(f"{longest} unlikely words in a row")
        logprob = sum(s.avg_logprob * len(s.words) for s in self.segments) / len(words)
        if logprob < LOW_AVG_LOGPROB:
            doubts.append(f"mean log-probability {logprob:.2f}")
        distinct = len({word.text.lower().strip(".,;:!?") for word in words}) / len(words)
        if len(words) >= REPETITION_MIN_WORDS and distinct < LOW_DISTINCT_WORDS:
            doubts.append(f"repetitive ({distinct:.0%} distinct words)")
        if any(s.no_speech_prob > HIGH_NO_SPEECH_PROBABILITY for s in self.segments):
            doubts.append("words where Whisper heard no speech")
        return tuple(doubts)

    @property
    def low_confidence(self) -> bool:
        """Whether there is any :attr:`doubts` (see the ``LOW_*`` thresholds)."""
        return bool(self.doubts)


class Transcriber(Protocol):
    """What transcribes: :class:`SpeechRecognizer` here, or its proxy in the model process
    (:class:`models.host.RemoteRecognizer`)."""

    def transcribe(
        self, audio: npt.NDArray[np.floating[Any]], language: str, *, context: str = ""
    ) -> Transcript: ...


class SpeechRecognizer:
    """A Whisper model loaded once, transcribing whole clips of 16 kHz mono audio.

    ``cpu_threads=1`` is as fast as 2 for tiny.en on the kiosks and leaves a core for the
    vision loop. :meth:`transcribe` may be called from any thread; calls run one at a time.
    """

    def __init__(
        self,
        model: ModelInfo,
        *,
        device: str = "cpu",
        compute_type: str = "int8",
        cpu_threads: int = 1,
        beam_size: int = 5,
    ) -> None:
        if model.kind != "whisper":
            raise ModelError(f"{model.label} is a {model.kind} model, not a Whisper model")
        if not (model.path / "tokenizer.json").is_file():
            # Without it faster-whisper would try to download a tokenizer from the internet.
            raise ModelError(f"{model.label}: tokenizer.json missing in {model.path}")
        try:
            from faster_whisper import WhisperModel  # noqa: PLC0415 - heavy; load with the model
        except ImportError as error:
            raise ModelError(f"speech recognition needs faster-whisper: {error}") from error
        try:
            self._whisper = WhisperModel(
                str(model.path),
                device=device,
                compute_type=compute_type,
                cpu_threads=cpu_threads,
                num_workers=1,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as error:
            raise ModelError(f"cannot load {model.label} from {model.path}: {error}") from error
        self._model = model
        self._beam_size = beam_size
        # The model's own list (["en"] for an .en model) limits what the manifest claims.
        self._languages = tuple(
            code for code in model.languages if code in self._whisper.supported_languages
        )
        self._lock = threading.Lock()

    @property
    def model(self) -> ModelInfo:
        """The model this recognizer runs."""
        return self._model

    @property
    def languages(self) -> tuple[str, ...]:
        """Languages :meth:`transcribe` accepts."""
        return self._languages

    def transcribe(
        self, audio: npt.NDArray[np.floating[Any]], language: str, *, context: str = ""
    ) -> Transcript:
        """Transcribe ``audio`` (1-D, 16 kHz mono, float in [-1, 1]) spoken in ``language``.

        ``context`` is what was said just before this clip (when transcribing an answer in
        chunks): Whisper reads it as the preceding text, which keeps names, spelling and
        punctuation consistent across the cut.

        Raises :class:`ModelError` if the model does not know ``language`` or fails to run,
        and :class:`ValueError` for audio that is not 1-D.
        """
        if language not in self._languages:
            raise ModelError(
                f"{self._model.label} does not transcribe {language!r} "
                f"(it knows {', '.join(self._languages) or 'no language'})"
            )
        samples = np.ascontiguousarray(audio, dtype=np.float32)
        if samples.ndim != 1:
            raise ValueError(f"audio must be 1-D mono samples, got shape {samples.shape}")
        duration = len(samples) / SAMPLE_RATE
        if len(samples) == 0:
            return Transcript(language, "", 0.0, (), self._model.label)
        try:
            with self._lock:
                raw_segments, _ = self._whisper.transcribe(
                    samples,
                    language=language,
                    task="transcribe",
                    beam_size=self._beam_size,
                    word_timestamps=True,
                    vad_filter=False,
                    condition_on_previous_text=False,
                    initial_prompt=context or None,
                )
                # The segments are a lazy generator: decoding happens here, under the lock.
                segments = _convert(raw_segments, duration)
        except (RuntimeError, ValueError) as error:
            raise ModelError(f"{self._model.label} failed to transcribe: {error}") from error
        separator = "" if language in _UNSPACED_LANGUAGES else " "
        text = separator.join(segment.text for segment in segments)
        return Transcript(language, text, duration, segments, self._model.label)


def join_transcripts(parts: Sequence[tuple[float, Transcript]], duration: float) -> Transcript:
    """One transcript from transcripts of consecutive chunks of a clip.

    ``parts`` pairs each chunk's transcript with the chunk's start in the clip (seconds); times
    are shifted by it. ``duration`` is the whole clip's length. At least one part is needed:
    its language and model label are the result's.
    """
    if not parts:
        raise ModelError("no transcripts to join", kind=ErrorKind.INVALID_INPUT)
    first = parts[0][1]
    segments = tuple(
        dataclasses.replace(
            segment,
            start=segment.start + offset,
            end=segment.end + offset,
            words=tuple(
                dataclasses.replace(w, start=w.start + offset, end=w.end + offset)
                for w in segment.words
            ),
        )
        for offset, transcript in parts
        for segment in transcript.segments
    )
    separator = "" if first.language in _UNSPACED_LANGUAGES else " "
    text = separator.join(t.text for _, t in parts if t.text)
    return Transcript(first.language, text, duration, segments, first.model)


def _convert(raw_segments: Iterable[Any], duration: float) -> tuple[Segment, ...]:
    segments = []
    for raw in raw_segments:
        words = tuple(
            Word(
                # Whisper's word times can overshoot the clip's end by a frame or two.
                start=min(max(float(word.start), 0.0), duration),
                end=min(max(float(word.end), 0.0), duration),
                text=word.word.strip(),
                probability=float(word.probability),
            )
            for word in raw.words or ()
            if _has_content(word.word)
        )
        if not words:
            # Noise often decodes to a lone "." or "..."; that is silence, not an answer.
            continue
        segments.append(
            Segment(
                start=min(float(raw.start), duration),
                end=min(float(raw.end), duration),
                text=raw.text.strip(),
                avg_logprob=float(raw.avg_logprob),
                no_speech_prob=float(raw.no_speech_prob),
                words=words,
            )
        )
    return tuple(segments)


def _has_content(text: str) -> bool:
    # str.isalnum is true for letters and digits of every script, Chinese characters included.
    return any(character.isalnum() for character in text)
