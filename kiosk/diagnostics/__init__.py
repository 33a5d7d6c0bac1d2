"""What an IT admin checks on a terminal: devices, models, disk, sync, enrolment and config.

Each function takes the staff services of the running kiosk, checks the caller's permission
first (:meth:`~kiosk.staff.StaffServices.require`), and returns plain frozen data for a screen
or the exported summary. None of it reads or returns personal data: an IT admin keeps the
terminal running without seeing a candidate (see :mod:`kiosk.vault.roles`).

- :mod:`kiosk.diagnostics.devices`: camera, microphone, loudspeaker, models (refused while an
  interview holds the devices);
- :mod:`kiosk.diagnostics.status`: disk, sync, enrolment and the effective config;
- :mod:`kiosk.diagnostics.export`: a summary of it all and the log export.
"""

from kiosk.diagnostics.devices import (
    BENCHMARK_CLIP,
    CameraCheck,
    InterviewInProgress,
    MicrophoneCheck,
    SpeakerCheck,
    SpeechBenchmark,
    benchmark_speech,
    check_camera,
    check_microphone,
    check_speaker,
    dbfs,
    interview_in_progress,
    verify_models,
)
from kiosk.diagnostics.export import LogExport, export_logs, summary
from kiosk.diagnostics.status import (
    ConfigRow,
    DiskReport,
    EnrolmentReport,
    SyncReport,
    config_rows,
    device_label,
    disk_report,
    enrolment_report,
    erp_identity,
    is_secret_setting,
    sync_report,
)

__all__ = [
    "BENCHMARK_CLIP",
    "CameraCheck",
    "ConfigRow",
    "DiskReport",
    "EnrolmentReport",
    "InterviewInProgress",
    "LogExport",
    "MicrophoneCheck",
    "SpeakerCheck",
    "SpeechBenchmark",
    "SyncReport",
    "benchmark_speech",
    "check_camera",
    "check_microphone",
    "check_speaker",
    "config_rows",
    "dbfs",
    "device_label",
    "disk_report",
    "enrolment_report",
    "erp_identity",
    "export_logs",
    "interview_in_progress",
    "is_secret_setting",
    "summary",
    "sync_report",
    "verify_models",
]
