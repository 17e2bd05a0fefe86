"""HTTP and WebSocket round trips through the ASGI application."""

from __future__ import annotations

import json

import pytest
from channels.testing import HttpCommunicator, WebsocketCommunicator

from learning_platform.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


async def test_http_request_through_asgi():
    communicator = HttpCommunicator(
        application, "GET", "/api/v1/system/health", headers=[(b"host", b"localhost")]
    )
    response = await communicator.get_response()
    assert response["status"] == 200
    assert json.loads(response["body"])["status"] == "ok"


async def test_websocket_round_trip():
    communicator = WebsocketCommunicator(
        application,
        "/ws/ping/",
        headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")],
    )
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"echo": "你好"})
    assert await communicator.receive_json_from() == {
        "type": "pong",
        "echo": "你好",
        "user": None,
    }
    await communicator.disconnect()


async def test_websocket_from_foreign_origin_is_refused():
    communicator = WebsocketCommunicator(
        application,
        "/ws/ping/",
        headers=[(b"origin", b"https://evil.example"), (b"host", b"localhost")],
    )
    connected, _ = await communicator.connect()
    assert not connected
