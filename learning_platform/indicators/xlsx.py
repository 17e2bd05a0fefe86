"""The year's XLSX template of a district filing, and reading a filled one back safely.

An upload is checked as a ZIP before openpyxl opens it (size, number of parts, unpacked size and
compression ratio), so a zip bomb or a file that only looks like a workbook never reaches the
XML parser; openpyxl then reads it read-only through defusedxml, row by row, within row and
column limits.
"""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils import get_column_letter

from learning_platform.downloads import XLSX_CONTENT_TYPE
from learning_platform.indicators import selectors
from learning_platform.indicators.datain import (
    PER_UNIT_ITEMS,
    PartIn,
    Problem,
    ValueIn,
    value_parts,
)
from learning_platform.indicators.models import ItemKind, Submission
from learning_platform.security.spreadsheet import xlsx_safe_row

CONTENT_TYPE = XLSX_CONTENT_TYPE
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_UNPACKED_BYTES = 30 * 1024 * 1024
MAX_ZIP_MEMBERS = 100
MAX_RATIO = 200  # unpacked / packed size of one part
MAX_ROWS = 400
MAX_COLS = 30

VALUES_SHEET = gettext_lazy("Data items")
PARTS_SHEET = gettext_lazy("3.1.1 by member unit")
SUPPLIED_SHEET = gettext_lazy("Supplied by the platform (read only)")
ABOUT_SHEET = gettext_lazy("About this file")

VALUE_COLUMNS = [
    ("code", gettext_lazy("Code")),
    ("name", gettext_lazy("Data item")),
    ("unit", gettext_lazy("Unit")),
    ("value", gettext_lazy("Value")),
    ("note", gettext_lazy("Note")),
    ("responsible", gettext_lazy("Responsible unit")),
    ("source", gettext_lazy("Source")),
]
PART_COLUMNS = [
    ("unit_name", gettext_lazy("Member unit")),
    ("projects", gettext_lazy("Special project names")),
    ("amount", gettext_lazy("Learning-city special budget (10,000 yuan)")),
    ("total_amount", gettext_lazy("The unit's total special budget (10,000 yuan)")),
]


def _keywords(submission: Submission) -> str:
    return f"indicators:{submission.district.code}:{submission.year}"


def _cell_value(value: Decimal | None) -> Any:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def template_filename(submission: Submission) -> str:
    return f"indicators-{submission.district.code}-{submission.year}.xlsx"


def template_build(*, submission: Submission) -> bytes:
    """Return the filing's XLSX template: the items to enter with their current values,
    the 3.1.1 lines per member unit, and the platform's values (read only, for reference)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    grey = PatternFill("solid", fgColor="EEEEEE")
    bold = Font(bold=True)
    rows = selectors.submission_rows(submission)
    book = Workbook()
    book.properties.keywords = _keywords(submission)
    book.properties.title = (
        f"{submission.district.name_zh} {submission.year} {submission.version.title_zh}"
    )
    sheet = book.active
    sheet.title = str(VALUES_SHEET)
    sheet.append([str(label) for _k, label in VALUE_COLUMNS])
    for cell in sheet[1]:
        cell.font = bold
    for r in rows:
        if r.item.kind not in (ItemKind.BASE, ItemKind.INPUT):
            continue
        value = r.text if r.text else _cell_value(r.value)
        source = (
            _("Entered per member unit on the next sheet")
            if r.item.code in PER_UNIT_ITEMS
            else (r.item.note.splitlines()[0][:120] if r.item.note else "")
        )
        row = [
            r.item.code,
            r.item.name_zh,
            r.item.unit,
            value,
            r.detail,
            r.item.responsible_unit,
            source,
        ]
        sheet.append(xlsx_safe_row(sheet, row))
        for col in (1, 2, 3, 6, 7):
            sheet.cell(row=sheet.max_row, column=col).fill = grey
    for letter, width in zip("ABCDEFG", (28, 60, 10, 16, 30, 20, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "D2"

    parts = book.create_sheet(str(PARTS_SHEET))
    parts.append([str(label) for _k, label in PART_COLUMNS])
    for cell in parts[1]:
        cell.font = bold
    for line in value_parts(submission=submission):
        row = [
            line.unit_name,
            line.projects,
            _cell_value(line.amount),
            _cell_value(line.total_amount),
        ]
        parts.append(xlsx_safe_row(parts, row))
    for letter, width in zip("ABCD", (30, 60, 24, 24), strict=True):
        parts.column_dimensions[letter].width = width

    supplied = book.create_sheet(str(SUPPLIED_SHEET))
    supplied.append(
        [
            str(_("Code")),
            str(_("Data item")),
            str(_("Unit")),
            str(_("Value")),
            str(_("95 per cent interval")),
            str(_("Source")),
        ]
    )
    for r in rows:
        if r.item.kind != ItemKind.FED:
            continue
        interval = selectors.fed_interval(r)
        row = [
            r.item.code,
            r.item.name_zh,
            r.item.unit,
            _cell_value(r.value) if r.value is not None else r.reason,
            f"{interval[0]}–{interval[1]}" if interval else "",
            selectors.source_text(r.source) if r.value is not None else "",
        ]
        supplied.append(xlsx_safe_row(supplied, row))
    supplied.protection.sheet = True

    about = book.create_sheet(str(ABOUT_SHEET))
    for line in (
        _("District: %(district)s") % {"district": submission.district.name_zh},
        _("Data year: %(year)s") % {"year": submission.year},
        submission.version.title_zh,
        _(
            "Fill in the Value column (and the Note where the item asks for names); leave the other columns as they are."
        ),
        _("A blank value clears the item; a row you delete leaves the item unchanged."),
        _(
            "3.1.1 is entered per member unit on its own sheet: its total becomes the item's value."
        ),
        _(
            "Values supplied by the platform cannot be changed here; they are listed for reference."
        ),
        _(
            "If any row is wrong, nothing in the file is saved: correct the rows named and upload it again."
        ),
    ):
        about.append([line])
    about.column_dimensions["A"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- reading -----------------------------------------------------------------------


class NotAWorkbook(Exception):
    """The upload cannot be read as a workbook at all; the message says why."""


def _zip_check(data: bytes) -> None:
    if len(data) > MAX_UPLOAD_BYTES:
        raise NotAWorkbook(
            _("The file is larger than %(mb)s MB.")
            % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    if not data.startswith(b"PK\x03\x04"):
        raise NotAWorkbook(_("The file is not an Excel workbook (.xlsx)."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise NotAWorkbook(_("The file is not an Excel workbook (.xlsx).")) from exc
    if len(members) > MAX_ZIP_MEMBERS:
        raise NotAWorkbook(
            _("The workbook has too many parts to be a filled template.")
        )
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise NotAWorkbook(_("The file is not an Excel workbook (.xlsx)."))
    unpacked = 0
    for member in members:
        unpacked += member.file_size
        if member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise NotAWorkbook(
                _("The workbook unpacks to far more than its size; it is refused.")
            )
    if unpacked > MAX_UNPACKED_BYTES:
        raise NotAWorkbook(
            _("The workbook unpacks to far more than its size; it is refused.")
        )


def _labels(columns) -> list[set[str]]:
    """Accept each header in English or Chinese, whatever the uploader's language."""
    out = []
    for _key, label in columns:
        names = {str(label).strip()}
        for lang in ("zh-hans", "en"):
            with translation.override(lang):
                names.add(str(label).strip())
        out.append(names)
    return out


def _sheet_names(sheet_label) -> set[str]:
    names = {str(sheet_label)}
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            names.add(str(sheet_label))
    return names


def _find_sheet(book, label):
    wanted = _sheet_names(label)
    for name in book.sheetnames:
        if name.strip() in wanted:
            return book[name]
    return None


def _where(row: int, column: int | None = None, header: str = "") -> str:
    if column is None:
        return _("Row %(row)s") % {"row": row}
    return _("Row %(row)s, column %(column)s (%(header)s)") % {
        "row": row,
        "column": get_column_letter(column),
        "header": header,
    }


def _text(cell: Any) -> str:
    return "" if cell is None else str(cell).strip()


def _read_sheet(
    sheet, columns, problems: list[Problem]
) -> list[tuple[int, tuple]] | None:
    """Check the header row and return the data rows (row number, cells); None if unusable."""
    rows_iter = sheet.iter_rows(
        min_row=1, max_row=MAX_ROWS + 2, max_col=MAX_COLS, values_only=True
    )
    header = next(rows_iter, None)
    labels = _labels(columns)
    names = [str(label) for _k, label in columns]
    if header is None:
        problems.append(
            Problem(
                _("Sheet “%(sheet)s”") % {"sheet": sheet.title},
                _("the header row is missing."),
            )
        )
        return None
    bad = False
    for i, accepted in enumerate(labels):
        found = _text(header[i]) if i < len(header) else ""
        if found not in accepted:
            problems.append(
                Problem(
                    _where(1, i + 1, names[i]),
                    _(
                        "the header is “%(found)s” but the template has “%(expected)s” here."
                    )
                    % {"found": found[:40] or "—", "expected": names[i]},
                )
            )
            bad = True
    for i in range(len(labels), len(header)):
        if _text(header[i]):
            problems.append(
                Problem(
                    _where(1, i + 1, _text(header[i])[:40]),
                    _("the template has no such column."),
                )
            )
            bad = True
    if bad:
        return None
    out = []
    for number, cells in enumerate(rows_iter, start=2):
        if number > MAX_ROWS + 1:
            problems.append(
                Problem(
                    _("Sheet “%(sheet)s”") % {"sheet": sheet.title},
                    _("more than %(n)s rows; the template has far fewer.")
                    % {"n": MAX_ROWS},
                )
            )
            return None
        cells = tuple(cells) + (None,) * (len(labels) - len(cells))
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        extra = [i for i in range(len(labels), len(cells)) if _text(cells[i])]
        for i in extra:
            problems.append(
                Problem(
                    _where(number, i + 1, "—"),
                    _("there is data outside the template's columns."),
                )
            )
        out.append((number, cells))
    return out


def workbook_read(
    data: bytes, *, submission: Submission
) -> tuple[list[ValueIn], dict[str, list[PartIn]] | None, list[Problem]]:
    """Read a filled template: the values, the per-unit lines (None: sheet absent) and the
    problems of layout and rows found on the way. Raises ``NotAWorkbook`` for unreadable files."""
    _zip_check(data)
    from openpyxl import load_workbook

    try:
        book = load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, keep_links=False
        )
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise NotAWorkbook(_("The file is not an Excel workbook (.xlsx).")) from exc
    problems: list[Problem] = []
    try:
        keywords = (book.properties.keywords or "") if book.properties else ""
        if keywords.startswith("indicators:") and keywords != _keywords(submission):
            raise NotAWorkbook(
                _(
                    "This template belongs to another district or year (%(which)s); download this filing's template."
                )
                % {"which": keywords.removeprefix("indicators:").replace(":", " ")}
            )
        sheet = _find_sheet(book, VALUES_SHEET)
        if sheet is None:
            raise NotAWorkbook(
                _(
                    "The workbook has no sheet “%(sheet)s”; download the template and fill it in."
                )
                % {"sheet": str(VALUES_SHEET)}
            )
        values: list[ValueIn] = []
        rows = _read_sheet(sheet, VALUE_COLUMNS, problems)
        names = {i.code: i.name_zh for i in submission.version.items.all()}
        value_header = str(VALUE_COLUMNS[3][1])
        for number, cells in rows or []:
            code = _text(cells[0])
            name = _text(cells[1])
            if code and code in names and name and name != names[code]:
                problems.append(
                    Problem(
                        _where(number, 2, str(VALUE_COLUMNS[1][1])),
                        _(
                            "the item's name “%(name)s” does not match the code %(code)s (%(expected)s); was the row moved?"
                        )
                        % {"name": name[:40], "code": code, "expected": names[code]},
                    )
                )
                continue
            note = cells[4]
            values.append(
                ValueIn(
                    code=code,
                    value=cells[3],
                    note="" if note is None else str(note),
                    where=_where(number, 4, value_header),
                    where_code=_where(number, 1, str(VALUE_COLUMNS[0][1])),
                    where_note=_where(number, 5, str(VALUE_COLUMNS[4][1])),
                )
            )
        parts: dict[str, list[PartIn]] | None = None
        part_sheet = _find_sheet(book, PARTS_SHEET)
        if part_sheet is not None:
            part_rows = _read_sheet(part_sheet, PART_COLUMNS, problems)
            if part_rows is not None:
                sheet_name = part_sheet.title
                parts = {
                    "special_budget": [
                        PartIn(
                            unit_name=_text(c[0]),
                            projects=_text(c[1]),
                            amount=c[2],
                            total_amount=c[3],
                            where=_("Sheet “%(sheet)s”, row %(row)s")
                            % {"sheet": sheet_name, "row": n},
                        )
                        for n, c in part_rows
                    ]
                }
    finally:
        book.close()
    return values, parts, problems
