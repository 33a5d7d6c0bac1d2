"""The bilingual cue lexicons that content analysis reads answers with.

Everything the analysis "knows" about language is in this module, as data, so a reviewer can see
exactly which words move a score and HR linguists can extend the lists without touching code.

Cue lists are regular expressions. English patterns are matched case-insensitively on word
boundaries; Chinese patterns are matched as written (Chinese has no word boundaries). The lists
are deliberately conservative: a cue that fires on ordinary chatter (for example "then" as a
result cue) would reward long rambling answers, which the kiosk must not do.

STAR cues (what a sentence contributes to a Situation-Task-Action-Result story):

* **situation** – time and place anchors of one specific occasion: "when I was", "last year",
  "at my internship", "in a course project", "one day"; 当时, 有一次, 在…实习, 去年, 大三.
* **task** – what the candidate had to achieve: "my task was", "I had to", "I was responsible
  for", "the goal was"; 我的任务是, 我负责, 目标是, 领导让我.
* **action** – found structurally (a first-person subject followed by an action verb, see
  ``kiosk.analysis.actions``); the cue list here only names deliberate-decision phrases that make
  the evidence easier to read: "I decided", "I organised", "I took the lead"; 我决定, 我主动.
* **result** – outcomes and changes: "as a result", "in the end", "increased", "dropped",
  "signed", "by 30%", "from one hour to ten minutes"; 结果, 最后, 提高了, 增长了, 签约, 从…降到….
  Situational answers describe a hypothetical outcome, so "that way", "so that", 这样, 从而 also
  count as result cues.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

# Chinese numerals as they appear in spoken answers (两 is the counting form of 二).
ZH_NUMERALS = "零一二两三四五六七八九十百千万亿半"
_EN_NUMBER_WORDS = (
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
    "fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|dozen|twice|half"
)
_EN_PERIOD = "year|summer|winter|spring|autumn|fall|semester|term|month|week|quarter"


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The cue patterns of one language (regular expressions, see the module docstring)."""

    language: str
    situation: tuple[str, ...]
    task: tuple[str, ...]
    action: tuple[str, ...]
    result: tuple[str, ...]
    #: Habit and effort markers: "always", "usually", "try my best"; 总是, 一般, 尽力. A sentence
    #: with one of these and no completed action describes a habit, not an occasion.
    habitual: tuple[str, ...]
    #: Self-descriptions and values: "hard-working", "team player", "is important"; 责任心, 很重要.
    traits: tuple[str, ...]
    #: Outcomes with a name: signed, referred, ranked; 签约, 转介绍, 第一名.
    named_outcomes: tuple[str, ...]


EN = Lexicon(
    language="en",
    situation=(
        r"when i (?:was|worked|joined|started|did)",
        r"while i was",
        rf"last (?:{_EN_PERIOD})",
        rf"(?:this|that|the previous|one) (?:{_EN_PERIOD})",
        r"(?:at|during|in) my (?:\w+ )?(?:internship|job|placement|work)",
        r"(?:at|in) (?:a|the|my) (?:\w+ ){0,2}(?:bank|branch|shop|store|company|startup|restaurant"
        r"|hospital|club|society|competition|hackathon)",
        r"(?:in|for|during) (?:a|our|my|the) (?:\w+ ){0,2}(?:course|class|group|team|final|"
        r"school|university|capstone) ?project",
        r"in my (?:first|second|third|fourth|final|last) year",
        r"one (?:day|morning|afternoon|evening|time)",
        r"there was (?:a|one) time",
        r"once,",
        r"(?:a|one|two|three|several|few) (?:days|weeks|months|years) ago",
        r"in (?:19|20)\d\d",
        r"at the time",
        r"back then",
        r"(?:our|my) (?:\w+ )?(?:service|system|app|website|project|team|course|branch|store|shop|"
        r"company|class|club)",
        r"a (?:customer|client|user|teammate|colleague) (?:came|called|asked|told|refused|"
        r"complained|said|wanted|objected)",
    ),
    task=(
        r"my (?:task|job|role|part|goal|target|responsibility|assignment) (?:was|were|is)",
        r"i was (?:responsible|in charge|asked|supposed|told|expected|given|assigned)",
        r"i had to",
        r"i had (?:only |just )?(?:\w+ )?(?:days?|weeks?|months?|hours?|minutes?) to",
        r"i needed to",
        r"we (?:had|needed) to",
        r"(?:the|our) (?:goal|target|task|deadline|aim|brief) was",
        r"i (?:set|gave) (?:myself|me) (?:a|the)",
        r"i took (?:on|charge|the lead|the \w+ part)",
    ),
    action=(
        r"i decided",
        r"i (?:organised|organized|arranged|set up|proposed|suggested|offered|initiated)",
        r"i took the (?:lead|initiative)",
        r"on my own initiative",
        r"i (?:first|then|immediately) \w+ed",
    ),
    result=(
        r"as a result",
        r"in the end",
        r"eventually",
        r"finally",
        r"(?:the|our|my) (?:result|outcome) was",
        r"(?:increased|decreased|reduced|dropped|fell|rose|grew|improved|saved|cut|doubled|"
        r"halved|shortened|raised|boosted|lowered)",
        rf"from (?:\d|{_EN_NUMBER_WORDS}|one|an?)[\w$%., ]{{0,20}} (?:to|down to|up to) "
        rf"(?:\d|{_EN_NUMBER_WORDS}|one|zero|none|a|an)",
        r"by \d+(?:\.\d+)? ?(?:%|percent)",
        r"(?:signed|won|achieved|exceeded|beat|delivered|finished|completed|launched|shipped|"
        r"solved|resolved|renewed|referred|thanked|praised|scored|ranked|approved|agreed)",
        r"passed (?:the|my|all|our)",
        r"(?:reached|met|hit) (?:my|our|the|a|\d+|" + _EN_NUMBER_WORDS + r")",
        r"(?:on time|ahead of schedule|(?:\w+ )?(?:days?|weeks?) early"
        r"|zero (?:errors|bugs|complaints))",
        # Hypothetical outcomes of a situational answer.
        r"(?:that way|this way|so that|which would|which will|so (?:he|she|they|we) (?:can|could|"
        r"would|will|keep|still))",
    ),
    habitual=(
        r"always",
        r"usually",
        r"generally",
        r"normally",
        r"often",
        r"every (?:time|day)",
        r"whatever",
        r"never",
        r"(?:try|tries|do|does) (?:my|our|his|her) best",
        r"work(?:s)? hard",
        r"in general",
    ),
    traits=(
        r"hard[- ]?working",
        r"team player",
        r"responsible",
        r"reliable",
        r"passionate",
        r"motivated",
        r"detail[- ]oriented",
        r"(?:customer|result|goal)[- ](?:focused|oriented|first)",
        r"(?:good|great|excellent|strong) (?:at|listener|communicator|team|sense|skills?)",
        r"(?:communication|problem[- ]solving|teamwork|leadership|learning) (?:skills?|abilit\w*)",
        r"my (?:strength|strengths|biggest strength)",
        r"i am (?:a |an |very |really |quite )?(?:patient|friendly|honest|positive|careful|"
        r"expert|open|proactive|logical|calm|good|great|excellent|hard)",
        r"(?:is|are) (?:very |really |so |the most |most )?(?:important|key|essential)",
        r"i believe in",
        r"(?:comes?|come) first",
    ),
    named_outcomes=(
        r"signed",
        r"referred",
        r"renewed",
        r"won",
        r"ranked",
        r"promoted",
        r"awarded",
        r"launched",
        r"shipped",
        r"released",
        r"approved",
        r"deployed",
        r"published",
        r"first place|second place|top \d+",
    ),
)

ZH = Lexicon(
    language="zh",
    situation=(
        r"当时",
        r"那时(?:候)?",
        r"有一次",
        r"有一(?:天|年|回)",
        r"曾经",
        r"在[^，。！？；]{1,14}(?:实习|工作|兼职|打工|上班)",
        r"去年|前年|那年|上学期|这学期|上个月",
        r"大[一二三四](?:的时候|时|那年|下学期|上学期)?",
        r"(?:暑假|寒假|暑期)",
        rf"[\d{ZH_NUMERALS}]+(?:年|个月|周|星期)前",
        r"[一有](?:位|个|名)(?:客户|顾客|用户|同事|队友|组员)",
        r"(?:课程|小组|毕业|比赛|竞赛|社团)(?:项目|作业|设计)?(?:中|里|上)",
        r"\d{4}年",
    ),
    task=(
        r"我的(?:任务|工作|职责|角色|分工|目标)(?:是|就是)",
        r"我负责",
        r"我(?:需要|必须|得要)",
        r"(?:目标|任务|指标|要求)(?:是|就是)",
        r"(?:领导|经理|主管|老师|导师|组长)(?:让|要求|安排|交给)我",
        r"交给我",
        r"我(?:担任|承担|接下)",
    ),
    action=(
        r"我决定",
        r"我主动",
        r"我(?:先|首先|马上|立刻|立即|第一时间)",
        r"于是我",
        r"我(?:组织|安排|提出|建议|提议|召集)",
    ),
    result=(
        r"(?<!的)结果",
        r"最后",
        r"最终",
        r"终于",
        r"(?:提高|提升|增长|增加|降低|减少|下降|节省|缩短|降|涨|翻)了",
        rf"从[\d{ZH_NUMERALS}][^，。！？；]{{0,14}}(?:降|提|升|减|缩|增|涨|变)?(?:到|至)[\d{ZH_NUMERALS}]",
        r"签(?:约|了|下)",
        r"成交|续约|转介绍|介绍了[^，。！？；]{0,6}(?:朋友|客户)",
        r"(?:满意|表扬|感谢|好评|认可)",
        r"(?:解决|完成|达成|达到|超过|超额|实现)了?",
        r"通过了",
        r"(?:排名|第一名|拿到了|获得了|得了\d|赢得)",
        r"(?:准时|提前[^，。！？；]{0,4}(?:完成|交付|上线))",
        r"(?:再也没有|没有再)(?:出现|发生)",
        r"(?:上线|交付|发布)(?:了|之后|以后)",
        # Hypothetical outcomes of a situational answer.
        r"这样(?:一来|的话|既|就能|就可以|他|她|客户)",
        r"从而|以便",
    ),
    habitual=(
        r"一直",
        r"总是",
        r"始终",
        r"从不|从来",
        r"一向|向来",
        r"通常",
        r"一般(?:来说|都|会)?",
        r"经常",
        r"有时候?",
        r"平时",
        r"每次|每一次",
        r"尽力|尽量|尽全力",
        r"努力",
    ),
    traits=(
        r"责任心|责任感",
        r"(?:沟通|表达|学习|抗压|执行|协作|合作|组织|领导|解决问题的?)(?:能力|力)",
        r"团队(?:精神|意识)",
        r"吃苦耐劳",
        r"认真负责",
        r"(?:很|非常|特别|比较)(?:有(?:责任|耐心|团队|亲和力|经验|能力|礼貌)|强|细心|耐心|认真"
        r"|热情|积极|负责|踏实|靠谱)",
        r"善于|擅长|乐于|懂得",
        r"(?:很|非常|最|十分|特别)重要",
        r"(?:优势|长处|强项)",
        r"以[^，。！？；]{1,6}为(?:中心|导向|本)",
        r"第一位|放在第一",
        r"(?:诚信|真诚|热情|耐心)(?:待人|对待)?",
    ),
    named_outcomes=(
        r"签约|签了|签下|成交|续约|转介绍",
        r"获奖|一等奖|二等奖|三等奖|冠军|第一名|第二名|排名第",
        r"上线了?|发布了|录用|晋升|通过了",
    ),
)


def words(text: str) -> frozenset[str]:
    """A word list written as whitespace-separated text (easier to read and extend)."""
    return frozenset(text.split())


def lexicon_for(language: str) -> Lexicon:
    """The lexicon for ``"en"`` or ``"zh"``."""
    return ZH if language == "zh" else EN


@functools.lru_cache(maxsize=64)
def cue_pattern(language: str, category: str) -> re.Pattern[str]:
    """One compiled alternation of a lexicon category (``"situation"``, ``"result"``, …)."""
    lexicon = lexicon_for(language)
    patterns: tuple[str, ...] = getattr(lexicon, category)
    body = "|".join(f"(?:{p})" for p in patterns)
    if language == "en":
        # Word boundaries on the outside only: the patterns contain spaces and classes of their own.
        return re.compile(rf"(?<![\w'])(?:{body})(?![\w'])", re.IGNORECASE)
    return re.compile(body, re.IGNORECASE)
