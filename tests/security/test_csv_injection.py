"""CSV formula injection (OWASP): every CSV export guards cells a spreadsheet would run,
keeps genuine numbers as numbers, and the item importer strips the guard again."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from learning_platform.security.spreadsheet import (
    csv_safe_cell,
    csv_safe_row,
    csv_unguard_cell,
    xlsx_safe_row,
)

FORMULAS = [
    '=HYPERLINK("http://evil","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,1)",
    "\t=1",
    "\r=1",
    "=1|B",
]


@pytest.mark.parametrize("cell", FORMULAS)
def test_formula_cells_are_prefixed_and_unguarded_again(cell):
    safe = csv_safe_cell(cell)
    assert safe == "'" + cell
    assert csv_unguard_cell(safe) == cell


@pytest.mark.parametrize(
    "cell", ["-3", "+1.5", "-2e3", "-.5", "0", "正常文本", "a=b", "'quoted"]
)
def test_numbers_and_ordinary_text_are_left_alone(cell):
    assert csv_safe_cell(cell) == cell
    assert csv_unguard_cell(cell) == cell


def test_non_strings_pass_through():
    assert csv_safe_row([-3, 1.5, None, "=x"]) == [-3, 1.5, None, "'=x"]


def test_chart_csv_is_neutralised():
    from cms.charts import Chart

    chart = Chart(
        slug="s",
        title="t",
        description="d",
        columns=["区", "=cmd"],
        rows=[["=HYPERLINK(1)", "-2.5"]],
        source="@source",
    )
    text = chart.csv_text()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["区", "'=cmd"] and rows[1] == ["'=HYPERLINK(1)", "-2.5"]
    assert rows[-1] == ["'@source"]


def test_survey_csv_export_is_neutralised():
    from assessment.survey.exports import RespondentFile, render

    f = RespondentFile(
        columns=["id", "note"],
        labels={"id": "=id", "note": "备注"},
        value_labels={},
        rows=[[1, "=2+3"], [2, -1.5]],
    )
    with zipfile.ZipFile(io.BytesIO(render(f, "csv"))) as z:
        data = list(
            csv.reader(io.StringIO(z.read("respondents.csv").decode("utf-8-sig")))
        )
        book = list(csv.reader(io.StringIO(z.read("codebook.csv").decode("utf-8-sig"))))
    assert data[1] == ["1", "'=2+3"] and data[2] == ["2", "-1.5"]
    assert book[1][1] == "'=id"


@pytest.mark.parametrize("write_only", [False, True])
def test_xlsx_rows_keep_formula_text_as_text(write_only):
    from openpyxl import Workbook, load_workbook

    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("s") if write_only else book.active
    sheet.append(
        xlsx_safe_row(sheet, ['=HYPERLINK("http://evil","x")', -2.5, "+1", None])
    )
    out = io.BytesIO()
    book.save(out)
    back = load_workbook(io.BytesIO(out.getvalue()))[sheet.title]
    cells = [back.cell(row=1, column=c) for c in (1, 2, 3, 4)]
    assert [c.data_type for c in cells[:3]] == ["s", "n", "s"]
    assert [c.value for c in cells] == [
        '=HYPERLINK("http://evil","x")',
        -2.5,
        "+1",
        None,
    ]


def test_survey_xlsx_export_keeps_formula_text_as_text():
    from openpyxl import load_workbook

    from assessment.survey.exports import RespondentFile, render

    f = RespondentFile(
        columns=["id", "note"],
        labels={"id": "=id", "note": "备注"},
        value_labels={},
        rows=[[1, "=2+3"], [2, -1.5]],
    )
    book = load_workbook(io.BytesIO(render(f, "xlsx")))
    data, codebook = book["respondents"], book["codebook"]
    assert (data["B2"].value, data["B2"].data_type) == ("=2+3", "s")
    assert (data["B3"].value, data["B3"].data_type) == (-1.5, "n")
    assert (codebook["B2"].value, codebook["B2"].data_type) == ("=id", "s")
