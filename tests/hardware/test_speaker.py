"""The loudspeaker, for real: tones played through PortAudio into a private PulseAudio null
sink are recorded from its monitor, and espeak-ng's speech is transcribed back by Whisper."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from hardware import NullSpeaker, SoundDeviceMicrophone, Speaker, build_speaker, synthesize, tone
from hardware.speaker import read_wav
from kiosk.errors import DeviceLostError, ErrorKind, HardwareError
from tests.hardware.conftest import PulseServer

RATE = 16_000  # what the microphone records at


def dominant_frequency(samples: npt.NDArray[np.float32], rate: int) -> float:
    """The frequency of the strongest spectral peak."""
    window = np.hanning(len(samples))
    spectrum = np.abs(np.fft.rfft(samples * window))
    spectrum[:5] = 0  # no DC
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


def record_while(microphone: SoundDeviceMicrophone, seconds: float) -> npt.NDArray[np.float32]:
    blocks = [microphone.read(RATE // 10, timeout=3.0).samples for _ in range(int(seconds * 10))]
    return np.concatenate(blocks)


@pytest.mark.slow
def test_a_tone_is_heard_through_the_sound_server(pulse_server: PulseServer) -> None:
    frequency = 1000.0
    speaker = build_speaker("sounddevice", "")  # the system's default output: the null sink
    microphone = SoundDeviceMicrophone("pulse", sample_rate=RATE)
    microphone.open()
    try:
        microphone.discard_pending()
        played: list[float] = []

        def play() -> None:
            started = time.monotonic()
            speaker.play(tone(frequency, seconds=1.0, rate=48_000), 48_000)
            played.append(time.monotonic() - started)

        player = threading.Thread(target=play)
        player.start()
        recorded = record_while(microphone, 3.0)
        player.join(timeout=10)
        assert played, "play() did not return"
    finally:
        microphone.close()
    # play() blocks until the tone has been played (PortAudio reports the end as its last
    # buffer leaves, a few ms early), and not much longer.
    assert 0.95 <= played[0] < 1.0 + 4.0, played
    # The loud part is the tone: its pitch, at about the level it was played at.
    loud = np.abs(recorded) > 0.1
    assert loud.sum() > 0.8 * RATE, f"only {loud.sum() / RATE:.2f} s of the tone were heard"
    first, last = np.flatnonzero(loud)[[0, -1]]
    heard = recorded[first : last + 1]
    assert dominant_frequency(heard, RATE) == pytest.approx(frequency, abs=3.0)
    rms = float(np.sqrt(np.mean(heard**2)))
    assert rms == pytest.approx(0.5 / np.sqrt(2), rel=0.25)
    # Before and after: silence (nothing else plays in the private sink).
    assert np.max(np.abs(recorded[: max(0, first - RATE // 10)]), initial=0.0) < 0.05


@pytest.mark.slow
def test_a_cancelled_sound_falls_silent_at_once(pulse_server: PulseServer) -> None:
    """A question read aloud stops when the answer's recording starts."""
    speaker = build_speaker("sounddevice", "")
    microphone = SoundDeviceMicrophone("pulse", sample_rate=RATE)
    microphone.open()
    cancel = threading.Event()
    played: list[float] = []
    try:
        microphone.discard_pending()

        def play() -> None:
            started = time.monotonic()
            speaker.play(tone(1000.0, seconds=4.0, rate=48_000), 48_000, cancel=cancel)
            played.append(time.monotonic() - started)

        player = threading.Thread(target=play)
        player.start()
        threading.Timer(1.0, cancel.set).start()
        recorded = record_while(microphone, 3.0)
        player.join(timeout=10)
        assert played, "play() did not return"
    finally:
        microphone.close()
    assert played[0] < 1.5, played  # cancelled at 1.0 s, not played out for 4 s
    loud = np.abs(recorded) > 0.1
    assert loud.sum() > 0.5 * RATE  # it did play ...
    last = int(np.flatnonzero(loud)[-1])
    assert not loud[last + RATE // 5 :].any()  # ... and then stayed silent
    assert loud.sum() < 1.6 * RATE, f"{loud.sum() / RATE:.2f} s heard"


@pytest.mark.slow
def test_a_stalled_sound_server_does_not_hang_the_caller(pulse_server: PulseServer) -> None:
    speaker = Speaker(None)
    speaker.play(tone(seconds=0.2), 48_000)  # the stream works ...
    stopper = threading.Timer(0.3, os.kill, (pulse_server.pid, signal.SIGSTOP))
    stopper.start()
    started = time.monotonic()
    try:
        # ... until the server freezes 0.3 s into a 2 s sound.
        with pytest.raises(DeviceLostError, match="stalled"):
            speaker.play(tone(seconds=2.0), 48_000, timeout=1.0)
        assert time.monotonic() - started < 2.0 + 1.0 + 1.0  # the sound, the margin, slack
    finally:
        stopper.join()
        os.kill(pulse_server.pid, signal.SIGCONT)
        # The abandoned PortAudio call must end before the fixture re-initialises PortAudio:
        # Pa_Terminate waits for a stream still inside a call, and would hang the run.
        for thread in threading.enumerate():
            if thread.name == "speaker":
                thread.join(15)
                assert not thread.is_alive(), "the stalled stream did not end after SIGCONT"


def test_an_unknown_device_is_named(pulse_server: PulseServer) -> None:
    with pytest.raises(HardwareError, match="no-such-loudspeaker"):
        Speaker("no-such-loudspeaker").play(tone(seconds=0.1), 48_000)


def test_the_tone_is_faded_and_at_half_scale() -> None:
    samples = tone(440.0, seconds=0.5, rate=8000)
    assert samples.dtype == np.float32 and len(samples) == 4000
    assert 0.49 < float(np.max(np.abs(samples))) <= 0.5
    assert abs(samples[0]) < 1e-3 and abs(samples[-1]) < 1e-3  # no click at either end
    assert dominant_frequency(samples, 8000) == pytest.approx(440.0, abs=3.0)
    with pytest.raises(ValueError, match="frequency"):
        tone(5000.0, rate=8000)


@pytest.mark.slow
def test_english_speech_says_the_text(tmp_path: Path) -> None:
    from models.registry import ModelRegistry  # noqa: PLC0415 - only this test needs Whisper
    from models.speech import SpeechRecognizer  # noqa: PLC0415

    samples, rate = synthesize("Please tell us about a project you are proud of.", "en")
    assert rate == 22_050 and samples.dtype == np.float32
    assert 1.5 < len(samples) / rate < 6.0
    # Whisper wants 16 kHz: resample by interpolation (speech survives it).
    positions = np.arange(0, len(samples), rate / RATE)
    audio = np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)
    registry = ModelRegistry(tmp_path / "bundles")  # the built-in tiny.en
    recognizer = SpeechRecognizer(registry.speech_model_for("en"))
    text = recognizer.transcribe(audio, "en").text.lower()
    assert "project" in text and "proud" in text, text


def test_chinese_speech_is_synthesised() -> None:
    samples, rate = synthesize("请介绍一下您自己。", "zh")
    seconds = len(samples) / rate
    assert 1.0 < seconds < 6.0
    assert float(np.sqrt(np.mean(samples**2))) > 0.02
    # Not the English voice reading the characters' names: Mandarin has its own rhythm, and
    # the same text in the English voice comes out differently.
    english, _ = synthesize("请介绍一下您自己。", "en-us")
    assert len(english) != len(samples)


def test_text_is_spoken_never_read_as_options() -> None:
    samples, rate = synthesize("--help -v de --stdout", "en")
    # espeak-ng would print its help text (not WAV audio) if this reached its command line.
    assert len(samples) / rate > 1.0


def test_unknown_language_and_long_text_are_refused() -> None:
    with pytest.raises(HardwareError) as caught:
        synthesize("hello", "fr")
    assert caught.value.kind is ErrorKind.INVALID_INPUT
    with pytest.raises(HardwareError, match="too long"):
        synthesize("word " * 1000, "en")
    assert len(synthesize("   ", "en")[0]) == 0


def test_a_streamed_wav_header_is_read_to_its_real_end() -> None:
    # espeak-ng's --stdout header claims ~2 GB of data; only what follows is real.
    pcm = (np.arange(100, dtype=np.int16) * 100).astype("<i2").tobytes()
    header = (
        b"RIFF\xff\xff\xff\x7fWAVEfmt "
        + (16).to_bytes(4, "little")
        + b"\x01\x00\x01\x00"
        + (22050).to_bytes(4, "little")
        + (44100).to_bytes(4, "little")
        + b"\x02\x00\x10\x00data\xff\xff\xff\x7f"
    )
    samples, rate = read_wav(header + pcm)
    assert rate == 22050 and len(samples) == 100
    assert samples[1] == pytest.approx(100 / 32768)
    with pytest.raises(HardwareError):
        read_wav(b"not a wav")


def test_no_loudspeaker_plays_nothing_at_once() -> None:
    speaker = build_speaker("none")
    assert isinstance(speaker, NullSpeaker) and not speaker.audible
    started = time.monotonic()
    speaker.play(tone(seconds=5.0), 48_000)
    assert time.monotonic() - started < 0.1
    assert build_speaker("sounddevice", "3").device == 3
    assert build_speaker("sounddevice", "USB Audio").device == "USB Audio"
    assert build_speaker("sounddevice").device is None
    with pytest.raises(HardwareError, match="speaker kind"):
        build_speaker("bluetooth")
