"""The session WebSocket end to end through the ASGI application (auth by session cookie)."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from assessment.models import Response, Session
from learning_platform.asgi import application
from tests.assessment.fixtures import right_answer
from tests.assessment.test_api import assert_no_secrets

pytestmark = pytest.mark.django_db(transaction=True)


def _cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def _start(user, campaign) -> str:
    from assessment.services import session_start

    session, _ = session_start(
        user=user, campaign=campaign, background={}, consent=True
    )
    return str(session.pk)


async def _connect(session_id: str, cookie: str | None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    communicator = WebsocketCommunicator(
        application, f"/ws/assessment/sessions/{session_id}/", headers=headers
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def test_full_adaptive_session_over_websocket(
    make_user, adaptive_campaign, item_bank
):
    user = await database_sync_to_async(make_user)()
    sid = await database_sync_to_async(_start)(user, adaptive_campaign)
    cookie = await database_sync_to_async(_cookie)(user)
    ws = await _connect(sid, cookie)
    message = await ws.receive_json_from()
    assert message["type"] == "state"
    messages = [message]
    answered = 0
    while message["type"] == "state":
        item = message["session"]["item"]
        await ws.send_json_to(
            {
                "type": "answer",
                "sequence": item["sequence"],
                "item_id": item["item_id"],
                "answer": right_answer(item_bank, item),
            }
        )
        ack = await ws.receive_json_from()
        assert ack["type"] == "ack" and ack["sequence"] == item["sequence"]
        # acknowledged means committed
        assert await database_sync_to_async(
            Response.objects.filter(session_id=sid, sequence=item["sequence"]).exists
        )()
        answered += 1
        message = await ws.receive_json_from()
        messages += [ack, message]
    assert message["type"] == "finished"
    assert message["session"]["result_url"].endswith(f"/s/{sid}/result/")
    assert message["session"]["results"][0]["level_code"] == "L3"
    assert answered == 8
    for m in messages[:-1]:
        assert_no_secrets(m, item_bank)
    await ws.disconnect()


async def test_resume_after_disconnect_keeps_answers_and_item(
    make_user, fixed_campaign
):
    user = await database_sync_to_async(make_user)()
    sid = await database_sync_to_async(_start)(user, fixed_campaign)
    cookie = await database_sync_to_async(_cookie)(user)
    ws = await _connect(sid, cookie)
    state = (await ws.receive_json_from())["session"]
    await ws.send_json_to(
        {
            "type": "answer",
            "sequence": 1,
            "item_id": state["item"]["item_id"],
            "answer": "B",
        }
    )
    assert (await ws.receive_json_from())["type"] == "ack"
    second = (await ws.receive_json_from())["session"]["item"]
    await ws.disconnect()
    # a new connection (another tab, a restarted server) continues where it stopped
    ws2 = await _connect(sid, cookie)
    resumed = (await ws2.receive_json_from())["session"]
    assert resumed["answered"] == 1 and resumed["item"] == second
    await ws2.send_json_to({"type": "time"})
    assert (await ws2.receive_json_from())["type"] == "time"
    await ws2.disconnect()


async def test_concurrent_duplicate_answers_store_one_response(
    make_user, fixed_campaign
):
    """The same answer over the WebSocket and, at once, from the page's plain form
    (which carries no connection epoch) is stored once and acknowledged alike."""
    from assessment import services

    i1, i2, i3 = fixed_campaign.instrument.settings["item_ids"]
    user = await database_sync_to_async(make_user)()
    sid = await database_sync_to_async(_start)(user, fixed_campaign)
    cookie = await database_sync_to_async(_cookie)(user)
    a = await _connect(sid, cookie)
    await a.receive_json_from()
    answer = {"type": "answer", "sequence": 1, "item_id": i1, "answer": "C"}

    def form_post():
        return services.response_record(
            session_id=sid, user=user, sequence=1, item_id=i1, answer="C"
        ).payload()

    _sent, form_ack = await asyncio.gather(
        a.send_json_to(answer), database_sync_to_async(form_post)()
    )
    while True:
        m = await a.receive_json_from()
        if m["type"] == "ack":
            break
    assert {k: v for k, v in m.items() if k != "type"} == form_ack
    assert (
        await database_sync_to_async(Response.objects.filter(session_id=sid).count)()
        == 1
    )
    await a.disconnect()


async def test_refusals_over_websocket(make_user, fixed_campaign):
    i1, i2, i3 = fixed_campaign.instrument.settings["item_ids"]
    owner, other = (
        await database_sync_to_async(make_user)(),
        await database_sync_to_async(make_user)(),
    )
    sid = await database_sync_to_async(_start)(owner, fixed_campaign)
    ws = await _connect(sid, await database_sync_to_async(_cookie)(owner))
    await ws.receive_json_from()
    await ws.send_json_to(
        {"type": "answer", "sequence": 1, "item_id": i2, "answer": "A"}
    )
    error = await ws.receive_json_from()
    assert error["type"] == "error" and error["code"] == "item_not_presented"
    await ws.send_json_to(
        {"type": "answer", "sequence": 1, "item_id": i1, "answer": "Q"}
    )
    error = await ws.receive_json_from()
    assert error["code"] == "invalid" and error["errors"][0]["field"] == "answer"
    await ws.send_json_to({"type": "nonsense"})
    assert (await ws.receive_json_from())["code"] == "unknown_message"
    await ws.send_json_to({"type": "finish"})
    assert (await ws.receive_json_from())["type"] == "finished"
    await ws.send_json_to(
        {"type": "answer", "sequence": 1, "item_id": i1, "answer": "A"}
    )
    assert (await ws.receive_json_from())["code"] == "session_finished"
    await ws.disconnect()
    assert (
        await database_sync_to_async(Response.objects.filter(session_id=sid).count)()
        == 0
    )
    # another user's connection learns nothing and is closed
    intruder = await _connect(sid, await database_sync_to_async(_cookie)(other))
    m = await intruder.receive_json_from()
    assert m == {
        "type": "error",
        "code": "not_found",
        "message": m["message"],
        "errors": [],
        "sequence": None,
    }
    assert (await intruder.receive_output())["type"] == "websocket.close"
    anonymous = await _connect(sid, None)
    assert (await anonymous.receive_json_from())["code"] == "not_authenticated"
    status = await database_sync_to_async(lambda: Session.objects.get(pk=sid).status)()
    assert status == "finished"
