"""Peak memory of importing hostile uploads against a normal-sized upload.

Usage::

    .venv/bin/python benchmarks/bench_hostile_uploads.py          # all cases
    .venv/bin/python benchmarks/bench_hostile_uploads.py --mb 200 # bigger bombs

Builds the hostile files in memory (an XLSX whose one shared string inflates to
``--mb`` MB, the same with zip headers that lie about the size, a QTI package with a
``--mb`` MB imsmanifest.xml, a package whose item file is a nested zip of bombs, a zip
of 100,000 entries) and a normal baseline of each kind (500 items). Each case is parsed
in a fresh subprocess by the importer's own reader (``itembank.importing._rows_xlsx``,
``itembank.qti.parse_package``: the code that runs before anything is saved), which
reports the tracemalloc peak and the growth of its ru_maxrss. Prints the figures, the
ratio against the baseline of the same kind, and fails (exit 1) if any peak reaches
100 MB.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
LIMIT_MB = 100
MB = 1024 * 1024
XLSX_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
QTI_NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
CP_NS = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"


# ------------------------------------------------------------------------ the files


def normal_xlsx(n: int = 500) -> bytes:
    from openpyxl import Workbook

    from itembank.importing import COLUMNS, EXAMPLE

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("items")
    ws.append(COLUMNS)
    for i in range(n):
        row = list(EXAMPLE)
        row[0] = f"BENCH-{i:05d}"
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _replace_member(data: bytes, member: str, content: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in src.infolist():
            if info.filename != member:
                out.writestr(info.filename, src.read(info.filename))
        out.writestr(member, content)
    return buf.getvalue()


def shared_string_bomb(mb: int) -> bytes:
    sst = (
        (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{XLSX_NS}" count="1" '
            'uniqueCount="1"><si><t>'
        ).encode()
        + b"A" * (mb * MB)
        + b"</t></si></sst>"
    )
    return _replace_member(normal_xlsx(1), "xl/sharedStrings.xml", sst)


def lying_headers(mb: int) -> bytes:
    data = bytearray(shared_string_bomb(mb))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/sharedStrings.xml")
    data[info.header_offset + 22 : info.header_offset + 26] = (100).to_bytes(
        4, "little"
    )
    central = bytes(data).rindex(
        b"PK\x01\x02", 0, bytes(data).rindex(info.filename.encode())
    )
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")
    return bytes(data)


def _item_xml(code: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><qti-assessment-item xmlns="{QTI_NS}" '
        f'identifier="{code}" data-kind="single_choice" data-domain="info.data">'
        '<qti-response-declaration identifier="RESPONSE" cardinality="single">'
        "<qti-correct-response><qti-value>B</qti-value></qti-correct-response>"
        "</qti-response-declaration><qti-item-body>"
        '<div class="stem">&lt;p&gt;哪个来源最可靠？&lt;/p&gt;</div>'
        '<qti-choice-interaction response-identifier="RESPONSE">'
        '<qti-simple-choice identifier="A">官方网站</qti-simple-choice>'
        '<qti-simple-choice identifier="B">转发的截图</qti-simple-choice>'
        '<qti-simple-choice identifier="C">匿名帖子</qti-simple-choice>'
        "</qti-choice-interaction></qti-item-body></qti-assessment-item>"
    ).encode()


def _package(
    files: dict[str, bytes], hrefs: list[str], manifest_padding: bytes = b""
) -> bytes:
    resources = "".join(
        f'<resource identifier="r{i}" type="imsqti_item_xmlv3p0" href="{h}"/>'
        for i, h in enumerate(hrefs)
    )
    manifest = (
        f'<?xml version="1.0"?><manifest xmlns="{CP_NS}">'.encode()
        + manifest_padding
        + f"<resources>{resources}</resources></manifest>".encode()
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("imsmanifest.xml", manifest)
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def normal_package(n: int = 500) -> bytes:
    files = {f"items/BENCH-{i:05d}.xml": _item_xml(f"BENCH-{i:05d}") for i in range(n)}
    return _package(files, list(files))


def huge_manifest(mb: int) -> bytes:
    return _package(
        {"items/A.xml": _item_xml("A")},
        ["items/A.xml"],
        b"<!-- " + b"x" * (mb * MB) + b" -->",
    )


def nested_zip(mb: int) -> bytes:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for i in range(10):
            zf.writestr(f"bomb{i}.bin", b"\0" * (mb * MB // 10))
    middle = io.BytesIO()
    with zipfile.ZipFile(middle, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(10):
            zf.writestr(f"layer{i}.zip", inner.getvalue())
    return _package({"items/A.xml": middle.getvalue()}, ["items/A.xml"])


def many_entries(n: int = 100_000) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for i in range(n):
            zf.writestr(f"e/{i}", b"")
    return buf.getvalue()


CASES = {  # name: (kind, builder(mb), baseline?)
    "xlsx baseline (500 items)": ("xlsx", lambda mb: normal_xlsx(), True),
    "xlsx shared-string bomb": ("xlsx", shared_string_bomb, False),
    "xlsx bomb, lying headers": ("xlsx", lying_headers, False),
    "xlsx 100,000 entries": ("xlsx", lambda mb: many_entries(), False),
    "qti baseline (500 items)": ("qti", lambda mb: normal_package(), True),
    "qti huge manifest": ("qti", huge_manifest, False),
    "qti nested zip": ("qti", nested_zip, False),
}


# ------------------------------------------------------------------------ one case


def run_one(kind: str, path: str) -> None:
    import resource
    import tracemalloc

    import django

    django.setup()
    from django.core.exceptions import ValidationError
    from django.utils import translation

    translation.activate("en")

    from itembank.importing import UploadRefused, _rows_xlsx
    from itembank.qti import parse_package

    data = Path(path).read_bytes()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    try:
        if kind == "xlsx":
            outcome = f"{len(_rows_xlsx(data))} rows read"
        else:
            outcome = f"{len(parse_package(data))} items read"
    except (UploadRefused, ValidationError) as exc:
        messages = getattr(exc, "messages", None) or [str(exc)]
        outcome = "refused: " + " ".join(messages)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {"outcome": outcome, "peak": peak, "rss_growth": (rss - rss0) * 1024}
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mb", type=int, default=100, help="inflated size of the bombs"
    )
    parser.add_argument(
        "--one", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    env = dict(
        os.environ,
        DEBUG="1",
        DJANGO_SETTINGS_MODULE="learning_platform.settings",
        LANGUAGE_CODE="en",
        DATABASE_URL="sqlite:///:memory:",
    )
    if args.one:
        os.environ.update(
            {k: env[k] for k in ("DEBUG", "DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
        )
        run_one(*args.one)
        return 0
    os.environ.update(
        {k: env[k] for k in ("DEBUG", "DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    )
    import django

    django.setup()
    import tempfile

    baseline: dict[str, float] = {}
    worst = 0.0
    print(
        f"{'case':28} {'file':>9} {'peak MB':>8} {'RSS+ MB':>8} {'x base':>7}  outcome"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for name, (kind, build, is_base) in CASES.items():
            data = build(args.mb)
            path = Path(tmp) / "upload.bin"
            path.write_bytes(data)
            out = subprocess.run(
                [sys.executable, __file__, "--one", kind, str(path)],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if out.returncode:
                print(f"{name}: the subprocess failed\n{out.stderr[-2000:]}")
                return 1
            result = json.loads(out.stdout.strip().splitlines()[-1])
            peak = result["peak"] / MB
            if is_base:
                baseline[kind] = peak
            worst = max(worst, peak) if not is_base else worst
            ratio = peak / baseline[kind] if baseline.get(kind) else float("nan")
            print(
                f"{name:28} {len(data) / 1024:>7.0f}KB {peak:>8.1f} "
                f"{result['rss_growth'] / MB:>8.1f} {ratio:>7.2f}  {result['outcome'][:90]}"
            )
    verdict = "PASS" if worst < LIMIT_MB else "FAIL"
    print(f"worst hostile peak {worst:.1f} MB (limit {LIMIT_MB} MB): {verdict}")
    return 0 if worst < LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())
