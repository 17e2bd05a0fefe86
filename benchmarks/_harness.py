"""Shared pieces of the server benchmarks (delivery, load, crash, soak).

- the stack: a PostgreSQL database of the benchmark's own (created, migrated and given
  the benchmark item bank, adaptive instrument and practice campaign; a temporary one
  is dropped again on exit), optionally a Redis database for the channel layer and
  cache, and ``uvicorn`` (or ``daphne``) serving ``learning_platform.asgi`` on loopback;
- the clients: a keep-alive HTTP/1.1 client on asyncio streams, citizens with a session
  cookie and an API token, and simulated test-takers answering over HTTP or the
  session WebSocket;
- the checks: acknowledged answers against the rows stored, percentiles, the RSS of
  the server's processes.

Every simulee records into a ``stats`` dict that the caller creates with
:func:`new_stats`. The lists ``answer`` / ``trivial`` are looked up at every append,
so a sampler may swap them for fresh ones to cut the run into windows.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
PY = str(ROOT / ".venv" / "bin" / "python")

INSTRUMENT = "bench-info-cat"
AREAS = [
    "info.data",
    "info.communication",
    "info.creation",
    "info.safety",
    "info.problem",
]
PASSWORD = "bench-pass-2026"
# learning_platform.auth tries the session (which checks CSRF) before the bearer token,
# so a token POST must also pass the CSRF check: a cookie and the same value in a header.
CSRF = "benchcsrf" + "0" * 23
# A request or frame that takes longer than this counts as a failure (the server hangs).
TIMEOUT = 60.0


# --------------------------------------------------------------------------- the stack


def server_env(db: str, redis: str | None = None) -> dict[str, str]:
    """Environment of the server and of this process: production settings on loopback."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"postgres:///{db}",
            "SECRET_KEY": "bench-delivery-not-secret",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SETTINGS_MODULE": "learning_platform.settings",
            # Plain HTTP on loopback: no redirect to HTTPS (the proxy terminates TLS).
            "SECURE_SSL_REDIRECT": "0",
        }
    )
    if redis:
        env["REDIS_URL"] = redis
    else:
        env.pop("REDIS_URL", None)
    return env


def database_exists(db: str) -> bool:
    out = subprocess.run(["psql", "-lqt"], capture_output=True, text=True).stdout
    return any(line.split("|")[0].strip() == db for line in out.splitlines())


def prepare(db: str, n_items: int = 300, redis: str | None = None) -> None:
    """Create and migrate ``db`` if needed, set up Django on it, build the bank once."""
    if not database_exists(db):
        subprocess.run(["createdb", db], check=True)
    env = server_env(db, redis)
    subprocess.run(
        [PY, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    os.environ.update(env)
    import django

    django.setup()
    from assessment.models import Instrument

    if not Instrument.objects.filter(code=INSTRUMENT).exists():
        import logging

        logging.getLogger("wagtail").setLevel(logging.WARNING)  # one line per item
        build_bank(n_items)


def build_bank(n_items: int) -> None:
    """Published 2PL items over the five areas, an adaptive instrument, a campaign."""
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
            code=f"BENCH-{k:04d}",
            domain_code=AREAS[k % len(AREAS)],
            kind="single_choice",
            stem=f"<p>基准测试题 {k}</p>",
            options=[
                {"option_id": o, "text": f"<p>选项 {o}</p>", "is_key": o == "B"}
                for o in "ABCD"
            ],
        )
        ids.append(item.pk)
    approver, _ = get_user_model().objects.get_or_create(username="bench-approver")
    pset = parameter_set_create(
        name="bench",
        model="2pl",
        source="benchmarks/_harness.py",
        items={
            i: {"a": float(a), "b": float(b)}
            for i, a, b in zip(
                ids,
                rng.lognormal(0.2, 0.3, n_items),
                rng.normal(0, 1.2, n_items),
                strict=True,
            )
        },
    )
    parameter_set_activate(parameter_set=pset, approved_by=approver)
    instrument = instrument_create(
        code=INSTRUMENT,
        name_zh="基准：信息素养自适应",
        kind="ability",
        domain_code="info",
        mode="adaptive",
        blueprint={a: 1.0 for a in AREAS},
        settings={
            "item_ids": ids,
            "max_length": 20,
            "min_length": 8,
            "se_target": 0.3,
            "time_limit_seconds": 3600,
        },
    )
    campaign_create(
        instrument=instrument,
        name_zh="基准",
        kind="practice",
        opens_at=timezone.now() - timedelta(days=1),
    )


def drop_database(db: str) -> None:
    """Drop ``db`` (closing this process's connection and any other first)."""
    with contextlib.suppress(Exception):
        from django.db import connections

        connections.close_all()
    subprocess.run(["dropdb", "--if-exists", "--force", db], check=False)


def redis_flush(url: str) -> None:
    """Empty the benchmark's own Redis database (``url`` names it, e.g. ``/7``)."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    port: int, workers: int, db: str, redis: str | None = None, kind: str = "uvicorn"
) -> subprocess.Popen:
    """Serve the ASGI application on loopback in a process group of its own."""
    if kind == "daphne":  # one process; scale out with more processes behind a balancer
        cmd = [
            PY,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "-v",
            "0",
            "learning_platform.asgi:application",
        ]
    else:
        cmd = [
            PY,
            "-m",
            "uvicorn",
            "learning_platform.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--lifespan",
            "off",
            "--ws",
            "websockets-sansio",
        ]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=server_env(db, redis), start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError(f"{kind} did not start on port {port}")


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM the server's process group, SIGKILL what is left after 20 s."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def _raise_interrupt(signum, frame):  # noqa: ARG001
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def stack(
    *,
    db: str | None,
    prefix: str,
    n_items: int = 300,
    workers: int = 2,
    redis: str | None = None,
    kind: str = "uvicorn",
) -> Iterator[dict]:
    """The database, Redis and server of one benchmark run, cleaned up on any exit.

    ``db=None`` makes a fresh ``<prefix>_<timestamp>`` database and drops it on exit;
    a named one is created if needed and kept (its bank is reused next time). The
    Redis database, if any, is emptied before and after. SIGTERM and SIGHUP are
    turned into ``KeyboardInterrupt`` so the clean-up runs for them as for Ctrl-C.
    """
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_interrupt)
    temporary = db is None
    name = db or f"{prefix}_{time.strftime('%Y%m%d_%H%M%S')}"
    box: dict = {
        "db": name,
        "server": None,
        "port": free_port(),
        "workers": workers,
        "redis": redis,
        "kind": kind,
    }
    try:
        if redis:
            redis_flush(redis)
        prepare(name, n_items, redis)
        box["server"] = start_server(box["port"], workers, name, redis, kind)
        yield box
    finally:
        if box["server"] is not None:
            stop_server(box["server"])
        if temporary:
            drop_database(name)
        if redis:
            with contextlib.suppress(Exception):
                redis_flush(redis)


def process_rss(pgid: int) -> dict[int, int]:
    """RSS in bytes of every process in the process group ``pgid`` (the server)."""
    try:
        import psutil
    except ImportError:
        psutil = None
    out: dict[int, int] = {}
    if psutil is not None:
        for p in psutil.process_iter(["pid"]):
            with contextlib.suppress(psutil.Error):
                if os.getpgid(p.pid) == pgid:
                    out[p.pid] = p.memory_info().rss
        return out
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            # the command may hold spaces and parentheses: fields follow the last ")"
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[2]) == pgid:  # state ppid pgrp ...
                with open(f"/proc/{entry}/statm") as f:
                    out[int(entry)] = int(f.read().split()[1]) * page
        except (OSError, ValueError, IndexError):
            continue
    return out


# ------------------------------------------------------------------ people and checks


def citizen_create(username: str):
    """A citizen and the key of a logged-in session (the ``sessionid`` cookie)."""
    from importlib import import_module

    from django.conf import settings

    from learning_platform.accounts.services import user_create

    user = user_create(
        username=username, password=PASSWORD, roles=["citizen"], district=None
    )
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.create()
    return user, store.session_key


def users_create(n: int, run: str) -> list[dict]:
    """Create n citizens with a session cookie and an API token each."""
    from learning_platform.accounts.services import api_token_create

    out = []
    for k in range(n):
        user, cookie = citizen_create(f"load-{run}-{k}")
        out.append(
            {"cookie": cookie, "token": api_token_create(user=user, name="load")[1]}
        )
    return out


def campaign_id() -> int:
    from assessment.models import Campaign

    return Campaign.objects.get(instrument__code=INSTRUMENT, kind="practice").pk


def stored_pairs(session_ids: set[str]) -> set[tuple[str, int]]:
    """(session, sequence) of every response stored for ``session_ids``."""
    from django.db import connection

    from assessment.models import Response

    connection.close()  # the database may have restarted since the set-up

    rows = Response.objects.filter(session_id__in=list(session_ids)).values_list(
        "session_id", "sequence"
    )
    return {(str(s), int(q)) for s, q in rows}


def ms(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values) * 1000, q)) if values else float("nan")


def ratio(a: float, b: float) -> float:
    return a / b if b and b == b else float("nan")


# -------------------------------------------------------------------------- clients


def token_headers(token: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "Cookie": f"csrftoken={CSRF}",
        "X-CSRFToken": CSRF,
    }


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

    async def request(
        self, method: str, path: str, body: object | None = None
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

    async def _request(
        self, method: str, path: str, body: object | None
    ) -> tuple[int, bytes]:
        if self.writer is None:
            await self._connect()
        data = json.dumps(body).encode() if body is not None else b""
        head = [
            f"{method} {path} HTTP/1.1",
            f"Host: 127.0.0.1:{self.port}",
            f"Content-Length: {len(data)}",
            "Connection: keep-alive",
        ]
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


def new_stats() -> dict:
    """What the simulees record: latencies (s), acknowledgements, failures, sessions."""
    return {
        "answer": [],
        "trivial": [],
        "acks": set(),
        "errors": [],
        "sessions": set(),
        "completed": 0,
    }


def _fail(stats: dict, where: str, status: int, detail: object) -> None:
    stats["errors"].append((time.time(), where, status, str(detail)[:200]))


async def _pause(interval: float, until: float) -> bool:
    """Think for ``interval`` ± 50 %; False when the run ends meanwhile."""
    await asyncio.sleep(
        min(interval * random.uniform(0.5, 1.5), max(0.0, until - time.monotonic()))
    )
    return time.monotonic() < until


async def http_simulee(
    port: int, who: dict, campaign: int, interval: float, until: float, stats: dict
) -> None:
    """Answer through the HTTP API, then time ``/api/v1/system/health``.

    After a failure (error status, broken connection, timeout) the simulee counts it,
    waits one interval and carries on with whatever session the start call returns,
    as a citizen reloading the page would.
    """
    http = Http(port, token_headers(who["token"]))
    trivial = Http(port, {})

    async def call(client: Http, method: str, path: str, body: object | None = None):
        return await asyncio.wait_for(client.request(method, path, body), TIMEOUT)

    try:
        while time.monotonic() < until:
            try:
                status, body = await call(
                    http,
                    "POST",
                    f"/api/v1/assessment/campaigns/{campaign}/sessions",
                    {"consent": True},
                )
                if status not in (200, 201):
                    _fail(stats, "start", status, body)
                    await _pause(interval, until)
                    continue
                state = json.loads(body)
                stats["sessions"].add(state["session_id"])
                while state["status"] == "in_progress":
                    if not await _pause(interval, until):
                        break
                    item = state["item"]
                    t0 = time.perf_counter()
                    status, body = await call(
                        http,
                        "POST",
                        f"/api/v1/assessment/sessions/{state['session_id']}/responses",
                        {
                            "sequence": item["sequence"],
                            "item_id": item["item_id"],
                            "answer": choose_answer(item),
                        },
                    )
                    if status != 201:
                        _fail(stats, "answer", status, body)
                        break
                    stats["answer"].append(time.perf_counter() - t0)
                    reply = json.loads(body)
                    stats["acks"].add(
                        (reply["ack"]["session_id"], reply["ack"]["sequence"])
                    )
                    state = reply["session"]
                    t1 = time.perf_counter()
                    status, _ = await call(trivial, "GET", "/api/v1/system/health")
                    if status == 200:
                        stats["trivial"].append(time.perf_counter() - t1)
                    else:
                        _fail(stats, "health", status, "")
                if state["status"] != "in_progress":
                    stats["completed"] += 1
            except (
                ConnectionError,
                OSError,
                TimeoutError,
                ValueError,
                KeyError,
            ) as exc:
                _fail(stats, "http", 0, repr(exc))
                await http.close()
                await trivial.close()
                await _pause(interval, until)
    finally:
        await http.close()
        await trivial.close()


async def ws_simulee(
    port: int, who: dict, campaign: int, interval: float, until: float, stats: dict
) -> None:
    """Start a session over HTTP, answer over its WebSocket, then ping ``/ws/ping/``.

    A failure is counted; the simulee then reconnects and carries on (see
    :func:`http_simulee`).
    """
    import websockets

    http = Http(port, token_headers(who["token"]))
    headers = {
        "Cookie": f"sessionid={who['cookie']}",
        "Origin": f"http://127.0.0.1:{port}",
    }
    base = f"ws://127.0.0.1:{port}"

    async def recv(ws) -> dict:
        return json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))

    try:
        while time.monotonic() < until:
            try:
                async with websockets.connect(
                    f"{base}/ws/ping/", additional_headers=headers, open_timeout=TIMEOUT
                ) as ping:
                    while time.monotonic() < until:
                        status, body = await asyncio.wait_for(
                            http.request(
                                "POST",
                                f"/api/v1/assessment/campaigns/{campaign}/sessions",
                                {"consent": True},
                            ),
                            TIMEOUT,
                        )
                        if status not in (200, 201):
                            _fail(stats, "start", status, body)
                            await _pause(interval, until)
                            continue
                        sid = json.loads(body)["session_id"]
                        stats["sessions"].add(sid)
                        async with websockets.connect(
                            f"{base}/ws/assessment/sessions/{sid}/",
                            additional_headers=headers,
                            open_timeout=TIMEOUT,
                        ) as ws:
                            message = await recv(ws)
                            while message["type"] == "state":
                                if not await _pause(interval, until):
                                    break
                                item = message["session"]["item"]
                                t0 = time.perf_counter()
                                await ws.send(
                                    json.dumps(
                                        {
                                            "type": "answer",
                                            "sequence": item["sequence"],
                                            "item_id": item["item_id"],
                                            "answer": choose_answer(item),
                                        }
                                    )
                                )
                                ack = await recv(ws)
                                if ack["type"] != "ack":
                                    _fail(stats, "answer", 0, ack)
                                    break
                                stats["acks"].add((ack["session_id"], ack["sequence"]))
                                message = await recv(ws)
                                stats["answer"].append(time.perf_counter() - t0)
                                t1 = time.perf_counter()
                                await ping.send(json.dumps({"echo": "x"}))
                                await asyncio.wait_for(ping.recv(), TIMEOUT)
                                stats["trivial"].append(time.perf_counter() - t1)
                            if message["type"] == "finished":
                                stats["completed"] += 1
                            elif message["type"] != "state":
                                _fail(stats, "ws", 0, message)
                                await _pause(interval, until)
            except (
                ConnectionError,
                OSError,
                TimeoutError,
                ValueError,
                KeyError,
                websockets.exceptions.WebSocketException,
            ) as exc:
                _fail(stats, "ws", 0, repr(exc))
                await http.close()
                await _pause(interval, until)
    finally:
        await http.close()


def simulees(
    port: int,
    people: list[dict],
    campaign: int,
    interval: float,
    until: float,
    stats: dict,
    http_share: float = 0.5,
) -> list:
    """Coroutines of the simulees: the first ``http_share`` over HTTP, the rest over WS."""
    n_http = round(len(people) * http_share)
    return [
        (http_simulee if k < n_http else ws_simulee)(
            port, who, campaign, interval, until, stats
        )
        for k, who in enumerate(people)
    ]


async def warm(port: int, workers: int, run: str, seconds: float = 15.0) -> None:
    """Warm every worker (pool tables, payload and score caches) before measuring."""
    from asgiref.sync import sync_to_async

    people = await sync_to_async(users_create)(4 * workers, run)
    campaign = await sync_to_async(campaign_id)()
    await asyncio.gather(
        *simulees(port, people, campaign, 0.05, time.monotonic() + seconds, new_stats())
    )
