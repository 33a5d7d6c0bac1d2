"""Words, content terms and keyword matching, for English and Chinese, without any model.

English text is tokenised into lower-case words (contractions expanded: "didn't" → "did not"),
stemmed with a small Porter-style stemmer ("listened", "listening" → "listen"; British and
American spellings meet: "organised" = "organized") and mapped to a *concept* when the word
belongs to a synonym group ("worried", "concern", "fear" → ``concern``). Content terms are the
concepts of the words that are not stop words.

Chinese has no spaces, so content terms are character bigrams of the text after synonyms are
replaced by a canonical form (担心/疑虑 → 顾虑); bigrams containing a stop character
(的, 了, 是, 我, …) are dropped, because they carry grammar rather than topic.

Word counts for Chinese are estimated as CJK characters ÷ 1.5 (the average length of a modern
Chinese word) plus Latin words and numbers, so "per 100 words" thresholds mean the same in
both languages.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from kiosk.analysis.lexicon import words

_EN_TOKEN = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*|\d+(?:[.,]\d+)*")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_OR_NUMBER = re.compile(r"[A-Za-z]+|\d+(?:[.,]\d+)*")
#: Characters per word in Chinese, for word counts (see the module docstring).
ZH_CHARS_PER_WORD = 1.5

_CONTRACTIONS = {
    "i'm": ("i", "am"),
    "i'd": ("i", "would"),
    "i'll": ("i", "will"),
    "i've": ("i", "have"),
    "we'd": ("we", "would"),
    "we'll": ("we", "will"),
    "we've": ("we", "have"),
    "we're": ("we", "are"),
    "won't": ("will", "not"),
    "can't": ("can", "not"),
    "cannot": ("can", "not"),
    "shan't": ("shall", "not"),
}

EN_STOP_WORDS = words(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing done down during each else even
    ever every few for from further get gets got had has have having he her here hers herself him
    himself his how however i if in into is it its itself just let lot lots me might more most
    much must my myself no nor not now of off on once one only or other our ours ourselves out
    over own quite rather really same she should so some something such than that the their
    theirs them themselves then there these they thing things this those though through to too
    under until up upon us very was way we were what when where whether which while who whom
    whose why will with within without would yes yet you your yours yourself also always usually
    often never maybe perhaps still already well like kind sort make made go went going come came
    say said tell told think thought know knew want wanted try tried e g etc ok okay yeah little
    someone anyone everyone everybody nobody anybody different same many later final finally
    first next last early"""
)

ZH_STOP_CHARS = frozenset(
    "的了着过吗呢吧啊呀嗯哦哈么之其也就都而及与和或在是把被这那个很又还我你您他她它们"
)

#: English synonym groups; every word maps (after stemming) to the group's first word.
_EN_CONCEPT_GROUPS: tuple[tuple[str, ...], ...] = (
    ("concern", "worry", "worried", "fear", "doubt", "hesitation", "hesitant", "anxious"),
    ("objection", "object", "objected", "refuse", "refusal", "reject", "rejection", "pushback"),
    ("ask", "question", "inquire", "enquire", "probe"),
    ("listen", "hear", "heard"),
    ("find", "found", "discover", "uncover", "identify", "notice", "realise", "spot"),
    ("adapt", "adjust", "tailor", "change", "modify", "switch", "customise", "rework"),
    ("recommend", "suggest", "propose", "advise", "proposal", "suggestion"),
    ("explain", "clarify", "describe", "explanation"),
    ("customer", "client", "buyer"),
    ("fix", "solve", "resolve", "repair", "patch", "solution"),
    ("verify", "test", "check", "confirm", "validate"),
    ("reproduce", "replicate", "replay"),
    ("cause", "reason"),
    ("narrow", "isolate", "bisect", "pinpoint"),
    ("log", "logging", "trace", "debugger", "breakpoint"),
    ("hypothesis", "hypotheses", "assumption", "theory"),
    ("teammate", "team", "group", "member", "colleague", "classmate", "peer"),
    ("disagree", "disagreement", "argue", "argument", "conflict", "debate", "dispute"),
    ("agree", "agreement", "consensus", "settle", "align"),
    ("compromise", "combine", "middle", "merge", "trade"),
    ("meeting", "meet", "met", "discussion", "discuss", "talk"),
    ("organise", "arrange", "coordinate", "host"),
    ("goal", "target", "aim", "objective", "quota"),
    ("plan", "schedule", "roadmap", "timeline"),
    ("role", "part", "responsibility", "responsible", "charge", "contribution", "contribute"),
    ("lead", "led", "initiative"),
    ("result", "outcome", "effect", "impact"),
    ("increase", "raise", "grow", "growth", "improve", "boost", "rise", "rose", "exceed"),
    ("reduce", "cut", "drop", "decrease", "lower", "fall", "fell", "shorten", "save"),
    ("calm", "composed", "patient", "patience"),
    ("risk", "risky", "volatile", "volatility"),
    ("loss", "lose", "lost"),
    ("promise", "guarantee", "guaranteed", "assure"),
    ("trust", "relationship", "loyalty"),
    ("product", "fund"),
    ("rule", "regulation", "policy", "compliance", "compliant", "law"),
    ("honest", "truth", "truthful", "transparent", "frank"),
    ("suitable", "fit", "appropriate", "match"),
    ("understand", "understanding", "comprehend"),
    ("learn", "learnt", "study", "master"),
    ("documentation", "docs", "doc", "tutorial", "manual", "guide", "wiki"),
    ("practice", "practise", "exercise", "experiment"),
    ("mentor", "senior", "expert", "experienced"),
    ("quick", "fast", "short", "rapid"),
    ("reflect", "review", "retrospective", "lesson"),
    ("setback", "failure", "fail"),
    ("pressure", "stress", "stressful"),
    ("clear", "plain", "simple", "simply"),
)

#: Chinese synonyms, replaced by their canonical form (the group's first entry) before bigrams.
_ZH_SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("顾虑", "担心", "担忧", "疑虑", "害怕", "忧虑"),
    ("反对", "拒绝", "不想买", "不同意", "不愿意"),
    ("询问", "追问", "问了", "问他", "问她", "问清", "请教", "打听"),
    ("倾听", "听取", "听他", "听她", "听完", "听听"),
    ("找出", "找到", "发现", "弄清", "了解到", "定位到"),
    ("调整", "修改", "更换", "换了", "改成", "改为", "量身定制", "改了"),
    ("推荐", "建议", "提议"),
    ("解释", "说明", "讲解", "讲清楚"),
    ("客户", "顾客", "客人", "用户"),
    ("修复", "修好", "解决"),
    ("验证", "测试", "检验", "确认"),
    ("复现", "重现", "回放"),
    ("原因", "根本原因", "根因", "问题所在"),
    ("日志", "断点", "调试"),
    ("分歧", "意见不一致", "意见不同", "争论", "争执", "吵架", "不一致"),
    ("共识", "一致", "同意", "认可"),
    ("折中", "妥协", "兼顾", "结合"),
    ("讨论", "讨论会", "开会", "商量", "沟通", "交流"),
    ("组织", "召集", "协调"),
    ("目标", "指标", "任务量", "业绩"),
    ("角色", "分工", "负责", "职责", "贡献"),
    ("队友", "组员", "同事", "同学", "成员"),
    ("提高", "提升", "增长", "增加", "超过", "超额"),
    ("降低", "减少", "下降", "缩短", "节省", "降到"),
    ("冷静", "耐心", "平复"),
    ("风险", "波动"),
    ("亏损", "亏钱", "亏本", "赔钱", "保本"),
    ("承诺", "保证", "打包票"),
    ("信任", "信赖"),
    ("合适", "适合", "匹配", "符合"),
    ("规定", "合规", "制度", "违规", "规则"),
    ("如实", "诚实", "坦诚", "实话"),
    ("跟进", "回访", "再次联系", "又联系"),
    ("学习", "学会", "掌握", "自学"),
    ("文档", "官方文档", "教程", "资料"),
    ("练习", "动手", "小项目"),
    ("总结", "复盘", "反思", "记录"),
)


@dataclass(frozen=True, slots=True)
class Token:
    """An English word: its normalised form, stem and span in the answer."""

    word: str
    stem: str
    char_start: int
    char_end: int


def stem(word: str) -> str:
    """A light Porter-style stem: enough to meet inflections, not a linguistic analysis."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) <= 3:
        return w
    # British -ise spellings meet American -ize before the suffixes are removed.
    w = re.sub(r"(?<=\w{3})is(e|ed|es|ing|ation|ations)$", r"iz\1", w)
    if w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ingly", "edly", "ing", "ed"):
        # "need" and "agreed" keep their -eed: the e belongs to the word.
        if suffix == "ed" and w.endswith("eed"):
            break
        if w.endswith(suffix) and re.search(r"[aeiouy]", w[: -len(suffix)]):
            w = w[: -len(suffix)]
            if re.search(r"([^aeiouslz])\1$", w):
                w = w[:-1]
            break
    if w.endswith("ly") and len(w) > 5:
        w = w[:-2]
    if w.endswith("y") and len(w) > 3:
        w = w[:-1] + "i"
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w


@functools.cache
def _en_concepts() -> dict[str, str]:
    concepts: dict[str, str] = {}
    for group in _EN_CONCEPT_GROUPS:
        for word in group:
            concepts.setdefault(stem(word), group[0])
    return concepts


@functools.cache
def _en_stop_stems() -> frozenset[str]:
    return frozenset(stem(w) for w in EN_STOP_WORDS) | EN_STOP_WORDS


def en_tokens(text: str, offset: int = 0) -> list[Token]:
    """English words of ``text`` (contractions expanded); spans are shifted by ``offset``."""
    tokens: list[Token] = []
    for match in _EN_TOKEN.finditer(text):
        raw = match.group().lower().replace("’", "'")
        a, b = match.start() + offset, match.end() + offset
        if raw in _CONTRACTIONS:
            parts: tuple[str, ...] = _CONTRACTIONS[raw]
        elif raw.endswith("n't"):
            parts = (raw[:-3], "not")
        elif raw.endswith(("'d", "'ll", "'ve", "'re", "'m")):
            head, tail = raw.split("'", 1)
            parts = (head, {"d": "would", "ll": "will", "ve": "have", "re": "are", "m": "am"}[tail])
        else:
            parts = (raw,)
        tokens.extend(Token(part, stem(part), a, b) for part in parts if part)
    return tokens


def concept(token: Token) -> str:
    """The synonym-group label of an English token, or its stem."""
    return _en_concepts().get(token.stem, token.stem)


def is_content(token: Token) -> bool:
    """True for words that carry topic (not stop words, not numbers, not single letters)."""
    return (
        len(token.word) > 1
        and not token.word[0].isdigit()
        and token.word not in EN_STOP_WORDS
        and token.stem not in _en_stop_stems()
    )


@functools.cache
def _zh_synonym_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    canonical = {surface: group[0] for group in _ZH_SYNONYM_GROUPS for surface in group}
    surfaces = sorted(canonical, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, surfaces))), canonical


def zh_canonical(text: str) -> str:
    """Chinese text with synonyms replaced by their canonical form."""
    pattern, canonical = _zh_synonym_pattern()
    return pattern.sub(lambda m: canonical[m.group()], text)


def content_terms(language: str, text: str) -> list[str]:
    """Topic-bearing terms of ``text``, in order, with repeats (see the module docstring)."""
    if language == "en":
        return [concept(t) for t in en_tokens(text) if is_content(t)]
    normal = zh_canonical(text)
    terms: list[str] = []
    for run in _CJK_RUN.findall(normal):
        terms.extend(
            run[i : i + 2]
            for i in range(len(run) - 1)
            if run[i] not in ZH_STOP_CHARS and run[i + 1] not in ZH_STOP_CHARS
        )
    # Latin words inside Chinese answers are usually names of tools and products (Docker, API).
    latin = _LATIN_OR_NUMBER.findall(normal)
    terms.extend(stem(w) for w in latin if w[0].isalpha() and len(w) > 1)
    return terms


def word_count(language: str, text: str) -> int:
    """Words in ``text``; for Chinese an estimate (see the module docstring)."""
    if language == "en":
        return len(_EN_TOKEN.findall(text))
    cjk = len(_CJK.findall(text))
    return round(cjk / ZH_CHARS_PER_WORD) + len(_LATIN_OR_NUMBER.findall(text))


@functools.lru_cache(maxsize=4096)
def _zh_keyword_pattern(phrase: str) -> re.Pattern[str]:
    # Aspect particles may sit inside a spoken verb phrase: "调整了方案" says "调整方案".
    parts = []
    for i, char in enumerate(phrase):
        parts.append(re.escape(char))
        if _CJK.match(char) and i + 1 < len(phrase) and _CJK.match(phrase[i + 1]):
            parts.append("(?:了|过|着)?")
    return re.compile("".join(parts), re.IGNORECASE)


def find_phrase(
    language: str, phrase: str, text: str, tokens: Sequence[Token] = (), offset: int = 0
) -> tuple[int, int] | None:
    """The first span of ``phrase`` in ``text`` (a sentence starting at ``offset``), or None.

    English phrases match whole words after stemming ("concerns" finds "concern"), so pass the
    sentence's ``tokens``; Chinese phrases match as substrings, allowing 了/过/着 inside.
    """
    if language == "zh":
        found = _zh_keyword_pattern(phrase.strip()).search(text)
        return (found.start() + offset, found.end() + offset) if found else None
    wanted = [t.stem for t in en_tokens(phrase)]
    if not wanted:
        position = text.lower().find(phrase.strip().lower())
        if position < 0 or not phrase.strip():
            return None
        return position + offset, position + offset + len(phrase.strip())
    stems = [t.stem for t in tokens]
    for i in range(len(stems) - len(wanted) + 1):
        if stems[i : i + len(wanted)] == wanted:
            return tokens[i].char_start, tokens[i + len(wanted) - 1].char_end
    return None
