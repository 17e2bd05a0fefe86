"""The data migrations that make Likert option ids valid QTI identifiers ("1" → "L1"):
option rows, every stored revision, stored answers and a pending item's payload change
together, and a questionnaire answer scores as before."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from itembank.models import Item, ItemOption
from itembank.qti import is_identifier

pytestmark = pytest.mark.django_db

items_migration = importlib.import_module("itembank.migrations.0007_likert_option_ids")
answers_migration = importlib.import_module(
    "assessment.migrations.0008_likert_answer_ids"
)


def test_likert_ids_are_renamed_everywhere_and_answers_score_the_same(
    make_item, make_user
):
    from assessment import items as bank
    from assessment.models import Campaign, Instrument, Response, Session

    # given a published Likert item with the old ids (stored before ids were validated:
    # written straight into the rows and revisions), answered and pending in a session
    likert = make_item(kind="likert", domain_code="needs.topics")
    for option in likert.options.all():
        ItemOption.objects.filter(pk=option.pk).update(option_id=option.option_id[1:])
    for revision in likert.revisions.all():
        for o in revision.content["options"]:
            o["option_id"] = o["option_id"][1:]
        revision.save(update_fields=["content"])
    assert [o.option_id for o in likert.options.all()] == ["1", "2", "3", "4"]
    choice = make_item(kind="single_choice")
    revision_id = likert.live_revision_id
    score_before = bank.item_answer_score(revision_id=revision_id, answer="2")
    instrument = Instrument.objects.create(
        code="q", name_zh="问卷", kind="needs", domain_code="needs", mode="fixed"
    )
    campaign = Campaign.objects.create(
        instrument=instrument, name_zh="c", kind="thematic", opens_at=timezone.now()
    )
    now = timezone.now()
    session = Session.objects.create(
        user=make_user(),
        campaign=campaign,
        instrument=instrument,
        consented_at=now,
        started_at=now,
        pending={
            "item_id": likert.pk,
            "kind": "likert",
            "payload": {
                "options": [{"id": str(i), "text_html": "x"} for i in range(1, 5)]
            },
        },
    )
    answered = Response.objects.create(
        session=session,
        sequence=1,
        item_id=likert.pk,
        revision_id=revision_id,
        answer="2",
        presented_order=["1", "2", "3", "4"],
        score=score_before,
        server_ts=now,
    )
    other = Response.objects.create(
        session=session,
        sequence=2,
        item_id=choice.pk,
        revision_id=choice.live_revision_id,
        answer="A",
        presented_order=["B", "A", "C", "D"],
        score=0,
        server_ts=now,
    )

    # when
    items_migration.forwards(apps, None)
    answers_migration.forwards(apps, None)
    # Delivery keeps a scorer per revision; this migration is the one thing that rewrites
    # revisions, and processes start after migrating. Here the same process goes on.
    bank.pool_cache_clear()

    # then
    ids = ["L1", "L2", "L3", "L4"]
    assert [o.option_id for o in Item.objects.get(pk=likert.pk).options.all()] == ids
    for revision in likert.revisions.all():
        assert [o["option_id"] for o in revision.content["options"]] == ids
    answered.refresh_from_db()
    other.refresh_from_db()
    session.refresh_from_db()
    assert answered.answer == "L2" and answered.presented_order == ids
    assert (other.answer, other.presented_order) == ("A", ["B", "A", "C", "D"])
    assert [o["id"] for o in session.pending["payload"]["options"]] == ids
    assert (
        bank.item_answer_score(revision_id=revision_id, answer="L2")
        == score_before
        == 1
    )
    assert [o.option_id for o in choice.options.all()] == ["A", "B", "C", "D"]
    assert all(is_identifier(i) for i in ids)


def test_the_demo_banks_use_valid_ids():
    from itembank.demo import demo_item_specs as item_specs
    from itembank.strand_content import strand_item_specs

    for spec in [*item_specs(), *strand_item_specs()]:
        bad = [
            o["option_id"] for o in spec["options"] if not is_identifier(o["option_id"])
        ]
        assert not bad, (spec["code"], bad)


def test_a_spreadsheet_with_digit_led_option_ids_is_refused(domains):
    import csv
    import io

    from django.utils import translation

    from itembank.importing import COLUMNS, items_import

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow(
        [
            "LK-9",
            "needs.topics",
            "likert",
            "",
            "兴趣？",
            "",
            "很少|有时|经常|总是",
            "",
            "",
            "zh-hans",
            "all",
            "15",
            "1|2|3|4",
            "",
            "",
            "",
        ]
    )
    with translation.override("en"):
        report = items_import(data=out.getvalue().encode(), filename="x.csv")
    assert not report.imported
    assert [(e.column, "1, 2, 3, 4" in e.message) for e in report.errors] == [
        ("option_ids", True)
    ]


def test_a_new_item_cannot_take_an_id_that_is_not_an_identifier(domains):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from itembank.services import item_save_draft

    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="“1” is not valid"),
    ):
        item_save_draft(
            code="LK-NEW",
            domain_code="needs.topics",
            kind="likert",
            stem="<p>兴趣？</p>",
            options=[
                {"option_id": str(i), "text": t} for i, t in enumerate("甲乙丙丁", 1)
            ],
        )
    assert not Item.objects.exists()
