"""Whisper and MediaPipe in a helper process of their own, at a lower CPU priority.

Why a process: the kiosk's GUI thread must never be blocked for more than 50 ms during an
interview. With the models on threads of the app's process it was (63-165 ms, ``make bench``):
while an answer was recorded, Whisper's and MediaPipe's native threads kept both cores busy,
so the GUI thread, woken by its timer, waited up to ~160 ms for a CPU (its run-queue delay,
read from ``/proc/thread-self/schedstat``), and their Python halves (MediaPipe's first import,
its per-frame protobuf wrapping, Whisper's decoding loop) held the interpreter lock the GUI
needed. In a process of their own they share no lock with the GUI, and at ``nice`` +10 the
kernel runs the GUI thread first whenever both want a core; on an idle machine nothing is
slower, since a niced process still gets every core nobody else wants.

What runs here is only the models' work: :class:`ModelHost` starts the process (``python -m
models.host_process``) and hands out proxies with the same verbs as the local models,
:class:`RemoteRecognizer` (``transcribe``), :class:`RemoteFaceAnalyzer` (``analyze``,
``reset``, ``close``) and :class:`RemoteVoice` (voice activity and voice measures of a whole
answer, the analysis worker's remaining NumPy work). Each proxy talks over a socket pair of its
own (its far end passed to the helper with ``SCM_RIGHTS``), served there by a thread of its
own, so speech and vision run side by side as they did on threads. Requests and replies are
pickled tuples; replies are ``("ok", value)`` or ``("error", kind, message)``.

Failures: a model error in the helper comes back as the same :class:`ModelError`; trouble with
the process itself (it died, it did not answer) is a :class:`HostError`. The next proxy handed
out starts a new helper, until ``MAX_FAILURES`` helpers have failed; callers that cannot wait
for that (the analysis worker) load the model in their own process instead. The helper exits
when the app's end of the control socket closes, so it never outlives the app.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.reduction import send_handle
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from kiosk.errors import ErrorKind, KioskError, ModelError
from models.registry import ModelRegistry
from models.speech import Transcript, Word
from models.vad import SpeechSegment
from models.vision_types import FrameFeatures
from models.voice import VoiceFeatures

log = logging.getLogger(__name__)

#: How much lower the helper's CPU priority is than the app's: at +10 a busy helper gets about
#: a tenth of a core the app's threads also want (the kernel's weights: 1024 against 110).
NICE = 10
#: Seconds to wait for a reply. Generous: a Whisper chunk at +10 on a busy terminal can take
#: tens of seconds; a helper silent this long is stuck and is stopped.
REPLY_TIMEOUT = 300.0
#: Loading a model (verifying its files first) may take a while on a slow terminal.
LOAD_TIMEOUT = 600.0
#: Helpers that may die or fail to start over the host's life; then the models run in the app
#: (a helper that keeps dying must not cost every answer a restart).
MAX_FAILURES = 3


class HostError(ModelError):
    """The helper process is unavailable (did not start, died, or stopped answering)."""

    default_kind = ErrorKind.INTERNAL


class _Channel:
    """One socket to a serving thread in the helper; one request at a time."""

    def __init__(
        self, connection: Connection, generation: int, on_broken: Callable[[int], None]
    ) -> None:
        self.generation = generation
        self._connection = connection
        self._on_broken = on_broken
        self._lock = threading.Lock()

    def call(self, request: tuple[Any, ...], timeout: float = REPLY_TIMEOUT) -> Any:
        with self._lock:
            try:
                self._connection.send(request)
                if not self._connection.poll(timeout):
                    self._on_broken(self.generation)
                    raise HostError(f"the model process did not answer {request[0]!r} in time")
                reply = self._connection.recv()
            except (OSError, EOFError, pickle.PickleError) as error:
                # Its sockets close before the process can be seen to have ended: say so.
                self._on_broken(self.generation)
                raise HostError(f"the model process is gone ({type(error).__name__})") from error
        if reply[0] == "ok":
            return reply[1]
        raise ModelError(reply[2], kind=ErrorKind(reply[1]))

    def close(self) -> None:
        # After the helper ended, a call in flight returns at once (end of file), so the lock
        # comes free; if it does not, the socket is left to the garbage collector.
        if self._lock.acquire(timeout=5.0):
            try:
                self._connection.close()
            finally:
                self._lock.release()


class RemoteRecognizer:
    """A Whisper model loaded in the helper (see :class:`models.speech.SpeechRecognizer`)."""

    def __init__(self, channel: _Channel, language: str) -> None:
        self._channel = channel
        self.language = language

    def transcribe(
        self, audio: npt.NDArray[np.floating[Any]], language: str, *, context: str = ""
    ) -> Transcript:
        """As :meth:`models.speech.SpeechRecognizer.transcribe`, run in the helper."""
        samples = np.ascontiguousarray(audio, dtype=np.float32)
        if samples.ndim != 1:
            raise ValueError(f"audio must be 1-D mono samples, got shape {samples.shape}")
        request = ("transcribe", self.language, language, samples, context)
        result: Transcript = self._channel.call(request)
        return result


class RemoteVoice:
    """Voice activity and voice measures of whole answers, in the helper."""

    def __init__(self, channel: _Channel) -> None:
        self._channel = channel

    def measure(
        self, audio: npt.NDArray[np.float32], words: tuple[Word, ...], language: str
    ) -> tuple[tuple[SpeechSegment, ...], VoiceFeatures]:
        """The speech segments (:meth:`models.vad.VoiceActivityDetector.speech_segments`) of
        16 kHz ``audio`` and its voice measures (:func:`models.voice.analyze_voice`)."""
        samples = np.ascontiguousarray(audio, dtype=np.float32)
        result: tuple[tuple[SpeechSegment, ...], VoiceFeatures] = self._channel.call(
            ("measure", samples, words, language)
        )
        return result

    def close(self) -> None:
        """Close the socket (the helper's serving thread then ends)."""
        self._channel.close()


class RemoteFaceAnalyzer:
    """A :class:`models.vision.FaceAnalyzer` living on its own thread in the helper."""

    def __init__(self, channel: _Channel) -> None:
        self._channel = channel
        self._open = True

    def analyze(self, image_bgr: npt.NDArray[np.uint8], timestamp: float) -> FrameFeatures:
        """As :meth:`models.vision.FaceAnalyzer.analyze`, run in the helper."""
        if not self._open:
            raise ModelError("the face analyser is closed", kind=ErrorKind.INTERNAL)
        result: FrameFeatures = self._channel.call(("analyze", image_bgr, timestamp))
        return result

    def reset(self) -> None:
        """Forget the previous frame (a new answer begins)."""
        self._channel.call(("reset",))

    def close(self) -> None:
        """Free the helper's graphs and the socket; safe to call twice."""
        if self._open:
            self._open = False
            with contextlib.suppress(KioskError):  # the helper is gone: so are its graphs
                self._channel.call(("close",), timeout=10.0)
            self._channel.close()

    def __enter__(self) -> RemoteFaceAnalyzer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class ModelHost:
    """Starts and talks to the helper process. Thread-safe; :meth:`close` when done."""

    def __init__(self, registry: ModelRegistry, *, asr_threads: int = 1, nice: int = NICE):
        self._registry = registry
        self._asr_threads = asr_threads
        self._nice = nice
        self._lock = threading.RLock()
        self._process: subprocess.Popen[bytes] | None = None
        self._control: Connection | None = None
        self._speech: _Channel | None = None
        self._loaded: set[str] = set()  # languages whose model the current helper has loaded
        self._spare: RemoteFaceAnalyzer | None = None
        self._generation = 0
        self._healthy = False  # False once a channel of the current helper broke
        self._failures = 0
        self._closed = False

    @property
    def pid(self) -> int | None:
        """The helper's process id while it runs."""
        with self._lock:
            return None if self._process is None else self._process.pid

    def recognizer(self, language: str) -> RemoteRecognizer:
        """The verified speech model for ``language``, loaded in the helper (ModelError if
        there is none; HostError if the helper is unavailable)."""
        with self._lock:
            self._ensure()
            if self._speech is None or self._speech.generation != self._generation:
                self._speech = self._open_channel("speech", {})
                self._loaded.clear()
            speech, loaded = self._speech, language in self._loaded
        if not loaded:
            # Not when loaded: a check-in must not queue behind a transcription in flight.
            speech.call(("load", language), timeout=LOAD_TIMEOUT)
            with self._lock:
                if speech is self._speech:
                    self._loaded.add(language)
        return RemoteRecognizer(speech, language)

    def face_analyzer(self, **options: Any) -> RemoteFaceAnalyzer:
        """A new face analyser in the helper; ``options`` as for
        :class:`models.vision.FaceAnalyzer`. Without options, the one :meth:`warm_up` made."""
        with self._lock:
            self._ensure()
            if not options:
                spare, self._spare = self._spare, None
                if spare is not None and spare._channel.generation == self._generation:
                    return spare
            return RemoteFaceAnalyzer(self._open_channel("faces", options))

    def voice(self) -> RemoteVoice:
        """Voice measures in the helper, over a socket of their own (not queued behind
        transcriptions)."""
        with self._lock:
            self._ensure()
            return RemoteVoice(self._open_channel("voice", {}))

    def warm_up(self) -> None:
        """Load MediaPipe in the helper and run it once (its first use imports matplotlib and
        builds graphs: seconds), keeping that analyser for the next :meth:`face_analyzer`."""
        analyzer = self.face_analyzer()
        try:
            analyzer.analyze(np.zeros((240, 320, 3), np.uint8), 0.0)
            analyzer.reset()
        except KioskError:
            analyzer.close()
            raise
        with self._lock:
            kept = self._spare is None
            if kept:
                self._spare = analyzer
        if not kept:
            analyzer.close()

    def close(self) -> None:
        """Stop the helper (it also stops by itself when this process ends)."""
        with self._lock:
            self._closed = True
            self._stop()

    # -- the process ------------------------------------------------------------------------

    def _ensure(self) -> None:
        """Start the helper unless it runs (called with the lock held)."""
        if self._closed:
            raise HostError("the model host is closed")
        if self._process is not None and self._healthy and self._process.poll() is None:
            return
        if self._process is not None:
            log.warning("the model process failed (exit code %s)", self._process.poll())
            self._failures += 1
            self._stop()
        if self._failures >= MAX_FAILURES:
            raise HostError("the model process keeps failing; the models run in the app")
        try:
            self._start()
        except HostError:
            self._failures += 1
            raise

    def _start(self) -> None:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        # The helper imports this package as installed here, wherever it is started from.
        root = str(Path(__file__).resolve().parent.parent)
        path = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": root if not path else root + os.pathsep + path}
        try:
            with child:
                process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "models.host_process",
                        str(child.fileno()),
                        str(self._nice),
                    ],
                    pass_fds=(child.fileno(),),
                    stdin=subprocess.DEVNULL,
                    env=env,
                )
        except OSError as error:
            parent.close()
            raise HostError(f"cannot start the model process: {error}") from error
        self._process = process
        self._generation += 1
        self._healthy = True
        self._control = Connection(parent.detach())
        try:
            self._control.send(("setup", self._registry, self._asr_threads))
            if not self._control.poll(REPLY_TIMEOUT) or self._control.recv()[0] != "ok":
                raise HostError("the model process did not start")
        except (OSError, EOFError, HostError) as error:
            self._stop()
            raise HostError(f"the model process did not start ({type(error).__name__})") from error
        log.info("model process %d started (nice +%d)", process.pid, self._nice)

    def _open_channel(self, kind: str, options: dict[str, Any]) -> _Channel:
        """A new socket to a new serving thread of ``kind`` in the helper (lock held)."""
        control, process = self._control, self._process
        if control is None or process is None:
            raise HostError("the model process is not running")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with theirs:
                control.send(("open", kind, options))
                send_handle(control, theirs.fileno(), process.pid)
            if not control.poll(REPLY_TIMEOUT) or control.recv()[0] != "ok":
                raise HostError(f"the model process did not open a {kind} channel")
        except (OSError, EOFError) as error:
            ours.close()
            raise HostError(f"the model process is gone ({type(error).__name__})") from error
        return _Channel(Connection(ours.detach()), self._generation, self._broken)

    def _broken(self, generation: int) -> None:
        """A channel of helper ``generation`` failed: the next model starts a new helper.
        Called with that channel's lock held, so it takes no lock (one flag, set once)."""
        if generation == self._generation:
            self._healthy = False

    def _stop(self) -> None:
        """End the helper, then close the sockets (lock held)."""
        if self._control is not None:
            self._control.close()  # the helper exits on its end of file
            self._control = None
        process, self._process = self._process, None
        if process is not None:
            try:
                process.wait(timeout=10.0)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10.0)
        for channel in (self._speech, self._spare._channel if self._spare else None):
            if channel is not None:
                channel.close()
        self._speech = self._spare = None
