"""How an answer was said: rate, pauses, fillers, loudness and pitch, in numpy alone.

:func:`analyze_voice` takes one answer's audio, the words a speech recogniser found
in it (anything with ``start``, ``end``, ``text`` and ``probability``, such as
:class:`models.speech.Word`) and the voice-activity segments, and returns
:class:`VoiceFeatures`, whose :class:`~models.features.Measure` values each name
their spans and method. These are measured behaviours only; nothing here infers a
mood or an emotion from the voice.

Frames are 20 ms (level) and 40 ms (pitch) long and centred every 10 ms; frame *i*
stands for ``[(i - 0.5) * 10 ms, (i + 0.5) * 10 ms)``. Pitch is YIN (de Cheveigné &
Kawahara 2002) within 70-400 Hz, the range of adult speaking voices.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from kiosk.errors import ErrorKind, ModelError
from models.features import Interval, Measure, Span, fill_short_gaps, merge_spans, runs

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

HOP_S, LEVEL_WINDOW_S, PITCH_WINDOW_S = 0.01, 0.02, 0.04
#: A silence between speech segments is a pause from this length on; shorter gaps are the
#: closures and breaths of fluent speech (fluency research uses cut-offs of 0.25-0.4 s).
PAUSE_MIN_S = 0.3
#: Energy gate: speech is this much louder than the noise floor (the 10th percentile of frame
#: levels, so at least a tenth of the answer must be non-speech, as any lead-in is): well above
#: room-noise fluctuation (a few dB), well below speech peaks (25-40 dB above the floor).
GATE_ABOVE_FLOOR_DB = 12.0
#: ... and never quieter than this, so hiss in near-digital silence is not "speech".
GATE_MIN_DBFS = -50.0
#: Gated gaps this short are stop closures inside words; bursts this short are clicks.
GATE_BRIDGE_S, GATE_MIN_BURST_S = 0.15, 0.06
PITCH_MIN_HZ, PITCH_MAX_HZ = 70.0, 400.0
#: YIN's aperiodicity threshold, within the paper's recommended 0.1-0.2.
YIN_THRESHOLD = 0.15
#: Pitch frames this far from the answer's median are octave errors, not intonation.
OCTAVE_ERROR_ST = 10.0
#: With fewer voiced frames (0.1 s) there are no pitch figures.
MIN_VOICED_FRAMES = 10
#: Resolution of the stored loudness envelope behind :meth:`VoiceFeatures.timeline`.
ENVELOPE_STEP_S = 0.1


class TimedWord(Protocol):
    """One recognised word, times in seconds from the answer's start.

    ``probability`` (the recogniser's confidence) is not used in the counts: fillers are often
    recognised with low confidence, and dropping words would bias the rates.
    """

    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def text(self) -> str: ...
    @property
    def probability(self) -> float: ...


@dataclass(frozen=True, slots=True)
class VoiceBin:
    """One bin of :meth:`VoiceFeatures.timeline`."""

    #: Start of the bin, seconds.
    t: float
    #: Level of the bin (mean power over all of it), dBFS.
    loudness_db: float
    #: Share of the bin inside speech segments, 0-1.
    speech_fraction: float

    @property
    def speaking(self) -> bool:
        """Whether speech fills at least half of the bin."""
        return self.speech_fraction >= 0.5


@dataclass(frozen=True, slots=True)
class VoiceFeatures:
    """Measured features of one spoken answer.

    A measure is ``None`` when there is nothing to measure: the word rates without a
    transcript (``filler_rate`` also for a language without a filler lexicon),
    loudness and pitch without speech. Pauses are always measured (none is a value).
    """

    duration: float
    language: str
    #: The speech segments the measures are based on.
    speech: tuple[Span, ...]
    speaking_rate: Measure | None
    articulation_rate: Measure | None
    pause_count: Measure
    pause_total: Measure
    pause_longest: Measure
    filler_rate: Measure | None
    loudness_mean: Measure | None
    loudness_sd: Measure | None
    pitch_mean: Measure | None
    pitch_sd: Measure | None
    pitch_sd_semitones: Measure | None
    voiced_ratio: Measure | None
    #: Level (dBFS) of every ``ENVELOPE_STEP_S`` of the answer, for :meth:`timeline`.
    envelope_db: tuple[float, ...]

    def measures(self) -> tuple[Measure, ...]:
        """Every measure that is present, in a stable order (for reports and storage)."""
        found = (
            self.speaking_rate, self.articulation_rate, self.pause_count, self.pause_total,
            self.pause_longest, self.filler_rate, self.loudness_mean, self.loudness_sd,
            self.pitch_mean, self.pitch_sd, self.pitch_sd_semitones, self.voiced_ratio,
        )  # fmt: skip
        return tuple(m for m in found if m is not None)

    def timeline(self, bin_seconds: float = 1.0) -> tuple[VoiceBin, ...]:
        """Loudness and speech share per bin over the whole answer, for a plot.

        ``bin_seconds`` is rounded to a whole number of envelope steps (0.1 s).
        """
        if not bin_seconds > 0:
            raise ModelError("bin_seconds must be positive", kind=ErrorKind.INVALID_INPUT)
        cells = max(1, round(bin_seconds / ENVELOPE_STEP_S))
        power = 10.0 ** (np.asarray(self.envelope_db, dtype=np.float64) / 10.0)
        rows: list[VoiceBin] = []
        for first in range(0, power.size, cells):
            start = first * ENVELOPE_STEP_S
            end = min(start + cells * ENVELOPE_STEP_S, self.duration)
            inside = sum(max(0.0, min(end, s.end) - max(start, s.start)) for s in self.speech)
            level = _db(float(np.mean(power[first : first + cells])))
            rows.append(VoiceBin(round(start, 6), level, min(1.0, inside / max(end - start, 1e-9))))
        return tuple(rows)


def analyze_voice(
    audio: npt.NDArray[np.float32],
    sample_rate: int,
    words: Sequence[TimedWord] | None,
    speech: Sequence[Interval],
    language: str,
) -> VoiceFeatures:
    """Measure how one answer was said.

    ``audio`` is mono float samples in [-1, 1]; ``words`` the recognised words, or
    ``None`` without a transcript (no word rates or fillers then); ``speech`` the
    voice-activity segments (any ``start``/``end`` pairs), or empty to use an energy
    gate alone; ``language`` an ISO code (``"en"``, ``"zh-CN"`` ...): Chinese counts
    Han characters instead of words and has its own fillers.
    """
    samples = np.asarray(audio, dtype=np.float64)
    if samples.ndim != 1 or samples.size == 0 or sample_rate < 2 * PITCH_MAX_HZ:
        raise ModelError(
            f"need non-empty mono audio at >= 800 Hz, got {samples.shape} at {sample_rate} Hz",
            kind=ErrorKind.INVALID_INPUT,
        )
    if not np.all(np.isfinite(samples)):
        raise ModelError("audio contains NaN or infinite samples", kind=ErrorKind.INVALID_INPUT)
    duration = samples.size / sample_rate
    # Frame centres every 10 ms, rounded to a sample, so times stay exact at any rate.
    centres = np.round(np.arange(int(np.ceil(duration / HOP_S))) * HOP_S * sample_rate)
    level = _frame_levels(samples, sample_rate, centres.astype(np.int64))
    speaking, segmented = _speech_mask(level, speech, duration)
    segments = tuple(
        Span(max(0.0, (a - 0.5) * HOP_S), min(duration, (b - 0.5) * HOP_S))
        for a, b in runs(speaking)
    )
    pauses = tuple(
        Span(a.end, b.start)
        for a, b in itertools.pairwise(segments)
        if b.start - a.end >= PAUSE_MIN_S
    )
    longest = max(pauses, key=lambda s: s.duration, default=None)
    how = f"Silences of at least {PAUSE_MIN_S} s between speech segments; {segmented}."
    spoken = level[speaking]
    loud = f"RMS level of 20 ms frames over the speech segments; {segmented}."
    rates = _rates(words, segments, pauses, language) if words is not None else (None,) * 3
    f0 = _pitch_track(samples, sample_rate, centres.astype(np.int64)[speaking])
    pitch = _pitch_measures(f0, spoken.size, segments)
    cell = round(ENVELOPE_STEP_S / HOP_S)
    return VoiceFeatures(
        duration=duration,
        language=language,
        speech=segments,
        speaking_rate=rates[0],
        articulation_rate=rates[1],
        pause_count=Measure("pause_count", float(len(pauses)), "count", pauses, how),
        pause_total=Measure("pause_total", sum(p.duration for p in pauses), "s", pauses, how),
        pause_longest=Measure(
            "pause_longest", longest.duration if longest else 0.0, "s",
            () if longest is None else (longest,), how,
        ),
        filler_rate=rates[2],
        loudness_mean=Measure("loudness_mean", float(np.mean(spoken)), "dBFS", segments, loud)
        if spoken.size else None,
        loudness_sd=Measure("loudness_sd", float(np.std(spoken)), "dB", segments, loud)
        if spoken.size else None,
        pitch_mean=pitch[0],
        pitch_sd=pitch[1],
        pitch_sd_semitones=pitch[2],
        voiced_ratio=pitch[3],
        envelope_db=tuple(
            round(_db(float(np.mean(10.0 ** (level[i : i + cell] / 10.0)))), 2)
            for i in range(0, level.size, cell)
        ),
    )  # fmt: skip


# --- levels and speech segments -------------------------------------------------------------


def _db(power: float) -> float:
    return max(-100.0, 10.0 * float(np.log10(max(power, 1e-30))))


def _frame_levels(
    samples: FloatArray, sample_rate: int, centres: npt.NDArray[np.int64]
) -> FloatArray:
    """RMS level (dBFS) of the 20 ms frame around each centre, from a running sum of squares."""
    win = max(2, round(LEVEL_WINDOW_S * sample_rate))
    cumulative = np.concatenate(([0.0], np.cumsum(np.pad(samples, (win // 2, win)) ** 2)))
    power = np.maximum((cumulative[centres + win] - cumulative[centres]) / win, 1e-10)
    return np.asarray(10.0 * np.log10(power), dtype=np.float64)


def _speech_mask(
    level: FloatArray, speech: Sequence[Interval], duration: float
) -> tuple[BoolArray, str]:
    """Which frames are speech, and a phrase saying how that was decided."""
    threshold = max(float(np.percentile(level, 10)) + GATE_ABOVE_FLOOR_DB, GATE_MIN_DBFS)
    mask = level > threshold
    gate = f"an energy gate at {threshold:.0f} dBFS ({GATE_ABOVE_FLOOR_DB:.0f} dB over the floor)"
    vad = merge_spans(speech, lo=0.0, hi=duration)
    if vad:
        # VAD segments are padded and bridge short silences, which would hide the pauses: the
        # gate inside them finds the silences, the VAD keeps non-speech noise out.
        times = np.arange(level.size) * HOP_S
        mask &= np.any([(times >= s.start) & (times < s.end) for s in vad], axis=0)
        how = f"speech = VAD segments within {gate}"
    else:
        how = f"no VAD segments given, so speech = {gate}"
    mask = fill_short_gaps(mask, round(GATE_BRIDGE_S / HOP_S))
    for a, b in runs(mask):
        if b - a < round(GATE_MIN_BURST_S / HOP_S):
            mask[a:b] = False
    return mask, how


# --- rates and fillers ------------------------------------------------------------------------

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")


def _rates(
    words: Sequence[TimedWord], segments: tuple[Span, ...], pauses: tuple[Span, ...], language: str
) -> tuple[Measure, Measure, Measure | None]:
    """Speaking rate, articulation rate and filler rate (``None`` without a filler lexicon)."""
    chinese = language.lower().startswith("zh")
    if chinese:
        count, unit, what = sum(len(_HAN.findall(w.text)) for w in words), "chars/min", "Han chars"
    else:  # a recogniser word is one word; punctuation alone ("-", "...") is none
        count = sum(1 for w in words for t in w.text.split() if re.search(r"[^\W_]", t))
        unit, what = "words/min", "words"
    starts = [s.start for s in segments] + [float(w.start) for w in words]
    ends = [s.end for s in segments] + [float(w.end) for w in words]
    window = Span(min(starts), max(*ends, min(starts))) if starts else Span(0.0, 0.0)
    talk = sum(s.duration for s in segments)
    fillers = find_fillers(words, pauses, language)
    names = ", ".join(sorted({f.text for f in fillers})) or "none"
    return (
        Measure(
            "speaking_rate", _per_minute(count, window.duration), unit,
            (window,) if window.duration > 0 else (),
            f"{count} {what} over the time from the first to the last speech, pauses included.",
        ),
        Measure(
            "articulation_rate", _per_minute(count, talk), unit, segments,
            f"{count} {what} over {talk:.1f} s inside speech segments, pauses excluded.",
        ),
        Measure(
            "filler_rate", _per_minute(len(fillers), window.duration), "per min",
            tuple(f.span for f in fillers),
            f"{len(fillers)} fillers ({names}) per minute from the first to the last speech; "
            "ambiguous ones count only beside a pause or when repeated.",
        )
        if chinese or language.lower().startswith("en")
        else None,
    )  # fmt: skip


def _per_minute(count: int, seconds: float) -> float:
    return 60.0 * count / seconds if seconds > 0 else 0.0


#: Hesitation sounds, counted wherever they occur (with common spellings).
_EN_SOUNDS = frozenset({"um", "umm", "uhm", "uh", "uhh", "erm", "er", "hmm", "hm", "hmmm"})
_ZH_SOUNDS = frozenset({"嗯", "呃"})
#: Ordinary words that are fillers only when a pause follows them or they repeat: "you know, we"
#: but not "do you know the answer"; 然后， but not 然后我们; 那个 but not 那个人.
_EN_PHRASES = (("you", "know"), ("i", "mean"))
_ZH_WORDS = (("那", "个"), ("就", "是"), ("然", "后"))
#: "like" is a filler only between two pauses ("it was, like, hard") or repeated ("like like");
#: 啊 is also a sentence-final particle (是啊, 好啊), so only 啊 after a pause or repeated counts.
_EN_HEDGE, _ZH_PARTICLE = "like", "啊"
#: A gap between recognised words this long, punctuation, or a measured pause between them is a
#: pause for these rules (recognisers stretch words over short silences, so gaps alone are weak).
FILLER_GAP_S = 0.25
_PUNCTUATION = ",.;:!?…，。；：！？、—-\"'“”‘’()（）"


@dataclass(frozen=True, slots=True)
class Filler:
    """One filler found in the transcript."""

    text: str
    span: Span


@dataclass(slots=True)
class _Unit:
    key: str
    start: float
    end: float
    pause_after: bool = False


def find_fillers(
    words: Sequence[TimedWord], pauses: Sequence[Interval], language: str
) -> list[Filler]:
    """The fillers in ``words`` (rules above); none for a language without a lexicon."""
    chinese = language.lower().startswith("zh")
    if not (chinese or language.lower().startswith("en")):
        return []
    units = _units(words, pauses, chinese=chinese)
    keys = tuple(u.key for u in units)
    sounds, phrases = (_ZH_SOUNDS, _ZH_WORDS) if chinese else (_EN_SOUNDS, _EN_PHRASES)
    hedge = _ZH_PARTICLE if chinese else _EN_HEDGE

    def at(i: int, token: tuple[str, ...]) -> bool:
        return i >= 0 and keys[i : i + len(token)] == token

    def repeated(i: int, token: tuple[str, ...]) -> bool:
        # The same token right before or after, with no pause between (是啊。啊 is no repeat).
        n = len(token)
        return (at(i + n, token) and not units[i + n - 1].pause_after) or (
            at(i - n, token) and not units[i - 1].pause_after
        )

    found: list[Filler] = []
    i = 0
    while i < len(units):
        length = int(keys[i] in sounds)
        if keys[i] == hedge:
            isolated = (i == 0 or units[i - 1].pause_after) and (chinese or units[i].pause_after)
            length = int(isolated or repeated(i, (hedge,)))
        for phrase in phrases:
            if at(i, phrase) and (units[i + len(phrase) - 1].pause_after or repeated(i, phrase)):
                length = len(phrase)
        if length:
            text = ("" if chinese else " ").join(keys[i : i + length])
            found.append(Filler(text, Span(units[i].start, units[i + length - 1].end)))
        i += max(length, 1)
    return found


def _units(words: Sequence[TimedWord], pauses: Sequence[Interval], *, chinese: bool) -> list[_Unit]:
    """Lower-case words (zh: characters, sharing out their word's time) with pause flags."""
    units: list[_Unit] = []
    for word in words:
        start = float(word.start)
        end = max(start, float(word.end))
        pieces = list(word.text) if chinese else word.text.split()
        keys = [piece.strip().strip(_PUNCTUATION).lower() for piece in pieces]
        step = (end - start) / max(sum(map(bool, keys)), 1) if chinese else 0.0
        spoken = 0
        for piece, key in zip(pieces, keys, strict=True):
            if key:
                begin = start + step * spoken
                units.append(_Unit(key, begin, begin + step if chinese else end))
                spoken += 1
            if units and piece.strip() and piece.strip()[-1] in _PUNCTUATION:
                units[-1].pause_after = True
    for unit, following in itertools.pairwise(units):
        between = ((unit.start + unit.end) / 2, (following.start + following.end) / 2)
        if following.start - unit.end >= FILLER_GAP_S or any(
            between[0] <= (p.start + p.end) / 2 <= between[1] for p in pauses
        ):
            unit.pause_after = True
    if units:
        units[-1].pause_after = True
    return units


# --- pitch ------------------------------------------------------------------------------------


def _pitch_track(
    samples: FloatArray, sample_rate: int, centres: npt.NDArray[np.int64]
) -> FloatArray:
    """F0 in Hz of the 40 ms frame around each centre (NaN where unvoiced)."""
    win = round(PITCH_WINDOW_S * sample_rate)
    tau_max = int(np.ceil(sample_rate / PITCH_MIN_HZ))
    frames = np.lib.stride_tricks.sliding_window_view(np.pad(samples, (win // 2, win)), win)
    f0 = np.full(centres.size, np.nan)
    # Chunks bound the FFTs' memory to a few MB whatever the answer's length.
    for first in range(0, centres.size, 2048):
        chunk = centres[first : first + 2048]
        f0[first : first + chunk.size] = _yin(frames[chunk], sample_rate, tau_max)
    return f0


def _yin(frames: FloatArray, sample_rate: int, tau_max: int) -> FloatArray:
    """YIN f0 of each row of ``frames`` (NaN when aperiodic), vectorised over the rows."""
    n, size = frames.shape
    width = size - tau_max  # the integration window, >= one period at the lowest pitch
    tau_min = int(np.floor(sample_rate / PITCH_MAX_HZ))
    # Lags reach at most size - 1 from the window's samples, so a transform of length >= size
    # never wraps them around.
    nfft = 1 << int(np.ceil(np.log2(size)))
    spectrum = np.fft.rfft(frames, nfft) * np.conj(np.fft.rfft(frames[:, :width], nfft))
    cross = np.fft.irfft(spectrum, nfft)[:, : tau_max + 1]
    energy = np.concatenate((np.zeros((n, 1)), np.cumsum(frames**2, axis=1)), axis=1)
    lagged = energy[:, width : width + tau_max + 1] - energy[:, : tau_max + 1]
    diff = np.maximum(energy[:, width : width + 1] + lagged - 2.0 * cross, 0.0)
    # The cumulative mean normalised difference removes YIN's bias towards tiny lags.
    cmnd = np.ones_like(diff)
    running = np.maximum(np.cumsum(diff[:, 1:], axis=1), 1e-12)
    cmnd[:, 1:] = diff[:, 1:] * np.arange(1, tau_max + 1) / running
    search = cmnd[:, tau_min:]
    below = search < YIN_THRESHOLD
    # The first dip under the threshold, down to its own minimum (the global minimum is often
    # a multiple of the period).
    after = np.arange(search.shape[1]) >= np.argmax(below, axis=1)[:, None]
    dip = after & (np.cumsum(after & ~below, axis=1) == 0)
    tau = np.argmin(np.where(dip, search, np.inf), axis=1) + tau_min
    rows = np.arange(n)
    left, mid = cmnd[rows, tau - 1], cmnd[rows, tau]
    right = cmnd[rows, np.minimum(tau + 1, tau_max)]
    curve = left - 2.0 * mid + right
    safe = np.where(np.abs(curve) > 1e-12, curve, 1.0)
    shift = np.where(np.abs(curve) > 1e-12, np.clip(0.5 * (left - right) / safe, -0.5, 0.5), 0.0)
    f0 = sample_rate / (tau + shift)
    voiced = below.any(axis=1) & (f0 >= PITCH_MIN_HZ) & (f0 <= PITCH_MAX_HZ)
    return np.where(voiced, f0, np.nan).astype(np.float64)


def _pitch_measures(
    f0: FloatArray, speech_frames: int, segments: tuple[Span, ...]
) -> tuple[Measure | None, Measure | None, Measure | None, Measure | None]:
    """Pitch mean, SD (Hz), SD (semitones) and voiced ratio; ``None`` where unmeasurable."""
    if speech_frames == 0:
        return None, None, None, None
    voiced = f0[np.isfinite(f0)]
    ratio = Measure(
        "voiced_ratio", voiced.size / speech_frames, "ratio", segments,
        f"Share of 10 ms speech frames with a YIN pitch in {PITCH_MIN_HZ:.0f}-"
        f"{PITCH_MAX_HZ:.0f} Hz (aperiodicity < {YIN_THRESHOLD}).",
    )  # fmt: skip
    if voiced.size < MIN_VOICED_FRAMES:
        return None, None, None, ratio
    semitones = 12.0 * np.log2(voiced / float(np.median(voiced)))
    kept = np.abs(semitones) <= OCTAVE_ERROR_ST
    hz, st = voiced[kept], semitones[kept]
    how = (
        f"YIN on 40 ms frames every 10 ms over {hz.size} voiced speech frames, "
        f"{PITCH_MIN_HZ:.0f}-{PITCH_MAX_HZ:.0f} Hz; frames over {OCTAVE_ERROR_ST:.0f} "
        "semitones from the median dropped as octave errors."
    )
    return (
        Measure("pitch_mean", float(np.mean(hz)), "Hz", segments, how),
        Measure("pitch_sd", float(np.std(hz)), "Hz", segments, how),
        Measure("pitch_sd_semitones", float(np.std(st)), "semitones", segments, how),
        ratio,
    )
