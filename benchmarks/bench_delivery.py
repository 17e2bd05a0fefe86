"""Drive N concurrent simulated test-takers over WebSockets against a real ASGI server.

Each simulee starts a session of the demo's adaptive information-literacy test, then
answers the item on screen every ``--interval`` seconds (±50 % jitter) until the test
ends or ``--duration`` passes. Measured from the client:

- answer → next item: send ``answer``, wait for the ``ack`` and the next ``state``
  (or ``finished``);
- the trivial endpoint of the same server in the same run: each simulee also keeps a
  ``/ws/ping/`` connection and pings right after each answer (a round trip that
  touches no database);
- answers lost: acknowledged answers without a stored row, and stored rows without
  an acknowledgement (both must be 0).

The server is ``uvicorn learning_platform.asgi:application`` with ``--workers``
processes on the local PostgreSQL (a database of its own, created and migrated here).
On first use the script builds, through the item bank's services, the demo domains
and levels, ``--items`` published single-choice items over the five
information-literacy areas with an active 2PL parameter set, and an adaptive
instrument (at most 20 items, SE target 0.3, randomesque exposure control, blueprint
balancing) in an open practice campaign.

Usage::

    .venv/bin/python benchmarks/bench_delivery.py --users 25 50 100 200 \
        [--interval 3] [--duration 60] [--workers 2] [--db lp_bench_delivery]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# crash_test.py imports _prepare and _server from here.
from benchmarks._harness import (  # noqa: E402
    INSTRUMENT,
    choose_answer,
    citizen_create,
    free_port,
    stop_server,
    stored_pairs,
)
from benchmarks._harness import ms as _ms  # noqa: E402
from benchmarks._harness import prepare as _prepare  # noqa: E402
from benchmarks._harness import start_server as _server  # noqa: E402


def _users_and_sessions(n: int, run: str) -> list[tuple[str, str]]:
    """Create n citizens, log each in and start its session; return (cookie, session_id)."""
    from assessment.models import Campaign
    from assessment.services import session_start

    campaign = Campaign.objects.get(instrument__code=INSTRUMENT, kind="practice")
    out = []
    for k in range(n):
        user, cookie = citizen_create(f"bench-{run}-{k}")
        session, _ = session_start(
            user=user, campaign=campaign, background={}, consent=True
        )
        out.append((cookie, str(session.pk)))
    return out


async def _simulee(
    port: int, cookie: str, session_id: str, interval: float, until: float, stats: dict
) -> None:
    import websockets

    headers = {"Cookie": f"sessionid={cookie}", "Origin": f"http://127.0.0.1:{port}"}
    base = f"ws://127.0.0.1:{port}"
    async with (
        websockets.connect(
            f"{base}/ws/assessment/sessions/{session_id}/",
            additional_headers=headers,
            max_size=2**20,
            open_timeout=120,
        ) as ws,
        websockets.connect(
            f"{base}/ws/ping/", additional_headers=headers, open_timeout=120
        ) as ping,
    ):
        message = json.loads(await ws.recv())
        while message["type"] == "state" and time.monotonic() < until:
            await asyncio.sleep(interval * random.uniform(0.5, 1.5))
            item = message["session"]["item"]
            answer = choose_answer(item)
            t0 = time.perf_counter()
            await ws.send(
                json.dumps(
                    {
                        "type": "answer",
                        "sequence": item["sequence"],
                        "item_id": item["item_id"],
                        "answer": answer,
                    }
                )
            )
            ack = json.loads(await ws.recv())
            if ack["type"] != "ack":
                stats["errors"].append(ack)
                return
            stats["acks"].append((session_id, ack["sequence"]))
            message = json.loads(await ws.recv())
            stats["answer"].append(time.perf_counter() - t0)
            t1 = time.perf_counter()
            await ping.send(json.dumps({"echo": "x"}))
            await ping.recv()
            stats["ping"].append(time.perf_counter() - t1)
        if message["type"] == "finished":
            stats["completed"] += 1


def _lost(acks: list[tuple[str, int]], session_ids: list[str]) -> tuple[int, int]:
    stored = stored_pairs(set(session_ids))
    acked = set(acks)
    return len(acked - stored), len(stored - acked)


async def _run(port: int, n: int, interval: float, duration: float, run: str) -> dict:
    from asgiref.sync import sync_to_async

    pairs = await sync_to_async(_users_and_sessions)(n, run)
    stats: dict = {"answer": [], "ping": [], "acks": [], "errors": [], "completed": 0}
    until = time.monotonic() + duration
    outcomes = await asyncio.gather(
        *(_simulee(port, c, s, interval, until, stats) for c, s in pairs),
        return_exceptions=True,
    )
    stats["errors"] += [repr(o) for o in outcomes if isinstance(o, BaseException)]
    lost_acked, unacked = await sync_to_async(_lost)(
        stats["acks"], [s for _c, s in pairs]
    )
    stats.update(n=n, lost=lost_acked, unacked=unacked)
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, nargs="+", default=[25, 50, 100])
    parser.add_argument("--interval", type=float, default=3.0)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", default="lp_bench_delivery")
    parser.add_argument("--items", type=int, default=300)
    args = parser.parse_args()
    _prepare(args.db, args.items)
    port = free_port()
    server = _server(port, args.workers, args.db)
    run = time.strftime("%H%M%S")
    try:
        # Warm every worker (pool tables, payload and score caches) before measuring.
        asyncio.run(_run(port, 4 * args.workers, 0.05, 15, f"{run}-warm"))
        print(
            f"server: uvicorn × {args.workers} workers, PostgreSQL db {args.db}; "
            f"one answer every {args.interval:g} s ± 50 %, at most {args.duration:g} s; "
            f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        print(
            "| users | sessions completed | answers | answers lost | unacknowledged rows "
            "| answer→next p50 / p95 | ping p50 / p95 | ratio p50 / p95 | errors |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for n in args.users:
            st = asyncio.run(_run(port, n, args.interval, args.duration, f"{run}-{n}"))
            a50, a95 = _ms(st["answer"], 50), _ms(st["answer"], 95)
            p50, p95 = _ms(st["ping"], 50), _ms(st["ping"], 95)
            print(
                f"| {n} | {st['completed']} / {n} | {len(st['answer'])} | {st['lost']} "
                f"| {st['unacked']} | {a50:.1f} / {a95:.1f} ms | {p50:.1f} / {p95:.1f} ms "
                f"| {a50 / p50:.1f}× / {a95 / p95:.1f}× | {len(st['errors'])} |",
                flush=True,
            )
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
