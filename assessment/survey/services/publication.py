"""Publication of a roll-up and the figures it hands to the district indicators."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.survey.models import RollUp, RollUpCell
from assessment.survey.services.review import rollup_require_approved
from learning_platform.indicators.services import platform_value_supply


@transaction.atomic
def rollup_publish(*, rollup: RollUp) -> RollUp:
    """Freeze a roll-up and hand each district's attainment rate to the indicators."""
    if rollup.published:
        raise ValidationError(_("This roll-up is already published."))
    rollup_require_approved(rollup=rollup)
    RollUp.objects.filter(pk=rollup.pk).update(
        published=True, published_at=timezone.now()
    )
    rollup.refresh_from_db()
    return rollup


ATTAINMENT_ITEM = (
    "info_literacy_rate"  # 市民信息素养的达标率(%) in the district framework
)
SATISFACTION_ITEM = "service_satisfaction"  # 城区终身学习服务满意度调查数据(%)


def _source_line(rollup: RollUp, domain_code: str) -> str:
    """The Chinese source line of a supplied figure: survey, roll-up, cut-score version."""
    cut = (rollup.provenance.get("cut_scores") or {}).get(domain_code) or {}
    version = (
        f"，{cut.get('domain', domain_code)}划界分数第{cut['version']}版"
        if cut.get("version")
        else ""
    )
    return (
        f"监测中心：{rollup.campaign.name_zh}，区级汇总#{rollup.pk}（{rollup.name}）"
        f"{version}"
    )


def indicators_feed(*, rollup: RollUp) -> dict[str, Any]:
    """Send 市民信息素养的达标率 and the satisfaction index per district to the indicators app.

    Each district is fed on its own (in a savepoint), so one refusal (no framework for
    the year, an unknown district) is reported without losing the others. The counts
    and errors of the satisfaction index are under ``"satisfaction"`` (none when the
    roll-up has no needs questionnaire).
    """
    if not rollup.published:
        raise ValidationError(
            _("Only a published roll-up feeds the district indicators.")
        )

    cells = RollUpCell.objects.filter(rollup=rollup, breakdown="").exclude(
        district_code=""
    )
    out = _feed(
        platform_value_supply,
        rollup,
        ATTAINMENT_ITEM,
        _source_line(rollup, "info"),
        cells.filter(indicator="attainment_rate", domain_code="info"),
    )
    sat = cells.filter(indicator="satisfaction_index", domain_code="needs.satisfaction")
    if sat.exists():
        out["satisfaction"] = _feed(
            platform_value_supply,
            rollup,
            SATISFACTION_ITEM,
            _source_line(rollup, "needs.satisfaction"),
            sat,
        )
    return out


def _feed(feed, rollup: RollUp, item_code: str, source: str, cells) -> dict[str, Any]:
    fed, errors = 0, []
    for cell in cells:
        try:
            with transaction.atomic():
                feed(
                    district_code=cell.district_code,
                    year=rollup.year,
                    item_code=item_code,
                    value=None if cell.suppressed else round(cell.estimate, 2),
                    se=None if cell.suppressed else cell.se,
                    n=cell.n,
                    ci_low=None if cell.suppressed else cell.ci_low,
                    ci_high=None if cell.suppressed else cell.ci_high,
                    suppressed=cell.suppressed,
                    source=source,
                )
            fed += 1
        except ValidationError as exc:
            errors.append(f"{cell.district_code}: {'; '.join(exc.messages)}")
    return {"fed": fed, "errors": errors}
