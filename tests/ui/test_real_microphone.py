"""The real microphone path, once, end to end, through the app.

A spoken sample answer is played into a private PulseAudio daemon's null sink. The kiosk app —
the real window, the engine on its own thread, and the kiosk the composition root builds from a
config with ``microphone.kind = "sounddevice"`` — records it through PortAudio in real time
while a candidate taps through the screens, and the on-device analysis transcribes it. Only the
camera is a stand-in (a replay of the sample face video), and the clock is the real one.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication
from pytestqt.qtbot import QtBot

from hardware import ReplayCamera, SoundDeviceMicrophone, decode_audio
from kiosk.app import Kiosk, assemble
from kiosk.clock import SystemClock
from kiosk.config import KioskConfig, load_config
from kiosk.demo import DemoCandidate, load_candidates, samples_dir
from kiosk.engine import Stage
from kiosk.vault.media import read_audio
from tests.hardware import conftest as hardware_fixtures
from tests.hardware.conftest import PulseServer, write_wav
from ui.engine_data import EngineCallbacks
from ui.engine_host import EngineHost
from ui.style import apply_style
from ui.window import KioskWindow

# The private PulseAudio daemon of the hardware tests (their conftest applies to their own
# directory only; a fixture bound in a test module is one pytest uses there).
pulse_server = hardware_fixtures.pulse_server

MEDIA = samples_dir() / "media"
RATE = 16_000
QUESTION = "self-intro"  # the first real question of every position; a ~15 s sample answer
WAIT_MS = 60_000
#: After the player has drained, how long the audio may still be on its way to the recorder
#: (sink monitor -> remap source -> ALSA pulse plugin -> PortAudio).
TAIL_MS = 1000


def swe_intern() -> DemoCandidate:
    return next(c for c in load_candidates() if c.position_id == "swe-intern")


def words(text: str) -> list[str]:
    """Lower-case words without punctuation; hyphenated words count as their parts."""
    return re.findall(r"[a-z0-9']+", text.lower().replace("-", " "))


def word_recall(reference: str, transcript: str) -> float:
    """Share of the reference's words (with repeats) that the transcript also has."""
    ref, got = Counter(words(reference)), Counter(words(transcript))
    return sum((ref & got).values()) / sum(ref.values())


def config_for(tmp_path: Path) -> KioskConfig:
    """The terminal's config, through the same ``KIOSK_*`` overrides IT staff would use."""
    return load_config(
        environ={
            "KIOSK_DATA_DIR": str(tmp_path / "data"),
            "KIOSK_DEFAULT_LANGUAGE": "en",
            # The ALSA "pulse" device: PulseAudio's default source, which the fixture made
            # the remap of the null sink's monitor.
            "KIOSK_MICROPHONE_KIND": "sounddevice",
            "KIOSK_MICROPHONE_SOURCE": "pulse",
            "KIOSK_ANALYSIS_ENABLED": "true",
            "KIOSK_ANALYSIS_LIVE": "true",
            "KIOSK_CAMERA_KIND": "replay",
            "KIOSK_CAMERA_SOURCE": str(MEDIA / "face_steady.mp4"),
            "KIOSK_PRINTER_RECEIPT": "false",
        }
    )


@contextmanager
def playing(pulse: PulseServer, clip: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``clip`` playing into the null sink; the player is stopped if the test fails first."""
    player = subprocess.Popen(
        ["paplay", f"--device={pulse.sink}", str(clip)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield player
    finally:
        if player.poll() is None:
            player.kill()
        player.wait(timeout=5)


def wav_of(source: Path, path: Path) -> Path:
    # paplay reads WAV everywhere; Ogg/Opus only with a recent libsndfile.
    samples = decode_audio(source, RATE)
    return write_wav(path, (samples * 32767).round().astype(np.int16), RATE)


class RealApp:
    """The app as ``kiosk run`` builds it, with the microphone from the config."""

    def __init__(self, qtbot: QtBot, config: KioskConfig) -> None:
        self.qtbot = qtbot
        self.camera = ReplayCamera(config.camera.source, pace="realtime", loop=True)
        clock = SystemClock()

        def factory(callbacks: EngineCallbacks) -> Kiosk:
            return assemble(
                config,
                clock=clock,
                camera=self.camera,
                microphone=None,  # built from the config: the real sound device
                on_finalise=callbacks.on_finalise,
                on_notice=callbacks.on_notice,
            )

        app = QApplication.instance()
        assert isinstance(app, QApplication)
        apply_style(app)
        self.host = EngineHost(factory, clock=clock)
        self.window = KioskWindow(self.host, clock, kiosk_mode=False, inactivity_seconds=600)
        self.screens = self.window.screens
        self.window.show_kiosk()
        self.host.start()
        qtbot.waitUntil(lambda: self.window.snapshot is not None, timeout=WAIT_MS)

    @property
    def kiosk(self) -> Kiosk:
        kiosk = self.host.kiosk
        assert kiosk is not None
        return kiosk

    def stage(self) -> Stage:
        snapshot = self.window.snapshot
        return Stage.WELCOME if snapshot is None else snapshot.state.stage

    def wait_stage(self, stage: Stage) -> None:
        self.qtbot.waitUntil(lambda: self.stage() is stage, timeout=WAIT_MS)

    def tap(self, button: QAbstractButton) -> None:
        self.qtbot.waitUntil(lambda: button.isVisible() and button.isEnabled(), timeout=WAIT_MS)
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    def play(self, pulse: PulseServer, clip: Path) -> None:
        """Play ``clip`` into the room while the app keeps running, then wait for the tail."""
        with playing(pulse, clip) as player:
            self.qtbot.waitUntil(lambda: player.poll() is not None, timeout=WAIT_MS)
            output = player.stdout.read().decode(errors="replace") if player.stdout else ""
            assert player.returncode == 0, f"paplay failed ({player.returncode}): {output}"
        self.qtbot.wait(TAIL_MS)

    def close(self) -> None:
        self.window.shutdown()
        assert self.host.stop(120), "the engine thread did not stop"
        self.camera.close()
        self.window.deleteLater()


@pytest.mark.slow
def test_a_spoken_answer_is_recorded_by_the_app_from_the_sound_server_and_transcribed(
    pulse_server: PulseServer, qtbot: QtBot, tmp_path: Path
) -> None:
    candidate = swe_intern()
    reference = str(candidate.answers[QUESTION]["text"])
    clip = wav_of(candidate.clip(QUESTION), tmp_path / "answer.wav")
    clip_seconds = len(decode_audio(clip, RATE)) / RATE
    mic_check = wav_of(MEDIA / "mic_check.ogg", tmp_path / "mic_check.wav")
    config = config_for(tmp_path)

    app = RealApp(qtbot, config)
    try:
        # The composition root built the microphone from the config.
        assert isinstance(app.kiosk.microphone, SoundDeviceMicrophone)
        welcome = app.screens.welcome
        qtbot.waitUntil(lambda: "swe-intern" in welcome.position_buttons, timeout=WAIT_MS)
        welcome.name_edit.setText(candidate.name)
        app.tap(welcome.position_buttons["swe-intern"])
        app.wait_stage(Stage.GREETING)
        app.tap(app.screens.greeting.continue_button)
        app.wait_stage(Stage.CONSENT)
        app.tap(app.screens.consent.agree_button)
        app.wait_stage(Stage.DEVICE_CHECK)

        # The device check hears the room through the sound server.
        check = app.screens.device_check
        with qtbot.waitSignal(app.host.devices_checked, timeout=WAIT_MS) as checked:
            app.tap(check.check_button)
            app.play(pulse_server, mic_check)
        assert checked.args is not None and checked.args[0].ok, checked.args
        app.tap(check.continue_button)
        app.wait_stage(Stage.PRACTICE_PREP)

        # The practice answer: a second of the quiet room.
        question = app.screens.question
        app.tap(question.start_button)
        app.wait_stage(Stage.PRACTICE_ANSWER)
        qtbot.wait(1000)
        app.tap(question.done_button)
        app.wait_stage(Stage.PREP)
        assert app.window.snapshot is not None
        assert app.window.snapshot.state.current.question_id == QUESTION

        # The first real question: the candidate speaks the sample answer.
        app.tap(question.start_button)
        app.wait_stage(Stage.ANSWER)
        app.play(pulse_server, clip)
        app.tap(question.done_button)
        app.wait_stage(Stage.REVIEW)

        kiosk = app.kiosk
        (recording,) = kiosk.runner.recordings()
        assert recording.index == 0 and recording.complete
        # All of the clip plus the player's start-up and the tail: nothing lost on the way.
        assert clip_seconds <= recording.seconds <= clip_seconds + 4.0, recording.seconds
        assert recording.voiced_ratio > 0.5
        session_id = str(app.window.snapshot.state.session_id)
        assert kiosk.analysis is not None
        assert kiosk.analysis.worker.wait_idle(120), "the analysis did not finish within 120 s"
        record = kiosk.store.analysis(session_id, recording.index, recording.attempt)
        assert record is not None, "no analysis record was stored"
        assert "error" not in record, record.get("error")
        transcript = record["transcript"]["text"]
        recall = word_recall(reference, transcript)
        assert recall >= 0.6, f"only {recall:.0%} of the answer's words in {transcript!r}"

        # Stored encrypted: the decrypted samples are not in the file.
        key = kiosk.store.session_key(session_id)
        audio = read_audio(recording.audio_path, key, recording.recording_id)
        loudest = int(np.argmax(np.abs(audio)))
        start = max(0, min(loudest - 200, len(audio) - 400))
        pcm = (audio[start : start + 400] * 32768).round().astype("<i2").tobytes()
        audio_bytes = recording.audio_path.read_bytes()
        assert pcm not in audio_bytes and not audio_bytes.startswith(b"RIFF")
    finally:
        app.close()

    # Nothing the candidate said is in any file of the data directory in plaintext.
    distinctive = {w for w in words(reference) if len(w) >= 7} & set(words(transcript))
    assert len(distinctive) >= 3, distinctive
    for path in config.data_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes().lower()
            for word in distinctive:
                assert word.encode() not in data, f"{word!r} in plaintext in {path}"
