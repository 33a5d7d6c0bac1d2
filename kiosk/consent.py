"""The consent notice a candidate reads before anything is recorded, in Chinese and English.

It says what is recorded, why, who sees it, how long it is kept, how to have it deleted, and
that declining is free of consequences. Its **version** is the notice's date label plus a digest
of the exact texts shown, so a consent record always names the words the candidate agreed to:
changing one character of the notice (or the retention period it quotes) is a new version.

Under the ``cn`` policy profile, analysis of the face (expressions, eye contact) needs its own,
separate agreement; the notice then carries that clause and the screen offers it apart.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

#: Bumped by hand when the wording changes in substance; the digest catches every change.
NOTICE_LABEL = "2026-11"

_NOTICE = {
    "en": (
        "Before we start\n\n"
        "What is recorded: your answers as audio and video from this terminal's camera and "
        "microphone, and what you type or choose on the screen.\n"
        "Why: to transcribe your answers and assess them against the position's competency "
        "model, on this terminal. A recruiter always reviews the result; no decision is made by "
        "the computer alone.\n"
        "Who sees it: the recruiting team for this position and, for your department, its "
        "head. Everything is encrypted on this terminal and sent only to {company}'s HR "
        "system.\n"
        "How long: {days} days after your interview, then it is deleted.\n"
        "Deletion: quote the session code on your receipt to the recruiting team, at any time, "
        "and your data is deleted.\n"
        "You may decline: choosing “No, thanks” ends here, records nothing but the fact that "
        "you declined, and does not affect your application; a recruiter will offer you "
        "another way to interview."
    ),
    "zh": (
        "开始之前\n\n"
        "记录内容：本终端摄像头和麦克风录制的您的回答音视频，以及您在屏幕上输入或选择的内容。\n"
        "用途：在本终端上转写您的回答，并按照该职位的胜任力模型进行评估。结果一律由招聘人员复核，"
        "不会仅由计算机作出决定。\n"
        "查看人员：该职位的招聘团队，以及相应部门负责人。所有数据在本终端上加密，"
        "只发送至{company}的人力资源系统。\n"
        "保存期限：面试后{days}天，到期删除。\n"
        "删除：您随时可凭回执上的面试编号联系招聘团队，删除您的数据。\n"
        "您可以拒绝：选择“不参加”即结束，除“已拒绝”这一事实外不记录任何内容，"
        "也不会影响您的申请；招聘人员会为您安排其他面试方式。"
    ),
}

_FACE_CLAUSE = {
    "en": (
        "Face analysis (separate, optional): with your agreement, your facial expressions and "
        "eye contact may count towards the assessment. Without it, video is used only to check "
        "that you are the one answering, alone."
    ),
    "zh": (
        "面部分析（单独、自愿）：经您同意，您的面部表情和目光交流可计入评估。"
        "若不同意，视频仅用于确认是您本人独自作答。"
    ),
}


@dataclass(frozen=True, slots=True)
class ConsentNotice:
    """The notice as shown, in both languages, and the version a consent record names."""

    version: str
    texts: dict[str, str]
    #: The separate face-analysis clause (``cn`` profile), or None where it does not apply.
    face_clause: dict[str, str] | None

    def text(self, language: str) -> str:
        """The notice in ``language`` (``en`` or ``zh``), face clause included if any."""
        parts = [self.texts[language]]
        if self.face_clause is not None:
            parts.append(self.face_clause[language])
        return "\n\n".join(parts)


def current_notice(
    *, retention_days: int, policy_profile: str, company: str = "the company"
) -> ConsentNotice:
    """The notice this terminal shows under its config."""
    zh_company = "本公司" if company == "the company" else company
    texts = {
        "en": _NOTICE["en"].format(days=retention_days, company=company),
        "zh": _NOTICE["zh"].format(days=retention_days, company=zh_company),
    }
    face = dict(_FACE_CLAUSE) if policy_profile == "cn" else None
    digest = hashlib.sha256()
    for language in ("en", "zh"):
        digest.update(texts[language].encode())
        if face is not None:
            digest.update(face[language].encode())
    return ConsentNotice(f"{NOTICE_LABEL}-{digest.hexdigest()[:12]}", texts, face)
