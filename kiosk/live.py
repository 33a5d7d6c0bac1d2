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

The threads only move data and keep the books: the models they call may live in the model
process (:mod:`models.host`; the app's way, so inference never competes with the GUI thread),
and the voice activity they cut at may come from the answer monitor, which already ran the VAD
on the same block (:meth:`LiveAnalysis.on_audio`), so it runs once per block, not twice.

**The no-face notice.** When the analysed frames of an answer have shown no face for
``NO_FACE_WARN_SECONDS`` of answer time, ``on_warning("no_face")`` is called, at most once per
answer (as the monitor's ``no_speech``), so the screen can ask the candidate to face the
camera. It is given under every policy profile, ``cn`` without face consent included: it uses
face *detection* only (is there a face box, the integrity and capture-quality use the camera
may always serve, and the one the ``cn`` notice names: "video is used only to check that you
are the one answering, alone"), no identification and no expression measure, and it keeps
nothing but the fact that a notice was shown. Practice answers are not analysed live, so they
get no such notice (the device check has shown the framing just before).
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
from kiosk.monitor import VadStateLike
from models.speech import Transcriber, Transcript, join_transcripts
from models.vad import LiveVad
from models.vision import FaceAnalyzer, FrameAnalyzer, FrameFeatures

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
#: Answer time without a face in the analysed frames before the no-face notice. Longer than
#: looking down to think or at notes for a moment (1-2 s, which is no framing problem and must
#: not nag), short enough that a candidate who leaned or stepped out of the picture hears it
#: within the first seconds of a one- to two-minute answer, while most of it can still be seen.
NO_FACE_WARN_SECONDS = 3.0

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


@dataclass(frozen=True, slots=True)
class _Block:
    samples: npt.NDArray[np.float32]
    silence_seconds: float | None  # from the monitor's VAD; None: the chunker runs its own


# What the speech thread is sent.
_Message = _Begin | _End | _Close | _Block


class _Chunker:
    """Cuts one answer's audio into chunks at pauses."""

    def __init__(self, vad: LiveVad | Callable[[], LiveVad]) -> None:
        # A factory is only called if a block comes without the monitor's silence measure.
        self._vad: LiveVad | Callable[[], LiveVad] = vad
        self._blocks: list[npt.NDArray[np.float32]] = []
        self._buffered = 0
        self.offset = 0  # samples already cut off

    def add(
        self, samples: npt.NDArray[np.float32], silence_seconds: float | None = None
    ) -> tuple[int, npt.NDArray[np.float32]] | None:
        """Add a block and the trailing silence after it (None: measure it here); returns
        (start sample, chunk) when a chunk is cut."""
        self._blocks.append(samples)
        self._buffered += len(samples)
        if silence_seconds is None:
            if not isinstance(self._vad, LiveVad):
                self._vad = self._vad()
            silence_seconds = self._vad.update(samples).silence_seconds
        seconds = self._buffered / SAMPLE_RATE
        if seconds >= CHUNK_MIN_SECONDS and silence_seconds >= CUT_SILENCE_SECONDS:
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
        self._recognizer: Transcriber | None = None
        self._chunker: _Chunker | None = None
        self._parts: list[tuple[float, Transcript]] = []

    def start(self, recognizer: Callable[[str], Transcriber], vad: Callable[[], LiveVad]) -> None:
        self._recognizer = recognizer(self.language)
        self._chunker = _Chunker(vad)

    def add(self, block: _Block) -> None:
        if self._chunker is not None:
            self._transcribe(self._chunker.add(block.samples, block.silence_seconds))

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

    ``recognizer`` gives the speech model for a language, ``vad`` a fresh live tracker (used
    only for blocks that come without the monitor's measure) and ``faces`` a face analyser,
    created on the vision thread, which owns it (a new one after a failure). Call :meth:`begin`
    before recording an answer and :meth:`end` after the recorder stopped, from one thread; the
    taps :meth:`on_audio` and :meth:`on_frame` are called from the recorder's threads, and
    ``on_warning`` (the no-face notice) from the vision thread.
    """

    def __init__(
        self,
        recognizer: Callable[[str], Transcriber],
        vad: Callable[[], LiveVad],
        *,
        video_size: tuple[int, int] = (320, 240),
        frame_fps: float = 10.0,
        faces: Callable[[], FrameAnalyzer] = FaceAnalyzer,
        on_warning: Callable[[str], None] | None = None,
    ) -> None:
        self._recognizer = recognizer
        self._vad = vad
        self._faces = faces
        self._on_warning = on_warning
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
        self._face_seen_at = 0.0  # answer time of the last frame with a face (0: its start)
        self._face_warned = False
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
            self._face_seen_at, self._face_warned = 0.0, False
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

    def on_audio(self, block: AudioBlock, vad: VadStateLike | None = None) -> None:
        """Recorder tap: a block of the answer's audio, with the answer monitor's VAD state
        after it if the monitor has run on it (then the VAD is not run again here)."""
        if self._recording is not None:
            silence = None if vad is None else vad.silence_seconds
            self._audio.put(_Block(block.samples, silence))

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
        analyzer: FrameAnalyzer | None = None
        current = -1  # the generation (answer) the analyser was last reset for
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
                        analyzer, current = self._faces(), -1
                    if generation != current:
                        analyzer.reset()
                        current = generation
                    image = fit_frame(frame.image, self._video_size)
                    features: FrameFeatures | None = analyzer.analyze(image, media_time)
                except Exception:
                    # Vision is only the fast path; the worker analyses the video file instead.
                    log.exception("live vision failed")
                    features = None
                    # A fresh analyser for the next answer (a new model process if it died).
                    _close_quietly(analyzer)
                    analyzer = None
                if self._book(generation, features) and self._on_warning is not None:
                    self._on_warning("no_face")
                with self._vision:
                    # Only now: end() returns once any notice of the answer has been given.
                    self._busy = False
                    self._vision.notify_all()
        finally:
            _close_quietly(analyzer)

    def _book(self, generation: int, features: FrameFeatures | None) -> bool:
        """Book a frame's features (None: vision failed); whether to give the no-face notice."""
        with self._vision:
            if generation != self._generation:
                return False
            if features is None:
                self._vision_failed = True
                return False
            self._frames.append(features)
            return self._no_face(features)

    def _no_face(self, features: FrameFeatures) -> bool:
        """Whether this frame is the one to give the no-face notice on (lock held)."""
        if features.face_present:
            self._face_seen_at = features.timestamp
            return False
        if self._face_warned or features.timestamp - self._face_seen_at < NO_FACE_WARN_SECONDS:
            return False
        self._face_warned = True
        return True


def _close_quietly(analyzer: FrameAnalyzer | None) -> None:
    """Close ``analyzer`` if there is one, logging rather than raising."""
    if analyzer is not None:
        try:
            analyzer.close()
        except Exception:
            log.exception("closing a face analyser failed")
