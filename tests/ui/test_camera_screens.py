"""The screens that show the camera: the welcome screen's QR invitation scan and the device
check's live preview, indicators and "say: I am ready".

Real parts: the app's window and engine thread on replay devices, with camera videos made here
in ``tmp_path`` from the shipped face video (a QR code pasted on it, or darkened), and with the
analysis models where a test needs them (about 8 s: not marked slow).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from kiosk.demo import samples_dir
from kiosk.devicecheck import FaceFraming, Measurement
from kiosk.engine import Stage
from kiosk.pulled import store_bundle
from kiosk.sealing import load_device_key
from models.vision import FaceBox
from tests.ui import harness
from tests.ui.harness import WAIT_MS, App, ui_config
from ui.preview import FrameMailbox, SeenCodes, invitation_code

INVITATIONS = [
    {"code": "K7Q4M2", "positionId": "customer-manager", "name": "Wanda Invitee",
     "candidateRef": "cand-42"},
    {"code": "OLD123", "positionId": "swe-intern", "name": "Otto Late", "validUntil": 1000},
]  # fmt: skip
#: How long a QR code stays in view to show it is not acted on again (the scan runs ~3 times
#: a second, so this is ~9 scans).
HOLD_MS = 3000
SAMPLE_FACE = samples_dir() / "media" / "face_steady.mp4"


# -- media made for the test -----------------------------------------------------------------


def face_frames(count: int = 30) -> list[npt.NDArray[np.uint8]]:
    """The first ``count`` frames of the shipped face video (320x240, 10 fps)."""
    capture = cv2.VideoCapture(str(SAMPLE_FACE))
    frames = []
    while len(frames) < count:
        ok, frame = capture.read()
        assert ok, "the sample face video is shorter than expected"
        frames.append(np.asarray(frame, dtype=np.uint8))
    capture.release()
    return frames


def with_qr(frame: npt.NDArray[np.uint8], text: str) -> npt.NDArray[np.uint8]:
    """``frame`` with the QR code of ``text`` held up in its lower right corner, beside the face."""
    code = cv2.QRCodeEncoder.create().encode(text)
    scale = max(2, 100 // code.shape[0])
    code = cv2.resize(code, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    out = frame.copy()
    size = code.shape[0]
    out[235 - size : 235, 315 - size : 315] = code[..., None]
    return out


def write_video(folder: Path, frames: list[npt.NDArray[np.uint8]]) -> Path:
    """``frames`` as the camera video the harness replays (it plays ``face_steady.mp4``)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "face_steady.mp4"
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 10.0, (width, height))
    assert writer.isOpened()
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture
def camera_video(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A folder whose ``face_steady.mp4`` the app's replay camera plays (the harness builds its
    camera from ``MEDIA / "face_steady.mp4"``); the test writes the video into it."""
    folder = tmp_path / "camera"
    monkeypatch.setattr(harness, "MEDIA", folder)
    yield folder


def invite(config_dir: Path) -> None:
    """The ERP's invitations, sealed into the data directory as sync stores them."""
    keys = config_dir / "keys"
    keys.mkdir(parents=True, mode=0o700)
    store_bundle(
        config_dir, load_device_key(keys / "device.key"), "invitations",
        version=1, data=INVITATIONS, signed=b"{}",
    )  # fmt: skip


class Counter:
    """Counts a signal's emissions."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_: object) -> None:
        self.count += 1


def shows(widget: QLabel, text: str) -> bool:
    return text in widget.text()


# -- the welcome screen's QR scan ----------------------------------------------------------------


def test_an_invitation_qr_code_held_up_to_the_camera_checks_the_candidate_in(
    qtbot: QtBot, tmp_path: Path, camera_video: Path
) -> None:
    write_video(camera_video, [with_qr(frame, "K7Q4M2") for frame in face_frames()])
    config = ui_config(tmp_path)
    invite(config.data_dir)
    app = App(qtbot, config)
    try:
        welcome = app.screens.welcome
        app.wait_for(app.screens.greeting)
        assert app.screens.greeting.title.text() == "Welcome, Wanda Invitee"
        snapshot = app.window.snapshot
        assert snapshot is not None and snapshot.state.session_id is not None
        personal = app.kiosk.store.personal(snapshot.state.session_id)
        assert personal["name"] == "Wanda Invitee" and personal["candidate_ref"] == "cand-42"
        assert welcome.code_edit.text() == "K7Q4M2"  # checked in as if typed
        # The welcome screen showed the camera before the code was read.
        assert welcome.camera_view.frame is not None
        image = welcome.camera_view.frame.image
        assert image is not None and image.width() == 320

        # Out of the welcome stage the camera is not read for a preview or a scan any more.
        previews = Counter()
        app.host.preview.connect(previews)
        qtbot.wait(1000)
        assert previews.count == 0
        assert len(app.kiosk.store.sessions()) == 1
    finally:
        app.close()


def test_an_unknown_code_is_refused_once_while_it_is_held_up(
    qtbot: QtBot, tmp_path: Path, camera_video: Path
) -> None:
    write_video(camera_video, [with_qr(frame, "NOPE99") for frame in face_frames()])
    config = ui_config(tmp_path)
    invite(config.data_dir)
    app = App(qtbot, config)
    try:
        welcome = app.screens.welcome
        refusals = Counter()
        app.host.invitation_refused.connect(refusals)
        qtbot.waitUntil(lambda: shows(welcome.code_message, "could not find"), timeout=WAIT_MS)
        refusals.count = 0
        qtbot.wait(HOLD_MS)  # still held up: not looked up again and again
        assert refusals.count == 0
        assert welcome.code_edit.text() == "NOPE99"
        assert app.window.current_screen() is welcome
        assert app.kiosk.store.sessions() == []
    finally:
        app.close()


def test_a_qr_code_that_is_no_invitation_gets_a_gentle_message(
    qtbot: QtBot, tmp_path: Path, camera_video: Path
) -> None:
    # A link, as a phone's QR code for anything else would hold: not an invitation code.
    garbage = "https://example.com/pay?to=someone&amount=12"
    write_video(camera_video, [with_qr(frame, garbage) for frame in face_frames()])
    config = ui_config(tmp_path)
    invite(config.data_dir)
    app = App(qtbot, config)
    try:
        welcome = app.screens.welcome
        scans, refusals = Counter(), Counter()
        app.host.scan_refused.connect(scans)
        app.host.invitation_refused.connect(refusals)
        qtbot.waitUntil(lambda: shows(welcome.code_message, "not an invitation"), timeout=WAIT_MS)
        scans.count = 0
        qtbot.wait(HOLD_MS)
        assert scans.count == 0  # said once, when it first came into view
        assert refusals.count == 0  # never looked up
        assert welcome.code_edit.text() == ""  # nor put in the code field
        assert app.kiosk.store.sessions() == []
        # The candidate can still type their code.
        app.type_into(welcome.code_edit, "K7Q4M2")
        app.tap(welcome.code_button)
        app.wait_for(app.screens.greeting)
    finally:
        app.close()


def test_the_staff_area_stops_the_scan(qtbot: QtBot, tmp_path: Path) -> None:
    app = App(qtbot, ui_config(tmp_path))
    try:
        welcome = app.screens.welcome
        qtbot.waitUntil(lambda: welcome.camera_view.frame is not None, timeout=WAIT_MS)
        app.window.staff_login_requested.emit()
        qtbot.waitUntil(lambda: app.window.current_screen() is app.window.staff, timeout=WAIT_MS)
        qtbot.wait(300)  # a frame read just before may still be on its way
        previews = Counter()
        app.host.preview.connect(previews)
        qtbot.wait(1000)
        assert previews.count == 0
    finally:
        app.close()


# -- the device check -------------------------------------------------------------------------


def test_the_device_check_shows_the_camera_and_hears_the_candidate(
    qtbot: QtBot, tmp_path: Path
) -> None:
    app = App(qtbot, ui_config(tmp_path))  # analysis off: no face or speech model
    try:
        app.walk_in("swe-intern")
        app.to_device_check()
        check = app.screens.device_check
        qtbot.waitUntil(lambda: check.camera_view.frame is not None, timeout=WAIT_MS)
        frame = check.camera_view.frame
        assert frame is not None and frame.image is not None
        assert (frame.image.width(), frame.image.height()) == (320, 240)  # small enough as is
        assert frame.brightness is not None and 40 < frame.brightness < 220
        assert frame.face is None
        # Said plainly: this terminal cannot check the face.
        assert "not available on this terminal" in check.face_line.text()
        qtbot.waitUntil(lambda: check.camera_line.text().startswith("✓"), timeout=WAIT_MS)
        assert not check.continue_button.isEnabled()

        app.tap(check.check_button)
        assert "Listening" in check.status.text()
        # The level meter follows the voice while it speaks.
        qtbot.waitUntil(lambda: check.level_bar.value() > -20, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: check.result is not None, timeout=WAIT_MS)
        assert check.result is not None and check.result.ok
        assert check.result.one_face is None  # not checked, not guessed
        assert check.microphone_line.text().startswith("✓")
        qtbot.waitUntil(lambda: check.heard is not None, timeout=WAIT_MS)
        assert "not available" in check.heard_line.text()
        assert "Everything works" in check.verdict.text()
        app.tap(check.continue_button)
        app.wait_stage(Stage.PRACTICE_PREP)
        # The preview stopped with the stage: the recorder owns the camera now.
        previews = Counter()
        app.host.preview.connect(previews)
        qtbot.wait(800)
        assert previews.count == 0
    finally:
        app.close()


def test_a_dark_picture_is_flagged_and_does_not_pass(
    qtbot: QtBot, tmp_path: Path, camera_video: Path
) -> None:
    write_video(camera_video, [(frame * 0.1).astype(np.uint8) for frame in face_frames(20)])
    app = App(qtbot, ui_config(tmp_path))
    try:
        app.walk_in("swe-intern")
        app.to_device_check()
        check = app.screens.device_check
        qtbot.waitUntil(lambda: check.camera_line.text().startswith("✗"), timeout=WAIT_MS)
        assert "too dark" in check.verdict.text()  # said live, before any check
        app.tap(check.check_button)
        qtbot.waitUntil(lambda: check.result is not None, timeout=WAIT_MS)
        assert check.result is not None and not check.result.ok
        assert "too dark" in check.verdict.text()
        assert not check.continue_button.isEnabled()
        assert check.check_button.isEnabled()  # the candidate can fix the light and retry
    finally:
        app.close()


def test_with_analysis_the_face_is_framed_and_the_words_are_heard_back(
    qtbot: QtBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app = App(qtbot, ui_config(tmp_path, KIOSK_ANALYSIS_ENABLED="true"))
    try:
        app.walk_in("swe-intern")
        app.to_device_check()
        check = app.screens.device_check
        qtbot.waitUntil(lambda: check.face_line.text().startswith("✓"), timeout=WAIT_MS)
        assert "well placed" in check.face_line.text()
        frame = check.camera_view.frame
        assert frame is not None and frame.face is not None and frame.face.faces == 1
        app.tap(check.check_button)
        qtbot.waitUntil(lambda: check.heard is not None, timeout=60_000)
        assert check.result is not None and check.result.ok
        assert check.result.one_face is not None and check.result.one_face > 0.9
        heard = check.heard_line.text()
        assert "We heard" in heard and "ready" in heard.lower(), heard  # mic_check.ogg
        app.tap(check.continue_button)
        app.wait_stage(Stage.PRACTICE_PREP)
        # Shown, then forgotten; and never logged.
        assert check.heard is None and check.heard_line.text() == ""
        assert not any("ready" in record.getMessage().lower() for record in caplog.records)
    finally:
        app.close()


# -- the small parts --------------------------------------------------------------------------


def test_only_invitation_shaped_codes_are_accepted() -> None:
    assert invitation_code(" k7q4m2 ") == "K7Q4M2"
    assert invitation_code("AB-1234") == "AB-1234"
    for text in ("", "ab", "https://example.com/?code=K7Q4M2", "K7Q4 M2", "ikb1-" + "x" * 43):
        assert invitation_code(text) is None, text


def test_a_code_held_in_view_counts_once_until_it_was_away() -> None:
    seen = SeenCodes(forget_after=3.0)
    assert seen.new(["A"], 0.0) == ["A"]
    assert seen.new(["A"], 1.0) == []
    assert seen.new(["A"], 3.5) == []  # still in view (seen at 1.0)
    assert seen.new(["B"], 4.0) == ["B"]
    assert seen.new(["A"], 7.0) == ["A"]  # away for 3.5 s: shown again on purpose


def test_the_mailbox_keeps_only_the_newest_frame() -> None:
    box: FrameMailbox[int] = FrameMailbox()
    assert box.put(1) is True  # empty: the reader needs a nudge
    assert box.put(2) is False  # replaced: the nudge is already on its way
    assert box.take() == 2
    assert box.take() is None


def test_the_face_placement_follows_the_framing_guide() -> None:
    def place(*boxes: tuple[int, int, int, int]) -> str:
        found = tuple(FaceBox(x, y, w, h, 0.9) for x, y, w, h in boxes)
        return FaceFraming.of(found, 320, 240).placement

    assert place() == "none"
    assert place((124, 59, 87, 87)) == "good"  # the sample portrait
    assert place((124, 59, 87, 87), (10, 10, 40, 40)) == "several"
    assert place((0, 59, 87, 87)) == "off_centre"
    assert place((150, 100, 30, 30)) == "too_far"
    assert place((60, 10, 200, 220)) == "too_close"


def test_listening_waits_for_a_late_speaker_and_for_the_end_of_the_sentence() -> None:
    rate = 16_000
    quiet, loud = np.zeros(rate // 10, np.float32), np.full(rate // 10, 0.3, np.float32)

    def listened(blocks: list[npt.NDArray[np.float32]]) -> float:
        """Seconds gathered when a 3 s listening window closes, fed ``blocks`` then quiet."""
        measurement = Measurement(rate)
        for block in [*blocks, *[quiet] * 100]:
            measurement.add_audio(block)
            if measurement.complete(3.0):
                return round(measurement.seconds, 1)
        raise AssertionError("never complete")

    assert listened([loud] * 10) == 3.0  # spoke at once, quiet well before 3 s
    assert listened([quiet] * 25 + [loud] * 10) == 4.1  # started late: heard whole
    assert listened([]) == 6.0  # nothing at all: gives up at twice the time
