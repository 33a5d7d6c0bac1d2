"""SoundDeviceMicrophone recording real audio through a private PulseAudio daemon."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from hardware import Microphone, SoundDeviceMicrophone, list_input_devices
from kiosk.errors import DeviceLostError, ErrorKind, HardwareError
from tests.hardware.conftest import PulseServer, write_wav

RATE = 16000


def sweep(seconds: float, rate: int = RATE) -> npt.NDArray[np.int16]:
    """A 200 Hz to 3 kHz sweep with a fade in and out: unlike a steady tone, it
    matches itself at one lag only, so the correlation peak is unambiguous."""
    t = np.arange(int(seconds * rate)) / rate
    f0, f1 = 200.0, 3000.0
    phase = 2 * np.pi * (f0 * t + (f1 - f0) * t**2 / (2 * seconds))
    fade = np.minimum(1.0, np.minimum(t, seconds - t) / 0.05)
    samples: npt.NDArray[np.int16] = (np.sin(phase) * fade * 0.5 * 32767).astype(np.int16)
    return samples


def best_normalised_correlation(
    recording: npt.NDArray[np.float32], reference: npt.NDArray[np.float32]
) -> float:
    """Max over lags of the cosine similarity of ``reference`` and the recording there."""
    n, m = len(recording), len(reference)
    size = 1 << (n + m).bit_length()
    products = np.fft.irfft(np.fft.rfft(recording, size) * np.conj(np.fft.rfft(reference, size)))
    dots = products[: n - m + 1]  # reference fully inside the recording
    energy = np.concatenate([[0.0], np.cumsum(recording.astype(np.float64) ** 2)])
    window = np.sqrt(np.maximum(energy[m:] - energy[:-m], 1e-12))
    return float(np.max(dots / (window * np.linalg.norm(reference))))


@pytest.mark.slow
def test_records_what_is_played_into_the_sink(pulse_server: PulseServer, tmp_path: Path) -> None:
    pcm = sweep(2.0)
    clip = write_wav(tmp_path / "sweep.wav", pcm, RATE)
    with SoundDeviceMicrophone(sample_rate=RATE, block_frames=1600) as mic:
        assert isinstance(mic, Microphone)
        first = mic.read(1600, timeout=5)  # the stream runs before anything plays
        player = subprocess.Popen(["paplay", f"--device={pulse_server.sink}", str(clip)])
        try:
            blocks = [first] + [mic.read(1600, timeout=5) for _ in range(int(3.5 * RATE / 1600))]
        finally:
            assert player.wait(timeout=15) == 0
    assert [b.start for b in blocks] == [1600 * i for i in range(len(blocks))]
    assert all(len(b.samples) == 1600 and b.samples.dtype == np.float32 for b in blocks)
    recording = np.concatenate([b.samples for b in blocks])
    score = best_normalised_correlation(recording, pcm.astype(np.float32) / 32768)
    assert score > 0.9, f"recording does not match what was played (correlation {score:.3f})"


@pytest.mark.parametrize("fault", ["exit", "freeze"])
def test_losing_the_sound_server_is_reported(pulse_server: PulseServer, fault: str) -> None:
    # "exit" ends the stream (PortAudio reports it); "freeze" stops the daemon, so
    # the stream stays open but silent and only the lost_after clock can tell.
    mic = SoundDeviceMicrophone(sample_rate=RATE, lost_after=1.0)
    mic.open()
    try:
        mic.read(800, timeout=5)
        if fault == "exit":
            subprocess.run(["pactl", "exit"], timeout=5, check=False)
        else:
            os.kill(pulse_server.pid, signal.SIGSTOP)
        started = time.monotonic()
        with pytest.raises(DeviceLostError, match="default microphone") as caught:
            for _ in range(1000):  # audio queued before the loss may still come
                mic.read(800, timeout=5)
        elapsed = time.monotonic() - started
        assert caught.value.kind is ErrorKind.DEVICE_LOST
        assert elapsed < 5
    finally:
        os.kill(pulse_server.pid, signal.SIGCONT)  # else closing waits on a frozen server
        mic.close()
        mic.close()  # twice is fine


def test_lists_the_input_devices(pulse_server: PulseServer) -> None:
    devices = list_input_devices()
    assert "default" in devices and "pulse" in devices


def test_a_device_that_does_not_exist_fails_to_open(pulse_server: PulseServer) -> None:
    mic = SoundDeviceMicrophone("no such microphone")
    with pytest.raises(HardwareError, match="no such microphone") as caught:
        mic.open()
    assert caught.value.kind is ErrorKind.DEVICE_UNAVAILABLE
    with pytest.raises(HardwareError, match="not open"):
        mic.read(100)


def test_reads_regroup_blocks_of_any_size(pulse_server: PulseServer) -> None:
    with SoundDeviceMicrophone(sample_rate=RATE, block_frames=1600) as mic:
        blocks = [mic.read(size, timeout=5) for size in (100, 2500, 1600, 7)]
        assert mic.overflows == 0
    assert [len(b.samples) for b in blocks] == [100, 2500, 1600, 7]
    assert [b.start for b in blocks] == [0, 100, 2600, 4200]
