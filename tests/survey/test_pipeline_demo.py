"""The simulated five-yearly survey, delivered through the real models, through the real jobs.

The survey is simulated as sessions and responses (``assessment.survey.simulation``),
frozen by ``survey_data_from_delivery`` and run through weights, calibration, plausible
values and roll-up; the true district attainment rates must fall inside the published
95% intervals.
"""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from assessment import items as bank
from assessment.models import Response, Result, Session
from assessment.survey import demo, selectors, services, simulation
from assessment.survey.management.commands.simulate_survey import Command
from assessment.survey.models import (
    Job,
    Respondent,
    RollUp,
    RollUpCell,
    SurveyInvitation,
    WeightSet,
    unpack_arrays,
)
from tests.survey.conftest import make_campaign

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

N_RESPONDENTS = 2400


@pytest.fixture
def demo_bank(districts):
    from itembank.demo import load_demo

    bank.pool_cache_clear()
    load_demo()
    yield
    bank.pool_cache_clear()


@pytest.fixture
def delivered(demo_bank):
    campaign = demo.delivered_campaign()
    sim = demo.simulate_delivered(campaign, n_respondents=N_RESPONDENTS, seed=demo.SEED)
    return campaign, sim


def test_simulated_survey_is_stored_as_delivered_sessions(delivered):
    campaign, sim = delivered
    data = services.survey_data_latest(campaign)
    assert data.source == "delivery"
    sessions = Session.objects.filter(campaign=campaign)
    assert sessions.count() == sim.n_respondents
    assert abs(sim.n_respondents - N_RESPONDENTS) < 0.1 * N_RESPONDENTS
    assert set(sessions.values_list("status", flat=True)) == {"finished"}
    # every session holds its rotated booklet, answered in order, one response per item
    booklets = campaign.instrument.settings["booklets"]
    assert sorted(set(sessions.values_list("booklet", flat=True))) == [0, 1, 2]
    first = sessions.order_by("started_at").first()
    rows = list(first.responses.order_by("sequence"))
    assert [r.item_id for r in rows] == booklets[first.booklet]
    assert [r.sequence for r in rows] == list(range(1, len(rows) + 1))
    # every respondent answers two blocks of every ability domain (30 information items)
    tops = [r.domain_code.split(".")[0] for r in rows]
    assert {d: tops.count(d) for d in simulation.ABILITY_DOMAINS} == {
        d: 2 * n for d, n in simulation.ITEMS_PER_BLOCK.items()
    }
    assert tops.count("info") >= 20
    assert all(a.server_ts < b.server_ts for a, b in zip(rows, rows[1:], strict=False))
    assert (
        first.started_at < rows[0].server_ts and rows[-1].server_ts == first.finished_at
    )
    assert (
        Response.objects.filter(session__campaign=campaign).count() == sim.n_responses
    )
    assert sim.n_responses == sum(
        len(booklets[b]) for b in sessions.values_list("booklet", flat=True)
    )
    # answers are stored as delivery stores them, and score as the item bank scores them
    for r in Response.objects.filter(session__campaign=campaign).order_by("?")[:200]:
        assert r.score == bank.item_answer_score(
            revision_id=r.revision_id, answer=r.answer
        )
        assert r.client_ts <= r.server_ts
    # a result per main domain, scored with the active parameter set
    assert set(
        Result.objects.filter(session=first).values_list("domain_code", flat=True)
    ) == {"info", "science", "health", "needs"}
    # one redeemed invitation per session; the rest are the non-respondents
    redeemed = SurveyInvitation.objects.filter(
        stratum__design__campaign=campaign, redeemed_at__isnull=False
    )
    assert redeemed.count() == sim.n_respondents
    assert set(redeemed.values_list("session_id", flat=True)) == {
        str(pk) for pk in sessions.values_list("pk", flat=True)
    }
    assert Respondent.objects.filter(campaign=campaign).count() == sim.n_sampled
    arrays = unpack_arrays(data.arrays)
    assert data.meta["domains"] == ["info", "science", "health"]
    assert arrays["truth_theta"].shape == (sim.n_respondents, 3)
    assert arrays["responses_info"].shape[0] == sim.n_respondents
    assert {"needs_topics", "needs_satisfaction", "needs_modes"} <= set(arrays)
    assert arrays["needs_topics"].shape == (sim.n_respondents, 10)
    # everyone answers the whole needs questionnaire
    for area in ("topics", "modes", "times", "barriers", "satisfaction"):
        assert not (arrays[f"needs_{area}"] != arrays[f"needs_{area}"]).any()
    # bad input: a second simulation of the same campaign, too few respondents
    with pytest.raises(ValidationError, match="already has a sample design"):
        simulation.survey_simulate(campaign=campaign, n_respondents=500)
    with pytest.raises(CommandError, match="at least 100"):
        call_command("simulate_survey", "--respondents", "50", stdout=io.StringIO())
    # the command makes its own campaign
    out = io.StringIO()
    call_command("simulate_survey", "--respondents", "150", "--seed", "3", stdout=out)
    assert "sessions of" in out.getvalue()
    assert Session.objects.exclude(campaign=campaign).count() >= 100


def test_simulated_survey_recounts_item_statistics_after_commit(
    demo_bank, django_capture_on_commit_callbacks
):
    """The bulk-written sessions schedule the item bank's statistics recount, so the item
    page shows the survey's statistics instead of "no responses yet"."""
    from itembank.models import ItemStatistics

    campaign = demo.delivered_campaign(code="stats-recount")
    with django_capture_on_commit_callbacks(execute=True):
        sim = demo.simulate_delivered(campaign, n_respondents=150, seed=5)
    presented = Response.objects.filter(session__campaign=campaign)
    item_id = presented.values_list("item_id", flat=True).first()
    stats = ItemStatistics.objects.get(item_id=item_id)
    assert stats.exposure_count == presented.filter(item_id=item_id).count() > 0
    assert sim.n_respondents >= 100
    booklet_items = {i for b in campaign.instrument.settings["booklets"] for i in b}
    assert ItemStatistics.objects.filter(item_id__in=booklet_items).count() == len(
        booklet_items
    )


def test_delivered_survey_covers_true_district_rates_and_is_frozen(delivered):
    campaign, sim = delivered
    results = demo.run_pipeline(campaign, reference=sim.reference_parameters())
    rollup = RollUp.objects.get(pk=results["rollup"]["rollup_id"])
    assert rollup.published
    # weights add up to the population margins after raking
    ws = WeightSet.objects.get(pk=results["weights"]["weight_set_id"])
    w = unpack_arrays(ws.arrays)
    pop = sum(s.population for s in campaign.sample_design.strata.all())
    assert w["final"].sum() == pytest.approx(pop, rel=1e-6)
    assert w["replicates"].shape == (sim.n_respondents, 80)
    # truth inside the 95% intervals (attainment rate) in at least 14 of 16 districts
    view = selectors.rollup_get(rollup.pk)
    cut = rollup.provenance["cut_scores"]["info"]
    attained_cut = cut["cuts"][cut["labels"].index(cut["attained"]) - 1]
    _, share = simulation.true_district_figures(
        campaign, domain="info", cut=attained_cut
    )
    codes = services.survey_data_latest(campaign).meta["simulation"]["district_codes"]
    assert len(codes) == 16
    inside, errors = 0, []
    for code in codes:
        cell = next(
            c
            for c in view.cells
            if c.district_code == code
            and c.domain_code == "info"
            and c.indicator == "attainment_rate"
            and not c.breakdown
        )
        truth = 100 * share[code]
        inside += cell.ci_low <= truth <= cell.ci_high
        errors.append(round(cell.estimate - truth, 1))
    assert inside >= 14, (inside, errors)
    # the recovery of the truth that simulate_survey --run-jobs prints agrees
    recovery = simulation.survey_recovery(campaign=campaign, rollup=rollup)
    assert set(recovery) == {"info", "science", "health"}
    info = recovery["info"]
    assert info.cut == pytest.approx(attained_cut) and info.n_districts == 16
    assert info.covered_share == inside and info.covered_needed == 14
    assert 0 < info.rmse_mean < 0.06 and 0 < info.rmse_share < 0.04, info
    out = io.StringIO()
    Command(stdout=out)._write_recovery(campaign, rollup.pk)
    assert "info: district-mean RMSE" in out.getvalue()
    assert f"at {sim.n_respondents} respondents" in out.getvalue()
    # bad input: a campaign without simulated truth
    with pytest.raises(ValidationError, match="not a simulated survey"):
        simulation.survey_recovery(campaign=make_campaign(year=2024, code="plain"))
    # provenance recorded and frozen
    prov = rollup.provenance
    assert prov["score_set_id"] and prov["weight_set_id"] and prov["code_version"]
    assert (
        rollup.method["replicates"]["n"] == 80
        and rollup.method["plausible_values"]["n"] == 10
    )
    with pytest.raises(ValidationError):
        RollUpCell.objects.filter(rollup=rollup).first().save()
    # the demo finds its 2025 wave rolled up and changes nothing
    out = io.StringIO()
    demo.load_wave(year=demo.DEMO_YEAR, stdout=out)
    assert "already" in out.getvalue()
    assert Job.objects.filter(status="finished").count() == 4


def test_true_district_figures_match_a_large_draw_from_the_model():
    # given a truth model over two districts
    import numpy as np

    rng = np.random.default_rng(1)
    truth = simulation.TruthModel.draw(["A", "B"], rng=rng)
    population = {("A", band, "female"): 1000.0 for band in simulation.AGE_BANDS}
    population[("B", "25-34", "male")] = 500.0
    # when the closed form and a Monte Carlo draw are compared
    mean, share = truth.district_figures(population, domain="info", cut=-0.3)
    n = 400_000
    band = rng.integers(0, len(simulation.AGE_BANDS), n)
    edu_p = np.asarray(simulation.EDUCATION_BY_AGE)
    edu_p = edu_p / edu_p.sum(axis=1, keepdims=True)
    edu = (rng.random((n, 1)) > edu_p.cumsum(axis=1)[band]).sum(axis=1)
    theta = truth.draw_theta(np.zeros(n, dtype=int), band, edu, rng=rng)[:, 0]
    # then they agree within Monte Carlo error
    assert mean["A"] == pytest.approx(theta.mean(), abs=0.01)
    assert share["A"] == pytest.approx((theta >= -0.3).mean(), abs=0.005)
    assert 0 < share["B"] < 1 and share[""] != share["A"]
