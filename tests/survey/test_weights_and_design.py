"""Sample design from the districts' figures, hashed one-time codes, weights, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from assessment.survey import services
from assessment.survey.jobs import run_job
from assessment.survey.models import (
    Job,
    Respondent,
    SampleDesign,
    SurveyData,
    SurveyInvitation,
    WeightSet,
    unpack_arrays,
)
from tests.survey.conftest import make_campaign, small_survey

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "method,minimum", [("proportional", 0), ("equal", 0), ("minimum", 400)]
)
def test_design_allocates_the_sample_over_district_age_sex_strata(
    districts, method, minimum
):
    campaign = make_campaign()
    design = services.design_create(
        campaign=campaign,
        method=method,
        sample_size=10_000,
        minimum_per_district=minimum,
        population_year=2020,
    )
    strata = list(design.strata.all())
    assert len(strata) == 16 * 7 * 2
    assert sum(s.allocation for s in strata) == 10_000
    by_district: dict[str, int] = {}
    for s in strata:
        by_district[s.district_code] = (
            by_district.get(s.district_code, 0) + s.allocation
        )
        assert s.inclusion_probability == pytest.approx(s.allocation / s.population)
    if method == "equal":
        assert max(by_district.values()) - min(by_district.values()) <= 1
    if method == "minimum":
        assert min(by_district.values()) >= 400
    if method == "proportional":  # 浦东 (largest) gets more than 黄浦
        assert by_district["310115"] > 3 * by_district["310101"]


def test_bad_design_input_is_refused_and_saves_nothing(districts):
    campaign = make_campaign()
    with pytest.raises(ValidationError, match="sample size"):
        services.design_create(
            campaign=campaign,
            method="proportional",
            sample_size=0,
            population_year=2020,
        )
    with pytest.raises(ValidationError, match="Unknown allocation"):
        services.design_create(
            campaign=campaign, method="cluster", sample_size=100, population_year=2020
        )
    with pytest.raises(ValidationError, match="minimum"):
        services.design_create(
            campaign=campaign,
            method="minimum",
            sample_size=1000,
            minimum_per_district=100,
            population_year=2020,
        )
    with pytest.raises(ValidationError, match="No population figures"):
        services.design_create(
            campaign=campaign, method="equal", sample_size=1000, population_year=1990
        )
    assert not SampleDesign.objects.exists()


def test_invitation_codes_are_hashed_and_work_once(districts):
    campaign = make_campaign()
    design = services.design_create(
        campaign=campaign, method="equal", sample_size=320, population_year=2020
    )
    codes = services.invitations_issue(design=design)
    assert len(codes) == 320
    stratum_key, code = codes[0]
    stored = set(SurveyInvitation.objects.values_list("code_hash", flat=True))
    assert code not in stored and all(len(h) == 64 for h in stored)
    assert (
        services.invitation_redeem(campaign=campaign, code=code.lower()).key
        == stratum_key
    )
    with pytest.raises(ValidationError, match="not valid or has been used"):
        services.invitation_redeem(campaign=campaign, code=code)
    with pytest.raises(ValidationError, match="not valid"):
        services.invitation_redeem(campaign=campaign, code="NOPE")
    with pytest.raises(ValidationError, match="already issued"):
        services.invitations_issue(design=design)


def test_weights_job_rakes_to_the_population_margins(districts):
    campaign, sim, results = small_survey(run=("weights",))
    ws = WeightSet.objects.get(pk=results["weights"]["weight_set_id"])
    w = unpack_arrays(ws.arrays)
    people = {r.pseudo_id: r for r in Respondent.objects.filter(campaign=campaign)}
    strata = list(campaign.sample_design.strata.all())
    for attr in ("district_code", "age_band", "sex"):
        pop: dict[str, float] = {}
        for s in strata:
            pop[getattr(s, attr)] = pop.get(getattr(s, attr), 0) + s.population
        got: dict[str, float] = {}
        for pid, wt in zip(w["pseudo_id"], w["final"], strict=True):
            key = getattr(people[str(pid)], attr)
            got[key] = got.get(key, 0.0) + wt
        for key, total in pop.items():
            assert got[key] == pytest.approx(total, rel=1e-6), (attr, key)
    # every replicate column is raked too
    assert np.allclose(w["replicates"].sum(axis=0), w["final"].sum(), rtol=1e-4)
    assert w["replicates"].shape[1] == 80
    assert ws.report["raking"]["converged"] and ws.report["replicates"]["converged"]
    assert ws.report["n_respondents"] == int(sim.responded.sum())


def test_bad_survey_data_is_refused_naming_the_problem_and_keeps_what_was_stored(
    districts,
):
    campaign, sim, _ = small_survey()
    before = SurveyData.objects.get(campaign=campaign).arrays
    n_before = Respondent.objects.filter(campaign=campaign).count()
    with pytest.raises(ValidationError) as err:
        services.survey_data_store(
            campaign=campaign,
            source="simulation",
            sampled=[
                {
                    "district_code": "310101",
                    "age_band": "15-34",
                    "sex": "female",
                    "responded": True,
                }
            ],
            responses={"info": np.zeros((2, 3))},
            item_ids={"info": [1, 2, 3]},
            background=np.zeros((1, 2)),
            background_columns=["a", "b"],
        )
    assert "responses['info'] has shape (2, 3)" in str(err.value)
    with pytest.raises(ValidationError, match="not in the campaign's design"):
        services.survey_data_store(
            campaign=campaign,
            source="simulation",
            sampled=[
                {
                    "district_code": "999999",
                    "age_band": "15-34",
                    "sex": "female",
                    "responded": True,
                }
            ],
            responses={"info": np.zeros((1, 3))},
            item_ids={"info": [1, 2, 3]},
            background=np.zeros((1, 2)),
            background_columns=["a", "b"],
        )
    assert bytes(SurveyData.objects.get(campaign=campaign).arrays) == bytes(before)
    assert Respondent.objects.filter(campaign=campaign).count() == n_before


def test_a_job_without_its_inputs_fails_with_a_clear_message(districts):
    campaign = make_campaign()
    job = services.job_create(kind="score", campaign=campaign)
    assert run_job(str(job.pk)) == "failed"
    assert "no survey data" in Job.objects.get(pk=job.pk).error.lower()
    with pytest.raises(ValidationError, match="Unknown job kind"):
        services.job_create(kind="magic", campaign=campaign)


def test_cut_scores_are_versioned_and_checked(make_user):
    from itembank.models import Domain
    from itembank.services import cut_score_set_activate, cut_score_set_review

    Domain.objects.create(code="info", name_zh="信息素养", kind="ability")
    reviewer = make_user()
    first = services.cut_scores_set(
        domain_code="info",
        cuts=[-1, 0, 1],
        labels=["L1", "L2", "L3", "L4"],
        attained="L2",
    )
    second = services.cut_scores_set(
        domain_code="info",
        cuts=[-0.8, 0.1, 1],
        labels=["L1", "L2", "L3", "L4"],
        attained="L3",
    )
    assert (first.version, second.version) == (1, 2)
    with pytest.raises(ValidationError, match="No active cut-score set.*info"):
        services.levels_for(["info"])  # versions in review level nothing
    cut_score_set_review(cut_score_set=second, reviewer=reviewer, approve=True)
    cut_score_set_activate(cut_score_set=second, activated_by=reviewer)
    levels, used = services.levels_for(["info"])
    assert (
        levels["info"].attained_cut == pytest.approx(0.1)
        and used["info"]["version"] == 2
    )
    with pytest.raises(ValidationError, match="increasing"):
        services.cut_scores_set(
            domain_code="info", cuts=[1, 0], labels=["a", "b", "c"], attained="b"
        )
    first.refresh_from_db()
    assert [lv["min_theta"] for lv in first.levels] == [None, -1, 0, 1]
