"""Names of the needs questionnaire's options, for reports and the district API.

The codes are :data:`psychometrics.survey.NEEDS_AREAS`; the names follow the item bank's
needs items (``itembank/demo_content.py``), Chinese first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from psychometrics.survey import NEEDS_AREAS

_NAMES: dict[str, list[tuple[str, str]]] = {
    "topics": [
        ("智能手机与数字生活", "Smartphones and digital life"),
        ("健康养生", "Health and wellbeing"),
        ("书法绘画", "Calligraphy and painting"),
        ("音乐舞蹈", "Music and dance"),
        ("外语", "Foreign languages"),
        ("职业技能", "Job skills"),
        ("家庭教育", "Parenting"),
        ("法律常识", "Everyday law"),
        ("理财与防诈骗", "Money management and fraud prevention"),
        ("历史文化", "History and culture"),
    ],
    "modes": [
        ("线上视频课程", "Online video courses"),
        ("线下面授课", "In-person classes"),
        ("直播互动课", "Live interactive classes"),
        ("学习团队与社团", "Learning groups and clubs"),
        ("参观体验活动", "Visits and hands-on activities"),
        ("读书会", "Reading groups"),
        ("手机微课", "Short phone lessons"),
        ("志愿服务中学习", "Learning through volunteering"),
    ],
    "times": [
        ("工作日白天", "Weekday daytime"),
        ("工作日晚上", "Weekday evenings"),
        ("周末上午", "Weekend mornings"),
        ("周末下午", "Weekend afternoons"),
        ("寒暑假", "School holidays"),
        ("午休时间", "The lunch break"),
    ],
    "barriers": [
        ("工作太忙没有时间", "Too busy at work"),
        ("家务和照护负担重", "Housework and care duties"),
        ("学习场所离家太远", "Learning venues too far away"),
        ("不知道去哪里找课程", "Not knowing where to find courses"),
        ("课程费用太高", "Courses too expensive"),
        ("不会使用网上学习平台", "Cannot use online platforms"),
        ("身体健康状况不允许", "Health"),
        ("缺少学习伙伴", "No one to learn with"),
    ],
    "satisfaction": [
        ("社区学校课程", "Community-school courses"),
        ("老年大学", "Senior college"),
        ("图书馆服务", "Library services"),
        ("上海学习网资源", "Shanghai Learning Network resources"),
        ("学习场所的便利程度", "Convenience of learning venues"),
        ("课程信息发布", "Information about courses"),
        ("学习指导与咨询", "Learning guidance and advice"),
        ("终身学习服务总体", "Lifelong-learning services overall"),
    ],
}

OPTION_NAMES: dict[str, dict[str, tuple[str, str]]] = {
    area: dict(zip(codes, _NAMES[area], strict=True))
    for area, codes in NEEDS_AREAS.items()
}


def needs_option_names(
    needs: Mapping[str, tuple[Any, Sequence[str]]],
) -> dict[str, dict[str, list[str]]]:
    """Return ``{"needs.<area>": {option: [name_zh, name_en]}}`` for the options stored."""
    out: dict[str, dict[str, list[str]]] = {}
    for area, (_answers, options) in needs.items():
        known = OPTION_NAMES.get(area, {})
        out[f"needs.{area}"] = {
            str(o): list(known.get(str(o), (str(o), str(o)))) for o in options
        }
    return out
