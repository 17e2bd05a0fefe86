r"""CSV and XLSX import of items: every row validated, every bad row reported by line and
column; nothing is imported from a file with errors unless ``import_valid_rows`` is set.

Columns: code, domain, kind, scoring, stem, stem_en, options, options_en, key, language,
target_population, estimated_seconds, and the optional option_ids, instructions,
instructions_en, tags. ``options`` lists option texts separated by ``|`` (a ``|`` inside a
text is written ``\|``); their ids are A, B, C, … in that order unless ``option_ids`` lists
them (``T|F``, ``L1|L2|L3|L4``; an id is a QTI identifier, so it cannot start
with a digit); ``key`` is one id (single choice, true/false), ids separated
by ``;`` (multiple response), the order as ``B>A>C`` (ordering items), empty for Likert.
``tags`` are separated by ``;``. Images are not carried by the spreadsheet.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from learning_platform.security.archives import (
    MB,
    ArchiveLimits,
    ArchiveRefused,
    BoundedZip,
)
from learning_platform.security.html import sanitise_rich_text
from learning_platform.security.spreadsheet import csv_safe_row, csv_unguard_cell

from .models import Domain, Item
from .payloads import item_errors
from .qti.export import is_identifier
from .services import item_save_draft

COLUMNS = [
    "code",
    "domain",
    "kind",
    "scoring",
    "stem",
    "stem_en",
    "options",
    "options_en",
    "key",
    "language",
    "target_population",
    "estimated_seconds",
    "option_ids",
    "instructions",
    "instructions_en",
    "tags",
]
REQUIRED = ["code", "domain", "kind", "stem", "options"]
EXAMPLE = [
    "INFO-DATA-900",
    "info.data",
    "single_choice",
    "",
    "哪个来源最可靠？",
    "Which source is most reliable?",
    "官方网站|转发的截图|匿名帖子",
    "Official website|Forwarded screenshot|Anonymous post",
    "A",
    "zh-hans",
    "all",
    "60",
    "",
    "请选择一个答案。",
    "Choose one answer.",
    "来源;可信度",
]
# A workbook of a few thousand items inflates to a few MB; nothing legitimate needs more.
XLSX_LIMITS = ArchiveLimits(
    max_entries=100, max_total_bytes=16 * MB, max_member_bytes=16 * MB
)
_PIPE = re.compile(r"(?<!\\)\|")


def split_texts(cell: str) -> list[str]:
    """Split an options cell at ``|`` (not at an escaped ``\\|``)."""
    return [t.strip().replace("\\|", "|") for t in _PIPE.split(cell)]


def join_texts(texts) -> str:
    return "|".join((t or "").replace("|", "\\|") for t in texts)


@dataclass
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("line %(line)d, column %(col)s: %(msg)s") % {
            "line": self.line,
            "col": self.column,
            "msg": self.message,
        }


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    imported: bool = False


def template_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow(csv_safe_row(EXAMPLE))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "items"
    ws.append(COLUMNS)
    ws.append(EXAMPLE)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rows_csv(data: bytes) -> list[dict]:
    text = data.decode("utf-8-sig")
    return [
        {k: (csv_unguard_cell(v) if isinstance(v, str) else v) for k, v in row.items()}
        for row in csv.DictReader(io.StringIO(text))
    ]


class UploadRefused(ValueError):
    """The upload is hostile or malformed; the message names the part and the problem."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_events(archive: BoundedZip, name: str):
    """``end`` events of a member, inflated under the archive caps, DTDs refused."""
    try:
        with archive.open(name) as stream:
            yield from iterparse(stream, events=("end",), forbid_dtd=True)
    except DefusedXmlException as exc:
        raise UploadRefused(
            _("%(name)s: refused hostile XML (%(e)s).")
            % {"name": name, "e": type(exc).__name__}
        ) from exc
    except ParseError as exc:
        raise UploadRefused(
            _("%(name)s: not well-formed XML (%(e)s).") % {"name": name, "e": exc}
        ) from exc


def _column_index(ref: str) -> int | None:
    letters = "".join(ch for ch in ref if ch.isalpha()).upper()
    if not letters:
        return None
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _first_sheet_path(archive: BoundedZip) -> str:
    if "xl/workbook.xml" not in archive.names:
        raise UploadRefused(
            _("The workbook has no xl/workbook.xml; it is not an XLSX file.")
        )
    rel_ids = [
        el.get(
            "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
        )
        or el.get("{http://purl.oclc.org/ooxml/officeDocument/relationships}id")
        for _e, el in _xml_events(archive, "xl/workbook.xml")
        if _local(el.tag) == "sheet"
    ]
    if not rel_ids:
        raise UploadRefused(_("The workbook has no sheets."))
    targets = {}
    if "xl/_rels/workbook.xml.rels" in archive.names:
        targets = {
            el.get("Id"): el.get("Target") or ""
            for _e, el in _xml_events(archive, "xl/_rels/workbook.xml.rels")
            if _local(el.tag) == "Relationship"
        }
    target = targets.get(rel_ids[0]) or "worksheets/sheet1.xml"
    path = target.lstrip("/") if target.startswith("/") else "xl/" + target
    if path not in archive.names:
        raise UploadRefused(
            _("The workbook's first sheet %(p)s is missing.") % {"p": path}
        )
    return path


def _shared_strings(archive: BoundedZip) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.names:
        return []
    strings: list[str] = []
    for _event, el in _xml_events(archive, "xl/sharedStrings.xml"):
        if _local(el.tag) == "si":
            strings.append(
                "".join(
                    t.text or ""
                    for t in el.iter()
                    if _local(t.tag) == "t" and t is not None
                )
            )
            el.clear()
    return strings


def _cell_value(cell, strings: list[str]) -> str:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter() if _local(t.tag) == "t")
    value = next((c.text or "" for c in cell if _local(c.tag) == "v"), "")
    if kind == "s":
        try:
            return strings[int(value)]
        except (ValueError, IndexError) as exc:
            raise UploadRefused(
                _("Cell %(ref)s refers to a missing shared string.")
                % {"ref": cell.get("r", "?")}
            ) from exc
    if kind == "n" and value.endswith(".0") and value[:-2].lstrip("-").isdigit():
        return value[:-2]
    return value


def _rows_xlsx(data: bytes) -> list[dict]:
    """Rows of the first sheet, read through a bounded, streaming, DTD-refusing parser."""
    try:
        archive = BoundedZip(data, XLSX_LIMITS)
    except ArchiveRefused as exc:
        raise UploadRefused(str(exc)) from exc
    try:
        sheet = _first_sheet_path(archive)
        strings = _shared_strings(archive)
        rows: list[list[str]] = []
        for _event, el in _xml_events(archive, sheet):
            if _local(el.tag) != "row":
                continue
            values: list[str] = []
            for cell in el:
                if _local(cell.tag) != "c":
                    continue
                col = _column_index(cell.get("r", ""))
                col = len(values) if col is None else col
                if col > len(COLUMNS) + 50:
                    raise UploadRefused(
                        _("Cell %(ref)s is beyond the template's columns.")
                        % {"ref": cell.get("r")}
                    )
                values.extend([""] * (col + 1 - len(values)))
                values[col] = _cell_value(cell, strings)
            el.clear()
            rows.append(values)
    except ArchiveRefused as exc:
        raise UploadRefused(str(exc)) from exc
    if not rows:
        return []
    header = [str(h or "").strip() for h in rows[0]]
    return [
        {h: v for h, v in zip(header, row, strict=False)}
        for row in rows[1:]
        if any(v not in (None, "") for v in row)
    ]


def _parse_row(
    line: int, row: dict, domains: dict, seen: set
) -> tuple[dict | None, list[RowError]]:
    errors: list[RowError] = []
    get = {k: (row.get(k) or "").strip() for k in COLUMNS}
    for col in REQUIRED:
        if not get[col]:
            errors.append(RowError(line, col, _("is required")))
    code = get["code"]
    if code and (
        code.lower() in seen or Item.objects.filter(code__iexact=code).exists()
    ):
        errors.append(RowError(line, "code", _("“%(c)s” already exists") % {"c": code}))
    seen.add(code.lower())
    if get["domain"] and get["domain"] not in domains:
        errors.append(
            RowError(line, "domain", _("unknown domain “%(d)s”") % {"d": get["domain"]})
        )
    kind = get["kind"]
    if kind and kind not in Item.Kind.values:
        errors.append(RowError(line, "kind", _("unknown kind “%(k)s”") % {"k": kind}))
    for col in ("instructions", "instructions_en"):
        if len(get[col]) > 255:
            errors.append(RowError(line, col, _("longer than 255 characters")))
    seconds = get["estimated_seconds"] or "60"
    if not seconds.isdigit():
        errors.append(RowError(line, "estimated_seconds", _("must be a whole number")))
    if errors:
        return None, errors
    texts = split_texts(get["options"])
    texts_en = split_texts(get["options_en"]) if get["options_en"] else []
    ids = [chr(ord("A") + i) for i in range(len(texts))]
    if get["option_ids"]:
        ids = [t.strip() for t in get["option_ids"].split("|")]
        if len(ids) != len(texts):
            return None, [
                RowError(
                    line,
                    "option_ids",
                    _("%(n)d ids for %(m)d options") % {"n": len(ids), "m": len(texts)},
                )
            ]
        if any(not i or len(i) > 8 for i in ids):
            return None, [
                RowError(line, "option_ids", _("an id is empty or longer than 8"))
            ]
        invalid = [i for i in ids if not is_identifier(i)]
        if invalid:
            return None, [
                RowError(
                    line,
                    "option_ids",
                    _(
                        "not valid identifiers (an id starts with a letter or “_” and holds only "
                        "letters, digits, “-”, “_” and “.”): %(ids)s"
                    )
                    % {"ids": ", ".join(invalid)},
                )
            ]
    key = get["key"]
    options: list[dict[str, Any]] = []
    for i, text in enumerate(texts):
        options.append(
            {
                "option_id": ids[i],
                "text": sanitise_rich_text(text),
                "text_en": sanitise_rich_text(texts_en[i] if i < len(texts_en) else ""),
            }
        )
    if kind == "ordered":
        order = [k.strip() for k in key.split(">") if k.strip()]
        bad = [k for k in order if k not in ids]
        if bad:
            return None, [
                RowError(
                    line, "key", _("not option ids: %(b)s") % {"b": ", ".join(bad)}
                )
            ]
        for o in options:
            o["key_position"] = (
                order.index(o["option_id"]) + 1 if o["option_id"] in order else None
            )
    elif key:
        keys = [k.strip() for k in key.replace(",", ";").split(";") if k.strip()]
        bad = [k for k in keys if k not in ids]
        if bad:
            return None, [
                RowError(
                    line, "key", _("not option ids: %(b)s") % {"b": ", ".join(bad)}
                )
            ]
        for o in options:
            o["is_key"] = o["option_id"] in keys
    stem = sanitise_rich_text(
        get["stem"] if get["stem"].startswith("<") else f"<p>{get['stem']}</p>"
    )
    stem_en = sanitise_rich_text(
        get["stem_en"]
        if get["stem_en"].startswith("<") or not get["stem_en"]
        else f"<p>{get['stem_en']}</p>"
    )
    probe = SimpleNamespace(
        kind=kind,
        scoring=get["scoring"] or "all_or_nothing",
        stem=stem,
        stem_image_id=None,
        stem_image_alt="",
    )
    probe_opts = [
        SimpleNamespace(
            image_id=None,
            alt="",
            is_key=o.get("is_key", False),
            key_position=o.get("key_position"),
            **{k: v for k, v in o.items() if k in ("option_id", "text", "text_en")},
        )
        for o in options
    ]
    for fld, messages in item_errors(probe, probe_opts).items():
        for m in messages:
            column = fld
            if fld == "options" and any(
                w in m for w in ("correct", "key", "正确", "答案")
            ):
                column = "key"
            errors.append(RowError(line, column, m))
    if errors:
        return None, errors
    return {
        "code": code,
        "domain_code": get["domain"],
        "kind": kind,
        "scoring": get["scoring"] or "all_or_nothing",
        "stem": stem,
        "stem_en": stem_en,
        "language": get["language"] or "zh-hans",
        "target_population": get["target_population"] or "all",
        "estimated_seconds": int(seconds),
        "options": options,
        "instructions": get["instructions"],
        "instructions_en": get["instructions_en"],
        "tags": [t.strip() for t in get["tags"].split(";") if t.strip()],
    }, []


def items_import(
    *, data: bytes, filename: str, user=None, import_valid_rows: bool = False
) -> ImportReport:
    """Validate every row, then save all rows as drafts (or none, if any row is bad)."""

    report = ImportReport()
    try:
        rows = (
            _rows_xlsx(data) if filename.lower().endswith(".xlsx") else _rows_csv(data)
        )
    except UploadRefused as exc:
        report.errors.append(RowError(1, "-", str(exc)))
        return report
    except (
        UnicodeDecodeError,
        csv.Error,
        OSError,
        ValueError,
        KeyError,
        zipfile.BadZipFile,
    ) as exc:
        report.errors.append(
            RowError(1, "-", _("the file cannot be read: %(e)s") % {"e": exc})
        )
        return report
    if rows:
        missing = [c for c in REQUIRED if c not in rows[0]]
        if missing:
            report.errors.append(RowError(1, ", ".join(missing), _("column missing")))
            return report
    domains = set(Domain.objects.values_list("code", flat=True))
    seen: set = set()
    good = []
    for line, row in enumerate(rows, start=2):
        parsed, errors = _parse_row(line, row, {d: 1 for d in domains}, seen)
        report.errors.extend(errors)
        if parsed:
            good.append(parsed)
    if report.errors and not import_valid_rows:
        return report
    with transaction.atomic():
        for spec in good:
            try:
                item_save_draft(user=user, **spec)
            except ValidationError as exc:  # pragma: no cover - validated above
                raise ValidationError(exc.messages) from exc
            report.created.append(spec["code"])
    report.imported = True
    return report
