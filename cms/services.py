"""Writes of the cms app."""

from __future__ import annotations

from django.db import transaction
from wagtail.models import Locale, Page, Site

from cms.models import HomePage, ReportIndexPage, SurveyReportPage
from cms.tasks import report_pdf_prepare_task
from learning_platform.accounts.roles import Role

HOME_TITLE = "市民终身学习监测"
SITE_NAME = "市民终身学习监测平台"


@transaction.atomic
def home_site_ensure() -> HomePage:
    """Return the home page, creating the page tree root, home page and default site if missing.

    Migrations create them; a database emptied by a flush (transactional tests,
    a restored dump without pages) gets them back here.
    """
    home = HomePage.objects.first()
    if home is None:
        Locale.objects.get_or_create(language_code="zh-hans")
        root = Page.get_first_root_node()
        if root is None:
            root = Page.add_root(title="Root", slug="root", locale=Locale.get_default())
        home = HomePage(title=HOME_TITLE, slug="home", locale=Locale.get_default())
        root.add_child(instance=home)
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name=SITE_NAME,
        )
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save(update_fields=["root_page"])
    return home


REPORT_WORKFLOW_NAME = "调查报告审核"


@transaction.atomic
def report_workflow_ensure():
    """Return the report review workflow (draft → review → publish), creating it if missing.

    One approval task, held by the researcher group (another researcher reviews) and
    administrators; it applies to every report index and the reports below it.
    """
    from django.contrib.auth.models import Group
    from wagtail.models import GroupApprovalTask, Workflow, WorkflowPage, WorkflowTask

    workflow, _created = Workflow.objects.get_or_create(name=REPORT_WORKFLOW_NAME)
    task = GroupApprovalTask.objects.filter(name="报告审核").first()
    if task is None:
        task = GroupApprovalTask.objects.create(name="报告审核")
    groups = Group.objects.filter(name__in=[Role.RESEARCHER, Role.ADMINISTRATOR])
    task.groups.add(*groups)
    WorkflowTask.objects.get_or_create(
        workflow=workflow, task=task, defaults={"sort_order": 0}
    )
    for index in ReportIndexPage.objects.all():
        WorkflowPage.objects.update_or_create(
            page=index, defaults={"workflow": workflow}
        )
    return workflow


@transaction.atomic
def page_permissions_ensure() -> None:
    """Let researchers add, edit and publish pages below the home page."""
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import GroupPagePermission

    home = home_site_ensure()
    group, _created = Group.objects.get_or_create(name=Role.RESEARCHER)
    for codename in ("add_page", "change_page", "publish_page"):
        permission = Permission.objects.get(
            content_type__app_label="wagtailcore", codename=codename
        )
        GroupPagePermission.objects.get_or_create(
            group=group, page=home, permission=permission
        )


def report_rollup_set(*, page, rollup_id: int, user=None, refresh: bool = False):
    """Point a report at a roll-up and save a new revision holding its figures.

    A new roll-up always means a new revision; ``refresh`` re-takes the figures of the
    same roll-up after a recalculation. The live page changes only when that revision
    is published.
    """
    page = page.get_latest_revision_as_object() if page.pk else page
    page.rollup_id = rollup_id
    page.refresh_figures = refresh
    page.full_clean()
    return page.save_revision(user=user, log_action=True)


def report_pdf_schedule(*, page_id: int) -> None:
    """Draw a published report's PDF on the worker once the publication commits."""
    import logging

    def enqueue() -> None:
        try:
            report_pdf_prepare_task.enqueue(page_id)
        except Exception:  # the report is published; its first download draws the PDF
            logging.getLogger(__name__).warning(
                "Could not schedule the PDF of report %s", page_id, exc_info=True
            )

    transaction.on_commit(enqueue)


def _report_published(sender, instance, **kwargs) -> None:
    report_pdf_schedule(page_id=instance.pk)


def report_signals_connect() -> None:
    """Schedule each survey report's PDF when a revision of it is published."""
    from wagtail.signals import page_published

    page_published.connect(
        _report_published,
        sender=SurveyReportPage,
        dispatch_uid="cms-report-pdf-prepare",
    )
