"""The item review becomes three steps: content, language/fairness and psychometric review.

Creates the three reviewer groups and Wagtail's workflow for items (assigned to the item
snippet, so Settings → Workflows shows and edits it). The first one-step workflow (one
reviewer approval) keeps its task as the content review and gains the other two steps. A
workflow an administrator has reconfigured is left alone. Safe to run on any database;
``itembank.workflows.review_workflow_ensure`` does the same at demo set-up.
"""

from django.db import migrations

WORKFLOW_NAME = "条目审核 Item review"
LEGACY_TASK_NAME = "审题 Reviewer approval"
STEPS = [
    ("内容审核", "item_reviewer"),
    ("语言与公平性审核", "item_fairness_reviewer"),
    ("测量学审核", "item_psychometric_reviewer"),
]


def three_step_review(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")

    item_ct, _c = ContentType.objects.get_or_create(app_label="itembank", model="item")
    task_ct, _c = ContentType.objects.get_or_create(app_label="wagtailcore",
                                                    model="groupapprovaltask")
    assigned = WorkflowContentType.objects.filter(content_type=item_ct).first()
    if assigned is not None:
        workflow = Workflow.objects.get(pk=assigned.workflow_id)
    else:
        workflow, _c = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
        WorkflowContentType.objects.create(content_type=item_ct, workflow=workflow)
    names = list(WorkflowTask.objects.filter(workflow=workflow).order_by("sort_order")
                 .values_list("task__name", flat=True))
    if names and names != [LEGACY_TASK_NAME]:
        return
    for order, (name, role) in enumerate(STEPS):
        task = GroupApprovalTask.objects.filter(name=name).first()
        if task is None and order == 0 and names:
            task = GroupApprovalTask.objects.filter(name=LEGACY_TASK_NAME).first()
            if task is not None:
                task.name = name
                task.save(update_fields=["name"])
        if task is None:
            task = GroupApprovalTask.objects.create(name=name, content_type=task_ct, active=True)
        group, _c = Group.objects.get_or_create(name=role)
        task.groups.set([group])
        WorkflowTask.objects.update_or_create(workflow_id=workflow.pk, task_id=task.pk,
                                              defaults={"sort_order": order})


class Migration(migrations.Migration):
    dependencies = [
        ("itembank", "0006_item_code_case_insensitive_unique"),
        ("wagtailcore", "0098_apitoken"),
        ("accounts", "0002_role_groups"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(three_step_review, migrations.RunPython.noop)]
