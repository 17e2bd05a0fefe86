"""Cut scores and proficiency levels of the survey's domains.

Levels come only from the item bank's versioned cut-score sets
(:class:`itembank.models.CutScoreSet`); these names stay for the survey's API and jobs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from itembank.models import Domain
from itembank.selectors import cut_score_sets_for_rollup
from itembank.services import cut_score_set_create
from psychometrics.survey import ProficiencyLevels


def cut_scores_set(
    *,
    domain_code: str,
    cuts: Sequence[float],
    labels: Sequence[str],
    attained: str,
    note: str = "",
    created_by=None,
):
    """Record a new cut-score version of a domain in the item bank (in review)."""

    domain = Domain.objects.filter(code=domain_code).first()
    if domain is None:
        raise ValidationError(
            {"domain_code": _("Unknown domain “%(code)s”.") % {"code": domain_code}}
        )
    labels, cuts = list(labels), [float(c) for c in cuts]
    if len(labels) != len(cuts) + 1:
        raise ValidationError(
            {
                "cuts": _(
                    "%(n)s level codes for %(m)s cut scores (need one "
                    "more code than cuts)."
                )
                % {"n": len(labels), "m": len(cuts)}
            }
        )
    levels = [
        {
            "code": code,
            "min_theta": None if k == 0 else cuts[k - 1],
            "attained": code == attained,
        }
        for k, code in enumerate(labels)
    ]
    return cut_score_set_create(
        domain=domain,
        levels=levels,
        scale=_("survey reporting scale (theta)"),
        set_by=getattr(created_by, "username", "") or _("monitoring centre"),
        set_on=timezone.localdate(),
        note=note,
        created_by=created_by,
    )


def levels_for(
    domains: Sequence[str],
) -> tuple[dict[str, ProficiencyLevels], dict[str, Any]]:
    """The active cut-score set of each domain (ValidationError naming any domain without)."""

    return cut_score_sets_for_rollup(domains)
