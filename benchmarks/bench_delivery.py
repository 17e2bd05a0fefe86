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
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PY = str(ROOT / ".venv" / "bin" / "python")


def _env(db: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": f"postgres:///{db}",
        "SECRET_KEY": "bench-delivery-not-secret",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "learning_platform.settings",
    })
    env.pop("REDIS_URL", None)
    return env


def _prepare(db: str, n_items: int) -> None:
    if subprocess.run(["psql", "-lqt"], capture_output=True, text=True).stdout.find(f" {db} ") < 0:
        subprocess.run(["createdb", db], check=True)
    env = _env(db)
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                   check=True)
    os.environ.update(env)
    import django

    django.setup()
    from assessment.models import Instrument

    if not Instrument.objects.filter(code=INSTRUMENT).exists():
        _build_bank(n_items)


INSTRUMENT = "bench-info-cat"
AREAS = ["info.data", "info.communication", "info.creation", "info.safety", "info.problem"]


def _build_bank(n_items: int) -> None:
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from assessment.services import campaign_create, instrument_create
    from itembank.demo import domains_ensure
    from itembank.services import (
        item_create_published,
        parameter_set_activate,
        parameter_set_create,
    )

    domains_ensure()
    rng = np.random.default_rng(5)
    ids = []
    for k in range(n_items):
        item = item_create_published(
            code=f"BENCH-{k:04d}", domain_code=AREAS[k % len(AREAS)], kind="single_choice",
            stem=f"<p>基准测试题 {k}</p>",
            options=[{"option_id": o, "text": f"<p>选项 {o}</p>", "is_key": o == "B"}
                     for o in "ABCD"],
        )
        ids.append(item.pk)
    approver, _ = get_user_model().objects.get_or_create(username="bench-approver")
    pset = parameter_set_create(
        name="bench", model="2pl", source="bench_delivery.py",
        items={i: {"a": float(a), "b": float(b)} for i, a, b in
               zip(ids, rng.lognormal(0.2, 0.3, n_items), rng.normal(0, 1.2, n_items),
                   strict=True)})
    parameter_set_activate(parameter_set=pset, approved_by=approver)
    instrument = instrument_create(
        code=INSTRUMENT, name_zh="基准：信息素养自适应", kind="ability", domain_code="info",
        mode="adaptive", blueprint={a: 1.0 for a in AREAS},
        settings={"item_ids": ids, "max_length": 20, "min_length": 8, "se_target": 0.3,
                  "time_limit_seconds": 3600},
    )
    campaign_create(instrument=instrument, name_zh="基准", kind="practice",
                    opens_at=timezone.now() - timedelta(days=1))


def _users_and_sessions(n: int, run: str) -> list[tuple[str, str]]:
    """Create n citizens, log each in and start its session; return (cookie, session_id)."""
    from importlib import import_module

    from django.conf import settings

    from assessment.models import Campaign
    from assessment.services import session_start
    from learning_platform.accounts.services import user_create

    campaign = Campaign.objects.get(instrument__code=INSTRUMENT, kind="practice")
    engine = import_module(settings.SESSION_ENGINE)
    out = []
    for k in range(n):
        user = user_create(username=f"bench-{run}-{k}", password="bench-pass-2026",
                           roles=["citizen"], district=None)
        store = engine.SessionStore()
        store["_auth_user_id"] = str(user.pk)
        store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        store["_auth_user_hash"] = user.get_session_auth_hash()
        store.create()
        session, _ = session_start(user=user, campaign=campaign, background={}, consent=True)
        out.append((store.session_key, str(session.pk)))
    return out


async def _simulee(port: int, cookie: str, session_id: str, interval: float, until: float,
                   stats: dict) -> None:
    import websockets

    headers = {"Cookie": f"sessionid={cookie}", "Origin": f"http://127.0.0.1:{port}"}
    base = f"ws://127.0.0.1:{port}"
    async with websockets.connect(f"{base}/ws/assessment/sessions/{session_id}/",
                                  additional_headers=headers, max_size=2**20,
                                  open_timeout=120) as ws, \
            websockets.connect(f"{base}/ws/ping/", additional_headers=headers,
                               open_timeout=120) as ping:
        message = json.loads(await ws.recv())
        while message["type"] == "state" and time.monotonic() < until:
            await asyncio.sleep(interval * random.uniform(0.5, 1.5))
            item = message["session"]["item"]
            options = item["payload"].get("options") or [{"id": 0}]
            answer = random.choice(options)["id"]
            if item["kind"] == "multiple_response":
                answer = [answer]
            elif item["kind"] == "ordered":
                answer = [o["id"] for o in options]
            t0 = time.perf_counter()
            await ws.send(json.dumps({"type": "answer", "sequence": item["sequence"],
                                      "item_id": item["item_id"], "answer": answer}))
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
    from assessment.models import Response

    stored = set(Response.objects.filter(session_id__in=session_ids)
                 .values_list("session_id", "sequence"))
    stored = {(str(s), q) for s, q in stored}
    acked = set(acks)
    return len(acked - stored), len(stored - acked)


def _server(port: int, workers: int, db: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [PY, "-m", "uvicorn", "learning_platform.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--log-level", "warning",
         "--lifespan", "off", "--ws", "websockets-sansio"],
        cwd=ROOT, env=_env(db), start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("uvicorn did not start")


def _ms(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values) * 1000, q)) if values else float("nan")


async def _run(port: int, n: int, interval: float, duration: float, run: str) -> dict:
    from asgiref.sync import sync_to_async

    pairs = await sync_to_async(_users_and_sessions)(n, run)
    stats: dict = {"answer": [], "ping": [], "acks": [], "errors": [], "completed": 0}
    until = time.monotonic() + duration
    outcomes = await asyncio.gather(
        *(_simulee(port, c, s, interval, until, stats) for c, s in pairs),
        return_exceptions=True)
    stats["errors"] += [repr(o) for o in outcomes if isinstance(o, BaseException)]
    lost_acked, unacked = await sync_to_async(_lost)(stats["acks"], [s for _c, s in pairs])
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
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = _server(port, args.workers, args.db)
    run = time.strftime("%H%M%S")
    try:
        # Warm every worker (pool tables, payload and score caches) before measuring.
        asyncio.run(_run(port, 4 * args.workers, 0.05, 15, f"{run}-warm"))
        print(f"server: uvicorn × {args.workers} workers, PostgreSQL db {args.db}; "
              f"one answer every {args.interval:g} s ± 50 %, at most {args.duration:g} s; "
              f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print("| users | sessions completed | answers | answers lost | unacknowledged rows "
              "| answer→next p50 / p95 | ping p50 / p95 | ratio p50 / p95 | errors |")
        print("|---|---|---|---|---|---|---|---|---|")
        for n in args.users:
            st = asyncio.run(_run(port, n, args.interval, args.duration, f"{run}-{n}"))
            a50, a95 = _ms(st["answer"], 50), _ms(st["answer"], 95)
            p50, p95 = _ms(st["ping"], 50), _ms(st["ping"], 95)
            print(f"| {n} | {st['completed']} / {n} | {len(st['answer'])} | {st['lost']} "
                  f"| {st['unacked']} | {a50:.1f} / {a95:.1f} ms | {p50:.1f} / {p95:.1f} ms "
                  f"| {a50 / p50:.1f}× / {a95 / p95:.1f}× | {len(st['errors'])} |", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
