"""Action sentences: what the candidate says they (or their team) actually did.

A clause is an *action* when a first-person subject ("I", "we"; 我, 我们, 大家) is followed,
after adverbs, modals and negation, by an action verb:

* **English, behavioural questions** – a past-tense verb ("I asked", "we agreed", "I have
  built", "I didn't give up"). Present tense ("I always listen to customers") and modals ("I
  would explain") describe habits or intentions, not an occasion, so they do not count.
* **English, situational questions** – the answer is hypothetical, so "I would / will / could /
  should" + a verb from :data:`EN_ACTION_VERBS`, and the present tense of those verbs, count
  too. "I can …" never counts: it claims an ability rather than describing a step.
* **Chinese** – a verb from :data:`ZH_ACTION_VERBS` within the 14 characters after the subject,
  or any verb marked with 了. Chinese does not mark tense, so for behavioural questions a modal
  (会, 要, 应该 …) right after the subject rules the clause out, and for situational questions it
  is allowed; 能/能够/可以 (ability) never count.

In both languages a stative or trait verb first ("I am", "I think", 我是, 我觉得, 我很, 我善于)
rules the clause out, and so does a habit or effort marker (always, usually, try my best; 总是,
一般, 尽力) unless the verb is past tense (English) or marked with 了/过 (Chinese).

Subjects drop in lists of actions ("I reproduced the bug, added logs, and found …"; 我先问了
顾虑，然后调整了方案), so a clause without a subject inherits the actor of the clause before it
in the same sentence when that clause was an action.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from kiosk.analysis.lexicon import cue_pattern, words
from kiosk.analysis.terms import Token, en_tokens, stem
from kiosk.analysis.text import Sentence

#: Modal verbs that make an English clause hypothetical ("can" is an ability claim, see above).
EN_MODALS = frozenset({"would", "will", "could", "should", "shall", "might", "must"})
_EN_SKIP = words(
    """not never also then first just immediately quickly carefully personally actually still
    finally later eventually politely calmly patiently gently directly myself ourselves rather
    soon together again really even both all only simply clearly"""
)
#: First verbs that describe a state, a trait, a thought or an ability rather than a deed.
EN_STATIVE = words(
    """am is are was were be been being can think thought believe believed feel felt like liked
    love loved want wanted hope hoped know knew enjoy enjoyed prefer preferred seem seemed need
    needed guess mean meant remember remembered wish wished got get used"""
)
_EN_HABIT = frozenset({"always", "usually", "often", "generally", "normally", "sometimes"})
_EN_LY_VERBS = frozenset({"apply", "reply", "supply", "rely", "comply", "multiply", "fly"})
_EN_IRREGULAR_PAST = words(
    """took made set built wrote found ran spoke told went gave sent brought chose led met put
    sold bought began kept paid drew broke cut won rewrote spent taught caught held left split
    read dealt sought did saw heard said rang drove threw understood undertook overcame stood
    fed shut hung hit lit let shook taken written given done spoken chosen shown begun broken
    driven gone seen sung"""
)
#: Irregular verbs whose past is their present: "I read logs" is past only if the sentence is.
_EN_SAME_IN_PRESENT = frozenset(
    {"read", "put", "cut", "set", "hit", "let", "shut", "split", "quit"}
)
#: Past forms ending in -ed that are states or feelings, not deeds.
_EN_NON_ACTION_ED = words(
    """interested tired excited worried bored pleased surprised scared supposed based seemed
    wanted liked loved hoped enjoyed believed needed preferred annoyed confused disappointed
    embarrassed frustrated satisfied shocked stressed amazed concerned involved"""
)
#: English verbs that name a concrete step (base forms; matched by stem).
EN_ACTION_VERBS = words(
    """ask listen explain check call phone email offer suggest propose recommend organise
    organize arrange set build write fix test reproduce add compare analyse analyze measure meet
    talk contact follow refuse decline tell inform report escalate apologise apologize invite
    move show review plan prepare schedule split assign share collect gather document record
    summarise summarize restate repeat confirm clarify negotiate visit train teach learn read
    search study practise practice find trace debug profile log rewrite refactor deploy release
    roll revert design draft create launch run lead coordinate mediate persuade convince calm
    reassure thank send bring give take keep stay adjust adapt tailor change switch replace
    reduce cut increase improve sign close deliver finish complete solve resolve investigate
    identify narrow isolate verify validate monitor track break list sort prioritise prioritize
    start begin decide choose pick hand seek request promise guarantee refund escort introduce
    present demonstrate remind walk sit help reach focus ensure"""
)

_ZH_SUBJECT = re.compile(
    r"我们(?!的)|咱们|大家|我(?![们的爸妈哥姐弟妹表堂舅姨叔姑爷奶外家校司行国方])"
)
#: A 我 right after these is an object ("他问我", "让我负责"), not the subject.
_ZH_OBJECT_BEFORE = frozenset("给跟和与对向把被帮问找叫请让教带替陪告诉要求")
_ZH_CONNECTIVES = re.compile(
    r"^(?:然后|接着|随后|之后|于是|并且|并|又|再|还|也|就|最后|同时|另外|先|首先|其次|而是|所以|便)+"
)
_ZH_ADVERBS = re.compile(
    r"^(?:当时|那时|也|还|都|就|先|又|再|马上|立刻|立即|赶紧|首先|然后|接着|随后|于是|便|当场|亲自|"
    r"专门|特意|主动|第一时间|一起|一边|最后|后来|自己|私下|认真|仔细|耐心地|直接|连夜|当天|当周|终于|"
    r"才|已经|只好|同时|另外|逐条|逐一|分别|继续|重新|立马|特地|宁可|宁愿|至少|真的|确实)+"
)
_ZH_NEGATION = re.compile(r"^(?:并没有|没有|没|绝不|决不|并不|不)")
_ZH_MODAL = re.compile(r"^(?:应该|应当|打算|准备|需要|会|要|想)")
_ZH_STATIVE = re.compile(
    r"^(?:是|有|很|非常|特别|比较|十分|挺|太|最|觉得|认为|相信|希望|喜欢|善于|擅长|懂得|知道|记得|"
    r"明白|理解|感到|感觉|属于|能|可以|愿意|乐于|一直|总是|始终|从不|从来|一向|向来|通常|一般|经常|"
    r"平时|对|比|没什么|算是)"
)
#: Chinese verbs that name a concrete step. Longer entries first so the evidence names the
#: whole verb (询问 rather than 问).
ZH_ACTION_VERBS: tuple[str, ...] = tuple(
    sorted(
        words(
            """询问 追问 问 倾听 听取 解释 说明 介绍 调整 修改 改 换 建议 推荐 提出 提议 组织 安排
            召集 联系 打电话 回访 跟进 整理 分析 复现 重现 回放 排查 定位 修复 测试 验证 写 编写
            制定 拆解 拆分 学 查阅 查 看了 请教 设计 带领 协调 沟通 约 拒绝 确认 复述 对比 比较 统计
            收集 加 添加 补 发 帮 陪 送 决定 选择 列出 做 准备 开发 上线 部署 回滚 记录 总结 复盘
            反馈 汇报 通知 告诉 说服 安抚 请 找 发现 打开 用 使用 搭建 实现 完成 解决 处理 优化 重写
            制作 梳理 讨论 商量 开会 申请 练习 尝试 试 提醒 承诺 保证 给出 接下 保存 跑 录 拿 指出
            引导 演示 报告 咨询 核实 核对 回复 道歉 登记 办理 提交 上报 推动"""
        ),
        key=lambda verb: (-len(verb), verb),
    )
)
_ZH_VERB = re.compile("|".join(ZH_ACTION_VERBS))
_ZH_COVERB = re.compile(r"[把给跟和向对为在用从帮替]|专门|特意|逐条|当场|马上|立刻")
#: 我 + a short verb + 的 is a relative clause ("我实习的那个项目"), not the subject of the clause.
_ZH_RELATIVE = re.compile(r"[\u4e00-\u9fff]{1,3}的")
_ZH_LE_VERB = re.compile(r"([\u4e00-\u9fff])[了过]")
_ZH_NOT_LE_VERB = frozenset("好累烦急慌怕忘懵晕饿困病疯懂多少对错长大老胖瘦久为除算极坏")
_ZH_CLAUSE = re.compile(r"[，,：:]|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
_EN_CLAUSE = re.compile(r"[,:;]|\band then\b|\bthen\b")
_WINDOW = 14


@dataclass(frozen=True, slots=True)
class Action:
    """One clause in which the candidate (``actor`` "i") or their team ("we") did something."""

    actor: str
    verb: str
    char_start: int
    char_end: int
    hypothetical: bool


@dataclass(slots=True)
class _Carry:
    # The actor of the previous action clause, for clauses that dropped their subject.
    actor: str | None = None
    modal: bool = False


def find_actions(
    language: str, sentences: Sequence[Sentence], *, hypothetical: bool
) -> tuple[tuple[Action, ...], ...]:
    """The actions in each sentence (same order as ``sentences``)."""
    result = []
    carry = _Carry()
    for sentence in sentences:
        if not sentence.continues:
            carry = _Carry()
        found: list[Action] = []
        present = language == "en" and _en_present_sentence(sentence.text)
        for start, end in _clauses(language, sentence):
            clause = sentence.text[start:end]
            offset = sentence.char_start + start
            if language == "en":
                action = _en_clause(
                    clause, offset, carry, hypothetical=hypothetical, present=present
                )
            else:
                action = _zh_clause(clause, offset, carry, hypothetical=hypothetical)
            if action is not None:
                found.append(action)
            carry = _Carry(action.actor, action.hypothetical) if action else _Carry()
        result.append(tuple(found))
    return tuple(result)


def _clauses(language: str, sentence: Sentence) -> list[tuple[int, int]]:
    pattern = _ZH_CLAUSE if language == "zh" else _EN_CLAUSE
    bounds = [0]
    for match in pattern.finditer(sentence.text):
        bounds.extend((match.start(), match.end()))
    bounds.append(len(sentence.text))
    return [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2)]


# --- English --------------------------------------------------------------------------------


def _en_present_sentence(text: str) -> bool:
    # "I reproduce bugs, I read logs" is a list of habits: an unambiguous present-tense verb
    # after "I"/"we" decides the tense of the ambiguous ones ("read", "set") in the sentence.
    said = [t.word for t in en_tokens(text)]
    for index, word in enumerate(said[:-1]):
        if word not in ("i", "we"):
            continue
        after = [w for w in said[index + 1 : index + 4] if w not in _EN_SKIP and w not in _EN_HABIT]
        verb = after[0] if after else ""
        if verb in EN_ACTION_VERBS and verb not in _EN_SAME_IN_PRESENT | _EN_IRREGULAR_PAST:
            return True
    return False


def _is_past(word: str, *, present: bool = False) -> bool:
    if word in _EN_SAME_IN_PRESENT:
        return not present
    if word in _EN_IRREGULAR_PAST:
        return True
    return word.endswith("ed") and len(word) > 4 and word not in _EN_NON_ACTION_ED


@functools.cache
def _en_action_stems() -> frozenset[str]:
    return frozenset(stem(v) for v in EN_ACTION_VERBS)


def _en_clause(
    clause: str, offset: int, carry: _Carry, *, hypothetical: bool, present: bool
) -> Action | None:
    tokens = en_tokens(clause, offset)
    for index, token in enumerate(tokens):
        after = tokens[index + 1 :]
        if token.word in ("team", "group") and index and tokens[index - 1].word in ("our", "my"):
            # "Our team (of four) built …": skip a short "of …" phrase to reach the verb.
            if after and after[0].word == "of":
                after = after[2:]
            verb = _en_predicate(after, hypothetical=hypothetical, modal=False, present=present)
            if verb is not None:
                first = tokens[index - 1]
                return _en_action("we", first, verb, clause, hypothetical)
        if token.word in ("i", "we"):
            verb = _en_predicate(after, hypothetical=hypothetical, modal=False, present=present)
            if verb is not None:
                return _en_action(token.word, token, verb, clause, hypothetical)
    if carry.actor is None or not tokens:
        return None
    rest = list(tokens)
    while rest and rest[0].word in ("and", "then", "also", "so", "but", "later", "afterwards"):
        rest.pop(0)
    verb = _en_predicate(rest, hypothetical=hypothetical, modal=carry.modal, present=present)
    if verb is None or not rest:
        return None
    return _en_action(carry.actor, rest[0], verb, clause, hypothetical)


def _en_action(
    actor: str, first: Token, verb: tuple[Token, bool], clause: str, hyp: bool
) -> Action | None:
    token, modal = verb
    habits = {m.group().lower() for m in cue_pattern("en", "habitual").finditer(clause)}
    # "I always asked" is a habit; "I never gave up" still tells what happened that time.
    if habits - {"never"} or (habits and (modal or not _is_past(token.word))):
        return None
    return Action(actor, token.word, first.char_start, token.char_end, hyp and modal)


def _en_predicate(
    tokens: Sequence[Token], *, hypothetical: bool, modal: bool, present: bool
) -> tuple[Token, bool] | None:
    """The verb after a subject (skipping adverbs and auxiliaries) if it makes an action,
    with whether it is hypothetical (after a modal)."""
    auxiliary = False
    for position, token in enumerate(tokens[:6]):
        word = token.word
        following = tokens[position + 1].word if position + 1 < len(tokens) else ""
        if word in EN_MODALS:
            modal = True
        elif word in _EN_SKIP or (word.endswith("ly") and word not in _EN_LY_VERBS):
            continue
        elif _is_auxiliary(word, following):
            auxiliary = True
        else:
            return _en_verb(
                token, modal=modal, auxiliary=auxiliary, hypothetical=hypothetical, present=present
            )
    return None


def _is_auxiliary(word: str, following: str) -> bool:
    # "I have built", "I had already called", "I did not give up"; but "I had to" is a task.
    if word in ("have", "has", "had"):
        return following not in ("to", "a", "an", "the", "no", "some", "one")
    return word == "did" and (following in ("not", "never") or following in EN_ACTION_VERBS)


def _en_verb(
    token: Token, *, modal: bool, auxiliary: bool, hypothetical: bool, present: bool
) -> tuple[Token, bool] | None:
    word = token.word
    action_verb = token.stem in _en_action_stems()
    if word in EN_STATIVE or word in ("had", "have", "has"):
        return None
    if modal:
        return (token, True) if hypothetical and action_verb else None
    if auxiliary:
        return (token, False) if action_verb or _is_past(word) else None
    if _is_past(word, present=present):
        return token, False
    return (token, True) if hypothetical and action_verb else None


# --- Chinese --------------------------------------------------------------------------------


def _zh_clause(clause: str, offset: int, carry: _Carry, *, hypothetical: bool) -> Action | None:
    for match in _ZH_SUBJECT.finditer(clause):
        if match.start() > 0 and clause[match.start() - 1] in _ZH_OBJECT_BEFORE:
            continue
        if match.start() > 1 and clause[match.start() - 2 : match.start()] in ("告诉", "要求"):
            continue
        if _ZH_RELATIVE.match(clause, match.end()):
            continue
        actor = "i" if match.group() == "我" else "we"
        action = _zh_predicate(
            clause, match.start(), match.end(), actor, offset, hypothetical=hypothetical
        )
        if action is not None:
            return action
    if carry.actor is None or _ZH_SUBJECT.search(clause):
        return None
    start = 0
    for pattern in (_ZH_CONNECTIVES, _ZH_ADVERBS, _ZH_NEGATION, _ZH_MODAL):
        found = pattern.match(clause, start)
        start = found.end() if found else start
    # A dropped subject continues the story only if the clause opens with a verb (or a
    # co-verb such as 把/给); a clause opening with a noun has a new subject of its own.
    if not (_ZH_VERB.match(clause, start) or _ZH_COVERB.match(clause, start)):
        return None
    return _zh_predicate(
        clause, start, start, carry.actor, offset, hypothetical=hypothetical, modal=carry.modal
    )


def _zh_predicate(
    clause: str,
    subject: int,
    start: int,
    actor: str,
    offset: int,
    *,
    hypothetical: bool,
    modal: bool = False,
) -> Action | None:
    rest = clause[start : start + _WINDOW]
    cursor = start
    while True:
        for pattern in (_ZH_ADVERBS, _ZH_NEGATION, _ZH_MODAL):
            found = pattern.match(rest)
            if found and found.end() > 0:
                modal = modal or pattern is _ZH_MODAL
                rest, cursor = rest[found.end() :], cursor + found.end()
                break
        else:
            break
    # A verb first wins over a stative reading of its first character (对比 is not 对), but
    # not over a trait noun built on a verb (我沟通能力很强 describes, it does not act).
    if (not _ZH_VERB.match(rest) and _ZH_STATIVE.match(rest)) or (modal and not hypothetical):
        return None
    if cue_pattern("zh", "traits").match(rest):
        return None
    completed = _ZH_LE_VERB.search(clause) is not None
    if cue_pattern("zh", "habitual").search(clause) and not completed:
        return None
    verb = _ZH_VERB.search(rest)
    if verb is None:
        le = _ZH_LE_VERB.search(rest)
        if le is None or le.group(1) in _ZH_NOT_LE_VERB:
            return None
        verb = le
    end = cursor + verb.end()
    return Action(actor, verb.group(), offset + subject, offset + end, modal)
