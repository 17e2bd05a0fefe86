"""Publication of a roll-up and the figures it hands to the district indicators."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.survey.models import RollUp, RollUpCell


@transaction.atomic
def rollup_publish(*, rollup: RollUp) -> RollUp:
    """Freeze a roll-up and hand each district's attainment rate to the indicators."""
    if rollup.published:
        raise ValidationError(_("This roll-up is already published."))
    RollUp.objects.filter(pk=rollup.pk).update(published=True, published_at=timezone.now())
    rollup.refresh_from_db()
    return rollup


ATTAINMENT_ITEM = "info_literacy_rate"  # 市民信息素养的达标率(%) in the district framework
SATISFACTION_ITEM = "service_satisfaction"  # 城区终身学习服务满意度调查数据(%)


def indicators_feed(*, rollup: RollUp) -> dict[str, Any]:
    """Send 市民信息素养的达标率 and the satisfaction index per district to the indicators app.

    Each district is fed on its own (in a savepoint), so one refusal (no framework for
    the year, an unknown district) is reported without losing the others. The counts
    and errors of the satisfaction index are under ``"satisfaction"`` (none when the
    roll-up has no needs questionnaire).
    """
    if not rollup.published:
        raise ValidationError(_("Only a published roll-up feeds the district indicators."))
    try:
        from learning_platform.indicators.services import monitoring_value_feed
    except ImportError:
        return {"fed": 0, "errors": ["the indicators app is not installed"]}
    cells = RollUpCell.objects.filter(rollup=rollup, breakdown="").exclude(district_code="")
    source = f"监测中心 survey roll-up #{rollup.pk} ({rollup.name})"
    out = _feed(monitoring_value_feed, rollup, ATTAINMENT_ITEM, source,
                cells.filter(indicator="attainment_rate", domain_code="info"))
    sat = cells.filter(indicator="satisfaction_index", domain_code="needs.satisfaction")
    if sat.exists():
        out["satisfaction"] = _feed(monitoring_value_feed, rollup, SATISFACTION_ITEM, source, sat)
    return out


def _feed(feed, rollup: RollUp, item_code: str, source: str, cells) -> dict[str, Any]:
    fed, errors = 0, []
    for cell in cells:
        try:
            with transaction.atomic():
                feed(
                    district_code=cell.district_code, year=rollup.year, item_code=item_code,
                    value=None if cell.suppressed else round(cell.estimate, 2),
                    se=None if cell.suppressed else cell.se, n=cell.n,
                    suppressed=cell.suppressed, source=source,
                )
            fed += 1
        except ValidationError as exc:
            errors.append(f"{cell.district_code}: {'; '.join(exc.messages)}")
    return {"fed": fed, "errors": errors}
