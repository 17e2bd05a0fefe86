"""The contract delivery relies on: published revisions only, no key, scoring per kind."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from itembank import selectors
from itembank.selectors import ItemNotDeliverable

pytestmark = pytest.mark.django_db

SAFE_PAYLOAD_KEYS = {
    "kind",
    "stem_html",
    "stem_html_en",
    "stem_image_url",
    "stem_image_alt",
    "instructions",
    "instructions_en",
    "options",
}
SAFE_OPTION_KEYS = {"id", "text_html", "text_html_en", "image_url", "alt"}


def test_draft_items_are_never_delivered(make_item):
    draft = make_item(publish=False)
    assert draft.live is False
    assert draft.pk not in selectors.deliverable_item_ids()
    with pytest.raises(ItemNotDeliverable) as exc:
        selectors.items_for_delivery([draft.pk])
    assert exc.value.item_id == draft.pk


def test_publishing_makes_an_item_deliverable(make_item):
    from itembank.services import item_publish

    draft = make_item(publish=False)
    item_publish(item=draft)
    assert draft.pk in selectors.deliverable_item_ids(domain_codes=["info"])
    [delivered] = selectors.items_for_delivery([draft.pk])
    assert delivered.revision_id == draft.live_revision_id


def test_a_draft_edit_of_a_published_item_is_not_delivered(make_item):
    from itembank.services import item_save_draft

    item = make_item(stem="<p>原题干</p>")
    published_revision = item.live_revision_id
    item_save_draft(item=item, stem="<p>改过但未审核</p>")
    [delivered] = selectors.items_for_delivery([item.pk])
    assert delivered.revision_id == published_revision
    assert "原题干" in delivered.payload["stem_html"]
    assert "未审核" not in json.dumps(delivered.payload, ensure_ascii=False)
    # the scorer uses the key of the delivered revision
    assert selectors.item_answer_score(revision_id=published_revision, answer="B") == 1


def test_the_key_is_never_in_a_delivery_payload(make_item):
    items = [
        make_item(kind=k)
        for k in (
            "single_choice",
            "true_false",
            "multiple_response",
            "ordered",
            "likert",
        )
    ]
    for delivered in selectors.items_for_delivery([i.pk for i in items]):
        assert set(delivered.payload) == SAFE_PAYLOAD_KEYS
        for option in delivered.payload["options"]:
            assert set(option) == SAFE_OPTION_KEYS
        text = json.dumps(delivered.payload)
        for secret in ("is_key", "key_position", "correct", "score", "author_note"):
            assert secret not in text
        assert not hasattr(delivered, "key")


def test_domain_filter_takes_subdomains_and_kinds(make_item):
    a = make_item(domain_code="info.safety")
    b = make_item(domain_code="health")
    c = make_item(domain_code="needs.topics", kind="likert")
    assert selectors.deliverable_item_ids(domain_codes=["info"]) == [a.pk]
    assert selectors.deliverable_item_ids(domain_codes=["info.safety", "health"]) == [
        a.pk,
        b.pk,
    ]
    assert selectors.deliverable_item_ids(kinds=["likert"]) == [c.pk]
    assert selectors.deliverable_item_ids(language="en") == []


@pytest.mark.parametrize(
    ("kind", "answer", "score", "n_categories"),
    [
        ("single_choice", "B", 1, 2),
        ("single_choice", "A", 0, 2),
        ("true_false", "T", 1, 2),
        ("true_false", "F", 0, 2),
        ("multiple_response", ["A", "B"], 1, 2),
        ("multiple_response", ["A"], 0, 2),
        ("multiple_response", ["A", "B", "C"], 0, 2),
        ("ordered", ["A", "B", "C", "D"], 3, 4),
        ("ordered", ["B", "C", "D", "A"], 2, 4),
        ("ordered", ["D", "C", "B", "A"], 0, 4),
        ("likert", "L1", 0, 4),
        ("likert", "L4", 3, 4),
    ],
)
def test_scoring_per_kind(make_item, kind, answer, score, n_categories):
    item = make_item(kind=kind)
    [delivered] = selectors.items_for_delivery([item.pk])
    assert delivered.n_categories == n_categories
    assert (
        selectors.item_answer_score(revision_id=delivered.revision_id, answer=answer)
        == score
    )


def test_partial_credit_multiple_response(make_item):
    item = make_item(kind="multiple_response", scoring="partial")
    [delivered] = selectors.items_for_delivery([item.pk])
    assert delivered.n_categories == 3
    score = selectors.item_answer_score
    rev = delivered.revision_id
    assert score(revision_id=rev, answer=["A", "B"]) == 2
    assert score(revision_id=rev, answer=["A"]) == 1
    assert score(revision_id=rev, answer=["A", "C"]) == 0
    assert score(revision_id=rev, answer=["C", "D"]) == 0


@pytest.mark.parametrize(
    ("kind", "answer", "message"),
    [
        ("single_choice", "Z", "not an option"),
        ("single_choice", ["A"], "not a list"),
        ("multiple_response", "A", "list of option ids"),
        ("multiple_response", ["A", "A"], "more than once"),
        ("ordered", ["A", "B"], "all 4 options"),
        ("likert", None, "required"),
    ],
)
def test_bad_answers_get_a_clear_error(make_item, kind, answer, message, settings):
    settings.LANGUAGE_CODE = "en"
    item = make_item(kind=kind)
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        selectors.item_answer_score(revision_id=item.live_revision_id, answer=answer)
    assert message in str(exc.value)


def test_unknown_revision_is_refused(db):
    with pytest.raises(ValidationError):
        selectors.item_answer_score(revision_id=987654, answer="A")


def test_active_parameters_align_with_item_ids(make_item, make_user):
    from itembank.services import parameter_set_activate, parameter_set_create

    items = [make_item() for _ in range(3)] + [make_item(kind="likert")]
    assert selectors.active_parameters().parameter_set_id is None
    pset = parameter_set_create(
        name="run 1",
        model="mixed",
        source="test",
        items={
            items[0].pk: {"model": "2pl", "a": 1.2, "b": -0.5},
            items[1].pk: {"model": "3pl", "a": 0.9, "b": 0.4, "c": 0.2},
            items[3].pk: {"model": "grm", "a": 1.1, "thresholds": [-1, 0, 1.5]},
        },
    )
    parameter_set_activate(parameter_set=pset, approved_by=make_user("researcher"))
    active = selectors.active_parameters(
        item_ids=[items[3].pk, items[2].pk, items[0].pk]
    )
    assert active.parameter_set_id == pset.pk
    assert active.item_ids == [items[3].pk, items[0].pk]  # items[2] has no parameters
    assert active.params.models == ("grm", "2pl")
    assert active.params.a[1] == pytest.approx(1.2)
    assert active.params.b[1] == pytest.approx(-0.5)
    assert list(active.params.thresholds[0]) == pytest.approx([-1, 0, 1.5])
    everything = selectors.active_parameters()
    assert everything.item_ids == sorted([items[0].pk, items[1].pk, items[3].pk])
    assert everything.params.c[everything.item_ids.index(items[1].pk)] == pytest.approx(
        0.2
    )


def test_domain_levels_with_attained_threshold_and_inheritance(domains):
    levels = selectors.domain_levels("info")
    assert [lv.order for lv in levels] == sorted(lv.order for lv in levels)
    attained = [lv for lv in levels if lv.attained]
    assert len(attained) == 1 and attained[0].name_zh == "达标"
    assert levels[0].min_theta is None
    cuts = [lv.min_theta for lv in levels[1:]]
    assert cuts == sorted(cuts)
    assert selectors.domain_levels("info.safety") == levels  # inherited from "info"
    assert selectors.domain_levels("needs.topics") == []
    assert selectors.domain_levels("nope") == []


def test_domain_tree_matches_the_contract(domains):
    tree = {d["code"]: d for d in selectors.domain_tree()}
    for code in (
        "info",
        "info.data",
        "info.communication",
        "info.creation",
        "info.safety",
        "info.problem",
        "science",
        "health",
        "learning",
        "needs",
        "needs.topics",
        "needs.modes",
        "needs.times",
        "needs.barriers",
    ):
        assert code in tree
    assert tree["info.safety"]["parent_code"] == "info"
    assert tree["needs.times"]["kind"] == "needs"
    assert tree["info"]["parent_code"] is None
