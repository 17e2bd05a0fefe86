"""Campaigns in the Wagtail admin: listing, forms, report; who may use the delivery admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.models import Campaign, Instrument, Session
from tests.assessment.admin_forms import (
    CAMPAIGN_ADD,
    CAMPAIGNS,
    INSTRUMENT_ADD,
    INSTRUMENTS,
    campaign_data,
    form_errors,
    instrument_data,
)

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- listing


def test_campaign_listing_shows_status_and_session_counts(
    researcher, make_user, fixed_campaign
):
    from assessment.services import campaign_create, session_finish, session_start

    now = timezone.now()
    campaign_create(
        instrument=fixed_campaign.instrument,
        name_zh="下月练习",
        kind="practice",
        opens_at=now + timedelta(days=30),
    )
    campaign_create(
        instrument=fixed_campaign.instrument,
        name_zh="去年调查",
        kind="thematic",
        opens_at=now - timedelta(days=400),
        closes_at=now - timedelta(days=300),
    )
    users = [make_user() for _ in range(3)]
    for user in users:
        session_start(user=user, campaign=fixed_campaign, background={}, consent=True)
    first = Session.objects.filter(user=users[0]).get()
    session_finish(session_id=first.pk, user=users[0])
    response = researcher.get(CAMPAIGNS)
    html = response.content.decode()
    assert response.status_code == 200
    row = next(r for r in response.context["object_list"] if r.pk == fixed_campaign.pk)
    assert (row.n_started, row.n_finished) == (3, 1)
    for label in ("开放中", "即将开放", "已结束"):
        assert label in html
    upcoming = researcher.get(CAMPAIGNS + "?status=upcoming").content.decode()
    assert "下月练习" in upcoming and "去年调查" not in upcoming


# ---------------------------------------------------------------- forms


def test_create_campaign_through_the_form(researcher, fixed_campaign):
    response = researcher.post(CAMPAIGN_ADD, campaign_data(fixed_campaign.instrument))
    campaign = Campaign.objects.get(name_zh="2026 年度信息素养专题调查")
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "assessment_campaigns:inspect", args=[campaign.pk]
    )
    assert (campaign.kind, campaign.max_attempts, campaign.year) == (
        "thematic",
        1,
        2026,
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"closes_at": "2020-01-01 00:00"}, "closes_at"),
        ({"kind": "weekly"}, "kind"),
        ({"max_attempts": "0"}, "max_attempts"),
        ({"opens_at": "tomorrow"}, "opens_at"),
        ({"instrument": "99999"}, "instrument"),
    ],
)
def test_invalid_campaign_is_refused_per_field(
    researcher, fixed_campaign, overrides, field
):
    before = Campaign.objects.count()
    errors = form_errors(
        researcher.post(
            CAMPAIGN_ADD, campaign_data(fixed_campaign.instrument, **overrides)
        )
    )
    assert field in errors, errors
    assert Campaign.objects.count() == before


def test_edit_campaign_and_refuse_a_new_instrument_after_sessions(
    researcher, make_user, fixed_campaign, adaptive_campaign
):
    from assessment.services import session_start

    url = reverse("assessment_campaigns:edit", args=[fixed_campaign.pk])
    assert researcher.get(url).status_code == 200
    response = researcher.post(
        url,
        campaign_data(
            fixed_campaign.instrument,
            kind="practice",
            name_zh="练习(改)",
            max_attempts="",
        ),
    )
    assert response.status_code == 302, form_errors(response)
    fixed_campaign.refresh_from_db()
    assert (fixed_campaign.name_zh, fixed_campaign.max_attempts) == ("练习(改)", None)
    session_start(
        user=make_user(), campaign=fixed_campaign, background={}, consent=True
    )
    errors = form_errors(
        researcher.post(
            url,
            campaign_data(
                adaptive_campaign.instrument, kind="practice", name_zh="换卷"
            ),
        )
    )
    assert "instrument" in errors
    instrument_before = fixed_campaign.instrument_id
    fixed_campaign.refresh_from_db()
    assert (fixed_campaign.instrument_id, fixed_campaign.name_zh) == (
        instrument_before,
        "练习(改)",
    )


# ---------------------------------------------------------------- the campaign report


def test_campaign_report_counts_sessions_per_day(
    researcher, make_user, fixed_campaign, item_bank
):
    from assessment.services import response_record, session_finish, session_start

    now = timezone.now()
    fixed_campaign.opens_at = now - timedelta(days=5)
    fixed_campaign.save()
    earlier = now - timedelta(days=2)
    # two sessions two days ago, both finished by answering every item
    for _k in range(2):
        user = make_user()
        session, _ = session_start(
            user=user, campaign=fixed_campaign, background={}, consent=True, now=earlier
        )
        for seq, item_id in enumerate(item_bank.ids[:3], start=1):
            response_record(
                session_id=session.pk,
                user=user,
                sequence=seq,
                item_id=item_id,
                answer="B",
                now=earlier + timedelta(minutes=seq),
            )
    for _ in range(3):  # three today, one ended by the citizen
        user = make_user()
        session, _ = session_start(
            user=user, campaign=fixed_campaign, background={}, consent=True
        )
    session_finish(session_id=session.pk, user=user)
    response = researcher.get(
        reverse("assessment_campaigns:inspect", args=[fixed_campaign.pk])
    )
    assert response.status_code == 200
    report = response.context["report"]
    assert (report["started"], report["finished"], report["in_progress"]) == (5, 3, 2)
    assert report["completion_pct"] == 60.0
    assert report["median_minutes"] == 3.0  # 0, 3 and 3 minutes
    days = {row["day"]: (row["started"], row["finished"]) for row in report["rows"]}
    assert days[timezone.localdate(earlier)] == (2, 2)
    assert days[timezone.localdate(now)] == (3, 1)
    html = response.content.decode()
    assert f'data-day="{timezone.localdate(earlier):%Y-%m-%d}"' in html
    assert response.context["survey_url"] is None  # a practice campaign


def test_survey_campaign_report_links_to_the_survey_workflow(
    researcher, fixed_campaign
):
    from assessment.services import campaign_create

    survey = campaign_create(
        instrument=fixed_campaign.instrument,
        name_zh="五年综合调查",
        kind="five_yearly",
        opens_at=timezone.now(),
        year=2026,
    )
    html = researcher.get(
        reverse("assessment_campaigns:inspect", args=[survey.pk])
    ).content.decode()
    assert f'href="{reverse("survey_admin:index")}"' in html and "暂无" in html


# ---------------------------------------------------------------- permissions


def _pages(campaign):
    instrument = campaign.instrument
    return [
        INSTRUMENTS,
        INSTRUMENT_ADD,
        reverse("assessment_instruments:edit", args=[instrument.pk]),
        reverse("assessment_instruments:inspect", args=[instrument.pk]),
        CAMPAIGNS,
        CAMPAIGN_ADD,
        reverse("assessment_campaigns:edit", args=[campaign.pk]),
        reverse("assessment_campaigns:inspect", args=[campaign.pk]),
    ]


@pytest.mark.parametrize("role", ["researcher", "administrator"])
def test_researchers_and_administrators_may_use_every_page(
    client, make_user, fixed_campaign, role
):
    client.force_login(make_user(role))
    for url in _pages(fixed_campaign):
        assert client.get(url).status_code == 200, url
    assert "/admin/delivery/instruments/" in client.get("/admin/").content.decode()


def _refused(response) -> bool:
    """Wagtail answers PermissionDenied in its admin with a redirect home and a message
    (403 for XHR)."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == "/admin/"
    )


@pytest.mark.parametrize("role", ["item_author", "item_reviewer"])
def test_other_admin_users_are_refused_and_see_no_menu(
    client, make_user, fixed_campaign, role
):
    client.force_login(make_user(role))
    for url in _pages(fixed_campaign):
        assert _refused(client.get(url)), url
        assert (
            client.get(url, headers={"x-requested-with": "XMLHttpRequest"}).status_code
            == 403
        ), url
    refused = client.post(
        INSTRUMENT_ADD,
        instrument_data(
            item_ids=str(fixed_campaign.instrument.settings["item_ids"][0])
        ),
    )
    assert _refused(refused) and not Instrument.objects.filter(code="info-new").exists()
    home = client.get("/admin/").content.decode()
    assert "/admin/delivery/instruments/" not in home
    assert "/admin/delivery/campaigns/" not in home


@pytest.mark.parametrize("role", ["citizen", "district_officer", None])
def test_citizens_officers_and_strangers_are_sent_away(
    client, make_user, districts, fixed_campaign, role
):
    if role is not None:
        client.force_login(make_user(role, district=districts[0]))
    for url in _pages(fixed_campaign):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert response["Location"].startswith("/admin/login/"), url
    before = Campaign.objects.count()
    client.post(CAMPAIGN_ADD, campaign_data(fixed_campaign.instrument))
    assert Campaign.objects.count() == before
