"""Render every screen under a real X server, in Chinese and English, at 1920×1080 and 1366×768.

    .venv/bin/python scripts/gallery.py [--out docs/gallery]

For each panel size this starts Xvfb at that size with a window manager (matchbox, as on a
terminal), then runs the screen tests (tests/ui/test_screens_fit.py) on it with Qt's xcb
platform: they drive the real app through every screen, fail on clipped text or characters no
font can draw, and save a PNG of the screen as X shows it. The Debian packages come from
packaging/bootstrap-system.sh (`make bootstrap`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage

ROOT = Path(__file__).resolve().parent.parent
SIZES = ("1920x1080", "1366x768")
TESTS = "tests/ui/test_screens_fit.py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "docs" / "gallery" / "full",
        help="where every screenshot goes, full size (default: docs/gallery/full, not committed)",
    )
    parser.add_argument(
        "--thumbnails",
        type=Path,
        default=ROOT / "docs" / "gallery",
        help="half-size copies of the 1366x768 screenshots, the committed gallery",
    )
    args = parser.parse_args()
    missing = [tool for tool in ("Xvfb", "matchbox-window-manager") if not shutil.which(tool)]
    if missing:
        print(
            f"gallery: missing {', '.join(missing)}: run `make bootstrap` as root", file=sys.stderr
        )
        return 2
    out: Path = args.out.resolve()
    if out == args.thumbnails.resolve():
        # The half-size copies replace what is in their folder: the shots must be elsewhere.
        print("gallery: --out and --thumbnails must be different folders", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    failed = False
    for display, size in enumerate(SIZES, start=91):
        failed |= _render(size, f":{display}", out) != 0
    shots = sorted(out.glob("*.png"))
    print(f"gallery: {len(shots)} screenshots in {out}")
    thumbnails = _thumbnails([p for p in shots if "-1366x768-" in p.name], args.thumbnails)
    print(f"gallery: {thumbnails} half-size copies in {args.thumbnails}")
    return 1 if failed else 0


def _thumbnails(shots: list[Path], folder: Path) -> int:
    # Half size keeps the committed gallery to a few MB; the full-size shots stay local.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication.instance() or QGuiApplication([])
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    for shot in shots:
        image = QImage(str(shot))
        half = image.scaledToWidth(image.width() // 2, Qt.TransformationMode.SmoothTransformation)
        if not half.save(str(folder / shot.name)):
            raise SystemExit(f"gallery: could not write {folder / shot.name}")
    del app
    return len(shots)


def _render(size: str, display: str, out: Path) -> int:
    with tempfile.TemporaryDirectory(prefix="gallery-") as runtime:
        xvfb = subprocess.Popen(
            ["Xvfb", display, "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        env = {**os.environ, "DISPLAY": display, "XDG_RUNTIME_DIR": runtime}
        try:
            _wait_for_display(display)
            manager = subprocess.Popen(
                ["matchbox-window-manager", "-use_titlebar", "no"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                time.sleep(0.5)  # let it take the screen before the first window maps
                env.update(QT_QPA_PLATFORM="xcb", KIOSK_GALLERY_DIR=str(out))
                command = [
                    sys.executable,
                    "-m",
                    "pytest",
                    TESTS,
                    "-q",
                    "-k",
                    size,
                    "-p",
                    "no:cacheprovider",
                ]
                return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
            finally:
                manager.terminate()
                manager.wait(timeout=10)
        finally:
            xvfb.terminate()
            xvfb.wait(timeout=10)


def _wait_for_display(display: str) -> None:
    # X servers put their socket here by convention; nothing is written to it by us.
    socket = Path("/tmp/.X11-unix") / f"X{display.lstrip(':')}"  # noqa: S108
    deadline = time.monotonic() + 10
    while not socket.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"gallery: Xvfb did not start on {display}")
        time.sleep(0.1)


if __name__ == "__main__":
    sys.exit(main())
