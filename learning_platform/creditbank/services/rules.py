"""Writes of conversion rules, each change kept as a version."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from learning_platform.accounts.models import User
from learning_platform.creditbank.models import (
    ConversionRule,
    ConversionRuleVersion,
    RulePeriod,
)

# --- conversion rules ----------------------------------------------------------

RULE_FIELDS = (
    "name",
    "name_en",
    "outcome_kind",
    "domain_code",
    "level_codes",
    "credits",
    "points",
    "cap_period",
    "cap_credits",
    "cap_points",
    "valid_months",
    "valid_from",
    "valid_to",
    "active",
)


def _rule_snapshot(rule: ConversionRule) -> dict[str, Any]:
    data: dict[str, Any] = {"code": rule.code}
    for field in RULE_FIELDS:
        value = getattr(rule, field)
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, date):
            value = value.isoformat()
        data[field] = value
    return data


@transaction.atomic
def conversion_rule_save(
    *, code: str, data: dict[str, Any], changed_by: User | None, comment: str = ""
) -> ConversionRule:
    """Create or change a conversion rule, keeping the new state as its next version.

    Outcomes already credited keep their entries; the new version applies from now on.
    """
    unknown = sorted(set(data) - set(RULE_FIELDS))
    if unknown:
        raise ValidationError({f: _("Unknown rule field.") for f in unknown})
    rule = ConversionRule.objects.select_for_update().filter(code=code).first()
    if rule is None:
        rule = ConversionRule(code=code)
    for field, value in data.items():
        setattr(rule, field, value)
    if not isinstance(rule.level_codes, list) or not all(
        isinstance(c, str) and c for c in rule.level_codes
    ):
        raise ValidationError(
            {"level_codes": _("Levels must be a list of level codes.")}
        )
    if rule.valid_from and rule.valid_to and rule.valid_from > rule.valid_to:
        raise ValidationError({"valid_to": _("The rule ends before it begins.")})
    if rule.cap_period == RulePeriod.NONE and (
        rule.cap_credits is not None or rule.cap_points is not None
    ):
        raise ValidationError(
            {"cap_period": _("A cap needs a period (month or year).")}
        )
    if (
        rule.cap_period != RulePeriod.NONE
        and rule.cap_credits is None
        and rule.cap_points is None
    ):
        raise ValidationError(
            {"cap_credits": _("A cap period needs a credit or point cap.")}
        )
    rule.full_clean(exclude=["version"])
    if (
        rule.pk is not None
        and _rule_snapshot(rule)
        == ConversionRuleVersion.objects.filter(rule=rule)
        .order_by("-version")
        .values_list("data", flat=True)
        .first()
    ):
        return rule
    rule.version = (rule.version or 0) + 1
    rule.save()
    ConversionRuleVersion.objects.create(
        rule=rule,
        version=rule.version,
        data=_rule_snapshot(rule),
        changed_by=changed_by,
        comment=comment[:300],
    )
    return rule
