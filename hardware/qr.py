"""Reading QR codes in camera frames (the invitation a candidate holds up to the camera).

OpenCV's contrib build ships WeChat's QR reader, which decodes codes held at up to ~45 degrees
to the lens; the plain ``cv2.QRCodeDetector`` fails once a code is tilted by more than ~20
degrees, and candidates rarely hold a phone square to a camera. The WeChat reader is slow on
frames that hold *no* code, though: ~100 ms for 320x240 on a kiosk core, against ~2 ms when a
code is there. :meth:`QrReader.scan` therefore runs the plain detector's cheap finder-pattern
search (~8 ms) on every frame it is given and the WeChat reader only when that search found
something, or every ``full_every``-th frame in any case (which catches the tilted codes the
plain search misses, a second or so later).

This is a leaf: the caller decides what a decoded text means. Decoded texts may be secrets (a
staff badge is a QR code too), so nothing here logs them.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from kiosk.errors import ErrorKind, HardwareError


class QrReader:
    """Decodes QR codes in BGR (or grey) ``uint8`` frames. One instance per thread."""

    def __init__(self, *, full_every: int = 3) -> None:
        if full_every < 1:
            raise ValueError("full_every must be >= 1")
        factory: Any = getattr(cv2, "wechat_qrcode_WeChatQRCode", None)
        if factory is None:
            raise HardwareError(
                "this OpenCV build has no wechat_qrcode (needs opencv-contrib-python-headless)",
                kind=ErrorKind.DEVICE_UNAVAILABLE,
            )
        # Without its two optional CNN models the reader uses classic detection, which is
        # what the measured figures above are for; no file is needed.
        self._wechat = factory()
        self._finder = cv2.QRCodeDetector()
        self._full_every = full_every
        self._count = 0

    def decode(self, image: npt.NDArray[np.uint8]) -> tuple[str, ...]:
        """Every QR code's text in ``image`` (the full, slow reader); empty if none."""
        texts, _points = self._wechat.detectAndDecode(_grey(image))
        return tuple(str(text) for text in texts if text)

    def scan(self, image: npt.NDArray[np.uint8]) -> tuple[str, ...]:
        """Like :meth:`decode` for a stream of frames, at a fraction of the cost (see the
        module docstring): call it on consecutive frames."""
        grey = _grey(image)
        self._count += 1
        found, _corners = self._finder.detect(grey)
        if not found and self._count % self._full_every != 0:
            return ()
        texts, _points = self._wechat.detectAndDecode(grey)
        return tuple(str(text) for text in texts if text)


def _grey(image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError(f"need a uint8 grey or BGR image, got {image.dtype} {image.shape}")
    if image.ndim == 2:
        return image
    return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
