"""Learning suggestions that follow from a citizen's latest results and needs profile.

Levels and their suggestions come from the item bank's cut scores
(``itembank.selectors.domain_levels``) when it defines them for a domain; for a
domain it does not know, the built-in texts below apply, split at θ = 0 (the
population mean of the calibration scale).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist

from itembank.selectors import domain_levels

logger = logging.getLogger(__name__)

DOMAIN_NAMES = {
    "info": ("信息素养", "Information literacy"),
    "info.data": ("数据与信息素养", "Data and information literacy"),
    "info.communication": ("沟通与协作", "Communication and collaboration"),
    "info.creation": ("数字内容创作", "Digital content creation"),
    "info.safety": ("数字安全", "Digital safety"),
    "info.problem": ("解决问题", "Problem solving"),
    "science": ("科学素养", "Science literacy"),
    "health": ("健康素养", "Health literacy"),
    "learning": ("学会学习", "Learning to learn"),
    "needs": ("学习需求", "Learning needs"),
}

# (below the mean, at or above it), Chinese and English.
BUILT_IN = {
    "info": (
        (
            "从智能手机的基本操作、网上办事和辨别虚假信息学起，可参加社区学校的“数字伙伴”课程。",
            "Start with smartphone basics, online services and spotting false information.",
        ),
        (
            "可以学习数据分析、数字内容创作等进阶课程，并带动家人朋友一起提升数字能力。",
            "Try advanced courses in data analysis and digital content creation.",
        ),
    ),
    "science": (
        (
            "建议观看上海学习网的科普微课，并参观科技馆、自然博物馆的社会场馆学习项目。",
            "Watch the learning network's science micro-courses and visit science museums.",
        ),
        (
            "可参加科学探究类的社区课程或志愿讲解，把科学知识用到生活中。",
            "Join inquiry-based community courses or volunteer as a science guide.",
        ),
    ),
    "health": (
        (
            "建议学习慢性病预防、合理用药和急救常识等健康课程。",
            "Take health courses on preventing chronic illness, medicines and first aid.",
        ),
        (
            "可以进一步学习营养、运动与心理健康，参与社区健康讲座。",
            "Go further with nutrition, exercise and mental-health courses.",
        ),
    ),
    "learning": (
        (
            "建议制定每周学习计划，从短小的微课开始，养成持续学习的习惯。",
            "Make a weekly learning plan and start with short micro-courses.",
        ),
        (
            "可以尝试自主选题的项目式学习，或加入社区学习团队。",
            "Try self-directed project learning or join a community learning team.",
        ),
    ),
}


@dataclass(frozen=True)
class Suggestion:
    domain_code: str
    domain_name: str
    level_code: str
    text: str


def domain_name(code: str, *, language: str = "zh-hans") -> str:
    names = DOMAIN_NAMES.get(code)
    if names is None:
        return code
    return names[1] if language.startswith("en") else names[0]


def _item_bank_suggestion(
    domain_code: str, level_code: str, language: str
) -> str | None:
    try:
        levels = domain_levels(domain_code)
    except (ObjectDoesNotExist, LookupError, ValueError):
        return None
    for level in levels:
        if getattr(level, "code", None) == level_code:
            text = (
                level.suggestion_en
                if language.startswith("en")
                else level.suggestion_zh
            )
            return text or None
    return None


def suggestions_for(
    *,
    latest: list[tuple[str, float, str]],
    needs_topics: list[str],
    language: str = "zh-hans",
) -> list[Suggestion]:
    """Return one suggestion per domain of the latest results, then the wished-for topics."""
    english = language.startswith("en")
    out: list[Suggestion] = []
    for code, theta, level_code in latest:
        text = _item_bank_suggestion(code, level_code, language)
        if text is None and code in BUILT_IN:
            below, above = BUILT_IN[code]
            text = (below if theta < 0 else above)[1 if english else 0]
        if text:
            out.append(
                Suggestion(code, domain_name(code, language=language), level_code, text)
            )
    topics = [str(t) for t in needs_topics if str(t).strip()][:5]
    if topics:
        joined = ", ".join(topics) if english else "、".join(topics)
        text = (
            f"You said you would like to learn about {joined}: search for them on the "
            "Shanghai learning network."
            if english
            else f"你在学习需求问卷中关注：{joined}。可在上海学习网搜索相关课程。"
        )
        out.append(
            Suggestion("needs", domain_name("needs", language=language), "", text)
        )
    return out
