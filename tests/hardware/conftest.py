"""Real media and a real sound server for the hardware tests.

Media files are made here, in ``tmp_path``, from numpy arrays, so every test
knows exactly which frames and samples a file holds. The sound server is a
private PulseAudio daemon with a null sink whose monitor is the default
source: what ``paplay`` plays into the sink, a microphone records.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest

AUDIO_PACKAGES = "pulseaudio pulseaudio-utils libasound2-plugins libportaudio2"


def random_frames(count: int, width: int = 64, height: int = 48) -> list[npt.NDArray[np.uint8]]:
    """``count`` distinct frames of noise, so any reordering or loss shows."""
    rng = np.random.default_rng(1234)
    return [rng.integers(0, 256, (height, width, 3), dtype=np.uint8) for _ in range(count)]


def write_video(
    path: Path, frames: list[npt.NDArray[np.uint8]], fps: float, fourcc: str = "FFV1"
) -> Path:
    """Write ``frames`` to ``path``; FFV1 is lossless, so they read back pixel-exact."""
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*fourcc), fps, (width, height))
    assert writer.isOpened(), f"OpenCV cannot write {fourcc} to {path}"
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def write_wav(
    path: Path, samples: npt.NDArray[np.int16], sample_rate: int, channels: int = 1
) -> Path:
    """Write interleaved int16 ``samples`` as a PCM16 WAV."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(samples.astype("<i2").tobytes())
    return path


def random_pcm(count: int, seed: int = 7) -> npt.NDArray[np.int16]:
    """``count`` random int16 samples covering the whole range, both extremes included."""
    samples = np.random.default_rng(seed).integers(-32768, 32768, count, dtype=np.int16)
    samples[:2] = (-32768, 32767)
    return samples


@pytest.fixture
def video_file(tmp_path: Path) -> tuple[Path, list[npt.NDArray[np.uint8]]]:
    """A 12-frame, 15 fps lossless video and the frames it holds."""
    frames = random_frames(12)
    return write_video(tmp_path / "clip.avi", frames, fps=15.0), frames


@dataclass(frozen=True)
class PulseServer:
    """A running private PulseAudio daemon."""

    server: str  # value for PULSE_SERVER
    sink: str  # play here ...
    source: str  # ... and it is recorded from here (also the default source)
    pid: int  # of the daemon, for tests that freeze it


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        # Fail, never skip: a skipped audio test would hide that the machine
        # cannot run the real-audio path at all.
        pytest.fail(f"{tool} not found; install the Debian packages: {AUDIO_PACKAGES}")
    return path


def _reinitialise_portaudio() -> None:
    # PortAudio (and ALSA's configuration, where the pulse plugin decides whether
    # the "default" device goes through PulseAudio) is read once, at initialisation.
    # A process that touched sounddevice before PULSE_SERVER pointed at our daemon
    # would otherwise keep its old, empty device list. sounddevice has no public
    # call for this; its private pair is what its own docs suggest.
    import sounddevice as sd  # noqa: PLC0415 - only once the environment is set

    sd._terminate()
    sd._initialize()


@pytest.fixture
def pulse_server(tmp_path: Path) -> Iterator[PulseServer]:
    """A private PulseAudio daemon: sink ``kiosk_sink``, default source ``kiosk_mic``.

    Function-scoped so a test may kill it. Nothing outside ``tmp_path`` changes:
    the daemon's runtime dir and home are there, and clients find it through
    ``PULSE_SERVER``; ALSA's own ``pulse`` hook (``libasound2-plugins``) then routes
    the ALSA ``default`` device, which PortAudio uses, through it.
    """
    pulseaudio = _require("pulseaudio")
    pactl = _require("pactl")
    _require("paplay")
    runtime = tmp_path / "pulse"
    runtime.mkdir(mode=0o700)
    socket = runtime / "native"
    config = tmp_path / "kiosk.pa"
    config.write_text(
        f"load-module module-native-protocol-unix socket={socket} auth-anonymous=1\n"
        "load-module module-null-sink sink_name=kiosk_sink\n"
        "load-module module-remap-source master=kiosk_sink.monitor source_name=kiosk_mic\n"
        "set-default-source kiosk_mic\n"
    )
    env = dict(
        os.environ,
        HOME=str(tmp_path),
        XDG_RUNTIME_DIR=str(runtime),
        PULSE_RUNTIME_PATH=str(runtime),
    )
    log = tmp_path / "pulseaudio.log"
    command = [pulseaudio, "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no"]
    with log.open("wb") as log_file:
        daemon = subprocess.Popen(
            [*command, "-F", str(config)], env=env, stdout=log_file, stderr=log_file
        )
    server = f"unix:{socket}"
    # Set by hand rather than with monkeypatch: PortAudio must be re-initialised
    # after the variable is restored, which monkeypatch's own undo comes too late for.
    previous = os.environ.get("PULSE_SERVER")
    os.environ["PULSE_SERVER"] = server
    try:
        _wait_ready(pactl, daemon, log)
        _reinitialise_portaudio()
        yield PulseServer(server, sink="kiosk_sink", source="kiosk_mic", pid=daemon.pid)
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=5)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait(timeout=5)
        if previous is None:
            del os.environ["PULSE_SERVER"]
        else:
            os.environ["PULSE_SERVER"] = previous
        _reinitialise_portaudio()


def _wait_ready(
    pactl: str, daemon: subprocess.Popen[bytes], log: Path, timeout: float = 10.0
) -> None:
    # Ready means the default source is ours; a client connecting while the modules
    # still load could get a different (or no) source.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            errors = log.read_text(errors="replace")[-2000:]
            pytest.fail(f"pulseaudio exited with {daemon.returncode}: {errors}")
        info = subprocess.run(
            [pactl, "info"], capture_output=True, text=True, timeout=5, check=False
        )
        if "Default Source: kiosk_mic" in info.stdout:
            return
        time.sleep(0.1)
    pytest.fail(f"pulseaudio did not become ready within {timeout} s")
