"""Rename option ids that are not valid QTI identifiers (Likert categories "1".."7").

QTI 3.0 identifiers are XML NCNames, which cannot start with a digit, so a Likert item's
categories "1", "2", … cannot be exported as they are. Each such id becomes a prefix
plus the old id ("1" → "L1" for a Likert item, "C1" for any other kind), in the option
rows and in every stored revision of the item, so delivery (which reads the published
revision) and the rows agree. The category order, and so every Likert score (the
category's position), is unchanged. ``assessment.0008_likert_answer_ids`` renames the
ids in stored answers by the same rule.
"""

import re

from django.db import migrations

_NCNAME = re.compile(r"[^\W\d][\w.\-]*")
MAX_LEN = 8


def new_option_id(old: str, kind: str) -> str:
    """The valid id for ``old`` (unchanged when ``old`` is valid already)."""
    old = str(old)
    if _NCNAME.fullmatch(old):
        return old
    prefix = "L" if kind == "likert" else "C"
    return (prefix + re.sub(r"[^\w.\-]", "_", old))[:MAX_LEN]


def _rename(ids: list[str], kind: str, where: str) -> dict[str, str]:
    mapping = {old: new_option_id(old, kind) for old in ids}
    if len(set(mapping.values())) != len(ids):
        raise RuntimeError(f"{where}: renaming option ids {ids} would repeat an id; "
                           "rename them by hand first.")
    return {old: new for old, new in mapping.items() if old != new}


def forwards(apps, schema_editor):
    Item = apps.get_model("itembank", "Item")
    ItemOption = apps.get_model("itembank", "ItemOption")
    Revision = apps.get_model("wagtailcore", "Revision")
    ContentType = apps.get_model("contenttypes", "ContentType")

    kinds = dict(Item.objects.values_list("pk", "kind"))
    by_item: dict[int, list] = {}
    for option in ItemOption.objects.order_by("item_id", "sort_order", "pk"):
        by_item.setdefault(option.item_id, []).append(option)
    for item_id, options in by_item.items():
        mapping = _rename([o.option_id for o in options], kinds[item_id], f"item {item_id}")
        for option in options:
            if option.option_id in mapping:
                option.option_id = mapping[option.option_id]
                option.save(update_fields=["option_id"])

    item_type = ContentType.objects.filter(app_label="itembank", model="item").first()
    if item_type is None:
        return
    for revision in Revision.objects.filter(base_content_type=item_type).iterator():
        content = revision.content or {}
        options = content.get("options") or []
        ids = [str(o.get("option_id", "")) for o in options]
        kind = content.get("kind") or kinds.get(int(revision.object_id), "")
        mapping = _rename(ids, kind, f"revision {revision.pk}")
        if not mapping:
            continue
        for o in options:
            o["option_id"] = mapping.get(str(o.get("option_id", "")), o.get("option_id"))
        revision.content = content
        revision.save(update_fields=["content"])


class Migration(migrations.Migration):

    dependencies = [
        ("itembank", "0006_item_code_case_insensitive_unique"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
