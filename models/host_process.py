"""The model process itself (``python -m models.host_process``): the other end of
:mod:`models.host`.

It serves each socket it is handed on a thread of its own until that socket closes, and exits
when the app's control socket closes (the app ended, or closed its :class:`ModelHost`), so it
never outlives the app. Its priority is lowered first thing, before any thread exists, so
every thread it starts (Whisper's and MediaPipe's own pools too) inherits it.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.reduction import recv_handle
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from kiosk.errors import ErrorKind, KioskError
from models.registry import ModelRegistry
from models.speech import SpeechRecognizer, Transcript, Word
from models.vad import SpeechSegment, VoiceActivityDetector
from models.vision_types import FrameFeatures
from models.voice import VoiceFeatures, analyze_voice


def _reply(connection: Connection, work: Callable[..., Any], *args: Any) -> bool:
    """Send ``work(*args)``'s result or its error; False when the socket is gone."""
    try:
        reply: tuple[Any, ...] = ("ok", work(*args))
    except KioskError as error:
        reply = ("error", error.kind.value, str(error))
    except Exception as error:
        # Model code's own errors: the type and where, for the app's log (no data in them).
        where = traceback.extract_tb(error.__traceback__)[-1]
        text = f"{type(error).__name__}: {error} ({Path(where.filename).name}:{where.lineno})"
        reply = ("error", ErrorKind.INTERNAL.value, text)
    try:
        connection.send(reply)
        return True
    except OSError:
        return False


class _Speech:
    """The helper's Whisper models (one per language) and voice activity detector, shared by
    its speech and voice channels."""

    def __init__(self, registry: ModelRegistry, asr_threads: int) -> None:
        self._registry = registry
        self._threads = asr_threads
        self._models: dict[str, SpeechRecognizer] = {}
        self._vad: VoiceActivityDetector | None = None
        self._lock = threading.Lock()
        self._vad_lock = threading.Lock()  # not behind a Whisper model that is loading

    def model(self, language: str) -> SpeechRecognizer:
        with self._lock:
            if language not in self._models:
                info = self._registry.speech_model_for(language)
                self._models[language] = SpeechRecognizer(info, cpu_threads=self._threads)
            return self._models[language]

    def load(self, language: str) -> None:
        self.model(language)

    def transcribe(
        self, model: str, language: str, samples: npt.NDArray[np.float32], context: str
    ) -> Transcript:
        return self.model(model).transcribe(samples, language, context=context)

    def measure(
        self, samples: npt.NDArray[np.float32], words: tuple[Word, ...], language: str
    ) -> tuple[tuple[SpeechSegment, ...], VoiceFeatures]:
        with self._vad_lock:
            if self._vad is None:
                self._vad = VoiceActivityDetector(self._registry.vad_model())
            vad = self._vad
        speech = vad.speech_segments(samples)
        return speech, analyze_voice(samples, 16_000, words, speech, language)

    def serve(self, connection: Connection, options: dict[str, Any]) -> None:
        """Answer one speech or voice channel (no options) until it closes."""
        verbs: dict[str, Callable[..., Any]] = {
            "load": self.load,
            "transcribe": self.transcribe,  # the model's language, the audio's, samples, context
            "measure": self.measure,
        }
        with connection:
            while True:
                try:
                    request = connection.recv()
                except (OSError, EOFError):
                    return
                if not _reply(connection, verbs[request[0]], *request[1:]):
                    return


def _serve_faces(connection: Connection, options: dict[str, Any]) -> None:
    """One face analyser, created on this thread (MediaPipe's graphs belong to one thread)."""
    from models.vision import FaceAnalyzer  # noqa: PLC0415 - cv2 and MediaPipe: helper only

    analyzer: FaceAnalyzer | None = None

    def analyze(image: npt.NDArray[np.uint8], timestamp: float) -> FrameFeatures:
        nonlocal analyzer
        if analyzer is None:
            analyzer = FaceAnalyzer(**options)
        return analyzer.analyze(image, timestamp)

    def reset() -> None:
        if analyzer is not None:
            analyzer.reset()

    try:
        while True:
            try:
                request = connection.recv()
            except (OSError, EOFError):
                return
            if request[0] == "analyze":
                ok = _reply(connection, analyze, *request[1:])
            elif request[0] == "reset":
                ok = _reply(connection, reset)
            else:  # close
                _reply(connection, lambda: None)
                return
            if not ok:
                return
    finally:
        if analyzer is not None:
            analyzer.close()
        connection.close()


def main(argv: list[str]) -> None:
    """The helper: serve channels until the app's control socket closes."""
    control_fd, nice = int(argv[0]), int(argv[1])
    os.nice(nice)  # see the module docstring
    # Ctrl-C in a terminal reaches the whole process group: the app decides when this ends.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=logging.WARNING, format="model process: %(levelname)s: %(message)s")
    control = Connection(control_fd)
    _, registry, asr_threads = control.recv()
    speech = _Speech(registry, asr_threads)
    control.send(("ok", os.getpid()))
    while True:
        try:
            _, kind, options = control.recv()
            fd = recv_handle(control)
        except (OSError, EOFError):
            break
        # Speech and voice channels share the helper's models; each face channel has its own.
        target = _serve_faces if kind == "faces" else speech.serve
        channel = Connection(fd)
        threading.Thread(target=target, args=(channel, options), name=kind, daemon=True).start()
        control.send(("ok", None))
    # Serving threads may be inside native code; nothing is left to save.
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
