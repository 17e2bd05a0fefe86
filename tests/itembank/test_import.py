"""CSV/XLSX import: every bad row reported by line and column; nothing saved unless asked."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import translation

from itembank.importing import COLUMNS, items_import, template_csv, template_xlsx
from itembank.models import Item

pytestmark = pytest.mark.django_db

GOOD = [
    "IMP-1",
    "info.data",
    "single_choice",
    "",
    "哪个来源最可靠？",
    "Which?",
    "官方网站|转发截图|匿名帖子",
    "",
    "A",
    "zh-hans",
    "all",
    "60",
]


def _csv(*rows):
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow(r)
    return out.getvalue().encode("utf-8")


def _bad_rows():
    two_keys = list(GOOD)
    two_keys[0], two_keys[8] = "IMP-2", "A;B"
    bad_domain = list(GOOD)
    bad_domain[0], bad_domain[1] = "IMP-3", "astrology"
    likert_key = [
        "IMP-4",
        "needs.topics",
        "likert",
        "",
        "兴趣？",
        "",
        "1|2|3|4",
        "",
        "B",
        "",
        "",
        "",
    ]
    return two_keys, bad_domain, likert_key


def test_errors_are_reported_by_line_and_column_and_nothing_is_saved(domains):
    with translation.override("en"):
        report = items_import(data=_csv(GOOD, *_bad_rows()), filename="items.csv")
    assert not report.imported and Item.objects.count() == 0
    where = {(e.line, e.column) for e in report.errors}
    assert (3, "key") in where
    assert (4, "domain") in where
    assert (5, "key") in where
    assert not any(e.line == 2 for e in report.errors)
    with translation.override("en"):
        assert "line 4, column domain" in str(
            next(e for e in report.errors if e.line == 4)
        )
    assert "第 4 行，domain 列" in str(next(e for e in report.errors if e.line == 4))


def test_valid_rows_can_be_imported_on_request(domains):
    report = items_import(
        data=_csv(GOOD, *_bad_rows()), filename="items.csv", import_valid_rows=True
    )
    assert report.imported and report.created == ["IMP-1"]
    item = Item.objects.get(code="IMP-1")
    assert not item.live  # imported items are drafts awaiting review
    assert [o.is_key for o in item.options.all()] == [True, False, False]


def test_xlsx_template_round_trips(domains):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(template_xlsx()))
    assert [c.value for c in wb.active[1]] == COLUMNS
    report = items_import(data=template_xlsx(), filename="template.xlsx")
    assert report.errors == [] and report.created == ["INFO-DATA-900"]
    assert template_csv().decode("utf-8-sig").startswith(",".join(COLUMNS))


def test_unreadable_file_is_reported(domains):
    report = items_import(data=b"\xff\xfe\x00garbage", filename="x.xlsx")
    assert report.errors and report.errors[0].line == 1 and not report.imported


def test_import_page_reports_errors_and_serves_templates(domains, client, make_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from learning_platform.accounts.services import roles_sync

    roles_sync()
    client.force_login(make_user("item_author"))
    assert client.get("/admin/itembank/import/").status_code == 200
    assert client.get("/admin/itembank/import/template.xlsx").status_code == 200
    two_keys = _bad_rows()[0]
    response = client.post(
        "/admin/itembank/import/",
        {"file": SimpleUploadedFile("items.csv", _csv(GOOD, two_keys))},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "import-errors" in html
    assert Item.objects.count() == 0
