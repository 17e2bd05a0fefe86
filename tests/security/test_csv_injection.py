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
