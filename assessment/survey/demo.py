"""A simulated five-yearly survey with known truth, delivered and run through the whole pipeline.

``load_demo`` simulates the survey through the real delivery models
(:mod:`assessment.survey.simulation`): the campaign's sample design over the 16 districts
and its invitation codes, then for every respondent a finished booklet session over three
literacy domains (information, science, health) with the needs questionnaire, its
responses, background answers and redeemed invitation. It freezes the sessions with
``survey_data_from_delivery`` (source "delivery") and runs the real jobs — weights with
80 JK2 replicates, calibration linked to the item bank's scale, 10 plausible values,
roll-up — then publishes the roll-up so the CMS has a finished report to show. Running it
again changes nothing.

Two waves of the five-yearly survey are delivered, 2020 first, then 2025 (``WAVES``), so
the dashboard and the reports show a trend and a change between waves. Both waves are the
same population model (drawn from ``SEED``); in 2020 every district's true mean ability is
lower by its own improvement to 2025 (:func:`wave_improvements`, 0.03 to 0.15 logits, a
few points of attainment rate), passed to the simulation as ``truth_shift``. Both waves use
``SEED`` and ``DEMO_RESPONDENTS``, so their samples are drawn alike (common random
numbers): the change between the two published roll-ups shows the simulated improvement
instead of two independent samples' noise (a district's change would have an SE of
about 5.7 points at 2,000 respondents a wave). A real pair of waves is two independent
samples; the dashboard's SE of a change assumes so, and is therefore conservative here.
Each published roll-up feeds its year's district filings (``indicators_feed``): the
2020 and 2025 attainment rates and satisfaction indices in the filings are the published
figures.

``DEMO_RESPONDENTS`` (2,000 a wave, 4,000 in all; one wave of 3,000 before the second
wave was added) keeps ``demo_setup`` short on SQLite: calibration takes most of a wave's
time and grows with the respondents. The management command ``simulate_survey
--respondents 10000`` simulates the full-size survey.

``simulate_and_store`` is the older array-only simulation (source "simulation"), kept for
the job tests that need a survey without an item bank.
"""

from __future__ import annotations

import time
from datetime import timedelta

import numpy as np
from django.utils import timezone

from assessment import items as bank
from assessment.models import Campaign
from assessment.services import campaign_create
from assessment.survey.jobs import run_job
from assessment.survey.models import Calibration, Job, RollUp, SurveyData
from assessment.survey.services import (
    EDUCATION_ORDER,
    calibration_approve,
    design_from_allocation,
    job_create,
    survey_data_store,
)
from assessment.survey.simulation import (
    booklet_plan,
    instrument_ensure,
    survey_simulate,
)
from learning_platform.districts.models import District
from psychometrics.survey.simulate import simulate_survey

DEMO_YEAR = 2025
DEMO_CODE = "five-yearly-literacy-demo"
DOMAINS = ("info", "science", "health")
AGE_LABELS = ("15-34", "35-59", "60+")
SEX_LABELS = ("female", "male")
N_SAMPLE = 12_500
SEED = 2025
DEMO_RESPONDENTS = 2_000  # a wave
EARLIER_YEAR = 2020  # the previous five-yearly wave
WAVES = (
    EARLIER_YEAR,
    DEMO_YEAR,
)  # delivered in this order, so 2025's calibration is the latest
IMPROVEMENT = (0.03, 0.15)  # range of the districts' true gain in mean θ, 2020 to 2025


def delivered_campaign(
    *,
    year: int = DEMO_YEAR,
    code: str = DEMO_CODE,
    name_zh: str | None = None,
    name_en: str | None = None,
    opens_at=None,
    closes_at=None,
):
    """The survey campaign of ``year`` on the booklet instrument ``code`` (created once).

    It ran from 120 to 30 days ago unless ``opens_at`` and ``closes_at`` say when.
    """

    instrument = instrument_ensure(code=code)
    campaign = Campaign.objects.filter(instrument=instrument, year=year).first()
    if campaign is None:
        now = timezone.now()
        campaign = campaign_create(
            instrument=instrument,
            kind="five_yearly",
            audience="invited",
            year=year,
            name_zh=name_zh or f"{year}年市民终身学习素养调查(模拟)",
            name_en=name_en
            or f"{year} citizen lifelong-learning literacy survey (simulated)",
            opens_at=opens_at or now - timedelta(days=120),
            closes_at=closes_at or now - timedelta(days=30),
        )
    return campaign


def simulate_delivered(
    campaign,
    *,
    n_respondents: int = DEMO_RESPONDENTS,
    seed: int = SEED,
    truth_shift=None,
    stdout=None,
):
    """Deliver a simulated survey to ``campaign`` and freeze it (see the simulation module)."""

    return survey_simulate(
        campaign=campaign,
        n_respondents=n_respondents,
        seed=seed,
        truth_shift=truth_shift,
        stdout=stdout,
    )


def wave_improvements(district_codes: list[str]) -> dict[str, float]:
    """Each district's true gain in mean ability (θ) from the 2020 wave to the 2025 one.

    A seeded draw from ``IMPROVEMENT``: every district improves, some more than others.
    At the demo's attainment cut a gain of 0.1 logit is about four points of rate.
    """
    rng = np.random.default_rng(EARLIER_YEAR)
    gains = rng.uniform(*IMPROVEMENT, len(district_codes))
    return {
        code: round(float(g), 3) for code, g in zip(district_codes, gains, strict=True)
    }


def _wave_shift(year: int) -> dict[str, float] | None:
    """The truth shift of wave ``year`` relative to the 2025 population (None for 2025)."""
    if year == DEMO_YEAR:
        return None

    codes = list(
        District.objects.order_by("sort_order", "code").values_list("code", flat=True)
    )
    return {code: -gain for code, gain in wave_improvements(codes).items()}


def _wave_campaign(year: int):
    if year == DEMO_YEAR:
        return delivered_campaign()
    from datetime import datetime
    from zoneinfo import ZoneInfo

    shanghai = ZoneInfo("Asia/Shanghai")
    return delivered_campaign(
        year=year,
        opens_at=datetime(year, 9, 1, 9, tzinfo=shanghai),
        closes_at=datetime(year, 11, 30, 18, tzinfo=shanghai),
    )


def simulate_and_store(
    campaign,
    *,
    n_sample: int = N_SAMPLE,
    seed: int = SEED,
    district_codes: list[str] | None = None,
):
    """Simulate the survey, store design, respondents and responses; return the simulation."""

    codes = district_codes or list(
        District.objects.order_by("sort_order", "code").values_list("code", flat=True)
    )
    if len(codes) < 2:
        raise ValueError(
            "the survey demo needs the districts loaded (manage.py load_districts)"
        )
    sim = simulate_survey(
        n_sample, n_districts=len(codes), rng=np.random.default_rng(seed)
    )

    def labels(d, a, s):
        return codes[int(d)], AGE_LABELS[int(a)], SEX_LABELS[int(s)]

    if not hasattr(campaign, "sample_design"):
        design_from_allocation(
            campaign=campaign,
            design=sim.design,
            method="minimum",
            minimum_per_district=n_sample // (2 * len(codes)),
            population_year=DEMO_YEAR,
            labels=labels,
        )
    educ = sim.background[:, 0]
    sampled = [
        {
            "district_code": codes[int(d)],
            "age_band": AGE_LABELS[int(a)],
            "sex": SEX_LABELS[int(s)],
            "responded": bool(r),
            "education": "" if np.isnan(e) else EDUCATION_ORDER[int(e)],
        }
        for d, a, s, r, e in zip(
            sim.district, sim.age_band, sim.sex, sim.responded, educ, strict=True
        )
    ]
    r = sim.responded
    survey_data_store(
        campaign=campaign,
        source="simulation",
        sampled=sampled,
        responses={d: sim.responses[k][r] for k, d in enumerate(DOMAINS)},
        item_ids={
            d: [f"{d}-{j + 1:02d}" for j in range(sim.responses[k].shape[1])]
            for k, d in enumerate(DOMAINS)
        },
        background=sim.background[r],
        background_columns=[
            "education",
            "employed",
            "internet_hours",
            "reading",
            "noise",
            "self_rated_skill",
        ],
        categorical=(0, 1),
        extra_arrays={
            "truth_theta": sim.theta[r],
            "truth_district_means": sim.district_means,
        },
        meta={
            "simulation": {"n_sample": n_sample, "seed": seed, "district_codes": codes}
        },
    )
    return sim


def reference_parameters(sim) -> dict:
    """The generating item parameters, standing in for the bank's reporting scale."""
    from dataclasses import replace

    out = {}
    for k, d in enumerate(DOMAINS):
        p = sim.params[k]
        ids = tuple(f"{d}-{j + 1:02d}" for j in range(p.n_items))
        out[d] = replace(p, item_ids=ids).to_dict()
    return out


def run_pipeline(
    campaign,
    *,
    reference: dict | None = None,
    publish: bool = True,
    stdout=None,
    name: str | None = None,
) -> dict:
    """Run weights, calibration, scoring and roll-up jobs in this process, in order."""

    steps = [
        ("weights", {}),
        ("calibrate", {"reference_parameters": reference} if reference else {}),
        ("score", {}),
        ("rollup", {"publish": publish, **({"name": name} if name else {})}),
    ]
    results = {}
    for kind, params in steps:
        t0 = time.perf_counter()
        job = job_create(kind=kind, campaign=campaign, params=params)
        status = run_job(str(job.pk))
        job = Job.objects.get(pk=job.pk)
        if status != "finished":
            raise RuntimeError(f"survey demo: {kind} job {status}: {job.error}")
        results[kind] = job.result
        if (
            kind == "calibrate"
        ):  # the demo's reviewer approves the calibration as offered
            calibration_approve(
                calibration=Calibration.objects.get(pk=job.result["calibration_id"]),
                approved_by=_demo_reviewer(),
                comment="演示：按校准结果批准 demo approval",
            )
        if stdout is not None:
            stdout.write(
                f"  survey: {kind} finished in {time.perf_counter() - t0:.1f} s"
            )
    return results


def _demo_reviewer():
    """The researcher who approves the demo's calibration (created if missing)."""
    from django.contrib.auth import get_user_model

    user, _c = get_user_model().objects.get_or_create(
        username="demo-reviewer", defaults={"first_name": "演示审核人"}
    )
    return user


def load_demo(*, stdout, n_respondents: int = DEMO_RESPONDENTS) -> None:
    """Deliver and roll up every wave of ``WAVES`` that is not rolled up yet."""
    if not _bank_ready():
        stdout.write(
            "  survey: the item bank has no published calibrated items: skipped "
            "(load the item bank's demo first)."
        )
        return
    for year in WAVES:
        load_wave(year=year, stdout=stdout, n_respondents=n_respondents)


def load_wave(*, year: int, stdout, n_respondents: int = DEMO_RESPONDENTS) -> None:
    """Deliver the simulated wave of ``year``, run its jobs and publish its roll-up (once)."""

    campaign = _wave_campaign(year)
    if RollUp.objects.filter(campaign=campaign, published=True).exists():
        stdout.write(f"  survey: the simulated {year} wave is already rolled up.")
        return
    t0 = time.perf_counter()
    data = SurveyData.objects.filter(campaign=campaign, source="delivery").first()
    if data is None:
        sim = simulate_delivered(
            campaign,
            n_respondents=n_respondents,
            truth_shift=_wave_shift(year),
            stdout=stdout,
        )
        stdout.write(
            f"  survey: {year} wave delivered {sim.n_respondents} sessions of "
            f"{sim.n_sampled} invited persons ({sim.n_responses} responses) in "
            f"{sim.timings['total']:.0f} s"
        )
        reference = sim.reference_parameters()
    else:  # a run that stopped after freezing: carry on with the jobs
        reference = booklet_plan(
            booklets=campaign.instrument.settings["booklets"]
        ).reference_parameters()
    run_pipeline(
        campaign, reference=reference, stdout=stdout, name=f"{year}年区级素养汇总(模拟)"
    )
    stdout.write(
        f"  survey: {year} roll-up published in {time.perf_counter() - t0:.0f} s"
    )


def _bank_ready() -> bool:
    return (
        bool(bank.deliverable_item_ids(domain_codes=["health"]))
        and bank.active_set_id() is not None
    )
