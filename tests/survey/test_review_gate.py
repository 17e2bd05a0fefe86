"""Reviewed parameters: calibration evidence, and no scoring, roll-up or publication on
parameters nobody approved (the refusal names the set)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from assessment.survey import services
from assessment.survey.jobs import run_job
from assessment.survey.models import Calibration, Job
from tests.survey.conftest import small_survey

pytestmark = pytest.mark.django_db


def test_calibration_stores_evidence_and_scoring_waits_for_approval(districts):
    campaign, _sim, results = small_survey(
        n_sample=1200, code="survey-gate", run=("weights",)
    )
    job = services.job_create(kind="calibrate", campaign=campaign)
    assert run_job(str(job.pk)) == "finished", Job.objects.get(pk=job.pk).error
    cal = Calibration.objects.get(
        pk=Job.objects.get(pk=job.pk).result["calibration_id"]
    )
    evidence = cal.report["evidence"]
    items = evidence["items"]
    assert items and set(evidence["domains"]) == set(cal.domains)
    some = next(iter(items.values()))
    assert some["fit"]["infit"] > 0 and some["fit"]["outfit"] > 0
    assert any(
        v["fit"]["p_value"] is not None for v in items.values()
    )  # S-X² per booklet
    dif = [v["dif"] for v in items.values() if v["dif"]]
    assert dif and {"sex", "age_band", "district_group"} <= set().union(*dif)
    classes = {c for d in dif for g in d.values() for c in g["mh"].values()}
    assert classes <= {"A", "B", "C"} and classes
    assert set(evidence["flagged"]) == {i for i, v in items.items() if v["flags"]}

    # scoring refused up front and when a queued job runs, naming the calibration
    with pytest.raises(
        ValidationError, match=f"calibration #{cal.pk} has not been approved"
    ):
        services.job_create(kind="score", campaign=campaign)
    queued = Job.objects.create(kind="score", campaign=campaign)
    assert run_job(str(queued.pk)) == "failed"
    assert f"calibration #{cal.pk}" in Job.objects.get(pk=queued.pk).error

    services.calibration_approve(calibration=cal, approved_by=None)
    job = services.job_create(kind="score", campaign=campaign)
    assert run_job(str(job.pk)) == "finished", Job.objects.get(pk=job.pk).error
