"""The one error root of the kiosk and its families.

Every error the product raises on purpose is a :class:`KioskError`. Each carries
an :class:`ErrorKind`, which the UI and the CLI turn into a message that is safe
to show a candidate; the exception text itself is for staff and logs and must
never contain personal data.

This module imports nothing first-party, so the leaf packages (``hardware``,
``models``) may import it without depending on the rest of the core; the
import-linter contracts in ``pyproject.toml`` allow exactly this one edge.
"""

from __future__ import annotations

import enum


class ErrorKind(enum.Enum):
    """What went wrong, in terms a screen can explain without details."""

    CONFIG_INVALID = "config_invalid"
    BANK_INVALID = "bank_invalid"
    DEVICE_UNAVAILABLE = "device_unavailable"
    DEVICE_LOST = "device_lost"
    MEDIA_INVALID = "media_invalid"
    MODEL_UNAVAILABLE = "model_unavailable"
    STORAGE_FAILED = "storage_failed"
    STORAGE_CORRUPT = "storage_corrupt"
    DISK_FULL = "disk_full"
    SYNC_FAILED = "sync_failed"
    LOCKED = "locked"  # sealed data that needs a staff login to open
    INVALID_INPUT = "invalid_input"
    FORBIDDEN = "forbidden"  # a logged-in staff member whose role does not allow the action
    INTERNAL = "internal"


#: Text a candidate may see for each kind, in both interview languages. Staff
#: screens may show the exception text too; candidates only ever see these.
SAFE_MESSAGES: dict[ErrorKind, dict[str, str]] = {
    ErrorKind.CONFIG_INVALID: {
        "en": "This terminal is not set up correctly. Please ask a staff member for help.",
        "zh": "本终端配置有误，请联系工作人员。",
    },
    ErrorKind.BANK_INVALID: {
        "en": "The interview questions could not be loaded. Please ask a staff member for help.",
        "zh": "面试题目无法加载，请联系工作人员。",
    },
    ErrorKind.DEVICE_UNAVAILABLE: {
        "en": "The camera or microphone is not available. Please ask a staff member for help.",
        "zh": "摄像头或麦克风不可用，请联系工作人员。",
    },
    ErrorKind.DEVICE_LOST: {
        "en": "The camera or microphone stopped working. Your earlier answers are safe; "
        "this question will be asked again.",
        "zh": "摄像头或麦克风中断。您之前的回答已保存，本题将重新作答。",
    },
    ErrorKind.MEDIA_INVALID: {
        "en": "A recording could not be read. Please ask a staff member for help.",
        "zh": "录制内容无法读取，请联系工作人员。",
    },
    ErrorKind.MODEL_UNAVAILABLE: {
        "en": "Interviews in this language are not available on this terminal today.",
        "zh": "本终端暂不支持该语言的面试。",
    },
    ErrorKind.STORAGE_FAILED: {
        "en": "Your answer could not be saved. Please ask a staff member for help.",
        "zh": "回答保存失败，请联系工作人员。",
    },
    ErrorKind.STORAGE_CORRUPT: {
        "en": "This terminal needs maintenance. Please ask a staff member for help.",
        "zh": "本终端需要维护，请联系工作人员。",
    },
    ErrorKind.DISK_FULL: {
        "en": "This terminal cannot start new interviews right now. Please ask a staff member.",
        "zh": "本终端暂时无法开始新的面试，请联系工作人员。",
    },
    ErrorKind.LOCKED: {
        "en": "A staff member needs to log in for this.",
        "zh": "此操作需要工作人员登录。",
    },
    ErrorKind.SYNC_FAILED: {
        "en": "Results will be sent to the HR system later.",
        "zh": "结果将稍后上传至人力资源系统。",
    },
    ErrorKind.INVALID_INPUT: {
        "en": "That did not work. Please try again.",
        "zh": "操作无效，请重试。",
    },
    ErrorKind.FORBIDDEN: {
        "en": "This account is not allowed to do that.",
        "zh": "此账户无权执行该操作。",
    },
    ErrorKind.INTERNAL: {
        "en": "Something went wrong. Please ask a staff member for help.",
        "zh": "系统出现问题，请联系工作人员。",
    },
}


class KioskError(Exception):
    """Root of every error the kiosk raises on purpose.

    ``str(error)`` is for staff and logs: it names keys, files and devices but
    never personal data. :meth:`safe_message` is what a candidate may read.
    """

    default_kind = ErrorKind.INTERNAL

    def __init__(self, message: str, *, kind: ErrorKind | None = None) -> None:
        super().__init__(message)
        self.kind = kind or self.default_kind

    def safe_message(self, language: str = "en") -> str:
        """The candidate-safe text for this error's kind, in ``language``."""
        messages = SAFE_MESSAGES[self.kind]
        return messages.get(language, messages["en"])


class ConfigError(KioskError):
    """The configuration file or a ``KIOSK_*`` override is invalid."""

    default_kind = ErrorKind.CONFIG_INVALID


class BankError(KioskError):
    """A question bank or competency model failed validation."""

    default_kind = ErrorKind.BANK_INVALID


class HardwareError(KioskError):
    """A camera, microphone or other device failed to open or was lost."""

    default_kind = ErrorKind.DEVICE_UNAVAILABLE


class DeviceLostError(HardwareError):
    """A device that was working stopped delivering mid-capture."""

    default_kind = ErrorKind.DEVICE_LOST


class ModelError(KioskError):
    """An on-device model is missing, corrupt or failed to run."""

    default_kind = ErrorKind.MODEL_UNAVAILABLE


class VaultError(KioskError):
    """Storage, sealing or the database failed."""

    default_kind = ErrorKind.STORAGE_FAILED


class SyncError(KioskError):
    """Talking to the HR ERP failed."""

    default_kind = ErrorKind.SYNC_FAILED
