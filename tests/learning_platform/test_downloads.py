"""Every export answers through one helper: its type, a file name that survives Chinese,
no caching, a byte-order mark on CSV and no spreadsheet formulas in CSV cells."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import unquote

from learning_platform.downloads import (
    XLSX_CONTENT_TYPE,
    content_disposition,
    csv_bytes,
    download_response,
    json_download,
)


def test_an_ascii_name_is_a_plain_quoted_filename():
    assert content_disposition("items.csv") == 'attachment; filename="items.csv"'
    assert content_disposition("a.pdf", as_attachment=False) == (
        'inline; filename="a.pdf"'
    )


def test_a_chinese_name_has_an_ascii_fallback_and_an_rfc5987_name():
    name = "2025年信息素养报告-黄浦区.pdf"
    header = content_disposition(name)
    fallback, extended = header.split("; ")[1:]
    assert fallback == 'filename="2025_-_.pdf"'
    assert extended.startswith("filename*=UTF-8''")
    assert unquote(extended.removeprefix("filename*=UTF-8''")) == name
    assert header.isascii()


def test_quotes_and_slashes_never_reach_the_quoted_fallback():
    header = content_disposition('a"b/..\\c.csv')
    assert header.startswith('attachment; filename="a_b_.._c.csv"; filename*=')


def test_a_download_is_typed_by_its_extension_and_never_cached():
    response = download_response(b"PK", filename="items.xlsx")
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"] == 'attachment; filename="items.xlsx"'
    assert download_response(b"x", filename="x.sav")["Content-Type"] == (
        "application/x-spss-sav"
    )
    assert download_response(b"x", filename="x")["Content-Type"] == (
        "application/octet-stream"
    )


def test_csv_gets_one_byte_order_mark():
    once = download_response("a,b\n", filename="t.csv").content
    assert once == "\ufeffa,b\n".encode()
    already = download_response("\ufeffa\n".encode(), filename="t.csv").content
    assert already == "\ufeffa\n".encode()
    assert download_response("a", filename="t.csv")["Content-Type"] == (
        "text/csv; charset=utf-8"
    )


def test_csv_cells_that_could_run_as_formulas_are_quoted_as_text():
    body = csv_bytes(
        [['=HYPERLINK("http://x")', "-3", "@SUM(A1)", None, "区"]],
        header=["+cmd", "n"],
    )
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["'+cmd", "n"]
    assert rows[1] == ['\'=HYPERLINK("http://x")', "-3", "'@SUM(A1)", "", "区"]


def test_json_keeps_chinese_readable():
    response = json_download({"name": "学习账户"}, filename="账户.json", indent=2)
    assert response["Content-Type"] == "application/json"
    assert "学习账户" in response.content.decode("utf-8")
    assert json.loads(response.content) == {"name": "学习账户"}
    assert "filename*=UTF-8''" in response["Content-Disposition"]
