"""A newer connection fences the old one: it is told, closed, and its answers refused."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from django.db.models import F

from assessment import services
from assessment.models import Response, Session
from learning_platform.errors import ApiError
from tests.assessment.test_consumers import _connect, _cookie, _start


def _answer_args(session):
    session.refresh_from_db()
    return {
        "session_id": session.pk,
        "sequence": session.pending["sequence"],
        "item_id": session.pending["item_id"],
        "answer": "B",
    }


@pytest.mark.django_db
def test_an_answer_with_an_older_epoch_is_refused_and_stores_nothing(
    make_user, fixed_campaign
):
    user = make_user()
    session, _ = services.session_start(
        user=user, campaign=fixed_campaign, background={}, consent=True
    )
    old = session.connection_epoch
    newer = services.session_connect(session_id=session.pk, user=user).connection_epoch
    assert newer == old + 1
    with pytest.raises(ApiError) as exc:
        services.response_record(user=user, epoch=old, **_answer_args(session))
    assert exc.value.code == "fenced" and exc.value.status == 409
    assert not Response.objects.exists()
    with pytest.raises(ApiError) as exc:
        services.session_finish(session_id=session.pk, user=user, epoch=old)
    assert exc.value.code == "fenced"
    assert Session.objects.get(pk=session.pk).status == "in_progress"
    ack = services.response_record(user=user, epoch=newer, **_answer_args(session))
    assert ack.sequence == 1 and Response.objects.count() == 1


@pytest.mark.django_db
def test_http_resume_fences_the_earlier_http_client(client, make_user, fixed_campaign):
    client.force_login(make_user())
    url = f"/api/v1/assessment/campaigns/{fixed_campaign.pk}/sessions"
    body = json.dumps({"consent": True, "background": {}})
    first = client.post(url, data=body, content_type="application/json").json()
    second = client.post(url, data=body, content_type="application/json").json()
    assert second["session_id"] == first["session_id"]
    assert second["connection_epoch"] == first["connection_epoch"] + 1
    item = first["item"]
    answer = {"sequence": item["sequence"], "item_id": item["item_id"], "answer": "B"}
    answer_url = f"/api/v1/assessment/sessions/{first['session_id']}/responses"
    stale = client.post(
        answer_url,
        content_type="application/json",
        data=json.dumps({**answer, "connection_epoch": first["connection_epoch"]}),
    )
    assert stale.status_code == 409 and stale.json()["code"] == "fenced"
    assert stale.json()["message"]
    assert not Response.objects.exists()
    fresh = client.post(
        answer_url,
        content_type="application/json",
        data=json.dumps({**answer, "connection_epoch": second["connection_epoch"]}),
    )
    assert fresh.status_code == 201
    finish_url = f"/api/v1/assessment/sessions/{first['session_id']}/finish"
    refused = client.post(f"{finish_url}?connection_epoch={first['connection_epoch']}")
    assert refused.status_code == 409 and refused.json()["code"] == "fenced"


async def _until(ws, kind):
    while True:
        m = await ws.receive_json_from()
        if m["type"] == kind:
            return m


@pytest.mark.django_db(transaction=True)
async def test_a_second_websocket_fences_the_first(make_user, fixed_campaign):
    i1 = fixed_campaign.instrument.settings["item_ids"][0]
    user = await database_sync_to_async(make_user)()
    sid = await database_sync_to_async(_start)(user, fixed_campaign)
    cookie = await database_sync_to_async(_cookie)(user)
    old = await _connect(sid, cookie)
    assert (await old.receive_json_from())["type"] == "state"
    new = await _connect(sid, cookie)
    assert (await new.receive_json_from())["type"] == "state"
    # the old connection is told, in Chinese, and closed
    fenced = await old.receive_json_from()
    assert fenced["type"] == "fenced" and fenced["code"] == "fenced"
    assert "另一个" in fenced["message"]
    closed = await old.receive_output()
    assert closed == {"type": "websocket.close", "code": 4409}
    # the new one answers normally
    await new.send_json_to(
        {"type": "answer", "sequence": 1, "item_id": i1, "answer": "B"}
    )
    assert (await _until(new, "ack"))["sequence"] == 1
    assert (
        await database_sync_to_async(Response.objects.filter(session_id=sid).count)()
        == 1
    )
    await new.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_an_answer_racing_the_fence_is_refused(make_user, fixed_campaign):
    """Another process took the session over but its group message has not arrived:
    the database epoch still refuses the old connection's answer."""
    i1 = fixed_campaign.instrument.settings["item_ids"][0]
    user = await database_sync_to_async(make_user)()
    sid = await database_sync_to_async(_start)(user, fixed_campaign)
    old = await _connect(sid, await database_sync_to_async(_cookie)(user))
    await old.receive_json_from()
    await database_sync_to_async(Session.objects.filter(pk=sid).update)(
        connection_epoch=F("connection_epoch") + 1
    )
    await old.send_json_to(
        {"type": "answer", "sequence": 1, "item_id": i1, "answer": "B"}
    )
    error = await old.receive_json_from()
    assert error["type"] == "error" and error["code"] == "fenced" and error["message"]
    assert (await old.receive_json_from())["type"] == "fenced"
    assert (await old.receive_output())["type"] == "websocket.close"
    assert not await database_sync_to_async(
        Response.objects.filter(session_id=sid).exists
    )()


@pytest.mark.django_db(transaction=True)
async def test_http_resume_fences_an_open_websocket(make_user, fixed_campaign):
    from django.test import AsyncClient

    user = await database_sync_to_async(make_user)()
    sid = await database_sync_to_async(_start)(user, fixed_campaign)
    cookie = await database_sync_to_async(_cookie)(user)
    ws = await _connect(sid, cookie)
    await ws.receive_json_from()
    client = AsyncClient()
    client.cookies["sessionid"] = cookie
    r = await client.post(
        f"/api/v1/assessment/campaigns/{fixed_campaign.pk}/sessions",
        data=json.dumps({"consent": True, "background": {}}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["session_id"] == sid
    assert (await _until(ws, "fenced"))["code"] == "fenced"
    assert (await ws.receive_output())["type"] == "websocket.close"
