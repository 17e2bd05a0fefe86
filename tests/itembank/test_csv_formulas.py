"""Item CSV export: formula cells neutralised (OWASP), and the import strips the guard."""

from __future__ import annotations

import csv
import io

import pytest


@pytest.mark.django_db
def test_item_csv_export_neutralises_formulas_and_round_trips(make_item):
    from itembank.exporting import items_csv
    from itembank.importing import items_import
    from itembank.models import Item

    make_item(
        code="F-1",
        instructions='=HYPERLINK("http://evil")',
        tags=["@tag"],
        options=[
            {"option_id": "A", "text": "=1+1", "is_key": True},
            {"option_id": "B", "text": "-5 °C"},
            {"option_id": "C", "text": "-5"},
        ],
    )
    data = items_csv(Item.objects.all(), with_keys=True)
    row = next(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert row["instructions"] == '\'=HYPERLINK("http://evil")'
    assert row["options"] == "'=1+1|-5 °C|-5" and row["tags"] == "'@tag"
    for value in row.values():
        assert not value.startswith(("=", "+", "@", "\t", "\r")) or value == "'"
    Item.objects.all().delete()
    report = items_import(data=data, filename="items.csv")
    assert report.imported, [str(e) for e in report.errors]
    item = Item.objects.get(code="F-1")
    assert item.instructions == '=HYPERLINK("http://evil")'
    assert [o.text for o in item.options.all()] == ["=1+1", "-5 °C", "-5"]
    assert list(item.tags.names()) == ["@tag"]
