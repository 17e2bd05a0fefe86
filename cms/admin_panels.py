"""Panels on the researcher's admin home: what needs attention across the platform.

They live in cms, the highest layer of the admin, because they read the item bank
(items in review, parameter sets awaiting approval) and delivery (open campaigns,
running survey jobs). Each panel shows only what the user may act on.
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.components import Component

from assessment.models import Campaign
from assessment.survey.models import Job, JobStatus
from itembank.models import Item, ItemParameterSet

LIMIT = 8


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


class AttentionPanel(Component):
    """A list of rows (text, link, note) with a heading, a count and a link to all."""

    name = "attention"
    order = 50
    template_name = "cms/admin/attention_panel.html"
    heading = ""

    def __init__(self, *, rows: list[dict], total: int, more_url: str = ""):
        self.rows = rows
        self.total = total
        self.more_url = more_url

    def get_context_data(self, parent_context=None):
        return {
            "heading": self.heading,
            "rows": self.rows,
            "total": self.total,
            "more_url": self.more_url,
            "empty": self.empty_text,
        }


class ItemsInReviewPanel(AttentionPanel):
    name = "items_in_review"
    order = 40
    heading = _("Items waiting for review")
    empty_text = _("No item is waiting for review.")


class ParameterSetsPanel(AttentionPanel):
    name = "parameter_sets_to_review"
    order = 41
    heading = _("Parameter sets to review")
    empty_text = _("No parameter set is waiting for approval.")


class JobsPanel(AttentionPanel):
    name = "running_jobs"
    order = 42
    heading = _("Running survey jobs")
    empty_text = _("No survey job is running.")


class CampaignsPanel(AttentionPanel):
    name = "open_campaigns"
    order = 43
    heading = _("Open campaigns")
    empty_text = _("No campaign is open.")


def items_in_review_panel(user) -> AttentionPanel | None:
    from wagtail.models import WorkflowState

    if not user.has_perm("itembank.change_item"):
        return None
    states = (
        WorkflowState.objects.active()
        .filter(
            base_content_type__app_label="itembank", base_content_type__model="item"
        )
        .select_related("current_task_state__task")
        .order_by("-created_at")
    )
    total = states.count()
    ids = {int(s.object_id): s for s in states[:LIMIT]}
    items = {i.pk: i for i in Item.objects.filter(pk__in=ids)}
    rows = [
        {
            "text": items[pk].code,
            "url": _url("wagtailsnippets_itembank_item:edit", pk),
            "note": str(state.current_task_state.task)
            if state.current_task_state
            else "",
        }
        for pk, state in ids.items()
        if pk in items
    ]
    return ItemsInReviewPanel(
        rows=rows, total=total, more_url=_url("wagtailsnippets_itembank_item:list")
    )


def parameter_sets_panel(user) -> AttentionPanel | None:
    if not user.has_perm("itembank.view_itemparameterset"):
        return None
    pending = ItemParameterSet.objects.filter(
        is_active=False, approved_by__isnull=True, is_demo=False
    )
    rows = [
        {
            "text": p.name,
            "url": _url("itembank_admin:parameter_set", p.pk),
            "note": timezone.localtime(p.created_at).strftime("%Y-%m-%d %H:%M"),
        }
        for p in pending[:LIMIT]
    ]
    return ParameterSetsPanel(
        rows=rows,
        total=pending.count(),
        more_url=_url("wagtailsnippets_itembank_itemparameterset:list"),
    )


def jobs_panel(user) -> AttentionPanel | None:
    if not (
        user.is_superuser
        or user.has_perm("survey.view_job")
        or user.groups.filter(name__icontains="research").exists()
    ):
        return None
    running = Job.objects.filter(
        status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
    ).select_related("campaign")
    rows = [
        {
            "text": f"{j.get_kind_display()} · {j.campaign.name_zh}",
            "url": _url("survey_admin:index"),
            "note": f"{j.get_status_display()} {j.progress * 100:.0f}%",
        }
        for j in running[:LIMIT]
    ]
    return JobsPanel(
        rows=rows, total=running.count(), more_url=_url("survey_admin:index")
    )


def campaigns_panel(user) -> AttentionPanel | None:
    if not (user.is_superuser or user.has_perm("assessment.view_campaign")):
        return None
    now = timezone.now()
    open_ = (
        Campaign.objects.filter(opens_at__lte=now)
        .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
        .order_by("-opens_at")
    )
    rows = [
        {
            "text": c.name_zh,
            "url": _url("assessment_campaigns:edit", c.pk),
            "note": c.get_kind_display(),
        }
        for c in open_[:LIMIT]
    ]
    return CampaignsPanel(
        rows=rows, total=open_.count(), more_url=_url("assessment_campaigns:index")
    )


def homepage_panels_add(request, panels: list) -> None:
    """Add the attention panels the user may see, in front of Wagtail's own."""
    for build in (
        items_in_review_panel,
        parameter_sets_panel,
        jobs_panel,
        campaigns_panel,
    ):
        panel = build(request.user)
        if panel is not None:
            panels.append(panel)
