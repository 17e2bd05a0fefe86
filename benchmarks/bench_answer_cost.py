"""Per-answer cost: database queries and CPU milliseconds per answer, HTTP and WebSocket.

Runs the project's real answer path in this process on PostgreSQL (the benchmark's own
database, built by ``_harness.prepare``: 300 published 2PL items, the adaptive
instrument, a practice campaign):

- **HTTP**: ``POST /api/v1/assessment/sessions/{id}/responses`` through Django's full
  request handler and middleware (the test client, session cookie);
- **WebSocket**: the session consumer through ``learning_platform.asgi.application``
  (Channels' ``WebsocketCommunicator``: origin check, session auth, the consumer);

and, in the same run on the same database, the floor: a bare django-ninja endpoint and
a bare consumer (``benchmarks/_bare_answer.py``) that lock the session, store the row
and present the next item, nothing more. For each it prints the queries per answer
(counted by an execute wrapper on every connection, including Channels' worker thread),
the CPU milliseconds per answer of this process (server and the in-process client; the
client's share is the same for both rows) and the ratio to the floor.

Sessions run to their end (the adaptive stop rule), so the finishing answer's scoring,
result and credit-bank outcome are part of the mean; p50 is the typical answer.

Usage::

    .venv/bin/python benchmarks/bench_answer_cost.py [--sessions 20] [--db NAME]
        [--redis redis://127.0.0.1:6379/7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._harness import (  # noqa: E402
    campaign_id,
    choose_answer,
    citizen_create,
    drop_database,
    prepare,
    redis_flush,
)

_LOCK = threading.Lock()
QUERIES = [0]


def _count(execute, sql, params, many, context):
    with _LOCK:
        QUERIES[0] += 1
    return execute(sql, params, many, context)


def install_counter() -> None:
    """Count every query on every connection, present and future (all threads)."""
    from django.db import connections
    from django.db.backends.signals import connection_created

    def on_created(sender, connection, **kwargs):  # noqa: ARG001
        if _count not in connection.execute_wrappers:
            connection.execute_wrappers.append(_count)

    connection_created.connect(on_created, weak=False)
    for conn in connections.all():
        if _count not in conn.execute_wrappers:
            conn.execute_wrappers.append(_count)


class Meter:
    """Queries and CPU seconds of each measured answer."""

    def __init__(self) -> None:
        self.queries: list[int] = []
        self.cpu: list[float] = []
        self.wall: list[float] = []

    def start(self) -> None:
        self._q, self._c, self._w = QUERIES[0], time.process_time(), time.perf_counter()

    def stop(self) -> None:
        self.queries.append(QUERIES[0] - self._q)
        self.cpu.append(time.process_time() - self._c)
        self.wall.append(time.perf_counter() - self._w)

    def summary(self) -> dict[str, float]:
        return {
            "answers": len(self.queries),
            "q_mean": statistics.fmean(self.queries),
            "q_p50": statistics.median(self.queries),
            "q_max": max(self.queries),
            "cpu_ms_mean": 1000 * statistics.fmean(self.cpu),
            "cpu_ms_p50": 1000 * statistics.median(self.cpu),
            "wall_ms_p50": 1000 * statistics.median(self.wall),
        }


def _client(cookie: str):
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = cookie
    return client


def _start(client, campaign: int) -> dict:
    reply = client.post(
        f"/api/v1/assessment/campaigns/{campaign}/sessions",
        {"consent": True},
        content_type="application/json",
    )
    assert reply.status_code in (200, 201), reply.content
    return reply.json()


def http_real(people: list, campaign: int, meter: Meter | None) -> None:
    for _user, cookie in people:
        client = _client(cookie)
        state = _start(client, campaign)
        while state["status"] == "in_progress":
            item = state["item"]
            if meter:
                meter.start()
            reply = client.post(
                f"/api/v1/assessment/sessions/{state['session_id']}/responses",
                {
                    "sequence": item["sequence"],
                    "item_id": item["item_id"],
                    "answer": choose_answer(item),
                },
                content_type="application/json",
            )
            if meter:
                meter.stop()
            assert reply.status_code == 201, reply.content
            state = reply.json()["session"]


def http_bare(people: list, campaign: int, meter: Meter | None, length: int) -> None:
    from django.test import override_settings

    from benchmarks._bare_answer import session_reset

    for _user, cookie in people:
        client = _client(cookie)
        state = _start(client, campaign)
        item = session_reset(state["session_id"])
        with override_settings(ROOT_URLCONF="benchmarks._bare_answer"):
            for _ in range(length):
                if meter:
                    meter.start()
                reply = client.post(
                    f"/bare/sessions/{state['session_id']}/responses",
                    {
                        "sequence": item["sequence"],
                        "item_id": item["item_id"],
                        "answer": "A",
                    },
                    content_type="application/json",
                )
                if meter:
                    meter.stop()
                assert reply.status_code == 200, reply.content
                item = reply.json()["item"]


def _headers(cookie: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"cookie", f"sessionid={cookie}".encode()),
        (b"origin", b"http://127.0.0.1"),
        (b"host", b"127.0.0.1"),
    ]


async def ws_real(people: list, campaign: int, meter: Meter | None) -> None:
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator

    from learning_platform.asgi import application

    for _user, cookie in people:
        state = await database_sync_to_async(
            lambda c=cookie: _start(_client(c), campaign)
        )()
        ws = WebsocketCommunicator(
            application,
            f"/ws/assessment/sessions/{state['session_id']}/",
            headers=_headers(cookie),
        )
        connected, _ = await ws.connect(timeout=30)
        assert connected
        message = await ws.receive_json_from(timeout=30)
        while message["type"] == "state":
            item = message["session"]["item"]
            if meter:
                meter.start()
            await ws.send_json_to(
                {
                    "type": "answer",
                    "sequence": item["sequence"],
                    "item_id": item["item_id"],
                    "answer": choose_answer(item),
                }
            )
            ack = await ws.receive_json_from(timeout=30)
            assert ack["type"] == "ack", ack
            message = await ws.receive_json_from(timeout=30)
            if meter:
                meter.stop()
        assert message["type"] == "finished", message
        await ws.disconnect()


async def ws_bare(
    people: list, campaign: int, meter: Meter | None, length: int
) -> None:
    from channels.auth import AuthMiddlewareStack
    from channels.db import database_sync_to_async
    from channels.routing import URLRouter
    from channels.security.websocket import AllowedHostsOriginValidator
    from channels.testing import WebsocketCommunicator
    from django.urls import path

    from benchmarks._bare_answer import BareConsumer, session_reset

    app = AllowedHostsOriginValidator(
        AuthMiddlewareStack(
            URLRouter([path("ws/bare/<str:session_id>/", BareConsumer.as_asgi())])
        )
    )
    for _user, cookie in people:
        state = await database_sync_to_async(
            lambda c=cookie: _start(_client(c), campaign)
        )()
        item = await database_sync_to_async(session_reset)(state["session_id"])
        ws = WebsocketCommunicator(
            app, f"/ws/bare/{state['session_id']}/", headers=_headers(cookie)
        )
        connected, _ = await ws.connect(timeout=30)
        assert connected
        for _ in range(length):
            if meter:
                meter.start()
            await ws.send_json_to(
                {
                    "sequence": item["sequence"],
                    "item_id": item["item_id"],
                    "answer": "A",
                }
            )
            ack = await ws.receive_json_from(timeout=30)
            assert ack["type"] == "ack", ack
            item = (await ws.receive_json_from(timeout=30))["item"]
            if meter:
                meter.stop()
        await ws.disconnect()


def bare_items() -> list[dict]:
    from assessment.models import Instrument
    from benchmarks._bare_answer import items_set
    from benchmarks._harness import INSTRUMENT
    from itembank.models import Item

    ids = Instrument.objects.get(code=INSTRUMENT).settings["item_ids"]
    items = [
        {
            "id": i.pk,
            "revision_id": i.latest_revision_id,
            "payload": {
                "stem": str(i.stem),
                "options": [
                    {"id": o.option_id, "text": str(o.text)} for o in i.options.all()
                ],
            },
        }
        for i in Item.objects.filter(pk__in=ids).prefetch_related("options")
    ]
    items_set(items)
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sessions",
        type=int,
        default=20,
        help="measured sessions per path (default 20)",
    )
    parser.add_argument(
        "--db", default=None, help="keep this database (default: temporary)"
    )
    parser.add_argument(
        "--redis", default=None, help="channel layer and cache in this Redis"
    )
    args = parser.parse_args()

    db = args.db or f"lp_bench_cost_{uuid.uuid4().hex[:8]}"
    if args.redis:
        redis_flush(args.redis)
    prepare(db, redis=args.redis)
    try:
        install_counter()
        campaign = campaign_id()
        run = uuid.uuid4().hex[:6]
        people = [
            citizen_create(f"cost-{run}-{k}") for k in range(4 * (args.sessions + 2))
        ]
        groups = [people[k::4] for k in range(4)]
        bare_items()

        meters = {name: Meter() for name in ("http", "http_bare", "ws", "ws_bare")}
        # Warm every path (pool, item cache, URL resolvers) before measuring.
        http_real(groups[0][:2], campaign, None)
        http_bare(groups[1][:2], campaign, None, 5)
        asyncio.run(ws_real(groups[2][:2], campaign, None))
        asyncio.run(ws_bare(groups[3][:2], campaign, None, 5))

        http_real(groups[0][2:], campaign, meters["http"])
        length = max(1, round(len(meters["http"].queries) / max(1, len(groups[0][2:]))))
        http_bare(groups[1][2:], campaign, meters["http_bare"], length)
        asyncio.run(ws_real(groups[2][2:], campaign, meters["ws"]))
        asyncio.run(ws_bare(groups[3][2:], campaign, meters["ws_bare"], length))

        out = {name: meter.summary() for name, meter in meters.items()}
        print(
            f"Per-answer cost on PostgreSQL, {args.sessions} sessions per path "
            f"(adaptive, {length} answers a session on average)"
        )
        print(
            f"{'path':<10} {'answers':>7} {'queries mean':>13} {'p50':>5} {'max':>5} "
            f"{'CPU ms mean':>12} {'CPU ms p50':>11} {'wall ms p50':>12}"
        )
        for name, s in out.items():
            print(
                f"{name:<10} {s['answers']:>7} {s['q_mean']:>13.2f} {s['q_p50']:>5.0f} "
                f"{s['q_max']:>5} {s['cpu_ms_mean']:>12.2f} {s['cpu_ms_p50']:>11.2f} "
                f"{s['wall_ms_p50']:>12.2f}"
            )
        for real, bare in (("http", "http_bare"), ("ws", "ws_bare")):
            r, b = out[real], out[bare]
            print(
                f"ratio {real} / bare: queries (p50) {r['q_p50'] / b['q_p50']:.2f}×, "
                f"CPU ms (p50) {r['cpu_ms_p50'] / b['cpu_ms_p50']:.2f}×, "
                f"CPU ms (mean) {r['cpu_ms_mean'] / b['cpu_ms_mean']:.2f}×"
            )
        print(json.dumps(out))
    finally:
        from django.db import connections

        connections.close_all()
        if args.redis:
            redis_flush(args.redis)
        if args.db is None:
            drop_database(db)


if __name__ == "__main__":
    main()
