"""Survey jobs: create, enqueue and cancel (``assessment.survey.jobs`` runs them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessment.models import Campaign
from assessment.survey.job_control import job_cancel as cancel
from assessment.survey.job_control import job_expire_stale
from assessment.survey.models import Job, JobKind, JobStatus
from assessment.survey.services.review import job_review_precheck
from assessment.survey.tasks import run_survey_job


def job_start(
    *,
    kind: str,
    campaign: Campaign,
    created_by=None,
    params: Mapping[str, Any] | None = None,
) -> Job:
    """Create a job and enqueue it (the immediate backend runs it before returning)."""

    job = job_create(kind=kind, campaign=campaign, created_by=created_by, params=params)
    transaction.on_commit(lambda: _enqueue(job, run_survey_job))
    return job


def job_create(
    *,
    kind: str,
    campaign: Campaign,
    created_by=None,
    params: Mapping[str, Any] | None = None,
) -> Job:
    """Create a queued job (``jobs.run_job`` runs it; ``job_start`` also enqueues it)."""
    if kind not in JobKind.values:
        raise ValidationError({"kind": _("Unknown job kind %(k)r.") % {"k": kind}})

    job_expire_stale(
        campaign=campaign, kind=kind
    )  # a dead worker's job no longer blocks
    running = Job.objects.filter(
        campaign=campaign, kind=kind, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
    )
    if running.exists():
        raise ValidationError(
            {"kind": _("A job of this kind is already running for this campaign.")}
        )
    job_review_precheck(kind=kind, campaign=campaign, params=params or {})
    return Job.objects.create(
        kind=kind, campaign=campaign, created_by=created_by, params=dict(params or {})
    )


def _enqueue(job: Job, task) -> None:
    result = task.enqueue(str(job.pk))
    Job.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id)[:64])


def job_cancel(*, job: Job) -> Job:
    """Ask a job to stop; a queued job stops at once, a running one at its next step."""

    return cancel(job=job)
