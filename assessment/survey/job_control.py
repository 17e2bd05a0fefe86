"""State changes of survey jobs that must survive faults: claim, heartbeat, finish, expire, cancel.

A worker runs a job only after it *claims* it: one conditional ``UPDATE`` moves the row
from queued to running and writes the worker's owner token (``host:pid:nonce``) and a
lease expiry. Only one UPDATE can match, so two workers never run the same job. The
worker renews the lease on every progress step and from a heartbeat thread; every later
write of the worker is conditional on still owning a running job, so a worker that lost
its lease cannot overwrite what was decided without it.

A job whose lease expired belongs to a worker that died (kill -9, lost machine): it is
failed (or cancelled, if a researcher had asked) by :func:`job_expire_stale`, which is
called where the job is read or a new one is asked for (``job_create``, the progress
endpoint, the jobs page, cancel) and by ``manage.py survey_jobs_sweep`` — never by the
dead worker. The lease length is ``SURVEY_JOB_LEASE_SECONDS`` (setting or environment,
default 60 s).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessment.survey.models import Job, JobStatus

log = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 60.0


class LeaseLost(Exception):
    """The worker no longer owns the job (its lease expired and the job was ended)."""


def lease_seconds() -> float:
    """The lease length: setting ``SURVEY_JOB_LEASE_SECONDS``, else the environment, else 60 s."""
    raw = getattr(settings, "SURVEY_JOB_LEASE_SECONDS", None)
    if raw is None:
        raw = os.environ.get("SURVEY_JOB_LEASE_SECONDS") or DEFAULT_LEASE_SECONDS
    try:
        value = float(raw)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"SURVEY_JOB_LEASE_SECONDS={raw!r} is not a number of seconds"
        ) from exc
    if not value > 0:
        raise ImproperlyConfigured(f"SURVEY_JOB_LEASE_SECONDS={raw!r} must be above 0")
    return value


def owner_token() -> str:
    """A token naming this worker and this run: ``host:pid:nonce``."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_pid(owner: str) -> int | None:
    try:
        return int(owner.split(":")[-2])
    except (IndexError, ValueError):
        return None


def _push(job_id) -> None:
    # lazy: import cycle (assessment.survey.jobs -> assessment.survey.job_control)
    from assessment.survey.jobs import push

    job = Job.objects.filter(pk=job_id).first()
    if job is not None:
        push(job)


def job_claim(*, job_id, owner: str) -> bool:
    """Take a queued job for ``owner``; False when another worker has it or it has ended."""
    now = timezone.now()
    n = Job.objects.filter(
        pk=job_id, status=JobStatus.QUEUED, cancel_requested=False
    ).update(
        status=JobStatus.RUNNING,
        lease_owner=owner[:120],
        heartbeat_at=now,
        lease_expires_at=now + timedelta(seconds=lease_seconds()),
        started_at=now,
        progress=0.0,
        stage="started",
    )
    return n == 1


def job_heartbeat(
    *, job_id, owner: str, progress: float | None = None, stage: str | None = None
) -> bool:
    """Renew ``owner``'s lease (and store progress); False when the lease is lost."""
    now = timezone.now()
    fields: dict[str, Any] = {
        "heartbeat_at": now,
        "lease_expires_at": now + timedelta(seconds=lease_seconds()),
    }
    if progress is not None:
        fields["progress"] = float(progress)
    if stage is not None:
        fields["stage"] = stage[:200]
    n = Job.objects.filter(
        pk=job_id, lease_owner=owner[:120], status=JobStatus.RUNNING
    ).update(**fields)
    return n == 1


def job_finish(
    *,
    job_id,
    owner: str,
    status: str,
    result: dict | None = None,
    error: str = "",
    progress: float | None = None,
) -> bool:
    """Record the end of ``owner``'s run; False (nothing written) when it lost the lease."""
    fields: dict[str, Any] = {
        "status": status,
        "result": result or {},
        "error": error,
        "finished_at": timezone.now(),
        "lease_expires_at": None,
        "stage": str(status),
    }
    if progress is not None:
        fields["progress"] = float(progress)
    n = Job.objects.filter(
        pk=job_id, lease_owner=owner[:120], status=JobStatus.RUNNING
    ).update(**fields)
    if n:
        _push(job_id)
    return n == 1


def _stale(now) -> Q:
    # A running job without a lease is from before leases existed: stale after one lease.
    return Q(status=JobStatus.RUNNING) & (
        Q(lease_expires_at__lt=now)
        | Q(
            lease_expires_at__isnull=True,
            started_at__lt=now - timedelta(seconds=lease_seconds()),
        )
        | Q(lease_expires_at__isnull=True, started_at__isnull=True)
    )


def job_expire_stale(
    *, campaign=None, kind: str | None = None, job_ids=None
) -> list[str]:
    """End every running job whose worker stopped renewing its lease; return their ids.

    A job whose cancel was asked for ends cancelled, any other failed with a message
    saying the worker stopped; either can then be run again.
    """
    now = timezone.now()
    qs = Job.objects.filter(_stale(now))
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if kind is not None:
        qs = qs.filter(kind=kind)
    if job_ids is not None:
        qs = qs.filter(pk__in=list(job_ids))
    ended = []
    for job in qs.only("pk", "lease_owner", "heartbeat_at", "cancel_requested"):
        last = (
            timezone.localtime(job.heartbeat_at).strftime("%Y-%m-%d %H:%M:%S")
            if job.heartbeat_at
            else "—"
        )
        if job.cancel_requested:
            status, stage, error = JobStatus.CANCELLED, "cancelled", ""
        else:
            status, stage = JobStatus.FAILED, "failed"
            with translation.override(
                settings.LANGUAGE_CODE
            ):  # stored: the site's language
                error = _(
                    "The worker running this job stopped (last heartbeat %(t)s); "
                    "the job can be run again."
                ) % {"t": last}
        # Conditional on the same owner and a still-expired lease: a worker that renewed
        # in the meantime keeps its job.
        n = Job.objects.filter(
            _stale(now), pk=job.pk, lease_owner=job.lease_owner
        ).update(
            status=status,
            stage=stage,
            error=error,
            finished_at=now,
            lease_expires_at=None,
        )
        if n:
            log.warning(
                "survey job %s: lease of %s expired; marked %s",
                job.pk,
                job.lease_owner or "?",
                status,
            )
            ended.append(str(job.pk))
            _push(job.pk)
    return ended


def job_cancel(*, job: Job) -> Job:
    """Ask a job to stop: a queued one (or one whose worker died) ends at once, a running
    one at its next progress step."""
    job.refresh_from_db()
    if job.done:
        raise ValidationError(_("The job has already ended."))
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.CANCELLED, finished_at=timezone.now(), stage="cancelled"
    )
    job_expire_stale(job_ids=[job.pk])  # no live worker: it ends cancelled now
    job.refresh_from_db()
    _push(job.pk)
    return job


class Heartbeat(threading.Thread):
    """Renews a running job's lease every third of the lease, between progress steps."""

    def __init__(self, *, job_id, owner: str) -> None:
        super().__init__(name=f"survey-job-heartbeat-{job_id}", daemon=True)
        self.job_id, self.owner = job_id, owner
        self.interval = lease_seconds() / 3
        self._stop_event = threading.Event()
        self.lost = False

    def run(self) -> None:
        try:
            while not self._stop_event.wait(self.interval):
                try:
                    if not job_heartbeat(job_id=self.job_id, owner=self.owner):
                        self.lost = True
                        return
                except Exception:  # noqa: BLE001 - a missed beat is retried; the lease decides
                    log.exception("survey job %s: heartbeat failed", self.job_id)
        finally:
            connection.close()

    def stop(self) -> None:
        self._stop_event.set()
        if self.is_alive():
            self.join(timeout=self.interval + 5)


def live_mode() -> str:
    """How the jobs page follows progress: ``push`` over a channel layer shared between
    processes (Redis), ``poll`` of the progress endpoint when the layer lives in one
    process's memory and so cannot carry a separate worker's progress."""
    from channels.layers import InMemoryChannelLayer, get_channel_layer

    layer = get_channel_layer()
    return (
        "poll" if layer is None or isinstance(layer, InMemoryChannelLayer) else "push"
    )
