"""Background tasks of the survey (django-tasks; ``manage.py db_worker`` runs them)."""

from __future__ import annotations

from django_tasks import task


@task(queue_name="calibration")
def run_survey_job(job_id: str) -> str:
    """Run a survey job (weights, calibration, scoring or roll-up) and return its status."""
    # lazy: import cycle (assessment.survey.jobs -> assessment.survey.services -> assessment.survey.services.jobs -> assessment.survey.tasks)
    from assessment.survey.jobs import run_job

    return run_job(job_id)
