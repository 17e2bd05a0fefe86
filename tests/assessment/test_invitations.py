"""One path of one-time codes per campaign: the survey's sample design or delivery's own."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from assessment import services
from assessment.models import Session
from assessment.survey.models import SampleDesign, Stratum, SurveyInvitation
from tests.assessment.fixtures import BACKGROUND

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey_campaign(fixed_campaign, districts):
    """The fixed campaign as a five-yearly survey with a one-stratum design and codes."""
    from assessment.survey.services import invitations_issue

    fixed_campaign.kind = "five_yearly"
    fixed_campaign.audience = "invited"
    fixed_campaign.save()
    design = SampleDesign.objects.create(
        campaign=fixed_campaign,
        method="proportional",
        sample_size=3,
        population_year=2020,
    )
    Stratum.objects.create(
        design=design,
        district_code="310101",
        age_band="35-44",
        sex="female",
        population=1000,
        allocation=3,
        inclusion_probability=0.003,
    )
    fixed_campaign.codes = [code for _stratum, code in invitations_issue(design=design)]
    return fixed_campaign


def _start(user, campaign, code=None):
    return services.session_start(
        user=user,
        campaign=campaign,
        background=BACKGROUND,
        consent=True,
        invitation_code=code,
    )


def _nothing_stored(campaign):
    return (
        not Session.objects.filter(campaign=campaign).exists()
        and not SurveyInvitation.objects.filter(redeemed_at__isnull=False).exists()
    )


def test_survey_campaign_needs_a_code(make_user, survey_campaign):
    with pytest.raises(ValidationError) as exc:
        _start(make_user(), survey_campaign)
    assert "invitation_code" in exc.value.message_dict
    assert _nothing_stored(survey_campaign)


def test_survey_campaign_refuses_an_unknown_code(make_user, survey_campaign):
    with pytest.raises(ValidationError) as exc:
        _start(make_user(), survey_campaign, code="NOT-A-CODE")
    assert exc.value.message_dict["invitation_code"][0]
    assert _nothing_stored(survey_campaign)


def test_survey_code_opens_one_session_and_is_used_up(make_user, survey_campaign):
    code = survey_campaign.codes[0]
    user = make_user()
    session, created = _start(user, survey_campaign, code=code.lower())
    assert created
    invitation = SurveyInvitation.objects.get(session_id=str(session.pk))
    assert invitation.redeemed_at is not None
    # the same citizen resumes without the code
    again, created_again = _start(user, survey_campaign)
    assert not created_again and again.pk == session.pk
    # someone else cannot reuse it, and the refusal stores nothing
    other = make_user()
    with pytest.raises(ValidationError) as exc:
        _start(other, survey_campaign, code=code)
    assert "invitation_code" in exc.value.message_dict
    assert not Session.objects.filter(user=other).exists()
    assert SurveyInvitation.objects.filter(redeemed_at__isnull=False).count() == 1


def test_survey_campaign_takes_no_delivery_codes(make_user, survey_campaign):
    with pytest.raises(ValidationError) as exc:
        services.invitations_create(campaign=survey_campaign, count=2)
    assert exc.value.message_dict["campaign"]


def test_a_refused_code_rolls_back_the_booklet_rotation(make_user, survey_campaign):
    from assessment.models import Campaign

    before = Campaign.objects.get(pk=survey_campaign.pk).rotation_counter
    with pytest.raises(ValidationError):
        _start(make_user(), survey_campaign, code="WRONG")
    assert Campaign.objects.get(pk=survey_campaign.pk).rotation_counter == before


def test_api_refuses_missing_unknown_and_used_codes(client, make_user, survey_campaign):
    url = f"/api/v1/assessment/campaigns/{survey_campaign.pk}/sessions"

    def start(user, code):
        client.force_login(user)
        body = {"consent": True, "background": BACKGROUND}
        if code is not None:
            body["invitation_code"] = code
        return client.post(url, data=json.dumps(body), content_type="application/json")

    for code in (None, "", "UNKNOWN123"):
        r = start(make_user(), code)
        assert r.status_code == 422, r.content
        assert any(e.get("field") == "invitation_code" for e in r.json()["errors"]), (
            r.json()
        )
    assert _nothing_stored(survey_campaign)
    owner = make_user()
    assert start(owner, survey_campaign.codes[1]).status_code == 201
    assert start(owner, None).status_code == 200  # resume without the code
    used = start(make_user(), survey_campaign.codes[1])
    assert used.status_code == 422
    assert Session.objects.filter(campaign=survey_campaign).count() == 1


def test_landing_page_asks_for_the_code_and_refuses_a_bad_one(
    client, make_user, survey_campaign
):
    client.force_login(make_user())
    url = f"/assessment/c/{survey_campaign.pk}/start/"
    form = client.get(url).content.decode()
    assert 'name="invitation_code"' in form
    refused = client.post(
        url, {**BACKGROUND, "consent": "yes", "invitation_code": "BAD"}
    )
    assert refused.status_code == 422 and refused.context["code_errors"]
    assert _nothing_stored(survey_campaign)
    started = client.post(
        url,
        {**BACKGROUND, "consent": "yes", "invitation_code": survey_campaign.codes[2]},
    )
    session = Session.objects.get(campaign=survey_campaign)
    assert (
        started.status_code == 302 and started["Location"] == session.get_absolute_url()
    )
