"""Transcripts with word timings, split into sentences that keep their offsets and times.

A :class:`TimedText` is what the analysis reads: the answer's text in one interview language
plus, when it came from speech, the recogniser's words with their times. Typed text (and tests)
use :meth:`TimedText.from_plain`, whose spans carry character offsets only.

Speech recognisers do not promise that their words concatenate to the final text (Whisper adds
leading spaces, may attach punctuation to a word or drop it, and for Chinese emits single
characters or short runs). So the words are *aligned* to the text rather than trusted: each
word is searched for a little ahead of the previous one, and words that cannot be found are
left out rather than guessed. Any character span then gets the times of the words it overlaps.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from kiosk.errors import ErrorKind, KioskError

#: Interview languages the analysis understands.
ANALYSIS_LANGUAGES: tuple[str, ...] = ("zh", "en")

#: How far past the previous word (in characters) a word may be found: enough for punctuation
#: and spaces the recogniser did not emit, small enough that a repeated word is not matched to
#: a later occurrence.
_MAX_ALIGNMENT_GAP = 24

#: Sentences longer than this are cut at commas ("where needed"): Chinese speakers, and
#: recognisers without punctuation, join a whole story with commas, and STAR parts and
#: evidence quotes need clause-sized units. Chinese is measured in characters, English in words.
_LONG_SENTENCE = {"zh": 40, "en": 45}
#: A cut-off piece shorter than this is kept with its neighbour, so no evidence is a fragment.
_MIN_PIECE = {"zh": 12, "en": 10}

_ZH_END = re.compile(r"[。！？；!?;…]+[”’」』）)]*|\.(?!\d)|\n+")
_EN_END = re.compile(r"[.!?;…]+[\"”’')\]]*(?=\s|$)|\n+")
_EN_ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "prof", "e.g", "i.e", "etc", "vs", "st"})
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Where a long sentence may be cut: first at commas (the cut follows the comma), and where a
# recogniser emitted no commas at all, before a conjunction that starts a new clause.
_ZH_COMMA = re.compile(r"[，,：:]|(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
_EN_COMMA = re.compile(r"[,:]\s")
_ZH_CONJUNCTION = re.compile(r"(?=然后|接着|所以|但是|于是|结果|最后|因为|后来|之后)")
_EN_CONJUNCTION = re.compile(
    r"(?<=\s)(?=(?:and then|then|so|but|because|after that|first|finally|and I|and we)\b)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)*")
_EDGE_PUNCTUATION = "\"'“”‘’.,!?;:，。！？；：、…()（）[]「」『』-—"


class AnalysisInputError(KioskError):
    """A transcript handed to content analysis is malformed (a defect upstream, not the user's)."""

    default_kind = ErrorKind.INVALID_INPUT


@dataclass(frozen=True, slots=True)
class TimedToken:
    """One recognised word (or, for Chinese, a character or short run) and when it was said.

    ``start`` and ``end`` are seconds from the start of the answer; ``probability`` is the
    recogniser's confidence in the word (1.0 when unknown).
    """

    text: str
    start: float
    end: float
    probability: float = 1.0

    def __post_init__(self) -> None:
        # Times feed evidence shown to recruiters and seek positions in the player, so a NaN or
        # a reversed interval is rejected here rather than surfacing as a nonsense timestamp.
        if not (math.isfinite(self.start) and math.isfinite(self.end)):
            raise AnalysisInputError(f"token times must be finite, got {self.start}..{self.end}")
        if self.start < 0 or self.end < self.start:
            raise AnalysisInputError(f"token interval {self.start}..{self.end} is invalid")
        if not (math.isfinite(self.probability) and 0.0 <= self.probability <= 1.0):
            raise AnalysisInputError(f"token probability {self.probability} is not in 0..1")


@dataclass(frozen=True, slots=True)
class TimedText:
    """An answer's transcript in ``"zh"`` or ``"en"``, with recognised words when spoken.

    Regional codes such as ``"zh-CN"`` or ``"en_GB"`` are accepted and stored as the base code.
    """

    language: str
    text: str
    words: tuple[TimedToken, ...] = ()

    def __post_init__(self) -> None:
        base = re.split(r"[-_]", self.language.strip().lower(), maxsplit=1)[0]
        if base not in ANALYSIS_LANGUAGES:
            raise AnalysisInputError(
                f"unsupported analysis language {self.language!r}; expected 'zh' or 'en'"
            )
        # Frozen: normalising the code and coercing a list of words happen once, here.
        object.__setattr__(self, "language", base)
        object.__setattr__(self, "words", tuple(self.words))

    @classmethod
    def from_plain(cls, text: str, language: str) -> TimedText:
        """Typed (or already flattened) text without timings."""
        return cls(language=language, text=text)

    @classmethod
    def from_tokens(cls, tokens: Iterable[TimedToken], language: str) -> TimedText:
        """Text built by joining recognised tokens as they are (Whisper's English words carry
        their leading spaces; Chinese tokens join without separators)."""
        words = tuple(tokens)
        return cls(language=language, text="".join(w.text for w in words).strip(), words=words)

    @property
    def has_timing(self) -> bool:
        """True when the text came with recognised words."""
        return bool(self.words)


@dataclass(frozen=True, slots=True)
class PlacedToken:
    """A token found in the text: its character span and its times."""

    char_start: int
    char_end: int
    start: float
    end: float
    probability: float


class TokenAlignment:
    """Where each recognised token sits in the text, and the times of any character span."""

    __slots__ = ("_ends", "_starts", "placed", "token_count")

    def __init__(self, text: TimedText) -> None:
        self.token_count = len(text.words)
        self.placed: tuple[PlacedToken, ...] = tuple(_place_tokens(text))
        self._starts = [p.char_start for p in self.placed]
        self._ends = [p.char_end for p in self.placed]

    @property
    def coverage(self) -> float:
        """Share of tokens that could be placed in the text (1.0 when there are none)."""
        return len(self.placed) / self.token_count if self.token_count else 1.0

    @property
    def mean_probability(self) -> float:
        """Mean recogniser confidence of the placed tokens (1.0 for typed text)."""
        if not self.placed:
            return 1.0
        return sum(p.probability for p in self.placed) / len(self.placed)

    def times(self, char_start: int, char_end: int) -> tuple[float | None, float | None]:
        """Start and end time of the tokens overlapping ``[char_start, char_end)``, if any."""
        # Placed tokens are in text order and do not overlap, so both lists are sorted.
        first = bisect.bisect_right(self._ends, char_start)
        last = bisect.bisect_left(self._starts, char_end)
        if first >= last:
            return None, None
        chosen = self.placed[first:last]
        return min(p.start for p in chosen), max(p.end for p in chosen)


def _place_tokens(text: TimedText) -> Iterable[PlacedToken]:
    # str.lower can change a string's length (e.g. "İ"); lower-casing per character keeps offsets.
    haystack = "".join(c.lower() if len(c.lower()) == 1 else c for c in text.text)
    cursor = 0
    for token in text.words:
        raw = token.text.strip().lower()
        for needle in dict.fromkeys((raw, raw.strip(_EDGE_PUNCTUATION))):
            if not needle:
                continue
            limit = cursor + len(needle) + _MAX_ALIGNMENT_GAP
            position = haystack.find(needle, cursor, limit)
            if position >= 0:
                cursor = position + len(needle)
                yield PlacedToken(position, cursor, token.start, token.end, token.probability)
                break


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence (or, for long run-on sentences, one comma-delimited piece of it).

    ``char_start``/``char_end`` index the answer's text (``text == answer[char_start:char_end]``);
    ``start``/``end`` are seconds when the answer was spoken. ``continues`` is True for the
    second and later pieces of a sentence cut at commas: such a piece may have lost its subject
    ("…, then added logs") and inherits it from the piece before.
    """

    index: int
    text: str
    char_start: int
    char_end: int
    start: float | None
    end: float | None
    continues: bool = False


def split_sentences(
    text: TimedText, alignment: TokenAlignment | None = None
) -> tuple[Sentence, ...]:
    """Split an answer into sentences with character offsets and, when spoken, times.

    English ends sentences at ``. ? ! ;`` followed by a space (so "3.5" and "e.g." stay whole);
    Chinese at ``。！？；``. Both also end at line breaks. A sentence longer than 45 English
    words or 40 Chinese characters is cut at commas into pieces of at least 10 words / 12
    characters (see ``Sentence.continues``).
    """
    alignment = alignment or TokenAlignment(text)
    spans: list[tuple[int, int, bool]] = []
    for start, end in _terminated_spans(text):
        spans.extend(_cut_long(text, start, end))
    sentences: list[Sentence] = []
    for start, end, continues in spans:
        times = alignment.times(start, end)
        sentences.append(
            Sentence(len(sentences), text.text[start:end], start, end, *times, continues=continues)
        )
    return tuple(sentences)


def _terminated_spans(text: TimedText) -> list[tuple[int, int]]:
    pattern = _ZH_END if text.language == "zh" else _EN_END
    spans = []
    start = 0
    for match in pattern.finditer(text.text):
        if text.language == "en" and _is_abbreviation(text.text, match.start()):
            continue
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text.text)))
    return [s for s in (_trim(text.text, a, b) for a, b in spans) if s is not None]


def _is_abbreviation(text: str, dot: int) -> bool:
    word = re.search(r"[\w.]+$", text[:dot])
    return bool(word) and word is not None and word.group().lower() in _EN_ABBREVIATIONS


def _trim(text: str, start: int, end: int, strip: str = "") -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in strip):
        end -= 1
    # A span of punctuation only (e.g. "……" on its own) is not a sentence.
    if not any(c.isalnum() for c in text[start:end]):
        return None
    return start, end


def _cut(
    language: str, body: str, start: int, end: int, pattern: re.Pattern[str]
) -> list[tuple[int, int]]:
    minimum = _MIN_PIECE[language]
    pieces: list[tuple[int, int]] = []
    piece_start = start
    for match in pattern.finditer(body, start, end):
        if _size(language, body[piece_start : match.end()]) >= minimum:
            pieces.append((piece_start, match.end()))
            piece_start = match.end()
    tail = (piece_start, end)
    if pieces and _size(language, body[piece_start:end]) < minimum:
        tail = (pieces.pop()[0], end)
    pieces.append(tail)
    return pieces


def _size(language: str, text: str) -> int:
    if language == "zh":
        return len(_CJK.findall(text)) + len(_WORD.findall(text))
    return len(_WORD.findall(text))


def _cut_long(text: TimedText, start: int, end: int) -> list[tuple[int, int, bool]]:
    language = text.language
    body = text.text[start:end]
    tiers = (_ZH_COMMA, _ZH_CONJUNCTION) if language == "zh" else (_EN_COMMA, _EN_CONJUNCTION)
    pieces = [(0, len(body))]
    for pattern in tiers:
        pieces = [
            cut
            for a, b in pieces
            for cut in (
                _cut(language, body, a, b, pattern)
                if _size(language, body[a:b]) > _LONG_SENTENCE[language]
                else [(a, b)]
            )
        ]
    result = []
    for number, (a, b) in enumerate(pieces):
        # A piece's trailing comma belongs to the sentence, not to the quoted clause.
        trimmed = _trim(text.text, start + a, start + b, strip="，,：:")
        if trimmed is not None:
            result.append((*trimmed, number > 0))
    return result
