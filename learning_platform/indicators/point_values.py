"""Figures the platform supplies for monitoring points (seed 001), e.g. 3.2.2 and 6.2.2.

The district framework's data items cover only part of what its monitoring points ask
for: 3.2.2 asks for residents' awareness of, participation in, satisfaction with and
sense of gain from the district's learning services, 6.2.2 for regular surveys of
citizens' learning. The citizen strand questionnaires measure these; a higher layer
(``assessment.strands``) computes the weighted district figures and hands them here.
They are stored beside the district's filing and shown read-only, with their source and
95 % interval, as the platform-supplied data items are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from learning_platform.districts.models import District
from learning_platform.indicators.models import Indicator, PointValue, Submission
from learning_platform.indicators.services import submission_ensure


def _finite(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    if not math.isfinite(value):
        label = {
            "value": _("The value"),
            "se": _("The standard error"),
            "ci_low": _("The lower limit of the interval"),
            "ci_high": _("The upper limit of the interval"),
        }[name]
        raise ValidationError(
            {
                name: _("%(label)s of a supplied figure is not a finite number.")
                % {"label": label}
            }
        )
    return value


@transaction.atomic
def point_value_supply(
    *,
    district_code: str,
    year: int,
    indicator_code: str,
    point: int | None,
    measure: str,
    label_zh: str,
    label_en: str = "",
    unit: str = "",
    value: float | None,
    se: float | None = None,
    ci_low: float | None = None,
    ci_high: float | None = None,
    n: int | None = None,
    suppressed: bool = False,
    source: str,
    sort: int = 0,
) -> PointValue:
    """Store a supplied figure of a monitoring point in the district's filing for ``year``.

    Supplying the same measure again updates it in place. A withheld figure (too few
    respondents) keeps its n and source but no value or interval.
    """
    district = District.objects.filter(code=district_code).first()
    if district is None:
        raise ValidationError(
            {"district_code": _("Unknown district %(code)s.") % {"code": district_code}}
        )
    submission = submission_ensure(district=district, year=year)
    indicator = Indicator.objects.filter(
        version=submission.version, code=indicator_code
    ).first()
    if indicator is None:
        raise ValidationError(
            {
                "indicator_code": _(
                    "Indicator %(code)s is not in the framework of %(year)s."
                )
                % {"code": indicator_code, "year": submission.version.year}
            }
        )
    if point is not None and not 0 <= point < len(indicator.monitoring_points or []):
        raise ValidationError(
            {
                "point": _("Indicator %(code)s has no monitoring point %(point)s.")
                % {"code": indicator_code, "point": point + 1}
            }
        )
    if not source:
        raise ValidationError({"source": _("A supplied figure needs its source.")})
    value, se = _finite("value", value), _finite("se", se)
    ci_low, ci_high = _finite("ci_low", ci_low), _finite("ci_high", ci_high)
    if suppressed:
        value = se = ci_low = ci_high = None
    row, _c = PointValue.objects.update_or_create(
        submission=submission,
        indicator=indicator,
        measure=measure,
        defaults={
            "point": point,
            "label_zh": label_zh[:200],
            "label_en": label_en[:200],
            "unit": unit[:30],
            "value": value,
            "se": se,
            "ci_low": ci_low,
            "ci_high": ci_high,
            "n": n,
            "suppressed": suppressed,
            "source": source[:300],
            "sort": sort,
        },
    )
    return row


@dataclass(frozen=True)
class PointGroup:
    """The supplied figures of one monitoring point, for the filing page."""

    indicator: Indicator
    point: int | None
    point_text: str
    values: list[PointValue]


def point_groups(submission: Submission) -> list[PointGroup]:
    """Return the submission's supplied monitoring-point figures, by indicator and point."""
    groups: dict[tuple[int, int | None], PointGroup] = {}
    for row in submission.point_values.select_related("indicator").order_by(
        "indicator__sort", "point", "sort", "measure"
    ):
        key = (row.indicator_id, row.point)
        if key not in groups:
            points = row.indicator.monitoring_points or []
            text = (
                points[row.point]
                if row.point is not None and row.point < len(points)
                else ""
            )
            groups[key] = PointGroup(row.indicator, row.point, text, [])
        groups[key].values.append(row)
    return list(groups.values())


def point_interval(row: PointValue) -> tuple[str, str] | None:
    """The 95 % interval (low, high) of a supplied figure, one decimal, or None."""
    if row.suppressed or row.value is None or row.ci_low is None or row.ci_high is None:
        return None
    low = max(0.0, row.ci_low)
    high = min(100.0, row.ci_high) if row.unit == "%" else row.ci_high
    return f"{low:.1f}", f"{high:.1f}"


def point_context(submission: Submission) -> list[dict]:
    """The supplied monitoring-point figures as the filing's partial template reads them."""
    out = []
    for group in point_groups(submission):
        out.append(
            {
                "indicator": group.indicator,
                "point": None if group.point is None else group.point + 1,
                "point_text": group.point_text,
                "values": [
                    {
                        "row": v,
                        "label": v.display_label,
                        "value": None if v.value is None else f"{v.value:.1f}",
                        "interval": point_interval(v),
                    }
                    for v in group.values
                ],
            }
        )
    return out
