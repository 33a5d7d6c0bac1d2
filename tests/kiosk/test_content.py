"""Content analysis of answers: STAR, rubric levels, measures, flags and probes, on real text.

The acceptance matrix: for four questions of the sample bank, in English and in Chinese, a
strong STAR answer, a vague one, a long rambling one and a keyword-stuffed one. The strong
answer must win on its main competency and on overall strength; the others must be caught for
what they are. Nothing is mocked: the real sample bank, the real analysis.
"""

from __future__ import annotations

import json
from importlib import resources

import pytest

from kiosk.analysis import (
    AnalysisInputError,
    ContentAnalysis,
    Evidence,
    TimedText,
    TimedToken,
    analyze_content,
    split_sentences,
)
from kiosk.bank import QuestionBank, StarElement, load_sample_bank
from kiosk.errors import BankError, ErrorKind, KioskError

STRONG, VAGUE, RAMBLING, STUFFED = "strong", "vague", "rambling", "stuffed"

#: (question id, language) -> answer type -> answer text.
ANSWERS: dict[tuple[str, str], dict[str, str]] = {
    ("bei-objection-handling", "en"): {
        STRONG: (
            "Last summer I worked as a sales intern at a China Merchants Bank branch in "
            "Shenzhen. A small-business owner, Mr. Wang, refused the wealth-management product "
            "I recommended and said it was too risky. I asked him what exactly worried him and "
            "listened for a good ten minutes. It turned out his real concern was timing: he "
            "might need the cash within six months to buy new equipment. So I adjusted my "
            "offer to a three-month fixed deposit plus a money-market fund he could withdraw "
            "at any time, and I showed him a comparison of the returns. He signed for 200,000 "
            "yuan that week, and two months later he referred two other shop owners to me."
        ),
        VAGUE: (
            "I always try my best to help customers, because communication is very important. "
            "If a customer objects, I stay positive and explain the benefits of the product. "
            "Usually customers understand in the end. I think patience is the key to good "
            "service."
        ),
        RAMBLING: (
            "Last summer I did an internship at a bank branch, which was my first time working "
            "in a real office. The branch was near the river, and every morning I took the "
            "metro for about forty minutes, which gave me time to read the news. My manager "
            "was very kind and the other interns came from different universities, so we often "
            "had lunch together and talked about our courses and our plans after graduation. "
            "The branch sold many kinds of products, like deposits, funds and insurance, and "
            "there were always a lot of brochures on the desk. Some customers were older "
            "people who came every week to chat with the staff. I remember one afternoon it "
            "rained very heavily and the whole street was flooded, so almost nobody came in. "
            "Banking is a very interesting industry, and I think it will change a lot because "
            "of mobile apps. I learned that working in an office is very different from "
            "studying at university, and I enjoyed that summer very much."
        ),
        STUFFED: (
            "I am a customer-focused person and an excellent listener. I always listen to "
            "customer concerns and needs, explain the benefits and advantages, and tailor or "
            "adjust the solution. Communication is my strength: I confirm, I make sure, I "
            "compare numbers and I give examples. I stay calm, I never give up and I always "
            "follow up. I am hard-working, patient and a strong team player."
        ),
    },
    ("bei-objection-handling", "zh"): {
        STRONG: (
            "去年暑假我在招商银行深圳的一个网点实习。有一位开小超市的王先生，我向他推荐一款理财"
            "产品，他直接说风险太大，不想买。我没有急着继续介绍产品，而是先请他坐下，问他具体"
            "担心什么。聊了十几分钟我才知道，他半年内可能要用这笔钱进货，担心到时候取不出来。"
            "于是我调整了方案，给他推荐了三个月的定期存款加一只可以随时赎回的货币基金，还把两种"
            "方案的收益做成表格给他对比。结果他当周就签了二十万元，两个月后还介绍了两位做生意的"
            "朋友来网点开户。"
        ),
        VAGUE: (
            "我一直尽力帮助每一位客户，因为我觉得沟通非常重要。如果客户有不同意见，我会保持"
            "耐心，耐心地介绍产品的优点。一般来说，客户最后都能理解。我认为服务好客户是最重要的。"
        ),
        RAMBLING: (
            "去年暑假我在一家银行的网点实习，那是我第一次在真正的办公室里工作。网点在河边，每天"
            "早上我要坐四十分钟地铁，路上一般会看看新闻。我的主管人很好，一起实习的同学来自不同"
            "的学校，我们经常一起吃午饭，聊聊各自的专业和毕业以后的打算。网点里卖的产品很多，有"
            "存款、基金，还有保险，桌子上总是放着一大堆宣传册。有些客户是附近的老人，几乎每周都"
            "来，跟工作人员聊聊天。我还记得有一天下午下了特别大的雨，整条街都淹了，几乎没有客户"
            "来办业务。我觉得银行是一个很有意思的行业，以后手机银行肯定会带来很大的变化。那个暑假"
            "让我发现，上班和在学校读书很不一样，我过得很充实，也很开心。"
        ),
        STUFFED: (
            "我是一个以客户为中心的人，非常善于倾听客户的需求和顾虑。我擅长介绍产品的优势和好处，"
            "能根据客户的疑虑量身定制、调整方案。我的沟通能力很强，懂得确认、复述、举例，也会用"
            "数据对比。我抗压能力强，从不放弃，坚持回访，始终保持冷静。"
        ),
    },
    ("bei-teamwork-disagreement", "en"): {
        STRONG: (
            "In my third year, I was one of five students building a library booking app for a "
            "software engineering course. Two teammates disagreed about whether to build a "
            "mobile app or a website, and for a week nobody wrote any code. My role was team "
            "lead for the back end, so I organised a thirty-minute meeting where each of them "
            "presented their option, and I summarised both sides on the whiteboard. I pointed "
            "out that our shared goal was a working demo in four weeks, and I proposed a "
            "compromise: a responsive website first and the mobile app later. Both agreed. I "
            "took the booking API myself and helped the front-end teammate with testing. We "
            "delivered the demo two days early and got 92 out of 100, the second-highest grade "
            "in the class."
        ),
        VAGUE: (
            "I think teamwork is very important and I am a good team player. When there are "
            "disagreements, I always respect everyone's opinion and try to communicate. We "
            "usually find a solution together. A good team needs trust."
        ),
        RAMBLING: (
            "In my third year we had a big group project for a software engineering course, and "
            "the course was taught by a professor who had worked at a large internet company "
            "for many years, so his lectures were full of stories. Our group had five people "
            "from three different majors, and we met in the library on the second floor, which "
            "was always crowded during exam season. One of my teammates was really into mobile "
            "games and another one liked to cook, so our meetings often turned into "
            "conversations about games and food. The project was about a booking system, and "
            "there were many different ideas about the design and the technology. Some people "
            "wanted one thing and other people wanted another thing, and the discussions went "
            "on for a long time. I remember the canteen near the library had very good noodles, "
            "and we often went there after meetings. Looking back, that semester was very busy "
            "because I also had three other courses and a part-time tutoring job. University "
            "projects are a good way to meet people from other majors."
        ),
        STUFFED: (
            "I am a great team player and I believe in a common goal and a shared goal. My role "
            "and my part is always to help and support others, to listen, to discuss and to "
            "reach consensus and agreement. I think compromise and middle ground are important, "
            "and I am responsible for keeping meetings productive. Communication and teamwork "
            "are my strengths."
        ),
    },
    ("bei-teamwork-disagreement", "zh"): {
        STRONG: (
            "大三的时候，我和另外四个同学一起做软件工程课的大作业，开发一个图书馆座位预约系统。"
            "项目开始后，两位组员对做手机应用还是网页版争执不下，整整一周都没人写代码。我当时"
            "负责后端，也是小组的组长，于是我组织了一次半小时的讨论会，让两个人分别讲自己的理由，"
            "我在白板上把双方的优缺点列出来。我提醒大家，我们的共同目标是四周后交出一个能用的"
            "演示版本，然后提出了一个折中方案：先做自适应网页，手机应用放到第二阶段。两个人都"
            "同意了，我自己接下了预约接口的开发，还帮负责前端的同学一起做测试。最后我们比截止"
            "日期提前两天交付，拿到了92分，是全班第二高的成绩。"
        ),
        VAGUE: (
            "我觉得团队合作非常重要，我是一个很有团队精神的人。遇到分歧的时候，我一直都会尊重"
            "每个人的意见，积极沟通。一般来说大家最后总能找到解决办法。一个好的团队最需要的是信任。"
        ),
        RAMBLING: (
            "大三的时候我们有一个软件工程课的大作业，这门课的老师以前在一家很大的互联网公司工作"
            "了很多年，所以上课的时候经常给我们讲他以前的故事，大家都很爱听。我们小组有五个人，"
            "来自三个不同的专业，平时一般在图书馆二楼开会，那里到了考试周总是人特别多，很难找到"
            "座位。有一个组员特别喜欢玩手游，另一个很会做饭，所以我们开会经常聊着聊着就聊到游戏"
            "和美食上去了。这个项目是做一个预约系统，大家对设计和技术都有各种各样的想法，有的人"
            "想这样做，有的人想那样做，讨论了很久。我还记得图书馆旁边的食堂有一家面馆特别好吃，"
            "我们开完会经常一起去吃。现在回想起来，那个学期真的很忙，因为我还有三门别的课，另外"
            "还在做家教。我觉得大学里的小组作业是认识其他专业同学的好机会。"
        ),
        STUFFED: (
            "我是一个非常有团队精神的人，始终以共同目标为导向，善于达成一致。在团队里我总是主动"
            "分工、负责到底，乐于帮助、支持和配合队友。遇到分歧时我善于倾听、听取各方意见，积极"
            "沟通交流，推动达成共识，必要时折中、妥协、兼顾各方。我的沟通能力和协作能力都很强。"
        ),
    },
    ("bei-debug-hard-problem", "en"): {
        STRONG: (
            "During my internship at a logistics software company last year, our route-planning "
            "service returned wrong delivery times for about 3% of requests, but only in "
            "production. My task was to find the cause before the next release in two weeks. I "
            "saved a day of real requests and replayed them locally until I reproduced the "
            "error. Then I added logs around the cache and noticed that two cities with the "
            "same name shared one cache key. I fixed the key to include the province code and "
            "added a unit test for that case. After the release, the error rate dropped from 3% "
            "to zero, and I wrote up the bug in our team wiki."
        ),
        VAGUE: (
            "I am good at solving problems because I am very patient and logical. When there is "
            "a bug, I usually check the code carefully and search online. I never give up until "
            "it works. Problem solving is one of my strengths."
        ),
        RAMBLING: (
            "I started programming in high school because my cousin showed me how to make a "
            "simple game, and since then I have always liked computers. At university I studied "
            "Java first, then Python, and later a little bit of C, which was very hard for me at "
            "the beginning. There are so many kinds of bugs in software, and some of them are "
            "really strange, like the ones that only happen on certain days or on certain "
            "machines. Last year there was a problem in a project at my internship where the "
            "system sometimes gave wrong results, and everybody in the office talked about it "
            "for a while. The office was in a tall building with a nice view, and the company "
            "had free coffee and snacks, which the interns really liked. My mentor had been a "
            "programmer for ten years and he told us a lot of stories about his old projects. I "
            "think debugging is like being a detective, and it is one of the most interesting "
            "parts of programming. In the future I would like to learn more about operating "
            "systems and maybe distributed systems too."
        ),
        STUFFED: (
            "I am an expert at debugging and I always find the root cause. I reproduce bugs, I "
            "read logs, I use the debugger and breakpoints, and I test and verify every fix. I "
            "learned a lot, I document everything and I always add a test. I am detail-oriented, "
            "hard-working and I never give up on a problem."
        ),
    },
    ("bei-debug-hard-problem", "zh"): {
        STRONG: (
            "去年我在一家物流软件公司实习，我们的路径规划服务在线上大约有3%的请求会返回错误的"
            "配送时间，但在测试环境里从来没出现过。我的任务是在两周后的版本发布前找到原因。我先"
            "把线上一天的真实请求保存下来，在本地逐条回放，终于复现了这个错误。接着我在缓存前后"
            "加了日志，发现两个同名的城市共用了一个缓存键。我把缓存键改成包含省份编码，又专门为"
            "这种情况补了一个单元测试。发布之后，错误率从3%降到了零，我还把排查过程写成文档放到"
            "了团队的知识库里。"
        ),
        VAGUE: (
            "我解决问题的能力比较强，因为我做事很有耐心，逻辑也很清楚。遇到程序错误的时候，我"
            "一般会仔细检查代码，上网查资料。我从来不会轻易放弃，一直坚持到问题解决为止。解决"
            "问题是我最大的优势之一。"
        ),
        RAMBLING: (
            "我是高中的时候开始学编程的，当时我表哥教我做了一个很简单的小游戏，从那以后我就一直"
            "很喜欢电脑。上大学以后我先学了Java，后来又学了Python，还学过一点C语言，刚开始的时候"
            "觉得特别难。软件里的程序错误真的是五花八门，有些特别奇怪，比如只在某几天或者某几台"
            "机器上才会出现。去年我实习的那个项目里也出过一个问题，系统有时候会给出错误的结果，"
            "办公室里的人讨论了好一阵子。公司在一栋很高的写字楼里，窗外的风景很好，还有免费的"
            "咖啡和零食，实习生们都特别喜欢。我的导师已经写了十年的代码，经常给我们讲他以前做过"
            "的项目。我觉得调试程序有点像当侦探，是编程里最有意思的部分之一。以后我还想多学一些"
            "操作系统方面的知识，也许还会学学分布式系统。"
        ),
        STUFFED: (
            "我非常擅长调试程序，总能找到问题的根本原因。复现问题、看日志、打断点这些我都很熟练，"
            "每次修改都会测试和验证。我学会了很多东西，也很重视总结、记录和写文档。我做事细心、"
            "认真负责，遇到问题从不放弃。"
        ),
    },
    ("sit-sales-pressure", "en"): {
        STRONG: (
            "I would not promise that the fund cannot lose money, because no fund can guarantee "
            "that and it would break the rules. First I would ask him why he wants a guarantee "
            "and check his risk profile, for example whether he needs this money within a year. "
            "Then I would explain the risk in plain words and compare two or three products "
            "that fit his risk tolerance, such as a deposit product or a low-risk bond fund. "
            "That way he can still buy today knowing the risk, and I would rather keep his "
            "trust for the long term than hit my target with one sale. To close my 20% gap, I "
            "would call my other clients whose deposits mature this month."
        ),
        VAGUE: (
            "I would always be honest with customers, because honesty is very important in "
            "finance. I think customers come first and sales targets are not everything. I "
            "would try my best to make the customer happy."
        ),
        RAMBLING: (
            "This is a very common situation in banking, and I have read a lot about it. The "
            "fund market has changed a lot in the last few years, and many people in my family "
            "also buy funds, for example my uncle, who bought a technology fund in 2021 and "
            "lost quite a lot of money. He was very angry at the bank for a long time and he "
            "still talks about it at family dinners. Sales targets are a big part of working "
            "at a bank, and my friends who work at banks say the end of the quarter is always "
            "the busiest time, with a lot of overtime and meetings. Some banks also have "
            "competitions between branches, and the best branch gets a prize or a trip. I "
            "think the economy will get better next year, so maybe funds will perform better "
            "too. Investing is complicated, and most people do not really understand the "
            "difference between a bond fund and a stock fund. Anyway, it is a difficult "
            "situation for everybody."
        ),
        STUFFED: (
            "I would never break the rules and compliance is my priority. I believe in trust, "
            "long-term relationships, risk, risk tolerance and suitable products that fit the "
            "customer. I am honest, I understand the customer's position and I can explain the "
            "reason. Even under pressure and with a target, I stay calm and look for another way."
        ),
    },
    ("sit-sales-pressure", "zh"): {
        STRONG: (
            "我不会向客户承诺这只基金不亏钱，因为任何基金都不能保本，这样做也违反规定。我会先问"
            "清楚他为什么需要保证，再帮他做一次风险测评，比如了解这笔钱一年内会不会用到。然后我会"
            "用通俗的话解释这只基金可能的波动，再对比两三款符合他风险承受能力的产品，比如定期存款"
            "或者低风险的债券基金。这样他今天仍然可以放心地买到合适的产品，我宁可少做这一单，也要"
            "赢得他长期的信任。至于还差的20%指标，我会联系这个月有存款到期的其他老客户，用别的"
            "办法来补上。"
        ),
        VAGUE: (
            "我会始终坚持诚信，因为在金融行业诚信是最重要的。我觉得客户永远是第一位的，业绩不是"
            "全部。我会尽力让客户满意。"
        ),
        RAMBLING: (
            "这种情况在银行里其实很常见，我在网上也看过很多相关的文章。这几年基金市场变化很大，"
            "我家里很多人也买基金，比如我舅舅在2021年买了一只科技基金，亏了不少钱。他为这件事生"
            "了银行很久的气，到现在家里吃饭的时候还会提起。销售指标是银行工作很重要的一部分，我有"
            "几个在银行上班的朋友说，季度末总是最忙的时候，经常加班开会。有些银行还会在网点之间"
            "搞比赛，业绩最好的网点可以拿到奖金或者去旅游。我觉得明年经济应该会好一些，基金的表现"
            "可能也会好起来。投资这件事挺复杂的，很多人其实分不清债券基金和股票基金有什么区别。"
            "总之，这对每个人来说都是一个很难的处境。"
        ),
        STUFFED: (
            "我始终把合规放在第一位，绝不违反规定。我非常重视客户的长期信任，坚持根据风险承受"
            "能力匹配合适的产品。我很善于站在客户角度理解客户，能够清楚地解释原因、说明原因。"
            "即使面对指标压力，我也能保持冷静，寻找别的办法。"
        ),
    },
}

CASES = sorted(ANSWERS)


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    return load_sample_bank()


def analyse(bank: QuestionBank, question_id: str, language: str, text: str) -> ContentAnalysis:
    return analyze_content(bank.question(question_id), None, TimedText.from_plain(text, language))


def all_evidence(analysis: ContentAnalysis) -> list[Evidence]:
    found = [e for items in analysis.star.values() for e in items]
    for match in analysis.rubric.values():
        found.extend(match.keywords)
        found.extend(e.evidence for e in match.events if e.evidence is not None)
    for measure in (analysis.specificity, analysis.ownership, analysis.relevance):
        found.extend(measure.evidence)
    found.extend(analysis.coherence.evidence)
    found.extend(analysis.generic_claims)
    return found


@pytest.fixture(scope="module")
def matrix(bank: QuestionBank) -> dict[tuple[str, str, str], ContentAnalysis]:
    return {
        (question_id, language, kind): analyse(bank, question_id, language, text)
        for (question_id, language), answers in ANSWERS.items()
        for kind, text in answers.items()
    }


# --- The acceptance matrix -------------------------------------------------------------------


@pytest.mark.parametrize(("question_id", "language"), CASES)
def test_the_strong_answer_reaches_level_3_on_the_main_competency(
    matrix: dict[tuple[str, str, str], ContentAnalysis], question_id: str, language: str
) -> None:
    strong = matrix[question_id, language, STRONG]
    assert strong.level() == 3, strong.rubric[strong.main_competency or ""].rationale
    for kind in (VAGUE, RAMBLING, STUFFED):
        assert matrix[question_id, language, kind].level() < strong.level(), kind


@pytest.mark.parametrize(("question_id", "language"), CASES)
def test_the_strong_answer_is_strictly_the_strongest(
    matrix: dict[tuple[str, str, str], ContentAnalysis], question_id: str, language: str
) -> None:
    strong = matrix[question_id, language, STRONG].strength
    for kind in (VAGUE, RAMBLING, STUFFED):
        assert matrix[question_id, language, kind].strength < strong, kind


@pytest.mark.parametrize(("question_id", "language"), CASES)
def test_the_rambling_answer_is_longer_but_not_rewarded_for_it(
    matrix: dict[tuple[str, str, str], ContentAnalysis], question_id: str, language: str
) -> None:
    strong = matrix[question_id, language, STRONG]
    rambling = matrix[question_id, language, RAMBLING]
    assert rambling.word_count > strong.word_count
    assert rambling.level() == 1
    assert rambling.strength < strong.strength - 0.3
    assert "off_topic" in rambling.flags or "no_result" in rambling.flags


@pytest.mark.parametrize(("question_id", "language"), CASES)
def test_the_keyword_stuffed_answer_is_flagged(
    matrix: dict[tuple[str, str, str], ContentAnalysis], question_id: str, language: str
) -> None:
    stuffed = matrix[question_id, language, STUFFED]
    assert {"keyword_stuffing", "no_concrete_example"} & set(stuffed.flags), stuffed.flags
    assert stuffed.level() == 1
    assert any(m.keywords for m in stuffed.rubric.values()), "it does say the rubric's words"


@pytest.mark.parametrize(("question_id", "language"), CASES)
def test_the_vague_answer_has_generic_claims_and_no_example(
    matrix: dict[tuple[str, str, str], ContentAnalysis], question_id: str, language: str
) -> None:
    vague = matrix[question_id, language, VAGUE]
    assert vague.generic_claims
    assert "no_concrete_example" in vague.flags
    assert vague.level() == 1


@pytest.mark.parametrize(("question_id", "language"), CASES)
def test_the_strong_answer_has_its_star_parts_and_specifics(
    matrix: dict[tuple[str, str, str], ContentAnalysis], question_id: str, language: str
) -> None:
    strong = matrix[question_id, language, STRONG]
    assert strong.star[StarElement.ACTION] and strong.star[StarElement.RESULT]
    assert strong.specificity.value > 2
    assert strong.ownership.value > 0.5
    assert not {"no_concrete_example", "keyword_stuffing", "off_topic"} & set(strong.flags)
    assert not strong.generic_claims
    assert all(
        e.matched for e in strong.rubric[strong.main_competency or ""].events if e.level == 3
    )


def test_every_quote_is_the_exact_transcript_span(
    matrix: dict[tuple[str, str, str], ContentAnalysis],
) -> None:
    checked = 0
    for (question_id, language, kind), analysis in matrix.items():
        text = ANSWERS[question_id, language][kind]
        for evidence in all_evidence(analysis):
            assert evidence.quote == text[evidence.char_start : evidence.char_end]
            assert evidence.quote.strip() == evidence.quote and evidence.quote
            assert evidence.start is None and evidence.end is None  # typed text: no times
            checked += 1
    assert checked > 500


def test_asr_text_without_punctuation_still_ranks_the_strong_answer_first(
    bank: QuestionBank,
) -> None:
    # Recognisers may emit no punctuation (Chinese often only spaces): long runs are cut at
    # conjunctions, and the analysis degrades rather than collapsing.
    for (question_id, language), answers in ANSWERS.items():
        if language == "zh":
            spaces = str.maketrans("，。！？；：、", "       ")
            strong, rambling = (answers[k].translate(spaces) for k in (STRONG, RAMBLING))
        else:
            nothing = str.maketrans("", "", ",.!?;:")
            strong, rambling = (answers[k].translate(nothing).lower() for k in (STRONG, RAMBLING))
        strong_analysis = analyse(bank, question_id, language, strong)
        rambling_analysis = analyse(bank, question_id, language, rambling)
        assert strong_analysis.level() >= 2, (question_id, language)
        assert strong_analysis.strength > rambling_analysis.strength + 0.3


# --- The demo candidates ---------------------------------------------------------------------


def demo_answers() -> list[tuple[str, str, str]]:
    text = resources.files("kiosk.samples").joinpath("demo_candidates.json").read_text("utf-8")
    return [
        (candidate["id"], question_id, answer["text"])
        for candidate in json.loads(text)["candidates"]
        for question_id, answer in candidate["answers"].items()
        if "text" in answer and question_id != "practice-warmup"
    ]


def test_the_demo_answers_reach_level_2_except_the_deliberately_vague_one(
    bank: QuestionBank,
) -> None:
    vague_key = ("demo-customer-manager", "bei-customer-extra-mile")
    results = {
        (candidate, question_id): analyse(bank, question_id, "en", text)
        for candidate, question_id, text in demo_answers()
    }
    assert len(results) == 11
    vague = results.pop(vague_key)
    for key, analysis in results.items():
        assert analysis.level() >= 2, (key, analysis.rubric[analysis.main_competency or ""])
        assert analysis.level() > vague.level(), key
        assert analysis.strength > vague.strength + 0.2, key
    assert vague.level() == 1
    assert vague.generic_claims
    assert "no_concrete_example" in vague.flags
    assert [p.en for p in vague.suggested_probes] == [
        "Can you describe one real occasion? Who was the customer, and what was happening?",
        "After you did this, what changed for the customer, or in the result?",
    ]


# --- Timings ---------------------------------------------------------------------------------


def whisper_tokens(text: str, language: str) -> list[TimedToken]:
    """Tokens as a recogniser emits them: English words with a leading space and trailing
    punctuation, Chinese single characters (punctuation attached to the character before)."""
    if language == "en":
        pieces = [" " + word for word in text.split()]
    else:
        pieces = []
        for char in text:
            if pieces and not char.isalnum():
                pieces[-1] += char
            else:
                pieces.append(char)
    return [
        TimedToken(piece, start=0.3 * i, end=0.3 * i + 0.25, probability=0.9)
        for i, piece in enumerate(pieces)
    ]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_evidence_carries_the_times_of_the_words_it_quotes(
    bank: QuestionBank, language: str
) -> None:
    text = ANSWERS["bei-objection-handling", language][STRONG]
    tokens = whisper_tokens(text, language)
    timed = TimedText.from_tokens(tokens, language)
    assert timed.text == text and timed.has_timing
    analysis = analyze_content(bank.question("bei-objection-handling"), None, timed)
    assert analysis.level() == 3
    evidence = all_evidence(analysis)
    assert len(evidence) > 20
    for item in evidence:
        assert item.quote == text[item.char_start : item.char_end]
        assert item.start is not None and item.end is not None
        assert 0 <= item.start < item.end <= tokens[-1].end
    # The result sentence is said near the end: its time comes from its own words.
    result = analysis.star[StarElement.RESULT][-1]
    assert result.start is not None and result.start > tokens[len(tokens) // 2].start


def test_tokens_that_do_not_match_the_text_exactly_are_skipped_not_guessed() -> None:
    text = "I asked her why. She said the fee was too high, so I waived it."
    tokens = [
        TimedToken(" I", 0.0, 0.1),
        TimedToken(" asked", 0.1, 0.4),
        TimedToken(" her", 0.4, 0.5),
        TimedToken(" why?", 0.5, 0.8),  # the text has "why." – punctuation differs
        TimedToken(" [inaudible]", 0.8, 1.0),  # not in the text at all
        TimedToken(" She", 1.2, 1.4),
        TimedToken(" said", 1.4, 1.6),
    ]
    sentences = split_sentences(TimedText("en-GB", text, tuple(tokens)))
    assert [s.text for s in sentences] == [
        "I asked her why.",
        "She said the fee was too high, so I waived it.",
    ]
    assert (sentences[0].start, sentences[0].end) == (0.0, 0.8)
    assert (sentences[1].start, sentences[1].end) == (1.2, 1.6)


# --- Sentences -------------------------------------------------------------------------------


def test_english_sentences_keep_decimals_and_abbreviations_whole() -> None:
    text = "Mr. Wang paid 3.5 million yuan. Did he sign?  Yes!\nThen we met; it went well"
    sentences = split_sentences(TimedText.from_plain(text, "en"))
    assert [s.text for s in sentences] == [
        "Mr. Wang paid 3.5 million yuan.",
        "Did he sign?",
        "Yes!",
        "Then we met;",
        "it went well",
    ]
    for sentence in sentences:
        assert text[sentence.char_start : sentence.char_end] == sentence.text
        assert sentence.start is None and not sentence.continues


def test_long_chinese_sentences_are_cut_at_commas_and_keep_their_subject(
    bank: QuestionBank,
) -> None:
    text = (
        "我先把线上一天的真实请求全部保存了下来，然后在本地一条一条地回放这些请求，"
        "终于在第三天复现了这个错误。好。"
    )
    sentences = split_sentences(TimedText.from_plain(text, "zh"))
    assert [s.continues for s in sentences] == [False, True, True, False]
    assert sentences[1].text == "然后在本地一条一条地回放这些请求"
    assert [s.text for s in sentences][-1] == "好。"
    analysis = analyze_content(
        bank.question("bei-debug-hard-problem"), None, TimedText.from_plain(text, "zh")
    )
    # The second and third pieces have no 我, yet they are the candidate's actions.
    owned = [e.quote for e in analysis.ownership.evidence if e.kind == "ownership.i"]
    assert owned == [s.text for s in sentences[:3]]


# --- Measures, flags and probes --------------------------------------------------------------


def test_generic_claims_are_quoted_in_both_languages(bank: QuestionBank) -> None:
    question = bank.question("bei-teamwork-disagreement")
    english = analyze_content(
        question, None, TimedText.from_plain("I am a hard-working team player.", "en")
    )
    chinese = analyze_content(
        question, None, TimedText.from_plain("我很有责任心。我沟通能力很强。", "zh")
    )
    assert [e.quote for e in english.generic_claims] == ["I am a hard-working team player."]
    assert [e.quote for e in chinese.generic_claims] == ["我很有责任心。", "我沟通能力很强。"]
    assert "too_short" in english.flags and english.strength == 0.0


def test_a_story_told_as_we_is_flagged_and_does_not_reach_level_3(bank: QuestionBank) -> None:
    text = (
        "In my second year our course team disagreed about the database for a group project. "
        "We organised a meeting and we listened to both sides. We agreed to a compromise and "
        "we combined the two designs. We delivered the project on time and got 90 points."
    )
    analysis = analyse(bank, "bei-teamwork-disagreement", "en", text)
    assert "mostly_we" in analysis.flags
    assert analysis.ownership.value == 0.0
    assert {e.kind for e in analysis.ownership.evidence} == {"ownership.we"}
    assert analysis.level() == 2
    assert "'we'" in analysis.rubric["teamwork"].rationale


def test_padding_an_answer_does_not_raise_its_strength(bank: QuestionBank) -> None:
    answers = ANSWERS["bei-debug-hard-problem", "en"]
    strong = analyse(bank, "bei-debug-hard-problem", "en", answers[STRONG])
    padded = analyse(
        bank, "bei-debug-hard-problem", "en", answers[STRONG] + " " + answers[RAMBLING]
    )
    assert padded.word_count > 2 * strong.word_count
    assert padded.strength < strong.strength
    vague = analyse(bank, "bei-debug-hard-problem", "en", answers[VAGUE])
    repeated = analyse(bank, "bei-debug-hard-problem", "en", " ".join([answers[VAGUE]] * 3))
    assert repeated.strength <= vague.strength


def test_a_synonym_group_counts_once(bank: QuestionBank) -> None:
    text = (
        "Last spring a client refused my offer. I asked about his concern, his worry and what "
        "worried him most, and it was the fee. I offered a cheaper plan and he signed."
    )
    analysis = analyse(bank, "bei-objection-handling", "en", text)
    keywords = analysis.rubric["customer_orientation"].keywords
    concern = [e for e in keywords if "'concern'" in e.detail]
    assert [e.quote for e in concern] == ["concern"]


def test_probes_follow_the_bank_order_and_the_question_limit(bank: QuestionBank) -> None:
    question = bank.question("bei-objection-handling")
    vague = analyse(bank, question.id, "en", ANSWERS[question.id, "en"][VAGUE])
    strong = analyse(bank, question.id, "en", ANSWERS[question.id, "en"][STRONG])
    assert question.max_probes == 2
    assert vague.suggested_probes == (
        question.follow_up_probes[0].prompt,  # missing_action
        question.follow_up_probes[1].prompt,  # missing_result
    )
    assert strong.suggested_probes == ()
    situational = bank.question("sit-sales-pressure")
    always = analyse(bank, situational.id, "zh", ANSWERS[situational.id, "zh"][STRONG])
    assert always.suggested_probes == (situational.follow_up_probes[0].prompt,)


def test_a_missing_result_asks_for_the_result(bank: QuestionBank) -> None:
    text = (
        "Last month a customer at my branch refused a fund because of the fee. I asked what "
        "worried her and listened. I adjusted the offer to a product without the fee."
    )
    analysis = analyse(bank, "bei-objection-handling", "en", text)
    assert not analysis.star[StarElement.RESULT]
    assert "no_result" in analysis.flags
    assert [p.en for p in analysis.suggested_probes] == [
        "What was the final result? Do you have figures, such as whether the customer signed "
        "and for how much?"
    ]
    assert analysis.level() == 2
    assert "missing result" in analysis.rubric["customer_orientation"].rationale


def test_an_empty_answer_is_level_1_and_too_short(bank: QuestionBank) -> None:
    analysis = analyse(bank, "bei-objection-handling", "zh", "  ")
    assert analysis.word_count == 0 and analysis.strength == 0.0
    assert {"too_short", "no_concrete_example"} <= set(analysis.flags)
    assert all(m.level == 1 for m in analysis.rubric.values())
    assert all(not items for items in analysis.star.values())


# --- Choosing competencies and rejecting bad input -------------------------------------------


def test_competencies_can_be_chosen_and_the_first_is_the_main_one(bank: QuestionBank) -> None:
    question = bank.question("bei-objection-handling")
    text = TimedText.from_plain(ANSWERS[question.id, "en"][STRONG], "en")
    analysis = analyze_content(question, ["resilience", "customer_orientation"], text)
    assert list(analysis.rubric) == ["resilience", "customer_orientation"]
    assert analysis.main_competency == "resilience"
    assert analysis.level("customer_orientation") == 3
    with pytest.raises(BankError):
        analyze_content(question, ["problem_solving"], text)
    with pytest.raises(KeyError):
        analysis.level("teamwork")


def test_bad_input_raises_kiosk_errors_safe_to_show(bank: QuestionBank) -> None:
    with pytest.raises(AnalysisInputError) as unsupported:
        TimedText.from_plain("Bonjour", "fr")
    assert isinstance(unsupported.value, KioskError)
    assert unsupported.value.kind is ErrorKind.INVALID_INPUT
    with pytest.raises(AnalysisInputError):
        TimedToken("word", start=2.0, end=1.0)
    with pytest.raises(AnalysisInputError):
        TimedToken("word", start=0.0, end=float("nan"))
    with pytest.raises(AnalysisInputError):
        TimedToken("word", start=0.0, end=1.0, probability=1.5)
    with pytest.raises(AnalysisInputError):
        analyze_content(bank.question("mcq-logic"), None, TimedText.from_plain("B", "en"))
