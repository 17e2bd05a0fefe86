"""Background work of the CMS (Django's Tasks API through django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def report_pdf_prepare_task(page_id: int) -> list[str]:
    """Draw a newly published report's PDF in every language, so no reader waits for it."""
    from cms.exports import report_pdf_prepare

    return report_pdf_prepare(page_id=page_id)
