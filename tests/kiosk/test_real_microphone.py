"""The real microphone path, once, end to end.

A spoken sample answer is played into a private PulseAudio daemon's null sink; the kiosk,
built by the composition root with ``microphone.kind = "sounddevice"``, records it through
PortAudio in real time during a real interview, and the on-device analysis transcribes it.
Everything but the camera (a replay of the sample face video) is what runs on a terminal:
the config, ``assemble``, the runner, the recorder, the encrypted store and Whisper.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from hardware import ReplayCamera, SoundDeviceMicrophone, decode_audio
from kiosk.app import Kiosk, assemble
from kiosk.clock import SystemClock
from kiosk.config import KioskConfig, load_config
from kiosk.consent import current_notice
from kiosk.demo import DemoCandidate, load_candidates, samples_dir
from kiosk.devicecheck import check_devices
from kiosk.engine import (
    DeviceCheckPassed,
    FinishAnswer,
    GiveConsent,
    Proceed,
    Stage,
    StartAnswer,
)
from kiosk.vault.media import read_audio
from tests.hardware import conftest as hardware_fixtures
from tests.hardware.conftest import PulseServer, write_wav

# The private PulseAudio daemon of the hardware tests. Their conftest applies to their own
# directory only; a fixture bound in a test module is one pytest uses there.
pulse_server = hardware_fixtures.pulse_server

MEDIA = samples_dir() / "media"
RATE = 16_000
QUESTION = "self-intro"  # the first real question of every position; a ~15 s sample answer
#: After the player has drained, how long the audio may still be on its way to the recorder
#: (sink monitor -> remap source -> ALSA pulse plugin -> PortAudio).
TAIL_SECONDS = 1.0


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
            # The ALSA "pulse" device: PulseAudio's default source, which the fixture made
            # the remap of the null sink's monitor.
            "KIOSK_MICROPHONE_KIND": "sounddevice",
            "KIOSK_MICROPHONE_SOURCE": "pulse",
            "KIOSK_ANALYSIS_ENABLED": "true",
            "KIOSK_ANALYSIS_LIVE": "true",
            # Only the camera is a stand-in (it is passed to assemble as well).
            "KIOSK_CAMERA_KIND": "replay",
            "KIOSK_CAMERA_SOURCE": str(MEDIA / "face_steady.mp4"),
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


def played(player: subprocess.Popen[bytes]) -> None:
    """Wait for ``player`` to drain its clip; fail if it could not play it."""
    player.wait(timeout=30)
    output = player.stdout.read().decode(errors="replace") if player.stdout else ""
    assert player.returncode == 0, f"paplay failed ({player.returncode}): {output}"


def pump_while_playing(kiosk: Kiosk, player: subprocess.Popen[bytes], stage: Stage) -> None:
    """Drive the runner as the app's event loop does while ``player`` plays, then for the
    tail; fail if the interview leaves ``stage`` (a lost microphone pauses it)."""
    deadline = time.monotonic() + 60
    tail_end: float | None = None
    while tail_end is None or time.monotonic() < tail_end:
        state = kiosk.runner.pump()
        assert state.stage is stage, f"the interview went to {state.stage.value} while recording"
        if tail_end is None and player.poll() is not None:
            played(player)
            tail_end = time.monotonic() + TAIL_SECONDS
        assert time.monotonic() < deadline, "the clip did not finish playing within 60 s"
        time.sleep(0.05)


@pytest.mark.slow
def test_a_spoken_answer_is_recorded_from_the_sound_server_and_transcribed(
    pulse_server: PulseServer, tmp_path: Path
) -> None:
    candidate = swe_intern()
    reference = str(candidate.answers[QUESTION]["text"])
    # paplay reads WAV everywhere; Ogg/Opus only with a recent libsndfile.
    samples = decode_audio(candidate.clip(QUESTION), RATE)
    clip_seconds = len(samples) / RATE
    clip = write_wav(tmp_path / "answer.wav", (samples * 32767).round().astype(np.int16), RATE)
    mic_check = write_wav(
        tmp_path / "mic_check.wav",
        (decode_audio(MEDIA / "mic_check.ogg", RATE) * 32767).round().astype(np.int16),
        RATE,
    )

    config = config_for(tmp_path)
    camera = ReplayCamera(config.camera.source, pace="realtime", loop=True)
    kiosk = assemble(config, clock=SystemClock(), camera=camera, microphone=None)
    try:
        # The composition root built the microphone from the config.
        assert isinstance(kiosk.microphone, SoundDeviceMicrophone)
        assert kiosk.analysis is not None and kiosk.analysis.live is not None
        kiosk.camera.open()
        kiosk.microphone.open()
        runner = kiosk.runner
        runner.start()

        runner.check_in("swe-intern", candidate.profile, {"name": candidate.name}, "en")
        notice = current_notice(
            retention_days=config.retention_days, policy_profile=config.policy_profile
        )
        runner.dispatch(Proceed())
        consented = runner.dispatch(GiveConsent(notice.version, face_analysis=False))
        assert consented.stage is Stage.DEVICE_CHECK

        # The device check hears "I am ready" through the sound server, as the app's would.
        with playing(pulse_server, mic_check) as player:
            result = check_devices(kiosk.camera, kiosk.microphone, seconds=3.0)
            played(player)
        assert result.ok, f"device check failed: {result.problems} ({result.peak_dbfs:.1f} dBFS)"
        runner.dispatch(DeviceCheckPassed())

        # The practice answer: a second of the quiet room.
        assert runner.dispatch(StartAnswer()).stage is Stage.PRACTICE_ANSWER
        time.sleep(1.0)
        prep = runner.dispatch(FinishAnswer())
        assert prep.stage is Stage.PREP and prep.current.question_id == QUESTION

        # The first real question: the candidate speaks the sample answer.
        assert runner.dispatch(StartAnswer()).stage is Stage.ANSWER
        started = time.monotonic()
        with playing(pulse_server, clip) as player:
            pump_while_playing(kiosk, player, Stage.ANSWER)
        finished = runner.dispatch(FinishAnswer())
        wall_seconds = time.monotonic() - started
        assert finished.stage is Stage.REVIEW

        (recording,) = runner.recordings()
        assert recording.index == 0 and recording.complete
        # All of the clip, plus the player's start-up and the tail; nothing lost on the way:
        # a real-time device delivers about as many samples as seconds passed.
        assert clip_seconds <= recording.seconds <= clip_seconds + 3.0, recording.seconds
        assert recording.seconds == pytest.approx(wall_seconds, abs=0.5)
        assert recording.voiced_ratio > 0.5

        session_id = str(finished.session_id)
        assert kiosk.analysis.worker.wait_idle(120), "the analysis did not finish within 120 s"
        record = kiosk.store.analysis(session_id, recording.index, recording.attempt)
        assert record is not None, "no analysis record was stored"
        assert "error" not in record, record.get("error")
        assert record["pipeline"]["mode"] == "live"
        assert record["seconds"] == pytest.approx(recording.seconds, abs=0.05)
        transcript = record["transcript"]["text"]
        recall = word_recall(reference, transcript)
        assert recall >= 0.6, f"only {recall:.0%} of the answer's words in {transcript!r}"

        # Stored encrypted: the decrypted samples are not in the file ...
        key = kiosk.store.session_key(session_id)
        audio = read_audio(recording.audio_path, key, recording.recording_id)
        assert len(audio) == recording.samples
        loudest = int(np.argmax(np.abs(audio)))
        start = max(0, min(loudest - 200, len(audio) - 400))
        pcm = (audio[start : start + 400] * 32768).round().astype("<i2").tobytes()
        audio_bytes = recording.audio_path.read_bytes()
        assert pcm not in audio_bytes
        assert not audio_bytes.startswith(b"RIFF")
    finally:
        kiosk.camera.close()
        kiosk.microphone.close()
        kiosk.close()

    # ... and nothing the candidate said is in any file of the data directory in plaintext.
    distinctive = {w for w in words(reference) if len(w) >= 7} & set(words(transcript))
    assert len(distinctive) >= 3, distinctive
    for path in config.data_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes().lower()
            for word in distinctive:
                assert word.encode() not in data, f"{word!r} in plaintext in {path}"
