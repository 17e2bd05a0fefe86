"""Spreadsheet-safe CSV cells (OWASP "CSV Injection").

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return can be run
as a formula by Excel, LibreOffice or Google Sheets. :func:`csv_safe_cell` prefixes such a
cell with a single quote, which spreadsheet programs show as text. A cell that is a plain
number (``-3``, ``+1.5``, ``-2e3``) is left as it is: it cannot call a function, and
statisticians need negative numbers to stay numbers. :func:`csv_unguard_cell` removes the
quote again, so an export imports back unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

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


def csv_unguard_cell(text: str) -> str:
    """Undo :func:`csv_safe_cell` (only a quote in front of a formula prefix is removed)."""
    if text.startswith(GUARD) and needs_guard(text[1:]):
        return text[1:]
    return text
