"""The analysis pipeline: each recorded answer becomes a sealed analysis record, on a worker.

Answer *k* is analysed while the candidate answers *k + 1*: the runner submits a job when a
recording is kept, one worker thread runs speech recognition, voice activity, voice and video
features on it, and the record is stored (sealed) before the next job starts. The queue is
bounded; capture never waits for analysis, because recording runs on its own threads.

A record holds measurements only (transcript words with times, voice and video measures,
timelines). Content analysis and scoring are recomputed from it when the result is fused: they
are deterministic, fast, and depend on the bank version, which the result records.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hardware import decode_audio
from kiosk.analysis import ContentAnalysis, TimedText, TimedToken, analyze_content
from kiosk.bank import Question
from kiosk.errors import KioskError
from kiosk.live import LiveAnswer
from kiosk.recording import recording_id
from kiosk.scoring.delivery import DeliveryScore, visual_delivery, voice_delivery
from kiosk.scoring.fusion import AnswerSignals
from kiosk.scoring.integrity import AnswerObservations
from kiosk.store import SessionStore
from kiosk.vault.envelope import SessionKey
from kiosk.vault.media import read_audio, read_frames
from models.host import HostError, ModelHost, RemoteVoice
from models.registry import ModelRegistry
from models.speech import SpeechRecognizer, Transcriber, Transcript
from models.vad import SpeechSegment, VoiceActivityDetector
from models.vision import (
    FaceAnalyzer,
    FrameAnalyzer,
    VideoFeatures,
    analysed_rate,
    analyze_frames,
    analyze_video,
    summarize,
)
from models.voice import VoiceFeatures, analyze_voice

log = logging.getLogger(__name__)

RECORD_VERSION = 1


@dataclass(frozen=True, slots=True)
class AnalysisJob:
    """One kept answer to analyse."""

    session_id: str
    index: int
    attempt: int
    question_id: str
    language: str
    audio_path: Path
    video_path: Path | None
    #: What live analysis measured while the answer was recorded (None: analyse the files).
    live: LiveAnswer | None = None
    #: The session's data key when the files are the kiosk's encrypted recordings; None for
    #: plain media files (``kiosk analyze``, benchmarks).
    key: SessionKey | None = None

    def read_audio(self) -> npt.NDArray[np.float32]:
        """The answer's samples at 16 kHz, decrypted or decoded in memory."""
        if self.key is None:
            return decode_audio(self.audio_path, 16_000)
        return read_audio(self.audio_path, self.key, recording_id(self.index, self.attempt))

    def read_frames(self) -> Iterable[tuple[float, npt.NDArray[np.uint8]]] | None:
        """The recorded frames (None for a plain video file: analyse it by path)."""
        if self.key is None or self.video_path is None:
            return None
        return read_frames(self.video_path, self.key, recording_id(self.index, self.attempt))


#: How long the worker waits for live analysis to finish an answer before analysing its files.
LIVE_RESULT_TIMEOUT = 120.0


class AnswerAnalyzer:
    """Runs the on-device models on one recorded answer. Models load on first use, once.

    With a ``host`` (the app's), Whisper and MediaPipe run in the model process
    (:mod:`models.host`), so they never hold this process's interpreter lock and, at its lower
    priority, never keep the GUI thread from a core; if that process is unavailable they load
    here instead, as they do without one.
    Voice activity always runs here: the answer monitor needs it on the audio thread, and it
    costs about a millisecond per second of audio.
    """

    def __init__(
        self,
        registry: ModelRegistry,
        *,
        asr_threads: int = 1,
        vision_fps: float = 10.0,
        host: ModelHost | None = None,
    ):
        self._registry = registry
        self._asr_threads = asr_threads
        self._vision_fps = vision_fps
        self._host = host
        self._recognizers: dict[str, SpeechRecognizer] = {}
        self._vad: VoiceActivityDetector | None = None
        self._faces: FrameAnalyzer | None = None  # created on the worker thread that uses it
        self._voice: RemoteVoice | None = None  # the worker's, in the model process
        self._lock = threading.Lock()  # the worker and the live speech thread load models

    @property
    def host(self) -> ModelHost | None:
        """The model process the models run in, if any."""
        return self._host

    def recognizer(self, language: str) -> Transcriber:
        """The verified speech model for ``language`` (ModelError if there is none): in the
        model process when there is one and it runs, else in this process."""
        if self._host is not None:
            try:
                return self._host.recognizer(language)
            except HostError as exc:
                log.warning("the speech model runs in the app: %s", exc)
        return self.local_recognizer(language)

    def local_recognizer(self, language: str) -> SpeechRecognizer:
        """The verified speech model for ``language``, loaded in this process."""
        with self._lock:
            if language not in self._recognizers:
                info = self._registry.speech_model_for(language)
                self._recognizers[language] = SpeechRecognizer(info, cpu_threads=self._asr_threads)
            return self._recognizers[language]

    def face_analyzer(self) -> FrameAnalyzer:
        """A new face analyser for the calling thread (in the model process if there is one)."""
        if self._host is not None:
            try:
                return self._host.face_analyzer()
            except HostError as exc:
                log.warning("face analysis runs in the app: %s", exc)
        return FaceAnalyzer()

    def vad(self) -> VoiceActivityDetector:
        """The voice activity detector."""
        with self._lock:
            if self._vad is None:
                self._vad = VoiceActivityDetector(self._registry.vad_model())
            return self._vad

    def warm_up(self) -> None:
        """Load and run the vision models once, now: their first use imports MediaPipe and
        matplotlib and builds graphs (seconds, much of it holding the interpreter lock), which
        must not happen during an answer. Call it behind a start-up screen."""
        vad = self.vad()
        vad.probabilities(np.zeros(16_000, np.float32))  # onnxruntime's first run allocates
        if self._host is not None:
            try:
                self._host.warm_up()
                return
            except HostError as exc:
                log.warning("face analysis runs in the app: %s", exc)
        with FaceAnalyzer() as faces:
            faces.analyze(np.zeros((240, 320, 3), np.uint8), 0.0)

    def close(self) -> None:
        """Free the face models and stop the model process (after the worker stopped)."""
        if self._faces is not None:
            self._faces.close()
            self._faces = None
        if self._voice is not None:
            self._voice.close()
            self._voice = None
        if self._host is not None:
            self._host.close()

    def analyze(self, job: AnalysisJob) -> dict[str, Any]:
        """The analysis record of one answer (JSON-ready; sealed by the store)."""
        audio = job.read_audio()
        seconds = len(audio) / 16_000
        live = job.live.result(LIVE_RESULT_TIMEOUT) if job.live is not None else None
        if live is not None and abs(live.transcript.duration - seconds) > 0.5:
            # The file and the taps disagree (a write failed?): trust the file.
            log.warning("live analysis of answer %d does not match its file", job.index)
            live = None
        transcript = live.transcript if live is not None else self._transcribe(job, audio)
        speech, voice = self._measure_voice(job, audio, transcript)
        record: dict[str, Any] = {
            "version": RECORD_VERSION,
            "question_id": job.question_id,
            "language": job.language,
            "seconds": seconds,
            "transcript": {
                "text": transcript.text,
                "model": transcript.model,
                "mean_word_probability": transcript.mean_word_probability,
                "low_confidence": transcript.low_confidence,
                "words": [[w.start, w.end, w.text, w.probability] for w in transcript.words],
            },
            "speech": [[s.start, s.end] for s in speech],
            "voice": _measures(voice.measures()),
            "voice_timeline": [dataclasses.asdict(row) for row in voice.timeline()],
            "models": {"speech": transcript.model, "vad": self.vad().model.label},
        }
        record["pipeline"] = (
            {"mode": "files"}
            if live is None
            else {
                "mode": "live",
                "speech_chunks": live.chunks,
                "frames_analysed": len(live.frames),
                "frames_dropped": live.frames_dropped,
            }
        )
        if job.video_path is not None and job.video_path.exists():
            if live is not None and live.frames:
                # Frames the mailbox dropped leave gaps: the rate actually analysed counts.
                video = summarize(live.frames, analysed_rate(live.frames, live.frame_fps))
            else:
                video = self._analyze_video(job, job.video_path)
            record["video"] = _measures(video.measures())
            record["video_timeline"] = [dataclasses.asdict(row) for row in video.timeline()]
            record["models"]["vision"] = "mediapipe-0.10.21 face-detection-full+face-mesh+pose"
        return record

    def _measure_voice(
        self, job: AnalysisJob, audio: npt.NDArray[np.float32], transcript: Transcript
    ) -> tuple[tuple[SpeechSegment, ...], VoiceFeatures]:
        if self._host is not None:
            # ~0.1 s of NumPy per answer, right when the next screen is drawn: not here.
            try:
                if self._voice is None:
                    self._voice = self._host.voice()
                return self._voice.measure(audio, transcript.words, job.language)
            except HostError as exc:
                log.warning("answer %d's voice is measured in the app: %s", job.index, exc)
                if self._voice is not None:
                    self._voice.close()
                    self._voice = None
        speech = self.vad().speech_segments(audio)
        return speech, analyze_voice(audio, 16_000, transcript.words, speech, job.language)

    def _transcribe(self, job: AnalysisJob, audio: npt.NDArray[np.float32]) -> Transcript:
        try:
            return self.recognizer(job.language).transcribe(audio, job.language)
        except HostError as exc:
            # The model process died under this answer: it is transcribed here after all.
            log.warning("answer %d is transcribed in the app: %s", job.index, exc)
            return self.local_recognizer(job.language).transcribe(audio, job.language)

    def _analyze_video(self, job: AnalysisJob, path: Path) -> VideoFeatures:
        if self._faces is None:
            self._faces = self.face_analyzer()
        try:
            return self._video_features(job, path, self._faces)
        except HostError as exc:
            # The model process died under this answer: its video is analysed here after all.
            log.warning("answer %d's video is analysed in the app: %s", job.index, exc)
            self._faces.close()
            self._faces = FaceAnalyzer()
            return self._video_features(job, path, self._faces)

    def _video_features(
        self, job: AnalysisJob, path: Path, analyzer: FrameAnalyzer
    ) -> VideoFeatures:
        frames = job.read_frames()
        if frames is None:
            return analyze_video(path, sample_fps=self._vision_fps, analyzer=analyzer)
        return analyze_frames(frames, sample_fps=self._vision_fps, analyzer=analyzer)


def _measures(measures: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in measures:
        if m is None:
            continue
        out[m.name] = {
            "value": m.value,
            "unit": m.unit,
            "spans": [[s.start, s.end] for s in m.spans],
            "method": m.method,
        }
    return out


class AnalysisWorker:
    """One thread analysing submitted answers in order; results go straight to the store."""

    def __init__(
        self,
        analyzer: AnswerAnalyzer,
        store: SessionStore,
        now: Callable[[], float],
        *,
        queue_size: int = 8,
    ) -> None:
        self._analyzer = analyzer
        self._store = store
        self._now = now
        self._jobs: queue.Queue[AnalysisJob | None] = queue.Queue(maxsize=queue_size)
        self._idle = threading.Condition()
        self._pending = 0
        self._thread = threading.Thread(target=self._run, name="analysis", daemon=True)
        self._thread.start()
        self.timings: list[float] = []  # seconds per job, for benchmarks and logs

    @property
    def analyzer(self) -> AnswerAnalyzer:
        """The models the worker runs (closed by the owner after :meth:`stop`)."""
        return self._analyzer

    def submit(self, job: AnalysisJob) -> None:
        """Queue an answer for analysis (blocks only if the bounded queue is full)."""
        with self._idle:
            self._pending += 1
        self._jobs.put(job)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every submitted job is analysed; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def stop(self) -> None:
        """Finish the queued jobs and end the thread."""
        self._jobs.put(None)
        self._thread.join(timeout=300)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            started = time.monotonic()
            try:
                record = self._analyzer.analyze(job)
            except KioskError as exc:
                log.warning("analysis of answer %d failed: %s", job.index, exc.kind.value)
                record = {
                    "version": RECORD_VERSION,
                    "question_id": job.question_id,
                    "language": job.language,
                    "error": exc.kind.value,
                }
            except Exception:
                log.exception("analysis of answer %d failed unexpectedly", job.index)
                record = {
                    "version": RECORD_VERSION,
                    "question_id": job.question_id,
                    "language": job.language,
                    "error": "internal",
                }
            try:
                self._store.save_analysis(
                    job.session_id, job.index, job.attempt, record, self._now(), key=job.key
                )
            except KioskError:
                log.exception("could not store the analysis of answer %d", job.index)
            self.timings.append(time.monotonic() - started)
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()


# -- from a record to the signals fusion needs -------------------------------------------------


def signals_from_record(
    index: int,
    question: Question,
    record: Mapping[str, Any] | None,
    *,
    seconds: float,
    language: str,
    choice: int | None = None,
) -> AnswerSignals:
    """Rebuild an answer's fusion signals from its stored record (None: not analysed)."""
    if choice is not None or question.kind.value == "ability_mcq":
        correct = choice is not None and choice == question.correct_option
        obs = AnswerObservations(question.id, language, seconds)
        return AnswerSignals(index, question.id, language, obs, choice_correct=correct)
    if record is None or "error" in record:
        obs = AnswerObservations(question.id, language, seconds)
        return AnswerSignals(index, question.id, language, obs)
    transcript = record["transcript"]
    # Whisper's words come without spaces; English tokens carry their leading space again so
    # the joined text reads as spoken (Chinese joins without separators).
    space = "" if language == "zh" else " "
    tokens = tuple(
        TimedToken(text=space + w[2], start=w[0], end=w[1], probability=w[3])
        for w in transcript["words"]
    )
    text = TimedText.from_tokens(tokens, language) if tokens else TimedText.from_plain("", language)
    content: ContentAnalysis | None = None
    if text.text.strip():
        content = analyze_content(question, None, text)
    voice = record.get("voice", {})
    video = record.get("video", {})
    speech_seconds = sum(e - s for s, e in record.get("speech", []))
    obs = AnswerObservations(
        question_id=question.id,
        language=language,
        seconds=record.get("seconds", seconds),
        speech_seconds=speech_seconds,
        word_count=content.word_count if content else 0,
        asr_confidence=transcript["mean_word_probability"] if tokens else None,
        face_present_ratio=_value(video, "face_present_ratio"),
        no_face_spans=_spans(video, "face_present_ratio"),
        multiple_faces_ratio=_value(video, "multiple_faces_ratio"),
        multiple_faces_spans=_spans(video, "multiple_faces_ratio"),
        gaze_on_ratio=_value(video, "gaze_on_camera_ratio"),
        looking_away_longest=_value(video, "looking_away_longest"),
        looking_away_spans=_spans(video, "looking_away_longest"),
    )
    return AnswerSignals(
        index,
        question.id,
        language,
        obs,
        content=content,
        voice=_voice_delivery(voice, language),
        visual=_visual_delivery(video),
        transcript=text.text,
    )


def _value(measures: Mapping[str, Any], name: str) -> float | None:
    m = measures.get(name)
    return None if m is None else float(m["value"])


def _spans(measures: Mapping[str, Any], name: str) -> tuple[tuple[float, float], ...]:
    m = measures.get(name)
    return () if m is None else tuple((float(s), float(e)) for s, e in m["spans"])


def _voice_delivery(voice: Mapping[str, Any], language: str) -> DeliveryScore | None:
    rate, fillers, pause = (
        _value(voice, n) for n in ("speaking_rate", "filler_rate", "pause_longest")
    )
    if rate is None:
        return None
    return voice_delivery(
        language=language,
        speaking_rate=rate,
        filler_rate=fillers or 0.0,
        longest_pause=pause or 0.0,
        pitch_variation_semitones=_value(voice, "pitch_sd_semitones"),
    )


def _visual_delivery(video: Mapping[str, Any]) -> DeliveryScore | None:
    gaze, smile = _value(video, "gaze_on_camera_ratio"), _value(video, "smile_ratio")
    if gaze is None or smile is None:
        return None
    return visual_delivery(gaze_on_camera=gaze, smile_ratio=smile)
