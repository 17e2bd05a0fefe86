"""A test-taker's WebSocket resumes through HAProxy after its ASGI process is killed.

Two uvicorn processes serve the test database behind HAProxy (the configuration of
``benchmarks/cluster.py``). A citizen answers over the session WebSocket through the
proxy; the process holding that connection is killed with SIGKILL. The client
reconnects to the same address: HAProxy sends it to the surviving process, which
resumes the session at the item that was on screen, keeps the acknowledged answer,
and acknowledges the next one.

PostgreSQL only (separate server processes must share the test database; the SQLite
test database lives in the test process's memory) and HAProxy installed (``.ci/run``
installs it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from benchmarks.cluster import asgi_start, haproxy_up

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="server processes share the database: PostgreSQL only",
    ),
    pytest.mark.skipif(
        shutil.which("haproxy") is None,
        reason="HAProxy is not installed (apt-get install haproxy)",
    ),
]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _established(port: int) -> int:
    """Established TCP connections to ``127.0.0.1:port`` (the process listening there)."""
    out = subprocess.run(
        ["ss", "-tnH", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return len([line for line in out.splitlines() if line.strip()])


def _holders(ports) -> list[int]:
    seen = []
    for _ in range(3):
        seen.append({p for p in ports if _established(p)})
        time.sleep(0.1)
    return sorted(set.intersection(*seen))


@pytest.fixture
def proxied():
    """Two ASGI processes on the test database behind HAProxy; stopped after the test."""
    from assessment.models import Instrument
    from benchmarks._harness import INSTRUMENT, build_bank, campaign_id, users_create

    if not Instrument.objects.filter(code=INSTRUMENT).exists():
        build_bank(10)
    who = users_create(1, "ws-failover")[0]
    db = connection.settings_dict
    env = {
        "DJANGO_SETTINGS_MODULE": "learning_platform.settings",
        "SECRET_KEY": settings.SECRET_KEY,  # the session's auth hash was made with it
        # DEBUG=1: pages use the plain static storage (no collectstatic manifest here)
        "DEBUG": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "DATABASE_POOL": "0",
        "LOG_LEVEL": "WARNING",
    }
    base = Path(tempfile.mkdtemp(prefix="lp-haproxy-"))
    ports = [_free_port(), _free_port()]
    procs = {}
    try:
        for port in ports:
            procs[port] = asgi_start(port, env, base / f"asgi-{port}.log")
        proxy = _free_port()
        haproxy_up(base, proxy, ports)
        yield {"proxy": proxy, "procs": procs, "who": who, "campaign": campaign_id()}
    finally:
        for log in sorted(
            base.glob("asgi-*.log")
        ):  # shown with a failure: the servers' side
            print(f"--- {log.name}\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError, ValueError):
            os.kill(int((base / "haproxy.pid").read_text().split()[0]), signal.SIGTERM)
        for proc in procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        shutil.rmtree(base, ignore_errors=True)


async def _session_start(port: int, who: dict, campaign: int) -> str:
    from benchmarks._harness import Http, token_headers

    http = Http(port, token_headers(who["token"]))
    try:
        status, body = await http.request(
            "POST",
            f"/api/v1/assessment/campaigns/{campaign}/sessions",
            {"consent": True},
        )
    finally:
        await http.close()
    assert status in (200, 201), body
    return json.loads(body)["session_id"]


async def _connect(port: int, who: dict, sid: str, seconds: float = 20.0):
    """Open the session WebSocket through the proxy, retrying while a backend is down."""
    import websockets

    headers = {
        "Cookie": f"sessionid={who['cookie']}",
        "Origin": f"http://127.0.0.1:{port}",
    }
    deadline = time.monotonic() + seconds
    while True:
        try:
            ws = await websockets.connect(
                f"ws://127.0.0.1:{port}/ws/assessment/sessions/{sid}/",
                additional_headers=headers,
                open_timeout=5,
            )
            first = json.loads(await asyncio.wait_for(ws.recv(), 10))
            return ws, first
        except (OSError, TimeoutError, websockets.exceptions.WebSocketException):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.3)


async def _answer(ws, state: dict) -> tuple[dict, dict]:
    item = state["session"]["item"]
    options = item["payload"].get("options") or [{"id": 0}]
    await ws.send(
        json.dumps(
            {
                "type": "answer",
                "sequence": item["sequence"],
                "item_id": item["item_id"],
                "answer": options[0]["id"],
            }
        )
    )
    ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
    following = json.loads(await asyncio.wait_for(ws.recv(), 10))
    return ack, following


def _stored(sid: str) -> set[int]:
    from assessment.models import Response

    connection.close()
    return set(
        Response.objects.filter(session_id=sid).values_list("sequence", flat=True)
    )


async def test_the_websocket_resumes_through_haproxy_after_its_process_is_killed(
    proxied,
):
    import websockets
    from asgiref.sync import sync_to_async

    port, who = proxied["proxy"], proxied["who"]
    sid = await _session_start(port, who, proxied["campaign"])
    ws, state = await _connect(port, who, sid)
    assert state["type"] == "state"
    ack, state = await _answer(ws, state)
    assert ack["type"] == "ack"
    first_sequence = ack["sequence"]
    on_screen = state["session"]["item"]

    # The process holding the WebSocket is the one with a connection from the proxy
    # (sampled a few times: HAProxy's health checks open short-lived ones).
    holders = _holders(proxied["procs"])
    assert len(holders) == 1, holders
    victim = proxied["procs"][holders[0]]
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)
    with pytest.raises(websockets.exceptions.ConnectionClosed):
        await asyncio.wait_for(ws.recv(), 10)

    ws, resumed = await _connect(port, who, sid)
    try:
        # the surviving process resumes the session at the item that was on screen
        assert resumed["type"] == "state", resumed
        assert resumed["session"]["session_id"] == sid
        item = resumed["session"]["item"]
        assert (item["sequence"], item["item_id"]) == (
            on_screen["sequence"],
            on_screen["item_id"],
        )
        assert _holders(proxied["procs"]) not in ([], holders)
        ack2, _ = await _answer(ws, resumed)
        assert ack2["type"] == "ack" and ack2["sequence"] == on_screen["sequence"]
    finally:
        await ws.close()
    # both acknowledged answers are stored, none lost
    assert {first_sequence, ack2["sequence"]} <= await sync_to_async(_stored)(sid)
