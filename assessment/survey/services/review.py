"""The review gate: parameters must be approved before scoring, roll-up and publication."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from assessment.models import Campaign
from assessment.survey.models import Calibration, JobKind, RollUp, ScoreSet
from itembank.models import ItemParameterSet
from itembank.services import (
    parameter_set_evidence_store,
    parameter_set_require_approved,
    parameter_set_review,
)


def rollup_require_approved(*, rollup: RollUp) -> None:
    """Refuse to publish a roll-up whose parameters have not been approved (names the set)."""
    cal = rollup.score_set.calibration if rollup.score_set_id else None
    calibration_require_approved(calibration=cal, what="Publication")


# What the review gate refuses (translated when the message is built).
_GATED = (gettext_noop("Scoring"), gettext_noop("Roll-up"), gettext_noop("Publication"))


def calibration_require_approved(*, calibration: Calibration | None, what: str) -> None:
    """Refuse ``what`` (scoring, roll-up, publication) on parameters not approved in review."""
    what = _(what)
    if calibration is None:
        raise ValidationError(
            {
                "calibration": _("%(what)s refused: there is no calibration.")
                % {"what": what}
            }
        )
    if calibration.parameter_set_id:
        parameter_set_require_approved(
            parameter_set_id=calibration.parameter_set_id, what=what
        )
        return
    if calibration.approved_at is None:
        raise ValidationError(
            {
                "calibration": _(
                    "%(what)s refused: calibration #%(id)s has not been approved. Review and approve "
                    "it first."
                )
                % {"what": what, "id": calibration.pk}
            }
        )


@transaction.atomic
def calibration_evidence_store(
    *, calibration: Calibration, evidence: Mapping[str, Any] | None
) -> None:
    """Keep a calibration's review evidence; fit values go to the items' parameter rows."""
    if evidence is None:
        evidence = {
            "error": "the respondents do not match the response matrix; no evidence"
        }
    report = {
        **calibration.report,
        "evidence": {k: v for k, v in evidence.items() if k != "items"},
    }
    Calibration.objects.filter(pk=calibration.pk).update(report=report)
    if not calibration.parameter_set_id:
        report["evidence"] = dict(evidence)
        Calibration.objects.filter(pk=calibration.pk).update(report=report)
        return

    pset = ItemParameterSet.objects.get(pk=calibration.parameter_set_id)
    items = evidence.get("items") or {}
    item_fit = {}
    for iid, entry in items.items():
        try:
            item_fit[int(iid)] = {
                **entry["fit"],
                "flags": entry["flags"],
                "dif": entry["dif"],
                "drift": entry["drift"],
            }
        except (TypeError, ValueError):
            continue
    parameter_set_evidence_store(
        parameter_set=pset, evidence=evidence, item_fit=item_fit
    )


def job_review_precheck(
    *, kind: str, campaign: Campaign, params: Mapping[str, Any]
) -> None:
    """Refuse a scoring or roll-up job up front when its parameters are not approved.

    The job itself checks again when it runs (the set it finds then is the one it uses).
    """
    if kind == JobKind.SCORE:
        cal_id = params.get("calibration_id")
        qs = Calibration.objects.filter(campaign=campaign)
        cal = qs.filter(pk=cal_id).first() if cal_id else qs.first()
        if cal is not None:
            calibration_require_approved(calibration=cal, what="Scoring")
    elif kind == JobKind.ROLLUP:
        ss_id = params.get("score_set_id")
        qs = ScoreSet.objects.filter(campaign=campaign).select_related("calibration")
        ss = qs.filter(pk=ss_id).first() if ss_id else qs.first()
        if ss is not None:
            calibration_require_approved(calibration=ss.calibration, what="Roll-up")


@transaction.atomic
def calibration_approve(
    *, calibration: Calibration, approved_by, comment: str = ""
) -> Calibration:
    """Approve a calibration's parameters: through its item-bank parameter set if it has one."""
    if calibration.parameter_set_id:
        pset = ItemParameterSet.objects.get(pk=calibration.parameter_set_id)
        parameter_set_review(
            parameter_set=pset, reviewer=approved_by, approve=True, comment=comment
        )
    elif calibration.approved_at is not None:
        raise ValidationError(
            {
                "calibration": _("Calibration #%(id)s is already approved.")
                % {"id": calibration.pk}
            }
        )
    Calibration.objects.filter(pk=calibration.pk).update(
        approved_at=timezone.now(), approved_by=approved_by
    )
    calibration.refresh_from_db()
    return calibration
