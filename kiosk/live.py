"""Analysis while an answer is being recorded, so its record is ready seconds after it ends.

Analysing a two-minute answer after the fact takes longer than the candidate is willing to wait
for the last one (about 0.2 s per second of answer on the kiosks). Most of that work does not
need the whole answer, so it runs during the answer, fed by the recorder's taps:

* **Speech**: audio goes to a speech thread that cuts it into chunks at pauses (voice activity
  from the live VAD) and transcribes each chunk as soon as it is cut. When the answer ends only
  the last chunk is left.
* **Vision**: the newest recorded frame waits in a one-frame mailbox for the vision thread. If
  the thread falls behind, older frames are dropped rather than queued, so vision can never
  stall capture and never builds a backlog; the record counts what was dropped.

The threads serve one answer at a time (``begin`` … ``end``); ``end`` returns a handle whose
:meth:`LiveAnswer.result` the analysis worker waits on. Anything that fails here only costs
speed: the worker then analyses the recorded files as before.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import numpy.typing as npt

from hardware import AudioBlock, VideoFrame, fit_frame
from kiosk.errors import KioskError
from models.speech import SpeechRecognizer, Transcript, join_transcripts
from models.vad import LiveVad
from models.vision import FaceAnalyzer, FrameFeatures

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
#: A chunk is cut at the first pause once it holds this much audio. Measured on the sample
#: answers joined into 100 s answers (tiny.en): cuts from 15 s on, each chunk given the text
#: before it as context, had a WER of 12.8 % against 14.5 % for the whole file at once (8 s: 17 %).
#: The last chunk is rarely longer than that and transcribes in about a second and a half.
CHUNK_MIN_SECONDS = 15.0
#: A pause of at least this much trailing silence is a place to cut (between sentences).
CUT_SILENCE_SECONDS = 0.35
#: Without a pause, cut anyway before Whisper's 30 s window, at the quietest recent block.
CHUNK_MAX_SECONDS = 25.0
_QUIET_SEARCH_BLOCKS = 20
#: How much of the text before a chunk is given to Whisper as its context.
_CONTEXT_CHARS = 200

Key = tuple[int, int]  # (answer index, attempt)


@dataclass(frozen=True, slots=True)
class LivePartial:
    """What live analysis measured for one answer."""

    transcript: Transcript
    frames: tuple[FrameFeatures, ...]
    #: Rate the frames were recorded at; each analysed frame stands for 1 / fps seconds.
    frame_fps: float
    frames_dropped: int
    chunks: int


class LiveAnswer:
    """The pending live result of one answer; completed by the speech thread."""

    def __init__(self, key: Key) -> None:
        self.key = key
        self._done = threading.Event()
        self._partial: LivePartial | None = None
        self._error: str | None = None

    def result(self, timeout: float) -> LivePartial | None:
        """The partial analysis, or None if it failed or took longer than ``timeout``."""
        if not self._done.wait(timeout):
            log.warning("live analysis of answer %d did not finish in %.0f s", self.key[0], timeout)
            return None
        return self._partial

    @property
    def error(self) -> str | None:
        """Why live analysis gave nothing (an error kind), once done."""
        return self._error

    def _complete(self, partial: LivePartial | None, error: str | None = None) -> None:
        self._partial, self._error = partial, error
        self._done.set()


@dataclass(frozen=True, slots=True)
class _Begin:
    language: str


@dataclass(frozen=True, slots=True)
class _End:
    handle: LiveAnswer
    frames: tuple[FrameFeatures, ...] | None  # None: vision failed
    dropped: int


@dataclass(frozen=True, slots=True)
class _Close:
    pass


# What the speech thread is sent; a bare array is a block of audio.
_Message = _Begin | _End | _Close | npt.NDArray[np.float32]


class _Chunker:
    """Cuts one answer's audio into chunks at pauses."""

    def __init__(self, vad: LiveVad) -> None:
        self._vad = vad
        self._blocks: list[npt.NDArray[np.float32]] = []
        self._buffered = 0
        self.offset = 0  # samples already cut off

    def add(self, samples: npt.NDArray[np.float32]) -> tuple[int, npt.NDArray[np.float32]] | None:
        """Add a block; returns (start sample, chunk) when a chunk is cut."""
        self._blocks.append(samples)
        self._buffered += len(samples)
        state = self._vad.update(samples)
        seconds = self._buffered / SAMPLE_RATE
        if seconds >= CHUNK_MIN_SECONDS and state.silence_seconds >= CUT_SILENCE_SECONDS:
            return self._cut(len(self._blocks))
        if seconds >= CHUNK_MAX_SECONDS:
            recent = self._blocks[-_QUIET_SEARCH_BLOCKS:]
            quietest = int(np.argmin([float(np.mean(np.square(b))) for b in recent]))
            return self._cut(len(self._blocks) - len(recent) + quietest + 1)
        return None

    def flush(self) -> tuple[int, npt.NDArray[np.float32]] | None:
        """The rest of the answer as a last chunk (None if there is none)."""
        return self._cut(len(self._blocks)) if self._blocks else None

    def _cut(self, blocks: int) -> tuple[int, npt.NDArray[np.float32]]:
        chunk = np.concatenate(self._blocks[:blocks])
        start = self.offset
        self._blocks = self._blocks[blocks:]
        self._buffered -= len(chunk)
        self.offset += len(chunk)
        return start, chunk


class _AnswerSpeech:
    """The speech side of one answer on the speech thread: chunks and their transcripts."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.error: str | None = None
        self._recognizer: SpeechRecognizer | None = None
        self._chunker: _Chunker | None = None
        self._parts: list[tuple[float, Transcript]] = []

    def start(
        self, recognizer: Callable[[str], SpeechRecognizer], vad: Callable[[], LiveVad]
    ) -> None:
        self._recognizer = recognizer(self.language)
        self._chunker = _Chunker(vad())

    def add(self, samples: npt.NDArray[np.float32]) -> None:
        if self._chunker is not None:
            self._transcribe(self._chunker.add(samples))

    def guard(self, step: Callable[[], None]) -> None:
        """Run a step; after a failure the answer is left to the file analysis."""
        if self.error is not None:
            return
        try:
            step()
        except KioskError as exc:
            self.error = exc.kind.value
        except Exception:
            log.exception("live speech recognition failed")
            self.error = "internal"

    def finish(
        self, frames: tuple[FrameFeatures, ...] | None, dropped: int, fps: float
    ) -> LivePartial | None:
        if frames is None:
            # Vision failed on some frame: keep the transcript, let the worker analyse the
            # video file (no frames here means exactly that to it).
            frames = ()
        self.guard(
            lambda: self._transcribe(None if self._chunker is None else self._chunker.flush())
        )
        if self.error is not None or self._chunker is None:
            return None
        transcript = (
            join_transcripts(self._parts, self._chunker.offset / SAMPLE_RATE)
            if self._parts
            else None
        )
        if transcript is None:
            return None
        return LivePartial(transcript, frames, fps, dropped, len(self._parts))

    def _transcribe(self, cut: tuple[int, npt.NDArray[np.float32]] | None) -> None:
        if cut is None or self._recognizer is None:
            return
        start, chunk = cut
        separator = "" if self.language == "zh" else " "
        context = separator.join(t.text for _, t in self._parts)[-_CONTEXT_CHARS:]
        transcript = self._recognizer.transcribe(chunk, self.language, context=context)
        self._parts.append((start / SAMPLE_RATE, transcript))


class LiveAnalysis:
    """The speech and vision threads that analyse the answer being recorded.

    ``recognizer`` gives the speech model for a language and ``vad`` a fresh live tracker; the
    face analyser is created on the vision thread, which owns it. Call :meth:`begin` before
    recording an answer and :meth:`end` after the recorder stopped, from one thread; the taps
    :meth:`on_audio` and :meth:`on_frame` are called from the recorder's threads.
    """

    def __init__(
        self,
        recognizer: Callable[[str], SpeechRecognizer],
        vad: Callable[[], LiveVad],
        *,
        video_size: tuple[int, int] = (320, 240),
        frame_fps: float = 10.0,
    ) -> None:
        self._recognizer = recognizer
        self._vad = vad
        self._video_size = video_size
        self._frame_fps = frame_fps
        self._audio: queue.SimpleQueue[_Message] = queue.SimpleQueue()
        # Vision: a one-frame mailbox (newest wins) and the frames analysed for the answer.
        self._vision = threading.Condition()
        self._mailbox: tuple[int, VideoFrame, float] | None = None
        self._busy = False
        self._generation = 0
        self._frames: list[FrameFeatures] = []
        self._dropped = 0
        self._vision_failed = False
        self._closed = False
        self._recording: Key | None = None
        self._threads = [
            threading.Thread(target=self._speech_loop, name="live-speech", daemon=True),
            threading.Thread(target=self._vision_loop, name="live-vision", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    # -- control (one thread: the interview runner) ----------------------------------------

    def begin(self, key: Key, language: str) -> None:
        """Start analysing a new answer (the previous one must have ended)."""
        with self._vision:
            self._generation += 1
            self._mailbox = None
            self._frames, self._dropped, self._vision_failed = [], 0, False
            self._recording = key
        self._audio.put(_Begin(language))

    def end(self, key: Key) -> LiveAnswer:
        """The answer ``key`` stopped recording: finish it on the threads."""
        handle = LiveAnswer(key)
        with self._vision:
            # The recorder has stopped, so no new frame comes; wait for the one in hand.
            while self._busy or self._mailbox is not None:
                if not self._vision.wait(timeout=5.0):
                    log.warning("live vision did not settle in 5 s; its frames are dropped")
                    self._vision_failed = True
                    break
            frames = None if self._vision_failed else tuple(self._frames)
            dropped = self._dropped
            self._recording = None
            self._generation += 1  # a late frame of this answer is ignored
        self._audio.put(_End(handle, frames, dropped))
        return handle

    def close(self) -> None:
        """Stop the threads (pending answers are finished first)."""
        self._audio.put(_Close())
        with self._vision:
            self._closed = True
            self._vision.notify_all()
        for thread in self._threads:
            thread.join(timeout=30.0)

    # -- taps (recorder threads; fast, never block) -----------------------------------------

    def on_audio(self, block: AudioBlock) -> None:
        """Recorder tap: a block of the answer's audio."""
        if self._recording is not None:
            self._audio.put(block.samples)

    def on_frame(self, frame: VideoFrame, media_time: float) -> None:
        """Recorder tap: a recorded frame and its time in the answer."""
        with self._vision:
            if self._recording is None:
                return
            if self._mailbox is not None:
                self._dropped += 1
            self._mailbox = (self._generation, frame, media_time)
            self._vision.notify_all()

    # -- threads ----------------------------------------------------------------------------

    def _speech_loop(self) -> None:
        answer: _AnswerSpeech | None = None
        while not isinstance(message := self._audio.get(), _Close):
            if isinstance(message, _Begin):
                answer = _AnswerSpeech(message.language)
                answer.guard(partial(answer.start, self._recognizer, self._vad))
            elif isinstance(message, _End):
                partial_result = (
                    None
                    if answer is None
                    else answer.finish(message.frames, message.dropped, self._frame_fps)
                )
                message.handle._complete(
                    partial_result, "internal" if answer is None else answer.error
                )
                answer = None
            elif answer is not None:
                answer.guard(partial(answer.add, message))

    def _vision_loop(self) -> None:
        analyzer: FaceAnalyzer | None = None
        current = -1
        try:
            while True:
                with self._vision:
                    while (mail := self._mailbox) is None and not self._closed:
                        self._vision.wait()
                    if mail is None:  # closed
                        return
                    generation, frame, media_time = mail
                    self._mailbox = None
                    if generation != self._generation or self._vision_failed:
                        self._vision.notify_all()
                        continue
                    self._busy = True
                try:
                    if analyzer is None:
                        analyzer = FaceAnalyzer()
                    if generation != current:
                        analyzer.reset()
                        current = generation
                    image = fit_frame(frame.image, self._video_size)
                    features: FrameFeatures | None = analyzer.analyze(image, media_time)
                except Exception:
                    # Vision is only the fast path; the worker analyses the video file instead.
                    log.exception("live vision failed")
                    features = None
                with self._vision:
                    self._busy = False
                    if generation == self._generation:
                        if features is None:
                            self._vision_failed = True
                        else:
                            self._frames.append(features)
                    self._vision.notify_all()
        finally:
            if analyzer is not None:
                analyzer.close()
