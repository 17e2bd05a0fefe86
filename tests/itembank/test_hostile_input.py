"""Hostile and malformed uploads: stored XSS rendered inert, zip bombs and oversized
manifests refused before memory grows, malformed files answered with an error naming
the problem, and nothing saved."""

from __future__ import annotations

import csv
import io
import tracemalloc
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from itembank.importing import COLUMNS, items_import, template_xlsx
from itembank.models import Item
from itembank.payloads import build_payload
from itembank.qti import export_package, import_package

pytestmark = pytest.mark.django_db

PAYLOAD = '<img src=x onerror="alert(document.cookie)">'
SCRIPT = "<script>alert(1)</script>"


def _csv(*rows):
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow(r)
    return out.getvalue().encode("utf-8")


def _row(code, stem="哪个来源最可靠？", options="官方网站|转发截图|匿名帖子"):
    return [
        code,
        "info.data",
        "single_choice",
        "",
        stem,
        "",
        options,
        "",
        "A",
        "zh-hans",
        "all",
        "60",
    ]


def _assert_inert(html: str):
    lowered = html.lower()
    assert "<img src=x" not in lowered and 'onerror="alert' not in lowered
    assert "<script>alert(1)" not in lowered and "javascript:alert" not in lowered


@pytest.fixture
def researcher(client, make_user):
    from learning_platform.accounts.services import roles_sync

    roles_sync()
    client.force_login(make_user("researcher"))
    return client


# --- stored XSS -------------------------------------------------------------------------


def test_csv_import_stores_options_and_stem_without_script(domains):
    report = items_import(
        data=_csv(
            _row("XSS-1", stem=f"<p>题干{SCRIPT}</p>", options=f"安全{PAYLOAD}|B|C")
        ),
        filename="items.csv",
    )
    assert report.imported, report.errors
    item = Item.objects.get(code="XSS-1")
    first = item.options.first()
    assert (
        first.text == "安全"
        and "script" not in item.stem
        and item.stem == "<p>题干</p>"
    )
    payload = build_payload(item, list(item.options.all()))
    _assert_inert(
        payload["stem_html"] + "".join(o["text_html"] for o in payload["options"])
    )


def test_an_option_that_is_only_a_payload_is_reported_not_stored(domains):
    report = items_import(
        data=_csv(_row("XSS-2", options=f"{PAYLOAD}|B|C")), filename="items.csv"
    )
    assert not report.imported and not Item.objects.exists()
    assert any(e.line == 2 and e.column == "options" for e in report.errors)


def test_qti_import_sanitises_stem_and_options(make_item):
    item = make_item(code="Q-XSS")
    package = export_package([item])
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    xml = files["items/Q-XSS.xml"].decode()
    xml = xml.replace(
        "<p>题干", '<p onclick="alert(1)">题干<script>alert(1)</script>', 1
    )
    xml = xml.replace(
        ">选项A<", '>选项A<a href="javascript:alert(1)" onmouseover="x()">!</a><', 1
    )
    assert "onclick" in xml and "javascript:" in xml
    files["items/Q-XSS.xml"] = xml.encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    Item.objects.all().delete()
    imported = import_package(buf.getvalue())[0]
    assert "onclick" not in imported.stem and "script" not in imported.stem
    assert imported.options.get(option_id="A").text == "选项A<a>!</a>"


def test_service_path_sanitises_rich_text_and_keeps_wagtail_markup(domains):
    from itembank.services import item_save_draft

    stem = (
        '<p data-block-key="k1">看图<a href="javascript:alert(1)">链接</a>'
        '<a linktype="page" id="3">页</a></p>'
        '<embed embedtype="image" id="7" format="left" alt="图"/>'
    )
    item = item_save_draft(
        code="SVC-1",
        domain_code="info.data",
        kind="single_choice",
        stem=stem,
        options=[
            {
                "option_id": "A",
                "text": "<b>是</b><i onmouseover=x>!</i>",
                "is_key": True,
            },
            {"option_id": "B", "text": "否"},
        ],
    )
    assert "javascript" not in item.stem
    assert '<a linktype="page" id="3">页</a>' in item.stem
    assert '<embed embedtype="image" id="7" format="left" alt="图"/>' in item.stem
    assert 'data-block-key="k1"' in item.stem
    assert item.options.get(option_id="A").text == "<b>是</b><i>!</i>"


def test_admin_pages_render_a_stored_payload_inert(researcher, make_item):
    """Rows stored before the sanitiser existed are cleaned on the way out too."""
    item = make_item(code="OLD-1")
    Item.objects.filter(pk=item.pk).update(stem=f"<p>旧{SCRIPT}{PAYLOAD}</p>")
    item.options.filter(option_id="A").update(text=f"A{PAYLOAD}")
    for url in (f"/admin/itembank/item/{item.pk}/",):
        response = researcher.get(url)
        assert response.status_code == 200, url
        _assert_inert(response.content.decode())
    payload = build_payload(Item.objects.get(pk=item.pk), list(item.options.all()))
    _assert_inert(payload["stem_html"] + payload["options"][0]["text_html"])


def test_admin_csv_upload_then_item_page_is_inert(researcher, domains):
    response = researcher.post(
        "/admin/itembank/import/",
        {
            "file": SimpleUploadedFile(
                "items.csv", _csv(_row("XSS-3", options=f"好{PAYLOAD}|B|C"))
            )
        },
    )
    assert response.status_code == 200
    item = Item.objects.get(code="XSS-3")
    page = researcher.get(f"/admin/itembank/item/{item.pk}/")
    assert page.status_code == 200
    _assert_inert(page.content.decode())


# --- zip bombs and oversized members ----------------------------------------------------


def _xlsx_with(member: str, data: bytes) -> bytes:
    """The import template with one member replaced."""
    src = zipfile.ZipFile(io.BytesIO(template_xlsx()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in src.infolist():
            if info.filename != member:
                out.writestr(info.filename, src.read(info.filename))
        out.writestr(member, data)
    return buf.getvalue()


def _shared_string_bomb(mb: int) -> bytes:
    big = b"A" * (mb * 1024 * 1024)
    return _xlsx_with(
        "xl/sharedStrings.xml",
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
        b'openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
        b"<si><t>" + big + b"</t></si></sst>",
    )


def test_xlsx_shared_string_bomb_is_refused_under_a_memory_cap(domains):
    bomb = _shared_string_bomb(100)
    assert len(bomb) < 200_000  # 100 MB of text in a file the 5 MB cap lets through
    tracemalloc.start()
    try:
        with translation.override("en"):
            report = items_import(data=bomb, filename="bomb.xlsx")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not report.imported and not Item.objects.exists()
    assert "inflates to more than" in report.errors[0].message
    assert peak < 60 * 1024 * 1024, peak


def test_xlsx_whose_headers_lie_about_sizes_is_stopped_while_inflating(domains):
    bomb = bytearray(_shared_string_bomb(40))
    info = zipfile.ZipFile(io.BytesIO(bytes(bomb))).getinfo("xl/sharedStrings.xml")
    # Declare an uncompressed size of 100 bytes, in the local and the central header.
    bomb[info.header_offset + 22 : info.header_offset + 26] = (100).to_bytes(
        4, "little"
    )
    central = bytes(bomb).rindex(
        b"PK\x01\x02", 0, bytes(bomb).rindex(info.filename.encode())
    )
    bomb[central + 24 : central + 28] = (100).to_bytes(4, "little")
    assert (
        zipfile.ZipFile(io.BytesIO(bytes(bomb))).getinfo(info.filename).file_size == 100
    )
    tracemalloc.start()
    try:
        report = items_import(data=bytes(bomb), filename="liar.xlsx")
        _c, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not report.imported and report.errors and report.errors[0].line == 1
    assert peak < 60 * 1024 * 1024, peak
    assert not Item.objects.exists()


def test_too_many_entries_are_refused(domains):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(300):
            zf.writestr(f"x/{i}.xml", b"<a/>")
    with translation.override("en"):
        report = items_import(data=buf.getvalue(), filename="many.xlsx")
        assert "300 entries" in report.errors[0].message
        with pytest.raises(ValidationError, match="no imsmanifest"):
            import_package(buf.getvalue())


def test_huge_qti_manifest_is_refused(domains):
    buf = io.BytesIO()
    padding = b"<!-- " + b"x" * (20 * 1024 * 1024) + b" -->"
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "imsmanifest.xml",
            b'<?xml version="1.0"?><manifest>' + padding + b"</manifest>",
        )
    tracemalloc.start()
    try:
        with (
            translation.override("en"),
            pytest.raises(ValidationError, match="imsmanifest.xml inflates"),
        ):
            import_package(buf.getvalue())
        _c, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024
    assert not Item.objects.exists()


# --- malformed uploads: a clear error, nothing saved ------------------------------------

SHEET = "xl/worksheets/sheet1.xml"
MALFORMED_XLSX = {
    "malformed sheet": (SHEET, b"<worksheet><sheetData><row>", "not well-formed"),
    "no sheets": (
        "xl/workbook.xml",
        b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheets/></workbook>",
        "no sheets",
    ),
    "dtd in shared strings": (
        "xl/sharedStrings.xml",
        b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "b">]>'
        b"<sst><si><t>&a;</t></si></sst>",
        "hostile XML",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED_XLSX))
def test_malformed_xlsx_gets_a_form_error_naming_the_problem(researcher, domains, case):
    member, data, message = MALFORMED_XLSX[case]
    upload = _xlsx_with(member, data)
    with translation.override("en"):
        report = items_import(data=upload, filename="bad.xlsx")
    assert not report.imported and message in report.errors[0].message
    with translation.override("en"):  # the middleware's activation ends with the block
        response = researcher.post(
            "/admin/itembank/import/",
            {"file": SimpleUploadedFile("bad.xlsx", upload)},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200 and "import-errors" in response.content.decode()
    assert not Item.objects.exists()


def _package_without_body(make_item):
    package = export_package([make_item(code="NB-1")])
    src = zipfile.ZipFile(io.BytesIO(package))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in src.namelist():
            data = src.read(name)
            if name == "items/NB-1.xml":
                start, end = (
                    data.index(b"<qti-item-body"),
                    data.index(b"</qti-item-body>"),
                )
                data = data[:start] + data[end + len(b"</qti-item-body>") :]
            zf.writestr(name, data)
    Item.objects.all().delete()
    return buf.getvalue()


def test_qti_item_without_body_is_refused_by_name(researcher, make_item):
    package = _package_without_body(make_item)
    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="NB-1.xml: the item has no qti-item"),
    ):
        import_package(package)
    with translation.override("en"):
        response = researcher.post(
            "/admin/itembank/import/",
            {"file": SimpleUploadedFile("p.zip", package)},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    assert "qti-item-body" in response.content.decode()
    assert not Item.objects.exists()
