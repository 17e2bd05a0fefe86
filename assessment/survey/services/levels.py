"""Cut scores and proficiency levels of the survey's domains."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from assessment.survey.models import CutScoreSet
from psychometrics.survey import ProficiencyLevels

DEFAULT_LEVELS = {"cuts": [-0.5, 0.3, 1.1], "labels": ["L1", "L2", "L3", "L4"],
                  "attained": "L2"}


@transaction.atomic
def cut_scores_set(*, domain_code: str, cuts: Sequence[float], labels: Sequence[str],
                   attained: str, note: str = "", created_by=None) -> CutScoreSet:
    """Add a new version of a domain's cut scores (old versions stay as they were)."""
    try:
        ProficiencyLevels(domain_code, tuple(float(c) for c in cuts), tuple(labels), attained)
    except (ValueError, TypeError) as exc:
        raise ValidationError({"cuts": str(exc)}) from exc
    last = CutScoreSet.objects.filter(domain_code=domain_code).order_by("-version").first()
    return CutScoreSet.objects.create(
        domain_code=domain_code, version=(last.version + 1) if last else 1,
        cuts=[float(c) for c in cuts], labels=list(labels), attained=attained, note=note,
        created_by=created_by,
    )


def levels_for(domains: Sequence[str]) -> tuple[dict[str, ProficiencyLevels], dict[str, Any]]:
    """Latest cut scores per domain: researchers' versions, else the item bank's, else defaults."""
    out, used = {}, {}
    for d in domains:
        row = CutScoreSet.objects.filter(domain_code=d).order_by("-version").first()
        if row is not None:
            out[d] = ProficiencyLevels(d, tuple(row.cuts), tuple(row.labels), row.attained)
            used[d] = {"source": "cut_scores", "version": row.version, "cuts": row.cuts,
                       "labels": row.labels, "attained": row.attained}
            continue
        levels = _itembank_levels(d)
        if levels is not None:
            out[d], used[d] = levels
            continue
        spec = DEFAULT_LEVELS
        out[d] = ProficiencyLevels(d, tuple(spec["cuts"]), tuple(spec["labels"]), spec["attained"])
        used[d] = {"source": "default", **spec}
    return out, used


def _itembank_levels(domain: str):
    try:
        from itembank.selectors import domain_levels
    except ImportError:
        return None
    try:
        levels = sorted(domain_levels(domain), key=lambda lv: lv.order)
    except Exception:  # noqa: BLE001 - an unknown domain has no bank levels
        return None
    if len(levels) < 2:
        return None
    attained = next((lv.code for lv in levels if getattr(lv, "attained", False)), levels[1].code)
    cuts = tuple(float(lv.min_theta) for lv in levels[1:])
    labels = tuple(lv.code for lv in levels)
    try:
        pl = ProficiencyLevels(domain, cuts, labels, attained)
    except ValueError:
        return None
    return pl, {"source": "itembank", "cuts": list(cuts), "labels": list(labels),
                "attained": attained}
