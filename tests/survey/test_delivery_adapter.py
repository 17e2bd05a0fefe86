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
        districts, make_user):
    campaign = make_campaign()
    design = services.design_create(campaign=campaign, method="equal", sample_size=224,
                                    population_year=2020)
    now = timezone.now()
    people = [("310101", "25-34", "female", "bachelor"), ("310104", "65-74", "male", "primary")]
    for k, (dc, age, sex, edu) in enumerate(people):
        s = Session.objects.create(
            user=make_user(), campaign=campaign, instrument=campaign.instrument,
            status="finished", consented_at=now, started_at=now, finished_at=now,
            background={"district_code": dc, "age_band": age, "sex": sex, "education": edu,
                        "occupation": "office"},
        )
        for j, (item, domain) in enumerate(((11, "info"), (12, "info"), (21, "science"))):
            Response.objects.create(session=s, sequence=j + 1, item_id=item, revision_id=1,
                                    domain_code=domain, score=(k + j) % 2, server_ts=now)
    services.survey_data_from_delivery(campaign=campaign)
    arrays, meta = services.survey_arrays(campaign)
    assert sorted(meta["domains"]) == ["info", "science"]
    assert arrays["responses_info"].shape == (2, 2)
    assert list(arrays["items_science"]) == ["21"]
    assert arrays["background"].shape == (2, 4)
    responded = Respondent.objects.filter(campaign=campaign, responded=True)
    assert sorted(responded.values_list("district_code", flat=True)) == ["310101", "310104"]
    assert all(not r.session_id.startswith("R") for r in responded)
    assert Respondent.objects.filter(campaign=campaign, responded=False).count() == sum(
        s.allocation for s in design.strata.all())
    assert np.nanmax(arrays["responses_info"]) == 1.0
