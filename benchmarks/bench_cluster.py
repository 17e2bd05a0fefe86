"""The load test through HAProxy on the cluster of ``benchmarks/cluster.py``, with faults.

Run ``benchmarks/cluster.py up`` first. Then:

1. **Capacity, three ASGI processes against one.** The simulees of ``bench_load.py``
   (half HTTP, half WebSocket, one answer every ``--interval`` s) answer through HAProxy
   at each N of ``--users`` for ``--duration`` s, first with all three processes in
   rotation, then with two of them put in maintenance through HAProxy's runtime API.
   Printed per level: answers, failures, lost answers, p50/p95/p99; then the largest N
   held at p95 under ``--p95-target`` ms (no failure, no loss) for 3 processes and for 1.
2. **Faults under load** (``--fault-users`` takers, all three processes):
   - ``kill -9`` of one ASGI process: WebSocket takers reconnect through HAProxy and
     resume their session; HTTP takers resend the same answer. Counted: reconnects,
     resumes (the same session at the item on screen), acknowledged answers and those
     without a stored row (lost, must be 0). The process is started again afterwards.
   - the replica stopped (``pg_ctl stop -m fast``) while readers hit the public roll-up
     API (``GET /api/v1/survey/rollups``, a read marked for the replica): failed reads
     (must be 0), transactions the replica served before the stop; it is started again.
   - ``kill -9`` of the task worker running a job (``benchmarks/cluster_jobs.slow_probe``,
     idempotent): the surviving worker re-queues it after the lease and runs it; printed:
     the workers that claimed it and its final status.

Usage::

    .venv/bin/python benchmarks/cluster.py up
    .venv/bin/python benchmarks/bench_cluster.py [--users 50 100 150 200] [--duration 60] \
        [--fault-users 60] [--interval 5] [--skip-capacity] [--skip-faults]
    .venv/bin/python benchmarks/cluster.py down
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import cluster  # noqa: E402
from benchmarks._harness import (  # noqa: E402
    Http,
    campaign_id,
    choose_answer,
    ms,
    new_stats,
    simulees,
    stored_pairs,
    token_headers,
    users_create,
    warm,
)
from benchmarks.crash_test import _until_ok, http_taker  # noqa: E402


def setup_django(state: dict) -> None:
    env = cluster.app_env(
        state["ports"],
        extra={
            # this process checks rows directly on the primary, not through the pool
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{state['ports']['primary']}/{cluster.DB}",
        },
    )
    os.environ.update(env)
    import django

    django.setup()


# ------------------------------------------------------------------- capacity


def rotation(base: Path, state: dict, n: int) -> None:
    """Keep the first ``n`` ASGI processes in HAProxy's rotation, the others in maintenance."""
    for k, _ in enumerate(state["asgi"]):
        mode = "ready" if k < n else "maint"
        cluster.haproxy_command(base, f"set server asgi/asgi{k + 1} state {mode}")
    time.sleep(1.5)


async def level(
    port: int, n: int, *, interval: float, duration: float, run: str
) -> dict:
    from asgiref.sync import sync_to_async

    people = await sync_to_async(users_create)(n, run)
    campaign = await sync_to_async(campaign_id)()
    stats = new_stats()
    until = time.monotonic() + duration
    await asyncio.gather(*simulees(port, people, campaign, interval, until, stats, 0.5))
    stored = await sync_to_async(stored_pairs)(stats["sessions"])
    stats["lost"] = len(stats["acks"] - stored)
    return stats


def capacity(args, base: Path, state: dict) -> dict[int, int | None]:
    port = state["ports"]["haproxy"]
    held: dict[int, int | None] = {}
    print(
        "| ASGI processes | N | answers | failures | lost | answer p50 / p95 / p99 "
        "| load avg |"
    )
    print("|---|---|---|---|---|---|---|")
    for processes in (len(state["asgi"]), 1):
        rotation(base, state, processes)
        run = time.strftime("%H%M%S")
        asyncio.run(warm(port, processes, f"{run}-w{processes}", seconds=10))
        held[processes] = None
        for n in args.users:
            st = asyncio.run(
                level(
                    port,
                    n,
                    interval=args.interval,
                    duration=args.duration,
                    run=f"{run}-{processes}-{n}",
                )
            )
            a = [ms(st["answer"], q) for q in (50, 95, 99)]
            print(
                f"| {processes} | {n} | {len(st['answer'])} | {len(st['errors'])} "
                f"| {st['lost']} | {a[0]:.0f} / {a[1]:.0f} / {a[2]:.0f} ms "
                f"| {os.getloadavg()[0]:.1f} |",
                flush=True,
            )
            for error in st["errors"][:2]:
                print(f"  failure: {error}", flush=True)
            if a[1] < args.p95_target and not st["errors"] and not st["lost"]:
                held[processes] = n
            elif a[1] > 2 * args.p95_target:
                break  # far past the target: larger N only take longer
    rotation(base, state, len(state["asgi"]))
    for processes, n in held.items():
        print(
            f"takers held at p95 < {args.p95_target:g} ms with no failure and no loss, "
            f"{processes} ASGI process{'es' if processes > 1 else ''}: {n}"
        )
    return held


# ------------------------------------------------------------------- faults


async def ws_taker(
    port: int, who: dict, campaign: int, interval: float, until: float, stats: dict
) -> None:
    """Answer over the WebSocket; when it breaks, reconnect through the proxy and resume."""
    import websockets

    http = Http(port, token_headers(who["token"]))
    headers = {
        "Cookie": f"sessionid={who['cookie']}",
        "Origin": f"http://127.0.0.1:{port}",
    }
    try:
        while time.monotonic() < until:
            status, body = await _until_ok(
                lambda: http.request(
                    "POST",
                    f"/api/v1/assessment/campaigns/{campaign}/sessions",
                    {"consent": True},
                ),
                until=until,
                stats=stats,
            )
            if status not in (200, 201):
                stats["errors"].append(("start", status, body[:200]))
                return
            sid = json.loads(body)["session_id"]
            stats["sessions"].add(sid)
            pending: dict | None = None  # sent, not yet acknowledged
            on_screen: tuple | None = None
            broken = False
            finished = False
            while not finished and time.monotonic() < until + (30 if pending else 0):
                try:
                    async with websockets.connect(
                        f"ws://127.0.0.1:{port}/ws/assessment/sessions/{sid}/",
                        additional_headers=headers,
                        open_timeout=5,
                    ) as ws:
                        message = json.loads(await asyncio.wait_for(ws.recv(), 30))
                        if broken:
                            stats["reconnects"] += 1
                            item = (message.get("session") or {}).get("item") or {}
                            if message["type"] == "state" and (
                                on_screen is None
                                or (item.get("sequence"), item.get("item_id"))
                                == on_screen
                                or (
                                    pending
                                    and item.get("sequence", 0) > pending["sequence"]
                                )
                            ):
                                stats["resumes"] += 1
                            broken = False
                        while True:
                            if message["type"] == "finished":
                                finished = True
                                break
                            if message["type"] != "state":
                                stats["errors"].append(("ws", 0, str(message)[:200]))
                                return
                            item = message["session"]["item"]
                            on_screen = (item["sequence"], item["item_id"])
                            if (
                                pending is not None
                                and item["sequence"] > pending["sequence"]
                            ):
                                pending = None  # committed before the break, never acknowledged
                            if pending is None:
                                if time.monotonic() >= until:
                                    finished = True
                                    break
                                await asyncio.sleep(interval * random.uniform(0.5, 1.5))
                                pending = {
                                    "type": "answer",
                                    "sequence": item["sequence"],
                                    "item_id": item["item_id"],
                                    "answer": choose_answer(item),
                                }
                            await ws.send(json.dumps(pending))
                            ack = json.loads(await asyncio.wait_for(ws.recv(), 30))
                            if ack["type"] != "ack":
                                stats["errors"].append(("answer", 0, str(ack)[:200]))
                                return
                            stats["acks"].add((ack["session_id"], ack["sequence"]))
                            pending = None
                            message = json.loads(await asyncio.wait_for(ws.recv(), 30))
                except (
                    OSError,
                    TimeoutError,
                    websockets.exceptions.WebSocketException,
                ):
                    broken = True
                    await asyncio.sleep(0.2 + random.random() * 0.3)
    finally:
        await http.close()


async def readers(port: int, stop: asyncio.Event, stats: dict, n: int = 8) -> None:
    async def one() -> None:
        http = Http(port, {})
        try:
            while not stop.is_set():
                try:
                    status, _ = await http.request("GET", "/api/v1/survey/rollups")
                    stats["reads"] += 1
                    if status != 200:
                        stats["read_failures"].append(status)
                except (ConnectionError, OSError) as exc:
                    stats["reads"] += 1
                    stats["read_failures"].append(repr(exc)[:100])
                await asyncio.sleep(0.2)
        finally:
            await http.close()

    await asyncio.gather(*(one() for _ in range(n)))


def replica_transactions(state: dict) -> int:
    return int(
        cluster.pg_sql(
            state["ports"]["replica"],
            f"SELECT xact_commit FROM pg_stat_database WHERE datname = '{cluster.DB}'",
        )
        or 0
    )


async def faults(args, base: Path, state: dict) -> dict:
    from asgiref.sync import sync_to_async

    port = state["ports"]["haproxy"]
    people = await sync_to_async(users_create)(
        args.fault_users, time.strftime("f%H%M%S")
    )
    campaign = await sync_to_async(campaign_id)()
    stats: dict = {
        "acks": set(),
        "errors": [],
        "sessions": set(),
        "reconnects": 0,
        "resumes": 0,
        "http_retries": 0,
        "reads": 0,
        "read_failures": [],
        "events": [],
    }
    phase = args.phase
    until = time.monotonic() + 3600  # the takers are stopped when the faults are over
    takers = [
        asyncio.create_task(
            (http_taker if k % 2 == 0 else ws_taker)(
                port, who, campaign, args.interval, until, stats
            )
        )
        for k, who in enumerate(people)
    ]

    # 1. kill -9 one ASGI process under load; start it again a phase later
    await asyncio.sleep(phase)
    victim_port, victim_pid = sorted(state["asgi"].items())[1]
    os.killpg(victim_pid, signal.SIGKILL)
    stats["events"].append(
        f"kill -9 uvicorn :{victim_port} after {len(stats['acks'])} "
        "acknowledged answers"
    )
    await asyncio.sleep(phase)
    proc = await asyncio.to_thread(
        cluster.asgi_start,
        int(victim_port),
        cluster.app_env(state["ports"]),
        base / f"asgi-{victim_port}.log",
    )
    state["asgi"][victim_port] = proc.pid
    cluster.save_state(base, state)
    stats["events"].append(f"uvicorn :{victim_port} started again")

    # 2. readers of the public roll-up API; the replica stopped under them, then started
    stop = asyncio.Event()
    reading = asyncio.create_task(readers(port, stop, stats))
    await asyncio.sleep(phase / 4)
    before = await asyncio.to_thread(replica_transactions, state)
    await asyncio.sleep(phase / 4)
    stats["replica_tx_served"] = (
        await asyncio.to_thread(replica_transactions, state) - before
    )
    reads_before = stats["reads"]
    await asyncio.to_thread(cluster.pg_ctl, base / "pg" / "replica", "stop")
    stats["events"].append("replica stopped (pg_ctl stop -m fast)")
    await asyncio.sleep(phase / 2)
    stats["reads_while_down"] = stats["reads"] - reads_before
    await asyncio.to_thread(
        cluster.pg_ctl, base / "pg" / "replica", "start", state["ports"]["replica"]
    )
    stats["events"].append("replica started again")
    await asyncio.sleep(phase / 4)
    stop.set()
    await reading
    await asyncio.sleep(phase / 2)
    for task in takers:
        task.cancel()
    await asyncio.gather(*takers, return_exceptions=True)
    stored = await sync_to_async(stored_pairs)(stats["sessions"])
    stats["stored"] = len(stored)
    stats["lost"] = len(stats["acks"] - stored)
    return stats


def worker_fault(args, base: Path, state: dict) -> dict:
    """Kill -9 the worker running a job; the other worker retries it."""
    from django_tasks_db.models import DBTaskResult

    from benchmarks.cluster_jobs import slow_probe

    state["workers"] = [p for p in state["workers"] if cluster.alive(p)]
    while len(state["workers"]) < 2:  # two workers: one to kill, one to retry
        state["workers"].append(
            cluster.worker_start(
                cluster.app_env(state["ports"]), base / "worker-restarted.log"
            ).pid
        )
        time.sleep(5)
    cluster.save_state(base, state)
    label = f"probe-{time.strftime('%H%M%S')}"
    result = slow_probe.enqueue(args.job_seconds, label)
    t0 = time.monotonic()
    while True:
        row = DBTaskResult.objects.get(pk=result.id)
        if row.status == "RUNNING":
            break
        if time.monotonic() - t0 > 60:
            raise RuntimeError("no worker claimed the probe job")
        time.sleep(0.1)
    first = row.worker_ids[-1]
    pid = int(first.split("-")[-2])
    time.sleep(1.0)
    os.killpg(os.getpgid(pid), signal.SIGKILL)
    killed_at = time.monotonic()
    while True:
        row = DBTaskResult.objects.get(pk=result.id)
        if row.status in ("SUCCESSFUL", "FAILED"):
            break
        if time.monotonic() - killed_at > 120:
            break
        time.sleep(0.2)
    # the cluster gets its second worker back
    state["workers"] = [p for p in state["workers"] if cluster.alive(p)]
    state["workers"].append(
        cluster.worker_start(
            cluster.app_env(state["ports"]), base / "worker-restarted.log"
        ).pid
    )
    cluster.save_state(base, state)
    return {
        "job": str(result.id),
        "killed": first,
        "workers": list(row.worker_ids),
        "status": row.status,
        "return": row.return_value,
        "seconds_after_kill": time.monotonic() - killed_at,
        "label": label,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=cluster.DEFAULT_DIR)
    parser.add_argument("--users", type=int, nargs="+", default=[50, 100, 150, 200])
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--p95-target", type=float, default=200.0)
    parser.add_argument("--fault-users", type=int, default=60)
    parser.add_argument(
        "--phase",
        type=float,
        default=20.0,
        help="seconds between fault events (default 20)",
    )
    parser.add_argument("--job-seconds", type=float, default=8.0)
    parser.add_argument("--skip-capacity", action="store_true")
    parser.add_argument("--skip-faults", action="store_true")
    parser.add_argument(
        "--worker-only",
        action="store_true",
        help="only the task-worker fault (kill -9 mid-job, retried)",
    )
    args = parser.parse_args()
    state = cluster.load_state(args.dir)
    base = args.dir
    if not (base / "haproxy.sock").exists():
        cluster.haproxy_restart(base, state)  # a cluster from before the runtime socket
    setup_django(state)
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: HAProxy :"
        f"{state['ports']['haproxy']} → uvicorn × {len(state['asgi'])}, PgBouncer "
        f"(transaction) → PostgreSQL primary, replica for marked reads, Redis, "
        f"{len(state['workers'])} task workers; {os.cpu_count()} cores, clients on the "
        f"same machine; load avg {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    failed = False
    if args.worker_only:
        args.skip_capacity = args.skip_faults = True
        job = worker_fault(args, base, state)
        print(
            f"task worker killed mid-job: job {job['job']} claimed by {job['killed']}, "
            f"claimed by {job['workers']}; status {job['status']} "
            f"({job['seconds_after_kill']:.1f} s after the kill), returned "
            f"{job['return']!r}"
        )
        failed = job["status"] != "SUCCESSFUL" or len(job["workers"]) < 2
    if not args.skip_capacity:
        capacity(args, base, state)
    if not args.skip_faults:
        print(
            f"\nfaults under load: {args.fault_users} takers (half HTTP, half WebSocket), "
            f"one answer every {args.interval:g} s",
            flush=True,
        )
        st = asyncio.run(faults(args, base, state))
        for event in st["events"]:
            print(f"  {event}")
        print(
            f"acknowledged answers: {len(st['acks'])}; stored rows for the sessions: "
            f"{st['stored']}; acknowledged but not stored (must be 0): {st['lost']}"
        )
        print(
            f"WebSocket reconnects through HAProxy: {st['reconnects']}; resumed at the "
            f"item on screen: {st['resumes']}; HTTP answers resent: {st['http_retries']}; "
            f"taker errors: {len(st['errors'])} {st['errors'][:2]}"
        )
        print(
            f"public reads (GET /api/v1/survey/rollups): {st['reads']}, "
            f"{st.get('reads_while_down', 0)} of them with the replica stopped; failed: "
            f"{len(st['read_failures'])} {st['read_failures'][:3]}; transactions the "
            f"replica served in {args.phase / 4:g} s before the stop: "
            f"{st.get('replica_tx_served')}"
        )
        job = worker_fault(args, base, state)
        print(
            f"task worker killed mid-job: job {job['job']} claimed by {job['killed']}, "
            f"claimed by {job['workers']}; status {job['status']} "
            f"({job['seconds_after_kill']:.1f} s after the kill), returned "
            f"{job['return']!r}"
        )
        failed = bool(
            st["lost"]
            or st["read_failures"]
            or st["errors"]
            or job["status"] != "SUCCESSFUL"
            or len(job["workers"]) < 2
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
