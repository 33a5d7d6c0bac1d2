"""``make bench``: the foundation's costs, each beside a baseline measured in the same run.

- engine transition, against building the next state with ``dataclasses.replace``: the
  machine's own overhead;
- persisting a state, against a bare SQLite UPDATE + COMMIT (WAL, synchronous=FULL) of the same
  JSON: the store's overhead over the fsync it must pay;
- the replay microphone at fast pace, against decoding the same clip with PyAV in one call: the
  cost of block-wise delivery;
- recording an answer at fast pace (encrypted as it is written), against writing the same
  audio and frames straight to plain WAV/AVI writers: the recorder's threading and
  encryption overhead.

Timings are medians of several repeats; ratios compare figures from this run only.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import sqlite3
import tempfile
from pathlib import Path

from benchmarks import analysis, gui, sync, vault_auth, vault_stream
from benchmarks.timing import median_seconds
from hardware import (
    ReplayCamera,
    ReplayMicrophone,
    VideoFileWriter,
    WavWriter,
    decode_audio,
)
from hardware.media import AudioBlock
from kiosk.demo import samples_dir
from kiosk.engine import (
    CheckIn,
    Continue,
    DeviceCheckPassed,
    Event,
    FinishAnswer,
    GiveConsent,
    InterviewState,
    PlannedQuestion,
    Proceed,
    Reset,
    StartAnswer,
    transition,
)
from kiosk.recording import AnswerRecorder
from kiosk.store import SessionStore
from kiosk.vault.envelope import SessionKey
from kiosk.vault.keyring import Keyring

MEDIA = samples_dir() / "media"
CLIP = next(p for p in sorted((MEDIA / "demo-customer-manager").glob("*.ogg")))


def journey() -> list[Event]:
    practice = PlannedQuestion("p", "practice", 10, 30, 0)
    questions = tuple(PlannedQuestion(f"q{i}", "behavioural", 30, 120, 1) for i in range(5))
    events: list[Event] = [
        CheckIn("s", "pos", "en", practice, questions),
        Proceed(),
        GiveConsent("v1"),
        DeviceCheckPassed(),
        StartAnswer(),
        FinishAnswer(),
    ]
    for _ in questions:
        events += [StartAnswer(), FinishAnswer(), Continue()]
    return [*events, Reset()]


def bench_engine() -> tuple[float, float, int]:
    events = journey()

    def run_machine() -> None:
        state, now = InterviewState(), 0.0
        for event in events:
            now += 1
            state, _ = transition(state, event, now)

    def run_baseline() -> None:
        state = InterviewState()
        for index in range(len(events)):
            state = dataclasses.replace(state, index=index, deadline=float(index))

    return median_seconds(run_machine), median_seconds(run_baseline), len(events)


def bench_persistence(workdir: Path, count: int = 200) -> tuple[float, float]:
    store = SessionStore(workdir / "kiosk.db", Keyring(b"k" * 32))
    events = journey()
    state, now, states = InterviewState(), 0.0, []
    for event in events:
        now += 1
        state, _ = transition(state, event, now)
        if state.session_id:
            states.append(state)
    store.create_session(states[0], "BENC-HMRK", {"name": "bench"}, now)
    payload = json.dumps(states[-1].to_json())

    def run_store() -> None:
        for i in range(count):
            store.save_state(states[i % len(states)], float(i))

    conn = sqlite3.connect(workdir / "raw.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id TEXT PRIMARY KEY, stage TEXT, state_json TEXT, at REAL)")
    conn.execute("INSERT INTO t VALUES ('s', 'prep', ?, 0)", [payload])

    def run_raw() -> None:
        for i in range(count):
            conn.execute("BEGIN")
            conn.execute(
                "UPDATE t SET stage = ?, state_json = ?, at = ? WHERE id = 's'",
                ["prep", payload, float(i)],
            )
            conn.execute("COMMIT")

    result = median_seconds(run_store, 3) / count, median_seconds(run_raw, 3) / count
    store.close()
    conn.close()
    return result


def bench_replay() -> tuple[float, float, float]:
    seconds = len(decode_audio(CLIP, 16000)) / 16000

    def run_replay() -> None:
        mic = ReplayMicrophone(CLIP, pace="fast")
        mic.open()
        while mic.read(1600) is not None:
            pass
        mic.close()

    return median_seconds(run_replay), median_seconds(lambda: decode_audio(CLIP, 16000)), seconds


def bench_recording(workdir: Path) -> tuple[float, float, float]:
    camera = ReplayCamera(MEDIA / "face_steady.mp4", pace="fast", loop=True)
    camera.open()
    mic = ReplayMicrophone(None, pace="fast", fill_silence=True)
    mic.open()
    recorder = AnswerRecorder(camera, mic, video_size=(320, 240), video_fps=10)
    audio = decode_audio(CLIP, 16000)
    seconds = len(audio) / 16000
    frames = [camera.read() for _ in range(int(seconds * 10))]

    key = SessionKey.generate("bench")

    def run_recorder() -> None:
        shutil.rmtree(workdir / "rec", ignore_errors=True)  # streams are created O_EXCL
        recorder.start(workdir / "rec", 0, 1, key=key)
        mic.cue(CLIP)
        mic.clip_done.wait(timeout=60)
        recorder.stop()

    def run_writers() -> None:
        with WavWriter(workdir / "raw.wav", 16000) as wav:
            for start in range(0, len(audio), 1600):
                wav.write(AudioBlock(audio[start : start + 1600], start, 16000))
        with VideoFileWriter(workdir / "raw.avi", fps=10, size=(320, 240)) as video:
            for frame in frames:
                if frame is not None:
                    video.write(frame)

    result = median_seconds(run_recorder, 3), median_seconds(run_writers, 3), seconds
    camera.close()
    mic.close()
    return result


def main() -> None:
    """Run every benchmark and print the table."""
    rows: list[tuple[str, str, str, str]] = []
    machine, base, n = bench_engine()
    rows.append(
        (
            "engine transition",
            f"{machine / n * 1e6:.1f} µs",
            f"{base / n * 1e6:.1f} µs (dataclasses.replace)",
            f"{machine / base:.1f}x",
        )
    )
    with tempfile.TemporaryDirectory() as tmp:
        store, raw = bench_persistence(Path(tmp))
        rows.append(
            (
                "persist a state",
                f"{store * 1e3:.2f} ms",
                f"{raw * 1e3:.2f} ms (bare UPDATE+COMMIT)",
                f"{store / raw:.2f}x",
            )
        )
        replay, decode, clip = bench_replay()
        rows.append(
            (
                "replay mic, fast",
                f"{clip / replay:.0f}x realtime",
                f"{clip / decode:.0f}x realtime (one PyAV decode)",
                f"{replay / decode:.2f}x",
            )
        )
        recorder, writers, clip = bench_recording(Path(tmp))
        rows.append(
            (
                "record an answer, fast",
                f"{clip / recorder:.0f}x realtime",
                f"{clip / writers:.0f}x realtime (writers only)",
                f"{recorder / writers:.2f}x",
            )
        )
    rows += analysis.rows()
    rows += vault_stream.rows()
    rows += vault_auth.bench_rows()
    rows += sync.rows()
    rows += gui.rows()
    widths = [
        max(len(r[i]) for r in [("figure", "measured", "baseline", "ratio"), *rows])
        for i in range(4)
    ]
    header = ("figure", "measured", "baseline", "ratio")
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
