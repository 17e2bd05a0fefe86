"""Feeding the district framework from the learning-organisation register and monitoring.

Seed 001 asks each district for 学习团队、学习型组织的开展情况 (data item
``learning_teams_status``, a text the seed says 市教科院 provides). It is the only item of
the framework about learning organisations, and it is a text: the platform offers the
district a summary (register by kind and tier, the year's sample, approved
self-assessments and the share meeting all first-level indicators where the cell is large
enough) while the district's filing is open and it has typed nothing of its own.
No numeric item of the 2023 framework maps cleanly onto the organisation results.
"""

from __future__ import annotations

from collections import defaultdict

from learning_platform.districts.models import District
from learning_platform.indicators.services import platform_text_suggest
from learning_platform.organisations.models import (
    MonitoringYear,
    Organisation,
    OrganisationKind,
    SampledOrganisation,
    Tier,
)
from learning_platform.organisations.selectors.results import (
    SUPPRESSION_THRESHOLD,
    approved_assessments,
    district_kind_table,
)

FEED_ITEM = "learning_teams_status"
KIND_SHORT = {
    OrganisationKind.AGENCY: "学习型机关（事业单位）",
    OrganisationKind.ENTERPRISE: "学习型企事业单位",
    OrganisationKind.COMMUNITY: "学习型社区",
    OrganisationKind.FAMILY: "学习型家庭",
}
TIER_SHORT = {Tier.SELECTED: "培育", Tier.MODEL: "示范", Tier.EXEMPLAR: "标兵"}


def district_summary_text(*, district: District, year: int) -> str:
    """The Chinese summary a district is offered for ``learning_teams_status``."""
    orgs = Organisation.objects.filter(district=district)
    by_kind: dict[str, int] = defaultdict(int)
    by_tier: dict[str, int] = defaultdict(int)
    for kind, tier in orgs.values_list("kind", "tier"):
        by_kind[kind] += 1
        by_tier[tier] += 1
    kinds = "、".join(
        f"{KIND_SHORT[k]}{by_kind[k]}家" for k in OrganisationKind.values if by_kind[k]
    )
    tiers = "、".join(
        f"{label}{by_tier[t]}家" for t, label in TIER_SHORT.items() if by_tier[t]
    )
    text = f"全区登记学习型组织{orgs.count()}家"
    if kinds:
        text += f"（{kinds}）"
    if tiers:
        text += f"，其中{tiers}"
    text += "。"
    monitoring = MonitoringYear.objects.filter(year=year).first()
    if monitoring is not None:
        sampled = SampledOrganisation.objects.filter(
            monitoring_year=monitoring, organisation__district=district
        ).count()
        approved = (
            approved_assessments()
            .filter(
                sampled__monitoring_year=monitoring,
                sampled__organisation__district=district,
            )
            .count()
        )
        text += f"{year}年度抽样监测抽取{sampled}家，经区审核的自评{approved}家"
        table = district_kind_table(year=year, district_code=district.code, city=False)
        shares = [
            f"{KIND_SHORT[c.kind]}“{c.indicator_name}”达标{c.percent}%（标准误{c.se_percent}%）"
            for c in table.cells
            if not c.suppressed
        ]
        if shares:
            text += "；" + "；".join(shares)
        elif approved:
            text += f"（各类组织样本均不足{SUPPRESSION_THRESHOLD}家，达标率数据不足）"
        text += "。"
    return text


def framework_feed(
    *, year: int, district_codes: list[str] | None = None
) -> dict[str, bool]:
    """Offer each district its summary for ``year``; say per district whether it landed."""

    districts = District.objects.all()
    if district_codes:
        districts = districts.filter(code__in=district_codes)
    out = {}
    for district in districts:
        row = platform_text_suggest(
            district_code=district.code,
            year=year,
            item_code=FEED_ITEM,
            text=district_summary_text(district=district, year=year),
            source=f"学习型组织登记与{year}年度抽样监测",
        )
        out[district.code] = row is not None
    return out
