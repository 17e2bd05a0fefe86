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
