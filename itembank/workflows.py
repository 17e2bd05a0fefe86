"""The item review workflow: content, language/fairness and psychometric review.

The workflow is Wagtail's own (Settings → Workflows), assigned to the item snippet, with one
``GroupApprovalTask`` per step and one role (group) per task, so an administrator can
rename, reorder, add or remove steps there. Each step is approved or sent back to the author
with a comment (Wagtail's "Approve with comment" / "Request changes"); the last approval
publishes the item.

Publishing is refused by every route until the review has passed every step:
``review_publish_check`` runs inside ``Item.publish``, which the admin's publish action, the
workflow's own finish, ``services.item_publish`` and ``publish_scheduled`` all go through.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from learning_platform.accounts.roles import Role

if TYPE_CHECKING:
    from .models import Item

REVIEW_WORKFLOW_NAME = "条目审核 Item review"
# The one step of the first review workflow; its task becomes the content review.
LEGACY_TASK_NAME = "审题 Reviewer approval"


@dataclass(frozen=True)
class ReviewStep:
    """One step of the default review workflow: the task's stored name and its role."""

    task_name: str
    role: str
    label: Promise


REVIEW_STEPS: tuple[ReviewStep, ...] = (
    ReviewStep("内容审核", Role.ITEM_REVIEWER, gettext_lazy("Content review")),
    ReviewStep(
        "语言与公平性审核",
        Role.ITEM_FAIRNESS_REVIEWER,
        gettext_lazy("Language and fairness review"),
    ),
    ReviewStep(
        "测量学审核",
        Role.ITEM_PSYCHOMETRIC_REVIEWER,
        gettext_lazy("Psychometric review"),
    ),
)
_LABELS = {s.task_name: s.label for s in REVIEW_STEPS}


def step_label(task_name: str) -> str:
    """The step's name in the user's language (a step added in the admin keeps its own name)."""
    label = _LABELS.get(task_name)
    return str(label) if label is not None else task_name


def review_workflow_ensure():
    """Return the item review workflow, creating the default three steps where none exist.

    Safe to run twice. A workflow an administrator has already assigned to items is left as
    configured, except that the first one-step workflow (one reviewer approval) gains the
    language/fairness and psychometric steps after its approval, which becomes the content
    review. The data migration ``0007_three_step_item_review`` does the same on upgrade.
    """
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import (
        GroupApprovalTask,
        Workflow,
        WorkflowContentType,
        WorkflowTask,
    )

    # lazy: Wagtail imports this module (WAGTAIL_FINISH_WORKFLOW_ACTION) while itembank.models loads
    from .models import Item

    ct = ContentType.objects.get_for_model(Item)
    assigned = (
        WorkflowContentType.objects.filter(content_type=ct)
        .select_related("workflow")
        .first()
    )
    if assigned is not None:
        workflow = assigned.workflow
    else:
        workflow, _c = Workflow.objects.get_or_create(name=REVIEW_WORKFLOW_NAME)
        WorkflowContentType.objects.create(content_type=ct, workflow=workflow)
    names = list(
        WorkflowTask.objects.filter(workflow=workflow)
        .order_by("sort_order")
        .values_list("task__name", flat=True)
    )
    if names and names != [LEGACY_TASK_NAME]:
        return workflow  # configured in the admin: leave it
    for order, step in enumerate(REVIEW_STEPS):
        task = GroupApprovalTask.objects.filter(name=step.task_name).first()
        if task is None and order == 0 and names == [LEGACY_TASK_NAME]:
            task = GroupApprovalTask.objects.filter(name=LEGACY_TASK_NAME).first()
            if task is not None:
                task.name = step.task_name
                task.save(update_fields=["name"])
        if task is None:
            task = GroupApprovalTask.objects.create(name=step.task_name)
        group, _c = Group.objects.get_or_create(name=step.role)
        task.groups.set([group])
        WorkflowTask.objects.update_or_create(
            workflow=workflow, task=task, defaults={"sort_order": order}
        )
    return workflow


# -- where an item stands ---------------------------------------------------------------


def review_active_state(item: Item):
    """The item's review in progress or sent back for changes, if any."""
    from wagtail.models import WorkflowState

    return (
        WorkflowState.objects.active()
        .filter(base_content_type=item.get_base_content_type(), object_id=str(item.pk))
        .select_related("current_task_state__task", "workflow")
        .first()
    )


def review_progress(item: Item) -> dict[str, Any]:
    """Every step of the item's latest review with its status, reviewer, time and comment.

    ``{"status", "status_label", "current_step", "steps": [{"name", "label", "status",
    "status_label", "by", "at", "comment"}]}``; ``None`` values where the item was never
    submitted.
    """
    from wagtail.models import TaskState, WorkflowState

    state = (
        WorkflowState.objects.filter(
            base_content_type=item.get_base_content_type(), object_id=str(item.pk)
        )
        .select_related("workflow", "current_task_state__task")
        .order_by("-created_at", "-pk")
        .first()
    )
    if state is None:
        return {
            "status": None,
            "status_label": _("Not submitted for review"),
            "current_step": None,
            "steps": [],
        }
    finished = {
        ts.task_id: ts
        for ts in TaskState.objects.filter(workflow_state=state)
        .select_related("finished_by")
        .order_by("started_at", "pk")
    }
    labels = dict(TaskState.STATUS_CHOICES)
    steps = []
    for task in state.workflow.tasks.order_by("workflow_tasks__sort_order"):
        ts = finished.get(task.pk)
        steps.append(
            {
                "name": task.name,
                "label": step_label(task.name),
                "status": ts.status if ts else "not_started",
                "status_label": str(labels[ts.status]) if ts else _("Not started"),
                "by": ts.finished_by if ts else None,
                "at": ts.finished_at if ts else None,
                "comment": ts.comment if ts else "",
            }
        )
    current = (
        state.current_task_state.task.name
        if (
            state.current_task_state
            and state.status == WorkflowState.STATUS_IN_PROGRESS
        )
        else None
    )
    return {
        "status": state.status,
        "status_label": str(state.get_status_display()),
        "current_step": step_label(current) if current else None,
        "steps": steps,
    }


def _refuse(item: Item, message: str) -> ValidationError:
    return ValidationError(
        {
            "review": _("Publishing %(code)s refused: %(reason)s")
            % {"code": item.code, "reason": message}
        }
    )


def review_publish_check(*, item: Item, revision, user) -> None:
    """Refuse to publish ``revision`` unless the review let it through.

    An item whose review is in progress or was sent back cannot be published by anyone, by
    any route. A person may publish only the revision the whole review approved (the
    workflow's last approval does exactly that). Code without a user (bank seeding, fixtures,
    scheduled go-live of an approved revision) may publish an item not under review.
    """
    from wagtail.models import TaskState, WorkflowState

    active = review_active_state(item)
    if active is not None:
        if active.status == WorkflowState.STATUS_NEEDS_CHANGES:
            task = active.current_task_state.task if active.current_task_state else None
            raise _refuse(
                item,
                _(
                    "“%(step)s” sent it back to the author for changes; it must "
                    "pass every review step again."
                )
                % {"step": step_label(task.name) if task else "?"},
            )
        task = active.current_task_state.task if active.current_task_state else None
        raise _refuse(
            item,
            _(
                "review step “%(step)s” is not done yet (every step must "
                "approve it first)."
            )
            % {"step": step_label(task.name) if task else "?"},
        )
    if user is None:
        return
    approved = (
        WorkflowState.objects.filter(
            base_content_type=item.get_base_content_type(), object_id=str(item.pk)
        )
        .select_related("workflow")
        .order_by("-created_at", "-pk")
        .first()
    )
    if approved is None or approved.status != WorkflowState.STATUS_APPROVED:
        raise _refuse(
            item,
            _(
                "this version has not been through the review. Submit it for "
                "review; the last review step publishes it."
            ),
        )
    done = {
        ts.task_id: ts
        for ts in TaskState.objects.filter(
            workflow_state=approved, status=TaskState.STATUS_APPROVED
        )
    }
    pending = [
        t.name
        for t in approved.workflow.tasks.order_by("workflow_tasks__sort_order")
        if t.pk not in done
    ]
    if pending:
        raise _refuse(
            item,
            _(
                "review step “%(step)s” is not done yet (every step must "
                "approve it first)."
            )
            % {"step": step_label(pending[0])},
        )
    # the revision the first step reviewed, or one made while the steps reviewed it
    first_reviewed = min(ts.revision_id for ts in done.values())
    last_approval = max(ts.finished_at for ts in done.values())
    if revision.pk < first_reviewed or revision.created_at > last_approval:
        raise _refuse(
            item,
            _(
                "this version has not been through the review. Submit it for "
                "review; the last review step publishes it."
            ),
        )


def publish_reviewed_item(workflow_state, user=None) -> None:
    """``WAGTAIL_FINISH_WORKFLOW_ACTION``: the last approval publishes the reviewed revision.

    The approval itself is the authority, so the approver needs no publish permission of
    their own (a step an administrator adds at the end works for its group too).
    """
    from wagtail.workflows import publish_workflow_state

    # lazy: Wagtail imports this module (WAGTAIL_FINISH_WORKFLOW_ACTION) while itembank.models loads
    from .models import Item

    obj = workflow_state.content_object
    if not isinstance(obj, Item):
        publish_workflow_state(workflow_state, user=user)  # pages keep Wagtail's rule
        return
    obj.get_latest_revision().publish(user=user, skip_permission_checks=True)
