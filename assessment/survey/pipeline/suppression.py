"""Which roll-up cells are withheld: primary, complementary and aggregate-level suppression."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from psychometrics.survey import suppress_cells
from psychometrics.survey.suppression import protect_aggregates


@dataclass(frozen=True)
class Atoms:
    """The smallest non-empty groups of respondents the published cells are sums of.

    One atom per combination of district and every breakdown's category that holds at
    least one respondent; ``values[b][i]`` is atom ``i``'s category of breakdown ``b``.
    """

    district: np.ndarray
    values: dict[str, np.ndarray]


def atoms_of(
    district: np.ndarray, breakdowns: Mapping[str, np.ndarray] | None
) -> Atoms:
    """Atoms of a roll-up's respondents (labels as the roll-up's cells spell them)."""
    cols = [np.asarray(district).astype(str)]
    names = list(breakdowns or {})
    cols += [np.asarray(breakdowns[b]).astype(str) for b in names]
    if cols[0].size == 0:
        return Atoms(
            np.array([], dtype=str), {b: np.array([], dtype=str) for b in names}
        )
    uniq = np.unique(np.stack(cols, axis=1), axis=0)
    return Atoms(uniq[:, 0], {b: uniq[:, 1 + i] for i, b in enumerate(names)})


def apply_suppression(
    cells: list[dict[str, Any]], threshold: int, atoms: Atoms
) -> None:
    """Mark cells withheld; the same decision applies to every indicator of a group.

    Groups are districts, the city, and each breakdown's district × category and city
    × category cells, all published together. Tables get the classical primary and
    complementary suppression first (:func:`suppress_cells`: districts with the city
    total; each breakdown with district and city-by-category totals, empty cells known
    to be empty); then every group is checked against everything published at once
    (:func:`protect_aggregates`), over the atoms, and more cells are withheld until no
    withheld figure follows from published ones by subtraction, whichever tables it
    takes.
    """
    n_of: dict[tuple[str, str, str], int] = {}
    for c in cells:
        key = (c["district_code"], c["breakdown"], c["breakdown_value"])
        n_of[key] = min(n_of.get(key, c["n"]), c["n"])
    if not n_of:
        return
    districts = sorted({k[0] for k in n_of if k[0]})
    initial: set[tuple[str, str, str]] = set()
    if len(districts) > 1:
        col = np.array([[n_of.get((dc, "", ""), 0)] for dc in districts])
        if (col < threshold).any():
            try:
                s = suppress_cells(
                    col, threshold=threshold, row_totals=False, column_totals=True
                )
                initial |= {
                    (dc, "", "") for i, dc in enumerate(districts) if s.mask[i, 0]
                }
            except ValueError:
                pass  # left to the check over everything published below
    for bname in sorted({k[1] for k in n_of if k[1]}):
        cats = sorted({k[2] for k in n_of if k[1] == bname})
        table = np.array(
            [[n_of.get((dc, bname, v), 0) for v in cats] for dc in districts]
        )
        if table.size == 0 or not ((table > 0) & (table < threshold)).any():
            continue
        try:
            s = suppress_cells(
                table,
                threshold=threshold,
                row_totals=True,
                column_totals=len(districts) > 1,
            )
        except ValueError:
            continue  # an unprotectable table: the check below withholds its totals too
        initial |= {
            (dc, bname, v)
            for i, dc in enumerate(districts)
            for j, v in enumerate(cats)
            if s.mask[i, j] and table[i, j] > 0
        }
    keys = sorted(n_of)
    coverage = np.ones((len(keys), atoms.district.size), dtype=bool)
    for g, (dc, bname, v) in enumerate(keys):
        if dc:
            coverage[g] &= atoms.district == dc
        if bname:
            coverage[g] &= atoms.values[bname] == v
    reason = protect_aggregates(
        coverage,
        np.array([n_of[k] for k in keys]),
        threshold=threshold,
        withheld=np.array([k in initial for k in keys]),
    )
    decision = {k: str(r) for k, r in zip(keys, reason, strict=True) if r}
    for c in cells:
        key = (c["district_code"], c["breakdown"], c["breakdown_value"])
        if key in decision:
            c["suppressed"] = True
            c["suppression_reason"] = decision[key]
            for f in ("estimate", "se", "ci_low", "ci_high"):
                c[f] = None
