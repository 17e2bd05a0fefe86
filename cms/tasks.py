"""Background work of the CMS (Django's Tasks API through django-tasks)."""

from __future__ import annotations

from django_tasks import task

from cms.exports import report_pdf_prepare


@task()
def report_pdf_prepare_task(page_id: int) -> list[str]:
    """Draw a newly published report's PDF in every language, so no reader waits for it."""

    return report_pdf_prepare(page_id=page_id)
