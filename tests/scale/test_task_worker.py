"""Tasks of a task worker that stopped beating are put back in the queue, no others.

``benchmarks/bench_cluster.py`` kills a real worker mid-job and watches the other one
retry it; here the decision itself is checked on the task rows: which running tasks are
re-queued, and that a retried task keeps the history of the workers that claimed it.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from learning_platform.task_worker import (
    heartbeat,
    heartbeat_key,
    lease_seconds,
    tasks_requeue_orphans,
    worker_id_new,
)

ROOT = Path(__file__).resolve().parents[2]


def _running(worker_id: str, *, started_seconds_ago: float) -> DBTaskResult:
    now = timezone.now()
    return DBTaskResult.objects.create(
        status="RUNNING",
        started_at=now - timedelta(seconds=started_seconds_ago),
        args_kwargs={"args": [1.0, "x"], "kwargs": {}},
        task_path="benchmarks.cluster_jobs.slow_probe",
        worker_ids=[worker_id],
        backend_name="default",
        run_after=now,
    )


@pytest.mark.django_db
def test_only_the_tasks_of_a_worker_that_stopped_beating_are_requeued():
    lease = lease_seconds()
    dead, live = worker_id_new(), worker_id_new()
    heartbeat(live)
    cache.delete(heartbeat_key(dead))
    orphan = _running(dead, started_seconds_ago=lease + 5)
    beating = _running(live, started_seconds_ago=lease + 5)
    just_started = _running(
        dead, started_seconds_ago=0
    )  # its worker may not have beaten yet
    plain = _running(
        "a-plain-db-worker", started_seconds_ago=lease + 5
    )  # never ours to judge

    assert tasks_requeue_orphans() == [str(orphan.pk)]

    orphan.refresh_from_db()
    assert orphan.status == "READY" and orphan.started_at is None
    assert orphan.worker_ids == [dead]  # the next claim appends the retrying worker
    for row in (beating, just_started, plain):
        row.refresh_from_db()
        assert row.status == "RUNNING"
    assert tasks_requeue_orphans() == []  # nothing twice


def test_the_worker_refuses_a_cache_it_cannot_share():
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update({"DEBUG": "1", "DJANGO_SETTINGS_MODULE": "learning_platform.settings"})
    out = subprocess.run(
        [sys.executable, "-m", "learning_platform.task_worker", "--batch"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode != 0
    assert "needs a cache shared between workers (set REDIS_URL)" in out.stderr


def test_a_bad_lease_stops_the_worker_by_name():
    env = dict(
        os.environ,
        DEBUG="1",
        DJANGO_SETTINGS_MODULE="learning_platform.settings",
        REDIS_URL="redis://127.0.0.1:6379/15",
        TASK_WORKER_LEASE_SECONDS="soon",
    )
    out = subprocess.run(
        [sys.executable, "-m", "learning_platform.task_worker", "--batch"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode != 0
    assert "TASK_WORKER_LEASE_SECONDS='soon' is not a number" in out.stderr


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="workers share heartbeats in Redis"
)
def test_kill_9_of_the_worker_running_a_task_and_the_other_one_retries_it():
    """Two real workers on the test database; the one running the task is killed."""
    import signal
    import time

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("worker processes share the database: PostgreSQL only")
    db = connection.settings_dict
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="learning_platform.settings",
        DEBUG="1",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        DATABASE_POOL="0",
        TASK_WORKER_LEASE_SECONDS="2",
        LOG_LEVEL="WARNING",
    )
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "learning_platform.task_worker",
                "--queue-name",
                "*",
                "--no-reload",
                "--interval",
                "0.2",
                "--no-startup-delay",
                "-v",
                "0",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        for _ in range(2)
    ]
    try:
        task = DBTaskResult.objects.create(
            args_kwargs={"args": [4.0, "retried"], "kwargs": {}},
            task_path="benchmarks.cluster_jobs.slow_probe",
            backend_name="default",
            run_after=timezone.now(),
        )

        def wait(what, done, seconds):
            deadline = time.monotonic() + seconds
            while True:
                task.refresh_from_db()
                if done(task):
                    return
                assert time.monotonic() < deadline, (
                    f"the task never {what}: {task.status}"
                )
                time.sleep(0.2)

        wait(
            "started", lambda t: t.status == "RUNNING", 300
        )  # workers start slowly here
        first = task.worker_ids[-1]
        victim = next(w for w in workers if f"-{w.pid}-" in first)
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
        wait("finished", lambda t: t.status in ("SUCCESSFUL", "FAILED"), 60)
        assert task.status == "SUCCESSFUL" and task.return_value == "retried"
        assert task.worker_ids[0] == first and len(task.worker_ids) == 2
        assert task.worker_ids[1] != first  # run again by the surviving worker
    finally:
        for worker in workers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
