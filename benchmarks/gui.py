"""GUI responsiveness: the longest the GUI thread is blocked during an interview.

The probe (:class:`ui.responsiveness.GuiGapProbe`, a 10 ms precise timer on the GUI thread)
records the gaps between its firings beyond the interval:

- baseline: the probe alone on an idle event loop, for a few seconds: the timer's own jitter on
  this machine;
- an interview: a whole candidate journey (swe-intern) in the real :class:`ui.window.KioskWindow`
  and :class:`ui.engine_host.EngineHost`, wired as ``kiosk run --replay`` wires them (replay
  devices at fast pace, the replay voice speaking the demo candidate's answers, analysis on with
  the real models, the system clock), driven by clicking the real widgets from check-in to the
  done screen with the probe running throughout. The target: never more than 50 ms.

The driver acts like a candidate, not faster: it types the name a key at a time, and the
candidate's voice is cued from WAV copies of the sample clips (see :func:`_wav_voice`), so the
probe sees the app's costs and not the stand-in's.

Offscreen (``QT_QPA_PLATFORM=offscreen``) on a 1920×1080 screen, in this process. The engine
thread's longest intent (finalising, which waits for the answers' analysis, or the first
answer's start, which loads the live analysis) is reported beside it: those waits must not show
on the GUI thread.

Whisper and MediaPipe run in the model process (:mod:`models.host`, nice +10); the CPU it used
is shown beside this process's, so a regression that brings inference back here shows. The
machine's load average is shown too: the GUI thread can only be as quick as the scheduler lets
it, and on a shared two-core machine other jobs weigh on the figure. On a virtual machine the
host also takes the CPUs away now and then (steal, :mod:`benchmarks.steal`): each gap is
matched with the steal counted during it, and the target is held against the longest gap
during which none was, the app's own; the raw maximum is printed beside it. The fast replay
pace makes an answer's capture and analysis run flat out (several times real time), which is
harder on the GUI thread than a real interview. ``python -m benchmarks.gui --runs N`` repeats
the interview and prints each run; ``make bench`` runs it ``RUNS`` times and reports the worst
and the median.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import (
    QEventLoop,
    QMessageLogContext,
    Qt,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from benchmarks.steal import StealSampler, StealSplit
from hardware import AudioBlock, Pace, ReplayMicrophone, WavWriter, decode_audio
from kiosk.app import build_devices
from kiosk.clock import SystemClock
from kiosk.config import load_config
from kiosk.demo import samples_dir
from kiosk.engine import Stage
from ui.collector import MainThreadCollector
from ui.engine_data import kiosk_factory
from ui.engine_host import EngineHost
from ui.gil import gui_thread_first
from ui.replay import CueableMicrophone, ReplayVoice, as_cueable, replay_config, sample_clips
from ui.responsiveness import GapStats, GuiGapProbe, gui_gaps
from ui.style import apply_style
from ui.window import KioskWindow

Row = tuple[str, str, str, str]
TARGET_MS = 50.0
BASELINE_SECONDS = 3.0
WAIT_SECONDS = 120.0
POSITION = "swe-intern"
#: Interviews ``make bench`` plays: the figure varies with the machine's other load.
RUNS = 3
#: The offscreen screen the kiosk runs full screen on: the larger of the panels it supports.
SCREEN = (1920, 1080)
#: Between key presses when typing the candidate's name (a quick typist on a touch keyboard).
TYPING_MS = 80


def _application() -> QApplication:
    """The QApplication, offscreen (the platform is set before it exists)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    if existing is not None:
        raise RuntimeError("benchmarks.gui needs a QApplication, not a QCoreApplication")
    # A kiosk's panel, not the offscreen plugin's default 800×800 screen, narrower than any
    # terminal's: there the on-screen keyboard (~950 px wide) widened the window as it showed.
    config = Path(tempfile.gettempdir()) / f"kiosk-bench-screen-{os.getpid()}.json"
    width, height = SCREEN
    screen = {"name": "kiosk", "x": 0, "y": 0, "width": width, "height": height, "dpr": 1}
    config.write_text(json.dumps({"screens": [{**screen, "logicalDpi": 96}]}))
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    for name in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):  # as ui.cli does for cv2
        if "cv2" in os.environ.get(name, ""):
            del os.environ[name]
    qInstallMessageHandler(_quiet)
    return QApplication(["benchmarks.gui"])


def _quiet(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Qt's messages to stderr, less the offscreen plugin's one about size hints (on every
    layout change, so hundreds of lines in an interview)."""
    if "propagateSizeHints" not in message:
        sys.stderr.write(message + "\n")


def _spin(ms: int) -> None:
    """Run the event loop for ``ms`` milliseconds, as ``QApplication.exec`` runs it.

    Not ``QTest.qWait``: PySide6 holds the interpreter lock through its sleeps, so every other
    Python thread (the engine, capture, analysis) got the lock only when the GUI thread ran
    Python code, and then made the GUI thread wait for it in turn; a thread spinning in Python
    advanced ~60 times slower under ``qWait`` than under ``exec``. A driver artifact, so the
    benchmark used to report gaps the app does not have.
    """
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _wait_until(predicate: Callable[[], bool], what: str, timeout: float = WAIT_SECONDS) -> None:
    """Run the event loop until ``predicate`` holds; RuntimeError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"benchmarks.gui: timed out waiting for {what}")
        _spin(5)


def idle_baseline(seconds: float = BASELINE_SECONDS) -> GapStats:
    """The probe on an idle event loop, garbage collected as the app's is (otherwise the
    interpreter's own full collection, ~65 ms over an unfrozen heap, lands in it now and then)."""
    app = _application()
    collector = MainThreadCollector(parent=app)
    collector.start()
    try:
        with gui_gaps(10) as probe:
            _spin(int(seconds * 1000))
    finally:
        collector.stop()
        collector.deleteLater()
    return probe.stats()


def _wav_voice(microphone: CueableMicrophone, folder: Path) -> ReplayVoice:
    """The demo candidates' voice, from 16 kHz WAV copies of their Ogg clips made now.

    The replay voice cues a clip on the engine thread when an answer starts; decoding a
    15 s Ogg clip there (PyAV, frame by frame in Python) takes ~90 ms, much of it holding the
    interpreter lock, at every "Start answering": a cost of this stand-in for a candidate that
    a real interview does not have. A 16-bit WAV at the microphone's rate reads in ~1 ms.
    """
    folder.mkdir(parents=True, exist_ok=True)

    def wav(clip: Path) -> Path:
        path = folder / f"{clip.parent.name}-{clip.stem}.wav"
        if not path.exists():
            with WavWriter(path, 16_000) as writer:
                writer.write(AudioBlock(decode_audio(clip, 16_000), 0, 16_000))
        return path

    clips = {question: wav(clip) for question, clip in sample_clips().items()}
    check = wav(samples_dir() / "media" / "mic_check.ogg")
    return ReplayVoice(microphone, clips, check_clip=check, fallback=check)


class _Kiosk:
    """The app as ``kiosk run --replay`` wires it (system clock, replay devices at fast pace,
    the demo candidate's voice, analysis on), driven through its widgets like a candidate."""

    def __init__(self, data_dir: Path, pace: Pace = "fast") -> None:
        app = _application()
        environ = {"KIOSK_DATA_DIR": str(data_dir), "KIOSK_DEFAULT_LANGUAGE": "en"}
        config = load_config(environ=environ)  # defaults: analysis on, live analysis on
        config = replay_config(config, data_dir=data_dir / "replay", pace=pace)
        camera, microphone = build_devices(config)
        assert isinstance(microphone, ReplayMicrophone)
        self.microphone = microphone
        clock = SystemClock()

        factory = kiosk_factory(config, clock=clock, camera=camera, microphone=microphone)
        apply_style(app)
        self._runtime = ExitStack()
        self._runtime.enter_context(gui_thread_first(app))  # as `kiosk run` does
        voice = _wav_voice(as_cueable(microphone), data_dir / "voice")
        self.host = EngineHost(factory, clock=clock, voice=voice)
        self.window = KioskWindow(self.host, clock, language=config.default_language)
        self.screens = self.window.screens
        self.busy: list[tuple[float, bool, str]] = []
        self.host.busy.connect(
            lambda on: self.busy.append((time.perf_counter(), on, self.stage().name))
        )
        self.window.show_kiosk()
        self.host.start()
        welcome = self.screens.welcome
        _wait_until(lambda: POSITION in welcome.position_buttons, "the engine to be ready")

    def stage(self) -> Stage:
        snapshot = self.window.snapshot
        return Stage.WELCOME if snapshot is None else snapshot.state.stage

    def on_screen(self, screen: QWidget) -> None:
        _wait_until(lambda: self.window.current_screen() is screen, type(screen).__name__)

    def tap(self, widget: QAbstractButton, *, next_state: bool = False) -> None:
        """Tap once it is shown and enabled (as a finger would have to wait); with
        ``next_state``, until the engine has answered with a new state."""
        _wait_until(lambda: widget.isVisible() and widget.isEnabled(), f"'{widget.text()}'")
        before = self.window.snapshot
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton)
        if next_state:
            _wait_until(lambda: self.window.snapshot is not before, "the next state")

    def journey(self) -> None:
        """Check-in to the done screen; every answer spoken by the replay voice."""
        screens = self.screens
        name = screens.welcome.name_edit
        QTest.mouseClick(name, Qt.MouseButton.LeftButton)  # a finger on the field
        _spin(TYPING_MS)
        for key in "Bench Candidate":
            # One key at a time, as fingers type: keyClicks with the whole name would deliver it
            # in one go on this thread, a block no candidate's typing can cause.
            QTest.keyClicks(name, key)
            _spin(TYPING_MS)
        self.tap(screens.welcome.position_buttons[POSITION])
        self.on_screen(screens.greeting)
        self.tap(screens.greeting.continue_button)
        self.on_screen(screens.consent)
        self.tap(screens.consent.agree_button)
        self.on_screen(screens.device_check)
        self.tap(screens.device_check.check_button)
        self.tap(screens.device_check.continue_button)
        _wait_until(lambda: self.stage() is Stage.PRACTICE_PREP, "the practice question")
        question = screens.question
        while (stage := self.stage()) is not Stage.DONE:
            if stage in (Stage.PREP, Stage.PRACTICE_PREP):
                self.tap(question.start_button, next_state=True)
            elif self.window.current_screen() is screens.choice:
                self.tap(screens.choice.option_buttons[0], next_state=True)
            elif stage in (Stage.ANSWER, Stage.PRACTICE_ANSWER):
                _wait_until(self.microphone.clip_done.is_set, "the answer to be spoken")
                self.tap(question.done_button, next_state=True)
            elif stage is Stage.REVIEW:
                self.tap(question.next_button, next_state=True)
            else:
                _spin(5)
        self.on_screen(screens.done)

    def longest_intent(self) -> tuple[float, str]:
        """Seconds of the longest busy intent on the engine thread, and the stage it was
        tapped in (finalising is the tap in the last REVIEW or ANSWER)."""
        pairs = zip(self.busy[::2], self.busy[1::2], strict=False)
        spans = [(end - start, stage) for (start, _, stage), (end, _, _) in pairs]
        return max(spans, default=(0.0, "-"))

    def close(self) -> None:
        self._runtime.close()
        self.window.shutdown()
        stopped = self.host.stop(120)
        self.window.deleteLater()
        _spin(0)
        if not stopped:
            raise RuntimeError("benchmarks.gui: the engine thread did not stop")


@dataclass(frozen=True, slots=True)
class Run:
    """One interview's figures."""

    baseline: GapStats  # the idle loop just before it
    gaps: GapStats
    steal: StealSplit  # the same gaps, split by whether the hypervisor took CPU time
    seconds: float
    longest_intent: tuple[float, str]
    app_cpu: float  # seconds of CPU this process used during the interview
    model_cpu: float  # seconds of CPU the model process used
    load: tuple[float, float]  # 1-minute load average before and after

    def describe(self) -> str:
        """One line for the console."""
        steal = self.steal
        return (
            f"max gap {self.gaps.max_gap_ms:.1f} ms, p99 {self.gaps.p99_gap_ms:.1f} ms "
            f"(idle {self.baseline.max_gap_ms:.1f} ms); without steal {steal.max_gap_ms:.1f} ms, "
            f"with {steal.max_gap_with_steal_ms:.1f} ms (less the steal "
            f"{steal.max_net_with_steal_ms:.1f} ms; {steal.gaps_with_steal} of "
            f"{steal.gaps_over} gaps > {TARGET_MS:.0f} ms in steal; steal "
            f"{steal.steal_share:.1%}); {self.seconds:.1f} s; CPU app "
            f"{self.app_cpu:.1f} s, model process {self.model_cpu:.1f} s; load "
            f"{self.load[0]:.2f} -> {self.load[1]:.2f}"
        )


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def interview(
    data_dir: Path, pace: Pace = "fast"
) -> tuple[GapStats, StealSplit, float, tuple[float, str]]:
    """The probe over one whole journey (check-in to the done screen), its gaps split by the
    machine's steal, the journey's seconds and the longest engine intent's seconds."""
    kiosk = _Kiosk(data_dir, pace)
    steal = StealSampler()
    probe = GuiGapProbe(10, on_tick=steal.tick)
    try:
        started = time.perf_counter()
        probe.start()
        kiosk.journey()
        stats = probe.stop()
        seconds = time.perf_counter() - started
    finally:
        probe.stop()
        kiosk.close()
    return stats, steal.split(stats.interval_ms, TARGET_MS), seconds, kiosk.longest_intent()


def run_once(pace: Pace = "fast") -> Run:
    """The idle baseline, then one interview (its model process ended and reaped, so its CPU
    is counted in this process's children)."""
    load = os.getloadavg()[0]
    base = idle_baseline()
    app, children = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory(prefix="bench-gui-") as tmp:
        stats, steal, seconds, longest = interview(Path(tmp), pace)
    return Run(
        base,
        stats,
        steal,
        seconds,
        longest,
        _cpu(resource.RUSAGE_SELF) - app,
        _cpu(resource.RUSAGE_CHILDREN) - children,
        (load, os.getloadavg()[0]),
    )


def rows(runs: int = RUNS, *, pace: Pace = "fast", verbose: bool = False) -> list[Row]:
    """Play ``runs`` interviews, each after its idle baseline; one row per figure (the worst
    run's maximum against the target, the median beside it)."""
    done = []
    for number in range(runs):
        done.append(run_once(pace))
        if verbose:
            print(f"run {number + 1}/{runs}: {done[-1].describe()}", flush=True)
    maxima = sorted(r.gaps.max_gap_ms for r in done)
    worst, median = maxima[-1], statistics.median(maxima)
    p99 = statistics.median(r.gaps.p99_gap_ms for r in done)
    idle = max(r.baseline.max_gap_ms for r in done)
    idle_p99 = statistics.median(r.baseline.p99_gap_ms for r in done)
    longest, tapped_in = max(r.longest_intent for r in done)
    seconds = statistics.median(r.seconds for r in done)
    app_cpu = statistics.median(r.app_cpu for r in done)
    model_cpu = statistics.median(r.model_cpu for r in done)
    loads = [value for r in done for value in r.load]
    cores = os.cpu_count() or 1
    spread = f" (median {median:.1f}, min {maxima[0]:.1f}; {runs} runs)" if runs > 1 else ""
    calm = max(r.steal.max_gap_ms for r in done)
    over = sum(r.steal.gaps_over for r in done)
    in_steal = sum(r.steal.gaps_with_steal for r in done)
    steal_share = max(r.steal.steal_share for r in done)
    steal_known = all(r.steal.known for r in done)
    return [
        (
            f"GUI thread gap, {POSITION} interview (analysis on, {pace}), max / p99",
            f"{worst:.1f} ms / {p99:.1f} ms{spread}",
            f"{idle:.1f} ms / {idle_p99:.1f} ms (idle loop, 10 ms timer)",
            f"{worst / max(idle, 0.1):.1f}x (max)",
        ),
        (
            "  the same, in gaps during which the hypervisor took no CPU time",
            f"{calm:.1f} ms" if steal_known else "steal unknown",
            f"{in_steal} of {over} gaps > {TARGET_MS:.0f} ms fell in steal; steal up to "
            f"{steal_share:.1%} of the CPUs",
            f"{calm / max(worst, 0.1):.2f}x (of the max)",
        ),
        (
            "  against the target (gaps without steal: the app's own)",
            f"{calm:.1f} ms (worst run)",
            f"target ≤ {TARGET_MS:.0f} ms",
            f"{calm / TARGET_MS:.2f}x",
        ),
        (
            f"  longest engine-thread intent (a tap in {tapped_in})",
            f"{longest:.2f} s",
            f"{seconds:.1f} s (the journey, median)",
            f"{longest / seconds:.2f}x",
        ),
        (
            "  CPU in child processes (the model process: Whisper, MediaPipe), median",
            f"{model_cpu:.1f} s",
            f"{app_cpu:.1f} s (the app's process)",
            f"{model_cpu / max(app_cpu, 0.1):.2f}x",
        ),
        (
            "  machine load average (1 min) during the runs, max",
            f"{max(loads):.2f}",
            f"{cores} cores",
            f"{max(loads) / cores:.2f}x",
        ),
    ]


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks.gui [--runs N]``: every run, then the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gui", description=__doc__)
    parser.add_argument("--runs", type=int, default=RUNS, help=f"interviews (default {RUNS})")
    parser.add_argument(
        "--pace",
        choices=("fast", "realtime"),
        default="fast",
        help="replay pace: fast (default; capture runs flat out) or realtime (as in a real "
        "interview; each run then lasts as long as the answers, ~2 minutes)",
    )
    args = parser.parse_args(argv)
    for row in rows(args.runs, pace=args.pace, verbose=True):
        print("  ".join(row))


if __name__ == "__main__":
    main()
