"""Texts of the citizen strand questionnaires (seed 000 §三, seed 001 3.2.2 / 6.2.2, seed 003).

Learning behaviour (participation in the past 12 months, hours, channels, online versus
offline), learning outcomes and sense of gain (获得感), awareness of, participation in and
satisfaction with local learning services (知晓度、参与度、满意度), and, for the
learning-organisation strand, a family learning questionnaire and a community-residents
questionnaire. Every item is a Likert-type item of the item bank (4–7 ordered
categories, coded 0..k-1 as delivery scores them), so it is authored, reviewed,
published and delivered like the needs questionnaire's items.

``STRAND_ITEMS`` maps an item-bank domain to (stem_zh with {c}, stem_en with {e}, answer
scale, contexts); one item is written per context. ``STRAND_INSTRUMENTS`` lists each
questionnaire with its domains in order. Each domain holds items on one answer scale,
so a citizen's result reads as "your typical answer" in the scale's words.
"""

from __future__ import annotations

STRAND_ROOT = "strand"


def likert_option_id(index: int) -> str:
    """The id of a Likert item's category ``index`` (0-based): ``L1``, ``L2``, ….

    QTI identifiers cannot start with a digit, so the categories are not ``1``, ``2``, …
    (migration ``itembank.0007_likert_option_ids`` renamed the old ones).
    """
    return f"L{index + 1}"


STRAND_DOMAINS = [
    # code, parent, kind, name_zh, name_en
    ("strand", None, "needs", "市民学习状况", "Citizens' learning"),
    ("strand.participation", "strand", "needs", "学习参与", "Taking part in learning"),
    ("strand.hours", "strand", "needs", "学习时间", "Time spent learning"),
    ("strand.channels", "strand", "needs", "学习渠道", "Where you learn"),
    (
        "strand.online",
        "strand",
        "needs",
        "线上与线下学习",
        "Online and offline learning",
    ),
    ("strand.gain", "strand", "needs", "学习成效与获得感", "What learning gives you"),
    (
        "strand.awareness",
        "strand",
        "needs",
        "学习服务知晓度",
        "Knowing local learning services",
    ),
    (
        "strand.service_use",
        "strand",
        "needs",
        "学习服务参与度",
        "Using local learning services",
    ),
    (
        "strand.service_satisfaction",
        "strand",
        "needs",
        "学习服务满意度",
        "Satisfaction with local learning services",
    ),
    (
        "strand.family_time",
        "strand",
        "needs",
        "家庭成员学习时间",
        "Family members' learning time",
    ),
    (
        "strand.family_books",
        "strand",
        "needs",
        "家庭成员阅读量",
        "Books family members read",
    ),
    (
        "strand.community_awareness",
        "strand",
        "needs",
        "社区学习知晓度",
        "Knowing community learning",
    ),
    (
        "strand.community_use",
        "strand",
        "needs",
        "社区学习参与度",
        "Taking part in community learning",
    ),
    (
        "strand.community_satisfaction",
        "strand",
        "needs",
        "社区学习满意度",
        "Satisfaction with community learning",
    ),
]

TIMES_12M = [
    ("没有参加", "Not at all"),
    ("1–2 次", "1–2 times"),
    ("3–5 次", "3–5 times"),
    ("6 次及以上", "6 times or more"),
]
HOURS_WEEK = [
    ("不到 1 小时", "Less than 1 hour"),
    ("1–3 小时", "1–3 hours"),
    ("3–5 小时", "3–5 hours"),
    ("5–10 小时", "5–10 hours"),
    ("10 小时以上", "More than 10 hours"),
]
FREQUENCY = [
    ("从未", "Never"),
    ("很少", "Rarely"),
    ("有时", "Sometimes"),
    ("经常", "Often"),
]
ONLINE_SHARE = [
    ("全部线下", "All offline"),
    ("线下为主", "Mostly offline"),
    ("线上线下各半", "Half online, half offline"),
    ("线上为主", "Mostly online"),
    ("全部线上", "All online"),
]
AGREE = [
    ("非常不同意", "Strongly disagree"),
    ("不同意", "Disagree"),
    ("说不清", "Not sure"),
    ("同意", "Agree"),
    ("非常同意", "Strongly agree"),
]
KNOW = [
    ("不知道", "Never heard of it"),
    ("听说过", "Heard of it"),
    ("比较了解", "Know it fairly well"),
    ("非常了解", "Know it very well"),
]
USED = [
    ("没有参加", "Not at all"),
    ("参加过 1 次", "Once"),
    ("参加过 2–3 次", "2–3 times"),
    ("参加过 4 次及以上", "4 times or more"),
]
SATISFY = [
    ("非常不满意", "Very dissatisfied"),
    ("不满意", "Dissatisfied"),
    ("一般", "Neutral"),
    ("满意", "Satisfied"),
    ("非常满意", "Very satisfied"),
]
FAMILY_DAY = [
    ("不到半小时", "Less than half an hour"),
    ("半小时到 1 小时", "Half an hour to 1 hour"),
    ("1–2 小时", "1–2 hours"),
    ("2 小时以上", "More than 2 hours"),
]
BOOKS_YEAR = [
    ("没有读书", "None"),
    ("1–3 本", "1–3 books"),
    ("4–7 本", "4–7 books"),
    ("8–12 本", "8–12 books"),
    ("13 本及以上", "13 books or more"),
]

SERVICES = [
    (
        "社区学院和社区（老年）学校",
        "the community college and community (senior) schools",
    ),
    ("老年大学", "the senior university"),
    ("市民终身学习体验基地", "citizens' lifelong-learning experience sites"),
    ("“人文行走”学习点", "'humanities walk' learning points"),
    ("全民终身学习活动周", "the lifelong learning for all week"),
]
COMMUNITY = [
    ("街镇社区学校的课程", "courses of your street's community school"),
    ("居村委学习点", "the learning point of your residents' committee"),
    ("社区学习团队和读书会", "community learning groups and reading clubs"),
]

# domain: (stem_zh, stem_en, scale, contexts)
STRAND_ITEMS: dict[str, tuple[str, str, list, list]] = {
    "strand.participation": (
        "过去 12 个月，您参加过{c}吗？",
        "In the past 12 months, how often did you take part in {e}?",
        TIMES_12M,
        [
            (
                "课程、讲座、培训或读书会等有组织的学习",
                "organised learning (courses, lectures, training, reading groups)",
            )
        ],
    ),
    "strand.hours": (
        "过去 12 个月，您{c}用于学习的时间大约是多少？",
        "In the past 12 months, about how much time did you spend learning {e}?",
        HOURS_WEEK,
        [("平均每周", "in an average week")],
    ),
    "strand.channels": (
        "过去 12 个月，您通过“{c}”学习的频率如何？",
        "In the past 12 months, how often did you learn through {e}?",
        FREQUENCY,
        [
            ("社区学校或老年大学", "a community school or the senior university"),
            (
                "上海学习网等线上平台",
                "online platforms such as the Shanghai Learning Network",
            ),
            ("图书馆、博物馆等场馆", "libraries, museums and similar venues"),
            ("单位或行业培训", "training at work or in your trade"),
            ("学习团队或读书会", "learning groups or reading clubs"),
        ],
    ),
    "strand.online": (
        "过去 12 个月，您的学习{c}是在线上还是线下进行的？",
        "In the past 12 months, was your learning {e} online or offline?",
        ONLINE_SHARE,
        [("主要", "mostly")],
    ),
    "strand.gain": (
        "“{c}”",
        "'{e}'",
        AGREE,
        [
            (
                "通过学习，我掌握了新的知识或技能。",
                "Learning has given me new knowledge or skills.",
            ),
            (
                "学习让我的生活更加充实、愉快。",
                "Learning makes my life fuller and happier.",
            ),
            (
                "学习帮助我更好地工作或参与社区事务。",
                "Learning helps me at work or in community affairs.",
            ),
            (
                "总的来说，参加终身学习让我很有获得感。",
                "All in all, lifelong learning gives me a real sense of gain.",
            ),
        ],
    ),
    "strand.awareness": (
        "您知道本区的“{c}”吗？",
        "Do you know {e} in your district?",
        KNOW,
        SERVICES,
    ),
    "strand.service_use": (
        "过去 12 个月，您参加过本区“{c}”的学习或活动吗？",
        "In the past 12 months, did you take part in learning or activities of {e} in your district?",
        USED,
        SERVICES,
    ),
    "strand.service_satisfaction": (
        "您对本区“{c}”的满意程度如何？",
        "How satisfied are you with {e} in your district?",
        SATISFY,
        SERVICES,
    ),
    "strand.family_time": (
        "您家庭成员{c}用于学习（读书、上课、在线学习等）的时间大约是多少？",
        "About how much time do your family members spend learning (reading, classes, online) {e}?",
        FAMILY_DAY,
        [("平均每人每天", "each, on an average day")],
    ),
    "strand.family_books": (
        "过去一年，您家庭成员{c}读了几本书？",
        "In the past year, how many books did your family members read {e}?",
        BOOKS_YEAR,
        [("平均每人", "each, on average")],
    ),
    "strand.community_awareness": (
        "您知道您所在社区的“{c}”吗？",
        "Do you know {e}?",
        KNOW,
        COMMUNITY,
    ),
    "strand.community_use": (
        "过去 12 个月，您参加过“{c}”吗？",
        "In the past 12 months, did you take part in {e}?",
        USED,
        COMMUNITY,
    ),
    "strand.community_satisfaction": (
        "您对“{c}”的满意程度如何？",
        "How satisfied are you with {e}?",
        SATISFY,
        COMMUNITY,
    ),
}

# slug: (name_zh, name_en, description_zh, description_en, domains)
STRAND_INSTRUMENTS: dict[str, tuple[str, str, str, str, list[str]]] = {
    "learning-behaviour": (
        "市民学习行为问卷",
        "Citizen learning-behaviour questionnaire",
        "过去一年您参加学习的情况：参加次数、学习时间、学习渠道，以及线上与线下学习。",
        "How you learned over the past year: how often, how long, where, and online or offline.",
        ["strand.participation", "strand.hours", "strand.channels", "strand.online"],
    ),
    "learning-outcomes": (
        "市民学习成效与获得感问卷",
        "Citizen learning outcomes and sense of gain",
        "学习给您带来了什么：知识技能、生活、工作与社区参与，以及总体的获得感。",
        "What learning has given you: knowledge and skills, daily life, work and community, "
        "and your overall sense of gain.",
        ["strand.gain"],
    ),
    "learning-services": (
        "本区终身学习服务知晓度与参与度问卷",
        "Local learning services: awareness and participation",
        "您是否知道、是否参加过本区的各类终身学习服务，以及您对它们的满意程度。",
        "Whether you know and have used your district's lifelong-learning services, and how "
        "satisfied you are with them.",
        ["strand.awareness", "strand.service_use", "strand.service_satisfaction"],
    ),
    "family-learning": (
        "家庭学习问卷",
        "Family learning questionnaire",
        "您家庭成员每天的学习时间和一年的阅读量。",
        "How much time your family members spend learning each day and how many books they read a year.",
        ["strand.family_time", "strand.family_books"],
    ),
    "community-residents": (
        "社区居民学习问卷",
        "Community residents' learning questionnaire",
        "您对所在社区学习服务的知晓、参与和满意程度。",
        "How well you know, use and like the learning your community offers.",
        [
            "strand.community_awareness",
            "strand.community_use",
            "strand.community_satisfaction",
        ],
    ),
}


def strand_item_code(domain_code: str, n: int) -> str:
    """The item-bank code of the ``n``-th item (1-based) of a strand domain."""
    return f"{domain_code.upper().replace('.', '-').replace('_', '')}-{n:03d}"


def strand_item_specs() -> list[dict]:
    """Every strand item as keyword arguments of ``services.item_save_draft``."""
    specs = []
    for domain_code, (szh, sen, scale, contexts) in STRAND_ITEMS.items():
        for n, (czh, cen) in enumerate(contexts, start=1):
            specs.append(
                {
                    "code": strand_item_code(domain_code, n),
                    "domain_code": domain_code,
                    "kind": "likert",
                    "stem": f"<p>{szh.format(c=czh)}</p>",
                    "stem_en": f"<p>{sen.format(e=cen)}</p>",
                    "instructions": "请根据您的实际情况选择。",
                    "instructions_en": "Choose what fits you.",
                    "estimated_seconds": 15,
                    "options": [
                        {"option_id": likert_option_id(i), "text": zh, "text_en": en}
                        for i, (zh, en) in enumerate(scale)
                    ],
                    "tags": ["strand"],
                }
            )
    return specs
