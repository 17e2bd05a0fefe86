"""Review evidence of a calibration: item fit, DIF, linking error and drift.

A reviewer approves a parameter set on this evidence (nothing here touches the
database): per item infit/outfit (with ZSTD), Orlando–Thissen S-X² with its p-value
(per booklet, each item in the largest booklet that holds it), Mantel–Haenszel and
logistic-regression DIF by sex, age band and district group with the ETS A/B/C class,
and, for a linked wave, the linking error and the common items whose location drifted.

Flag rules (stated in the evidence so the review page can show them):

- fit: infit or outfit outside [0.7, 1.3], or S-X² p < 0.01;
- DIF: ETS class C by Mantel–Haenszel, or Jodoin–Gierl class C by logistic regression;
- drift: a common item's location moved more than 0.5 logit from the previous wave.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from psychometrics.dif import dif_by_group
from psychometrics.fit import item_fit, s_x2
from psychometrics.irt import ItemParameters
from psychometrics.scoring import estimate_ability

from .base import Progress, _quiet

FIT_RANGE = (0.7, 1.3)
SX2_ALPHA = 0.01
DRIFT_LOGITS = 0.5
MIN_BOOKLET = 100
# Shanghai's seven central urban districts (中心城区); the other nine are suburban.
CENTRAL_DISTRICTS = frozenset(
    {"310101", "310104", "310105", "310106", "310107", "310109", "310110"}
)


def district_group(codes: Sequence[str]) -> np.ndarray:
    """``central`` for a central urban district, ``suburban`` otherwise."""
    return np.array(
        ["central" if str(c) in CENTRAL_DISTRICTS else "suburban" for c in codes],
        dtype=object,
    )


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


def _locations(p: ItemParameters) -> np.ndarray:
    thr = np.asarray(p.thresholds, dtype=np.float64)
    return np.nanmean(thr, axis=1)


def _sx2_by_booklet(x: np.ndarray, p: ItemParameters) -> dict[str, dict[str, Any]]:
    """S-X² of every item in the largest booklet (missingness pattern) that holds it."""
    out: dict[str, dict[str, Any]] = {}
    administered = ~np.isnan(x)
    patterns, inverse, counts = np.unique(
        administered, axis=0, return_inverse=True, return_counts=True
    )
    for k in np.argsort(-counts):
        cols = np.flatnonzero(patterns[k])
        if counts[k] < MIN_BOOKLET or cols.size < 3:
            continue
        if all(p.item_ids[j] in out for j in cols):
            continue
        rows = np.flatnonzero(inverse.reshape(-1) == k)
        try:
            res = s_x2(x[np.ix_(rows, cols)], p.subset(cols))
        except ValueError:
            continue
        for pos, j in enumerate(cols):
            iid = p.item_ids[j]
            if iid not in out:
                out[iid] = {
                    "s_x2": _num(res.s_x2[pos]),
                    "df": int(res.df[pos]),
                    "p_value": _num(res.p_value[pos]),
                    "n_booklet": int(counts[k]),
                }
    return out


def _dif(
    x: np.ndarray, p: ItemParameters, groups: Mapping[str, np.ndarray]
) -> dict[str, dict[str, dict[str, Any]]]:
    """item id -> grouping -> {"mh": {focal: class}, "logistic": {focal: class}, ...}."""
    dich = np.flatnonzero(np.asarray(p.n_categories) == 2)
    out: dict[str, dict[str, dict[str, Any]]] = {}
    if dich.size == 0:
        return out
    xd = x[:, dich]
    ids = [p.item_ids[j] for j in dich]
    for name, g in groups.items():
        g = np.asarray(g, dtype=object)
        if len({v for v in g.tolist() if v is not None}) < 2:
            continue
        for method in ("mh", "logistic"):
            try:
                results = dif_by_group(xd, g, method=method, item_ids=ids)
            except ValueError:
                continue
            for focal, res in results.items():
                classes = res.ets_class if method == "mh" else res.jodoin_gierl_class
                for pos, iid in enumerate(ids):
                    entry = out.setdefault(iid, {}).setdefault(
                        name, {"mh": {}, "logistic": {}}
                    )
                    entry[method][focal] = classes[pos]
                    if method == "mh":
                        entry.setdefault("mh_delta", {})[focal] = _num(res.delta[pos])
                        entry.setdefault("mh_p", {})[focal] = _num(res.p_value[pos])
                    else:
                        entry.setdefault("logistic_p", {})[focal] = _num(
                            res.p_total[pos]
                        )
    return out


def _worst(classes: Mapping[str, str]) -> str:
    return max(classes.values(), default="A")


def calibration_evidence(
    responses: Mapping[str, np.ndarray],
    params: Mapping[str, ItemParameters],
    *,
    groups: Mapping[str, np.ndarray],
    linking: Mapping[str, Mapping[str, Any]] | None = None,
    previous: Mapping[str, ItemParameters] | None = None,
    progress: Progress = _quiet,
) -> dict[str, Any]:
    """Fit, DIF, linking and drift of every item of every domain, with flags.

    Returns ``{"rules": ..., "items": {item_id: {...}}, "domains": {d: {...}},
    "flagged": [item ids]}``; each item holds ``fit`` (infit, outfit, their ZSTD, n,
    S-X², df, p), ``dif`` per grouping, ``drift`` (for a linked common item) and
    ``flags`` (``misfit``, ``sx2``, ``dif_sex``, ``dif_age_band``, ...,  ``drift``).
    """
    items: dict[str, dict[str, Any]] = {}
    domains: dict[str, dict[str, Any]] = {}
    ds = list(params)
    for k, d in enumerate(ds):
        x = np.asarray(responses[d], dtype=np.float64)
        p = params[d]
        keep = ~np.isnan(x).all(axis=1)
        xk = x[keep]
        progress(k / max(len(ds), 1), f"evidence for {d}: fit")
        theta = estimate_ability(xk, p, method="eap").theta
        fit = item_fit(xk, p, theta)
        sx2 = _sx2_by_booklet(xk, p)
        progress((k + 0.5) / max(len(ds), 1), f"evidence for {d}: DIF")
        dif = _dif(
            xk,
            p,
            {name: np.asarray(g, dtype=object)[keep] for name, g in groups.items()},
        )
        drift: dict[str, float] = {}
        prev = (previous or {}).get(d)
        link = dict((linking or {}).get(d) or {})
        if prev is not None and "common_item_ids" in link:
            new_loc = dict(zip(p.item_ids, _locations(p), strict=True))
            old_loc = dict(zip(prev.item_ids, _locations(prev), strict=True))
            for iid in link["common_item_ids"]:
                if iid in new_loc and iid in old_loc:
                    drift[iid] = float(new_loc[iid] - old_loc[iid])
        drifted = sorted(i for i, v in drift.items() if abs(v) > DRIFT_LOGITS)
        for j, iid in enumerate(p.item_ids):
            f = {
                "infit": _num(fit.infit[j]),
                "outfit": _num(fit.outfit[j]),
                "infit_zstd": _num(fit.infit_zstd[j]),
                "outfit_zstd": _num(fit.outfit_zstd[j]),
                "n": int(fit.n[j]),
                **sx2.get(iid, {"s_x2": None, "df": None, "p_value": None}),
            }
            flags = []
            lo, hi = FIT_RANGE
            if any(
                v is not None and not lo <= v <= hi for v in (f["infit"], f["outfit"])
            ):
                flags.append("misfit")
            if f["p_value"] is not None and f["p_value"] < SX2_ALPHA:
                flags.append("sx2")
            item_dif = dif.get(iid, {})
            for name, entry in item_dif.items():
                entry["mh_class"] = _worst(entry["mh"])
                entry["logistic_class"] = _worst(entry["logistic"])
                if "C" in (entry["mh_class"], entry["logistic_class"]):
                    flags.append(f"dif_{name}")
            if iid in drifted:
                flags.append("drift")
            items[iid] = {
                "domain": d,
                "fit": f,
                "dif": item_dif,
                "drift": drift.get(iid),
                "flags": flags,
            }
        domains[d] = {
            "n_persons": int(keep.sum()),
            "n_items": p.n_items,
            "linking_error": _num(link.get("linking_error")),
            "linking_method": link.get("method"),
            "n_common": len(link.get("common_item_ids") or []),
            "linking_note": link.get("error", ""),
            "drifted": drifted,
        }
    progress(1.0, "evidence done")
    return {
        "rules": {
            "fit_range": list(FIT_RANGE),
            "sx2_alpha": SX2_ALPHA,
            "dif": "ETS class C (Mantel–Haenszel) or Jodoin–Gierl class C (logistic)",
            "drift_logits": DRIFT_LOGITS,
            "district_group": "central = the seven central urban districts",
        },
        "items": items,
        "domains": domains,
        "flagged": sorted((i for i, v in items.items() if v["flags"]), key=str),
    }
