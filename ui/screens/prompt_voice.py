"""Reading a question aloud: speech synthesis and playback on a worker, never the GUI thread.

Synthesis (espeak-ng, a fraction of a second) and playback (as long as the question, seconds)
both block, so a :class:`PromptVoice` runs them on a one-thread pool of its own — one reading
at a time, and not on the engine thread either, whose timer pump must keep the interview's
clocks. The result comes back as a signal, delivered on the GUI thread.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from hardware import Speaker, build_speaker, synthesize
from kiosk.errors import KioskError

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Carries a reading's outcome from the worker to the GUI thread."""

    done = Signal(bool)


class _Reading(QRunnable):
    def __init__(
        self, speaker: Speaker, text: str, language: str, relay: _Relay, cancel: threading.Event
    ) -> None:
        super().__init__()
        self._speaker, self._text, self._language, self._relay = speaker, text, language, relay
        self._cancel = cancel

    def run(self) -> None:
        played = False
        try:
            samples, rate = synthesize(self._text, self._language)
            if not self._cancel.is_set():
                self._speaker.play(samples, rate, cancel=self._cancel)
            played = True  # or stopped on purpose: the loudspeaker works
        except KioskError as exc:
            # The kind names the problem (no espeak-ng, no device); the text is a question of
            # the bank, not personal, but there is no need to log it.
            log.warning("reading a question aloud failed (%s): %s", exc.kind.value, exc)
        except Exception:
            log.exception("reading a question aloud failed unexpectedly")
        self._relay.done.emit(played)


class PromptVoice(QObject):
    """Reads prompts aloud through the terminal's loudspeaker.

    ``available`` is False when there is no loudspeaker (``speaker.kind = "none"``), when the
    configured one cannot be built, or after a reading failed: the screen then hides its
    button rather than offer something that does not work.
    """

    #: A reading ended: True if it was played, False if it failed.
    finished = Signal(bool)

    def __init__(
        self,
        kind: str = "sounddevice",
        device: str = "",
        *,
        speaker: Speaker | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.speaker: Speaker | None = speaker
        if self.speaker is None:
            try:
                self.speaker = build_speaker(kind, device)  # opens nothing yet
            except KioskError as exc:
                log.warning("no loudspeaker for spoken questions (%s)", exc.kind.value)
        self.available = self.speaker is not None and self.speaker.audible
        self.reading = False
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.done.connect(self._done)
        self._cancel = threading.Event()  # set: the reading in progress stops

    def read(self, text: str, language: str) -> bool:
        """Start reading ``text`` in ``language``; False if it cannot start now."""
        if self.reading or not self.available or self.speaker is None or not text.strip():
            return False
        self.reading = True
        self._cancel = threading.Event()
        self._pool.start(_Reading(self.speaker, text, language, self._relay, self._cancel))
        return True

    def stop(self) -> None:
        """Fall silent now (the answer's recording is starting); ``finished`` follows."""
        self._cancel.set()

    def wait(self, timeout_ms: int = 60_000) -> bool:
        """Wait for the reading in progress (shutdown, tests); False on timeout."""
        return bool(self._pool.waitForDone(timeout_ms))

    def _done(self, played: bool) -> None:
        self.reading = False
        if not played:
            self.available = False
        self.finished.emit(played)
