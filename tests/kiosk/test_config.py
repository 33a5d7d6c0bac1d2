"""Config loading: defaults, TOML, KIOSK_* overrides, and one clear message per mistake."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import KioskConfig, describe_config, env_name, load_config
from kiosk.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_valid_and_frozen() -> None:
    config = load_config(environ={})
    assert config.retention_days == 180
    assert config.camera.kind == "opencv" and config.microphone.kind == "sounddevice"
    with pytest.raises(AttributeError):
        config.retention_days = 1  # type: ignore[misc]


def test_file_and_environment_combine_with_environment_winning(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'device_id = "hall-a-03"\nlanguages = ["en"]\ndefault_language = "en"\n'
        '[camera]\nfps = 12\nsource = "/dev/video2"\n[erp]\nendpoint = "https://erp.example.com/kiosk"\n',
    )
    env = {
        "KIOSK_CAMERA_FPS": "20",
        "KIOSK_DATA_DIR": str(tmp_path / "data"),
        "KIOSK_CAMERA_LOOP": "no",
    }
    config = load_config(path, env)
    assert config.device_id == "hall-a-03"
    assert config.languages == ("en",)
    assert config.camera.fps == 20.0 and config.camera.source == "/dev/video2"
    assert config.camera.loop is False
    assert config.data_dir == tmp_path / "data"
    assert config.erp.endpoint == "https://erp.example.com/kiosk"


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("[camera]\nfps = 0\n", {}, "camera.fps: must be between 1 and 60"),
        ('[camera]\nfps = "fast"\n', {}, "camera.fps: must be a number"),
        ("[camera]\nfsp = 10\n", {}, "camera.fsp: unknown key"),
        ("colour = 1\n", {}, "colour: unknown key"),
        ("camera = 3\n", {}, "camera: must be a table"),
        ("retention_days = 1.5\n", {}, "retention_days: must be a whole number"),
        ('policy_profile = "lenient"\n', {}, "policy_profile: must be one of 'standard'"),
        ('languages = ["zh", "fr"]\n', {}, "languages: unknown language(s) fr"),
        ('default_language = "en"\nlanguages = ["zh"]\n', {}, "default_language: must be one of"),
        ('device_id = "hall a/3"\n', {}, "device_id: must be 1-64 letters"),
        (
            '[erp]\nendpoint = "http://erp.example.com"\n',
            {},
            "erp.endpoint: must be an https:// URL",
        ),
        ("[camera\n", {}, "not valid TOML"),
        (
            "",
            {"KIOSK_CAMERA_FPS": "lots"},
            "environment KIOSK_CAMERA_FPS: camera.fps: must be a number",
        ),
        ("", {"KIOSK_CAMRA_FPS": "10"}, "KIOSK_CAMRA_FPS: not a config setting"),
        ("", {"KIOSK_CAMERA_LOOP": "maybe"}, "camera.loop: must be true or false"),
        (
            "",
            {"KIOSK_MICROPHONE_KIND": "usb"},
            "microphone.kind: must be one of 'sounddevice', 'replay'",
        ),
    ],
)
def test_each_mistake_gets_one_message_naming_the_key(
    tmp_path: Path, text: str, env: dict[str, str], expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), env)
    assert expected in str(caught.value)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "absent.toml", {})


def test_plain_http_is_allowed_to_this_machine_only(tmp_path: Path) -> None:
    config = load_config(environ={"KIOSK_ERP_ENDPOINT": "http://127.0.0.1:8765/api"})
    assert config.erp.endpoint == "http://127.0.0.1:8765/api"


def test_every_field_is_documented_and_the_docs_are_current() -> None:
    docs = describe_config()
    for name in KioskConfig.__dataclass_fields__:
        sections = {
            "camera",
            "microphone",
            "speaker",
            "printer",
            "recording",
            "models",
            "erp",
            "bank",
            "interview",
            "analysis",
        }
        if name not in sections:
            assert f"`{env_name(name)}`" in docs
    assert "| `camera.fps` | `KIOSK_CAMERA_FPS` |" in docs
    assert (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8") == docs, (
        "docs/configuration.md is stale: run `kiosk config docs > docs/configuration.md`"
    )


def test_cli_reports_bad_config_with_exit_code_2_and_no_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, "[camera]\nfps = -3\n")
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(path), "config", "check"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == f"kiosk: {path}: camera.fps: must be between 1 and 60 (got -3)"
    assert "Traceback" not in done.stderr + done.stdout


def test_cli_config_check_accepts_a_good_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'retention_days = 30\n[microphone]\nkind = "replay"\n')
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(path), "config", "check"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    assert "config OK" in done.stdout
