"""Model bundles, the folders of model files IT staff install: their manifest, hashes and install.

A *bundle* is a directory holding a model's files and a ``manifest.json`` at its root::

    {
      "name": "whisper-small-multilingual",   # [a-z0-9][a-z0-9._-]*, at most 64 characters
      "kind": "whisper",                      # "whisper" (CTranslate2 Whisper) or "silero-vad"
      "version": "1.0",                       # [A-Za-z0-9][A-Za-z0-9._+-]*, at most 32 characters
      "languages": ["zh", "en"],              # Whisper language codes; may be [] for silero-vad
      "licence": "MIT",                       # free text, shown to staff
      "files": {"model.bin": "<sha256 hex>", "config.json": "<sha256 hex>", ...}
    }

``files`` maps every file of the model (relative POSIX paths, subfolders allowed) to its SHA-256.
A ``whisper`` bundle must list ``model.bin``, ``config.json``, ``tokenizer.json`` (without it
faster-whisper would try to download one) and ``vocabulary.txt`` or ``vocabulary.json``, plus
``preprocessor_config.json`` if the model has one (large-v3 needs it for its 128 mel bins). A
``silero-vad`` bundle lists exactly one ``.onnx`` file. Other keys are ignored, so a manifest
may carry notes. ``kiosk models install PATH`` installs a bundle from a directory or a
``.tar.gz``/``.tgz``/``.zip`` archive (manifest at the archive's root or inside its one top folder)
into ``<bundles_dir>/<name>-<version>/`` (:func:`install_bundle`).

Hashes are cached per file (path, device, inode, size, mtime) for the life of the process, so
asking for a model again does not re-read 75 MB; the cache guards against corruption and
half-finished copies, not against someone who edits a file and restores its mtime.

This is the layer under :mod:`models.registry`, which decides which model to use and re-exports
the names here that callers already import from it. :class:`ModelInfo` is defined here rather
than in the registry because a manifest parses into it and installing returns it: defined in
the registry, the two modules would import each other.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import tarfile
import tempfile
import threading
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import IO, Literal, cast, get_args

from kiosk.errors import ModelError

ModelKind = Literal["whisper", "silero-vad"]

MANIFEST = "manifest.json"

_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,31}")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """A model the registry knows about; :meth:`~models.registry.ModelRegistry.verify` says if
    it is intact."""

    name: str
    kind: ModelKind
    version: str
    #: Language codes the model transcribes; empty for a voice activity model.
    languages: tuple[str, ...]
    #: The model's directory; file names in ``files`` are relative to it.
    path: Path
    #: Shipped inside a Python package rather than installed by staff.
    builtin: bool
    licence: str = ""
    #: ``(relative path, SHA-256)`` of every file; empty for a custom model trusted without one.
    files: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        """``name@version``, how transcripts and logs name the model."""
        return f"{self.name}@{self.version}"


_hash_cache: dict[tuple[str, int, int, int, int], str] = {}
_hash_lock = threading.Lock()


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB chunks, cached for the process (see module docstring)."""
    before = path.stat()
    key = (str(path.resolve()), before.st_dev, before.st_ino, before.st_size, before.st_mtime_ns)
    with _hash_lock:
        cached = _hash_cache.get(key)
    if cached is not None:
        return cached
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    result = digest.hexdigest()
    after = path.stat()
    # A file still being written must not leave a stale "good" hash behind.
    if (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns):
        with _hash_lock:
            _hash_cache[key] = result
    return result


def file_problems(root: Path, files: tuple[tuple[str, str], ...]) -> list[str]:
    """One line per file under ``root`` that is missing, unreadable or not its pinned SHA-256."""
    problems = []
    for relative, expected in files:
        path = root / relative
        try:
            if not path.is_file():
                problems.append(f"{relative}: missing")
            elif file_sha256(path) != expected:
                problems.append(f"{relative}: SHA-256 mismatch")
        except OSError as error:
            problems.append(f"{relative}: unreadable ({error.strerror})")
    return problems


# --- manifests -----------------------------------------------------------------------------------

#: What faster-whisper needs besides a vocabulary (one of ``VOCABULARY_FILES``).
WHISPER_FILES = ("model.bin", "config.json", "tokenizer.json")
VOCABULARY_FILES = ("vocabulary.txt", "vocabulary.json")


def read_manifest(path: Path) -> ModelInfo:
    """Parse and validate a manifest; ``path`` of the result is its folder (callers re-point it)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{path}: missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelError(f"{path}: not readable JSON ({error})") from error
    return parse_manifest(data, str(path), path.parent, builtin=False)


def parse_manifest(data: object, where: str, folder: Path, *, builtin: bool) -> ModelInfo:
    """Validate a manifest's JSON ``data``; errors name ``where`` it came from."""
    if not isinstance(data, dict):
        raise ModelError(f"{where}: must be a JSON object")

    def field(key: str, pattern: re.Pattern[str] | None, hint: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ModelError(f"{where}: field {key!r} must be {hint}")
        if pattern is not None and not pattern.fullmatch(value):
            raise ModelError(f"{where}: field {key!r} must be {hint} (got {value!r})")
        return value

    name = field("name", _NAME, "a lowercase name such as 'whisper-small-multilingual'")
    version = field("version", _VERSION, "a version such as '1.0'")
    kind = field("kind", None, "'whisper' or 'silero-vad'")
    if kind not in get_args(ModelKind):
        raise ModelError(f"{where}: field 'kind' must be 'whisper' or 'silero-vad' (got {kind!r})")
    licence = field("licence", None, "the model's licence, e.g. 'MIT'")
    languages = data.get("languages")
    if not isinstance(languages, list) or not all(
        isinstance(code, str) and _LANGUAGE.fullmatch(code) for code in languages
    ):
        raise ModelError(f"{where}: field 'languages' must be a list of codes such as ['zh', 'en']")
    if kind == "whisper" and not languages:
        raise ModelError(f"{where}: field 'languages' must name at least one language")
    files = data.get("files")
    if not isinstance(files, dict) or not files:
        raise ModelError(f"{where}: field 'files' must map each file name to its SHA-256")
    for relative, digest in files.items():
        if not _safe_relative(relative) or relative == MANIFEST:
            raise ModelError(f"{where}: field 'files' has an unsafe file name {relative!r}")
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            raise ModelError(
                f"{where}: field 'files' needs a 64-digit lowercase SHA-256 for {relative!r}"
            )
    names = set(files)
    if kind == "whisper":
        missing = [name for name in WHISPER_FILES if name not in names]
        if not names & set(VOCABULARY_FILES):
            missing.append("vocabulary.txt or vocabulary.json")
        if missing:
            raise ModelError(f"{where}: field 'files' must list {', '.join(missing)}")
    elif sum(name.endswith(".onnx") for name in names) != 1:
        raise ModelError(f"{where}: field 'files' must list exactly one .onnx file")
    checksums = tuple(sorted(files.items()))
    return ModelInfo(name, cast(ModelKind, kind), version, tuple(languages), folder, builtin,
                     licence, checksums)  # fmt: skip


# --- installing ----------------------------------------------------------------------------------


def install_bundle(source: Path, bundles_dir: Path) -> ModelInfo:
    """Install a bundle from a directory or a ``.tar.gz``/``.tgz``/``.zip`` archive.

    The manifest is validated and every file is copied into a hidden staging folder inside
    ``bundles_dir`` and hashed there (the copy, not the source, so what is checked is what
    is installed); only then is the folder renamed to ``<name>-<version>``, so a bundle is
    either wholly installed or absent. Installing an intact version again changes nothing;
    a damaged installed copy of the same version is replaced. Files not in the manifest are
    not installed. Raises :class:`ModelError`, leaving ``bundles_dir`` as it was.
    """
    source = Path(source)
    if not source.exists():
        raise ModelError(f"{source}: not found")
    bundles_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".install-", dir=bundles_dir))
    try:
        return _install(source, staging, bundles_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _install(source: Path, staging: Path, bundles_dir: Path) -> ModelInfo:
    if source.is_dir():
        root = source
    elif source.name.endswith((".tar.gz", ".tgz", ".zip")):
        unpacked = staging / "unpacked"
        _unpack(source, unpacked, bundles_dir)
        root = _archive_root(unpacked, source)
    else:
        raise ModelError(f"{source}: expected a directory or a .tar.gz, .tgz or .zip archive")
    manifest = read_manifest(root / MANIFEST)
    target = bundles_dir / f"{manifest.name}-{manifest.version}"
    installed = _installed_copy(target, manifest)
    if installed is not None:
        return installed
    bundle = staging / "bundle"
    for relative, _ in (*manifest.files, (MANIFEST, "")):
        _copy_file(root, bundle, relative, source)
    info = replace(manifest, path=target)
    problems = file_problems(bundle, manifest.files)
    if problems:
        raise ModelError(
            f"{source}: bundle {info.label} is damaged ({'; '.join(problems)}); "
            "nothing was installed"
        )
    if target.exists():  # a damaged copy of the same version: move it aside, then replace
        target.rename(staging / "replaced")
    try:
        bundle.rename(target)
    except OSError as error:  # e.g. another process installed it at the same moment
        if _installed_copy(target, manifest) is not None:
            return info
        raise ModelError(f"{target}: cannot install bundle: {error.strerror}") from error
    _fsync_directory(bundles_dir)
    return info


def _installed_copy(target: Path, manifest: ModelInfo) -> ModelInfo | None:
    """The intact installed bundle at ``target`` if it has the same files; else None."""
    try:
        existing = read_manifest(target / MANIFEST)
    except ModelError:
        return None  # absent or damaged: (re)install
    if existing.files != manifest.files:
        raise ModelError(
            f"{target}: {manifest.label} is already installed with different files; "
            "a changed model needs a new version"
        )
    if file_problems(target, existing.files):
        return None
    return replace(existing, path=target)


# --- files and archives --------------------------------------------------------------------------


def _safe_relative(name: object) -> bool:
    if not isinstance(name, str) or not name or "\\" in name or "\0" in name:
        return False
    path = PurePosixPath(name)
    return not path.is_absolute() and all(part not in ("", ".", "..") for part in name.split("/"))


def _copy_file(root: Path, bundle: Path, relative: str, origin: Path) -> None:
    target = bundle / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with (root / relative).open("rb") as reader, target.open("xb") as writer:
            shutil.copyfileobj(reader, writer, _CHUNK)
            writer.flush()
            os.fsync(writer.fileno())  # the rename that publishes the bundle must not outrun data
    except FileNotFoundError:
        raise ModelError(f"{origin}: bundle is incomplete: {relative}: missing") from None
    except OSError as error:
        raise ModelError(f"{origin}: cannot copy {relative}: {error.strerror}") from error


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _archive_root(unpacked: Path, source: Path) -> Path:
    if (unpacked / MANIFEST).is_file():
        return unpacked
    entries = list(unpacked.iterdir()) if unpacked.is_dir() else []
    if len(entries) == 1 and (entries[0] / MANIFEST).is_file():
        return entries[0]
    raise ModelError(f"{source}: no {MANIFEST} at the archive's root or in its one top folder")


def _unpack(archive: Path, into: Path, disk: Path) -> None:
    """Unpack regular files and folders only, after checking every name (no links, no ``..``)."""
    try:
        if archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as box:
                infos = box.infolist()
                links = [i.filename for i in infos if stat.S_ISLNK(i.external_attr >> 16)]
                names, size = [i.filename for i in infos], sum(i.file_size for i in infos)
                _check_members(archive, names, links, size, disk)
                for info in infos:
                    _write_member(into, info.filename, None if info.is_dir() else box.open(info))
        else:
            with tarfile.open(archive, "r:gz") as box:
                members = box.getmembers()
                links = [m.name for m in members if not (m.isfile() or m.isdir())]
                names, size = [m.name for m in members], sum(m.size for m in members)
                _check_members(archive, names, links, size, disk)
                for member in members:
                    stream = box.extractfile(member) if member.isfile() else None
                    _write_member(into, member.name, stream)
    except (OSError, EOFError, tarfile.TarError, zipfile.BadZipFile) as error:
        raise ModelError(f"{archive}: cannot unpack archive ({error})") from error


def _check_members(
    archive: Path, names: list[str], links: list[str], size: int, disk: Path
) -> None:
    if links:
        raise ModelError(f"{archive}: refusing link or special file {links[0]!r} in archive")
    for name in names:
        cleaned = _member_name(name)
        if cleaned and not _safe_relative(cleaned):
            raise ModelError(f"{archive}: refusing unsafe path {name!r} in archive")
    free = shutil.disk_usage(disk).free
    # Twice: the unpacked archive and the staged bundle exist side by side until the end.
    if 2 * size > free:
        raise ModelError(f"{archive}: needs {2 * size >> 20} MiB free, {free >> 20} MiB left")


def _write_member(into: Path, name: str, stream: IO[bytes] | None) -> None:
    """Write one member; ``stream`` None means a folder."""
    target = into / _member_name(name)
    if stream is None:
        target.mkdir(parents=True, exist_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with stream, target.open("wb") as writer:
        shutil.copyfileobj(stream, writer, _CHUNK)


def _member_name(name: str) -> str:
    """An archive member's name without ``./`` in front or ``/`` behind; ``""`` for the root."""
    name = name.rstrip("/")
    while name.startswith("./"):
        name = name[2:]
    return "" if name == "." else name
