"""The freeze of a closed campaign's delivered sessions: service, refusals, versions, command, API, admin."""

from __future__ import annotations

import io
from datetime import timedelta

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessment.models import Response, Session
from assessment.survey import services
from assessment.survey.models import Respondent, SurveyData
from tests.survey.conftest import make_campaign

pytestmark = pytest.mark.django_db

BG = {
    "district_code": "310101",
    "age_band": "25-34",
    "sex": "female",
    "education": "bachelor",
    "occupation": "office",
}


def _session(
    campaign,
    user,
    *,
    status="finished",
    answers=((11, 1), (12, 0), (21, 1)),
    revision=1,
    offset=0,
):
    now = timezone.now() - timedelta(days=2) + timedelta(seconds=offset)
    s = Session.objects.create(
        user=user,
        campaign=campaign,
        instrument=campaign.instrument,
        status=status,
        consented_at=now,
        started_at=now,
        finished_at=None if status == "in_progress" else now,
        background=dict(BG),
    )
    for j, (item, score) in enumerate(answers):
        Response.objects.create(
            session=s,
            sequence=j + 1,
            item_id=item,
            revision_id=revision if item == 11 else 1,
            domain_code="science" if item >= 20 else "info",
            score=score,
            server_ts=now,
        )
    return s


@pytest.fixture
def delivered_campaign(districts, make_user):
    """A closed campaign with a sample design, two finished sessions and one in progress."""
    campaign = make_campaign()
    services.design_create(
        campaign=campaign, method="equal", sample_size=224, population_year=2020
    )
    _session(campaign, make_user())
    _session(campaign, make_user(), revision=2, offset=1, answers=((11, 0), (12, 1)))
    _session(campaign, make_user(), status="in_progress", offset=2)
    return campaign


def test_freeze_stores_responses_by_revision_background_design_and_provenance(
    delivered_campaign, make_user
):
    researcher = make_user("researcher", username="lin")
    data = services.survey_data_freeze(
        campaign=delivered_campaign, frozen_by=researcher
    )
    assert data.version == 1 and data.source == "delivery"
    p = data.provenance
    assert (p["sessions"], p["responses"], p["items"], p["in_progress_left_out"]) == (
        2,
        5,
        3,
        1,
    )
    assert p["frozen_by"] == "lin" and data.frozen_by == researcher
    assert (
        p["non_respondents"]
        == sum(s.allocation for s in delivered_campaign.sample_design.strata.all()) - 0
    )
    assert p["seconds"] >= 0 and p["frozen_at"]
    arrays, meta = services.survey_arrays(delivered_campaign)
    assert arrays["responses_info"].shape == (2, 2)
    # item 11 was delivered as revision 1 to one person and revision 2 to the other
    assert meta["mixed_revisions"] == {"11": {"1": 1, "2": 1}}
    assert list(arrays["revisions_science"]) == [1]
    assert arrays["background"].shape == (2, 4)
    assert (
        Respondent.objects.filter(campaign=delivered_campaign, responded=True).count()
        == 2
    )
    assert (
        len(arrays["pseudo_id"])
        == Respondent.objects.filter(campaign=delivered_campaign).count()
    )


def test_freeze_refuses_an_open_campaign_and_writes_nothing(districts, make_user):
    campaign = make_campaign()
    _session(campaign, make_user())
    for closes in (timezone.now() + timedelta(days=3), None):
        type(campaign).objects.filter(pk=campaign.pk).update(closes_at=closes)
        campaign.refresh_from_db()
        with pytest.raises(ValidationError, match="still open"):
            services.survey_data_freeze(campaign=campaign)
    assert not SurveyData.objects.filter(campaign=campaign).exists()
    assert not Respondent.objects.filter(campaign=campaign).exists()


def test_freeze_refuses_a_campaign_without_completed_sessions(districts, make_user):
    campaign = make_campaign()
    with pytest.raises(ValidationError, match="no completed sessions"):
        services.survey_data_freeze(campaign=campaign)
    _session(campaign, make_user(), status="in_progress")
    with pytest.raises(ValidationError, match="no completed sessions"):
        services.survey_data_freeze(campaign=campaign)
    assert not SurveyData.objects.filter(campaign=campaign).exists()


def test_a_frozen_campaign_is_refused_and_a_refreeze_is_a_new_version(
    delivered_campaign, make_user
):
    first = services.survey_data_freeze(campaign=delivered_campaign)
    blob = bytes(first.arrays)
    with pytest.raises(ValidationError, match=r"already frozen \(version 1"):
        services.survey_data_freeze(campaign=delivered_campaign)
    # a late session, then a new version: version 1 stays exactly as it was
    _session(delivered_campaign, make_user(), offset=5)
    second = services.survey_data_freeze(campaign=delivered_campaign, new_version=True)
    assert second.version == 2 and second.provenance["sessions"] == 3
    first.refresh_from_db()
    assert bytes(first.arrays) == blob and first.provenance["sessions"] == 2
    assert services.survey_data_latest(delivered_campaign).pk == second.pk
    arrays, _meta = services.survey_arrays(delivered_campaign)
    assert arrays["responses_info"].shape[0] == 3
    with pytest.raises(ValidationError, match="never changes"):
        first.save()


def test_survey_freeze_command(delivered_campaign, make_user):
    make_user("researcher", username="wang")
    out = io.StringIO()
    call_command(
        "survey_freeze", str(delivered_campaign.pk), "--user", "wang", stdout=out
    )
    assert "version 1: 2 sessions, 5 responses" in out.getvalue()
    with pytest.raises(CommandError, match="already frozen"):
        call_command("survey_freeze", str(delivered_campaign.pk), stdout=io.StringIO())
    out = io.StringIO()
    call_command(
        "survey_freeze", str(delivered_campaign.pk), "--new-version", stdout=out
    )
    assert "version 2" in out.getvalue()
    with pytest.raises(CommandError, match="No campaign with id 999999"):
        call_command("survey_freeze", "999999", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command(
            "survey_freeze",
            str(delivered_campaign.pk),
            "--user",
            "nobody",
            "--new-version",
            stdout=io.StringIO(),
        )
    assert SurveyData.objects.filter(campaign=delivered_campaign).count() == 2


def _client(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def test_freeze_api_refuses_with_the_reason_then_freezes(delivered_campaign, make_user):
    url = f"/api/v1/survey/campaigns/{delivered_campaign.pk}/freeze"
    assert url == reverse("api:survey_freeze", args=[delivered_campaign.pk])
    researcher = _client(make_user("researcher", username="zhao"))
    assert _client(make_user()).post(url).status_code == 403
    preview = researcher.get(url).json()
    assert (preview["sessions"], preview["responses"], preview["in_progress"]) == (
        2,
        5,
        1,
    )
    assert preview["refusal"] is None and preview["next_version"] == 1
    made = researcher.post(url)
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["version"] == 1 and body["frozen_by"] == "zhao"
    assert body["provenance"]["sessions"] == 2 and sorted(body["domains"]) == [
        "info",
        "science",
    ]
    again = researcher.post(url)
    # the API answers in the request's language: Chinese by default
    assert (
        again.status_code == 422
        and "该活动的数据已冻结(第 1 版" in again.json()["message"]
    )
    newer = researcher.post(url + "?new_version=true")
    assert newer.status_code == 201 and newer.json()["version"] == 2
    versions = researcher.get(
        f"/api/v1/survey/campaigns/{delivered_campaign.pk}/data"
    ).json()
    assert [v["version"] for v in versions] == [2, 1]


def test_freeze_api_names_an_open_campaign(districts, make_user):
    campaign = make_campaign()
    type(campaign).objects.filter(pk=campaign.pk).update(
        closes_at=timezone.now() + timedelta(days=1)
    )
    _session(campaign, make_user())
    r = _client(make_user("researcher")).post(
        f"/api/v1/survey/campaigns/{campaign.pk}/freeze"
    )
    assert r.status_code == 422
    assert "调查活动仍在进行中" in r.json()["message"]
    assert r.json()["errors"][0]["field"] == "campaign"


def test_admin_page_shows_the_freeze_button_with_its_counts_in_chinese(
    delivered_campaign, make_user
):
    from django.utils import translation

    client = _client(make_user("researcher"))
    with translation.override("zh-hans"):
        html = client.get(
            reverse("survey_admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
    assert (
        f'action="{reverse("survey_admin:freeze", args=[delivered_campaign.pk])}"'
        in html
    )
    assert "冻结 2 个会话和 5 条作答" in html
    assert "进行中的会话(不计入):1" in html
    # pressing it freezes version 1; the page then offers a new version, not an overwrite
    r = client.post(reverse("survey_admin:freeze", args=[delivered_campaign.pk]))
    assert r.status_code == 302
    assert SurveyData.objects.get(campaign=delivered_campaign).version == 1
    with translation.override("zh-hans"):
        html = client.get(
            reverse("survey_admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
    assert "另存为第 2 版重新冻结" in html and "已冻结调查数据:第 1 版" in html


def test_closing_then_freezing_an_open_campaign(districts, make_user):
    from assessment.services import campaign_close

    campaign = make_campaign()
    type(campaign).objects.filter(pk=campaign.pk).update(closes_at=None)
    campaign.refresh_from_db()
    _session(campaign, make_user())
    closed = campaign_close(campaign=campaign)
    assert closed.closes_at <= timezone.now()
    with pytest.raises(ValidationError, match="already closed"):
        campaign_close(campaign=closed)
    data = services.survey_data_freeze(campaign=closed)
    assert data.provenance["sessions"] == 1
    assert np.nanmax(services.survey_arrays(closed)[0]["responses_info"]) == 1.0
