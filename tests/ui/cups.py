"""A private CUPS scheduler with a real PDF printer, for the printing tests.

``cupsd -f`` runs with its own configuration, spool, state and logs in a temporary folder and
listens only on a Unix socket there; ``CUPS_SERVER`` points ``lp``, ``lpstat`` and ``lpadmin`` at
it, so nothing talks to (or needs) the system's scheduler. Its queue uses the ``cups-pdf``
backend (Debian ``printer-driver-cups-pdf``), which turns each job into a PDF file in an output
folder inside the temporary folder: a test can read back what was printed.

One thing lives outside the temporary folder: cups-pdf reads its settings from a path compiled
into it, ``/etc/cups/cups-pdf-<queue>.conf`` (one file per queue), so the fixture writes one for
its uniquely named queue and removes it afterwards. That is why these tests run as root (CI does).

The folder is made with ``tempfile`` rather than pytest's ``tmp_path``: CUPS runs its filters as
the ``lp`` user, who cannot enter pytest's root-only base folder.

The fixtures fail, never skip, when CUPS is missing: a skipped printing test would hide that the
machine cannot print at all.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest

PACKAGES = "cups cups-client cups-bsd printer-driver-cups-pdf ghostscript poppler-utils"
CUPS_PDF_BACKEND = Path("/usr/lib/cups/backend/cups-pdf")
CUPS_PDF_PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")
CUPS_PDF_CONFIG_DIR = Path("/etc/cups")
START_TIMEOUT = 15.0


@dataclass(frozen=True)
class CupsServer:
    """A running private scheduler."""

    root: Path  # the temporary folder holding everything
    socket: Path  # what CUPS_SERVER names
    queue: str | None  # the cups-pdf queue (None: a scheduler without queues)
    output: Path  # where cups-pdf writes each job's PDF
    pid: int

    @property
    def error_log(self) -> str:
        path = self.root / "log" / "error_log"
        return path.read_text(errors="replace") if path.exists() else ""

    def completed_jobs(self) -> list[str]:
        """Ids of the jobs the scheduler has finished."""
        done = subprocess.run(
            ["lpstat", "-W", "completed", "-o"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            env=dict(os.environ, CUPS_SERVER=str(self.socket), LC_ALL="C"),
        )
        return [line.split()[0] for line in done.stdout.splitlines() if line.strip()]

    def wait_for_pdfs(self, count: int = 1, timeout: float = 60.0) -> list[Path]:
        """The PDFs printed so far, once there are ``count`` and no job is still printing."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pdfs = sorted(self.output.glob("*.pdf"))
            if len(pdfs) >= count and not self._pending_jobs():
                return pdfs
            time.sleep(0.2)
        pytest.fail(
            f"cups-pdf wrote {len(list(self.output.glob('*.pdf')))} of {count} PDF(s) within "
            f"{timeout:g} s; scheduler log:\n{self.error_log[-3000:]}"
        )

    def _pending_jobs(self) -> bool:
        done = subprocess.run(
            ["lpstat", "-o"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            env=dict(os.environ, CUPS_SERVER=str(self.socket), LC_ALL="C"),
        )
        return bool(done.stdout.strip())


def pdf_info(path: Path) -> dict[str, str]:
    """The document information of a PDF (``pdfinfo``): Title, Pages, Page size…"""
    done = subprocess.run(
        [_require("pdfinfo"), str(path)], capture_output=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    fields = (line.split(":", 1) for line in done.stdout.decode(errors="replace").splitlines())
    return {key.strip(): value.strip() for key, value in fields}


def printed_title(path: Path) -> str:
    """The job title cups-pdf wrote into a PDF it printed (it wraps it in parentheses)."""
    title = pdf_info(path)["Title"]
    return title[1:-1] if title.startswith("(") and title.endswith(")") else title


def page_image(path: Path, dpi: int = 40) -> npt.NDArray[np.float64]:
    """The first page of a PDF as a grey image (``pdftoppm``), 0 = black."""
    out = path.with_suffix("")
    done = subprocess.run(
        [_require("pdftoppm"), "-q", "-r", str(dpi), "-gray", "-singlefile", str(path), str(out)],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    image = cv2.imread(str(out) + ".pgm", cv2.IMREAD_GRAYSCALE)
    assert image is not None
    return image.astype(np.float64)


def printed_like(printed: Path, original: bytes) -> float:
    """How closely the page cups-pdf printed matches the PDF that was sent: the correlation
    of the two pages' pixels. (Its text cannot be compared: on the way through PostScript the
    fonts become Type 3 glyphs that ``pdftotext`` cannot read back.)"""
    sent = printed.with_name("sent-original.pdf")
    sent.write_bytes(original)
    a, b = page_image(sent), page_image(printed)
    assert a.shape == b.shape, (a.shape, b.shape)
    # Blurred first: the round trip through PostScript moves glyphs by a fraction of a pixel.
    a, b = (cv2.GaussianBlur(image, (5, 5), 0) for image in (a, b))
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} not found; install the Debian packages: {PACKAGES}")
    return path


@contextmanager
def private_cups(*, with_queue: bool = True, default: bool = True) -> Iterator[CupsServer]:
    """A private ``cupsd -f``; ``with_queue`` adds a cups-pdf queue (the default destination
    if ``default``). ``CUPS_SERVER`` points at it while the context lasts."""
    cupsd = _require("cupsd")
    lpadmin = _require("lpadmin")
    _require("lp")
    _require("lpstat")
    _require("gs")  # cups-pdf turns PostScript into PDF with Ghostscript
    for needed in (CUPS_PDF_BACKEND, CUPS_PDF_PPD):
        if not needed.exists():
            pytest.fail(f"{needed} not found; install the Debian packages: {PACKAGES}")
    root = Path(tempfile.mkdtemp(prefix="kiosk-cups-"))
    root.chmod(0o755)
    conf, spool, log, output = root / "conf", root / "spool", root / "log", root / "out"
    for folder in (conf, spool, spool / "tmp", root / "state", root / "cache", log, output):
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o755)
    socket = root / "cups.sock"
    (conf / "cups-files.conf").write_text(
        f"SystemGroup root\nServerRoot {conf}\nRequestRoot {spool}\nTempDir {spool / 'tmp'}\n"
        f"StateDir {root / 'state'}\nCacheDir {root / 'cache'}\nPrintcap {root / 'printcap'}\n"
        f"AccessLog {log / 'access_log'}\nErrorLog {log / 'error_log'}\n"
        f"PageLog {log / 'page_log'}\n"
    )
    (conf / "cupsd.conf").write_text(
        f"LogLevel info\nListen {socket}\nBrowsing No\nWebInterface No\n"
        # What the kiosk's own CUPS should do too: no copy of a printed document is kept.
        "PreserveJobFiles No\n"
        "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
        "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
    )
    queue = f"kiosk-pdf-{secrets.token_hex(4)}" if with_queue else None
    backend_conf = None if queue is None else CUPS_PDF_CONFIG_DIR / f"cups-pdf-{queue}.conf"
    previous = os.environ.get("CUPS_SERVER")
    os.environ["CUPS_SERVER"] = str(socket)
    with (log / "cupsd.out").open("wb") as out:
        daemon = subprocess.Popen(
            [cupsd, "-f", "-c", str(conf / "cupsd.conf"), "-s", str(conf / "cups-files.conf")],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_running(daemon, root)
        if queue is not None and backend_conf is not None:
            try:
                backend_conf.write_text(
                    f"Out {output}\nAnonDirName {output}\nSpool {spool / 'cups-pdf'}\n"
                    f"Log {log}\nGrp root\nUserUMask 0022\nLabel 1\n"
                )
            except OSError as exc:
                pytest.fail(f"cannot write {backend_conf} (cups-pdf reads it there): {exc}")
            command = [
                lpadmin,
                "-p",
                queue,
                "-E",
                "-v",
                f"cups-pdf:/{queue}",
                "-P",
                str(CUPS_PDF_PPD),
            ]
            subprocess.run(command, capture_output=True, timeout=30, check=True)
            if default:
                subprocess.run([lpadmin, "-d", queue], capture_output=True, timeout=30, check=True)
        yield CupsServer(root, socket, queue, output, daemon.pid)
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=10)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait(timeout=10)
        if previous is None:
            os.environ.pop("CUPS_SERVER", None)
        else:
            os.environ["CUPS_SERVER"] = previous
        if backend_conf is not None:
            backend_conf.unlink(missing_ok=True)
        shutil.rmtree(root, ignore_errors=True)


def _wait_running(daemon: subprocess.Popen[bytes], root: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            logs = "".join(
                p.read_text(errors="replace")[-2000:]
                for p in (root / "log").glob("*")
                if p.is_file()
            )
            pytest.fail(f"cupsd exited with {daemon.returncode}: {logs}")
        state = subprocess.run(
            ["lpstat", "-r"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            env=dict(os.environ, LC_ALL="C"),
        )
        if state.stdout.strip() == "scheduler is running":
            return
        time.sleep(0.1)
    pytest.fail(f"cupsd did not start within {START_TIMEOUT:g} s")


@pytest.fixture
def cups_server() -> Iterator[CupsServer]:
    """A private scheduler whose default destination is a cups-pdf queue."""
    with private_cups() as server:
        yield server


@pytest.fixture
def cups_without_queues() -> Iterator[CupsServer]:
    """A private scheduler that runs but has no queue at all."""
    with private_cups(with_queue=False) as server:
        yield server
