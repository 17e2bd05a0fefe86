"""Load: N simulated test-takers over WebSockets and HTTP against a real ASGI server.

Half the simulees (``--http-share``) answer through the HTTP API with a bearer token,
the others through the session WebSocket with a session cookie. Each answers the item
on screen every ``--interval`` seconds (±50 % jitter) for ``--duration`` seconds,
starting a new session when one ends. Reported per N:

- answer latency (send → acknowledgement and next item) p50 / p95 / p99;
- the trivial endpoint on the same server in the same run (``/api/v1/system/health``
  for HTTP simulees, ``/ws/ping/`` for WebSocket ones) and the ratio;
- failures (error answers, broken connections) and lost answers (acknowledged
  without a stored row; must be 0);
- the largest N in the list whose answer p95 stays within ``--p95-target`` ms.

The server is ``uvicorn learning_platform.asgi:application`` with ``--workers``
processes on the local PostgreSQL, in a database of its own; the item bank, instrument
and campaign are built as in ``bench_delivery.py`` (its set-up functions are reused).

Usage::

    .venv/bin/python benchmarks/bench_load.py --users 25 50 100 200 \
        [--interval 5] [--duration 600] [--workers 2] [--db lp_bench_security]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_delivery import (  # noqa: E402
    INSTRUMENT,
    _prepare,
    _server,
)

PASSWORD = "bench-pass-2026"
# learning_platform.auth tries the session (which checks CSRF) before the bearer token,
# so a token POST must also pass the CSRF check: a cookie and the same value in a header.
CSRF = "benchcsrf" + "0" * 23


def token_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Cookie": f"csrftoken={CSRF}",
            "X-CSRFToken": CSRF}


class Http:
    """A minimal keep-alive HTTP/1.1 client on asyncio streams (no extra dependency)."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.port = port
        self.headers = headers
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None

    async def request(self, method: str, path: str, body: object | None = None
                      ) -> tuple[int, bytes]:
        """Send one request; a kept-alive connection the server closed is reopened once.

        Resending is safe for every request made here: answers are idempotent.
        """
        reused = self.writer is not None
        try:
            return await self._request(method, path, body)
        except ConnectionError:
            if not reused:
                raise
            return await self._request(method, path, body)

    async def _request(self, method: str, path: str, body: object | None
                       ) -> tuple[int, bytes]:
        if self.writer is None:
            await self._connect()
        data = json.dumps(body).encode() if body is not None else b""
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}",
                f"Content-Length: {len(data)}", "Connection: keep-alive"]
        if body is not None:
            head.append("Content-Type: application/json")
        head += [f"{k}: {v}" for k, v in self.headers.items()]
        assert self.writer is not None and self.reader is not None
        try:
            self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
            await self.writer.drain()
            status_line = await self.reader.readline()
            if not status_line:
                raise ConnectionError("server closed the connection")
            status = int(status_line.split()[1])
            length = 0
            while True:
                line = await self.reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
            payload = await self.reader.readexactly(length) if length else b""
            return status, payload
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            await self.close()
            raise ConnectionError(str(exc)) from exc


def choose_answer(item: dict) -> object:
    options = item["payload"].get("options") or [{"id": 0}]
    answer = random.choice(options)["id"]
    if item["kind"] == "multiple_response":
        return [answer]
    if item["kind"] == "ordered":
        return [o["id"] for o in options]
    return answer


def users_create(n: int, run: str) -> list[dict]:
    """Create n citizens with a session cookie and an API token each."""
    from importlib import import_module

    from django.conf import settings

    from learning_platform.accounts.services import api_token_create, user_create

    engine = import_module(settings.SESSION_ENGINE)
    out = []
    for k in range(n):
        user = user_create(username=f"load-{run}-{k}", password=PASSWORD, roles=["citizen"],
                           district=None)
        store = engine.SessionStore()
        store["_auth_user_id"] = str(user.pk)
        store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        store["_auth_user_hash"] = user.get_session_auth_hash()
        store.create()
        out.append({"cookie": store.session_key,
                    "token": api_token_create(user=user, name="load")[1]})
    return out


def campaign_id() -> int:
    from assessment.models import Campaign

    return Campaign.objects.get(instrument__code=INSTRUMENT, kind="practice").pk


async def http_simulee(port: int, who: dict, campaign: int, interval: float, until: float,
                       stats: dict) -> None:
    http = Http(port, token_headers(who["token"]))
    trivial = Http(port, {})
    try:
        while time.monotonic() < until:
            status, body = await http.request("POST", f"/api/v1/assessment/campaigns/"
                                              f"{campaign}/sessions", {"consent": True})
            if status not in (200, 201):
                stats["errors"].append(("start", status, body[:200]))
                return
            state = json.loads(body)
            stats["sessions"].add(state["session_id"])
            while state["status"] == "in_progress" and time.monotonic() < until:
                await asyncio.sleep(interval * random.uniform(0.5, 1.5))
                item = state["item"]
                t0 = time.perf_counter()
                status, body = await http.request(
                    "POST", f"/api/v1/assessment/sessions/{state['session_id']}/responses",
                    {"sequence": item["sequence"], "item_id": item["item_id"],
                     "answer": choose_answer(item)})
                if status != 201:
                    stats["errors"].append(("answer", status, body[:200]))
                    return
                stats["answer"].append(time.perf_counter() - t0)
                reply = json.loads(body)
                stats["acks"].add((reply["ack"]["session_id"], reply["ack"]["sequence"]))
                state = reply["session"]
                t1 = time.perf_counter()
                await trivial.request("GET", "/api/v1/system/health")
                stats["trivial"].append(time.perf_counter() - t1)
    except (ConnectionError, OSError) as exc:
        stats["errors"].append(("connection", 0, str(exc)[:200]))
    finally:
        await http.close()
        await trivial.close()


async def ws_simulee(port: int, who: dict, campaign: int, interval: float, until: float,
                     stats: dict) -> None:
    import websockets

    http = Http(port, token_headers(who["token"]))
    headers = {"Cookie": f"sessionid={who['cookie']}", "Origin": f"http://127.0.0.1:{port}"}
    base = f"ws://127.0.0.1:{port}"
    try:
        async with websockets.connect(f"{base}/ws/ping/", additional_headers=headers) as ping:
            while time.monotonic() < until:
                status, body = await http.request(
                    "POST", f"/api/v1/assessment/campaigns/{campaign}/sessions",
                    {"consent": True})
                if status not in (200, 201):
                    stats["errors"].append(("start", status, body[:200]))
                    return
                sid = json.loads(body)["session_id"]
                stats["sessions"].add(sid)
                async with websockets.connect(f"{base}/ws/assessment/sessions/{sid}/",
                                              additional_headers=headers) as ws:
                    message = json.loads(await ws.recv())
                    while message["type"] == "state" and time.monotonic() < until:
                        await asyncio.sleep(interval * random.uniform(0.5, 1.5))
                        item = message["session"]["item"]
                        t0 = time.perf_counter()
                        await ws.send(json.dumps({
                            "type": "answer", "sequence": item["sequence"],
                            "item_id": item["item_id"], "answer": choose_answer(item)}))
                        ack = json.loads(await ws.recv())
                        if ack["type"] != "ack":
                            stats["errors"].append(("answer", 0, str(ack)[:200]))
                            return
                        stats["acks"].add((ack["session_id"], ack["sequence"]))
                        message = json.loads(await ws.recv())
                        stats["answer"].append(time.perf_counter() - t0)
                        t1 = time.perf_counter()
                        await ping.send(json.dumps({"echo": "x"}))
                        await ping.recv()
                        stats["trivial"].append(time.perf_counter() - t1)
    except (ConnectionError, OSError, websockets.exceptions.WebSocketException) as exc:
        stats["errors"].append(("connection", 0, str(exc)[:200]))
    finally:
        await http.close()


def stored_pairs(session_ids: set[str]) -> set[tuple[str, int]]:
    from django.db import connection

    from assessment.models import Response

    connection.close()  # the database may have restarted since the set-up

    rows = Response.objects.filter(session_id__in=list(session_ids)).values_list(
        "session_id", "sequence")
    return {(str(s), int(q)) for s, q in rows}


def ms(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values) * 1000, q)) if values else float("nan")


async def run_level(port: int, n: int, *, interval: float, duration: float, http_share: float,
                    run: str) -> dict:
    from asgiref.sync import sync_to_async

    people = await sync_to_async(users_create)(n, run)
    campaign = await sync_to_async(campaign_id)()
    stats: dict = {"answer": [], "trivial": [], "acks": set(), "errors": [],
                   "sessions": set()}
    until = time.monotonic() + duration
    n_http = round(n * http_share)
    tasks = [
        (http_simulee if k < n_http else ws_simulee)(port, who, campaign, interval, until, stats)
        for k, who in enumerate(people)
    ]
    await asyncio.gather(*tasks)
    stored = await sync_to_async(stored_pairs)(stats["sessions"])
    stats["lost"] = len(stats["acks"] - stored)
    stats["n"] = n
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, nargs="+", default=[25, 50, 100])
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--http-share", type=float, default=0.5)
    parser.add_argument("--p95-target", type=float, default=300.0)
    parser.add_argument("--db", default="lp_bench_security")
    parser.add_argument("--items", type=int, default=300)
    args = parser.parse_args()
    # Plain HTTP on loopback: no redirect to HTTPS (the proxy terminates TLS in production).
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    _prepare(args.db, args.items)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = _server(port, args.workers, args.db)
    run = time.strftime("%H%M%S")
    best = None
    try:
        print(f"uvicorn × {args.workers} workers, PostgreSQL {args.db}; one answer every "
              f"{args.interval:g} s ± 50 % for {args.duration:g} s; "
              f"{args.http_share:.0%} HTTP, the rest WebSocket")
        print("| N | answers | failures | lost | answer p50 / p95 / p99 | trivial p50 / p95 "
              "| ratio p50 / p95 |")
        print("|---|---|---|---|---|---|---|")
        for n in args.users:
            st = asyncio.run(run_level(port, n, interval=args.interval, duration=args.duration,
                                       http_share=args.http_share, run=f"{run}-{n}"))
            a = [ms(st["answer"], q) for q in (50, 95, 99)]
            t = [ms(st["trivial"], q) for q in (50, 95)]
            print(f"| {n} | {len(st['answer'])} | {len(st['errors'])} | {st['lost']} "
                  f"| {a[0]:.0f} / {a[1]:.0f} / {a[2]:.0f} ms | {t[0]:.1f} / {t[1]:.1f} ms "
                  f"| {a[0] / t[0]:.1f}× / {a[1] / t[1]:.1f}× |", flush=True)
            for error in st["errors"][:3]:
                print(f"  failure: {error}", flush=True)
            if a[1] <= args.p95_target and not st["errors"] and not st["lost"]:
                best = n
        print(f"largest N with p95 ≤ {args.p95_target:g} ms, no failure and no loss: {best}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
