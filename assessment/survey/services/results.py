"""What the survey jobs produce, stored: weight sets, calibrations, score sets, roll-ups.

The jobs (``assessment.survey.jobs``) compute; these services are the only writers of
their result rows, so every row a job leaves is made in one place with its checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction

from assessment.models import Campaign
from assessment.survey.models import (
    Calibration,
    Job,
    RollUp,
    RollUpCell,
    ScoreSet,
    WeightSet,
    pack_arrays,
)


def weight_set_store(
    *, campaign: Campaign, report: Mapping[str, Any], arrays: Mapping[str, np.ndarray]
) -> WeightSet:
    """Store final and replicate weights (``pseudo_id``, ``final``, ``replicates`` ...)."""
    missing = [k for k in ("pseudo_id", "final", "replicates") if k not in arrays]
    if missing:
        raise ValidationError(f"weight arrays missing: {', '.join(missing)}")
    n = len(arrays["pseudo_id"])
    if arrays["replicates"].ndim != 2 or arrays["replicates"].shape[0] != n:
        raise ValidationError(
            f"replicates have shape {arrays['replicates'].shape}; expected ({n}, R)"
        )
    return WeightSet.objects.create(
        campaign=campaign,
        n_replicates=arrays["replicates"].shape[1],
        report=dict(report),
        arrays=pack_arrays(**arrays),
    )


def calibration_store(
    *,
    campaign: Campaign,
    job: Job | None,
    domains: Mapping[str, Any],
    report: Mapping[str, Any],
) -> Calibration:
    """Store a calibration's item parameters per domain and its report."""
    return Calibration.objects.create(
        campaign=campaign, job=job, domains=dict(domains), report=dict(report)
    )


def calibration_parameter_set_link(
    *, calibration: Calibration, parameter_set_id: int
) -> None:
    """Record the item-bank parameter set a calibration was offered as."""
    Calibration.objects.filter(pk=calibration.pk).update(
        parameter_set_id=parameter_set_id
    )
    calibration.parameter_set_id = parameter_set_id


def score_set_store(
    *,
    campaign: Campaign,
    calibration: Calibration | None,
    n_draws: int,
    report: Mapping[str, Any],
    arrays: Mapping[str, np.ndarray],
) -> ScoreSet:
    """Store plausible values, EAP and posterior SD per respondent and domain."""
    if "pseudo_id" not in arrays:
        raise ValidationError("score arrays missing: pseudo_id")
    return ScoreSet.objects.create(
        campaign=campaign,
        calibration=calibration,
        n_draws=int(n_draws),
        report=dict(report),
        arrays=pack_arrays(**arrays),
    )


@transaction.atomic
def rollup_store(
    *,
    campaign: Campaign,
    name: str,
    year: int,
    score_set: ScoreSet,
    weight_set: WeightSet,
    parameter_set_id: int | None,
    method: Mapping[str, Any],
    provenance: Mapping[str, Any],
    cells: Sequence[Mapping[str, Any]],
) -> RollUp:
    """Store a roll-up (unpublished) with its cells, in one transaction."""
    rollup = RollUp.objects.create(
        name=name,
        campaign=campaign,
        year=year,
        score_set=score_set,
        weight_set=weight_set,
        parameter_set_id=parameter_set_id,
        method=dict(method),
        provenance=dict(provenance),
    )
    RollUpCell.objects.bulk_create(
        [
            RollUpCell(rollup=rollup, **{**c, "category": c["category"] or ""})
            for c in cells
        ],
        batch_size=2000,
    )
    return rollup
