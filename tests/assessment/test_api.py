"""The delivery API: a whole session, and every refusal with its code."""

from __future__ import annotations

import json

import pytest

from assessment.models import Response, Session
from tests.assessment.fixtures import right_answer

pytestmark = pytest.mark.django_db

FORBIDDEN_KEYS = {
    "key",
    "keys",
    "correct",
    "is_correct",
    "answer_key",
    "a",
    "b",
    "c",
    "thresholds",
    "parameters",
    "params",
    "discrimination",
    "difficulty",
    "score",
    "statistics",
}


def _keys(value, path=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield k, f"{path}.{k}"
            yield from _keys(v, f"{path}.{k}")
    elif isinstance(value, list):
        for n, v in enumerate(value):
            yield from _keys(v, f"{path}[{n}]")


def assert_no_secrets(payload, bank):
    for key, where in _keys(payload):
        assert key not in FORBIDDEN_KEYS, f"{where} reaches the test-taker"
    text = json.dumps(payload)
    for item_id, a in bank.a.items():
        assert repr(round(a, 6))[:8] not in text, f"parameter a of {item_id} leaked"


def _client(client, user):
    client.force_login(user)
    return client


def _post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def test_full_session_over_http_without_keys_or_parameters(
    client, make_user, adaptive_campaign, item_bank
):
    c = _client(client, make_user())
    listing = c.get("/api/v1/assessment/campaigns")
    assert (
        listing.status_code == 200 and listing.json()[0]["id"] == adaptive_campaign.pk
    )
    start = _post(
        c,
        f"/api/v1/assessment/campaigns/{adaptive_campaign.pk}/sessions",
        {"consent": True, "background": {}},
    )
    assert start.status_code == 201, start.content
    state = start.json()
    sid = state["session_id"]
    payloads = [state]
    while state["status"] == "in_progress":
        item = state["item"]
        r = _post(
            c,
            f"/api/v1/assessment/sessions/{sid}/responses",
            {
                "sequence": item["sequence"],
                "item_id": item["item_id"],
                "answer": right_answer(item_bank, item),
            },
        )
        assert r.status_code == 201, r.content
        assert r.json()["ack"]["sequence"] == item["sequence"]
        payloads.append(r.json())
        state = r.json()["session"]
    assert state["status"] == "finished" and state["result_url"]
    results = c.get(f"/api/v1/assessment/sessions/{sid}/results").json()
    assert results["results"][0]["level_name"] == "熟练"
    assert results["results"][0]["suggestion"]
    for payload in payloads:
        assert_no_secrets(payload, item_bank)
    history = c.get("/api/v1/assessment/sessions").json()
    assert history[0]["session_id"] == sid


def test_duplicate_post_gets_the_identical_ack(client, make_user, fixed_campaign):
    i1, i2, i3 = fixed_campaign.instrument.settings["item_ids"]
    c = _client(client, make_user())
    sid = _post(
        c,
        f"/api/v1/assessment/campaigns/{fixed_campaign.pk}/sessions",
        {"consent": True},
    ).json()["session_id"]
    body = {
        "sequence": 1,
        "item_id": i1,
        "answer": "A",
        "client_ts": "2026-01-01T08:00:00Z",
    }
    first = _post(c, f"/api/v1/assessment/sessions/{sid}/responses", body)
    second = _post(c, f"/api/v1/assessment/sessions/{sid}/responses", body)
    assert first.status_code == second.status_code == 201
    assert first.json()["ack"] == second.json()["ack"]
    assert Response.objects.filter(session_id=sid).count() == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"sequence": 1, "item_id": 2, "answer": "A"}, 409, "item_not_presented"),
        ({"sequence": 5, "item_id": 1, "answer": "A"}, 409, "item_not_presented"),
        ({"sequence": 1, "item_id": 1, "answer": "Z"}, 422, "invalid"),
        ({"sequence": 1, "item_id": 1, "answer": ["A"]}, 422, "invalid"),
        ({"sequence": 0, "item_id": 1, "answer": "A"}, 422, "invalid_input"),
        ({"item_id": 1, "answer": "A"}, 422, "invalid_input"),
    ],
)
def test_bad_answers_are_refused_and_change_nothing(
    client, make_user, fixed_campaign, body, status, code
):
    c = _client(client, make_user())
    sid = _post(
        c,
        f"/api/v1/assessment/campaigns/{fixed_campaign.pk}/sessions",
        {"consent": True},
    ).json()["session_id"]
    before = Session.objects.get(pk=sid).pending
    # item_id 1 and 2 stand for the form's first and second item
    body = dict(
        body,
        item_id=fixed_campaign.instrument.settings["item_ids"][body["item_id"] - 1],
    )
    r = _post(c, f"/api/v1/assessment/sessions/{sid}/responses", body)
    assert r.status_code == status and r.json()["code"] == code, r.content
    assert r.json()["message"]
    assert not Response.objects.exists()
    assert Session.objects.get(pk=sid).pending == before


def test_changed_answer_finished_session_and_other_user_are_refused(
    client, make_user, fixed_campaign
):
    i1, i2, i3 = fixed_campaign.instrument.settings["item_ids"]
    owner, other = make_user(), make_user()
    c = _client(client, owner)
    sid = _post(
        c,
        f"/api/v1/assessment/campaigns/{fixed_campaign.pk}/sessions",
        {"consent": True},
    ).json()["session_id"]
    _post(
        c,
        f"/api/v1/assessment/sessions/{sid}/responses",
        {"sequence": 1, "item_id": i1, "answer": "A"},
    )
    changed = _post(
        c,
        f"/api/v1/assessment/sessions/{sid}/responses",
        {"sequence": 1, "item_id": i1, "answer": "B"},
    )
    assert changed.status_code == 409 and changed.json()["code"] == "already_answered"
    client.force_login(other)
    for url in (
        f"/api/v1/assessment/sessions/{sid}",
        f"/api/v1/assessment/sessions/{sid}/results",
    ):
        r = client.get(url)
        assert r.status_code == 404 and r.json()["code"] == "not_found"
    stolen = _post(
        client,
        f"/api/v1/assessment/sessions/{sid}/responses",
        {"sequence": 2, "item_id": i2, "answer": "B"},
    )
    assert stolen.status_code == 404
    assert (
        _post(client, f"/api/v1/assessment/sessions/{sid}/finish", {}).status_code
        == 404
    )
    client.force_login(owner)
    finished = _post(client, f"/api/v1/assessment/sessions/{sid}/finish", {})
    assert (
        finished.status_code == 200
        and finished.json()["session"]["status"] == "finished"
    )
    late = _post(
        client,
        f"/api/v1/assessment/sessions/{sid}/responses",
        {"sequence": 2, "item_id": i2, "answer": "B"},
    )
    assert late.status_code == 409 and late.json()["code"] == "session_finished"
    assert Response.objects.filter(session_id=sid).count() == 1


def test_expired_session_is_refused_over_http(client, make_user, adaptive_campaign):
    from datetime import timedelta

    c = _client(client, make_user())
    state = _post(
        c,
        f"/api/v1/assessment/campaigns/{adaptive_campaign.pk}/sessions",
        {"consent": True},
    ).json()
    Session.objects.filter(pk=state["session_id"]).update(
        started_at=Session.objects.get(pk=state["session_id"]).started_at
        - timedelta(hours=1),
        deadline=Session.objects.get(pk=state["session_id"]).deadline
        - timedelta(hours=1),
    )
    item = state["item"]
    r = _post(
        c,
        f"/api/v1/assessment/sessions/{state['session_id']}/responses",
        {"sequence": item["sequence"], "item_id": item["item_id"], "answer": "B"},
    )
    assert r.status_code == 409 and r.json()["code"] == "session_expired"
    assert not Response.objects.exists()


def test_anonymous_and_unknown_sessions(client, make_user, fixed_campaign):
    assert client.get("/api/v1/assessment/sessions").status_code == 401
    c = _client(client, make_user())
    assert c.get("/api/v1/assessment/sessions/not-a-uuid").status_code == 404
    assert (
        c.get(
            "/api/v1/assessment/sessions/00000000-0000-0000-0000-000000000000"
        ).status_code
        == 404
    )
    r = _post(
        c,
        f"/api/v1/assessment/campaigns/{fixed_campaign.pk}/sessions",
        {"consent": False},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "consent"
