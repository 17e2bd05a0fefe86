"""Campaigns without a sample design are weighted to the districts' population margins."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from assessment.survey import services
from assessment.survey.models import Job, WeightSet, unpack_arrays

pytestmark = pytest.mark.django_db


def _practice_campaign(code: str):
    from assessment.models import Campaign, Instrument

    instrument, _ = Instrument.objects.get_or_create(
        code=code,
        defaults={
            "name_zh": "信息素养练习",
            "kind": "ability",
            "domain_code": "info",
            "mode": "fixed",
            "settings": {},
        },
    )
    return Campaign.objects.create(
        name_zh="开放练习",
        kind="practice",
        instrument=instrument,
        audience="public",
        opens_at=timezone.now() - timedelta(days=30),
        year=2025,
    )


def _store(campaign, district_codes, rng, n=1400):
    """Volunteers: mostly young and from the first districts."""
    bands = list(services.AGE_SHARES)
    p_age = np.array([0.3, 0.25, 0.15, 0.1, 0.1, 0.06, 0.04])
    p_d = np.linspace(2.0, 0.5, len(district_codes))
    sampled = [
        {
            "district_code": str(rng.choice(district_codes, p=p_d / p_d.sum())),
            "age_band": str(rng.choice(bands, p=p_age)),
            "sex": str(rng.choice(["female", "male"])),
            "responded": True,
        }
        for _ in range(n)
    ]
    services.survey_data_store(
        campaign=campaign,
        source="delivery",
        sampled=sampled,
        responses={"info": (rng.random((n, 6)) < 0.6).astype(float)},
        item_ids={"info": [f"i{j}" for j in range(6)]},
        background=np.zeros((n, 1)),
        background_columns=["x"],
    )
    return sampled


def _weights_job(campaign, **params):
    from assessment.survey.jobs import run_job

    job = services.job_create(kind="weights", campaign=campaign, params=params)
    status = run_job(str(job.pk))
    return status, Job.objects.get(pk=job.pk)


def test_open_practice_is_raked_to_the_population_margins(districts):
    campaign = _practice_campaign("practice-a")
    codes = [d.code for d in districts]
    sampled = _store(campaign, codes, np.random.default_rng(1))
    status, job = _weights_job(campaign, n_replicates=16)
    assert status == "finished", job.error
    ws = WeightSet.objects.get(pk=job.result["weight_set_id"])
    arr = unpack_arrays(ws.arrays)
    assert ws.report["method"] == "poststratification"
    assert ws.report["margins"] == ["district", "age_band", "sex"]
    assert arr["replicates"].shape == (len(sampled), 16)
    population = services.population_counts(year=2025)
    rows = {r.pseudo_id: r for r in campaign.survey_respondents.all()}
    people = [rows[p] for p in arr["pseudo_id"]]
    for attr, idx in (("district_code", 0), ("age_band", 1), ("sex", 2)):
        want: dict[str, float] = {}
        for key, c in population.items():
            want[key[idx]] = want.get(key[idx], 0.0) + c
        got: dict[str, float] = {}
        for p, w in zip(people, arr["final"], strict=True):
            got[getattr(p, attr)] = got.get(getattr(p, attr), 0.0) + float(w)
        assert got == pytest.approx(want, rel=1e-5)
        # replicates are raked too
        rep0: dict[str, float] = {}
        for p, w in zip(people, arr["replicates"][:, 0], strict=True):
            rep0[getattr(p, attr)] = rep0.get(getattr(p, attr), 0.0) + float(w)
        assert rep0 == pytest.approx(want, rel=1e-3)


def test_a_district_without_respondents_fails_the_job_naming_it(districts):
    campaign = _practice_campaign("practice-b")
    codes = [d.code for d in districts]
    _store(
        campaign, [c for c in codes if c != "310151"], np.random.default_rng(2), n=800
    )
    status, job = _weights_job(campaign)
    assert status == "failed"
    assert "no respondents in district='310151'" in job.error
    assert not WeightSet.objects.filter(campaign=campaign).exists()
    # two-way margins name the district × age band cell
    status, job = _weights_job(campaign, margins=[["district", "age_band"], "sex"])
    assert status == "failed" and "district×age_band" in job.error
