"""The thin adapter that reads delivered sessions into the survey's arrays."""

from __future__ import annotations

import numpy as np
import pytest
from django.utils import timezone

from assessment.models import Response, Session
from assessment.survey import services
from assessment.survey.models import Respondent
from tests.survey.conftest import make_campaign

pytestmark = pytest.mark.django_db


def test_delivered_sessions_become_respondents_and_unused_invitations_nonrespondents(
    districts, make_user
):
    campaign = make_campaign()
    design = services.design_create(
        campaign=campaign, method="equal", sample_size=224, population_year=2020
    )
    now = timezone.now()
    people = [
        ("310101", "25-34", "female", "bachelor"),
        ("310104", "65-74", "male", "primary"),
    ]
    for k, (dc, age, sex, edu) in enumerate(people):
        s = Session.objects.create(
            user=make_user(),
            campaign=campaign,
            instrument=campaign.instrument,
            status="finished",
            consented_at=now,
            started_at=now,
            finished_at=now,
            background={
                "district_code": dc,
                "age_band": age,
                "sex": sex,
                "education": edu,
                "occupation": "office",
            },
        )
        for j, (item, domain) in enumerate(
            ((11, "info"), (12, "info"), (21, "science"))
        ):
            Response.objects.create(
                session=s,
                sequence=j + 1,
                item_id=item,
                revision_id=1,
                domain_code=domain,
                score=(k + j) % 2,
                server_ts=now,
            )
    services.survey_data_from_delivery(campaign=campaign)
    arrays, meta = services.survey_arrays(campaign)
    assert sorted(meta["domains"]) == ["info", "science"]
    assert arrays["responses_info"].shape == (2, 2)
    assert list(arrays["items_science"]) == ["21"]
    assert arrays["background"].shape == (2, 4)
    responded = Respondent.objects.filter(campaign=campaign, responded=True)
    assert sorted(responded.values_list("district_code", flat=True)) == [
        "310101",
        "310104",
    ]
    assert all(not r.session_id.startswith("R") for r in responded)
    assert Respondent.objects.filter(campaign=campaign, responded=False).count() == sum(
        s.allocation for s in design.strata.all()
    )
    assert np.nanmax(arrays["responses_info"]) == 1.0


def _session(campaign, user, now, background, answers):
    s = Session.objects.create(
        user=user,
        campaign=campaign,
        instrument=campaign.instrument,
        status="finished",
        consented_at=now,
        started_at=now,
        finished_at=now,
        background=background,
    )
    for j, (item, domain, score) in enumerate(answers):
        Response.objects.create(
            session=s,
            sequence=j + 1,
            item_id=item,
            revision_id=1,
            domain_code=domain,
            score=score,
            server_ts=now,
        )
    return s


def test_areas_join_their_main_domain_and_needs_items_are_kept_apart(
    districts, make_user
):
    from datetime import timedelta

    from itembank.models import Domain

    # given the bank's domain kinds and two sessions answering area and needs items
    Domain.objects.create(code="info", name_zh="信息素养", kind="ability")
    Domain.objects.create(code="needs", name_zh="学习需求", kind="needs")
    campaign = make_campaign()
    services.design_create(
        campaign=campaign, method="equal", sample_size=224, population_year=2020
    )
    now = timezone.now()
    bg = {
        "district_code": "310101",
        "age_band": "25-34",
        "sex": "female",
        "education": "bachelor",
        "occupation": "office",
    }
    first = _session(
        campaign,
        make_user(),
        now,
        bg,
        [(11, "info.data", 1), (12, "info.safety", 0), (31, "needs.topics", 4)],
    )
    second = _session(
        campaign,
        make_user(),
        now + timedelta(seconds=1),
        bg,
        [(11, "info.data", 0), (13, "info.problem", 1), (41, "needs.times", 2)],
    )
    # when the sessions are frozen with a value per session
    services.survey_data_from_delivery(
        campaign=campaign,
        session_arrays={"truth_theta": {str(first.pk): [0.5], str(second.pk): [-0.5]}},
        meta={"simulation": {"seed": 1}},
    )
    arrays, meta = services.survey_arrays(campaign)
    # then the areas are one ability domain, needs answers sit in needs_<area> arrays
    assert meta["domains"] == ["info"]
    assert list(arrays["items_info"]) == ["11", "12", "13"]
    assert np.array_equal(
        arrays["responses_info"], [[1, 0, np.nan], [0, np.nan, 1]], equal_nan=True
    )
    assert arrays["needs_topics"].tolist() == [
        [4.0],
        [pytest.approx(np.nan, nan_ok=True)],
    ]
    assert list(arrays["needs_times_options"]) == ["41"]
    assert meta["needs_items"] == {"topics": ["31"], "times": ["41"]}
    # and the per-session values follow the respondents' rows
    assert arrays["truth_theta"].tolist() == [[0.5], [-0.5]]
    assert meta["simulation"] == {"seed": 1}


def test_a_session_without_its_value_is_refused_and_nothing_is_stored(
    districts, make_user
):
    from django.core.exceptions import ValidationError

    from assessment.survey.models import SurveyData

    campaign = make_campaign()
    services.design_create(
        campaign=campaign, method="equal", sample_size=224, population_year=2020
    )
    s = _session(
        campaign,
        make_user(),
        timezone.now(),
        {
            "district_code": "310101",
            "age_band": "25-34",
            "sex": "male",
            "education": "primary",
            "occupation": "retired",
        },
        [(11, "info", 1)],
    )
    with pytest.raises(
        ValidationError, match="truth_theta: no value for 1 delivered session"
    ):
        services.survey_data_from_delivery(
            campaign=campaign, session_arrays={"truth_theta": {"other": 1.0}}
        )
    assert not SurveyData.objects.filter(campaign=campaign).exists()
    assert str(s.pk)


def test_a_campaign_without_a_design_is_read_and_weighted_by_raking(
    districts, make_user
):
    """Open practice has no sample and no invitations: every closed session is a
    respondent, and the weights job rakes them to the population's district margin."""
    from assessment.survey.jobs import run_job
    from assessment.survey.models import WeightSet
    from learning_platform.districts.models import District

    campaign = make_campaign()
    now = timezone.now()
    codes = list(District.objects.values_list("code", flat=True))
    for k, dc in enumerate(codes * 2):
        _session(
            campaign,
            make_user(),
            now,
            {
                "district_code": dc,
                "age_band": "25-34",
                "sex": ("female", "male")[k % 2],
                "education": "bachelor",
                "occupation": "office",
            },
            [(11, "info", k % 2), (12, "info", (k + 1) % 2)],
        )
    services.survey_data_from_delivery(campaign=campaign)
    assert Respondent.objects.filter(campaign=campaign).count() == 2 * len(codes)
    assert not Respondent.objects.filter(campaign=campaign, responded=False).exists()
    job = services.job_create(
        kind="weights",
        campaign=campaign,
        params={"margins": ["district"], "n_replicates": 8},
    )
    assert run_job(str(job.pk)) == "finished", job.error
    ws = WeightSet.objects.get(campaign=campaign)
    assert ws.n_replicates == 8
