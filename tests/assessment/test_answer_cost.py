"""The per-answer query budget (issue 22): what one answer may cost the database.

``benchmarks/bench_answer_cost.py`` measures the real path against a bare django-ninja
endpoint (5 queries over HTTP: the Django session, the user, the locked session row,
the insert, the update). Delivery must also refuse a stale or repeated answer, check
the item is still live and replay the adaptive state, which puts a typical answer at 12
queries over HTTP on PostgreSQL. These tests hold that budget, with the answer scored
from a per-revision scorer and the active parameter set read once per answer.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment import items

pytestmark = pytest.mark.django_db

# A typical (not finishing) adaptive answer over HTTP, savepoints not counted: the 12
# of the benchmark less the store's savepoint pair. (A test runs inside a transaction,
# so its outer atomic blocks add savepoints the real path does not have.)
HTTP_ANSWER_BUDGET = 10


def _statements(ctx) -> list[str]:
    return [
        q["sql"]
        for q in ctx.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def _post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def _answer(client, sid, item):
    return _post(
        client,
        f"/api/v1/assessment/sessions/{sid}/responses",
        {"sequence": item["sequence"], "item_id": item["item_id"], "answer": "A"},
    )


def _start(client, campaign):
    reply = _post(
        client,
        f"/api/v1/assessment/campaigns/{campaign.pk}/sessions",
        {"consent": True, "background": {}},
    )
    assert reply.status_code == 201, reply.content
    return reply.json()


def test_an_adaptive_answer_stays_within_the_query_budget(
    client, make_user, adaptive_campaign
):
    items.pool_cache_clear()
    client.force_login(make_user())
    # A first session warms the pool and the scorers of the items it met.
    state = _start(client, adaptive_campaign)
    seen = set()
    while state["status"] == "in_progress":
        seen.add(state["item"]["item_id"])
        state = _answer(client, state["session_id"], state["item"]).json()["session"]
    client.force_login(make_user())
    state = _start(client, adaptive_campaign)
    counts = []
    while state["status"] == "in_progress":
        item = state["item"]
        with CaptureQueriesContext(connection) as ctx:
            reply = _answer(client, state["session_id"], item)
        assert reply.status_code == 201, reply.content
        state = reply.json()["session"]
        if state["status"] == "in_progress" and item["item_id"] in seen:
            counts.append(len(_statements(ctx)))
            sql = " ".join(_statements(ctx))
            # the answer was scored by the cached scorer, not by reading its revision
            assert "wagtailcore_revision" not in sql, sql
            # the active parameter set is read once, not once per pool lookup
            assert sql.count('FROM "itembank_itemparameterset"') == 1, sql
    assert counts, "the second session met no item the first had scored"
    assert max(counts) <= HTTP_ANSWER_BUDGET, counts


def test_the_scorer_is_read_once_per_revision_and_scores_every_answer(
    adaptive_campaign, item_bank
):
    items.pool_cache_clear()
    item_id = item_bank.ids[0]
    revision_id = items.item_for_delivery(item_id).revision_id
    with CaptureQueriesContext(connection) as first:
        right = items.item_answer_score(revision_id=revision_id, answer="B")
    with CaptureQueriesContext(connection) as later:
        wrong = items.item_answer_score(revision_id=revision_id, answer="A")
        again = items.item_answer_score(revision_id=revision_id, answer="B")
    assert (right, wrong, again) == (1, 0, 1)
    assert len(first.captured_queries) >= 1 and len(later.captured_queries) == 0
