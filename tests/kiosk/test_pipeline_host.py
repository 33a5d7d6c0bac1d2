"""The analysis worker's models in the model process, and its fallback to its own process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kiosk.demo import samples_dir
from kiosk.pipeline import AnalysisJob, AnswerAnalyzer
from models.host import ModelHost
from models.registry import ModelRegistry

MEDIA = samples_dir() / "media"
CLIP = MEDIA / "demo-customer-manager" / "bei-objection-handling.ogg"

pytestmark = pytest.mark.slow  # the real models, some in a helper process


def job() -> AnalysisJob:
    return AnalysisJob("s", 0, 1, "bei-objection-handling", "en", CLIP, MEDIA / "face_steady.mp4")


def test_with_a_host_no_model_library_is_loaded_in_the_app(tmp_path: Path) -> None:
    """What keeps the GUI thread free: Whisper, MediaPipe and their libraries never load in
    the app's process (a fresh one, so other tests' imports do not count)."""
    script = textwrap.dedent(
        f"""
        import json, sys
        from pathlib import Path
        from kiosk.pipeline import AnalysisJob, AnswerAnalyzer
        from models.host import ModelHost
        from models.registry import ModelRegistry
        registry = ModelRegistry(Path({str(tmp_path)!r}))
        analyzer = AnswerAnalyzer(registry, host=ModelHost(registry))
        analyzer.recognizer("en")
        analyzer.warm_up()
        job = AnalysisJob(
            "s", 0, 1, "bei-objection-handling", "en", Path({str(CLIP)!r}),
            Path({str(MEDIA / "face_steady.mp4")!r}),
        )
        record = analyzer.analyze(job)
        analyzer.close()
        loaded = [m for m in ("mediapipe", "faster_whisper", "ctranslate2", "matplotlib")
                  if m in sys.modules]
        print(json.dumps({{"loaded": loaded, "text": record["transcript"]["text"],
                          "face": record["video"]["face_present_ratio"]["value"]}}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600, check=True
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["loaded"] == []
    assert "expensive" in result["text"] and result["face"] > 0.9


def test_the_host_and_the_fallback_give_the_same_record(tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path)
    host = ModelHost(registry)
    analyzer = AnswerAnalyzer(registry, host=host)
    hosted = analyzer.analyze(job())
    assert host.pid is not None
    host.close()  # as if the model process could not be started again: the models load here
    here = analyzer.analyze(job())
    analyzer.close()
    assert here == hosted
    assert "expensive" in here["transcript"]["text"]
    assert here["video"]["face_present_ratio"]["value"] > 0.9
    assert here["voice"]["speaking_rate"]["value"] > 0
