"""Replay devices deliver exactly their files' frames and samples, at the right pace."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pytest

from hardware import (
    AudioBlock,
    Camera,
    CameraInfo,
    CameraSpec,
    Microphone,
    MicrophoneSpec,
    OpenCVCamera,
    ReplayCamera,
    ReplayMicrophone,
    SoundDeviceMicrophone,
    VideoFrame,
    make_camera,
    make_microphone,
)
from kiosk.errors import ConfigError, ErrorKind, HardwareError
from tests.hardware.conftest import random_frames, random_pcm, write_video, write_wav

RATE = 16000


def read_all_frames(camera: Camera, limit: int = 1000) -> list[VideoFrame]:
    frames: list[VideoFrame] = []
    for _ in range(limit):
        frame = camera.read()
        if frame is None:
            return frames
        frames.append(frame)
    raise AssertionError(f"no end of media after {limit} frames")


def read_all_blocks(mic: Microphone, frames: int, limit: int = 10_000) -> list[AudioBlock]:
    blocks: list[AudioBlock] = []
    for _ in range(limit):
        block = mic.read(frames)
        if block is None:
            return blocks
        blocks.append(block)
    raise AssertionError(f"no end of media after {limit} blocks")


# --- ReplayCamera ------------------------------------------------------------------


def test_replay_camera_delivers_exactly_the_files_frames(
    video_file: tuple[Path, list[npt.NDArray[np.uint8]]],
) -> None:
    path, images = video_file
    with ReplayCamera(path, pace="fast") as camera:
        assert isinstance(camera, Camera)
        assert camera.info == CameraInfo(64, 48, pytest.approx(15.0))  # type: ignore[arg-type]
        frames = read_all_frames(camera)
        assert camera.read() is None  # stays at the end
    assert [frame.index for frame in frames] == list(range(len(images)))
    assert [frame.timestamp for frame in frames] == pytest.approx(
        [index / 15.0 for index in range(len(images))]
    )
    for frame, image in zip(frames, images, strict=True):
        assert frame.image.dtype == np.uint8 and frame.image.shape == (48, 64, 3)
        assert np.array_equal(frame.image, image)  # FFV1 is lossless


def test_replay_camera_loops_with_continuous_indices(
    video_file: tuple[Path, list[npt.NDArray[np.uint8]]],
) -> None:
    path, frames = video_file
    with ReplayCamera(path, pace="fast", loop=True) as camera:
        for index in range(3 * len(frames) + 2):
            frame = camera.read()
            assert frame is not None and frame.index == index
            assert frame.timestamp == pytest.approx(index / 15.0)
            assert np.array_equal(frame.image, frames[index % len(frames)])


def test_replay_camera_resizes(video_file: tuple[Path, list[npt.NDArray[np.uint8]]]) -> None:
    path, frames = video_file
    with ReplayCamera(path, pace="fast", size=(32, 24)) as camera:
        assert (camera.info.width, camera.info.height) == (32, 24)
        resized = read_all_frames(camera)
    assert len(resized) == len(frames)
    assert all(frame.image.shape == (24, 32, 3) for frame in resized)


def test_replay_camera_realtime_pace_follows_the_clock(tmp_path: Path) -> None:
    # 16 frames at 15 fps: the last frame (index 15) is due 1.0 s after open().
    path = write_video(tmp_path / "second.avi", random_frames(16), fps=15.0)
    with ReplayCamera(path, pace="realtime") as camera:
        started = time.monotonic()
        assert len(read_all_frames(camera)) == 16
        realtime = time.monotonic() - started
    with ReplayCamera(path, pace="fast") as camera:
        started = time.monotonic()
        assert len(read_all_frames(camera)) == 16
        fast = time.monotonic() - started
    assert 0.95 <= realtime < 2.0
    assert fast < realtime / 5


def test_replay_camera_reads_mjpg_files(tmp_path: Path) -> None:
    # MJPG is lossy: a smooth picture comes back close, not exact.
    gradient = np.tile(np.linspace(0, 255, 64, dtype=np.uint8)[None, :, None], (48, 1, 3))
    path = write_video(tmp_path / "mjpg.avi", [gradient] * 5, fps=10.0, fourcc="MJPG")
    with ReplayCamera(path, pace="fast") as camera:
        frames = read_all_frames(camera)
    assert len(frames) == 5
    assert all(np.abs(frame.image.astype(int) - gradient).mean() < 3 for frame in frames)


def test_replay_camera_missing_file_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.avi"
    camera = ReplayCamera(missing)  # constructing touches nothing
    with pytest.raises(HardwareError, match=r"nowhere\.avi") as caught:
        camera.open()
    assert caught.value.kind is ErrorKind.MEDIA_INVALID


@pytest.mark.parametrize("content", [b"", b"not a video at all" * 100], ids=["empty", "garbage"])
def test_replay_camera_corrupt_file_names_it(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "broken.avi"
    bad.write_bytes(content)
    with pytest.raises(HardwareError, match=r"broken\.avi"):
        ReplayCamera(bad, loop=True).open()


def test_replay_camera_read_before_open_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(HardwareError, match="not open"):
        ReplayCamera(tmp_path / "x.avi").read()


# --- ReplayMicrophone: files -------------------------------------------------------


def test_replay_microphone_wav_samples_are_exact(tmp_path: Path) -> None:
    pcm = random_pcm(4500)
    path = write_wav(tmp_path / "voice.wav", pcm, RATE)
    with ReplayMicrophone(path, sample_rate=RATE, pace="fast") as mic:
        blocks = read_all_blocks(mic, 1000)
        assert mic.read(1000) is None
    assert [len(block.samples) for block in blocks] == [1000, 1000, 1000, 1000, 500]
    assert [block.start for block in blocks] == [0, 1000, 2000, 3000, 4000]
    assert all(block.sample_rate == RATE for block in blocks)
    assert blocks[0].duration == pytest.approx(1000 / RATE)
    samples = np.concatenate([block.samples for block in blocks])
    assert samples.dtype == np.float32
    assert np.array_equal(samples, pcm.astype(np.float32) / 32768)
    assert samples.min() == -1.0 and samples.max() < 1.0


def test_replay_microphone_downmixes_a_stereo_wav(tmp_path: Path) -> None:
    left, right = random_pcm(800, seed=1), random_pcm(800, seed=2)
    interleaved = np.column_stack([left, right]).reshape(-1)
    path = write_wav(tmp_path / "stereo.wav", interleaved, RATE, channels=2)
    with ReplayMicrophone(path, sample_rate=RATE, pace="fast") as mic:
        samples = np.concatenate([b.samples for b in read_all_blocks(mic, 300)])
    expected = (left.astype(np.float32) / 32768 + right.astype(np.float32) / 32768) / 2
    np.testing.assert_allclose(samples, expected, atol=1e-7)


def test_replay_microphone_resamples_a_wav_at_another_rate(tmp_path: Path) -> None:
    tone = (np.sin(2 * np.pi * 440 * np.arange(8000) / 8000) * 16000).astype(np.int16)
    path = write_wav(tmp_path / "narrow.wav", tone, 8000)  # 1 s at 8 kHz
    with ReplayMicrophone(path, sample_rate=RATE, pace="fast") as mic:
        samples = np.concatenate([b.samples for b in read_all_blocks(mic, 1600)])
    assert abs(len(samples) - RATE) <= 64
    assert dominant_frequency(samples, RATE) == pytest.approx(440, abs=5)


def dominant_frequency(samples: npt.NDArray[np.float32], rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.argmax(spectrum) * rate / len(samples))


def encode_audio(path: Path, codec: str, samples: npt.NDArray[np.int16], rate: int) -> Path:
    """Encode mono int16 ``samples`` with PyAV."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate, layout="mono")
        frame_size = stream.codec_context.frame_size or 1024
        for start in range(0, len(samples), frame_size):
            chunk = samples[start : start + frame_size].reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def pyav_reference_decode(path: Path, rate: int) -> npt.NDArray[np.float32]:
    """PyAV's own decode of ``path``, resampled to ``rate`` mono float."""
    resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
    out = []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            out += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
        out += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    samples: npt.NDArray[np.float32] = np.concatenate(out).astype(np.float32)
    return samples


def test_replay_microphone_decodes_ogg_opus_like_pyav(tmp_path: Path) -> None:
    tone = (np.sin(2 * np.pi * 440 * np.arange(48000) / 48000) * 12000).astype(np.int16)
    path = encode_audio(tmp_path / "answer.ogg", "libopus", tone, 48000)
    with ReplayMicrophone(path, sample_rate=RATE, pace="fast") as mic:
        blocks = read_all_blocks(mic, 1600)
    samples = np.concatenate([b.samples for b in blocks])
    reference = np.clip(pyav_reference_decode(path, RATE), -1, 1)
    assert np.array_equal(samples, reference)
    assert abs(len(samples) - RATE) < 0.05 * RATE  # about 1 s
    assert dominant_frequency(samples, RATE) == pytest.approx(440, abs=5)


def test_replay_microphone_flac_is_lossless(tmp_path: Path) -> None:
    pcm = random_pcm(5000)
    path = encode_audio(tmp_path / "answer.flac", "flac", pcm, RATE)
    with ReplayMicrophone(path, sample_rate=RATE, pace="fast") as mic:
        samples = np.concatenate([b.samples for b in read_all_blocks(mic, 1024)])
    assert np.array_equal(samples, pcm.astype(np.float32) / 32768)


def test_replay_microphone_realtime_pace_follows_the_clock(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "second.wav", random_pcm(RATE), RATE)  # exactly 1 s
    with ReplayMicrophone(path, sample_rate=RATE, pace="realtime") as mic:
        started = time.monotonic()
        assert len(read_all_blocks(mic, 1600)) == 10
        realtime = time.monotonic() - started
    with ReplayMicrophone(path, sample_rate=RATE, pace="fast") as mic:
        started = time.monotonic()
        assert len(read_all_blocks(mic, 1600)) == 10
        fast = time.monotonic() - started
    assert 0.95 <= realtime < 2.0
    assert fast < realtime / 10


def test_replay_microphone_loops(tmp_path: Path) -> None:
    pcm = random_pcm(1000)
    path = write_wav(tmp_path / "short.wav", pcm, RATE)
    with ReplayMicrophone(path, sample_rate=RATE, pace="fast", loop=True) as mic:
        blocks = [mic.read(700) for _ in range(10)]
        assert mic.clip_done.is_set()
    assert all(block is not None and len(block.samples) == 700 for block in blocks)
    samples = np.concatenate([block.samples for block in blocks if block is not None])
    assert np.array_equal(samples, np.tile(pcm.astype(np.float32) / 32768, 7))


@pytest.mark.parametrize("content", [b"", b"RIFF nonsense" * 50], ids=["empty", "garbage"])
def test_replay_microphone_corrupt_file_names_it(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "broken.wav"
    bad.write_bytes(content)
    with pytest.raises(HardwareError, match=r"broken\.wav") as caught:
        ReplayMicrophone(bad).open()
    assert caught.value.kind is ErrorKind.MEDIA_INVALID


def test_replay_microphone_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(HardwareError, match=r"gone\.ogg"):
        ReplayMicrophone(tmp_path / "gone.ogg").open()


def test_a_video_without_audio_is_not_a_clip(
    video_file: tuple[Path, list[npt.NDArray[np.uint8]]],
) -> None:
    with pytest.raises(HardwareError, match=r"clip\.avi"):
        ReplayMicrophone(video_file[0]).open()


# --- ReplayMicrophone: the virtual microphone --------------------------------------


def clip(values: tuple[float, float], count: int, seed: int) -> npt.NDArray[np.int16]:
    """Samples that are never zero, so they stand out from silence."""
    rng = np.random.default_rng(seed)
    magnitude = rng.uniform(*values, count) * 32768
    sign = rng.choice([-1, 1], count)
    samples: npt.NDArray[np.int16] = (magnitude * sign).astype(np.int16)
    return samples


def test_silence_is_paced_in_real_time_even_when_fast() -> None:
    with ReplayMicrophone(None, sample_rate=RATE, pace="fast", fill_silence=True) as mic:
        started = time.monotonic()
        blocks = [mic.read(1600) for _ in range(5)]  # 0.5 s of room
        elapsed = time.monotonic() - started
    assert all(b is not None and not b.samples.any() and len(b.samples) == 1600 for b in blocks)
    assert [b.start for b in blocks if b is not None] == [0, 1600, 3200, 4800, 6400]
    assert elapsed >= 0.45


def test_cue_plays_a_clip_between_silences(tmp_path: Path) -> None:
    pcm = clip((0.1, 0.5), 2500, seed=3)
    path = write_wav(tmp_path / "hello.wav", pcm, RATE)
    with ReplayMicrophone(None, sample_rate=RATE, pace="fast", fill_silence=True) as mic:
        before = mic.read(1000)
        mic.cue(path)
        assert not mic.clip_done.is_set()
        first, second = mic.read(1000), mic.read(1000)
        assert not mic.clip_done.is_set()  # 500 samples still to come
        last = mic.read(1000)
        assert mic.clip_done.is_set()
        after = mic.read(1000)
    blocks = [before, first, second, last, after]
    assert all(b is not None and len(b.samples) == 1000 for b in blocks)
    assert [b.start for b in blocks if b is not None] == [0, 1000, 2000, 3000, 4000]
    stream = np.concatenate([b.samples for b in blocks if b is not None])
    expected = np.zeros(5000, dtype=np.float32)
    expected[1000:3500] = pcm.astype(np.float32) / 32768
    assert np.array_equal(stream, expected)


def test_without_fill_silence_there_is_nothing_between_clips(tmp_path: Path) -> None:
    pcm = clip((0.1, 0.5), 1200, seed=4)
    path = write_wav(tmp_path / "hello.wav", pcm, RATE)
    with ReplayMicrophone(None, sample_rate=RATE, pace="fast") as mic:
        assert mic.read(1000) is None
        mic.cue(path)
        blocks = read_all_blocks(mic, 1000)
        assert mic.clip_done.is_set()
        mic.cue(path)  # None is not the end for good: a new cue plays again
        again = read_all_blocks(mic, 1000)
    assert [len(b.samples) for b in blocks] == [1000, 200]
    assert [b.start for b in again] == [1200, 2200]
    assert np.array_equal(np.concatenate([b.samples for b in again]), pcm / np.float32(32768))


def test_cue_from_another_thread_while_reading(tmp_path: Path) -> None:
    first = clip((0.1, 0.5), 3000, seed=5)
    second = clip((0.5, 0.9), 4100, seed=6)
    paths = [write_wav(tmp_path / f"{n}.wav", pcm, RATE) for n, pcm in enumerate((first, second))]
    blocks: list[AudioBlock] = []
    stop = threading.Event()
    mic = ReplayMicrophone(None, sample_rate=RATE, pace="fast", fill_silence=True)
    mic.open()

    def reader() -> None:
        while not stop.is_set():
            block = mic.read(800)
            assert block is not None
            blocks.append(block)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    try:
        for path in paths:
            time.sleep(0.2)  # let some silence through
            mic.cue(path)
            assert mic.clip_done.wait(timeout=5)
        time.sleep(0.2)
    finally:
        stop.set()
        thread.join(timeout=5)
        mic.close()
    assert not thread.is_alive()
    assert [b.start for b in blocks] == [800 * i for i in range(len(blocks))]
    stream = np.concatenate([b.samples for b in blocks])
    # The non-zero runs of the stream are exactly the two clips, in order.
    nonzero = np.flatnonzero(stream)
    runs = np.split(nonzero, np.flatnonzero(np.diff(nonzero) > 1) + 1)
    assert len(runs) == 2
    assert np.array_equal(stream[runs[0]], first / np.float32(32768))
    assert np.array_equal(stream[runs[1]], second / np.float32(32768))


def test_a_bad_cue_keeps_the_current_clip(tmp_path: Path) -> None:
    pcm = clip((0.1, 0.5), 2000, seed=8)
    path = write_wav(tmp_path / "ok.wav", pcm, RATE)
    with ReplayMicrophone(path, sample_rate=RATE, pace="fast") as mic:
        head = mic.read(1000)
        with pytest.raises(HardwareError, match=r"missing\.wav"):
            mic.cue(tmp_path / "missing.wav")
        tail = mic.read(1000)
    assert head is not None and tail is not None
    assert np.array_equal(np.concatenate([head.samples, tail.samples]), pcm / np.float32(32768))


# --- Choosing devices by spec ------------------------------------------------------


def test_specs_make_replay_devices_without_opening_them(tmp_path: Path) -> None:
    camera = make_camera(CameraSpec("replay", str(tmp_path / "none.avi"), width=320, height=240))
    # isinstance(camera, Camera) needs an open camera before Python 3.12: older
    # runtime protocol checks read the `info` property, which only open() makes valid.
    assert isinstance(camera, ReplayCamera)
    mic = make_microphone(MicrophoneSpec("replay"))
    assert isinstance(mic, ReplayMicrophone) and isinstance(mic, Microphone)
    with mic:  # no clip and fill_silence by default: the room is quiet
        block = mic.read(160)
        assert block is not None and not block.samples.any()


def test_specs_make_live_devices_without_opening_them() -> None:
    assert isinstance(make_camera(CameraSpec("opencv", "0")), OpenCVCamera)
    assert isinstance(make_camera(CameraSpec("opencv", "http://127.0.0.1:1/x")), OpenCVCamera)
    mic = make_microphone(MicrophoneSpec("sounddevice", "3", sample_rate=48000))
    assert isinstance(mic, SoundDeviceMicrophone) and mic.sample_rate == 48000


@pytest.mark.parametrize(
    "build",
    [
        lambda: CameraSpec("webcam", "0"),  # type: ignore[arg-type]
        lambda: CameraSpec("opencv", ""),
        lambda: CameraSpec("opencv", "0", fps=0),
        lambda: CameraSpec("replay", "a.avi", pace="slow"),  # type: ignore[arg-type]
        lambda: MicrophoneSpec("alsa"),  # type: ignore[arg-type]
        lambda: MicrophoneSpec("replay", sample_rate=0),
    ],
)
def test_invalid_specs_are_config_errors(build: object) -> None:
    assert callable(build)
    with pytest.raises(ConfigError):
        build()
