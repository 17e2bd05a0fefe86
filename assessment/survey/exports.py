"""Researcher exports of the respondent file: weights, replicate weights, plausible values.

Only pseudonymous ids leave the platform (no user, session or invitation ids). Every
format carries the codebook: CSV as a second file in a zip, XLSX as a second sheet, SPSS
``.sav`` and Stata ``.dta`` as variable and value labels (written by pyreadstat).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import zipfile
from dataclasses import dataclass

import numpy as np

from assessment.survey.models import Respondent, ScoreSet, WeightSet, unpack_arrays
from learning_platform.security.spreadsheet import csv_safe_row, xlsx_safe_row

FORMATS = ("csv", "xlsx", "sav", "dta")
# The download's extension (a CSV comes as a zip with its codebook); the content type
# follows from it in learning_platform.downloads.
EXTENSIONS = {"csv": "zip", "xlsx": "xlsx", "sav": "sav", "dta": "dta"}


@dataclass(frozen=True)
class RespondentFile:
    columns: list[str]
    labels: dict[str, str]
    value_labels: dict[str, dict[int, str]]  # coded columns: code -> label
    rows: list[list]  # values; coded columns hold integer codes


def respondent_file(
    *, campaign, weight_set: WeightSet | None = None, score_set: ScoreSet | None = None
) -> RespondentFile:
    """Build the respondent file of a campaign from its latest (or given) weights and scores."""
    ws = weight_set or WeightSet.objects.filter(campaign=campaign).first()
    if ws is None:
        raise LookupError("the campaign has no weights yet")
    w = unpack_arrays(ws.arrays)
    ss = score_set or ScoreSet.objects.filter(campaign=campaign).first()
    scores = unpack_arrays(ss.arrays) if ss is not None else {}
    people = {
        r.pseudo_id: r
        for r in Respondent.objects.filter(campaign=campaign, responded=True)
    }
    pseudo = [str(p) for p in w["pseudo_id"]]
    if scores and [str(p) for p in scores["pseudo_id"]] != pseudo:
        scores = {}  # scores of another respondent set are not joined
    coded = {
        "district_code": "District (division code)",
        "age_band": "Age band",
        "sex": "Sex",
        "education": "Highest education",
    }
    value_labels: dict[str, dict[int, str]] = {}
    codes_of: dict[str, dict[str, int]] = {}
    for col in coded:
        values = sorted({getattr(p, col) or "" for p in people.values()})
        codes_of[col] = {v: k + 1 for k, v in enumerate(values)}
        value_labels[col] = {k + 1: (v or "missing") for k, v in enumerate(values)}
    columns = ["pseudo_id", *coded, "weight_final"]
    labels = {
        "pseudo_id": "Pseudonymous respondent id",
        **coded,
        "weight_final": "Final weight (base, non-response, raked, trimmed)",
    }
    rep = w["replicates"]
    for r in range(rep.shape[1]):
        columns.append(f"repwt{r + 1}")
        labels[f"repwt{r + 1}"] = f"JK2 replicate weight {r + 1}"
    domains = [k[3:] for k in scores if k.startswith("pv_")]
    for d in domains:
        for m in range(scores[f"pv_{d}"].shape[1]):
            columns.append(f"pv{m + 1}_{d}")
            labels[f"pv{m + 1}_{d}"] = f"Plausible value {m + 1}, domain {d}"
        columns += [f"eap_{d}", f"psd_{d}"]
        labels[f"eap_{d}"] = f"EAP ability, domain {d} (not for population estimates)"
        labels[f"psd_{d}"] = f"Posterior SD, domain {d}"
    rows = []
    for i, pid in enumerate(pseudo):
        p = people[pid]
        row: list = [
            pid,
            *(codes_of[c][getattr(p, c) or ""] for c in coded),
            float(w["final"][i]),
            *(float(x) for x in rep[i]),
        ]
        for d in domains:
            row += [float(x) for x in scores[f"pv_{d}"][i]]
            row += [float(scores[f"eap_{d}"][i]), float(scores[f"sd_{d}"][i])]
        rows.append(row)
    return RespondentFile(columns, labels, value_labels, rows)


def _codebook_rows(f: RespondentFile) -> list[list[str]]:
    out = [["variable", "label", "value", "value_label"]]
    for col in f.columns:
        out.append([col, f.labels[col], "", ""])
        for code, lab in f.value_labels.get(col, {}).items():
            out.append([col, "", str(code), lab])
    return out


def render(f: RespondentFile, fmt: str) -> bytes:
    """Return the file in ``fmt`` (csv → zip of data and codebook, xlsx, sav, dta)."""
    if fmt not in FORMATS:
        raise ValueError(
            f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}"
        )
    if fmt == "csv":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, rows in (
                ("respondents.csv", [f.columns, *f.rows]),
                ("codebook.csv", _codebook_rows(f)),
            ):
                s = io.StringIO()
                csv.writer(s).writerows(csv_safe_row(r) for r in rows)
                z.writestr(name, s.getvalue().encode("utf-8-sig"))
        return buf.getvalue()
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        data = wb.create_sheet("respondents")
        data.append(xlsx_safe_row(data, f.columns))
        for row in f.rows:
            data.append(xlsx_safe_row(data, row))
        book = wb.create_sheet("codebook")
        for row in _codebook_rows(f):
            book.append(xlsx_safe_row(book, row))
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()
    import pandas as pd
    import pyreadstat

    df = pd.DataFrame(f.rows, columns=f.columns)
    for col in f.value_labels:
        df[col] = df[col].astype(np.int32)
    fd, path = tempfile.mkstemp(suffix="." + fmt)
    os.close(fd)
    try:
        if fmt == "sav":
            pyreadstat.write_sav(
                df, path, column_labels=f.labels, variable_value_labels=f.value_labels
            )
        else:
            pyreadstat.write_dta(
                df, path, column_labels=f.labels, variable_value_labels=f.value_labels
            )
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(path)
