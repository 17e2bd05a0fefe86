"""The multi-stage item review in Chromium: the language/fairness reviewer approves their
step with a comment in the Wagtail editor; the item moves on to the psychometric review
and stays unpublished, and no publish button is offered."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Review-2026!x"


def test_a_reviewer_approves_their_step_with_a_comment(
    live_server, page, make_user, screenshot_dir
):
    from wagtail.models import TaskState

    from itembank.demo import domains_ensure
    from itembank.models import Item
    from itembank.services import (
        item_review_decide,
        item_review_submit,
        item_save_draft,
        review_workflow_ensure,
    )
    from learning_platform.accounts.services import roles_sync

    # given an item the content review has approved
    roles_sync()
    domains_ensure()
    review_workflow_ensure()
    author = make_user("item_author")
    make_user("item_fairness_reviewer", username="fairness", password=PASSWORD)
    item = item_save_draft(
        code="INFO-SAFETY-950",
        domain_code="info.safety",
        kind="single_choice",
        stem="<p>陌生来电自称“客服”，要求提供验证码，应该怎么做？</p>",
        options=[
            {"option_id": "A", "text": "提供验证码", "is_key": False},
            {"option_id": "B", "text": "挂断并通过官方渠道核实", "is_key": True},
        ],
        user=author,
    )
    item_review_submit(item=item, user=author)
    item_review_decide(
        item=item, user=make_user("item_reviewer"), approve=True, comment="内容准确"
    )

    # when the language/fairness reviewer approves with a comment in the editor
    edit = f"/admin/snippets/itembank/item/edit/{item.pk}/"
    page.goto(live_server.url + f"/admin/login/?next={edit}")
    page.fill("input[name=username]", "fairness")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + edit)
    assert page.locator("button[name=action-publish]").count() == 0
    approve = page.locator("button[data-workflow-action-modal-url*='/approve/']")
    if not approve.is_visible():
        page.get_by_role("button", name="更多动作").click()
    approve.click()
    page.locator(".modal textarea[name=comment]").fill("用语通俗，无地域或年龄偏向。")
    with page.expect_navigation():
        page.locator(".modal button[type=submit]").click()
    page.wait_for_load_state("load")

    # then the step is approved with the comment, the item waits at the psychometric review
    done = TaskState.objects.get(
        task__name="语言与公平性审核", revision__object_id=str(item.pk)
    )
    assert done.status == "approved" and done.comment == "用语通俗，无地域或年龄偏向。"
    item = Item.objects.get(pk=item.pk)
    assert item.current_workflow_task.name == "测量学审核"
    assert not item.live

    # and the item page shows each step in Chinese, the current one included
    page.goto(live_server.url + f"/admin/itembank/item/{item.pk}/")
    status = page.locator(".review-status").inner_text()
    assert "测量学审核" in status
    rows = page.locator("table.review-steps tbody tr")
    assert rows.count() == 3
    assert "用语通俗" in rows.nth(1).inner_text()
    page.screenshot(
        path=str(screenshot_dir / "itembank-review-progress.png"), full_page=True
    )
