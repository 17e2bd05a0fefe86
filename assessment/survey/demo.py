"""A simulated five-yearly survey with known truth, run through the whole survey pipeline.

``load_demo`` draws about 12,500 sampled persons (about 10,000 respondents) over the 16
districts with :func:`psychometrics.survey.simulate.simulate_survey` (three literacy
domains in booklets, a background questionnaire, age-dependent non-response), stores them
as the campaign's design, respondents and response matrix, and runs the real jobs —
weights with 80 JK2 replicates, calibration linked to the reporting scale, 10 plausible
values, roll-up — then publishes the roll-up so the CMS has a finished report to show.
It takes about half a minute on two cores. Running it again changes nothing.
"""

from __future__ import annotations

import time
from datetime import timedelta

import numpy as np
from django.utils import timezone

DEMO_YEAR = 2025
DEMO_CODE = "five-yearly-literacy-demo"
DOMAINS = ("info", "science", "health")
AGE_LABELS = ("15-34", "35-59", "60+")
SEX_LABELS = ("female", "male")
N_SAMPLE = 12_500
SEED = 2025


def demo_campaign():
    from assessment.models import Campaign, Instrument

    instrument, _ = Instrument.objects.get_or_create(
        code=DEMO_CODE,
        defaults={
            "name_zh": "市民终身学习素养调查(五年一次,模拟)",
            "name_en": "Five-yearly citizen literacy survey (simulated)",
            "kind": "ability", "domain_code": "info", "mode": "booklet",
            "settings": {"booklets": []},
            "description_zh": "三个素养领域的轮换题本,模拟数据。",
            "description_en": "Rotated booklets over three literacy domains; simulated data.",
        },
    )
    campaign = Campaign.objects.filter(instrument=instrument, year=DEMO_YEAR).first()
    if campaign is None:
        now = timezone.now()
        campaign = Campaign.objects.create(
            name_zh=f"{DEMO_YEAR}年市民终身学习素养调查(模拟)",
            name_en=f"{DEMO_YEAR} citizen lifelong-learning literacy survey (simulated)",
            kind="five_yearly", instrument=instrument, audience="invited",
            opens_at=now - timedelta(days=120), closes_at=now - timedelta(days=30),
            year=DEMO_YEAR,
        )
    return campaign


def simulate_and_store(campaign, *, n_sample: int = N_SAMPLE, seed: int = SEED,
                       district_codes: list[str] | None = None):
    """Simulate the survey, store design, respondents and responses; return the simulation."""
    from assessment.survey.services import (
        EDUCATION_ORDER,
        design_from_allocation,
        survey_data_store,
    )
    from learning_platform.districts.models import District
    from psychometrics.survey.simulate import simulate_survey

    codes = district_codes or list(District.objects.order_by("sort_order", "code")
                                   .values_list("code", flat=True))
    if len(codes) < 2:
        raise ValueError("the survey demo needs the districts loaded (manage.py load_districts)")
    sim = simulate_survey(n_sample, n_districts=len(codes), rng=np.random.default_rng(seed))

    def labels(d, a, s):
        return codes[int(d)], AGE_LABELS[int(a)], SEX_LABELS[int(s)]

    if not hasattr(campaign, "sample_design"):
        design_from_allocation(campaign=campaign, design=sim.design, method="minimum",
                               minimum_per_district=n_sample // (2 * len(codes)),
                               population_year=DEMO_YEAR, labels=labels)
    educ = sim.background[:, 0]
    sampled = [
        {"district_code": codes[int(d)], "age_band": AGE_LABELS[int(a)],
         "sex": SEX_LABELS[int(s)], "responded": bool(r),
         "education": "" if np.isnan(e) else EDUCATION_ORDER[int(e)]}
        for d, a, s, r, e in zip(sim.district, sim.age_band, sim.sex, sim.responded, educ,
                                 strict=True)
    ]
    r = sim.responded
    survey_data_store(
        campaign=campaign, source="simulation", sampled=sampled,
        responses={d: sim.responses[k][r] for k, d in enumerate(DOMAINS)},
        item_ids={d: [f"{d}-{j + 1:02d}" for j in range(sim.responses[k].shape[1])]
                  for k, d in enumerate(DOMAINS)},
        background=sim.background[r],
        background_columns=["education", "employed", "internet_hours", "reading",
                            "noise", "self_rated_skill"],
        categorical=(0, 1),
        extra_arrays={"truth_theta": sim.theta[r], "truth_district_means": sim.district_means},
        meta={"simulation": {"n_sample": n_sample, "seed": seed, "district_codes": codes}},
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


def run_pipeline(campaign, *, reference: dict | None = None, publish: bool = True,
                 stdout=None, name: str | None = None) -> dict:
    """Run weights, calibration, scoring and roll-up jobs in this process, in order."""
    from assessment.survey.jobs import run_job
    from assessment.survey.models import Job
    from assessment.survey.services import job_create

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
        if stdout is not None:
            stdout.write(f"  survey: {kind} finished in {time.perf_counter() - t0:.1f} s")
    return results


def load_demo(*, stdout) -> None:
    from assessment.survey.models import RollUp

    campaign = demo_campaign()
    if RollUp.objects.filter(campaign=campaign, published=True).exists():
        stdout.write("  survey: the simulated five-yearly survey is already rolled up.")
        return
    t0 = time.perf_counter()
    sim = simulate_and_store(campaign)
    stdout.write(f"  survey: simulated and stored {int(sim.responded.size)} sampled persons "
                 f"({int(sim.responded.sum())} respondents)")
    run_pipeline(campaign, reference=reference_parameters(sim), stdout=stdout,
                 name=f"{DEMO_YEAR}年区级素养汇总(模拟)")
    stdout.write(f"  survey: demo roll-up published in {time.perf_counter() - t0:.0f} s")
