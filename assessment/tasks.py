"""Background work of delivery (Django's Tasks API through django-tasks)."""

from __future__ import annotations

from django_tasks import task

from assessment.services.statistics import item_statistics_refresh


@task()
def item_statistics_refresh_task(item_ids: list[int]) -> int:
    """Recount the classical statistics of these items from closed sessions; idempotent."""

    return item_statistics_refresh(item_ids=item_ids)
