"""The simulated five-yearly survey through the real jobs: truth inside the intervals."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from assessment.survey import demo, selectors
from assessment.survey.models import Job, RollUp, RollUpCell, WeightSet, unpack_arrays
from psychometrics.survey.simulate import population_truth

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_run(districts):
    campaign = demo.demo_campaign()
    sim = demo.simulate_and_store(campaign)
    results = demo.run_pipeline(campaign, reference=demo.reference_parameters(sim))
    return campaign, sim, results


def test_demo_pipeline_covers_true_district_rates_and_is_frozen(demo_run):
    campaign, sim, results = demo_run
    rollup = RollUp.objects.get(pk=results["rollup"]["rollup_id"])
    assert rollup.published
    # weights add up to the population margins after raking
    ws = WeightSet.objects.get(pk=results["weights"]["weight_set_id"])
    w = unpack_arrays(ws.arrays)
    pop = sum(s.population for s in campaign.sample_design.strata.all())
    assert w["final"].sum() == pytest.approx(pop, rel=1e-6)
    assert w["replicates"].shape == (int(sim.responded.sum()), 80)
    assert ws.report["raking"]["converged"]
    # truth inside the 95% intervals (attainment rate) in at least 14 of 16 districts
    view = selectors.rollup_get(rollup.pk)
    cut = rollup.provenance["cut_scores"]["info"]
    attained_cut = cut["cuts"][cut["labels"].index(cut["attained"]) - 1]
    _, share = population_truth(sim, attained_cut, rng=np.random.default_rng(5))
    codes = sim_codes = campaign.survey_data.meta["simulation"]["district_codes"]
    inside, errors = 0, []
    for k, code in enumerate(codes):
        cell = next(c for c in view.cells if c.district_code == code and c.domain_code == "info"
                    and c.indicator == "attainment_rate")
        truth = 100 * share[k, 0]
        inside += cell.ci_low <= truth <= cell.ci_high
        errors.append(cell.estimate - truth)
    assert inside >= 14, (inside, errors)
    assert len(sim_codes) == 16
    # provenance recorded and frozen
    prov = rollup.provenance
    assert prov["score_set_id"] and prov["weight_set_id"] and prov["code_version"]
    assert rollup.method["replicates"]["n"] == 80 and rollup.method["plausible_values"]["n"] == 10
    with pytest.raises(ValidationError):
        RollUpCell.objects.filter(rollup=rollup).first().save()
    # demo is safe to run twice
    out = io.StringIO()
    demo.load_demo(stdout=out)
    assert "already" in out.getvalue()
    assert Job.objects.filter(status="finished").count() == 4
