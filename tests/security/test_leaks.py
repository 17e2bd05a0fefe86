"""Nothing a test-taker receives carries keys, parameters, statistics or other items.

Every API answer, WebSocket frame and rendered page of a fixed, a booklet and an
adaptive session is scanned with :func:`tests.security.leaks.leak_scan`.
"""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from learning_platform.asgi import application
from tests.security.conftest import bank_item_ids
from tests.security.leaks import Secrets, leak_scan


def bank_secrets(bank) -> Secrets:
    """Every item's stem (through the delivery contract) and every parameter."""
    from assessment.items import items_for_delivery

    ids = [*bank_item_ids(bank), *getattr(bank, "needs_ids", [])]
    return Secrets(
        item_texts={d.item_id: d.payload["stem_html"] for d in items_for_delivery(ids)},
        parameters=[*bank.a.values(), *bank.b.values()],
    )


def test_the_scanner_finds_planted_leaks(item_bank):
    secrets = bank_secrets(item_bank)
    a_value = next(iter(item_bank.a.values()))
    assert leak_scan({"item": {"options": [{"id": "B", "correct": True}]}}, secrets)
    assert leak_scan({"item": {"params": {"x": 1}}}, secrets)
    assert leak_scan(json.dumps({"hint": round(a_value, 6)}), secrets)
    assert leak_scan('<li data-correct="1">B</li>', secrets)
    ids = bank_item_ids(item_bank)
    assert leak_scan(
        f"<div>{secrets.item_texts[ids[5]]}</div>", secrets, presented={ids[0]}
    )
    # json_script escapes < and >; the scanner still sees the other item's stem.
    escaped = secrets.item_texts[ids[6]].replace("<", "\\u003C").replace(">", "\\u003E")
    assert leak_scan(f'<script type="application/json">"{escaped}"</script>', secrets)
    assert not leak_scan(
        {"item": {"stem_html": secrets.item_texts[ids[0]]}}, secrets, presented={ids[0]}
    )


def _post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def _run_http_session(client: Client, campaign, bank) -> tuple[list, list[str]]:
    """Answer a whole session over HTTP, scanning every answer and page on the way."""
    secrets = bank_secrets(bank)
    findings: list[str] = []
    presented: set[int] = set()
    start = _post(
        client,
        f"/api/v1/assessment/campaigns/{campaign.pk}/sessions",
        {"consent": True, "background": {}},
    )
    assert start.status_code == 201, start.content
    state = start.json()
    sid = state["session_id"]
    seen = [start.content]
    while state["status"] == "in_progress":
        item = state["item"]
        presented.add(item["item_id"])
        page = client.get(f"/assessment/s/{sid}/")
        assert page.status_code == 200
        findings += [
            f"page: {f}" for f in leak_scan(page.content, secrets, presented=presented)
        ]
        findings += [
            f"state: {f}"
            for f in leak_scan(
                client.get(f"/api/v1/assessment/sessions/{sid}").content,
                secrets,
                presented=presented,
            )
        ]
        answer = _post(
            client,
            f"/api/v1/assessment/sessions/{sid}/responses",
            {
                "sequence": item["sequence"],
                "item_id": item["item_id"],
                "answer": bank.keys.get(item["item_id"], 0),
            },
        )
        assert answer.status_code == 201, answer.content
        seen.append(answer.content)
        state = answer.json()["session"]
        if state["item"]:
            presented.add(state["item"]["item_id"])
        findings += [
            f"ack: {f}" for f in leak_scan(answer.content, secrets, presented=presented)
        ]
    for url in (
        f"/api/v1/assessment/sessions/{sid}/results",
        f"/assessment/s/{sid}/result/",
        "/api/v1/assessment/sessions",
        "/assessment/history/",
        "/api/v1/assessment/campaigns",
        "/assessment/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        findings += [
            f"{url}: {f}"
            for f in leak_scan(response.content, secrets, presented=presented)
        ]
    return seen, findings


@pytest.mark.django_db
@pytest.mark.parametrize(
    "which", ["fixed_campaign", "booklet_campaign", "adaptive_campaign"]
)
def test_http_api_and_pages_leak_nothing(which, request, make_user, item_bank):
    campaign = request.getfixturevalue(which)
    client = Client()
    client.force_login(make_user("citizen"))
    seen, findings = _run_http_session(client, campaign, item_bank)
    assert len(seen) >= 3
    assert not findings, "\n".join(findings)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("which", ["fixed_campaign", "adaptive_campaign"])
async def test_websocket_frames_leak_nothing(which, request, make_user, item_bank):
    campaign = await database_sync_to_async(request.getfixturevalue)(which)
    user = await database_sync_to_async(make_user)("citizen")

    def start_and_cookie():
        from assessment.services import session_start

        session, _ = session_start(
            user=user, campaign=campaign, background={}, consent=True
        )
        client = Client()
        client.force_login(user)
        return str(session.pk), client.cookies["sessionid"].value

    sid, cookie = await database_sync_to_async(start_and_cookie)()
    communicator = WebsocketCommunicator(
        application,
        f"/ws/assessment/sessions/{sid}/",
        headers=[
            (b"origin", b"http://localhost"),
            (b"host", b"localhost"),
            (b"cookie", f"sessionid={cookie}".encode()),
        ],
    )
    connected, _ = await communicator.connect()
    assert connected
    secrets = await database_sync_to_async(bank_secrets)(item_bank)
    presented: set[int] = set()
    findings: list[str] = []
    frames = 0
    finished = False
    while not finished:
        frame = await communicator.receive_from(timeout=10)
        frames += 1
        message = json.loads(frame)
        if message["type"] == "state":
            item = message["session"]["item"]
            presented.add(item["item_id"])
            findings += leak_scan(frame, secrets, presented=presented)
            await communicator.send_json_to(
                {
                    "type": "answer",
                    "sequence": item["sequence"],
                    "item_id": item["item_id"],
                    "answer": item_bank.keys.get(item["item_id"], 0),
                }
            )
        else:
            findings += leak_scan(frame, secrets, presented=presented)
            finished = message["type"] == "finished"
            assert message["type"] != "error", message
    await communicator.disconnect()
    assert frames >= 4
    assert not findings, "\n".join(findings)
