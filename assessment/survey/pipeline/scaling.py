"""Item calibration linked to the reporting scale, and plausible values per domain."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assessment.survey.pipeline.base import N_DRAWS, Cancelled, Progress, _quiet
from psychometrics import ItemParameters, MMLCalibrator, plausible_values
from psychometrics._validation import ConvergenceWarning
from psychometrics.calibration import CalibrationCancelled
from psychometrics.linking import link
from psychometrics.survey.background import background_design


# ---------------------------------------------------------------- calibration
@dataclass(frozen=True)
class CalibrationResult:
    params: dict[str, ItemParameters]
    report: dict[str, Any]
    linking: dict[str, dict[str, Any]] = field(default_factory=dict)


def _models_for(x: np.ndarray) -> list[str]:
    top = np.nanmax(x, axis=0)
    return ["2pl" if k <= 1 else "gpcm" for k in top]


def calibrate(
    responses: Mapping[str, np.ndarray],
    item_ids: Mapping[str, Sequence],
    *,
    weights: np.ndarray | None = None,
    previous: Mapping[str, ItemParameters] | None = None,
    groups: np.ndarray | None = None,
    progress: Progress = _quiet,
    max_iter: int = 500,
) -> CalibrationResult:
    """Concurrent calibration of every booklet per domain, linked to a previous wave.

    ``responses[d]`` is persons × items with ``nan`` where a booklet did not hold the
    item. With ``previous[d]`` (the last wave's parameters on the reporting scale), the
    new calibration is linked to it through the common items (Stocking–Lord) and the
    jackknife linking error is reported. With ``groups`` (one label per person, e.g.
    the district) each group gets a normal latent distribution of its own mean and SD
    (multi-group MML, as PIAAC calibrates by country and language), so the items are
    not fitted against one normal for a population that is a mixture.
    """
    params: dict[str, ItemParameters] = {}
    report: dict[str, Any] = {}
    linking: dict[str, dict[str, Any]] = {}
    domains = list(responses)
    for k, d in enumerate(domains):
        x = np.asarray(responses[d], dtype=np.float64)
        ids = [str(i) for i in item_ids[d]]
        if x.ndim != 2 or x.shape[1] != len(ids):
            raise ValueError(
                f"domain {d!r}: responses {x.shape} do not match {len(ids)} items"
            )
        keep = ~np.isnan(x).all(axis=1)
        start, span = k / len(domains), 1 / len(domains)

        def callback(it: int, ll: float, *, _s=start, _d=d, _w=span) -> bool:
            try:
                progress(
                    _s + _w * min(it / 60, 0.95), f"calibrating {_d}: EM step {it}"
                )
            except Cancelled:
                return False
            return True

        cal = MMLCalibrator(
            _models_for(x[keep]),
            item_ids=ids,
            max_iter=max_iter,
            callback=callback,
            standard_errors="xpd",
        )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                cal.fit(
                    x[keep],
                    sample_weight=None if weights is None else weights[keep],
                    groups=None if groups is None else np.asarray(groups)[keep],
                )
        except CalibrationCancelled as exc:
            raise Cancelled(f"calibration of {d} cancelled") from exc
        p = cal.item_params_
        prev = (previous or {}).get(d)
        if prev is not None:
            common = sorted(set(prev.item_ids) & set(p.item_ids))
            if len(common) >= 3:
                res = link(p, prev, method="stocking_lord", common_item_ids=common)
                p = res.transform_parameters(p)
                linking[d] = res.to_dict()
            else:
                linking[d] = {"error": f"only {len(common)} common items; not linked"}
        params[d] = p
        se = cal.standard_errors_
        report[d] = {
            "n_persons": int(keep.sum()),
            "n_items": len(ids),
            "n_iter": int(cal.n_iter_),
            "converged": bool(cal.converged_),
            "log_likelihood": float(cal.log_likelihood_),
            "se": None
            if se is None
            else {
                "a": [None if np.isnan(v) else float(v) for v in se.a],
                "b": [None if np.isnan(v) else float(v) for v in se.b],
            },
        }
        progress(start + span, f"calibrated {d}")
    return CalibrationResult(params, report, linking)


def params_to_json(p: ItemParameters) -> dict[str, Any]:
    return p.to_dict()


def params_from_json(d: Mapping[str, Any]) -> ItemParameters:
    return ItemParameters.from_dict(d)


# ---------------------------------------------------------------- scoring
@dataclass(frozen=True)
class ScoreResult:
    pv: dict[str, np.ndarray]  # (n, M)
    eap: dict[str, np.ndarray]
    sd: dict[str, np.ndarray]
    report: dict[str, Any]


def score(
    responses: Mapping[str, np.ndarray],
    item_ids: Mapping[str, Sequence],
    params: Mapping[str, ItemParameters],
    *,
    background: np.ndarray | None,
    categorical: Sequence[int] = (),
    groups: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    conditioning: Mapping[str, np.ndarray] | None = None,
    n_draws: int = N_DRAWS,
    n_components: float = 0.9,
    seed: int = 7,
    progress: Progress = _quiet,
) -> ScoreResult:
    """Plausible values (continuous draws) from a latent regression per domain.

    The regression conditions on the principal components keeping ``n_components`` of
    the background questionnaire's variance, district dummies (so district means are
    not shrunk to the city mean) and the ``conditioning`` variables' dummies, with a
    residual variance per district.
    """
    rng = np.random.default_rng(seed)
    # age band, sex, ... enter as dummies beside the background's principal components,
    # so no design contrast is lost to the PCA (as PIAAC conditions)
    covariates = (
        np.column_stack([np.asarray(v).astype(str) for v in conditioning.values()])
        if conditioning
        else None
    )
    pv, eap, sd, report = {}, {}, {}, {}
    domains = list(responses)
    # the conditioning design (PCA of the questionnaire, dummies) is the same for every
    # domain: built once
    n_persons = next(iter(responses.values())).shape[0] if responses else 0
    design, _pca = background_design(
        background,
        categorical=categorical,
        n_components=n_components,
        groups=groups,
        covariates=covariates,
        n=n_persons,
    )
    for k, d in enumerate(domains):
        progress(k / len(domains), f"plausible values: {d}")
        p = params[d]
        ids = [str(i) for i in item_ids[d]]
        pos = {iid: j for j, iid in enumerate(p.item_ids)}
        missing = [i for i in ids if i not in pos]
        if missing:
            raise ValueError(f"domain {d!r}: items {missing[:5]} have no parameters")
        sub = p.subset([pos[i] for i in ids])
        res = plausible_values(
            responses[d],
            sub,
            background,
            groups=groups,
            covariates=covariates,
            sample_weight=weights,
            n_draws=n_draws,
            rng=rng,
            categorical=categorical,
            n_components=n_components,
            design=design,
        )
        pv[d], eap[d], sd[d] = res.values, res.posterior_mean, res.posterior_sd
        m = res.model
        report[d] = {
            "sigma": float(m.sigma_),
            "n_features": int(m.coef_.size),
            "group_sigma": (
                None
                if m.group_sigma_ is None
                else dict(
                    zip(
                        m.group_labels_.tolist(),
                        m.group_sigma_.round(4).tolist(),
                        strict=True,
                    )
                )
            ),
            "n_iter": int(m.n_iter_),
            "converged": bool(m.converged_),
        }
    progress(1.0, "plausible values done")
    return ScoreResult(pv, eap, sd, report)
