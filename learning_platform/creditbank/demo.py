"""Demo data of the credit bank: published conversion rules and an institution's outcome."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction

from itembank.selectors import domain_levels
from learning_platform.accounts.models import User
from learning_platform.creditbank.models import LearningOutcome
from learning_platform.creditbank.services import (
    account_open,
    conversion_rule_save,
    outcome_enter,
)
from learning_platform.districts.models import District

# Rules that credit a level at or above the item bank's attainment threshold (达标);
# their level codes are read from the item bank's cut scores when the demo loads.
ATTAINED_RULES = {
    "info-attained": {
        "name": "信息素养测评达到“达标”及以上水平",
        "name_en": "Information literacy test at or above the attained level",
        "outcome_kind": "assessment",
        "domain_code": "info",
        "credits": Decimal("1.00"),
        "points": 20,
        "cap_period": "year",
        "cap_credits": Decimal("2.00"),
        "cap_points": 40,
        "valid_months": 36,
    },
}

DEMO_RULES = {
    "assessment-participation": {
        "name": "完成一次终身学习能力测评",
        "name_en": "Completing a lifelong-learning ability test",
        "outcome_kind": "assessment",
        "credits": Decimal("0"),
        "points": 5,
        "cap_period": "month",
        "cap_points": 10,
        "valid_months": 12,
    },
    "vocational-certificate": {
        "name": "职业技能等级证书",
        "name_en": "Vocational skill certificate",
        "outcome_kind": "vocational_certificate",
        "credits": Decimal("4.00"),
        "points": 50,
    },
    "non-degree-course": {
        "name": "非学历社会培训项目结业",
        "name_en": "Completed non-degree training course",
        "outcome_kind": "course",
        "credits": Decimal("0.50"),
        "points": 10,
        "cap_period": "year",
        "cap_credits": Decimal("4.00"),
        "valid_months": 60,
    },
    "venue-learning": {
        "name": "社会场馆学习项目",
        "name_en": "Museum and venue learning",
        "outcome_kind": "venue_learning",
        "credits": Decimal("0"),
        "points": 5,
        "cap_period": "month",
        "cap_points": 20,
        "valid_months": 24,
    },
    "certificate": {
        "name": "老年教育、社区教育结业证书",
        "name_en": "Senior or community education certificate",
        "outcome_kind": "certificate",
        "credits": Decimal("1.00"),
        "points": 15,
    },
}

DEMO_OUTCOME_REF = "demo:shou:nursery-5-2025-0317"


def attained_level_codes(domain_code: str) -> list[str]:
    """Return the item bank's level codes at or above the domain's attained level."""
    try:
        levels = sorted(domain_levels(domain_code), key=lambda level: level.order)
    except (LookupError, ObjectDoesNotExist):
        return []
    threshold = next(
        (level.order for level in levels if getattr(level, "attained", False)), None
    )
    if threshold is None:
        return []
    return [level.code for level in levels if level.order >= threshold]


@transaction.atomic
def load_demo(*, stdout) -> None:
    admin = User.objects.filter(username="admin").first()
    for code, data in DEMO_RULES.items():
        conversion_rule_save(code=code, data=data, changed_by=admin, comment="演示数据")
    for code, data in ATTAINED_RULES.items():
        levels = attained_level_codes(data["domain_code"])
        if not levels:
            stdout.write(
                f"  rule {code} skipped: the item bank has no attained level "
                f"for {data['domain_code']} yet"
            )
            continue
        conversion_rule_save(
            code=code,
            data={**data, "level_codes": levels},
            changed_by=admin,
            comment="演示数据",
        )
    stdout.write(f"  {len(DEMO_RULES)} conversion rules and the attainment rules")
    citizen = User.objects.filter(username="citizen").first()
    institution = User.objects.filter(username="institution").first()
    if citizen is None or institution is None:
        stdout.write("  no demo citizen or institution user: skipped the demo outcome")
        return
    account = account_open(
        user=citizen, district=District.objects.filter(code="310101").first()
    )
    if not LearningOutcome.objects.filter(source_ref=DEMO_OUTCOME_REF).exists():
        outcome_enter(
            entered_by=institution,
            account_number=account.number,
            kind="vocational_certificate",
            title="育婴员（五级/初级工）职业技能等级证书",
            title_en="Nursery worker, level 5 vocational skill certificate",
            achieved_on="2025-03-17",
            source="上海开放大学",
            source_ref=DEMO_OUTCOME_REF,
            evidence_ref="证书编号 3101250317000123",
            hours="64",
        )
    stdout.write(f"  learning account {account.number} for the demo citizen (黄浦区)")
