"""Fixtures of the survey tests: a five-yearly campaign, simulated surveys and stored roll-ups.

Two simulated surveys:

- :func:`delivered_survey` (fixture ``delivered``) goes through the real delivery path: the
  item bank's demo items, the campaign's sample design and invitations, one finished
  booklet session per respondent with its responses and the needs questionnaire, frozen
  by ``survey_data_from_delivery`` (source "delivery"), then the real jobs. Tests of what
  the jobs make of the simulated survey use it.
- :func:`small_survey` is the older array-only simulation (``demo.simulate_and_store``,
  source "simulation"): a survey without an item bank, written straight into the
  statistics' arrays. It is kept for tests that need a survey but no item bank, or that
  must build their own survey inside a transactional test.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

DELIVERED_RESPONDENTS = 900


def make_campaign(*, year: int = 2025, code: str = "survey-test"):
    from assessment.models import Campaign, Instrument

    instrument, _ = Instrument.objects.get_or_create(
        code=code,
        defaults={
            "name_zh": "市民素养调查",
            "name_en": "Citizen literacy survey",
            "kind": "ability",
            "domain_code": "info",
            "mode": "booklet",
            "settings": {"booklets": [[1, 2], [2, 3]]},
        },
    )
    return Campaign.objects.create(
        name_zh=f"{year}年市民终身学习素养调查",
        name_en=f"{year} survey",
        kind="five_yearly",
        instrument=instrument,
        audience="invited",
        opens_at=timezone.now() - timedelta(days=30),
        closes_at=timezone.now() - timedelta(days=1),
        year=year,
    )


@pytest.fixture
def campaign(db):
    return make_campaign()


def small_survey(
    *,
    n_sample: int = 2400,
    year: int = 2025,
    code: str = "survey-small",
    run: tuple[str, ...] = (),
):
    """An array-only simulated survey of ``n_sample`` persons for a new campaign; optionally run jobs.

    No item bank and no sessions: the simulation is written straight into the survey
    data (source "simulation"), with item ids that are not the bank's. Use it only where
    a test needs no item bank, e.g. to check what ``survey_data_store`` refuses, or must
    build its survey inside a transactional test (``test_consumers``); tests of what the
    jobs make of a simulated survey use :func:`delivered_survey`.
    """
    from assessment.survey import demo

    campaign = make_campaign(year=year, code=code)
    sim = demo.simulate_and_store(campaign, n_sample=n_sample, seed=11)
    results = {}
    if run:
        from assessment.survey.jobs import run_job
        from assessment.survey.models import Job
        from assessment.survey.services import job_create

        for kind in run:
            params = (
                {"reference_parameters": demo.reference_parameters(sim)}
                if kind == "calibrate"
                else {}
            )
            if kind == "rollup":
                params = {"publish": True}
            job = job_create(kind=kind, campaign=campaign, params=params)
            assert run_job(str(job.pk)) == "finished", Job.objects.get(pk=job.pk).error
            results[kind] = Job.objects.get(pk=job.pk).result
            if kind == "calibrate":
                from assessment.survey.models import Calibration
                from assessment.survey.services import calibration_approve

                calibration_approve(
                    calibration=Calibration.objects.get(
                        pk=results[kind]["calibration_id"]
                    ),
                    approved_by=None,
                )
    return campaign, sim, results


def delivered_survey(
    *, n_respondents: int = DELIVERED_RESPONDENTS, seed: int = 11, run_jobs: bool = True
):
    """A survey delivered through sessions and frozen; optionally run through the jobs.

    Loads the districts, the item bank's demo and the indicator framework (so the
    published roll-up feeds the district indicators), simulates ``n_respondents``
    respondents through ``demo.simulate_delivered`` and runs weights, calibration (linked
    to the generating parameters), scoring and a published roll-up with
    ``demo.run_pipeline``. Returns ``(campaign, sim, results)``: ``sim`` is the
    simulation's result (``n_respondents``, ``n_sampled``, ...), ``results`` each job's.
    """
    import io

    from django.core.management import call_command

    from assessment import items as bank
    from assessment.survey import demo
    from itembank.demo import load_demo

    call_command("load_districts", verbosity=0)
    call_command("load_indicator_framework", stdout=io.StringIO())
    bank.pool_cache_clear()
    load_demo()
    campaign = demo.delivered_campaign()
    sim = demo.simulate_delivered(campaign, n_respondents=n_respondents, seed=seed)
    results = (
        demo.run_pipeline(campaign, reference=sim.reference_parameters())
        if run_jobs
        else {}
    )
    return campaign, sim, results


@pytest.fixture(scope="module")
def delivered(django_db_setup, django_db_blocker):
    """A delivered survey (:func:`delivered_survey`) run through the jobs, built once per module.

    Building it takes most of a minute (mostly the item bank's demo), so the tests on it
    live in one module (``test_api_exports``). Everything is written in one transaction
    that is rolled back after the module's last test; each test runs in a savepoint of it
    (``django_db``), so what a test changes is undone after it. Not for transactional
    tests: their jobs run in other threads, which cannot see uncommitted rows, and a
    package-wide transaction would still be open when pytest-django runs them.
    """
    from django.db import transaction

    from assessment import items as bank

    with django_db_blocker.unblock(), transaction.atomic():
        try:
            yield delivered_survey()
        finally:
            transaction.set_rollback(True)
            bank.pool_cache_clear()


@pytest.fixture(autouse=True)
def english():
    """Messages in English so tests can match them (Chinese is checked separately)."""
    from django.utils import translation

    with translation.override("en"):
        yield
