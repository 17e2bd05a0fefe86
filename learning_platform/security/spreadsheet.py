"""Spreadsheet-safe CSV cells (OWASP "CSV Injection").

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return can be run
as a formula by Excel, LibreOffice or Google Sheets. :func:`csv_safe_cell` prefixes such a
cell with a single quote, which spreadsheet programs show as text. A cell that is a plain
number (``-3``, ``+1.5``, ``-2e3``) is left as it is: it cannot call a function, and
statisticians need negative numbers to stay numbers. :func:`csv_unguard_cell` removes the
quote again, so an export imports back unchanged.

An XLSX cell is different: its type is stored with it, and only a string that begins with
``=`` is written as a formula (openpyxl's rule). :func:`xlsx_safe_row` gives such a value
the string type, so it is stored, shown and read back exactly as typed, with no quote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def needs_guard(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES) and not _NUMBER.fullmatch(text)


def csv_safe_cell(value):
    """``value`` for a CSV writer: strings that could be a formula get a leading quote."""
    if isinstance(value, str) and needs_guard(value):
        return GUARD + value
    return value


def csv_safe_row(values: Iterable) -> list:
    return [csv_safe_cell(v) for v in values]


def csv_safe_dict(row: dict) -> dict:
    return {k: csv_safe_cell(v) for k, v in row.items()}


def xlsx_safe_row(sheet: Any, values: Iterable) -> list:
    """``values`` for ``sheet.append``: text that openpyxl would store as a formula stays text.

    Works for ordinary and write-only worksheets alike (both take cells made by
    ``WriteOnlyCell``); every other value is passed on as it is.
    """
    out: list = []
    for value in values:
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(sheet, value)
            cell.data_type = "s"
            out.append(cell)
        else:
            out.append(value)
    return out


def csv_unguard_cell(text: str) -> str:
    """Undo :func:`csv_safe_cell` (only a quote in front of a formula prefix is removed)."""
    if text.startswith(GUARD) and needs_guard(text[1:]):
        return text[1:]
    return text
