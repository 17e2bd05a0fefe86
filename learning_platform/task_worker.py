"""A django-tasks database worker whose jobs are retried when it dies.

``manage.py db_worker`` claims a task by marking it running; a worker killed with
``kill -9`` (or a lost machine) leaves it running for ever. This wrapper runs the same
worker with a heartbeat: every third of ``TASK_WORKER_LEASE_SECONDS`` it renews a key
naming itself in the shared cache (Redis) and re-queues the running tasks of workers
whose key has expired, so the next free worker runs them again. Every task of the
platform is idempotent (a rerun changes nothing already done), so a retry is safe.

    python -m learning_platform.task_worker --queue-name '*' [other db_worker options]

The worker id is made here (``lp-<host>-<pid>-<nonce>``); only tasks claimed by such
workers are ever re-queued, never those of a plain ``db_worker``. The cache must be
shared between the workers (``REDIS_URL``): with a process-local cache a worker cannot
see another's heartbeat, and this refuses to start. Survey jobs keep their own lease
(``SURVEY_JOB_LEASE_SECONDS``): a survey job whose worker died is failed and run again
by a researcher, so its re-queued task finds the job no longer queued and ends.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import uuid
from datetime import timedelta

from learning_platform.env import env_float

log = logging.getLogger(__name__)

PREFIX = "lp-"
DEFAULT_LEASE_SECONDS = 30.0


def lease_seconds() -> float:
    return env_float(
        "TASK_WORKER_LEASE_SECONDS", default=DEFAULT_LEASE_SECONDS, minimum=1
    )


def heartbeat_key(worker_id: str) -> str:
    return f"task-worker:{worker_id}"


def worker_id_new() -> str:
    return f"{PREFIX}{socket.gethostname()[:30]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def heartbeat(worker_id: str) -> None:
    from django.core.cache import cache

    cache.set(heartbeat_key(worker_id), 1, timeout=lease_seconds())


def tasks_requeue_orphans() -> list[str]:
    """Put back in the queue every running task whose worker stopped beating; return their ids.

    A task is re-queued only when its last worker is one of ours, its key has expired and
    it started more than one lease ago; the update is conditional on the same claim, so
    a task that finished or was claimed again meanwhile is left alone.
    """
    from django.core.cache import cache
    from django.utils import timezone
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    requeued = []
    running = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING,
        started_at__lt=now - timedelta(seconds=lease_seconds()),
    ).only("pk", "worker_ids")
    for result in running:
        workers = list(result.worker_ids or [])
        if not workers or not str(workers[-1]).startswith(PREFIX):
            continue
        if cache.get(heartbeat_key(workers[-1])) is not None:
            continue
        n = DBTaskResult.objects.filter(
            pk=result.pk, status=TaskResultStatus.RUNNING, worker_ids=workers
        ).update(status=TaskResultStatus.READY, started_at=None)
        if n:
            log.warning(
                "task %s: worker %s stopped beating; re-queued", result.pk, workers[-1]
            )
            requeued.append(str(result.pk))
    return requeued


class Beat(threading.Thread):
    def __init__(self, worker_id: str) -> None:
        super().__init__(name="task-worker-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.stopped = threading.Event()

    def run(self) -> None:
        from django.db import connection

        while True:
            try:
                heartbeat(self.worker_id)
                tasks_requeue_orphans()
            except Exception:  # noqa: BLE001 - a missed beat is retried; the lease decides
                log.exception("task worker %s: heartbeat failed", self.worker_id)
            finally:
                connection.close()
            if self.stopped.wait(lease_seconds() / 3):
                return


def check_shared_cache() -> None:
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith(("LocMemCache", "DummyCache")):
        raise ImproperlyConfigured(
            f"learning_platform.task_worker needs a cache shared between workers (set "
            f"REDIS_URL); CACHES['default'] is {backend}, which each process keeps alone."
        )


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learning_platform.settings")
    import django

    django.setup()
    from django.core.management import call_command

    args = list(sys.argv[1:] if argv is None else argv)
    if any(a == "--worker-id" or a.startswith("--worker-id=") for a in args):
        raise SystemExit("learning_platform.task_worker makes its own --worker-id.")
    check_shared_cache()
    lease_seconds()  # a bad value stops start-up here, by name
    worker_id = worker_id_new()
    heartbeat(worker_id)
    beat = Beat(worker_id)
    beat.start()
    try:
        call_command("db_worker", *args, "--worker-id", worker_id)
    finally:
        beat.stopped.set()


if __name__ == "__main__":
    main()
