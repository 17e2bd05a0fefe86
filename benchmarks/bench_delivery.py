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
processes on the local PostgreSQL (a database of its own, created and migrated here,
filled by ``manage.py demo_setup`` on first use).

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


def _prepare(db: str) -> None:
    if subprocess.run(["psql", "-lqt"], capture_output=True, text=True).stdout.find(f" {db} ") < 0:
        subprocess.run(["createdb", db], check=True)
    env = _env(db)
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                   check=True)
    os.environ.update(env)
    import django

    django.setup()
    from assessment.models import Instrument

    if not Instrument.objects.filter(code="info-literacy-cat").exists():
        subprocess.run([PY, "manage.py", "demo_setup"], cwd=ROOT, env=env, check=True)


def _users_and_sessions(n: int, run: str) -> list[tuple[str, str]]:
    """Create n citizens, log each in and start its session; return (cookie, session_id)."""
    from importlib import import_module

    from django.conf import settings

    from assessment.models import Campaign
    from assessment.services import session_start
    from learning_platform.accounts.services import user_create

    campaign = Campaign.objects.get(instrument__code="info-literacy-cat", kind="practice")
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
                                  additional_headers=headers, max_size=2**20) as ws, \
            websockets.connect(f"{base}/ws/ping/", additional_headers=headers) as ping:
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
    await asyncio.gather(*(_simulee(port, c, s, interval, until, stats) for c, s in pairs))
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
    args = parser.parse_args()
    _prepare(args.db)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = _server(port, args.workers, args.db)
    run = time.strftime("%H%M%S")
    try:
        print(f"server: uvicorn × {args.workers} workers, PostgreSQL db {args.db}; "
              f"one answer every {args.interval:g} s ± 50 %, at most {args.duration:g} s")
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
