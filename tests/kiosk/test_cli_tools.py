"""`kiosk models`, `kiosk score-text` and `kiosk analyze` as a user runs them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.demo import samples_dir
from models.registry import ModelRegistry

ROOT = Path(__file__).resolve().parents[2]
MEDIA = samples_dir() / "media"
STRONG_ZH = (
    "去年暑假我在手机营业厅兼职。一位客户说我们的套餐太贵，明确表示反对。我先倾听并追问她真正的顾虑，"
    "了解到她主要用流量，于是我调整方案，推荐了一个更便宜的流量套餐。她当天就办理了，后来还介绍了两位朋友，"
    "我那个月的销售额提高了15%。"
)


def kiosk(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env["KIOSK_DATA_DIR"] = str(tmp_path / "data")
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=env,
        check=False,
    )


def test_models_list_and_verify(tmp_path: Path) -> None:
    listed = kiosk(tmp_path, "models", "list")
    assert listed.returncode == 0, listed.stderr
    assert "whisper-tiny.en" in listed.stdout and "silero-vad" in listed.stdout
    verified = kiosk(tmp_path, "models", "verify")
    assert verified.returncode == 0 and verified.stdout.count("OK") == 2


def test_a_corrupt_bundle_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    builtin = ModelRegistry(tmp_path / "none").speech_model_for("en")
    bundle = tmp_path / "bundle"
    shutil.copytree(builtin.path, bundle)
    manifest = {
        "name": "whisper-test",
        "kind": "whisper",
        "version": "1",
        "languages": ["en"],
        "licence": "MIT",
        "files": dict(builtin.files),
    }
    (bundle / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with (bundle / "model.bin").open("r+b") as handle:  # flip one byte
        handle.seek(1000)
        byte = handle.read(1)
        handle.seek(1000)
        handle.write(bytes([byte[0] ^ 0xFF]))
    done = kiosk(tmp_path, "models", "install", str(bundle))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "model.bin" in done.stderr
    assert not any((tmp_path / "data" / "models").glob("whisper-test*"))


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        (
            "en",
            "Last summer I worked in a phone shop. A customer objected that our plan was too "
            "expensive. I listened and asked about her real concern, and learned she mostly used "
            "data, so I adjusted the offer and suggested a cheaper data plan. She signed that day "
            "and my monthly sales rose by 15 percent.",
        ),
        ("zh", STRONG_ZH),
    ],
)
def test_score_text_prints_scores_with_their_evidence(tmp_path: Path, lang: str, text: str) -> None:
    done = kiosk(
        tmp_path,
        "score-text",
        "--question",
        "bei-objection-handling",
        "--lang",
        lang,
        "--text",
        text,
        "--json",
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    customer = next(c for c in result["competencies"] if c["id"] == "customer_orientation")
    assert customer["level"] == 3 and customer["score100"] == 100
    quotes = [e["quote"] for part in customer["why"] for e in part["evidence"]]
    assert quotes and all(q in text for q in quotes)
    vague = kiosk(
        tmp_path,
        "score-text",
        "--question",
        "bei-objection-handling",
        "--lang",
        lang,
        "--text",
        "I always try my best. Customers are very important to me."
        if lang == "en"
        else "我一直很努力，客户对我来说非常重要。",
        "--json",
    )
    low = next(
        c for c in json.loads(vague.stdout)["competencies"] if c["id"] == "customer_orientation"
    )
    assert low["score100"] < customer["score100"]


def test_an_unknown_question_is_one_clear_error(tmp_path: Path) -> None:
    done = kiosk(tmp_path, "score-text", "--question", "no-such-question", "--text", "hello")
    assert done.returncode == 2 and "no-such-question" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_analyze_runs_the_real_models_on_a_recording(tmp_path: Path) -> None:
    done = kiosk(
        tmp_path,
        "analyze",
        "--question",
        "bei-teamwork-disagreement",
        "--audio",
        str(MEDIA / "demo-swe-intern" / "bei-teamwork-disagreement.ogg"),
        "--video",
        str(MEDIA / "two_faces.mp4"),
        "--policy",
        "eu",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert "python" in result["transcript"].lower()
    assert [f["code"] for f in result["flags"]] == ["multiple_faces"]
    assert result["policy"]["counted"] == ["content", "voice"]
    communication = next(c for c in result["competencies"] if c["id"] == "communication")
    visual = [p for p in communication["why"] if p["family"] == "visual"]
    assert visual and not visual[0]["counted"]
