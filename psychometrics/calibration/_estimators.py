"""scikit-learn style calibration estimators (marginal maximum likelihood)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Self

import numpy as np

from .._base import BaseEstimator
from .._typing import ArrayLike, FloatArray, IntArray
from .._validation import (
    ConvergenceWarning,
    ResponseError,
    check_is_fitted,
    check_responses,
    check_sample_weight,
)
from ..irt import DICHOTOMOUS, MODELS, ItemParameters, log_likelihood
from ..scoring import estimate_ability
from . import _blocks, _se
from ._blocks import Block
from ._em import Design, State, posterior, run_em


@dataclass(frozen=True, repr=False)
class ItemStandardErrors:
    """Standard errors of reported item parameters, one row per item (nan: fixed).

    Attributes
    ----------
    a, b, c : ndarray of shape (n_items,)
    thresholds : ndarray of shape (n_items, max_categories - 1), nan-padded
    item_ids : tuple of str
    method : str
        ``"louis"`` (observed information) or ``"xpd"`` (cross-product).
    """

    a: FloatArray
    b: FloatArray
    c: FloatArray
    thresholds: FloatArray
    item_ids: tuple[str, ...]
    method: str

    def item(self, j: int) -> dict[str, Any]:
        """JSON-friendly SEs of item ``j``."""
        thr = [float(t) for t in self.thresholds[j] if not np.isnan(t)]
        return {
            "a": float(self.a[j]),
            "b": float(self.b[j]),
            "c": float(self.c[j]),
            "thresholds": thr,
        }

    def __repr__(self) -> str:
        return f"ItemStandardErrors(n_items={self.a.size}, method={self.method!r}, median se(b)={np.nanmedian(self.b):.3f})"  # noqa: E501


def _check_models(models: str | Sequence[str], n_items: int) -> tuple[str, ...]:
    out = (models,) * n_items if isinstance(models, str) else tuple(models)
    out = tuple(m.lower() for m in out)
    if len(out) != n_items:
        raise ValueError(
            f"models has {len(out)} entries but responses have {n_items} items"
        )
    bad = [m for m in out if m not in MODELS]
    if bad:
        raise ValueError(f"unknown model {bad[0]!r}; choose from {MODELS}")
    return out


def _pair(value: Sequence[float] | None) -> tuple[float, float] | None:
    if value is None:
        return None
    first, second = (float(v) for v in value)
    return first, second


class MMLCalibrator(BaseEstimator):
    """Item calibration by marginal maximum likelihood (Bock–Aitkin EM).

    Any mix of ``rasch``, ``2pl``, ``3pl``, ``grm`` and ``gpcm`` items in one run.
    Responses not administered (``nan``) are skipped, which keeps booklet,
    multistage and adaptive designs unbiased (the design is ignorable when
    administration depends only on observed responses). Several groups get their
    own normal latent distribution; the reference group is N(0, 1) unless anchors
    or Rasch items fix the scale, in which case its mean (anchors) and SD
    (anchors or Rasch items) are estimated too.

    Parameters
    ----------
    models : str or sequence of str, default="2pl"
        One model for all items or one per item.
    n_quadrature : int, default=41
        Equally spaced nodes on ``±quadrature_bound``.
    quadrature_bound : float, default=6.0
    max_iter : int, default=500
        Maximum number of EM steps (E-steps).
    tol : float, default=1e-4
        Stop when no internal parameter moves more than ``tol`` in one EM step.
    prior_a : tuple of float or None, default=None
        ``(mean, sd)`` of a lognormal prior on slopes (``log a ~ N(mean, sd²)``).
    prior_c : tuple of float or None, default=(5.0, 17.0)
        Beta prior on the 3PL lower asymptote.
    fixed : ItemParameters or None, default=None
        Anchor items with known parameters, matched to columns by ``item_ids``.
    item_ids : sequence of str or None, default=None
        Column names (default ``"0", "1", ...``).
    reference_group : object or None, default=None
        Label of the group fixed for identification (default: first sorted label).
    standard_errors : {"louis", "xpd", None}, default="louis"
        Observed information by Louis's identity, the cross-product approximation,
        or none.
    accelerate : bool, default=True
        SQUAREM extrapolation of the EM map.
    callback : callable or None, default=None
        ``callback(iteration, log_likelihood)``; returning ``False`` (or raising
        :class:`CalibrationCancelled`) stops the fit with ``CalibrationCancelled``.

    Attributes
    ----------
    item_params_ : ItemParameters
    standard_errors_ : ItemStandardErrors or None
    covariance_ : ndarray of shape (n_free_params, n_free_params) or None
        Covariance of the internal (slope-intercept) parameters.
    log_likelihood_ : float
        Weighted marginal log-likelihood at the estimates (without priors).
    history_ : list of float
        Penalised marginal log-likelihood at every E-step.
    n_iter_ : int
    converged_ : bool
    groups_ : ndarray of shape (n_groups,)
    group_means_, group_sds_ : ndarray of shape (n_groups,)
    quadrature_ : ndarray of shape (n_quadrature,)

    References
    ----------
    .. [1] Bock, R. D., & Aitkin, M. (1981). *Psychometrika*, 46(4), 443-459.
    .. [2] Louis, T. A. (1982). *JRSS B*, 44(2), 226-233.
    .. [3] Varadhan, R., & Roland, C. (2008). *Scand. J. Statist.*, 35(2), 335-353.
    """

    def __init__(
        self,
        models: str | Sequence[str] = "2pl",
        *,
        n_quadrature: int = 41,
        quadrature_bound: float = 6.0,
        max_iter: int = 500,
        tol: float = 1e-4,
        prior_a: tuple[float, float] | None = None,
        prior_c: tuple[float, float] | None = (5.0, 17.0),
        fixed: ItemParameters | None = None,
        item_ids: Sequence[str] | None = None,
        reference_group: Any = None,
        standard_errors: str | None = "louis",
        accelerate: bool = True,
        callback: Callable[[int, float], object] | None = None,
    ) -> None:
        self.models = models
        self.n_quadrature = n_quadrature
        self.quadrature_bound = quadrature_bound
        self.max_iter = max_iter
        self.tol = tol
        self.prior_a = prior_a
        self.prior_c = prior_c
        self.fixed = fixed
        self.item_ids = item_ids
        self.reference_group = reference_group
        self.standard_errors = standard_errors
        self.accelerate = accelerate
        self.callback = callback

    # ------------------------------------------------------------------ helpers
    def _model_list(self, n_items: int) -> tuple[str, ...]:
        return _check_models(self.models, n_items)

    def _validate(
        self, responses: ArrayLike
    ) -> tuple[FloatArray, tuple[str, ...], tuple[str, ...], IntArray]:
        arr = (
            np.asarray(responses, dtype=np.float64)
            if not isinstance(responses, np.ndarray)
            else responses
        )
        if arr.ndim != 2:
            check_responses(arr)  # raises the shape error
        n_items = int(arr.shape[1])
        models = self._model_list(n_items)
        ids = (
            tuple(str(i) for i in self.item_ids)
            if self.item_ids is not None
            else tuple(str(j) for j in range(n_items))
        )
        if len(ids) != n_items:
            raise ValueError(
                f"item_ids has {len(ids)} entries but responses have {n_items} items"
            )
        dich = np.array([m in DICHOTOMOUS for m in models])
        kcap = np.where(dich, 2, np.iinfo(np.int32).max)
        x = check_responses(
            arr,
            kcap,
            item_ids=ids,
            require_item_responses=True,
            require_person_responses=True,
        )
        kmax = np.nanmax(x, axis=0).astype(np.int64) + 1
        ncat = np.where(dich, 2, kmax)
        for j in range(n_items):
            col = x[:, j]
            seen = np.bincount(col[~np.isnan(col)].astype(np.int64), minlength=ncat[j])
            empty = np.flatnonzero(seen[: ncat[j]] == 0)
            if empty.size:
                raise ResponseError(
                    f"item {ids[j]!r} (column {j}): nobody chose category {int(empty[0])}; "
                    f"a {models[j]} item needs every category 0..{ncat[j] - 1} observed",
                    column=j,
                )
        return x, models, ids, ncat

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        responses: ArrayLike,
        y: None = None,
        *,
        sample_weight: ArrayLike | None = None,
        groups: ArrayLike | None = None,
    ) -> Self:
        """Estimate item parameters (and group distributions).

        Parameters
        ----------
        responses : array_like of shape (n_persons, n_items)
            Codes ``0..K_j-1``, ``nan`` = not administered.
        y : None
            Ignored (scikit-learn API).
        sample_weight : array_like of shape (n_persons,), optional
            Case (survey) weights, finite and ``>= 0``.
        groups : array_like of shape (n_persons,), optional
            Group label of every person (wave, district...).

        Returns
        -------
        self
        """
        for attr in [
            k for k in vars(self) if k.endswith("_") and not k.startswith("_")
        ]:
            delattr(self, attr)
        x, models, ids, ncat = self._validate(responses)
        n, n_items = x.shape
        w = check_sample_weight(sample_weight, n)
        if groups is None:
            labels, gidx = np.array([0]), np.zeros(n, dtype=np.int64)
        else:
            g = np.asarray(groups)
            if g.shape != (n,):
                raise ValueError(f"groups has shape {g.shape}, expected ({n},)")
            labels, gidx = np.unique(g, return_inverse=True)
        ref = 0
        if self.reference_group is not None:
            hit = np.flatnonzero(labels == self.reference_group)
            if hit.size == 0:
                raise ValueError(
                    f"reference_group {self.reference_group!r} is not in groups"
                )
            ref = int(hit[0])
        # anchors
        fixed_cols: dict[int, int] = {}
        if self.fixed is not None:
            pos = {iid: j for j, iid in enumerate(ids)}
            for k, iid in enumerate(self.fixed.item_ids):
                if iid not in pos:
                    raise ValueError(f"fixed item {iid!r} is not among the item_ids")
                fixed_cols[pos[iid]] = k
        blocks: list[Block] = []
        kinds = sorted(
            {(models[j], int(ncat[j]), j in fixed_cols) for j in range(n_items)}
        )
        for model, k, is_fixed in kinds:
            cols = np.array(
                [
                    j
                    for j in range(n_items)
                    if models[j] == model
                    and ncat[j] == k
                    and (j in fixed_cols) == is_fixed
                ]  # noqa: E501
            )
            if is_fixed:
                assert self.fixed is not None
                fp = self.fixed.subset([fixed_cols[j] for j in cols])
                if any(m != model for m in fp.models) or np.any(fp.n_categories != k):
                    raise ValueError(
                        f"fixed items {fp.item_ids} do not match model {model!r} with {k} categories"
                    )  # noqa: E501
                params = _blocks.from_reported(
                    model, fp.a, fp.c, fp.thresholds[:, : k - 1]
                )
            else:
                params = _blocks.start_values(model, k, x[:, cols], w)
            blocks.append(
                Block(
                    model=model,
                    n_categories=k,
                    columns=cols,
                    params=params,
                    prior_a=_pair(self.prior_a),
                    prior_c=_pair(self.prior_c),
                    fixed=is_fixed,
                )
            )
        n_groups = labels.size
        free_mean = np.ones(n_groups, dtype=bool)
        free_sd = np.ones(n_groups, dtype=bool)
        any_rasch = any(b.model == "rasch" and not b.fixed for b in blocks)
        free_mean[ref] = bool(fixed_cols)
        free_sd[ref] = bool(fixed_cols) or any_rasch
        state = State(blocks, np.zeros(n_groups), np.ones(n_groups), free_mean, free_sd)
        design = Design.build(x, w, gidx.astype(np.int64), n_groups)
        theta = np.linspace(
            -self.quadrature_bound, self.quadrature_bound, self.n_quadrature
        )
        result = run_em(
            design,
            state,
            theta,
            max_iter=self.max_iter,
            tol=self.tol,
            accelerate=self.accelerate,
            callback=self.callback,
        )
        if not result.converged:
            warnings.warn(
                f"{type(self).__name__} did not converge in {self.max_iter} EM iterations "
                f"(tol={self.tol}); increase max_iter",
                ConvergenceWarning,
                stacklevel=2,
            )
        final = result.state
        _, ll_person = posterior(design, final, theta)
        self._set_results(final, models, ids, ncat)
        self.log_likelihood_ = float(w @ ll_person)
        self.history_ = result.history
        self.n_iter_ = result.n_iter
        self.converged_ = result.converged
        self.groups_ = labels
        self.group_means_ = final.means.copy()
        self.group_sds_ = final.sds.copy()
        self.quadrature_ = theta
        self.reference_group_index_ = ref
        self.covariance_ = None
        self.standard_errors_ = None
        if self.standard_errors is not None:
            if self.standard_errors not in ("louis", "xpd"):
                raise ValueError("standard_errors must be 'louis', 'xpd' or None")
            info = _se.observed_information(
                design, final, theta, method=self.standard_errors
            )
            self.covariance_ = _se.covariance(info)
            self.standard_errors_ = self._reported_se(final, ids, n_items)
        return self

    def _set_results(
        self,
        state: State,
        models: tuple[str, ...],
        ids: tuple[str, ...],
        ncat: IntArray,
    ) -> None:
        n_items = len(models)
        a, c = np.ones(n_items), np.zeros(n_items)
        thr = np.full((n_items, max(int(ncat.max()) - 1, 1)), np.nan)
        for b in state.blocks:
            ba, bc, bt = _blocks.to_reported(b.model, b.params)
            a[b.columns], c[b.columns] = ba, bc
            thr[b.columns, : bt.shape[1]] = bt
        b_ = np.where(np.isnan(thr[:, 0]), 0.0, thr[:, 0])
        self.item_params_ = ItemParameters(
            models=models, a=a, b=b_, c=c, thresholds=thr, item_ids=ids
        )

    def _reported_se(
        self, state: State, ids: tuple[str, ...], n_items: int
    ) -> ItemStandardErrors:
        kmax = self.item_params_.thresholds.shape[1]
        se_a, se_b, se_c = (np.full(n_items, np.nan) for _ in range(3))
        se_t = np.full((n_items, kmax), np.nan)
        pos = 0
        cov = self.covariance_
        assert cov is not None
        for b in state.blocks:
            if b.fixed:
                continue
            m = b.n_params
            jac = _blocks.reported_jacobian(b.model, b.params)
            for i, col in enumerate(b.columns):
                sl = slice(pos + i * m, pos + (i + 1) * m)
                v = jac[i] @ cov[sl, sl] @ jac[i].T
                sd = np.sqrt(np.maximum(np.diag(v), 0.0))
                if b.model == "rasch":
                    se_a[col], se_c[col], se_t[col, 0] = 0.0, 0.0, sd[0]
                else:
                    se_a[col] = sd[0]
                    se_c[col] = sd[1] if b.model == "3pl" else 0.0
                    se_t[col, : m - 1] = sd[2:]
            pos += b.params.size
        poly = np.array([m not in DICHOTOMOUS for m in self.item_params_.models])
        se_b = se_t[:, 0].copy()
        if poly.any():
            se_b[poly] = np.nan  # b of a polytomous item is a summary, not a parameter
        return ItemStandardErrors(
            se_a, se_b, se_c, se_t, ids, str(self.standard_errors)
        )

    # ------------------------------------------------------------------ after fit
    def transform(self, responses: ArrayLike) -> FloatArray:
        """EAP ability of each person under the reference-group prior, (n_persons,)."""

        check_is_fitted(self, ["item_params_"])
        r = self.reference_group_index_
        est = estimate_ability(
            responses,
            self.item_params_,
            prior_mean=self.group_means_[r],
            prior_sd=self.group_sds_[r],
            n_quadrature=self.n_quadrature,
        )
        return est.theta

    def score_samples(self, responses: ArrayLike) -> FloatArray:
        """Marginal log-likelihood of each person's pattern, shape (n_persons,)."""

        check_is_fitted(self, ["item_params_"])
        r = self.reference_group_index_
        theta = self.quadrature_
        ll = log_likelihood(responses, self.item_params_, theta)
        z = -0.5 * ((theta - self.group_means_[r]) / self.group_sds_[r]) ** 2
        logw = z - np.log(np.exp(z).sum())
        ll += logw[None, :]
        top = ll.max(axis=1)
        out: FloatArray = top + np.log(np.exp(ll - top[:, None]).sum(axis=1))
        return out

    def score(self, responses: ArrayLike, y: None = None) -> float:
        """Mean marginal log-likelihood per person."""
        return float(np.mean(self.score_samples(responses)))


def _single_model(name: str, model: str, doc: str) -> type[MMLCalibrator]:
    def __init__(  # noqa: N807
        self: MMLCalibrator,
        *,
        n_quadrature: int = 41,
        quadrature_bound: float = 6.0,
        max_iter: int = 500,
        tol: float = 1e-4,
        prior_a: tuple[float, float] | None = None,
        prior_c: tuple[float, float] | None = (5.0, 17.0),
        fixed: ItemParameters | None = None,
        item_ids: Sequence[str] | None = None,
        reference_group: Any = None,
        standard_errors: str | None = "louis",
        accelerate: bool = True,
        callback: Callable[[int, float], object] | None = None,
    ) -> None:
        MMLCalibrator.__init__(
            self,
            model,
            n_quadrature=n_quadrature,
            quadrature_bound=quadrature_bound,
            max_iter=max_iter,
            tol=tol,
            prior_a=prior_a,
            prior_c=prior_c,
            fixed=fixed,
            item_ids=item_ids,
            reference_group=reference_group,
            standard_errors=standard_errors,
            accelerate=accelerate,
            callback=callback,
        )

    def _get_param_names(cls: type) -> list[str]:
        return sorted(p for p in MMLCalibrator._get_param_names() if p != "models")

    cls = type(
        name,
        (MMLCalibrator,),
        {
            "__init__": __init__,
            "__doc__": doc
            + "\n\n    Parameters and attributes as :class:`MMLCalibrator`.\n",
            "_get_param_names": classmethod(_get_param_names),
            "__module__": __name__,
        },
    )
    return cls


Rasch = _single_model(
    "Rasch",
    "rasch",
    "Rasch model by MML: ``a = 1``, latent SD of the reference group estimated.",
)
TwoPL = _single_model(
    "TwoPL", "2pl", "Two-parameter logistic model by MML (Bock–Aitkin EM)."
)
ThreePL = _single_model(
    "ThreePL",
    "3pl",
    "Three-parameter logistic model by MML, Beta(5, 17) prior on ``c``.",
)
GradedResponse = _single_model(
    "GradedResponse", "grm", "Samejima's graded response model by MML."
)
GeneralizedPartialCredit = _single_model(
    "GeneralizedPartialCredit",
    "gpcm",
    "Muraki's generalised partial credit model by MML.",
)
