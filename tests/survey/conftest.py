"""Fixtures of the survey tests: a five-yearly campaign and stored roll-ups."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone


def make_campaign(*, year: int = 2025, code: str = "survey-test"):
    from assessment.models import Campaign, Instrument

    instrument, _ = Instrument.objects.get_or_create(
        code=code,
        defaults={"name_zh": "市民素养调查", "name_en": "Citizen literacy survey",
                  "kind": "ability", "domain_code": "info", "mode": "booklet",
                  "settings": {"booklets": [[1, 2], [2, 3]]}},
    )
    return Campaign.objects.create(
        name_zh=f"{year}年市民终身学习素养调查", name_en=f"{year} survey", kind="five_yearly",
        instrument=instrument, audience="invited", opens_at=timezone.now() - timedelta(days=30),
        closes_at=timezone.now() - timedelta(days=1), year=year,
    )


@pytest.fixture
def campaign(db):
    return make_campaign()


def small_survey(*, n_sample: int = 2400, year: int = 2025, code: str = "survey-small",
                 run: tuple[str, ...] = ()):
    """A simulated survey of ``n_sample`` persons stored for a new campaign; optionally run jobs."""
    from assessment.survey import demo

    campaign = make_campaign(year=year, code=code)
    sim = demo.simulate_and_store(campaign, n_sample=n_sample, seed=11)
    results = {}
    if run:
        from assessment.survey.jobs import run_job
        from assessment.survey.models import Job
        from assessment.survey.services import job_create

        for kind in run:
            params = {"reference_parameters": demo.reference_parameters(sim)} if kind == "calibrate" else {}
            if kind == "rollup":
                params = {"publish": True}
            job = job_create(kind=kind, campaign=campaign, params=params)
            assert run_job(str(job.pk)) == "finished", Job.objects.get(pk=job.pk).error
            results[kind] = Job.objects.get(pk=job.pk).result
    return campaign, sim, results


@pytest.fixture(autouse=True)
def english():
    """Messages in English so tests can match them (Chinese is checked separately)."""
    from django.utils import translation

    with translation.override("en"):
        yield
