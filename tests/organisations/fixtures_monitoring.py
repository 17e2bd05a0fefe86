"""Plain builders for the monitoring tests: indicator sets, organisations, a register.

They stand in for the indicator-set data file (loaded elsewhere), with one item of each
way of evidencing and the 10 yuan per resident rule.
"""

from __future__ import annotations

from decimal import Decimal

from learning_platform.organisations.models import (
    EvidenceKind,
    IndicatorSet,
    Organisation,
    OrganisationKind,
    SetIndicator,
    SetItem,
)


def indicator_set(
    kind: str = OrganisationKind.COMMUNITY, version: int = 2023
) -> IndicatorSet:
    """A small set: a document item, a number item, a rated item and a questionnaire item."""
    iset = IndicatorSet.objects.create(
        kind=kind,
        version=version,
        title_zh=f"测试指标（{kind} {version}）",
        content_sha256="0" * 64,
    )
    first = SetIndicator.objects.create(
        indicator_set=iset, code="1", name_zh="组织领导", sort=1
    )
    second = SetIndicator.objects.create(
        indicator_set=iset, code="2", name_zh="保障条件", sort=2
    )
    SetItem.objects.create(
        indicator=first,
        code="1.1",
        text_zh="成立学习型组织创建领导小组，有规划。",
        evidence=EvidenceKind.DOCUMENT,
        sort=1,
    )
    SetItem.objects.create(
        indicator=first,
        code="1.2",
        text_zh="创建工作有特色、有成效。",
        evidence=EvidenceKind.RATING,
        sort=2,
    )
    if kind == OrganisationKind.COMMUNITY:
        SetItem.objects.create(
            indicator=second,
            code="2.1",
            text_zh="社区教育日常运作经费按常住人口每人每年不少于10元，并逐年增长。",
            evidence=EvidenceKind.NUMBER,
            measure="funding_per_resident",
            unit_zh="元/人·年",
            threshold=Decimal("10"),
            comparison="gte",
            sort=3,
        )
    else:
        SetItem.objects.create(
            indicator=second,
            code="2.1",
            text_zh="家庭成员每天学习时间不少于1小时。",
            evidence=EvidenceKind.NUMBER,
            measure="daily_learning_hours",
            unit_zh="小时/天",
            threshold=Decimal("1"),
            comparison="gte",
            sort=3,
        )
    SetItem.objects.create(
        indicator=second,
        code="2.2",
        text_zh="居民对社区学习的知晓度、参与度、满意度高。",
        evidence=EvidenceKind.QUESTIONNAIRE,
        instrument_slug="residents-survey",
        sort=4,
    )
    return iset


def organisation(
    district,
    kind: str = OrganisationKind.COMMUNITY,
    name: str = "",
    residents: int | None = 12000,
    users=(),
) -> Organisation:
    """One organisation of the register, maintained by ``users``."""
    count = Organisation.objects.count() + 1
    org = Organisation.objects.create(
        kind=kind,
        district=district,
        name=name or f"测试组织{count}",
        slug=f"org-{count}",
        residents=residents if kind == OrganisationKind.COMMUNITY else None,
    )
    if users:
        org.users.set(users)
    return org


def register(districts, per_stratum: dict[tuple[str, str], int]) -> list[Organisation]:
    """Organisations by (district code, kind) → count."""
    by_code = {d.code: d for d in districts}
    out = []
    for (code, kind), n in per_stratum.items():
        for _ in range(n):
            out.append(organisation(by_code[code], kind))
    return out
