"""CSV/XLSX export in the import columns: export → import gives the same items; keys
only for those allowed to see them."""

from __future__ import annotations

import csv
import io

import pytest

from itembank.exporting import item_row, items_csv, items_xlsx
from itembank.importing import COLUMNS, items_import
from itembank.models import Item

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied(make_item):
    """One item of every kind, with ids that are not A, B, C, a '|' in an option text,
    instructions, tags and an English translation."""
    make_item(
        code="X-SC",
        stem="<p>哪个<b>最</b>可靠？</p>",
        stem_en="<p>Which?</p>",
        instructions="请选择一个答案。",
        instructions_en="Choose one.",
        tags=["来源", "可信度"],
        options=[
            {
                "option_id": "A",
                "text": "官网 | 政府",
                "text_en": "Official | gov",
                "is_key": False,
            },
            {"option_id": "B", "text": "截图", "text_en": "Screenshot", "is_key": True},
            {"option_id": "C", "text": "匿名帖子", "text_en": "Anonymous post"},
        ],
    )
    make_item(code="X-TF", kind="true_false")
    make_item(code="X-MR", kind="multiple_response", scoring="partial")
    make_item(
        code="X-OR",
        kind="ordered",
        domain_code="info.problem",
        options=[
            {"option_id": o, "text": o, "key_position": p}
            for o, p in zip("ABCD", [3, 1, 4, 2], strict=True)
        ],
    )
    make_item(
        code="X-LK",
        kind="likert",
        domain_code="needs.topics",
        target_population="elderly",
        estimated_seconds=20,
    )
    make_item(code="X-DRAFT", publish=False, domain_code="science")
    return [item_row(i, with_keys=True) for i in Item.objects.order_by("code")]


def _rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _reimport(data: bytes, filename: str) -> list[dict]:
    Item.objects.all().delete()
    report = items_import(data=data, filename=filename)
    assert report.errors == [] and report.imported, [str(e) for e in report.errors]
    return [item_row(i, with_keys=True) for i in Item.objects.order_by("code")]


@pytest.mark.parametrize(
    ("writer", "filename"), [(items_csv, "items.csv"), (items_xlsx, "items.xlsx")]
)
def test_export_then_import_gives_the_same_items(varied, writer, filename):
    data = writer(Item.objects.all(), with_keys=True)
    again = _reimport(data, filename)
    assert again == varied
    options = {o.option_id: o for o in Item.objects.get(code="X-SC").options.all()}
    assert options["A"].text == "官网 | 政府" and options["B"].is_key
    assert [o.option_id for o in Item.objects.get(code="X-TF").options.all()] == [
        "T",
        "F",
    ]
    assert [o.key_position for o in Item.objects.get(code="X-OR").options.all()] == [
        3,
        1,
        4,
        2,
    ]


def test_the_export_has_the_template_columns_and_the_keys(varied):
    rows = _rows(items_csv(Item.objects.all(), with_keys=True))
    assert list(rows[0]) == COLUMNS
    keys = {r["code"]: r["key"] for r in rows}
    assert keys == {
        "X-SC": "B",
        "X-TF": "T",
        "X-MR": "A;B",
        "X-OR": "B>D>A>C",
        "X-LK": "",
        "X-DRAFT": "B",
    }
    assert {r["code"]: r["option_ids"] for r in rows}["X-LK"] == "L1|L2|L3|L4"


def test_without_the_key_permission_the_key_column_is_empty(varied):
    rows = _rows(items_csv(Item.objects.all(), with_keys=False))
    assert all(r["key"] == "" for r in rows)


@pytest.fixture
def viewer(make_user):
    """Someone who may view items but not their keys (no role gives exactly this)."""
    from django.contrib.auth.models import Permission

    user = make_user("citizen")
    user.user_permissions.add(
        Permission.objects.get(codename="view_item", content_type__app_label="itembank")
    )
    return user


def test_api_export_filters_and_hides_keys_from_those_without_the_permission(
    varied, client, make_user, viewer
):
    from learning_platform.accounts.services import roles_sync

    roles_sync()
    client.force_login(make_user("item_author"))
    response = client.get("/api/v1/itembank/items/export?format=csv&domain=info")
    assert (
        response.status_code == 200 and "attachment" in response["Content-Disposition"]
    )
    rows = _rows(response.content)
    assert {r["code"] for r in rows} == {
        "X-SC",
        "X-TF",
        "X-MR",
        "X-OR",
    }  # subdomains too
    assert {r["code"]: r["key"] for r in rows}["X-SC"] == "B"
    xlsx = client.get("/api/v1/itembank/items/export?format=xlsx&kind=likert")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert client.get("/api/v1/itembank/items/export?format=pdf").status_code in (
        400,
        422,
    )
    bad = client.get(
        "/api/v1/itembank/items/export?domain=astrology", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert bad.status_code in (400, 422) and "astrology" in bad.content.decode()

    client.force_login(viewer)
    rows = _rows(client.get("/api/v1/itembank/items/export").content)
    assert len(rows) == 6 and all(r["key"] == "" for r in rows)


def test_test_takers_cannot_export(varied, client, make_user):
    client.force_login(make_user("citizen"))
    assert client.get("/api/v1/itembank/items/export").status_code == 403
    assert client.get("/admin/itembank/export/items.csv").status_code in (302, 403)


def test_listing_exports_the_filtered_selection(varied, client, make_user):
    from learning_platform.accounts.services import roles_sync

    roles_sync()
    client.force_login(make_user("researcher"))
    response = client.get("/admin/snippets/itembank/item/?export=csv&kind=likert")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    rows = _rows(data)
    assert list(rows[0]) == COLUMNS and [r["code"] for r in rows] == ["X-LK"]
    response = client.get("/admin/snippets/itembank/item/?export=xlsx&q=X-S")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    again = _reimport(data, "items.xlsx")
    assert [r["code"] for r in again] == ["X-SC"]
    assert again == [r for r in varied if r["code"] == "X-SC"]
    page = client.get("/admin/itembank/export/items.xlsx?domain=needs")
    assert page.status_code == 200 and page.content[:2] == b"PK"


def test_admin_exports_without_key_permission(varied, client, viewer):
    """Someone who may open the admin and view items but not keys gets the spreadsheet
    without keys and no QTI package (it carries the correct responses)."""
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(viewer)
    rows = _rows(client.get("/admin/itembank/export/items.csv").content)
    assert len(rows) == 6 and all(r["key"] == "" for r in rows)
    refused = client.get("/admin/itembank/export/qti/")
    assert refused.status_code in (302, 403) and refused.content[:2] != b"PK"
