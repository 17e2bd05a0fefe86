"""Job progress over Channels: a researcher watches a job move and cancels another.

The survey here is the array-only simulation (``small_survey``, no item bank), not the
delivered one the other job tests share: the jobs run in worker threads with their own
database connections, so this transactional test must commit a survey of its own, and it
checks how progress and cancelling travel, not the statistics. Its ~3,000 respondents keep
the calibration running long enough to be cancelled.
"""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from assessment.survey.jobs import run_job
from assessment.survey.models import Job
from assessment.survey.services import job_create
from learning_platform.asgi import application
from tests.survey.conftest import small_survey

pytestmark = pytest.mark.django_db(transaction=True)


def _run_elsewhere(job_id: str) -> str:
    """Run the job in its own thread, as the worker process would, then close its connection."""
    from django.db import connection

    try:
        return run_job(job_id)
    finally:
        connection.close()


worker = sync_to_async(_run_elsewhere, thread_sensitive=False)


def _cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def _connect(path: str, cookie: str | None):
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    ws = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await ws.connect()
    assert connected
    return ws


async def _until_done(ws, limit: float = 120.0) -> list[dict]:
    seen = []
    while True:
        msg = await ws.receive_json_from(timeout=limit)
        if msg["type"] == "job":
            seen.append(msg["job"])
            if msg["job"]["status"] in ("finished", "failed", "cancelled"):
                return seen


async def test_progress_is_pushed_and_a_running_job_can_be_cancelled(
    districts, make_user
):
    campaign, sim, _ = await database_sync_to_async(small_survey)(n_sample=4000)
    researcher = await database_sync_to_async(make_user)("researcher")
    cookie = await database_sync_to_async(_cookie)(researcher)

    # 1. the weights job: progress arrives live and ends finished
    job = await database_sync_to_async(job_create)(kind="weights", campaign=campaign)
    ws = await _connect(f"/ws/survey/jobs/{job.pk}/", cookie)
    first = await ws.receive_json_from()
    assert first["job"]["status"] == "queued"
    runner = asyncio.ensure_future(worker(str(job.pk)))
    seen = await _until_done(ws)
    assert await runner == "finished"
    assert any(m["status"] == "running" for m in seen)
    progress = [m["progress"] for m in seen]
    assert progress == sorted(progress) and progress[-1] == 1.0
    assert seen[-1]["result"]["replicates"]["n_replicates"] == 80
    await ws.disconnect()

    # 2. calibration: cancel over the socket while it runs
    job = await database_sync_to_async(job_create)(kind="calibrate", campaign=campaign)
    ws = await _connect(f"/ws/survey/jobs/{job.pk}/", cookie)
    await ws.receive_json_from()
    runner = asyncio.ensure_future(worker(str(job.pk)))
    while True:
        msg = await ws.receive_json_from(timeout=60)
        if msg["type"] == "job" and msg["job"]["status"] == "running":
            break
    await ws.send_json_to({"type": "cancel"})
    seen = await _until_done(ws)
    assert await runner == "cancelled"
    assert seen[-1]["status"] == "cancelled"
    saved = await database_sync_to_async(Job.objects.get)(pk=job.pk)
    assert saved.cancel_requested and saved.status == "cancelled"
    from assessment.survey.models import Calibration

    assert not await database_sync_to_async(
        Calibration.objects.filter(campaign=campaign).exists
    )()
    # cancelling an ended job is refused with a message
    await ws.send_json_to({"type": "cancel"})
    msg = await ws.receive_json_from()
    assert msg["type"] == "error" and msg["code"] == "cancel_refused"
    await ws.disconnect()


async def test_only_researchers_may_follow_jobs(districts, make_user):
    huangpu = districts[0]
    officer = await database_sync_to_async(make_user)(
        "district_officer", district=huangpu
    )
    for cookie in (None, await database_sync_to_async(_cookie)(officer)):
        ws = await _connect("/ws/survey/jobs/", cookie)
        msg = await ws.receive_json_from()
        assert msg["code"] == "forbidden"
        assert (await ws.receive_output())["type"] == "websocket.close"
