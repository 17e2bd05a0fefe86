"""Template filters of the survey jobs page: a job's stage in the active language."""

from __future__ import annotations

from django import template

from assessment.survey.job_labels import stage_label

register = template.Library()


@register.filter
def job_stage(stage: str) -> str:
    return stage_label(stage)


@register.filter
def percent(fraction) -> str:
    try:
        return f"{round(float(fraction) * 100)}%"
    except (TypeError, ValueError):
        return "—"
