"""IT admin diagnostics and the secure wipe, on a real assembled kiosk.

The kiosk is the composition root's (real store, keys and bank) with replay devices at fast
pace; staff log in with real accounts (argon2, TOTP). The wipe tests hold the key and database
files open across the wipe, so they can read what the wipe left in them.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from hardware import ReplayCamera, ReplayMicrophone
from kiosk import diagnostics
from kiosk.app import Kiosk, assemble, configure_logging
from kiosk.bank import CandidateProfile
from kiosk.clock import ManualClock
from kiosk.config import config_digests, load_config
from kiosk.consent import current_notice
from kiosk.demo import samples_dir
from kiosk.diagnostics import InterviewInProgress
from kiosk.engine import (
    Abandon,
    DeviceCheckPassed,
    FinishAnswer,
    GiveConsent,
    Proceed,
    Reset,
    Stage,
    StartAnswer,
)
from kiosk.errors import ErrorKind, VaultError
from kiosk.pulled import store_bundle
from kiosk.staff import StaffServices
from kiosk.vault import totp
from kiosk.vault.accounts import AddedUser
from kiosk.vault.envelope import fingerprint, new_key_pair
from kiosk.vault.roles import Role
from kiosk.wipe import RECEIPT_PREFIX, wipe_device, wipe_preview

MEDIA = samples_dir() / "media"
CLIP = MEDIA / "mic_check.ogg"
PIN = "482916"
CANARY = "Zebulon Quaxley"
PINNED = "ab" * 32


@dataclass
class Terminal:
    kiosk: Kiosk
    clock: ManualClock
    services: StaffServices
    microphone: ReplayMicrophone

    def add(self, user_id: str, role: Role) -> AddedUser:
        existing = None
        if role is not Role.IT_ADMIN and self.kiosk.store.keyring.review_key is not None:
            existing = next(u.user_id for u in self.services.accounts.users() if u.role is role)
        return self.services.accounts.add_user(
            user_id,
            role,
            PIN,
            actor="test",
            existing_recruiter=existing,
            existing_pin=PIN if existing else None,
        )

    def log_in(self, added: AddedUser) -> None:
        secret = parse_qs(urlparse(added.provisioning_uri).query)["secret"][0]
        code = totp.totp(totp.secret_from_base32(secret), self.clock.now())
        self.services.login(added.user_id, PIN, code)
        self.clock.advance(30)  # the next login needs a fresh code

    def check_in(self) -> str:
        self.kiosk.runner.check_in(
            "swe-intern", CandidateProfile.from_mapping({}), {"name": CANARY}, "en"
        )
        return str(self.kiosk.runner.state.session_id)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    config = load_config(
        environ={
            "KIOSK_DATA_DIR": str(tmp_path / "data"),
            "KIOSK_ANALYSIS_ENABLED": "false",
            "KIOSK_SPEAKER_KIND": "none",
            "KIOSK_DEVICE_ID": "lobby-7",
            "KIOSK_ERP_CLIENT_KEY": str(tmp_path / "tls" / "client.key"),
            "KIOSK_ERP_PINNED_KEY": PINNED,
        }
    )
    clock = ManualClock()
    camera = ReplayCamera(MEDIA / "face_steady.mp4", pace="fast", loop=True)
    microphone = ReplayMicrophone(None, pace="fast", fill_silence=True)
    kiosk = assemble(config, clock=clock, camera=camera, microphone=microphone)
    camera.open()
    microphone.open()
    kiosk.runner.start()
    services = StaffServices.of(kiosk, clock.now)
    try:
        yield Terminal(kiosk, clock, services, microphone)
    finally:
        camera.close()
        microphone.close()
        kiosk.close()


@pytest.fixture
def admin(terminal: Terminal) -> Terminal:
    terminal.log_in(terminal.add("ivan", Role.IT_ADMIN))
    return terminal


def test_the_config_view_masks_key_settings(admin: Terminal) -> None:
    rows = {row.key: row for row in diagnostics.config_rows(admin.services)}
    assert rows.keys() == config_digests(admin.kiosk.config).keys()
    for key in ("erp.client_key", "erp.pinned_key"):
        assert rows[key].masked and rows[key].value is None and rows[key].is_set
    assert rows["erp.ca_bundle"].value is None and not rows["erp.ca_bundle"].is_set
    assert rows["device_id"].value == "lobby-7" and not rows["device_id"].masked
    assert rows["languages"].value == "zh, en"
    assert rows["analysis.enabled"].value == "false"
    assert all(row.digest == config_digests(admin.kiosk.config)[row.key] for row in rows.values())
    shown = " ".join(row.value or "" for row in rows.values())
    assert "client.key" not in shown and PINNED not in shown


def test_a_recruiter_is_refused_every_admin_action(terminal: Terminal, tmp_path: Path) -> None:
    terminal.log_in(terminal.add("rita", Role.RECRUITER))
    actions = [
        diagnostics.config_rows,
        diagnostics.check_camera,
        diagnostics.verify_models,
        diagnostics.disk_report,
        diagnostics.enrolment_report,
        diagnostics.summary,
        wipe_preview,
        lambda services: diagnostics.export_logs(services, tmp_path),
        lambda services: wipe_device(services, "lobby-7"),
    ]
    for action in actions:
        with pytest.raises(VaultError) as caught:
            action(terminal.services)
        assert caught.value.kind is ErrorKind.FORBIDDEN
    # Recruiters may see whether results reach the HR system, nothing else of the device.
    assert diagnostics.sync_report(terminal.services).outbox.pending == 0
    assert (terminal.kiosk.config.data_dir / "keys" / "device.key").exists()


def test_device_checks_wait_for_the_interview(admin: Terminal) -> None:
    admin.check_in()
    assert diagnostics.interview_in_progress(admin.services)
    for check in (diagnostics.check_camera, diagnostics.check_microphone):
        with pytest.raises(InterviewInProgress):
            check(admin.services)
    with pytest.raises(InterviewInProgress):
        diagnostics.check_speaker(admin.services)
    with pytest.raises(InterviewInProgress):
        wipe_device(admin.services, "lobby-7")
    assert admin.kiosk.config.database_path.exists()
    # Checks that do not touch the devices still work.
    assert diagnostics.disk_report(admin.services).database_bytes > 0


def test_the_camera_check_sees_the_sample_face(admin: Terminal) -> None:
    result = diagnostics.check_camera(admin.services)
    assert result.faces == 1 and result.placement == "good", result.problems
    assert result.ok and 40 <= result.brightness <= 220
    assert result.image.shape == (result.height, result.width, 3)


def test_the_microphone_check_measures_what_it_hears(admin: Terminal) -> None:
    quiet = diagnostics.check_microphone(admin.services, seconds=0.5)
    assert quiet.problems and quiet.peak_dbfs < -100
    levels: list[float] = []
    admin.microphone.cue(CLIP)
    loud = diagnostics.check_microphone(admin.services, seconds=1.5, on_level=levels.append)
    assert not loud.problems and loud.peak_dbfs > -20
    assert len(levels) == 15 and max(levels) > -30 and min(levels) < max(levels) - 10
    assert loud.seconds == pytest.approx(1.5)


def test_the_speaker_check_knows_a_terminal_without_one(admin: Terminal) -> None:
    result = diagnostics.check_speaker(admin.services)
    assert not result.audible and result.seconds == 0.0


def test_models_verify_and_the_speech_benchmark(admin: Terminal) -> None:
    results = diagnostics.verify_models(admin.services)
    assert results and all(r.ok for r in results), [r.problems for r in results]
    bench = diagnostics.benchmark_speech(admin.services)
    assert bench.recognised, bench.transcript
    assert 1.0 < bench.audio_seconds < 5.0
    # tiny.en runs ~20x faster than real time on an idle terminal; a shared CI machine is
    # slower, so only a sane figure is asserted here.
    assert 0.0 < bench.real_time_factor < 5.0
    assert bench.load_seconds > 0.0 and bench.transcribe_seconds > 0.0


def test_enrolment_and_sync_state(admin: Terminal) -> None:
    from sync.credentials import DeviceCredentials, save_enrolment  # noqa: PLC0415

    before = diagnostics.enrolment_report(admin.services)
    assert not before.enrolled and before.erp_device_id is None and before.local_only
    assert diagnostics.device_label(admin.kiosk.config) == "lobby-7"
    keys = admin.kiosk.config.data_dir / "keys"
    server_private, server_public = new_key_pair()
    del server_private
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat  # noqa: PLC0415

    raw = server_public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    credentials = DeviceCredentials("erp-dev-42", "s3cret-device-secret", "https://erp.example")
    save_enrolment(keys, credentials, os.urandom(32), raw)
    with admin.kiosk.store.transaction() as db:
        db.execute(
            "INSERT INTO sync_state (name, value) VALUES ('bundle.bank.version', '7'), "
            "('bundle.config.error', 'signature does not verify')"
        )
    after = diagnostics.enrolment_report(admin.services)
    assert after.enrolled and after.erp_device_id == "erp-dev-42"
    assert after.endpoint == "https://erp.example"
    assert after.server_key == fingerprint(server_public) and not after.local_only
    assert after.organisation_key is not None and len(after.organisation_key) == 16
    assert "s3cret" not in repr(after)
    assert diagnostics.device_label(admin.kiosk.config) == "erp-dev-42"
    sync = diagnostics.sync_report(admin.services)
    assert sync.bundles["bank"] == (7, None)
    assert sync.bundles["config"] == (None, "signature does not verify")


def test_the_log_export_holds_no_personal_data(admin: Terminal, tmp_path: Path) -> None:
    admin.check_in()
    logs = admin.kiosk.config.data_dir / "logs"
    logs.mkdir()
    (logs / "kiosk.log").write_text("2026-11-22 INFO kiosk.interview: session opened\n")
    (logs / "kiosk.log.1").write_text("2026-11-21 INFO kiosk.app: kiosk ready\n")
    usb = tmp_path / "usb"
    usb.mkdir()
    export = diagnostics.export_logs(admin.services, usb)
    assert export.folder.parent == usb and export.folder.name.startswith("kiosk-logs-lobby-7-")
    assert sorted(p.name for p in export.folder.iterdir()) == [
        "diagnostics.json",
        "kiosk.log",
        "kiosk.log.1",
    ]
    assert (export.folder / "kiosk.log.1").read_text().endswith("kiosk ready\n")
    summary = json.loads((export.folder / "diagnostics.json").read_text())
    assert summary["sessions"] == {"stored": 1, "open": 1}
    assert summary["interview_in_progress"] is True
    assert summary["audit"]["chain_intact"] is True
    assert summary["accounts"]["by_role"]["it_admin"] == 1
    assert summary["config_digests"]["erp.client_key"]
    for path in export.folder.iterdir():
        text = path.read_text()
        assert CANARY not in text and "ivan" not in text and "client.key" not in text
        assert str(admin.kiosk.config.data_dir) not in text
    audit = [(e[2], e[3], e[4]) for e in admin.kiosk.store.audit_entries()]
    assert ("ivan", "export", "logs") in audit
    with pytest.raises(VaultError, match="not a folder"):
        diagnostics.export_logs(admin.services, tmp_path / "no-such-stick")


def test_a_wrong_confirmation_erases_nothing(admin: Terminal) -> None:
    assert wipe_preview(admin.services).device_label == "lobby-7"
    with pytest.raises(VaultError) as caught:
        wipe_device(admin.services, "lobby-8")
    assert caught.value.kind is ErrorKind.INVALID_INPUT
    assert (admin.kiosk.config.data_dir / "keys" / "device.key").exists()
    assert "wipe" not in [e[3] for e in admin.kiosk.store.audit_entries()]
    assert len(admin.services.accounts.users()) == 1


def test_the_wipe_destroys_the_keys_first_and_leaves_a_receipt(admin: Terminal) -> None:
    config = admin.kiosk.config
    data = config.data_dir
    # What a terminal holds: a finished (interrupted) session, a recruiter with the review key,
    # a pulled bundle, upload media, logs, and installed models.
    admin.add("rita", Role.RECRUITER)
    session_id = admin.check_in()
    if admin.kiosk.runner.dispatch(Abandon()).stage is not Stage.WELCOME:
        admin.kiosk.runner.dispatch(Reset())
    assert admin.kiosk.runner.state.stage is Stage.WELCOME
    assert not admin.kiosk.store.open_session_ids()
    assert admin.kiosk.store.wrapped_keys(session_id)
    device_key = (data / "keys" / "device.key").read_bytes()
    store_bundle(data, device_key, "invitations", version=3, data=[{"name": CANARY}], signed=b"x")
    (data / "media" / session_id).mkdir(parents=True)
    (data / "media" / session_id / "0-1.audio").write_bytes(os.urandom(4096))
    (data / "logs").mkdir()
    (data / "logs" / "kiosk.log").write_text("INFO kiosk ready\n")
    (data / "models" / "whisper-zh").mkdir(parents=True)
    (data / "models" / "whisper-zh" / "model.bin").write_bytes(b"weights")
    preview = wipe_preview(admin.services)
    assert (preview.sessions, preview.accounts, preview.undelivered) == (1, 2, 1)

    key_fd = os.open(data / "keys" / "device.key", os.O_RDONLY)
    db_fd = os.open(config.database_path, os.O_RDONLY)
    try:
        report = wipe_device(admin.services, " lobby-7 ")
        # The very bytes of the key and the database are overwritten, not just unlinked.
        assert os.pread(key_fd, 64, 0) not in (device_key, b"")
        assert len(os.pread(key_fd, 64, 0)) == 32
        db_bytes = os.pread(db_fd, 1 << 24, 0)
        assert db_bytes and db_bytes.count(0) == len(db_bytes)
    finally:
        os.close(key_fd)
        os.close(db_fd)

    left = sorted(p.name for p in data.iterdir())
    assert left == ["models", report.receipt.name]
    assert report.receipt.name.startswith(RECEIPT_PREFIX)
    assert (data / "models" / "whisper-zh" / "model.bin").read_bytes() == b"weights"
    assert (report.sessions, report.accounts, report.undelivered) == (1, 2, 1)
    assert report.files >= 6 and report.bytes > 4096
    receipt = json.loads(report.receipt.read_text())
    assert receipt["device_label"] == "lobby-7" and receipt["by"]["role"] == "it_admin"
    assert receipt["erased"]["sessions"] == 1 and receipt["audit_head"]["seq"] > 1
    assert receipt["not_erased"] == []  # the configured client key does not exist
    assert CANARY not in report.receipt.read_text()
    # The running kiosk can no longer touch its (deleted) database.
    with pytest.raises(VaultError):
        admin.kiosk.store.sessions()

    # Restarted on the same folder, it is a fresh terminal: no sessions, no accounts, new key.
    fresh = assemble(
        config, clock=admin.clock, camera=admin.kiosk.camera, microphone=admin.microphone
    )
    try:
        assert fresh.store.sessions() == []
        assert fresh.store.query("SELECT COUNT(*) FROM users")[0][0] == 0
        assert (data / "keys" / "device.key").read_bytes() != device_key
    finally:
        fresh.close()


def test_a_wipe_stopped_half_way_leaves_the_terminal_out_of_service(admin: Terminal) -> None:
    """The keys are gone but a later step fails (here the database refuses to delete the
    accounts): the terminal must take no interview on what is left, whoever notices first."""
    data = admin.kiosk.config.data_dir
    refusing = sqlite3.connect(admin.kiosk.config.database_path)
    refusing.execute(
        "CREATE TRIGGER keep_users BEFORE DELETE ON users BEGIN SELECT RAISE(ABORT, 'no'); END"
    )
    refusing.close()
    with pytest.raises(VaultError):
        wipe_device(admin.services, "lobby-7")
    assert not (data / "keys" / "device.key").exists()  # the crypto-erase had begun
    assert admin.kiosk.store.retired
    with pytest.raises(VaultError) as caught:
        admin.check_in()
    assert caught.value.kind is ErrorKind.CONFIG_INVALID
    assert admin.kiosk.runner.state.stage is Stage.WELCOME


def test_the_wipe_closes_the_log_files_it_deletes(admin: Terminal) -> None:
    logs = admin.kiosk.config.data_dir / "logs"
    logs.mkdir()
    handler = logging.FileHandler(logs / "kiosk.log")
    logging.getLogger().addHandler(handler)
    try:
        wipe_device(admin.services, "lobby-7")
        assert handler not in logging.getLogger().handlers
        assert handler.stream is None  # closed: nothing more is written to the deleted file
        assert not logs.exists()
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()


def test_the_exported_log_of_a_real_interview_names_nobody(admin: Terminal, tmp_path: Path) -> None:
    """The app's own log, at DEBUG, through a candidate's check-in, consent, an answer and the
    end of the session, then exported: neither the candidate nor staff are named in it."""
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    config = dataclasses.replace(admin.kiosk.config, log_level="DEBUG")
    try:
        path = configure_logging(config, console=False)
        runner = admin.kiosk.runner
        admin.check_in()
        notice = current_notice(
            retention_days=config.retention_days, policy_profile=config.policy_profile
        )
        consent = GiveConsent(notice.version)
        for event in (Proceed(), consent, DeviceCheckPassed(), StartAnswer()):
            runner.dispatch(event)
        admin.clock.advance(2)
        runner.dispatch(FinishAnswer())
        runner.dispatch(Abandon())
        admin.add("rita", Role.RECRUITER)
        logged = path.read_text()
        assert "closed: interrupted" in logged  # the real log, of this interview
        usb = tmp_path / "usb"
        usb.mkdir()
        export = diagnostics.export_logs(admin.services, usb)
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:] = saved[1]
        root.setLevel(saved[0])
    exported = (export.folder / "kiosk.log").read_text()
    assert exported.startswith(logged[:200])
    for secret in (CANARY, *CANARY.split(), "rita", "ivan", PIN):
        assert secret not in exported, secret
