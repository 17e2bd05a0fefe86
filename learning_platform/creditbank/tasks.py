"""Background work of the credit bank (Django's Tasks API through django-tasks)."""

from __future__ import annotations

from django_tasks import task

from learning_platform.creditbank.services import credits_expire


@task()
def credits_expire_task(today: str | None = None) -> int:
    """Append expiry entries for credits past their validity; idempotent, so safe to rerun."""
    from datetime import date

    return len(credits_expire(today=date.fromisoformat(today) if today else None))
