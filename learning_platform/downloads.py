"""One way to answer with a file to download: type, file name and caching.

Every export (CSV, XLSX, zip, SPSS/Stata, PDF, JSON credentials, chart images) answers
through :func:`download_response`, so all of them

- name the file the same way: a plain ``filename="…"`` for an ASCII name, and for any
  other (Chinese) name an ASCII fallback plus RFC 5987's ``filename*=UTF-8''…``
  (RFC 6266 §4.3), which every current browser prefers;
- forbid caching (``Cache-Control: no-store``): exports hold microdata, keys or a
  citizen's own record, and a shared cache must never keep a copy;
- begin a CSV with a UTF-8 byte-order mark, so Excel reads the Chinese text.

:func:`csv_bytes` writes the rows of a CSV with every cell passed through
:func:`~learning_platform.security.spreadsheet.csv_safe_row` (no formula injection).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers

from learning_platform.security.spreadsheet import csv_safe_row

BOM = "\ufeff"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": XLSX_CONTENT_TYPE,
    "zip": "application/zip",
    "sav": "application/x-spss-sav",
    "dta": "application/x-stata-dta",
    "pdf": "application/pdf",
    "json": "application/json",
    "svg": "image/svg+xml; charset=utf-8",
    "png": "image/png",
}
# Characters a quoted ``filename="…"`` cannot hold safely, and anything beyond ASCII.
_UNSAFE_IN_FALLBACK = re.compile(r'[^\x20-\x7e]+|["\\/]')


def content_type_for(filename: str) -> str:
    """Return the content type of a download from its file name's extension."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return CONTENT_TYPES.get(ext, "application/octet-stream")


def content_disposition(filename: str, *, as_attachment: bool = True) -> str:
    """Return the ``Content-Disposition`` value for ``filename`` (RFC 6266 / 5987)."""
    kind = "attachment" if as_attachment else "inline"
    fallback = _UNSAFE_IN_FALLBACK.sub("_", filename)
    if fallback == filename:
        return f'{kind}; filename="{filename}"'
    return (
        f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )


def download_response(
    body: bytes | str,
    *,
    filename: str,
    content_type: str | None = None,
    as_attachment: bool = True,
) -> HttpResponse:
    """Answer with ``body`` as a file named ``filename``, never stored by a cache.

    The content type follows the extension unless given. A CSV gets the byte-order mark
    Excel needs to read UTF-8, unless the body has one already.
    """
    content_type = content_type or content_type_for(filename)
    if content_type.startswith("text/csv"):
        if isinstance(body, str) and not body.startswith(BOM):
            body = BOM + body
        elif isinstance(body, bytes) and not body.startswith(BOM.encode("utf-8")):
            body = BOM.encode("utf-8") + body
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition(
        filename, as_attachment=as_attachment
    )
    add_never_cache_headers(response)
    return response


def json_download(document: Any, *, filename: str, indent: int | None = None):
    """Answer with a JSON document (Chinese kept readable) as a file to save."""
    body = json.dumps(
        document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=indent
    )
    return download_response(
        body.encode("utf-8"), filename=filename, content_type="application/json"
    )


def csv_bytes(rows: Iterable[Sequence[Any]], *, header: Sequence[str] = ()) -> bytes:
    """Return UTF-8 CSV (with a byte-order mark); cells that could run as formulas are
    quoted as text and ``None`` is an empty cell."""
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(csv_safe_row(header))
    for row in rows:
        writer.writerow(csv_safe_row(["" if v is None else v for v in row]))
    return (BOM + out.getvalue()).encode("utf-8")
