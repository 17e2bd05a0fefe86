"""What each citizen strand figure is, and which monitoring points of seed 001 it feeds.

A measure reads the answers of one questionnaire domain (optionally a few of its items,
by their 1-based place in ``itembank.strand_content.STRAND_ITEMS``) and turns each
respondent's answers into one number (``psychometrics.survey.strands``):

- ``share``: the share of the answered items at or above ``min_code`` (a percentage);
- ``any``: took part in / reached ``min_code`` on at least one item (a percentage);
- ``mean``: the mean of the numbers ``values`` that the answer codes stand for.

``feeds`` lists (indicator code, monitoring point index from 0 or None for the
indicator as a whole) in the 2023 district framework (seed 001).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    code: str
    instrument: str
    domain: str
    rule: str  # share | any | mean
    label_zh: str
    label_en: str
    unit: str
    feeds: tuple[tuple[str, int | None], ...]
    min_code: int | None = None
    values: tuple[float, ...] | None = None
    items: tuple[int, ...] | None = None


# 3.2.2 point 2: 市民对城区各类终身学习资源和服务项目的知晓度、参与度、满意度和获得感
# 6.2.2 point 1: 开展市民基本素养…、终身学习需求、终身学习服务满意度等调查，发布相关调查报告
# 4.3.1 point 3: 提供市民在线学习支持，着力消除“数字鸿沟”
# 5.1.1 point 2: 学习活动的形式不断创新，人群覆盖面不断扩大
# 5.3.2: 多元学习组织的活跃度不断提升 (learning families are learning organisations)
P_322, P_622, P_431, P_511, I_532 = (
    ("3.2.2", 1),
    ("6.2.2", 0),
    ("4.3.1", 2),
    ("5.1.1", 1),
    ("5.3.2", None),
)

MEASURES: tuple[Measure, ...] = (
    Measure(
        "participation_rate",
        "learning-behaviour",
        "strand.participation",
        "any",
        "过去12个月参加有组织学习的市民比例",
        "Citizens who took part in organised learning in the past 12 months",
        "%",
        (P_622, P_511),
        min_code=1,
    ),
    Measure(
        "weekly_hours",
        "learning-behaviour",
        "strand.hours",
        "mean",
        "市民平均每周学习时间",
        "Average weekly learning time",
        "小时/周",
        (P_622,),
        values=(0.5, 2.0, 4.0, 7.5, 12.0),
    ),
    Measure(
        "online_platform_rate",
        "learning-behaviour",
        "strand.channels",
        "any",
        "有时或经常通过线上平台学习的市民比例",
        "Citizens who learn on online platforms sometimes or often",
        "%",
        (P_431,),
        min_code=2,
        items=(2,),
    ),
    Measure(
        "community_channel_rate",
        "learning-behaviour",
        "strand.channels",
        "any",
        "有时或经常在社区学校、老年大学学习的市民比例",
        "Citizens who learn at a community school or the senior university sometimes or often",
        "%",
        (P_622,),
        min_code=2,
        items=(1,),
    ),
    Measure(
        "mainly_online_rate",
        "learning-behaviour",
        "strand.online",
        "share",
        "学习以线上为主的市民比例",
        "Citizens who learn mostly or only online",
        "%",
        (P_431,),
        min_code=3,
    ),
    Measure(
        "outcome_rate",
        "learning-outcomes",
        "strand.gain",
        "share",
        "认同学习成效的比例（同意或非常同意）",
        "Agreement that learning pays off (agree or strongly agree)",
        "%",
        (P_322,),
        min_code=3,
        items=(1, 2, 3),
    ),
    Measure(
        "gain_rate",
        "learning-outcomes",
        "strand.gain",
        "share",
        "学习获得感（同意或非常同意）",
        "Sense of gain from learning (agree or strongly agree)",
        "%",
        (P_322,),
        min_code=3,
        items=(4,),
    ),
    Measure(
        "awareness_rate",
        "learning-services",
        "strand.awareness",
        "share",
        "本区终身学习服务知晓度",
        "Awareness of the district's learning services",
        "%",
        (P_322,),
        min_code=1,
    ),
    Measure(
        "service_participation_rate",
        "learning-services",
        "strand.service_use",
        "any",
        "本区终身学习服务参与度（参加过至少一项）",
        "Participation in the district's learning services (at least one)",
        "%",
        (P_322,),
        min_code=1,
    ),
    Measure(
        "service_satisfaction_rate",
        "learning-services",
        "strand.service_satisfaction",
        "share",
        "本区终身学习服务满意度（满意或非常满意）",
        "Satisfaction with the district's learning services (satisfied or very satisfied)",
        "%",
        (P_322, P_622),
        min_code=3,
    ),
    Measure(
        "community_awareness_rate",
        "community-residents",
        "strand.community_awareness",
        "share",
        "居民对社区学习的知晓度",
        "Residents' awareness of community learning",
        "%",
        (P_322,),
        min_code=1,
    ),
    Measure(
        "community_participation_rate",
        "community-residents",
        "strand.community_use",
        "any",
        "居民对社区学习的参与度（参加过至少一项）",
        "Residents' participation in community learning (at least one)",
        "%",
        (P_322,),
        min_code=1,
    ),
    Measure(
        "community_satisfaction_rate",
        "community-residents",
        "strand.community_satisfaction",
        "share",
        "居民对社区学习的满意度（满意或非常满意）",
        "Residents' satisfaction with community learning (satisfied or very satisfied)",
        "%",
        (P_322,),
        min_code=3,
    ),
    Measure(
        "family_hour_rate",
        "family-learning",
        "strand.family_time",
        "any",
        "家庭成员每天学习1小时及以上的家庭比例",
        "Families whose members learn at least one hour a day",
        "%",
        (I_532,),
        min_code=2,
    ),
    Measure(
        "family_daily_hours",
        "family-learning",
        "strand.family_time",
        "mean",
        "家庭成员人均每天学习时间",
        "Family members' average daily learning time",
        "小时/天",
        (I_532,),
        values=(0.25, 0.75, 1.5, 2.5),
    ),
    Measure(
        "family_books_rate",
        "family-learning",
        "strand.family_books",
        "any",
        "家庭成员人均年读书8本及以上的家庭比例",
        "Families whose members read at least 8 books a year each",
        "%",
        (I_532,),
        min_code=3,
    ),
    Measure(
        "family_books",
        "family-learning",
        "strand.family_books",
        "mean",
        "家庭成员人均年读书量",
        "Books read per family member a year",
        "本/人·年",
        (I_532,),
        values=(0.0, 2.0, 5.5, 10.0, 15.0),
    ),
)

STRAND_SLUGS = tuple(dict.fromkeys(m.instrument for m in MEASURES))
