"""Review workflow (author submits; content, language/fairness and psychometric reviewers
approve in turn or send it back) and per-kind validation."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from itembank import selectors
from itembank.models import Item
from itembank.services import (
    item_review_decide,
    item_review_submit,
    item_save_draft,
    review_workflow_ensure,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user):
    from learning_platform.accounts.services import roles_sync

    roles_sync()
    review_workflow_ensure()
    return (
        make_user("item_author"),
        make_user("item_reviewer"),
        make_user("item_fairness_reviewer"),
        make_user("item_psychometric_reviewer"),
    )


def _approve_all(item, reviewers, comments=("内容准确", "语言无歧义", "难度合适")):
    for reviewer, comment in zip(reviewers, comments, strict=True):
        item_review_decide(item=item, user=reviewer, approve=True, comment=comment)


def test_approval_of_every_step_publishes_the_submitted_revision(make_item, people):
    author, *reviewers = people
    item = make_item(publish=False)
    item_review_submit(item=item, user=author)
    task_state = item.current_workflow_task_state
    assert task_state is not None and task_state.task.name == "内容审核"
    assert item.pk not in selectors.deliverable_item_ids()  # in review: not delivered
    assert task_state.task.specific.user_can_access_editor(item, reviewers[0])
    _approve_all(item, reviewers)
    item.refresh_from_db()
    assert item.live and item.live_revision_id == task_state.revision_id
    assert item.pk in selectors.deliverable_item_ids()
    task_state.refresh_from_db()
    assert task_state.status == "approved"
    assert task_state.comment == "内容准确"


def test_rejection_keeps_the_item_undelivered_and_records_the_comment(
    make_item, people
):
    author, content, *_rest = people
    item = make_item(publish=False)
    item_review_submit(item=item, user=author)
    task_state = item.current_workflow_task_state
    item_review_decide(
        item=item, user=content, approve=False, comment="选项B也可能正确，请修改"
    )
    item.refresh_from_db()
    assert not item.live
    task_state.refresh_from_db()
    assert task_state.status == "rejected"
    assert "选项B" in task_state.comment
    with pytest.raises(selectors.ItemNotDeliverable):
        selectors.items_for_delivery([item.pk])


def test_an_author_cannot_publish_and_no_reviewer_publishes_outside_the_review(people):
    author, *reviewers = people
    assert author.has_perm("itembank.change_item")
    assert not author.has_perm("itembank.publish_item")
    for reviewer in reviewers:
        assert reviewer.has_perm("itembank.change_item")
        assert not reviewer.has_perm("itembank.publish_item")


def test_approved_change_to_a_live_item_replaces_the_delivered_revision(
    make_item, people
):
    author, *reviewers = people
    item = make_item(stem="<p>第一版</p>")
    item_save_draft(item=item, stem="<p>第二版</p>")
    assert "第一版" in selectors.items_for_delivery([item.pk])[0].payload["stem_html"]
    item_review_submit(item=item, user=author)
    _approve_all(item, reviewers)
    assert "第二版" in selectors.items_for_delivery([item.pk])[0].payload["stem_html"]


def _errors(kind, options, **fields):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        item_save_draft(
            code="BAD-1",
            domain_code="info.data",
            kind=kind,
            stem=fields.pop("stem", "<p>题干</p>"),
            options=options,
            **fields,
        )
    assert not Item.objects.filter(code="BAD-1").exists()  # nothing saved
    return " ".join(m for ms in exc.value.message_dict.values() for m in ms)


def opts(keys="", ids="ABCD", positions=None):
    out = []
    for i, o in enumerate(ids):
        d = {"option_id": o, "text": o, "is_key": o in keys}
        if positions:
            d["key_position"] = positions[i]
        out.append(d)
    return out


@pytest.mark.parametrize(
    ("kind", "options", "fields", "message"),
    [
        ("single_choice", opts("AB"), {}, "needs exactly one correct option; it has 2"),
        ("single_choice", opts(""), {}, "needs exactly one correct option; it has 0"),
        ("single_choice", opts("A", ids="A"), {}, "it needs at least 2"),
        ("single_choice", [], {}, "has 0 option(s)"),
        ("single_choice", opts("A", ids="AAB"), {}, "repeated: A"),
        (
            "single_choice",
            [
                {"option_id": "A", "text": "", "is_key": True},
                {"option_id": "B", "text": "x"},
            ],
            {},
            "neither text nor an image",
        ),
        ("single_choice", opts("A"), {"stem": "<p> </p>"}, "The stem is empty"),
        ("true_false", opts("A", ids="ABC"), {}, "exactly 2 options"),
        ("multiple_response", opts(""), {}, "at least one correct option"),
        ("ordered", opts("", positions=[1, 2, 2, 4]), {}, "1 to 4, each once"),
        ("ordered", opts("A", positions=[1, 2, 3, 4]), {}, "no “correct” option"),
        ("likert", opts("A"), {}, "A Likert item has no key"),
        ("likert", opts("", ids="ABC"), {}, "4 to 7 categories; it has 3"),
        ("likert", opts("", ids="ABCDEFGH"), {}, "4 to 7 categories; it has 8"),
        ("single_choice", opts("A", positions=[1, 2, 3, 4]), {}, "Only ordering items"),
    ],
)
def test_each_kind_is_validated_with_a_clear_error(
    domains, kind, options, fields, message
):
    assert message in _errors(kind, options, **fields)


def test_unknown_domain_is_named(domains):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        item_save_draft(
            code="X-1",
            domain_code="astrology",
            kind="likert",
            stem="<p>x</p>",
            options=opts("", ids="ABCD"),
        )
    assert "astrology" in str(exc.value)


def test_valid_items_of_every_kind_are_accepted(make_item):
    for kind in (
        "single_choice",
        "true_false",
        "multiple_response",
        "ordered",
        "likert",
    ):
        assert make_item(kind=kind).live
