"""Campaign create and close through the API: who may, and every refusal named."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from assessment.models import Campaign

pytestmark = pytest.mark.django_db


def _post(client: Client, url: str, data=None):
    return client.post(
        url, data=json.dumps(data or {}), content_type="application/json"
    )


def test_campaign_create_and_close_with_their_refusals(make_user, item_bank):
    from assessment.services import instrument_create

    instrument_create(
        code="info-fixed-api",
        name_zh="信息素养固定卷",
        kind="ability",
        domain_code="info",
        mode="fixed",
        settings={"item_ids": item_bank.ids[:3]},
    )
    staff = Client()
    staff.force_login(make_user("administrator"))
    citizen = Client()
    citizen.force_login(make_user())
    now = timezone.now()
    body = {
        "instrument_code": "info-fixed-api",
        "name_zh": "公开练习",
        "kind": "practice",
        "opens_at": (now - timedelta(hours=1)).isoformat(),
    }
    assert _post(citizen, "/api/v1/assessment/campaigns", body).status_code == 403
    bad = _post(
        staff,
        "/api/v1/assessment/campaigns",
        {**body, "closes_at": (now - timedelta(hours=2)).isoformat()},
    )
    assert bad.status_code == 422 and bad.json()["errors"], bad.content
    made = _post(staff, "/api/v1/assessment/campaigns", body)
    assert made.status_code == 201, made.content
    cid = made.json()["id"]
    assert made.json()["closes_at"] is None
    # a citizen may not close it, and learns nothing of it (forbidden answers as missing);
    # staff may, once
    refused = _post(citizen, f"/api/v1/assessment/campaigns/{cid}/close")
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    closed = _post(staff, f"/api/v1/assessment/campaigns/{cid}/close")
    assert closed.status_code == 200 and closed.json()["closes_at"] is not None
    again = _post(staff, f"/api/v1/assessment/campaigns/{cid}/close")
    assert (
        again.status_code == 422 and again.json()["errors"][0]["field"] == "closes_at"
    )
    assert Campaign.objects.get(pk=cid).closes_at <= timezone.now()


def test_a_campaign_one_may_not_close_answers_like_a_missing_one(make_user, item_bank):
    from assessment.selectors import campaign_for
    from assessment.services import campaign_create, instrument_create
    from learning_platform.errors import NotFound

    instrument = instrument_create(
        code="info-fixed-scope",
        name_zh="信息素养固定卷",
        kind="ability",
        domain_code="info",
        mode="fixed",
        settings={"item_ids": item_bank.ids[:3]},
    )
    campaign = campaign_create(
        instrument=instrument,
        name_zh="公开练习",
        kind="practice",
        opens_at=timezone.now() - timedelta(hours=1),
    )
    citizen_user = make_user()
    citizen = Client()
    citizen.force_login(citizen_user)
    forbidden = _post(citizen, f"/api/v1/assessment/campaigns/{campaign.pk}/close")
    missing = _post(citizen, "/api/v1/assessment/campaigns/999999/close")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()
    # a missing campaign to start a session in is the same 404
    start = _post(
        citizen,
        "/api/v1/assessment/campaigns/999999/sessions",
        {"consent": True},
    )
    assert start.status_code == 404 and start.json() == missing.json()
    # the selector: a citizen reaches the campaign to start in it, not to change it
    assert campaign_for(user=citizen_user, campaign_id=campaign.pk) == campaign
    with pytest.raises(NotFound):
        campaign_for(user=citizen_user, campaign_id=campaign.pk, change=True)
    admin = make_user("administrator")
    assert campaign_for(user=admin, campaign_id=campaign.pk, change=True) == campaign
