"""The answer's client time: naive times are read as UTC, bad ones are refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from assessment.models import Response

pytestmark = pytest.mark.django_db


def _post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def _answer(client, make_user, fixed_campaign, client_ts):
    item_id = fixed_campaign.instrument.settings["item_ids"][0]
    client.force_login(make_user())
    sid = _post(
        client,
        f"/api/v1/assessment/campaigns/{fixed_campaign.pk}/sessions",
        {"consent": True},
    ).json()["session_id"]
    body = {"sequence": 1, "item_id": item_id, "answer": "A", "client_ts": client_ts}
    return sid, _post(client, f"/api/v1/assessment/sessions/{sid}/responses", body)


def test_a_naive_client_time_is_stored_as_utc(client, make_user, fixed_campaign):
    sid, r = _answer(client, make_user, fixed_campaign, "2026-01-01T08:00:00")
    assert r.status_code == 201, r.content
    stored = Response.objects.get(session_id=sid).client_ts
    assert stored == datetime(2026, 1, 1, 8, tzinfo=UTC)


def test_an_aware_client_time_keeps_its_instant(client, make_user, fixed_campaign):
    sid, r = _answer(client, make_user, fixed_campaign, "2026-01-01T16:00:00+08:00")
    assert r.status_code == 201, r.content
    stored = Response.objects.get(session_id=sid).client_ts
    assert stored == datetime(2026, 1, 1, 8, tzinfo=UTC)


@pytest.mark.parametrize("client_ts", ["yesterday", "2026-13-01T08:00:00"])
def test_a_malformed_client_time_is_refused_and_stores_nothing(
    client, make_user, fixed_campaign, client_ts
):
    sid, r = _answer(client, make_user, fixed_campaign, client_ts)
    assert r.status_code == 422, r.content
    assert [e["field"] for e in r.json()["errors"]] == ["client_ts"]
    assert not Response.objects.filter(session_id=sid).exists()
