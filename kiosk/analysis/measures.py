"""Answer-level measures: specificity, ownership, relevance, coherence and generic claims.

None of these grows with the length of an answer – they are rates and shares – so a long
answer is not rewarded for being long:

* **specificity** – numbers, percentages, amounts, dates, named outcomes ("signed", 签约) and
  proper nouns per 100 words;
* **ownership** – the share of action sentences told as "I"/我 rather than "we"/我们/大家;
* **relevance** – how much of the answer's vocabulary belongs to the question (prompt, rubric
  key behavioural events and keywords), and how much of that vocabulary the answer covers;
* **coherence** – the share of sentences that connect to the question, less a penalty for runs
  of three or more sentences in a row that do not;
* **generic claims** – sentences with a trait, value or habit statement ("I am a hard-working
  team player", 我很有责任心, "usually …") and no occasion, action or specific detail.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from kiosk.analysis.evidence import Evidence, Measure, Transcript
from kiosk.analysis.lexicon import ZH_NUMERALS, cue_pattern
from kiosk.analysis.star import SentenceFacts
from kiosk.bank import StarElement

#: Relevance: an on-topic answer draws about a quarter of its content words from the question's
#: vocabulary (measured on the sample answers); at that share precision counts in full.
RELEVANCE_FULL_PRECISION = {"en": 0.25, "zh": 0.15}
#: Relevance: covering this many distinct question terms counts as full coverage.
RELEVANCE_FULL_COVERAGE = {"en": 8, "zh": 10}
#: Coherence: runs of off-topic sentences up to this length are normal connective tissue.
TOLERATED_OFF_TOPIC_RUN = 2

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
)
_EN_NUMBER = (
    r"(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    r"hundred|thousand|million|billion|dozen|twice|half)"
)
_EN_UNIT = r"(?:minute|hour|day|week|month|year|quarter|semester|term|sale|customer|client)s?"
_EN_SPECIFICS: tuple[tuple[str, str], ...] = (
    ("percentage", rf"\b(?:\d+(?:\.\d+)?|{_EN_NUMBER})\s?(?:%|percent\b|per cent\b)"),
    (
        "amount",
        r"[$€£¥]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:k|m|bn|million|thousand|billion)\b)?"
        r"|\b\d[\d,]*(?:\.\d+)?\s?(?:k\s)?(?:yuan|rmb|dollars?|euros?|pounds?|usd|cny)\b",
    ),
    (
        "date",
        rf"\b(?:19|20)\d\d\b|\b(?:{_MONTHS})\b|\b(?:yesterday|today|tomorrow|tonight"
        r"|(?:last|this|that) (?:year|summer|winter|spring|autumn|fall|semester|term|month|week"
        r"|quarter))\b",
    ),
    (
        "number",
        rf"\b\d[\d,]*(?:\.\d+)?\b|\b{_EN_NUMBER}(?:[- ](?:and )?(?:{_EN_NUMBER}|one))*\b"
        rf"|\bone(?= {_EN_UNIT}\b)",
    ),
)
_ZH_UNIT = (
    "个月|个|位|名|次|天|周|月|年|小时|分钟|秒|倍|家|条|份|张|本|台|遍|轮|人|单|笔|项|页|行|岁|"
    "公里|米|星期|款|只|分"
)
_ZH_SPECIFICS: tuple[tuple[str, str], ...] = (
    ("percentage", rf"\d+(?:\.\d+)?\s?[%％]|百分之[{ZH_NUMERALS}点\d]+"),
    (
        "amount",
        rf"\d[\d,.]*\s?[万千百亿]?\s?(?:元|块|美元|人民币)|[{ZH_NUMERALS}]+[万千]?(?:元|块)",
    ),
    (
        "date",
        r"\d{4}年|\d{1,2}月(?:\d{1,2}[日号])?|去年|前年|今年|上个月|这个月|本月|上周|本周|今天|明天|"
        r"当天|当周|上学期|暑假|寒假|"
        r"大[一二三四]|周[一二三四五六日末]|星期[一二三四五六日天]",
    ),
    (
        "number",
        rf"\d+(?:\.\d+)?|[零两三四五六七八九十百千万亿半][{ZH_NUMERALS}]*(?={_ZH_UNIT})"
        r"|一(?=周|小时|万|千|百|倍|年内|个月内|天内)",
    ),
)
_EN_PROPER = re.compile(r"\b[A-Z][a-zA-Z]+(?:[ -][A-Z][a-zA-Z]+)*|\b[A-Z]{2,}\b")
_EN_NOT_PROPER = frozenset({"I", "I'm", "I'd", "OK", "A", "The"})
_ZH_SURNAME = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵钱严武戴莫孔汤"
)
_ZH_PROPER = re.compile(
    r"[A-Za-z][A-Za-z+#]*(?:\.[A-Za-z]+)?|《[^》]{1,20}》"
    rf"|[{_ZH_SURNAME}](?:先生|女士|老师|经理|总|阿姨|大爷|师傅|同学|老板)"
    r"|(?P<generic>[一这那某]?[家个所])?[^\W\d_的了在是和与我他她这那一家个所从到于给把被向对]{2,6}?"
    r"(?:银行|公司|大学|学院|集团|医院)"
)


def specificity(transcript: Transcript, words: int) -> Measure:
    """Specific details per 100 words, each quoted."""
    language = transcript.language
    table = _ZH_SPECIFICS if language == "zh" else _EN_SPECIFICS
    flags = re.IGNORECASE if language == "en" else 0
    taken: list[tuple[int, int]] = []
    found: list[Evidence] = []
    text = transcript.text.text

    def take(kind: str, start: int, end: int) -> None:
        if end > start and not any(a < end and start < b for a, b in taken):
            taken.append((start, end))
            found.append(transcript.evidence(f"specificity.{kind}", start, end, kind))

    for kind, pattern in table:
        for match in re.finditer(pattern, text, flags):
            take(kind, match.start(), match.end())
    for match in cue_pattern(language, "named_outcomes").finditer(text):
        take("named_outcome", match.start(), match.end())
    for start, end in _proper_nouns(transcript):
        take("proper_noun", start, end)
    found.sort(key=lambda e: e.char_start)
    per_100 = 100.0 * len(found) / words if words else 0.0
    detail = f"{len(found)} specific details in {words} words ({per_100:.1f} per 100 words)"
    return Measure(round(per_100, 2), tuple(found), detail)


def _proper_nouns(transcript: Transcript) -> Iterable[tuple[int, int]]:
    text = transcript.text.text
    if transcript.language == "zh":
        for match in _ZH_PROPER.finditer(text):
            if not match.group("generic"):
                yield match.start(), match.end()
        return
    for sentence in transcript.sentences:
        for match in _EN_PROPER.finditer(sentence.text):
            # A capital at the start of a sentence says nothing about the word.
            if match.start() == 0 or match.group() in _EN_NOT_PROPER:
                continue
            if re.match(rf"(?:{_MONTHS})$", match.group(), re.IGNORECASE):
                continue
            yield sentence.char_start + match.start(), sentence.char_start + match.end()


def ownership(transcript: Transcript, facts: Sequence[SentenceFacts]) -> Measure:
    """Share of action sentences told as "I" rather than "we" (0 when there are none)."""
    evidence = []
    mine = ours = 0
    for fact in facts:
        if fact.actor is None:
            continue
        if fact.actor == "i":
            mine += 1
        else:
            ours += 1
        verb = next(a.verb for a in fact.actions if a.actor == fact.actor)
        evidence.append(
            transcript.sentence_evidence(
                f"ownership.{fact.actor}", fact.sentence, f"{fact.actor!r} + {verb!r}"
            )
        )
    total = mine + ours
    value = mine / total if total else 0.0
    detail = (
        f"{mine} of {total} action sentences in the first person singular"
        if total
        else "no action sentences"
    )
    return Measure(round(value, 3), tuple(evidence), detail)


def relevance(
    transcript: Transcript,
    facts: Sequence[SentenceFacts],
    vocabulary: frozenset[str],
    answer_terms: Sequence[str],
) -> Measure:
    """Overlap of the answer with the question's vocabulary (0..1; see the module docstring)."""
    if not answer_terms or not vocabulary:
        return Measure(0.0, (), "no content words to compare with the question")
    shared = [t for t in answer_terms if t in vocabulary]
    precision = len(shared) / len(answer_terms)
    covered = set(shared)
    full = min(len(vocabulary), RELEVANCE_FULL_COVERAGE[transcript.language])
    # A product, so that neither an answer of three on-topic words nor a long answer that
    # touches many terms by chance while mostly talking about something else scores high.
    value = min(1.0, precision / RELEVANCE_FULL_PRECISION[transcript.language]) * min(
        1.0, len(covered) / full
    )
    ranked = sorted(facts, key=lambda f: len(f.terms & vocabulary), reverse=True)
    evidence = tuple(
        transcript.sentence_evidence(
            "topic", f.sentence, "shares " + ", ".join(sorted(f.terms & vocabulary)[:6])
        )
        for f in ranked[:5]
        if f.terms & vocabulary
    )
    detail = (
        f"{precision:.0%} of the answer's content words belong to the question; "
        f"it covers {len(covered)} of its {len(vocabulary)} terms"
    )
    return Measure(round(value, 3), evidence, detail)


def on_topic(fact: SentenceFacts, vocabulary: frozenset[str]) -> bool:
    """A sentence connects to the question if it shares vocabulary or reports a result."""
    return bool(fact.terms & vocabulary) or StarElement.RESULT in fact.star


def coherence(
    transcript: Transcript, facts: Sequence[SentenceFacts], vocabulary: frozenset[str]
) -> Measure:
    """Share of on-topic sentences, less a penalty for long off-topic runs (0..1)."""
    if not facts:
        return Measure(0.0, (), "no sentences")
    flags = [on_topic(f, vocabulary) for f in facts]
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for index, flag in enumerate([*flags, True]):
        if not flag and start is None:
            start = index
        elif flag and start is not None:
            runs.append((start, index - 1))
            start = None
    longest = max((b - a + 1 for a, b in runs), default=0)
    share = sum(flags) / len(flags)
    penalty = max(0, longest - TOLERATED_OFF_TOPIC_RUN) / len(flags)
    value = max(0.0, share - penalty)
    evidence = tuple(
        transcript.run_evidence(
            "off_topic",
            facts[a].sentence,
            facts[b].sentence,
            f"{b - a + 1} sentence(s) with no connection to the question",
        )
        for a, b in runs
        if b - a + 1 >= TOLERATED_OFF_TOPIC_RUN
    )
    detail = (
        f"{sum(flags)} of {len(flags)} sentences connect to the question; "
        f"longest off-topic run {longest}"
    )
    return Measure(round(value, 3), evidence, detail)


def _sentence_groups(facts: Sequence[SentenceFacts]) -> list[int]:
    # Pieces cut from one sentence share the index of its first piece.
    groups: list[int] = []
    for fact in facts:
        groups.append(groups[-1] if fact.sentence.continues and groups else len(groups))
    return groups


def generic_claims(
    transcript: Transcript, facts: Sequence[SentenceFacts], specifics: Sequence[Evidence]
) -> tuple[Evidence, ...]:
    """Trait, value and habit statements with no occasion, action or specific detail behind them."""
    language = transcript.language
    traits = cue_pattern(language, "traits")
    habits = cue_pattern(language, "habitual")
    claims = []
    concrete_groups = set()
    for group, fact in zip(_sentence_groups(facts), facts, strict=True):
        sentence = fact.sentence
        specific = any(sentence.char_start <= e.char_start < sentence.char_end for e in specifics)
        if fact.is_action or StarElement.SITUATION in fact.star or specific:
            concrete_groups.add(group)
    for group, fact in zip(_sentence_groups(facts), facts, strict=True):
        sentence = fact.sentence
        # A piece cut from a sentence that tells an occasion is part of that occasion.
        if group in concrete_groups:
            continue
        cue = traits.search(sentence.text) or habits.search(sentence.text)
        if cue is not None:
            claims.append(
                transcript.sentence_evidence(
                    "generic_claim", sentence, f"{cue.group()!r} with no example behind it"
                )
            )
    return tuple(claims)
