"""The three-step item review: content, language/fairness and psychometric review.

Each step belongs to one role and is decided with a comment; publishing is refused by
every route (service, model, admin edit view, API) until every step has approved, and a
rejection sends the item back to its author.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from wagtail.models import (
    GroupApprovalTask,
    Task,
    Workflow,
    WorkflowContentType,
    WorkflowState,
    WorkflowTask,
)
from wagtail.test.utils.form_data import querydict_from_html

from itembank import selectors
from itembank.models import Item
from itembank.services import (
    item_publish,
    item_review_decide,
    item_review_submit,
    item_save_draft,
    review_workflow_ensure,
)
from itembank.workflows import LEGACY_TASK_NAME, REVIEW_STEPS, review_progress

pytestmark = pytest.mark.django_db

STEP_NAMES = ["内容审核", "语言与公平性审核", "测量学审核"]


@pytest.fixture
def people(make_user):
    from learning_platform.accounts.services import roles_sync

    roles_sync()
    review_workflow_ensure()
    return {
        "author": make_user("item_author"),
        "content": make_user("item_reviewer"),
        "fairness": make_user("item_fairness_reviewer"),
        "psychometric": make_user("item_psychometric_reviewer"),
        "researcher": make_user("researcher"),
        "admin": _superuser(),
    }


def _superuser():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser(
        "root", "root@example.org", "pw-Root-2468"
    )


def _item_at_step(make_item, people, step: int, **fields):
    """A draft submitted by its author and approved up to (not including) ``step`` (0-based)."""
    item = make_item(publish=False, **fields)
    item_review_submit(item=item, user=people["author"])
    for who in ["content", "fairness", "psychometric"][:step]:
        item_review_decide(
            item=item, user=people[who], approve=True, comment=f"{who} 通过"
        )
    item.refresh_from_db()
    return item


def _refusal(call) -> str:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        call()
    return " ".join(info.value.messages)


# -- the workflow ----------------------------------------------------------------------------


def test_the_item_workflow_has_three_steps_each_for_a_role_of_its_own(people):
    workflow = review_workflow_ensure()
    assert (
        WorkflowContentType.objects.get(
            content_type=ContentType.objects.get_for_model(Item)
        ).workflow
        == workflow
    )
    tasks = [t.specific for t in workflow.tasks.order_by("workflow_tasks__sort_order")]
    assert [t.name for t in tasks] == STEP_NAMES
    groups = [[g.name for g in t.groups.all()] for t in tasks]
    assert groups == [
        ["item_reviewer"],
        ["item_fairness_reviewer"],
        ["item_psychometric_reviewer"],
    ]
    assert all(isinstance(t, GroupApprovalTask) for t in tasks)


def test_ensuring_the_workflow_twice_changes_nothing(people):
    first = review_workflow_ensure()
    counts = (
        Workflow.objects.count(),
        Task.objects.count(),
        WorkflowTask.objects.count(),
    )
    assert review_workflow_ensure() == first
    assert (
        Workflow.objects.count(),
        Task.objects.count(),
        WorkflowTask.objects.count(),
    ) == counts


def test_the_one_step_workflow_grows_into_three_steps_keeping_its_task(people):
    # given the first review workflow: one reviewer approval
    WorkflowContentType.objects.all().delete()
    WorkflowTask.objects.all().delete()
    Task.objects.filter(name__in=STEP_NAMES).delete()
    workflow = Workflow.objects.get_or_create(name="条目审核 Item review")[0]
    legacy = GroupApprovalTask.objects.create(name=LEGACY_TASK_NAME)
    legacy.groups.set([Group.objects.get(name="item_reviewer")])
    WorkflowTask.objects.create(workflow=workflow, task=legacy, sort_order=0)
    WorkflowContentType.objects.create(
        content_type=ContentType.objects.get_for_model(Item), workflow=workflow
    )
    # when
    assert review_workflow_ensure() == workflow
    # then its task is the content review, followed by the two new steps
    tasks = list(workflow.tasks.order_by("workflow_tasks__sort_order"))
    assert [t.name for t in tasks] == STEP_NAMES and tasks[0].pk == legacy.pk


def test_a_workflow_reconfigured_in_the_admin_is_left_alone(people, make_item):
    workflow = review_workflow_ensure()
    WorkflowTask.objects.filter(workflow=workflow, task__name="测量学审核").delete()
    review_workflow_ensure()
    assert [t.name for t in workflow.tasks.all()] == STEP_NAMES[:2]
    # and the shortened workflow is the one that decides: two approvals publish
    item = _item_at_step(make_item, people, 2)
    assert item.live


# -- publishing refused until every step is done -------------------------------------------


@pytest.mark.parametrize("step", [0, 1, 2])
def test_publishing_is_refused_by_every_route_until_every_step_is_done(
    make_item, people, client, step
):
    item = _item_at_step(make_item, people, step)
    pending = STEP_NAMES[step]
    assert item.current_workflow_task.name == pending

    # the service, as code (no user) and as a superuser
    for user in (None, people["admin"]):
        message = _refusal(lambda user=user: item_publish(item=item, user=user))
        assert pending in message and item.code in message
    # the model, as Wagtail's own code would call it
    message = _refusal(lambda: item.latest_revision.publish(user=people["admin"]))
    assert pending in message
    # the admin's edit view: a crafted "publish" POST keeps the draft and names the step
    client.force_login(people["admin"])
    url = f"/admin/snippets/itembank/item/edit/{item.pk}/"
    html = client.get(url).content.decode()
    assert 'name="action-publish"' not in html  # no publish button at all
    data = querydict_from_html(html, form_id="w-editor-form")
    data["action-publish"] = "action-publish"
    response = client.post(url, data, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert pending in response.content.decode()
    item.refresh_from_db()
    assert not item.live
    assert item.pk not in selectors.deliverable_item_ids()


def test_the_api_has_no_route_that_publishes_items(client):
    """Items change through the API only by imports, which save drafts; none publishes."""
    schema = client.get("/api/v1/openapi.json").json()
    item_routes = {
        (method, path)
        for path, ops in schema["paths"].items()
        for method in ops
        if "/itembank/items" in path
    }
    assert ("get", "/api/v1/itembank/items/export") in item_routes
    writes = {(m, p) for m, p in item_routes if m != "get"}
    assert all("import" in p for _m, p in writes), writes


def test_after_all_three_approvals_the_item_is_live_with_every_comment(
    make_item, people
):
    item = _item_at_step(make_item, people, 3)
    assert item.live and item.pk in selectors.deliverable_item_ids()
    state = WorkflowState.objects.get(object_id=str(item.pk))
    assert state.status == WorkflowState.STATUS_APPROVED
    with translation.override("zh-hans"):
        progress = review_progress(item)
    assert [s["name"] for s in progress["steps"]] == STEP_NAMES
    assert [s["status"] for s in progress["steps"]] == ["approved"] * 3
    assert [s["comment"] for s in progress["steps"]] == [
        "content 通过",
        "fairness 通过",
        "psychometric 通过",
    ]
    assert [s["by"] for s in progress["steps"]] == [
        people["content"],
        people["fairness"],
        people["psychometric"],
    ]


def test_a_person_cannot_publish_an_item_that_never_went_through_review(
    make_item, people
):
    item = make_item(publish=False)
    for who in ("admin", "researcher"):
        message = _refusal(lambda who=who: item_publish(item=item, user=people[who]))
        assert "审核" in message
    item.refresh_from_db()
    assert not item.live


def test_a_change_after_approval_needs_a_new_review(make_item, people):
    item = _item_at_step(make_item, people, 3, stem="<p>第一版</p>")
    item_save_draft(item=item, stem="<p>第二版</p>")
    _refusal(lambda: item_publish(item=item, user=people["admin"]))
    assert "第一版" in selectors.items_for_delivery([item.pk])[0].payload["stem_html"]


# -- each step by its own role --------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "wrong"),
    [
        (0, "fairness"),
        (0, "psychometric"),
        (0, "author"),
        (1, "content"),
        (1, "psychometric"),
        (1, "researcher"),
        (2, "content"),
        (2, "fairness"),
    ],
)
def test_only_the_steps_own_role_may_decide_it(make_item, people, step, wrong):
    item = _item_at_step(make_item, people, step)
    with (
        translation.override("zh-hans"),
        pytest.raises(PermissionDenied, match=STEP_NAMES[step]),
    ):
        item_review_decide(item=item, user=people[wrong], approve=True)
    item.refresh_from_db()
    assert item.current_workflow_task.name == STEP_NAMES[step] and not item.live


def test_each_steps_reviewer_sees_the_approval_actions_in_the_editor(
    make_item, people, client
):
    item = _item_at_step(make_item, people, 1)
    client.force_login(people["fairness"])
    html = client.get(
        f"/admin/snippets/itembank/item/edit/{item.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    action = f"/item/workflow/collect_action_data/{item.pk}/"
    assert action + "approve/" in html and action + "reject/" in html  # with a comment
    assert 'name="action-publish"' not in html
    client.force_login(people["content"])  # step 1 is done: not theirs now
    html = client.get(f"/admin/snippets/itembank/item/edit/{item.pk}/").content.decode()
    assert action not in html


# -- rejection returns it to the author ----------------------------------------------------


def test_a_rejection_returns_the_item_to_its_author_who_resubmits(make_item, people):
    item = _item_at_step(make_item, people, 1)
    with pytest.raises(ValidationError):
        item_review_decide(
            item=item, user=people["fairness"], approve=False, comment=" "
        )
    item_review_decide(
        item=item,
        user=people["fairness"],
        approve=False,
        comment="“老年人”一词请改为“老年朋友”",
    )
    state = WorkflowState.objects.get(object_id=str(item.pk))
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    message = _refusal(lambda: item_publish(item=item))
    assert "语言与公平性审核" in message and "退回" in message
    # the author revises and resubmits: the review resumes at the step that sent it back
    item_save_draft(item=item, stem="<p>改过的题干</p>", user=people["author"])
    item_review_submit(item=item, user=people["author"])
    item.refresh_from_db()
    assert item.current_workflow_task.name == "语言与公平性审核"
    item_review_decide(item=item, user=people["fairness"], approve=True, comment="已改")
    item_review_decide(item=item, user=people["psychometric"], approve=True)
    item.refresh_from_db()
    assert item.live
    assert (
        "改过的题干" in selectors.items_for_delivery([item.pk])[0].payload["stem_html"]
    )


def test_submitting_an_item_already_in_review_is_refused(make_item, people):
    item = _item_at_step(make_item, people, 1)
    message = _refusal(lambda: item_review_submit(item=item, user=people["author"]))
    assert "语言与公平性审核" in message


def test_the_item_detail_page_shows_each_step_in_chinese(make_item, people, client):
    item = _item_at_step(make_item, people, 2)
    client.force_login(people["psychometric"])
    html = client.get(
        f"/admin/itembank/item/{item.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    for name in STEP_NAMES:
        assert name in html
    assert "content 通过" in html and "fairness 通过" in html
    table = html[
        html.index("review-steps") : html.index("</table>", html.index("review-steps"))
    ]
    assert table.count("<td>通过</td>") == 2 and "进行中" in table, table


def test_review_steps_are_declared_for_every_reviewer_role():
    assert [s.task_name for s in REVIEW_STEPS] == STEP_NAMES
    assert len({s.role for s in REVIEW_STEPS}) == 3


# -- the demo --------------------------------------------------------------------------------


def test_the_demo_has_an_item_waiting_at_each_step_and_one_sent_back(
    domains, make_user
):
    from itembank.demo_review import review_demo_ensure
    from learning_platform.accounts.services import roles_sync

    roles_sync()
    for username, role in [
        ("author", "item_author"),
        ("reviewer", "item_reviewer"),
        ("fairness", "item_fairness_reviewer"),
        ("psychometrician", "item_psychometric_reviewer"),
    ]:
        make_user(role, username=username)
    assert review_demo_ensure() == 4
    assert review_demo_ensure() == 0  # a second run changes nothing
    waiting = {}
    for item in Item.objects.filter(code__startswith="INFO-REVIEW-").order_by("code"):
        state = WorkflowState.objects.get(object_id=str(item.pk))
        waiting[item.code] = (
            state.status,
            state.current_task_state.task.name,
            item.live,
        )
    assert waiting == {
        "INFO-REVIEW-001": ("in_progress", "内容审核", False),
        "INFO-REVIEW-002": ("in_progress", "语言与公平性审核", False),
        "INFO-REVIEW-003": ("in_progress", "测量学审核", False),
        "INFO-REVIEW-004": ("needs_changes", "语言与公平性审核", False),
    }


def test_the_editor_links_the_psychometric_reviewer_to_curves_and_statistics(
    make_item, people, client
):
    item = _item_at_step(make_item, people, 2)
    client.force_login(people["psychometric"])
    html = client.get(
        f"/admin/snippets/itembank/item/edit/{item.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert f'href="/admin/itembank/item/{item.pk}/"' in html and "曲线与统计量" in html
    assert "批准 和发布" in html  # the last step publishes
