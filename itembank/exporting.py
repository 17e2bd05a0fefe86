"""CSV and XLSX export of items in the import template's columns, so that an export
imports again as the same items.

CSV cells that a spreadsheet could run as a formula get a leading quote
(``learning_platform.security.spreadsheet``), which the importer strips again; XLSX cells
are written as text cells, never formulas.

The key column is filled only for users allowed to see keys (``itembank.view_item_key``:
authors, reviewers, researchers); anyone else gets it empty. Each item is written as its
row holds it (the published version of a published item, the draft of a draft).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from learning_platform.downloads import XLSX_CONTENT_TYPE
from learning_platform.security.spreadsheet import csv_safe_dict

from .importing import COLUMNS, join_texts
from .models import Item

KEY_PERMISSION = "itembank.view_item_key"
__all__ = ["XLSX_CONTENT_TYPE", "can_see_keys", "items_csv", "items_xlsx"]


def can_see_keys(user) -> bool:
    return bool(
        user is not None and user.is_authenticated and user.has_perm(KEY_PERMISSION)
    )


def _key(item: Item, options: list) -> str:
    if item.kind == Item.Kind.LIKERT:
        return ""
    if item.kind == Item.Kind.ORDERED:
        ordered = sorted(
            (o for o in options if o.key_position is not None),
            key=lambda o: o.key_position,
        )
        return ">".join(o.option_id for o in ordered)
    return ";".join(o.option_id for o in options if o.is_key)


def _is_default_ids(ids: list[str]) -> bool:
    return ids == [chr(ord("A") + i) for i in range(len(ids))]


def item_row(item: Item, *, with_keys: bool) -> dict[str, str]:
    """One item as a row of the import template (strings, in ``COLUMNS`` order)."""
    options = list(item.options.all())
    ids = [o.option_id for o in options]
    texts_en = [o.text_en for o in options]
    return {
        "code": item.code,
        "domain": item.domain.code,
        "kind": item.kind,
        "scoring": item.scoring,
        "stem": item.stem,
        "stem_en": item.stem_en,
        "options": join_texts(o.text for o in options),
        "options_en": join_texts(texts_en) if any(texts_en) else "",
        "key": _key(item, options) if with_keys else "",
        "language": item.language,
        "target_population": item.target_population,
        "estimated_seconds": str(item.estimated_seconds),
        "option_ids": "" if _is_default_ids(ids) else "|".join(ids),
        "instructions": item.instructions,
        "instructions_en": item.instructions_en,
        "tags": ";".join(sorted(t.name for t in item.tags.all())),
    }


def export_queryset(items: Iterable[Item]):
    if hasattr(items, "select_related"):
        return items.select_related("domain").prefetch_related("options", "tags")
    return items


def items_csv(items: Iterable[Item], *, with_keys: bool) -> bytes:
    """UTF-8 CSV with a byte-order mark, so Excel opens the Chinese text correctly."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for item in export_queryset(items):
        writer.writerow(csv_safe_dict(item_row(item, with_keys=with_keys)))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def items_xlsx(items: Iterable[Item], *, with_keys: bool) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title="items")
    ws.append(COLUMNS)
    for item in export_queryset(items):
        row = item_row(item, with_keys=with_keys)
        cells = []
        for column in COLUMNS:
            cell = WriteOnlyCell(ws, row[column])
            cell.data_type = "s"  # text, never a formula ("=…" stays text)
            cells.append(cell)
        ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
