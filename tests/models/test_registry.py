"""The model registry finds, verifies, installs and chooses real model files."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest

from kiosk.errors import ErrorKind, ModelError
from models.registry import ModelInfo, ModelRegistry, file_sha256


def builtin(kind: str) -> ModelInfo:
    (info,) = [m for m in ModelRegistry(Path("/nonexistent")).models() if m.kind == kind]
    return info


def make_bundle(
    folder: Path,
    source: ModelInfo,
    *,
    name: str,
    version: str = "1.0",
    languages: list[str] | None = None,
) -> Path:
    """Copy a built-in model's files into ``folder`` with a manifest of their real hashes."""
    folder.mkdir(parents=True)
    files = {}
    for relative, _ in source.files:
        shutil.copyfile(source.path / relative, folder / relative)
        files[relative] = file_sha256(folder / relative)
    manifest = {
        "name": name,
        "kind": source.kind,
        "version": version,
        "languages": source.languages if languages is None else languages,
        "licence": "MIT",
        "files": files,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def flip_byte(path: Path, offset: int = 1000) -> None:
    with path.open("r+b") as stream:
        stream.seek(offset)
        byte = stream.read(1)
        stream.seek(offset)
        stream.write(bytes([byte[0] ^ 0xFF]))


@pytest.fixture(scope="module")
def multilingual_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tiny.en's files dressed as a Chinese + English bundle (no real one can be downloaded)."""
    folder = tmp_path_factory.mktemp("sources") / "whisper-zh"
    return make_bundle(folder, builtin("whisper"), name="whisper-multi", languages=["en", "zh"])


@pytest.fixture
def vad_source(tmp_path: Path) -> Path:
    return make_bundle(tmp_path / "source-vad", builtin("silero-vad"), name="silero-vad-custom")


def test_builtins_are_listed_and_verify() -> None:
    registry = ModelRegistry(Path("/nonexistent"))
    models = {m.name: m for m in registry.models()}
    assert models["whisper-tiny.en"].languages == ("en",)
    assert models["whisper-tiny.en"].builtin
    assert models["silero-vad"].kind == "silero-vad"
    results = registry.verify()
    assert [(r.name, r.ok, r.problems) for r in results] == [
        ("whisper-tiny.en", True, ()),
        ("silero-vad", True, ()),
    ]
    assert registry.speech_model_for("en").name == "whisper-tiny.en"
    assert registry.vad_model().name == "silero-vad"


def test_chinese_with_only_tiny_en_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as caught:
        ModelRegistry(tmp_path / "bundles").speech_model_for("zh")
    assert caught.value.kind is ErrorKind.MODEL_UNAVAILABLE
    assert "no verified speech model for zh" in str(caught.value)
    assert "kiosk models install PATH" in str(caught.value)


def test_installed_multilingual_bundle_is_chosen_for_chinese(
    tmp_path: Path, multilingual_source: Path
) -> None:
    registry = ModelRegistry(tmp_path / "bundles")
    info = registry.install(multilingual_source)
    assert info.path == tmp_path / "bundles" / "whisper-multi-1.0"
    assert (info.name, info.version, info.languages, info.builtin) == (
        "whisper-multi",
        "1.0",
        ("en", "zh"),
        False,
    )
    assert registry.speech_model_for("zh") == info
    assert registry.speech_model_for("en") == info, "installed bundles win over built-ins"
    assert [v.ok for v in registry.verify("whisper-multi")] == [True]
    # Idempotent: the same version again changes nothing and leaves no staging folder.
    assert registry.install(multilingual_source) == info
    assert sorted(p.name for p in (tmp_path / "bundles").iterdir()) == ["whisper-multi-1.0"]


def test_corrupted_installed_file_is_reported_and_refused(
    tmp_path: Path, multilingual_source: Path
) -> None:
    registry = ModelRegistry(tmp_path / "bundles")
    info = registry.install(multilingual_source)
    assert registry.speech_model_for("zh") == info  # hashes now cached for this process
    flip_byte(info.path / "model.bin")
    (result,) = registry.verify("whisper-multi")
    assert not result.ok
    assert result.problems == ("model.bin: SHA-256 mismatch",)
    with pytest.raises(ModelError) as caught:
        registry.speech_model_for("zh")
    message = str(caught.value)
    assert caught.value.kind is ErrorKind.MODEL_UNAVAILABLE
    assert "whisper-multi@1.0" in message and "model.bin: SHA-256 mismatch" in message
    # English falls back to the intact built-in.
    assert registry.speech_model_for("en").name == "whisper-tiny.en"
    # Reinstalling the intact bundle repairs it.
    assert registry.install(multilingual_source) == info
    assert registry.speech_model_for("zh") == info


def test_corrupt_source_is_refused_and_leaves_nothing(
    tmp_path: Path, multilingual_source: Path
) -> None:
    source = tmp_path / "corrupt"
    shutil.copytree(multilingual_source, source)
    flip_byte(source / "model.bin")
    bundles = tmp_path / "bundles"
    with pytest.raises(ModelError, match=r"model\.bin: SHA-256 mismatch"):
        ModelRegistry(bundles).install(source)
    assert list(bundles.iterdir()) == []


def test_missing_file_is_refused_and_leaves_nothing(tmp_path: Path, vad_source: Path) -> None:
    (vad_source / "silero_vad_v6.onnx").unlink()
    bundles = tmp_path / "bundles"
    with pytest.raises(ModelError, match=r"silero_vad_v6\.onnx: missing"):
        ModelRegistry(bundles).install(vad_source)
    assert list(bundles.iterdir()) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"languages": "zh"}, "languages"),
        ({"kind": "llama"}, "kind"),
        ({"name": "../evil"}, "name"),
        ({"version": ""}, "version"),
        ({"licence": None}, "licence"),
        ({"files": {"../model.onnx": "0" * 64}}, "files"),
        ({"files": {"silero_vad_v6.onnx": "not-a-hash"}}, "files"),
    ],
)
def test_bad_manifest_is_refused_naming_the_field(
    tmp_path: Path, vad_source: Path, change: dict[str, object], field: str
) -> None:
    manifest = json.loads((vad_source / "manifest.json").read_text(encoding="utf-8"))
    (vad_source / "manifest.json").write_text(json.dumps(manifest | change), encoding="utf-8")
    bundles = tmp_path / "bundles"
    with pytest.raises(ModelError, match=f"field '{field}'"):
        ModelRegistry(bundles).install(vad_source)
    assert list(bundles.iterdir()) == []


def test_whisper_manifest_must_list_the_tokenizer(tmp_path: Path, vad_source: Path) -> None:
    manifest = json.loads((vad_source / "manifest.json").read_text(encoding="utf-8"))
    manifest |= {"kind": "whisper", "languages": ["en"]}
    (vad_source / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ModelError, match=r"must list model\.bin, config\.json, tokenizer\.json"):
        ModelRegistry(tmp_path / "bundles").install(vad_source)


@pytest.mark.parametrize("suffix", [".tar.gz", ".tgz", ".zip"])
def test_archives_install_and_installed_vad_wins(
    tmp_path: Path, vad_source: Path, suffix: str
) -> None:
    archive = tmp_path / f"vad{suffix}"
    if suffix == ".zip":
        with zipfile.ZipFile(archive, "w") as box:
            for path in vad_source.iterdir():
                box.write(path, f"silero-vad-custom/{path.name}")  # one top folder is allowed
    else:
        with tarfile.open(archive, "w:gz") as box:
            box.add(vad_source, arcname=".")
    registry = ModelRegistry(tmp_path / "bundles")
    info = registry.install(archive)
    assert info.label == "silero-vad-custom@1.0"
    assert registry.vad_model() == info
    assert sorted(p.name for p in (tmp_path / "bundles").iterdir()) == ["silero-vad-custom-1.0"]


def add_bytes(box: tarfile.TarFile, name: str, data: bytes) -> None:
    member = tarfile.TarInfo(name)
    member.size = len(data)
    box.addfile(member, io.BytesIO(data))


@pytest.mark.parametrize("evil", ["../escaped.txt", "/tmp/escaped.txt", "a/../../escaped.txt"])
def test_tar_with_path_traversal_is_refused(tmp_path: Path, vad_source: Path, evil: str) -> None:
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as box:
        box.add(vad_source, arcname=".")
        add_bytes(box, evil, b"gotcha")
    bundles = tmp_path / "inner" / "bundles"
    with pytest.raises(ModelError, match="refusing unsafe path"):
        ModelRegistry(bundles).install(archive)
    assert list(bundles.iterdir()) == []
    assert not list(tmp_path.rglob("escaped.txt"))


def test_tar_with_symlink_is_refused(tmp_path: Path, vad_source: Path) -> None:
    archive = tmp_path / "link.tgz"
    with tarfile.open(archive, "w:gz") as box:
        box.add(vad_source, arcname=".")
        link = tarfile.TarInfo("passwd")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        box.addfile(link)
    bundles = tmp_path / "bundles"
    with pytest.raises(ModelError, match="refusing link"):
        ModelRegistry(bundles).install(archive)
    assert list(bundles.iterdir()) == []


def test_zip_with_path_traversal_is_refused(tmp_path: Path, vad_source: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as box:
        for path in vad_source.iterdir():
            box.write(path, path.name)
        box.writestr("../escaped.txt", b"gotcha")
    bundles = tmp_path / "inner" / "bundles"
    with pytest.raises(ModelError, match="refusing unsafe path"):
        ModelRegistry(bundles).install(archive)
    assert list(bundles.iterdir()) == []
    assert not list(tmp_path.rglob("escaped.txt"))


def test_unreadable_bundle_folder_is_reported_by_verify(tmp_path: Path) -> None:
    bundles = tmp_path / "bundles"
    (bundles / "half-copied").mkdir(parents=True)
    registry = ModelRegistry(bundles)
    assert [m.name for m in registry.models()] == ["whisper-tiny.en", "silero-vad"]
    (broken,) = registry.verify("half-copied")
    assert not broken.ok
    assert "manifest.json: missing" in broken.problems[0]
    with pytest.raises(ModelError, match="half-copied is unreadable"):
        registry.speech_model_for("zh")


def test_custom_whisper_dir_without_manifest_is_trusted_and_preferred(tmp_path: Path) -> None:
    tiny = builtin("whisper")
    custom = tmp_path / "custom"
    shutil.copytree(tiny.path, custom)
    registry = ModelRegistry(tmp_path / "bundles", whisper_dir=custom)
    chosen = registry.speech_model_for("en")
    # Languages come from the vocabulary: tiny.en's 51,864 tokens mean English-only.
    assert (chosen.label, chosen.path, chosen.languages) == (
        "custom-whisper@local",
        custom,
        ("en",),
    )
    assert registry.verify("custom-whisper")[0].ok
    (custom / "tokenizer.json").unlink()
    (result,) = registry.verify("custom-whisper")
    assert result.problems == ("tokenizer.json: missing",)
    assert registry.speech_model_for("en").name == "whisper-tiny.en"
    told = ModelRegistry(tmp_path / "bundles", whisper_dir=custom, whisper_languages=["en", "zh"])
    assert told.models()[0].languages == ("en", "zh")


def test_unknown_model_name_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no model called 'nope'"):
        ModelRegistry(tmp_path).verify("nope")
