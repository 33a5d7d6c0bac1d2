"""QR codes read from camera-like frames: upright, tilted like a phone in a hand, and absent."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from hardware.qr import QrReader

CODE = "K7Q4M2"


def qr_image(text: str, module_px: int = 6) -> npt.NDArray[np.uint8]:
    """A QR code (with its quiet zone) as a grey image, ``module_px`` pixels per module."""
    code = cv2.QRCodeEncoder.create().encode(text)
    return np.asarray(
        cv2.resize(code, None, fx=module_px, fy=module_px, interpolation=cv2.INTER_NEAREST),
        dtype=np.uint8,
    )


def scene(text: str | None, *, tilt: float = 0.0) -> npt.NDArray[np.uint8]:
    """A 320x240 BGR frame of textured grey, with the QR code of ``text`` in the middle, its
    left edge turned away from the camera by ``tilt`` (0: square to the lens; 0.5: that edge
    is half as tall and pushed a third inwards, a code held at roughly 45 degrees)."""
    rng = np.random.default_rng(7)
    frame = rng.integers(90, 170, size=(240, 320), dtype=np.uint8)
    if text is not None:
        code = qr_image(text)
        size = code.shape[0]
        sheet = np.full((240, 320), 255, dtype=np.uint8)
        x0, y0 = (320 - size) // 2, (240 - size) // 2
        sheet[y0 : y0 + size, x0 : x0 + size] = code
        mask = np.zeros_like(sheet)
        mask[y0 : y0 + size, x0 : x0 + size] = 255
        src = np.float32([[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size]])
        inset, shrink = size * tilt * 0.7, size * tilt / 2
        dst = np.float32(
            [
                [x0 + inset, y0 + shrink],
                [x0 + size, y0],
                [x0 + size, y0 + size],
                [x0 + inset, y0 + size - shrink],
            ]
        )
        warp = cv2.getPerspectiveTransform(src, dst)
        sheet = cv2.warpPerspective(sheet, warp, (320, 240), borderValue=0)
        mask = cv2.warpPerspective(mask, warp, (320, 240), borderValue=0)
        frame = np.where(mask > 127, sheet, frame).astype(np.uint8)
    return np.asarray(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR), dtype=np.uint8)


def test_an_upright_code_is_read_at_once() -> None:
    reader = QrReader()
    assert reader.decode(scene(CODE)) == (CODE,)
    assert reader.scan(scene(CODE)) == (CODE,)  # the cheap finder search sees it: no wait


def test_a_code_held_at_an_angle_is_read_by_the_full_reader() -> None:
    tilted = scene(CODE, tilt=0.5)
    # The plain OpenCV reader gives up on it; that is why the WeChat reader is used.
    assert cv2.QRCodeDetector().detectAndDecode(tilted)[0] == ""
    reader = QrReader(full_every=3)
    assert reader.decode(tilted) == (CODE,)
    # Scanning a stream, the full reader runs on every 3rd frame at the latest.
    found = [reader.scan(tilted) for _ in range(3)]
    assert (CODE,) in found


def test_frames_without_a_code_give_nothing() -> None:
    reader = QrReader(full_every=2)
    empty = scene(None)
    assert reader.decode(empty) == ()
    assert [reader.scan(empty) for _ in range(4)] == [()] * 4
    assert reader.decode(np.zeros((240, 320), dtype=np.uint8)) == ()  # grey frames too


def test_any_text_is_returned_as_it_is() -> None:
    # The reader does not judge: a link or a badge token comes back for the caller to refuse.
    text = "https://example.com/not-an-invitation?x=1"
    assert QrReader().decode(scene(text)) == (text,)


def test_bad_input_is_refused() -> None:
    reader = QrReader()
    with pytest.raises(ValueError, match="uint8"):
        reader.decode(np.zeros((240, 320, 3), dtype=np.float32))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        QrReader(full_every=0)
