"""Recordings encrypted as they are written, read back in memory; moved or cut-short
recordings are refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hardware import AudioBlock, ReplayCamera, fit_frame
from kiosk.demo import samples_dir
from kiosk.errors import VaultError
from kiosk.vault.envelope import SessionKey
from kiosk.vault.media import EncryptedAudioWriter, EncryptedVideoWriter, read_audio, read_frames

RATE = 16_000


def tone(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def test_audio_round_trips_exactly_and_only_for_its_own_recording(tmp_path: Path) -> None:
    key = SessionKey.generate("s1")
    samples = tone(3.0)
    path = tmp_path / "q00-a1.audio.enc"
    with EncryptedAudioWriter(path, key, "q00-a1") as writer:
        for start in range(0, len(samples), 1600):
            writer.write(AudioBlock(samples[start : start + 1600], start, RATE))
    assert writer.frames_written == len(samples)
    assert np.max(np.abs(read_audio(path, key, "q00-a1") - samples)) <= 1 / 32768
    raw = path.read_bytes()
    assert np.round(samples[:800] * 32768).astype("<i2").tobytes() not in raw
    for wrong_key, wrong_id in ((key, "q01-a1"), (SessionKey.generate("s1"), "q00-a1")):
        with pytest.raises(VaultError):
            read_audio(path, wrong_key, wrong_id)
    with pytest.raises(VaultError):  # another session's key, even with the same bytes
        read_audio(path, SessionKey("s2", key.key), "q00-a1")


def test_a_recording_interrupted_by_an_error_reads_as_cut_short(tmp_path: Path) -> None:
    key = SessionKey.generate("s1")
    path = tmp_path / "q00-a1.audio.enc"
    with pytest.raises(RuntimeError), EncryptedAudioWriter(path, key, "q00-a1") as writer:
        writer.write(AudioBlock(tone(10.0), 0, RATE))
        raise RuntimeError("the microphone thread died")
    with pytest.raises(VaultError, match=r"final|cut short|truncat"):
        read_audio(path, key, "q00-a1")


def test_video_frames_round_trip_with_their_times(tmp_path: Path) -> None:
    key = SessionKey.generate("s1")
    path = tmp_path / "q00-a1.video.enc"
    camera = ReplayCamera(samples_dir() / "media" / "face_steady.mp4", pace="fast")
    with camera, EncryptedVideoWriter(path, key, "q00-a1", (320, 240)) as writer:
        originals = []
        for index in range(25):
            frame = camera.read()
            assert frame is not None
            originals.append(frame.image)
            writer.write(frame, index / 10)
    frames = list(read_frames(path, key, "q00-a1"))
    assert [t for t, _ in frames] == pytest.approx([i / 10 for i in range(25)])
    # JPEG at quality 85: close to the original, not bit-exact.
    first = frames[0][1].astype(np.int16)
    assert first.shape == (240, 320, 3)
    assert np.mean(np.abs(first - fit_frame(originals[0], (320, 240)).astype(np.int16))) < 12
    with pytest.raises(VaultError):
        list(read_frames(path, key, "q00-a2"))
