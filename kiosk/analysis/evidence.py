"""Evidence: the quoted transcript spans behind every number the content analysis reports.

Every hit the analysis makes is an :class:`Evidence`: an exact substring of the answer with its
character offsets and, when the answer was spoken, its start and end time, so a recruiter can
read the quote and play the moment. ``kind`` says what the span is evidence of:

``star.situation`` / ``star.task`` / ``star.action`` / ``star.result``
    a sentence that contributes that part of a STAR story;
``event``
    a sentence that evidences a rubric's key behavioural event;
``keyword`` / ``keyword.low``
    a rubric keyword (one per synonym group); ``.low`` for the lowest level's, which mark a weak
    answer ("I always try my best");
``specificity.<what>``
    a number, percentage, amount, date, named outcome or proper noun;
``ownership.i`` / ``ownership.we``
    an action sentence told as "I" or as "we";
``topic`` / ``off_topic``
    sentences that do, or runs of sentences that do not, connect to the question;
``generic_claim``
    a virtue or habit statement with no occasion, action or number behind it.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.analysis.text import Sentence, TimedText, TokenAlignment, split_sentences


@dataclass(frozen=True, slots=True)
class Evidence:
    """A quoted span of the answer and what it shows.

    ``quote == transcript[char_start:char_end]`` always holds; ``start``/``end`` are seconds into
    the answer, or None for typed text or spans no recognised word covers.
    """

    kind: str
    quote: str
    char_start: int
    char_end: int
    start: float | None
    end: float | None
    detail: str


@dataclass(frozen=True, slots=True)
class Measure:
    """A number with the evidence it was computed from and a sentence saying how."""

    value: float
    evidence: tuple[Evidence, ...]
    detail: str


@dataclass(frozen=True, slots=True)
class Transcript:
    """An answer prepared for analysis: its text, sentences and token alignment."""

    text: TimedText
    sentences: tuple[Sentence, ...]
    alignment: TokenAlignment

    @classmethod
    def of(cls, text: TimedText) -> Transcript:
        """Align the tokens and split the sentences once, for all analysers to share."""
        alignment = TokenAlignment(text)
        return cls(text, split_sentences(text, alignment), alignment)

    @property
    def language(self) -> str:
        """``"zh"`` or ``"en"``."""
        return self.text.language

    def evidence(self, kind: str, char_start: int, char_end: int, detail: str) -> Evidence:
        """Evidence for ``[char_start, char_end)`` of the answer, with its times."""
        if not 0 <= char_start <= char_end <= len(self.text.text):
            raise ValueError(f"span {char_start}..{char_end} is outside the transcript")
        start, end = self.alignment.times(char_start, char_end)
        quote = self.text.text[char_start:char_end]
        return Evidence(kind, quote, char_start, char_end, start, end, detail)

    def sentence_evidence(self, kind: str, sentence: Sentence, detail: str) -> Evidence:
        """Evidence quoting a whole sentence."""
        return self.evidence(kind, sentence.char_start, sentence.char_end, detail)

    def run_evidence(self, kind: str, first: Sentence, last: Sentence, detail: str) -> Evidence:
        """Evidence quoting the sentences from ``first`` to ``last`` inclusive."""
        return self.evidence(kind, first.char_start, last.char_end, detail)
