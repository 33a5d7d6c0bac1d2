"""The model process: the real Whisper, Silero and MediaPipe models behind a real helper process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from hardware import ReplayCamera, decode_audio
from kiosk.errors import ErrorKind, ModelError
from models.host import NICE, HostError, ModelHost
from models.registry import ModelRegistry
from models.speech import SpeechRecognizer
from models.vad import VoiceActivityDetector
from models.vision import FaceAnalyzer
from models.voice import analyze_voice

MEDIA = Path(__file__).resolve().parents[2] / "kiosk" / "samples" / "media"
CLIP = MEDIA / "demo-customer-manager" / "bei-objection-handling.ogg"

pytestmark = pytest.mark.slow  # a helper process loading real models


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> ModelRegistry:
    return ModelRegistry(tmp_path_factory.mktemp("bundles"))


@pytest.fixture
def host(registry: ModelRegistry) -> Iterator[ModelHost]:
    models = ModelHost(registry)
    yield models
    models.close()


@pytest.fixture(scope="module")
def audio() -> npt.NDArray[np.float32]:
    return decode_audio(CLIP, 16_000)[: 16_000 * 12]


@pytest.fixture(scope="module")
def frame() -> npt.NDArray[np.uint8]:
    with ReplayCamera(MEDIA / "face_steady.mp4", pace="fast") as camera:
        read = camera.read()
    assert read is not None
    return read.image


def test_the_models_run_in_a_niced_process_and_answer_as_they_do_here(
    host: ModelHost,
    registry: ModelRegistry,
    audio: npt.NDArray[np.float32],
    frame: npt.NDArray[np.uint8],
) -> None:
    remote = host.recognizer("en").transcribe(audio, "en")
    pid = host.pid
    assert pid is not None and pid != os.getpid()
    # Lower priority than this process, so the app's GUI thread is scheduled first.
    assert os.getpriority(os.PRIO_PROCESS, pid) == os.getpriority(os.PRIO_PROCESS, 0) + NICE
    local = SpeechRecognizer(registry.speech_model_for("en")).transcribe(audio, "en")
    # Deterministic at temperature 0: the same words at the same times.
    assert remote == local
    assert "expensive" in remote.text

    voice = host.voice()
    segments, measures = voice.measure(audio, remote.words, "en")
    voice.close()
    assert segments == VoiceActivityDetector(registry.vad_model()).speech_segments(audio)
    assert measures == analyze_voice(audio, 16_000, remote.words, segments, "en")

    host.warm_up()
    with host.face_analyzer() as faces, FaceAnalyzer() as here:
        assert faces.analyze(frame, 0.0) == here.analyze(frame, 0.0)
        faces.reset()
        assert faces.analyze(np.zeros_like(frame), 0.1).face_present is False


def test_model_errors_come_back_as_model_errors(
    host: ModelHost, audio: npt.NDArray[np.float32]
) -> None:
    with pytest.raises(ModelError) as refused:
        host.recognizer("fr")  # no French model on this terminal
    assert refused.value.kind is ErrorKind.MODEL_UNAVAILABLE
    assert not isinstance(refused.value, HostError)
    with host.face_analyzer() as faces, pytest.raises(ModelError) as bad:
        faces.analyze(np.zeros((4, 4), np.uint8), 0.0)  # not a colour image
    assert bad.value.kind is ErrorKind.INVALID_INPUT
    with pytest.raises(ValueError, match="1-D"):
        host.recognizer("en").transcribe(np.zeros((2, 100), np.float32), "en")
    # The process survived its callers' mistakes.
    assert host.recognizer("en").transcribe(audio[:16_000], "en").language == "en"


def test_a_dead_process_is_a_host_error_and_the_next_model_starts_a_new_one(
    host: ModelHost, audio: npt.NDArray[np.float32], frame: npt.NDArray[np.uint8]
) -> None:
    recognizer = host.recognizer("en")
    faces = host.face_analyzer()
    first = host.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    with pytest.raises(HostError):
        recognizer.transcribe(audio, "en")
    with pytest.raises(HostError):
        faces.analyze(frame, 0.0)
    faces.close()  # closing a proxy of a dead process is fine
    assert "expensive" in host.recognizer("en").transcribe(audio, "en").text
    assert host.pid not in (None, first)
    host.close()
    with pytest.raises(HostError):
        host.recognizer("en")


def test_the_process_ends_with_the_app(registry: ModelRegistry, tmp_path: Path) -> None:
    """Killed without any clean-up, the app leaves no model process behind."""
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from models.host import ModelHost
        from models.registry import ModelRegistry
        host = ModelHost(ModelRegistry(Path({str(tmp_path)!r})))
        host.recognizer("en")
        print(host.pid, flush=True)
        sys.stdin.read()
        """
    )
    app = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert app.stdout is not None
        helper = int(app.stdout.readline())
        app.kill()
        app.wait(timeout=30)
        for _ in range(100):
            if not _alive(helper):
                break
            time.sleep(0.1)
        assert not _alive(helper)
    finally:
        app.kill()


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie has ended: its parent is gone, init reaps it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
