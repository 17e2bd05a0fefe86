"""Rename option ids in stored answers as ``itembank.0007_likert_option_ids`` renamed them.

A Likert category "1" became "L1" (any other kind's digit-led id "1" became "C1"), so
an answer, the options as presented, and a pending item's payload that name the old id
now name the new one. Scores are stored as categories and do not change.
"""

import re

from django.db import migrations

_NCNAME = re.compile(r"[^\W\d][\w.\-]*")
MAX_LEN = 8


def new_option_id(old, kind: str):
    """The same rule as ``itembank.0007_likert_option_ids.new_option_id``."""
    if not isinstance(old, str | int) or isinstance(old, bool):
        return old
    old = str(old)
    if _NCNAME.fullmatch(old):
        return old
    prefix = "L" if kind == "likert" else "C"
    return (prefix + re.sub(r"[^\w.\-]", "_", old))[:MAX_LEN]


def _map(value, kind: str):
    if isinstance(value, list):
        return [new_option_id(v, kind) for v in value]
    if value is None or value == "":
        return value
    return new_option_id(value, kind)


def forwards(apps, schema_editor):
    Item = apps.get_model("itembank", "Item")
    Response = apps.get_model("assessment", "Response")
    Session = apps.get_model("assessment", "Session")
    kinds = dict(Item.objects.values_list("pk", "kind"))

    batch = []
    for response in Response.objects.only("pk", "item_id", "answer",
                                          "presented_order").iterator(chunk_size=2000):
        kind = kinds.get(response.item_id, "")
        answer = _map(response.answer, kind)
        order = _map(response.presented_order, kind) if response.presented_order else \
            response.presented_order
        if answer != response.answer or order != response.presented_order:
            response.answer, response.presented_order = answer, order
            batch.append(response)
        if len(batch) >= 2000:
            Response.objects.bulk_update(batch, ["answer", "presented_order"])
            batch = []
    if batch:
        Response.objects.bulk_update(batch, ["answer", "presented_order"])

    for session in Session.objects.exclude(pending={}).only("pk", "pending").iterator():
        pending = session.pending or {}
        payload = pending.get("payload") or {}
        kind = pending.get("kind") or kinds.get(pending.get("item_id"), "")
        changed = False
        for option in payload.get("options") or []:
            new = new_option_id(option.get("id"), kind)
            if new != option.get("id"):
                option["id"], changed = new, True
        if changed:
            session.save(update_fields=["pending"])


class Migration(migrations.Migration):

    dependencies = [
        ("assessment", "0007_instrument_precision_rule"),
        ("itembank", "0007_likert_option_ids"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
