"""IT admin mode through the real window: diagnostics, printing, config, accounts, secure wipe.

The harness app (engine thread, replay devices, real store) with a real IT admin logged in
through the login screen; every admin action runs on the staff thread against the real core.
Printing goes to a private CUPS scheduler with a cups-pdf queue (tests/ui/cups.py); the
loudspeaker test plays into a private PulseAudio null sink and is recorded from its monitor.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from hardware import SoundDeviceMicrophone
from kiosk.engine import Abandon, Reset, Stage
from kiosk.errors import ErrorKind, VaultError
from kiosk.staff import StaffServices
from kiosk.vault.accounts import Accounts
from kiosk.vault.roles import Role
from kiosk.wipe import RECEIPT_PREFIX
from tests.hardware import conftest as hardware_fixtures
from tests.hardware.conftest import PulseServer
from tests.ui import cups
from tests.ui.cups import CupsServer, printed_like, printed_title
from tests.ui.harness import CANARY_NAME, CLIP, WAIT_MS, App, ui_config, visible_texts
from tests.ui.staff_helpers import (
    add_user,
    log_in,
    open_login,
    totp_code,
    wait_logged_in,
    wait_login_message,
)
from ui.printing import render_test_page
from ui.staff.admin import AdminHome
from ui.staff.admin_common import CheckRow
from ui.staff.admin_wipe import WipePage
from ui.staff.calls import StaffFailure
from ui.staff.recruiter import RecruiterHome

cups_server = cups.cups_server
cups_without_queues = cups.cups_without_queues
pulse_server = hardware_fixtures.pulse_server


def admin_app(qtbot: QtBot, tmp_path: Path, **environ: str) -> App:
    """The app with an IT admin ("ivan") logged in, showing the admin home."""
    env = {"KIOSK_SPEAKER_KIND": "none", "KIOSK_DEVICE_ID": "lobby-7", **environ}
    app = App(qtbot, ui_config(tmp_path, **env))
    try:
        added = add_user(app, "ivan", Role.IT_ADMIN)
        open_login(app)
        log_in(app, "ivan", added.badge_token)
        wait_logged_in(app)
    except BaseException:
        app.close()
        raise
    return app


def home_of(app: App) -> AdminHome:
    home = app.window.staff.home
    assert isinstance(home, AdminHome)
    return home


def open_wipe(app: App) -> tuple[AdminHome, WipePage]:
    """The admin home showing the wipe page, once it has asked for the device id."""
    home = home_of(app)
    home.show_page(home.wipe)
    page = home.wipe
    app.qtbot.waitUntil(lambda: "lobby-7" in page.prompt.text(), timeout=WAIT_MS)
    return home, page


def run_check(app: App, row: CheckRow, timeout: int = WAIT_MS) -> str:
    """Tap a check's button and wait for its outcome; returns the outcome's text."""
    app.tap(row.button)
    app.qtbot.waitUntil(lambda: not row.button.isEnabled() or row.result.text(), timeout=5000)
    wait_outcome(app, row, timeout)
    return row.result.text()


def wait_outcome(app: App, row: CheckRow, timeout: int = WAIT_MS) -> None:
    app.qtbot.waitUntil(
        lambda: (
            row.button.isEnabled()
            and bool(row.result.text())
            and row.result.objectName() != "notice"
        ),
        timeout=timeout,
    )


def audit_actions(app: App) -> list[tuple[str, str, str]]:
    return [(e[2], e[3], e[4]) for e in app.kiosk.store.audit_entries()]


def test_diagnostics_run_and_show_their_results(qtbot: QtBot, tmp_path: Path) -> None:
    app = admin_app(qtbot, tmp_path)
    try:
        page = home_of(app).diagnostics
        assert home_of(app).tabs.currentWidget() is page
        # Disk and sync are shown without a tap.
        wait_outcome(app, page.disk)
        assert "free of" in page.disk.result.text()
        wait_outcome(app, page.sync)
        assert "Waiting to be sent: 0" in page.sync.result.text()

        camera = run_check(app, page.camera)
        assert "one face, well placed" in camera and "good light" in camera
        assert page.camera.result.objectName() == "good"
        pixmap = page.camera_image.pixmap()
        assert page.camera_image.isVisible() and not pixmap.isNull()
        assert pixmap.toImage().pixelColor(160, 120).value() > 20  # a picture, not black

        levels: list[int] = []
        page.meter.valueChanged.connect(levels.append)
        app.microphone.cue(CLIP)  # someone speaks into the (replay) microphone
        heard = run_check(app, page.microphone)
        assert "Loudest sound" in heard and page.microphone.result.objectName() == "good"
        assert levels and max(levels) >= 50, levels  # the bar moved with the speech

        assert "without a loudspeaker" in run_check(app, page.speaker)
        models = run_check(app, page.models)
        assert "OK" in models and "FAILED" not in models
        assert page.models.result.objectName() == "good"
        bench = run_check(app, page.benchmark, timeout=60_000)
        assert "real-time factor" in bench and "ready" in bench.lower()

        logs = app.config.data_dir / "logs"
        logs.mkdir(exist_ok=True)
        (logs / "kiosk.log").write_text("INFO kiosk ready\n")
        usb = tmp_path / "usb"
        usb.mkdir()
        page.export_folder.setText(str(usb))
        exported = run_check(app, page.export)
        assert "Exported 2 file(s)" in exported, exported
        (folder,) = usb.iterdir()
        assert sorted(p.name for p in folder.iterdir()) == ["diagnostics.json", "kiosk.log"]
        assert json.loads((folder / "diagnostics.json").read_text())["models"]
        assert ("ivan", "export", "logs") in audit_actions(app)
    finally:
        app.close()


def test_device_checks_are_refused_during_an_interview(qtbot: QtBot, tmp_path: Path) -> None:
    app = App(qtbot, ui_config(tmp_path, KIOSK_SPEAKER_KIND="none"))
    try:
        added = add_user(app, "ivan", Role.IT_ADMIN)
        app.walk_in("swe-intern")  # a candidate is checked in: the devices are theirs
        open_login(app)
        log_in(app, "ivan", added.badge_token)
        wait_logged_in(app)
        page = home_of(app).diagnostics
        for row in (page.camera, page.microphone, page.benchmark):
            assert "interview is in progress" in run_check(app, row)
            assert row.result.objectName() == "problem"
        assert page.camera_image.pixmap().isNull()
        # The candidate's session is untouched.
        assert app.stage() is Stage.GREETING
    finally:
        app.close()


def test_the_printer_test_page_comes_out_of_the_queue(
    qtbot: QtBot, tmp_path: Path, cups_server: CupsServer
) -> None:
    app = admin_app(qtbot, tmp_path)
    try:
        page = home_of(app).diagnostics
        text = run_check(app, page.printer)
        assert f"job {cups_server.queue}-" in text, text
        (pdf,) = cups_server.wait_for_pdfs(1)
        assert printed_title(pdf) == "Kiosk test page lobby-7"
        assert printed_like(pdf, render_test_page(device_id="lobby-7")) > 0.9
    finally:
        app.close()


def test_a_terminal_without_a_printer_says_so(
    qtbot: QtBot, tmp_path: Path, cups_without_queues: CupsServer
) -> None:
    app = admin_app(qtbot, tmp_path)
    try:
        page = home_of(app).diagnostics
        assert "no printer is set up" in run_check(app, page.printer)
        assert page.printer.result.objectName() == "problem"
    finally:
        app.close()


@pytest.mark.slow
def test_the_speaker_test_plays_a_tone_that_is_heard(
    qtbot: QtBot, tmp_path: Path, pulse_server: PulseServer
) -> None:
    app = admin_app(qtbot, tmp_path, KIOSK_SPEAKER_KIND="sounddevice")
    listener = SoundDeviceMicrophone("pulse")
    listener.open()
    try:
        listener.discard_pending()
        heard: list[np.ndarray] = []
        stop = threading.Event()

        def listen() -> None:
            while not stop.is_set():
                heard.append(listener.read(1600, timeout=3.0).samples)

        thread = threading.Thread(target=listen)
        thread.start()
        try:
            text = run_check(app, home_of(app).diagnostics.speaker)
        finally:
            stop.set()
            thread.join(timeout=10)
        assert "440 Hz tone played" in text, text
        audio = np.concatenate(heard)
        loud = audio[np.abs(audio) > 0.1]
        assert len(loud) > 0.8 * 16_000, "the tone was not heard"
        spectrum = np.abs(np.fft.rfft(audio * np.hanning(len(audio))))
        peak = np.fft.rfftfreq(len(audio), 1 / 16_000)[int(np.argmax(spectrum[5:])) + 5]
        assert peak == pytest.approx(440.0, abs=3.0)
    finally:
        listener.close()
        app.close()


def test_the_config_view_masks_secrets(qtbot: QtBot, tmp_path: Path) -> None:
    app = admin_app(
        qtbot,
        tmp_path,
        KIOSK_ERP_CLIENT_KEY="/srv/kiosk-tls/client-private.key",
        KIOSK_ERP_PINNED_KEY="cd" * 32,
    )
    try:
        home = home_of(app)
        home.show_page(home.config_page)
        page = home.config_page
        qtbot.waitUntil(lambda: page.table.rowCount() > 30, timeout=WAIT_MS)
        assert page.value_of("erp.client_key") == "hidden (set)"
        assert page.value_of("erp.pinned_key") == "hidden (set)"
        assert page.value_of("erp.ca_bundle") == "—"
        assert page.value_of("device_id") == "lobby-7"
        assert page.value_of("speaker.kind") == "none"
        texts = " ".join(
            page.table.item(r, c).text() for r in range(page.table.rowCount()) for c in range(3)
        )
        assert "client-private" not in texts and "cd" * 32 not in texts
        assert not any("client-private" in t for t in visible_texts(home))

        home.show_page(home.enrolment)
        enrolment = home.enrolment
        qtbot.waitUntil(lambda: bool(enrolment.values["enrolled"].text()), timeout=WAIT_MS)
        assert enrolment.values["enrolled"].text() == "no"
        assert enrolment.values["label"].text() == "lobby-7"
        assert "bank -" in enrolment.values["bundles"].text()
        assert "Neither enrolled" in enrolment.warning.text()
    finally:
        app.close()


def test_an_it_admin_cannot_open_reports(qtbot: QtBot, tmp_path: Path) -> None:
    app = App(qtbot, ui_config(tmp_path, KIOSK_SPEAKER_KIND="none"))
    try:
        add_user(app, "rita", Role.RECRUITER)
        added = add_user(app, "ivan", Role.IT_ADMIN)
        app.walk_in("swe-intern", name=CANARY_NAME)
        app.host.send(Abandon())  # the candidate walks away: a closed session to report on
        qtbot.waitUntil(lambda: app.stage() in (Stage.WELCOME, Stage.INTERRUPTED), timeout=WAIT_MS)
        if app.stage() is Stage.INTERRUPTED:
            app.host.send(Reset())
            app.wait_stage(Stage.WELCOME)
        (session,) = app.kiosk.store.sessions()
        open_login(app)
        log_in(app, "ivan", added.badge_token)
        wait_logged_in(app)
        home = home_of(app)
        tabs = [home.tabs.tabText(i) for i in range(home.tabs.count())]
        assert not any("report" in tab.lower() or "session" in tab.lower() for tab in tabs)

        failures: list[StaffFailure] = []

        def open_report(services: StaffServices) -> object:
            return services.desk.open(services.who(), session.session_id)

        home.context.call(home, open_report, lambda _: None, failures.append)
        qtbot.waitUntil(lambda: bool(failures), timeout=WAIT_MS)
        assert failures[0].kind == ErrorKind.FORBIDDEN.value
        assert "report_viewed" not in [action for _, action, _ in audit_actions(app)]
        assert not any(CANARY_NAME in text for text in visible_texts(app.window))
    finally:
        app.close()


def test_a_locked_recruiter_is_unlocked_and_logs_in(qtbot: QtBot, tmp_path: Path) -> None:
    app = App(qtbot, ui_config(tmp_path, KIOSK_SPEAKER_KIND="none"))
    try:
        rita = add_user(app, "rita", Role.RECRUITER)
        ivan = add_user(app, "ivan", Role.IT_ADMIN)
        store = app.kiosk.store
        accounts = Accounts(store, store.keyring, app.config.data_dir / "keys", app.clock.now)
        for _ in range(10):  # ten wrong PINs, each after any wait: the account locks for good
            with pytest.raises(VaultError):
                accounts.login("rita", "999999", "000000")
            app.clock.advance(16 * 60)
        open_login(app)
        log_in(app, "rita", totp_code(app, rita))
        assert wait_login_message(app) == "This account is locked. An IT admin can unlock it."

        log_in(app, "ivan", ivan.badge_token)
        wait_logged_in(app)
        home = home_of(app)
        home.show_page(home.accounts)
        page = home.accounts
        qtbot.waitUntil(lambda: "rita" in page.unlock_buttons, timeout=WAIT_MS)
        assert "ivan" not in page.unlock_buttons
        app.tap(page.unlock_buttons["rita"])
        qtbot.waitUntil(lambda: page.message.text() == "rita can log in again.", timeout=WAIT_MS)
        assert "rita" not in page.unlock_buttons
        assert ("ivan", "user_unlocked", "rita") in audit_actions(app)

        app.tap(app.window.staff.logout_button)
        app.wait_for(app.screens.welcome)
        open_login(app)
        app.clock.advance(30)  # a fresh authenticator code
        log_in(app, "rita", totp_code(app, rita))
        wait_logged_in(app)
        assert isinstance(app.window.staff.home, RecruiterHome)
    finally:
        app.close()


def test_secure_wipe_needs_the_device_id_then_erases_everything(
    qtbot: QtBot, tmp_path: Path
) -> None:
    app = admin_app(qtbot, tmp_path)
    data = app.config.data_dir
    try:
        home, page = open_wipe(app)
        assert "Staff accounts: 1" in page.loss.text()

        app.type_into(page.confirmation, "lobby-8")
        app.tap(page.wipe_button)
        qtbot.waitUntil(lambda: "Nothing was erased" in page.message.text(), timeout=WAIT_MS)
        assert (data / "keys" / "device.key").exists() and app.config.database_path.exists()
        assert not home.is_wiped

        page.confirmation.clear()
        app.type_into(page.confirmation, "lobby-7")
        with qtbot.waitSignal(home.wiped, timeout=WAIT_MS) as signal:
            app.tap(page.wipe_button)
        report = signal.args[0]
        assert home.is_wiped and home.wiped_page.isVisible()
        assert "This terminal has been wiped" in home.wiped_page.title.text()
        assert report.receipt.name in home.wiped_page.receipt.text()
        assert sorted(p.name for p in data.iterdir()) == [report.receipt.name]
        assert not (data / "keys").exists() and not app.config.database_path.exists()
        receipt = json.loads(report.receipt.read_text())
        assert receipt["by"] == {"user_id": "ivan", "role": "it_admin"}
        assert receipt["erased"]["accounts"] == 1
    finally:
        app.close()
    # The app closed cleanly on a wiped terminal, and wrote nothing back.
    assert sorted(p.name for p in data.iterdir()) == [report.receipt.name]


def test_staff_who_leave_during_a_wipe_leave_the_terminal_out_of_service(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """No page is left to report the wipe's end: the window learns it from the core and never
    shows the welcome screen of a wiped terminal again."""
    app = admin_app(qtbot, tmp_path)
    data = app.config.data_dir
    try:
        _, page = open_wipe(app)
        app.type_into(page.confirmation, "lobby-7")
        app.tap(page.wipe_button)
        app.window.staff.leave()  # before the wipe's answer comes back
        qtbot.waitUntil(
            lambda: any(p.name.startswith(RECEIPT_PREFIX) for p in data.iterdir()),
            timeout=WAIT_MS,
        )
        qtbot.waitUntil(lambda: app.window.current_screen() is app.screens.status, timeout=WAIT_MS)
        qtbot.wait(300)
        assert app.window.current_screen() is app.screens.status
        assert "not set up correctly" in " ".join(visible_texts(app.screens.status))
    finally:
        app.close()
