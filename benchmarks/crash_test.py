"""Crash: kill -9 every application process mid-load (and optionally PostgreSQL), restart.

Simulated test-takers answer over HTTP and WebSockets as in ``bench_load.py``. When a
request fails because the server is gone, the client does what the delivery page
does: it waits and resends the *same* answer (same sequence, item and answer) until it
is acknowledged. Meanwhile the script kills every uvicorn process with SIGKILL
(``--cycles`` times), waits ``--down`` seconds and starts the server again. With
``--pg-datadir`` it also crashes a private PostgreSQL cluster with
``pg_ctl -m immediate stop`` and restarts it (never the shared one).

Reported: answers acknowledged before each crash, acknowledged in all, rows stored for
them, and the difference (must be 0), plus rows stored without an acknowledgement
(allowed: committed while the client was cut off, then acknowledged on resend or not).

Usage::

    .venv/bin/python benchmarks/crash_test.py [--users 40] [--interval 1] \
        [--cycles 3] [--up 15] [--down 3] [--workers 2] [--db lp_bench_security] \
        [--pg-datadir /tmp/lp_crash_pg --pg-port 55432]
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_delivery import _prepare, _server  # noqa: E402
from benchmarks.bench_load import (  # noqa: E402
    Http,
    campaign_id,
    choose_answer,
    stored_pairs,
    token_headers,
    users_create,
)


async def _until_ok(call, *, until: float, stats: dict | None = None):
    """Retry ``call`` through a crash: connection errors and 5xx mean "try again".

    With ``stats``, each retry is counted in ``stats["http_retries"]`` (the cluster
    benchmark reports them).
    """
    while True:
        try:
            status, body = await call()
            if status < 500:
                return status, body
        except (ConnectionError, OSError):
            pass
        if stats is not None:
            stats["http_retries"] = stats.get("http_retries", 0) + 1
        if time.monotonic() > until + 60:
            raise TimeoutError("the server did not come back")
        await asyncio.sleep(0.3 + random.random() * 0.3)


async def http_taker(
    port: int, who: dict, campaign: int, interval: float, until: float, stats: dict
) -> None:
    http = Http(port, token_headers(who["token"]))
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
            state = json.loads(body)
            stats["sessions"].add(state["session_id"])
            while state["status"] == "in_progress" and time.monotonic() < until:
                await asyncio.sleep(interval * random.uniform(0.5, 1.5))
                item = state["item"]
                body_out = {
                    "sequence": item["sequence"],
                    "item_id": item["item_id"],
                    "answer": choose_answer(item),
                }
                url = f"/api/v1/assessment/sessions/{state['session_id']}/responses"
                status, body = await _until_ok(
                    lambda u=url, b=body_out: http.request("POST", u, b),
                    until=until,
                    stats=stats,
                )
                if status != 201:
                    stats["errors"].append(("answer", status, body[:200]))
                    return
                reply = json.loads(body)
                stats["acks"].add(
                    (reply["ack"]["session_id"], reply["ack"]["sequence"])
                )
                state = reply["session"]
    finally:
        await http.close()


async def ws_taker(
    port: int, who: dict, campaign: int, interval: float, until: float, stats: dict
) -> None:
    """Answer over the WebSocket; after a broken connection, reconnect and resend."""
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
            )
            if status not in (200, 201):
                stats["errors"].append(("start", status, body[:200]))
                return
            sid = json.loads(body)["session_id"]
            stats["sessions"].add(sid)
            pending: dict | None = None  # an answer sent but not acknowledged
            finished = False
            while not finished and time.monotonic() < until:
                try:
                    async with websockets.connect(
                        f"ws://127.0.0.1:{port}/ws/assessment/sessions/{sid}/",
                        additional_headers=headers,
                        open_timeout=5,
                    ) as ws:
                        message = json.loads(await ws.recv())
                        while time.monotonic() < until:
                            if message["type"] == "finished":
                                finished = True
                                break
                            if message["type"] != "state":
                                stats["errors"].append(("ws", 0, str(message)[:200]))
                                return
                            if pending is None:
                                await asyncio.sleep(interval * random.uniform(0.5, 1.5))
                                item = message["session"]["item"]
                                pending = {
                                    "type": "answer",
                                    "sequence": item["sequence"],
                                    "item_id": item["item_id"],
                                    "answer": choose_answer(item),
                                }
                            await ws.send(json.dumps(pending))
                            ack = json.loads(await ws.recv())
                            if ack["type"] != "ack":
                                stats["errors"].append(("answer", 0, str(ack)[:200]))
                                return
                            stats["acks"].add((ack["session_id"], ack["sequence"]))
                            pending = None
                            message = json.loads(await ws.recv())
                except (
                    OSError,
                    websockets.exceptions.WebSocketException,
                    TimeoutError,
                ):
                    await asyncio.sleep(0.3 + random.random() * 0.3)
    finally:
        await http.close()


def _pg(args, action: str) -> None:
    cmd = ["pg_ctl", "-D", args.pg_datadir, "-w", "-l", f"{args.pg_datadir}/log.txt"]
    if action == "crash":
        cmd += ["-m", "immediate", "stop"]
    else:
        cmd += ["-o", f"-p {args.pg_port} -k /tmp", "start"]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    subprocess.run(cmd, check=True, capture_output=True)


async def chaos(args, port: int, box: dict, stats: dict) -> None:
    for cycle in range(args.cycles):
        await asyncio.sleep(args.up)
        stats["acked_before_crash"].append(len(stats["acks"]))
        os.killpg(box["server"].pid, signal.SIGKILL)
        box["server"].wait()
        if args.pg_datadir:
            _pg(args, "crash")
        print(
            f"  cycle {cycle + 1}: killed every app process"
            + (" and PostgreSQL" if args.pg_datadir else "")
            + f" after {stats['acked_before_crash'][-1]} acknowledged answers",
            flush=True,
        )
        await asyncio.sleep(args.down)
        if args.pg_datadir:
            _pg(args, "start")
        box["server"] = await asyncio.to_thread(_server, port, args.workers, args.db)


async def run(args, port: int, box: dict) -> dict:
    from asgiref.sync import sync_to_async

    people = await sync_to_async(users_create)(args.users, time.strftime("c%H%M%S"))
    campaign = await sync_to_async(campaign_id)()
    stats: dict = {
        "acks": set(),
        "errors": [],
        "sessions": set(),
        "acked_before_crash": [],
    }
    until = time.monotonic() + args.cycles * (args.up + args.down) + args.up
    takers = [
        (http_taker if k % 2 == 0 else ws_taker)(
            port, who, campaign, args.interval, until, stats
        )
        for k, who in enumerate(people)
    ]
    await asyncio.gather(chaos(args, port, box, stats), *takers)
    stored = await sync_to_async(stored_pairs)(stats["sessions"])
    stats["stored"] = len(stored)
    stats["lost"] = len(stats["acks"] - stored)
    stats["unacked"] = len(stored - stats["acks"])
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--up", type=float, default=15.0)
    parser.add_argument("--down", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", default="lp_bench_security")
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--pg-datadir", default="")
    parser.add_argument("--pg-port", type=int, default=55432)
    args = parser.parse_args()
    if args.pg_datadir:
        os.environ["PGHOST"] = "/tmp"
        os.environ["PGPORT"] = str(args.pg_port)
    # Plain HTTP on loopback: no redirect to HTTPS (the proxy terminates TLS in production).
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    _prepare(args.db, args.items)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    box = {"server": _server(port, args.workers, args.db)}
    try:
        stats = asyncio.run(run(args, port, box))
    finally:
        try:
            os.killpg(box["server"].pid, signal.SIGTERM)
            box["server"].wait(timeout=20)
        except ProcessLookupError:
            pass
    print(
        f"takers {args.users} (half HTTP, half WebSocket), {args.cycles} crash cycles, "
        f"workers {args.workers}"
    )
    print(f"acknowledged before each crash: {stats['acked_before_crash']}")
    print(
        f"acknowledged answers: {len(stats['acks'])}; rows stored for the sessions: "
        f"{stats['stored']}"
    )
    print(f"acknowledged but not stored (must be 0): {stats['lost']}")
    print(f"stored without an acknowledgement: {stats['unacked']}")
    print(f"client errors: {len(stats['errors'])} {stats['errors'][:3]}")
    sys.exit(1 if stats["lost"] else 0)


if __name__ == "__main__":
    main()
