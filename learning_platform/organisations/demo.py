"""Demo data of the learning organisations: a register of a few hundred organisations in the 16
districts with tier histories, two monitoring years (2024 closed, 2025 in progress: sample drawn,
self-assessments in every state, some approved and rated), spaces with approved and pending
records, the users ``orguser`` and ``expert1``–``expert3``, and the district feed for 黄浦.

Deterministic (a fixed random seed) and safe to run twice: the register is created once.
"""

from __future__ import annotations

import io
import random
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from learning_platform.accounts.management.commands.demo_setup import DEMO_PASSWORD
from learning_platform.accounts.models import User
from learning_platform.accounts.roles import Role
from learning_platform.accounts.services import user_create, user_role_assign
from learning_platform.districts.models import District
from learning_platform.indicators.models import FrameworkVersion
from learning_platform.organisations.models import (
    AssessmentStatus,
    EntryKind,
    EntryStatus,
    EvidenceKind,
    IndicatorSet,
    ItemEvidence,
    MonitoringYear,
    Organisation,
    OrganisationKind,
    RaterAssignment,
    Rating,
    SampledOrganisation,
    SelfAssessment,
    SetIndicator,
    SetItem,
    SpaceEntry,
    Tier,
    TierChange,
)
from learning_platform.organisations.services.results import framework_feed

SEED = 20250601
CURRENT_YEAR = 2025
HUANGPU = "310101"

# A small local list used only when the full indicator sets (seed 003, loaded by the register's
# loader) are not in the database yet: each kind's first-level indicators with a few items
# quoted from the seed. The loader's sets replace these as soon as they exist.
MINIMAL_SETS: dict[str, tuple[str, list[tuple[str, list[tuple[str, str, dict]]]]]] = {
    OrganisationKind.AGENCY: (
        "上海市学习型机关（事业单位）建设指标",
        [
            (
                "制度保障",
                [
                    (
                        "单位重视学习型组织建设，按照干部管理权限，组织本单位干部教育培训工作。",
                        "document",
                        {},
                    )
                ],
            ),
            (
                "学习条件",
                [
                    (
                        "坚持集中培训、集体学习、个人自学和组织生活、实践锻炼有机结合。",
                        "rating",
                        {},
                    )
                ],
            ),
            (
                "资源建设",
                [
                    (
                        "利用党员活动室、党群服务中心等开展日常教育培训；完善网络培训制度。",
                        "rating",
                        {},
                    )
                ],
            ),
            (
                "学习经费",
                [
                    (
                        "干部教育培训经费列入单位年度财政预算，保证干部教育培训工作需要。",
                        "document",
                        {},
                    )
                ],
            ),
            ("学习管理", [("坚持和完善党委（党组）中心组学习制度。", "rating", {})]),
            (
                "学习成效",
                [
                    (
                        "教育培训各项制度落实好，单位学习氛围浓厚，学习型组织建设有成效。",
                        "rating",
                        {},
                    )
                ],
            ),
        ],
    ),
    OrganisationKind.ENTERPRISE: (
        "上海市学习型企事业单位建设指标",
        [
            (
                "制度保障",
                [
                    (
                        "企业管理者注重树立终身教育观念，建立相关领导机构。",
                        "document",
                        {},
                    )
                ],
            ),
            (
                "学习条件",
                [
                    (
                        "设置专用学习活动场所和设备，提供线上和线下学习平台。",
                        "rating",
                        {},
                    )
                ],
            ),
            (
                "资源建设",
                [("加强和规范职工书屋建设，注重资源有效利用。", "rating", {})],
            ),
            (
                "学习经费",
                [
                    (
                        "保障学习经费投入，单位根据职工发展和单位建设足额提供教育培训经费。",
                        "document",
                        {},
                    )
                ],
            ),
            (
                "学习组织",
                [("广泛开展读书活动，提升职工的文化与综合素养。", "rating", {})],
            ),
            (
                "学习激励",
                [
                    (
                        "建立和完善学习、考核、使用、待遇一体化的学习激励机制。",
                        "rating",
                        {},
                    )
                ],
            ),
            (
                "学习成效",
                [
                    (
                        "职工学习满意度高、学有所获，促进职工知识、技能和素养提升。",
                        "questionnaire",
                        {},
                    )
                ],
            ),
        ],
    ),
    OrganisationKind.COMMUNITY: (
        "上海市学习型社区建设指标",
        [
            (
                "制度保障",
                [
                    (
                        "街镇重视学习型社区建设，列入社区（街道）工作计划与发展规划。",
                        "document",
                        {},
                    )
                ],
            ),
            (
                "学习条件",
                [
                    (
                        "设置固定学习活动场所和设备，提供居民家门口的学习场所。",
                        "rating",
                        {},
                    )
                ],
            ),
            (
                "资源建设",
                [
                    (
                        "充分利用各类优质学习资源，结合市民修身行动，满足不同群体学习需求。",
                        "rating",
                        {},
                    )
                ],
            ),
            (
                "学习经费",
                [
                    (
                        "每年政府投入的日常运作经费按照常住人口计算，人均经费不少于10元，且稳步增长。",
                        "number",
                        {
                            "measure": "funding_per_resident",
                            "unit_zh": "元/人",
                            "threshold": Decimal("10"),
                        },
                    )
                ],
            ),
            (
                "学习管理",
                [
                    (
                        "组织开展社区教育培训活动，为区域内各年龄段居民提供必要的教育支持与服务。",
                        "rating",
                        {},
                    )
                ],
            ),
            (
                "学习成效",
                [
                    (
                        "社区居民对社区提供的教育培训与文化学习活动比较了解，知晓度、参与率和满意率较高。",
                        "questionnaire",
                        {},
                    )
                ],
            ),
        ],
    ),
    OrganisationKind.FAMILY: (
        "上海学习型家庭建设指标",
        [
            (
                "学习条件",
                [("家庭内具有相对固定的学习区域和相对安静的学习环境。", "rating", {})],
            ),
            (
                "学习氛围",
                [
                    (
                        "家庭成员共同学习的时间有保障，经常交流学习体会，互相激励，共同提高。",
                        "rating",
                        {},
                    )
                ],
            ),
            (
                "学习投入",
                [
                    (
                        "家庭成员人均每天学习时间不少于1小时。",
                        "number",
                        {
                            "measure": "daily_learning_hours",
                            "unit_zh": "小时/天",
                            "threshold": Decimal("1"),
                        },
                    ),
                    (
                        "家庭人均年自主深度阅读不少于8本书（含纸质书、电子书）。",
                        "number",
                        {
                            "measure": "books_per_member",
                            "unit_zh": "本/人",
                            "threshold": Decimal("8"),
                        },
                    ),
                ],
            ),
            (
                "学习活动",
                [("积极参加社区学习活动，在获得与分享中展现学习成果。", "rating", {})],
            ),
            (
                "学习效果",
                [("家庭成员自觉参与市民修身行动，学习兴趣不断增强。", "rating", {})],
            ),
        ],
    ),
}

STREETS = {
    "310101": [
        "外滩街道",
        "南京东路街道",
        "半淞园路街道",
        "小东门街道",
        "豫园街道",
        "老西门街道",
        "五里桥街道",
        "打浦桥街道",
        "淮海中路街道",
        "瑞金二路街道",
    ],
    "310104": [
        "徐家汇街道",
        "天平路街道",
        "湖南路街道",
        "枫林路街道",
        "长桥街道",
        "田林街道",
        "虹梅路街道",
    ],
    "310105": [
        "华阳路街道",
        "江苏路街道",
        "新华路街道",
        "天山路街道",
        "仙霞新村街道",
        "虹桥街道",
    ],
    "310106": [
        "江宁路街道",
        "石门二路街道",
        "南京西路街道",
        "静安寺街道",
        "曹家渡街道",
        "临汾路街道",
    ],
    "310107": [
        "曹杨新村街道",
        "长风新村街道",
        "甘泉路街道",
        "石泉路街道",
        "真如镇街道",
        "桃浦镇",
    ],
    "310109": [
        "欧阳路街道",
        "曲阳路街道",
        "广中路街道",
        "嘉兴路街道",
        "四川北路街道",
        "江湾镇街道",
    ],
    "310110": [
        "定海路街道",
        "平凉路街道",
        "江浦路街道",
        "四平路街道",
        "殷行街道",
        "五角场街道",
    ],
    "310112": ["莘庄镇", "七宝镇", "颛桥镇", "古美路街道", "江川路街道", "梅陇镇"],
    "310113": ["友谊路街道", "吴淞街道", "张庙街道", "大场镇", "顾村镇", "罗店镇"],
    "310114": ["嘉定镇街道", "新成路街道", "真新街道", "南翔镇", "安亭镇", "江桥镇"],
    "310115": [
        "潍坊新村街道",
        "陆家嘴街道",
        "塘桥街道",
        "花木街道",
        "张江镇",
        "川沙新镇",
    ],
    "310116": ["石化街道", "朱泾镇", "枫泾镇", "亭林镇", "金山卫镇", "山阳镇"],
    "310117": ["岳阳街道", "永丰街道", "方松街道", "中山街道", "泗泾镇", "九亭镇"],
    "310118": ["夏阳街道", "盈浦街道", "香花桥街道", "朱家角镇", "赵巷镇", "华新镇"],
    "310120": ["南桥镇", "奉城镇", "庄行镇", "金汇镇", "四团镇", "青村镇"],
    "310151": ["城桥镇", "堡镇", "新河镇", "庙镇", "陈家镇", "长兴镇"],
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
GIVEN = [
    "建国",
    "秀英",
    "志强",
    "丽华",
    "海燕",
    "振华",
    "文杰",
    "晓明",
    "美玲",
    "国庆",
    "春梅",
    "德明",
    "雅琴",
    "伟民",
    "佳怡",
    "子涵",
    "浩然",
    "雪芳",
    "立新",
    "慧敏",
]
RESIDENCES = ["居民区", "新村居民区", "小区居委会", "社区居委会"]
AGENCIES = [
    "教育局",
    "文化和旅游局",
    "卫生健康委员会",
    "民政局",
    "人力资源和社会保障局",
    "图书馆",
    "档案馆",
    "科学技术委员会",
    "司法局",
    "税务局",
]
COMPANIES = [
    "申城电气",
    "浦江建设",
    "海鸥精密",
    "东方物流",
    "金桥软件",
    "新沪食品",
    "华亭纺织",
    "长江医药",
    "明珠酒店管理",
    "万通汽车服务",
    "江南造船配套",
    "星河文化传媒",
]
COMPANY_TAILS = ["有限公司", "股份有限公司", "集团有限公司"]
ACTIVITIES = [
    ("社区读书会：共读《上海的红色印记》", "居民二十余人参加，分享读书心得。"),
    ("智能手机使用培训班", "面向老年居民，讲解健康码、网上挂号与防诈骗。"),
    ("家庭亲子阅读日", "十组家庭参加，交换图书并制作读书卡片。"),
    ("职工技能比武", "车间班组开展岗位练兵，评出技术能手三名。"),
    ("党员中心组学习", "围绕学习型组织建设开展专题学习与讨论。"),
    ("全民终身学习活动周主题活动", "开展非遗体验、人文行走和学习成果展示。"),
]


def _rng() -> random.Random:
    return random.Random(SEED)


def _png(color: tuple[int, int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, format="PNG")
    return out.getvalue()


def _ensure_sets() -> dict[str, IndicatorSet]:
    """Use the loaded indicator sets; create the minimal local ones only where none exists."""
    sets: dict[str, IndicatorSet] = {}
    for kind, (title, indicators) in MINIMAL_SETS.items():
        existing = IndicatorSet.objects.filter(kind=kind).order_by("-version").first()
        if existing is not None:
            sets[kind] = existing
            continue
        s = IndicatorSet.objects.create(
            kind=kind,
            version=2023,
            title_zh=title,
            source="demo: 沪学习型组织建设指标（附件1–4）节选",
            content_sha256="demo",
        )
        sort = 0
        for i, (name, items) in enumerate(indicators, start=1):
            indicator = SetIndicator.objects.create(
                indicator_set=s, code=str(i), name_zh=name, sort=i
            )
            for j, (text, evidence, extra) in enumerate(items, start=1):
                sort += 1
                SetItem.objects.create(
                    indicator=indicator,
                    code=f"{i}.{j}",
                    text_zh=text,
                    evidence=evidence,
                    comparison="gte" if evidence == EvidenceKind.NUMBER else "",
                    sort=sort,
                    **extra,
                )
        sets[kind] = s
    return sets


def _users() -> dict[str, User]:
    out = {}
    wanted = [("orguser", Role.ORGANISATION, "外滩社区学习型社区管理员")] + [
        (f"expert{i}", Role.EXPERT, f"评审专家{i}") for i in (1, 2, 3)
    ]
    for username, role, name in wanted:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                username=username, password=DEMO_PASSWORD, display_name=name, roles=()
            )
        user_role_assign(user=user, role=role)
        out[username] = user
    return out


def _counts(code: str) -> dict[str, int]:
    # 黄浦 carries enough communities and families for the district figures to pass the
    # suppression threshold; the other districts stay small, so their cells show 数据不足.
    if code == HUANGPU:
        return {"agency": 8, "enterprise": 12, "community": 45, "family": 60}
    return {"agency": 2, "enterprise": 3, "community": 4, "family": 5}


def _register(rng: random.Random) -> list[Organisation]:
    rows: list[Organisation] = []
    for district in District.objects.all():
        streets = STREETS.get(district.code) or [f"{district.name_zh}街道"]
        used: set[tuple[str, str]] = set()
        for kind, count in _counts(district.code).items():
            for i in range(count):
                street = streets[i % len(streets)]
                for _attempt in range(50):
                    if kind == "agency":
                        name = f"{district.name_zh}{AGENCIES[(i + _attempt) % len(AGENCIES)]}"
                    elif kind == "enterprise":
                        name = (
                            f"上海{rng.choice(COMPANIES)}{rng.choice(COMPANY_TAILS)}"
                            if _attempt < 10
                            else f"上海{rng.choice(COMPANIES)}{i}号有限公司"
                        )
                    elif kind == "community":
                        name = f"{street}{rng.choice(SURNAMES)}{rng.choice(['家', '园', '苑', '里'])}{rng.choice(RESIDENCES)}"
                    else:
                        name = f"{street}{rng.choice(SURNAMES)}{rng.choice(GIVEN)}家庭"
                    if (kind, name) not in used:
                        break
                used.add((kind, name))
                if district.code == HUANGPU and kind == "community" and i == 0:
                    name = "外滩街道中山东一路居民区"
                rows.append(
                    Organisation(
                        kind=kind,
                        name=name,
                        district=district,
                        street=street,
                        slug=f"demo-{district.code}-{kind}-{i + 1}",
                        contact_name=f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}",
                        contact_phone=f"021-{rng.randint(5000, 6999)}{rng.randint(1000, 9999)}",
                        residents=rng.randint(2500, 12000)
                        if kind == "community"
                        else None,
                        members=rng.randint(2, 6) if kind == "family" else None,
                    )
                )
    return Organisation.objects.bulk_create(rows)


def _tiers(rng: random.Random, orgs: list[Organisation], admin: User | None) -> None:
    changes = []
    for org in orgs:
        roll = rng.random()
        path = [Tier.REGISTERED]
        if roll < 0.30:
            path.append(Tier.SELECTED)
        if roll < 0.10:
            path.append(Tier.MODEL)
        if roll < 0.02:
            path.append(Tier.EXEMPLAR)
        year = 2021
        changes.append(
            TierChange(
                organisation=org,
                from_tier="",
                to_tier=Tier.REGISTERED,
                year=year,
                evidence="区学习办登记入库。",
                decided_by=admin,
            )
        )
        for before, after in zip(path, path[1:], strict=False):
            year += rng.randint(1, 2)
            evidence = {
                Tier.SELECTED: f"{year}年列入区学习型组织培育名单：自评材料齐全，制度保障与学习条件达标。",
                Tier.MODEL: f"{year}年度抽样监测全部一级指标达标，区学促委审议通过，认定为示范学习型组织。",
                Tier.EXEMPLAR: f"连续两年示范，{year}年经市级复核认定为标兵，典型案例入选市学习型组织案例集。",
            }[after]
            changes.append(
                TierChange(
                    organisation=org,
                    from_tier=before,
                    to_tier=after,
                    year=min(year, 2025),
                    evidence=evidence,
                    decided_by=admin,
                )
            )
        org.tier = path[-1]
    Organisation.objects.bulk_update(orgs, ["tier"])
    TierChange.objects.bulk_create(changes)


def _score(rng: random.Random, quality: float) -> int:
    return max(0, min(4, round(rng.gauss(quality, 0.9))))


def _evidence(
    rng: random.Random,
    assessment: SelfAssessment,
    items: list[SetItem],
    org: Organisation,
    quality: float,
    scored: bool,
) -> list[ItemEvidence]:
    rows = []
    for item in items:
        row = ItemEvidence(
            assessment=assessment, item=item, statement="已按要求开展，相关材料见附件。"
        )
        if item.evidence == EvidenceKind.NUMBER:
            if item.measure == "funding_per_resident":
                amount = Decimal(
                    rng.randint(int(org.residents * 6), int(org.residents * 16))
                )
                row.number = amount
                row.computed = (amount / Decimal(org.residents)).quantize(
                    Decimal("0.0001")
                )
                row.statement = (
                    f"年度日常运作经费{amount}元，常住人口{org.residents}人。"
                )
                value = row.computed
            else:
                value = Decimal(
                    str(
                        round(
                            rng.uniform(0.4, 1.8)
                            if item.measure == "daily_learning_hours"
                            else rng.uniform(4, 14),
                            1,
                        )
                    )
                )
                row.number = value
            if item.threshold is not None:
                row.meets_threshold = value >= item.threshold
                if scored:
                    row.score = float(item.max_score if row.meets_threshold else 1)
        elif scored:
            row.score = float(_score(rng, quality))
        rows.append(row)
    return rows


STATE_MIX = [
    AssessmentStatus.NOT_STARTED,
    AssessmentStatus.DRAFT,
    AssessmentStatus.FIRST_REVIEW,
    AssessmentStatus.SECOND_REVIEW,
    AssessmentStatus.LETTER,
    AssessmentStatus.DONE,
]


def _monitoring(
    rng: random.Random,
    orgs: list[Organisation],
    sets: dict[str, IndicatorSet],
    experts: list[User],
    researcher: User | None,
) -> None:
    items = {
        kind: list(SetItem.objects.filter(indicator__indicator_set=s).order_by("sort"))
        for kind, s in sets.items()
    }
    strata: dict[str, list[Organisation]] = {}
    for org in orgs:
        strata.setdefault(f"{org.district.code}:{org.kind}", []).append(org)
    quality = {org.pk: rng.uniform(1.8, 3.8) for org in orgs}
    for year, closed in ((2024, True), (CURRENT_YEAR, False)):
        draw_rng = random.Random(SEED + year)
        allocation, sampled_rows = [], []
        for key in sorted(strata):
            members = strata[key]
            big_n = len(members)
            if key.startswith(HUANGPU) and key.endswith(("community", "family")):
                n = min(big_n, 36 if key.endswith("community") else 40)
            else:
                n = max(1, round(big_n * 0.4))
            chosen = draw_rng.sample(sorted(members, key=lambda o: o.pk), n)
            district, kind = key.split(":")
            allocation.append(
                {"district": district, "kind": kind, "population": big_n, "sample": n}
            )
            sampled_rows += [
                SampledOrganisation(organisation=o, stratum=key, weight=big_n / n)
                for o in chosen
            ]
        monitoring = MonitoringYear.objects.create(
            year=year,
            seed=SEED + year,
            sample_size=len(sampled_rows),
            allocation=allocation,
            drawn_at=timezone.now(),
            drawn_by=researcher,
            disagreement_threshold=1,
        )
        for row in sampled_rows:
            row.monitoring_year = monitoring
        sampled = SampledOrganisation.objects.bulk_create(sampled_rows)
        assessments = []
        for i, s in enumerate(sampled):
            if closed:
                status = AssessmentStatus.DONE
            elif s.stratum.startswith(HUANGPU) and s.stratum.endswith(
                ("community", "family")
            ):
                # Most of 黄浦's large strata are through review; a few are still under way.
                status = AssessmentStatus.DONE if i % 12 else STATE_MIX[(i // 12) % 5]
            else:
                status = STATE_MIX[i % len(STATE_MIX)]
            assessments.append(
                SelfAssessment(
                    sampled=s,
                    indicator_set=sets[s.organisation.kind],
                    status=status,
                    submitted_at=timezone.now()
                    if status
                    not in (AssessmentStatus.NOT_STARTED, AssessmentStatus.DRAFT)
                    else None,
                )
            )
        assessments = SelfAssessment.objects.bulk_create(assessments)
        evidence, assignments = [], []
        for a in assessments:
            if a.status == AssessmentStatus.NOT_STARTED:
                continue
            org = a.sampled.organisation
            boost = 0.4 if closed is False else 0.0  # growth from 2024 to 2025
            evidence += _evidence(
                rng,
                a,
                items[org.kind],
                org,
                quality[org.pk] + boost,
                scored=a.status == AssessmentStatus.DONE,
            )
            if (
                a.status
                in (
                    AssessmentStatus.DONE,
                    AssessmentStatus.LETTER,
                    AssessmentStatus.SECOND_REVIEW,
                )
                and experts
            ):
                first, second = rng.sample(experts, 2)
                done_at = timezone.now() if a.status == AssessmentStatus.DONE else None
                assignments += [
                    RaterAssignment(
                        assessment=a, rater=first, round=1, submitted_at=done_at
                    ),
                    RaterAssignment(
                        assessment=a, rater=second, round=2, submitted_at=done_at
                    ),
                ]
        ItemEvidence.objects.bulk_create(evidence)
        assignments = RaterAssignment.objects.bulk_create(assignments)
        scores = {(e.assessment_id, e.item_id): e.score for e in evidence}
        ratings = []
        for assignment in assignments:
            if assignment.submitted_at is None:
                continue
            org = assignment.assessment.sampled.organisation
            for item in items[org.kind]:
                if item.evidence in (EvidenceKind.RATING, EvidenceKind.DOCUMENT):
                    agreed = scores.get((assignment.assessment_id, item.pk))
                    if agreed is None:
                        continue
                    score = (
                        int(agreed)
                        if assignment.round == 1
                        else max(0, min(4, int(agreed) + rng.choice([0, 0, 0, 1, -1])))
                    )
                    ratings.append(
                        Rating(assignment=assignment, item=item, score=score)
                    )
        Rating.objects.bulk_create(ratings)


def _spaces(
    rng: random.Random, orgs: list[Organisation], orguser: User, reviewer: User | None
) -> None:
    now = timezone.now()
    own = next(o for o in orgs if o.slug == f"demo-{HUANGPU}-community-1")
    own.users.add(orguser)
    entries = []
    for n, org in enumerate(orgs[::9]):
        title, body = ACTIVITIES[n % len(ACTIVITIES)]
        entries.append(
            SpaceEntry(
                organisation=org,
                kind=EntryKind.ACTIVITY,
                title=title,
                body=body,
                happened_on=timezone.localdate().replace(
                    year=2025, month=1 + n % 11, day=15
                ),
                status=EntryStatus.APPROVED,
                reviewed_by=reviewer,
                reviewed_at=now,
            )
        )
    entries += [
        SpaceEntry(
            organisation=own,
            kind=EntryKind.ACTIVITY,
            title="楼组学习沙龙：垃圾分类新规解读",
            body="邀请街道社区学校教师讲解，居民四十余人参加。",
            status=EntryStatus.PENDING,
            happened_on=timezone.localdate().replace(year=2025, month=10, day=20),
            created_by=orguser,
        ),
        SpaceEntry(
            organisation=own,
            kind=EntryKind.ACTIVITY,
            title="学习成果展",
            body="展出居民书画与摄影作品。",
            status=EntryStatus.RETURNED,
            review_comment="请补充活动日期和参加人数。",
            reviewed_by=reviewer,
            reviewed_at=now,
            created_by=orguser,
        ),
    ]
    SpaceEntry.objects.bulk_create(entries)
    photo = SpaceEntry(
        organisation=own,
        kind=EntryKind.PHOTO,
        title="社区读书会现场",
        alt_text="社区活动室里，十多位居民围坐长桌共读一本书",
        status=EntryStatus.APPROVED,
        happened_on=timezone.localdate().replace(year=2025, month=4, day=23),
        reviewed_by=reviewer,
        reviewed_at=now,
        created_by=orguser,
    )
    photo.file.save("demo-reading.png", ContentFile(_png((180, 120, 60))), save=False)
    photo.save()


def load_demo(*, stdout) -> None:
    from django.core.management import call_command

    # the four indicator sets of seed 003, loaded like the district framework
    call_command("load_org_indicator_sets", stdout=stdout)
    users = _users()
    if Organisation.objects.filter(slug__startswith="demo-").exists():
        stdout.write("organisations demo: register already loaded")
        return
    if not District.objects.exists():
        stdout.write("organisations demo: no districts; skipped")
        return
    rng = _rng()
    admin = User.objects.filter(username="admin").first()
    researcher = User.objects.filter(username="researcher").first()
    reviewer = User.objects.filter(username="officer").first()
    with transaction.atomic():
        sets = _ensure_sets()
        orgs = _register(rng)
        orgs = list(
            Organisation.objects.filter(slug__startswith="demo-")
            .select_related("district")
            .order_by("pk")
        )
        _tiers(rng, orgs, admin)
        experts = [users[f"expert{i}"] for i in (1, 2, 3)]
        _monitoring(rng, orgs, sets, experts, researcher)
        _spaces(rng, orgs, users["orguser"], reviewer)
    fed = ""
    try:
        if FrameworkVersion.objects.exists():
            framework_feed(year=CURRENT_YEAR, district_codes=[HUANGPU])
            fed = f"; 黄浦 {CURRENT_YEAR} filing offered its 学习型组织 summary"
    except Exception as exc:  # noqa: BLE001 - the feed is a courtesy; the demo stands without it
        fed = f"; feed skipped ({exc})"
    stdout.write(
        f"organisations demo: {len(orgs)} organisations, monitoring 2024 closed and "
        f"{CURRENT_YEAR} in progress{fed}"
    )
