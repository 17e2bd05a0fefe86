"""A multistage session over the WebSocket: the same services route it."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from assessment.models import MultistageModule, Session
from tests.assessment.fixtures import KEY
from tests.assessment.test_consumers import _connect, _cookie, _start
from tests.assessment.test_multistage import _instrument

pytestmark = pytest.mark.django_db(transaction=True)


async def test_multistage_answers_over_websocket_route_to_the_hard_module(
    make_user, item_bank
):
    """Four right answers over the socket, acknowledged after commit, then the state
    presents the first item of stage 2's hard module; a reconnect shows it again."""
    _instrument_, campaign = await database_sync_to_async(_instrument)(item_bank)
    user = await database_sync_to_async(make_user)()
    sid = await database_sync_to_async(_start)(user, campaign)
    cookie = await database_sync_to_async(_cookie)(user)
    ws = await _connect(sid, cookie)
    message = await ws.receive_json_from()
    for _k in range(4):
        item = message["session"]["item"]
        await ws.send_json_to(
            {
                "type": "answer",
                "sequence": item["sequence"],
                "item_id": item["item_id"],
                "answer": KEY,
            }
        )
        assert (await ws.receive_json_from())["type"] == "ack"
        message = await ws.receive_json_from()
    session = await database_sync_to_async(Session.objects.get)(pk=sid)
    hard = await database_sync_to_async(MultistageModule.objects.get)(
        panel_id=session.panel_id, stage=2, difficulty="hard"
    )
    assert message["session"]["item"]["item_id"] == hard.item_ids[0]
    assert "plan" not in message["session"] and "route" not in str(message)
    await ws.disconnect()
    ws2 = await _connect(sid, cookie)
    resumed = (await ws2.receive_json_from())["session"]
    assert resumed["item"] == message["session"]["item"] and resumed["answered"] == 4
    await ws2.disconnect()
