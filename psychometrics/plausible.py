"""Plausible values from a latent regression with fixed item parameters.

The population model is ``θ_i ~ N(x_i β, σ²)``, where ``x_i`` holds an intercept, the
principal components of the background questionnaire and, optionally, group dummies
(district). With item parameters fixed, each person's likelihood on a quadrature grid,
``L_i(θ_q)``, is all the model needs from the items, so this module takes the
log-likelihood matrix from :func:`psychometrics.irt.log_likelihood`.

``β`` and ``σ²`` are fitted by EM on the grid. E-step: the posterior of person ``i`` is
``p_iq ∝ L_i(θ_q) N(θ_q; x_i β, σ²)``, with mean ``m_i`` and variance ``v_i``. M-step:
``β`` is the weighted least-squares fit of ``m_i`` on ``x_i``, and
``σ² = Σ w_i [(m_i − x_i β)² + v_i] / Σ w_i`` (the posterior variance corrects the
shrinkage of ``m_i``).

Plausible values are continuous draws from each person's posterior: the log-likelihood
is interpolated (cubic spline) onto a grid ``refine`` times finer, the exact normal prior
is added, and a draw is made by inverting the piecewise-linear posterior CDF. Drawing
grid nodes instead would heap the values on the nodes and bias shares above a cut. For a
proper imputation each draw also uses its own ``β̃ ~ N(β̂, Cov β̂)``, with the covariance
from Louis's missing-information formula.

References
----------
.. [1] Mislevy, R. J. (1991). Randomization-based inference about latent variables from
   complex samples. *Psychometrika* 56(2), 177–196.
.. [2] Mislevy, R. J., Beaton, A. E., Kaplan, B., & Sheehan, K. M. (1992). Estimating
   population characteristics from sparse matrix samples of item responses. *JEM* 29(2).
.. [3] OECD (2019). *Technical Report of the Survey of Adult Skills (PIAAC)*, 3rd ed.,
   ch. 17 (scaling and plausible values).
.. [4] Louis, T. A. (1982). Finding the observed information matrix when using the EM
   algorithm. *JRSS B* 44(2), 226–233.
.. [5] Rubin, D. B. (1987). *Multiple Imputation for Nonresponse in Surveys*. Wiley.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from psychometrics import irt
from psychometrics._base import BaseEstimator
from psychometrics._typing import FloatArray
from psychometrics._validation import ConvergenceWarning, check_is_fitted
from psychometrics.survey.background import background_design

if TYPE_CHECKING:
    from typing import Self

    from psychometrics.irt import ItemParameters

_CHUNK = 4096


class LatentRegression(BaseEstimator):
    """Latent regression ``θ ~ N(Xβ, σ²)`` with fixed item parameters (EM on a grid).

    Parameters
    ----------
    n_components : float, int or None, default=0.85
        Principal components of the background kept (share of variance or count).
    categorical : sequence of int, default=()
        Background columns to one-hot code.
    max_iter : int, default=500
    tol : float, default=1e-5
        Stop when no coefficient nor σ moves more than ``tol``.
    refine : int, default=4
        The plausible values are drawn on a grid ``refine`` times finer than ``nodes``.
    draw_coef : bool, default=True
        Draw ``β̃`` from its sampling distribution for each set of plausible values.
    random_state : int or numpy.random.Generator, optional
        Default generator for :meth:`sample`.
    group_variance : bool, default=True
        With ``groups``, fit a residual variance per group (district) instead of one
        shared by all: districts whose spread differs get posteriors, and so plausible
        values and intervals, of their own spread.
    variance_shrinkage : float, default=50.0
        Each group's residual variance is shrunk towards the pooled one as if the
        pooled variance had been seen in this many more respondents of the group: a
        small group borrows strength, a large one keeps its own. The group's own
        variance is weighted, but its strength is counted in respondents, not in the
        persons they stand for: an over-sampled small district knows its spread as
        well as a large one with as many respondents.

    Attributes
    ----------
    coef_ : ndarray, shape (n_features,)
        β, on the columns of ``design_``.
    coef_cov_ : ndarray, shape (n_features, n_features)
    sigma_ : float
        Pooled residual SD σ.
    group_labels_ : ndarray of str, shape (n_groups,) or None
    group_sigma_ : ndarray, shape (n_groups,) or None
        Residual SD per group (``group_variance`` with ``groups``), else None.
    person_sigma_ : ndarray, shape (n_persons,)
        Each person's residual SD (their group's, or σ).
    design_ : ndarray, shape (n_persons, n_features)
    pca_ : PCA or None
    posterior_mean_, posterior_sd_ : ndarray, shape (n_persons,)
        EAP and posterior SD under the fitted population model.
    log_likelihood_ : float
        Weighted marginal log-likelihood at the estimate.
    n_iter_ : int
    converged_ : bool
    """

    def __init__(
        self,
        *,
        n_components: float | int | None = 0.85,
        categorical: Sequence[int] = (),
        max_iter: int = 500,
        tol: float = 1e-5,
        refine: int = 4,
        draw_coef: bool = True,
        random_state: int | np.random.Generator | None = None,
        group_variance: bool = True,
        variance_shrinkage: float = 50.0,
    ) -> None:
        self.n_components = n_components
        self.categorical = categorical
        self.max_iter = max_iter
        self.tol = tol
        self.refine = refine
        self.draw_coef = draw_coef
        self.random_state = random_state
        self.group_variance = group_variance
        self.variance_shrinkage = variance_shrinkage

    def fit(
        self,
        loglik: ArrayLike,
        nodes: ArrayLike,
        *,
        background: ArrayLike | None = None,
        groups: ArrayLike | None = None,
        covariates: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
        design: ArrayLike | None = None,
    ) -> Self:
        """Fit β and σ² (per group with ``groups`` and ``group_variance``) by EM.

        Parameters
        ----------
        loglik : array_like, shape (n_persons, n_quadrature)
            ``log L_i(θ_q)`` from :func:`psychometrics.irt.log_likelihood`.
        nodes : array_like, shape (n_quadrature,)
            Increasing, equally spaced quadrature nodes.
        background : array_like, shape (n_persons, n_variables), optional
        groups : array_like, shape (n_persons,), optional
        covariates : array_like, shape (n_persons, k), optional
            Categorical design variables entered as dummies, not reduced by the PCA
            (see :func:`background_design`).
        sample_weight : array_like, shape (n_persons,), optional
            Case weights (> 0); normalised to mean 1.
        design : array_like, shape (n_persons, n_features), optional
            A design matrix already built by :func:`background_design` from the same
            ``background``, ``groups`` and ``covariates`` (several domains of one
            survey share it, so the PCA runs once); ``background`` and
            ``covariates`` are then not read, ``groups`` still gives the variances.

        Returns
        -------
        self
        """
        ll, q = _check_loglik(loglik, nodes)
        n = ll.shape[0]
        w = _check_case_weights(sample_weight, n)
        if design is None:
            x, pca = background_design(
                background,
                categorical=self.categorical,
                n_components=self.n_components,
                groups=groups,
                covariates=covariates,
                n=n,
            )
        else:
            x, pca = np.asarray(design, dtype=np.float64), None
            if x.ndim != 2 or not np.isfinite(x).all():
                raise ValueError(
                    f"design must be a finite 2-D matrix, got shape {x.shape}"
                )
        if x.shape[0] != n:
            raise ValueError(
                f"background/groups have {x.shape[0]} rows, loglik has {n}"
            )
        if int(self.refine) < 1:
            raise ValueError(f"refine must be >= 1, got {self.refine}")
        if float(self.variance_shrinkage) < 0:
            raise ValueError(
                f"variance_shrinkage must be >= 0, got {self.variance_shrinkage}"
            )
        labels: np.ndarray | None = None
        codes = np.zeros(n, dtype=np.intp)
        if self.group_variance and groups is not None:
            labels, codes = np.unique(
                np.asarray(groups).astype(str), return_inverse=True
            )
            codes = codes.reshape(-1)
        n_groups = 1 if labels is None else labels.size
        w_group = np.bincount(codes, weights=w, minlength=n_groups)
        n_group = np.bincount(codes, minlength=n_groups).astype(np.float64)
        # start: EAP under N(0, 1)
        beta = np.zeros(x.shape[1])
        group_sd = np.ones(n_groups)
        pooled = 1.0
        converged, n_iter, step = False, 0, np.inf
        xw = np.ascontiguousarray((x * w[:, None]).T)  # (n_features, n)
        # with one variance the weighted least-squares projector is fixed; with one per
        # group the M-step for β is generalised least squares, weights w / σ_g²
        solve = np.linalg.pinv(xw @ x) @ xw if n_groups == 1 else None
        for it in range(1, int(self.max_iter) + 1):
            n_iter = it
            sd = group_sd[codes]
            m, v, _ = _posterior_moments(ll, q, x @ beta, sd)
            if solve is not None:
                new_beta = solve @ m
            else:
                xg = xw / sd[None, :] ** 2
                new_beta = np.linalg.pinv(xg @ x) @ (xg @ m)
            resid = m - x @ new_beta
            sq = w * (resid**2 + v)
            new_pooled = float(np.sqrt(sq.sum() / w.sum()))
            if n_groups == 1:
                new_sd = np.array([new_pooled])
            else:
                k = float(self.variance_shrinkage)
                s2 = np.bincount(codes, weights=sq, minlength=n_groups)
                own = s2 / np.maximum(w_group, 1e-300)  # weighted mean square
                new_sd = np.sqrt((n_group * own + k * new_pooled**2) / (n_group + k))
            step = max(np.abs(new_beta - beta).max(), np.abs(new_sd - group_sd).max())
            beta, group_sd, pooled = new_beta, new_sd, new_pooled
            if step < self.tol:
                converged = True
                break
        if not converged:
            warnings.warn(
                f"latent regression EM did not converge in {self.max_iter} iterations "
                f"(last change {step:.2g} > tol {self.tol:g})",
                ConvergenceWarning,
                stacklevel=2,
            )
        sigma = group_sd[codes]
        m, v, marg = _posterior_moments(ll, q, x @ beta, sigma, marginal=True)
        # Louis: observed information of β = Σ w x xᵀ (σ_i² − v_i) / σ_i⁴
        info = (xw * (np.maximum(sigma**2 - v, 1e-12) / sigma**4)[None, :]) @ x
        self.coef_ = beta
        self.coef_cov_ = np.asarray(np.linalg.pinv(info), dtype=np.float64)
        self.sigma_ = pooled if n_groups > 1 else float(group_sd[0])
        self.group_labels_ = labels
        self.group_sigma_ = group_sd if n_groups > 1 else None
        self.person_sigma_ = sigma
        self.design_ = x
        self.pca_ = pca
        self.posterior_mean_ = m
        self.posterior_sd_ = np.sqrt(v)
        self.log_likelihood_ = float(np.sum(w * marg))
        self.n_iter_ = n_iter
        self.converged_ = converged
        self._loglik = ll
        self._nodes = q
        return self

    def sample(
        self, n_draws: int = 10, *, rng: np.random.Generator | int | None = None
    ) -> FloatArray:
        """Draw plausible values for the persons the model was fitted on.

        Parameters
        ----------
        n_draws : int, default=10
        rng : numpy.random.Generator or int, optional
            Defaults to ``random_state``.

        Returns
        -------
        ndarray, shape (n_persons, n_draws)
            Continuous draws from each person's posterior.
        """
        check_is_fitted(self, ["coef_"])
        if n_draws < 1:
            raise ValueError(f"n_draws must be >= 1, got {n_draws}")
        gen = np.random.default_rng(self.random_state if rng is None else rng)
        x = self.design_
        if self.draw_coef:
            chol = _safe_cholesky(self.coef_cov_)
            betas = (
                self.coef_[None, :]
                + gen.standard_normal((n_draws, x.shape[1])) @ chol.T
            )
        else:
            betas = np.repeat(self.coef_[None, :], n_draws, axis=0)
        return draw_from_posterior(
            self._loglik,
            self._nodes,
            x @ betas.T,
            self.person_sigma_,
            rng=gen,
            refine=self.refine,
        )


def draw_from_posterior(
    loglik: FloatArray,
    nodes: FloatArray,
    prior_mean: FloatArray,
    prior_sd: float | FloatArray,
    *,
    rng: np.random.Generator,
    refine: int = 4,
    width: float = 8.0,
) -> FloatArray:
    """Draw continuous values from ``L_i(θ) N(θ; μ_im, σ²)`` for each person and draw.

    Each person's draws come from a window of the grid around their posterior: the
    posterior mean ± ``width`` posterior SDs (at least ± 1), computed on the coarse
    nodes with the average prior mean. Inside the window the log-likelihood is
    interpolated by a cubic spline onto a grid ``refine`` times finer, the exact normal
    log-prior is added, and a uniform draw is pushed through the inverse of the
    piecewise-linear CDF (trapezoid masses between fine points). Persons are processed in
    chunks of similar window width, so the work scales with the posterior's spread, not
    with the grid's range.

    Parameters
    ----------
    loglik : ndarray, shape (n, Q)
    nodes : ndarray, shape (Q,)
        Equally spaced.
    prior_mean : ndarray, shape (n, M)
        Prior mean of person ``i`` for draw ``m``.
    prior_sd : float or ndarray, shape (n,)
        Prior SD, shared or per person.
    rng : numpy.random.Generator
    refine : int, default=4
    width : float, default=8.0
        Half-width of the window in posterior SDs.

    Returns
    -------
    ndarray, shape (n, M)
    """
    n, m = prior_mean.shape
    q = nodes.size
    step = nodes[1] - nodes[0]
    post_mean, post_var, _ = _posterior_moments(
        loglik, nodes, prior_mean.mean(axis=1), prior_sd
    )
    half = np.maximum(width * np.sqrt(post_var), 1.0)
    first = np.floor((post_mean - half - nodes[0]) / step).astype(np.intp)
    last = np.ceil((post_mean + half - nodes[0]) / step).astype(np.intp)
    first = np.clip(first, 0, q - 1)
    last = np.clip(last, 0, q - 1)
    span = np.maximum(last - first + 1, 4)
    order = np.argsort(span, kind="stable")
    out = np.empty((n, m))
    inv_var = 1.0 / np.broadcast_to(np.asarray(prior_sd, dtype=np.float64), (n,)) ** 2
    # with one prior for every draw (β fixed) the CDF is built once per person
    shared_prior = bool(np.all(prior_mean == prior_mean[:, :1]))
    for start in range(0, n, _CHUNK):
        rows = order[start : start + _CHUNK]
        k = rows.size
        wc = min(int(span[rows].max()), q)
        s0 = np.minimum(first[rows], q - wc)  # window start, kept inside the grid
        ll_w = np.take_along_axis(loglik[rows], s0[:, None] + np.arange(wc), axis=1)
        # local coordinates in units of the coarse step are the same for every row
        t = np.arange((wc - 1) * refine + 1) / refine
        if refine > 1:
            from scipy.interpolate import CubicSpline

            ll_w = CubicSpline(np.arange(wc), ll_w, axis=1)(t)
        theta = nodes[0] + (s0[:, None] + t[None, :]) * step  # (k, F)
        iv = inv_var[rows]
        base = ll_w - 0.5 * iv[:, None] * theta**2
        u = rng.random((k, m))
        n_f = t.size
        offset = 2.0 * np.arange(k)
        r_idx = np.arange(k)
        for j in range(m):
            if j == 0 or not shared_prior:
                lp = base + theta * (prior_mean[rows, j] * iv)[:, None]
                lp -= lp.max(axis=1, keepdims=True)
                dens = np.exp(lp, out=lp)
                # trapezoid CDF at the fine points: C_f = Σ_{g<=f} d_g − (d_0 + d_f)/2
                cdf = np.cumsum(dens, axis=1)
                cdf -= 0.5 * (dens[:, :1] + dens)
                cdf /= cdf[:, -1:]
                # one searchsorted over all rows: row r shifted by 2r, cdf in [0, 1]
                cdf += offset[:, None]
            pos = np.searchsorted(cdf.ravel(), u[:, j] + offset)
            idx = np.clip(pos - r_idx * n_f, 1, n_f - 1)
            lo = cdf[r_idx, idx - 1] - offset
            hi = cdf[r_idx, idx] - offset
            gap = hi - lo
            frac = np.where(gap > 0, (u[:, j] - lo) / np.where(gap > 0, gap, 1.0), 0.5)
            out[rows, j] = (
                theta[r_idx, idx - 1] + np.clip(frac, 0.0, 1.0) * step / refine
            )
    return out


def _posterior_moments(
    ll: FloatArray,
    q: FloatArray,
    mu: FloatArray,
    sigma: float | FloatArray,
    *,
    marginal: bool = False,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Posterior mean and variance per person on the grid, and (when ``marginal``) the
    marginal log-likelihood under the discrete normal prior on the grid.

    ``sigma`` is the prior SD, one for everyone or one per person."""
    n = ll.shape[0]
    m = np.empty(n)
    v = np.empty(n)
    marg = np.full(n, np.nan)
    inv_var_all = 1.0 / np.broadcast_to(np.asarray(sigma, dtype=np.float64), (n,)) ** 2
    q2 = q * q
    for start in range(0, n, _CHUNK):
        sl = slice(start, min(start + _CHUNK, n))
        inv_var = inv_var_all[sl]
        # log prior up to a per-person constant: −q²/2σ² + qμ/σ²
        joint = ll[sl] - 0.5 * inv_var[:, None] * q2[None, :]
        joint += q[None, :] * (mu[sl] * inv_var)[:, None]
        j_max = joint.max(axis=1, keepdims=True)
        joint -= j_max
        post = np.exp(joint, out=joint)
        total = post.sum(axis=1)
        m[sl] = (post @ q) / total
        v[sl] = np.maximum((post @ (q * q)) / total - m[sl] ** 2, 0.0)
        if marginal:
            lp = -0.5 * inv_var[:, None] * (q[None, :] - mu[sl, None]) ** 2
            lp_max = lp.max(axis=1)
            log_norm = lp_max + np.log(np.exp(lp - lp_max[:, None]).sum(axis=1))
            const = -0.5 * inv_var * mu[sl] ** 2 - log_norm
            marg[sl] = j_max[:, 0] + np.log(total) + const
    return m, v, marg


def _check_loglik(loglik: ArrayLike, nodes: ArrayLike) -> tuple[FloatArray, FloatArray]:
    ll = np.asarray(loglik, dtype=np.float64)
    q = np.asarray(nodes, dtype=np.float64)
    if ll.ndim != 2:
        raise ValueError(
            f"loglik must be (n_persons, n_quadrature), got shape {ll.shape}"
        )
    if q.ndim != 1 or q.size != ll.shape[1]:
        raise ValueError(f"nodes has shape {q.shape}; loglik has {ll.shape[1]} columns")
    if q.size < 3 or (np.diff(q) <= 0).any():
        raise ValueError("nodes must be increasing, at least 3 of them")
    if not np.allclose(np.diff(q), q[1] - q[0], rtol=1e-6):
        raise ValueError("nodes must be equally spaced (see irt.normal_quadrature)")
    if np.isnan(ll).any() or np.isposinf(ll).any():
        i = int(np.argwhere(np.isnan(ll) | np.isposinf(ll))[0, 0])
        raise ValueError(f"loglik of person {i} is nan or +inf")
    dead = ~np.isfinite(ll).any(axis=1)
    if dead.any():
        raise ValueError(
            f"loglik of person {int(np.argmax(dead))} is -inf at every node"
        )
    return ll, q


def _check_case_weights(sample_weight: ArrayLike | None, n: int) -> FloatArray:
    if sample_weight is None:
        return np.ones(n)
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (n,):
        raise ValueError(f"sample_weight must have shape ({n},), got {w.shape}")
    bad = ~(np.isfinite(w) & (w > 0))
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(
            f"sample_weight of person {i} is {float(w[i])!r}; weights must be > 0"
        )
    return np.asarray(w * (n / w.sum()), dtype=np.float64)


def _safe_cholesky(cov: FloatArray) -> FloatArray:
    vals, vecs = np.linalg.eigh((cov + cov.T) / 2)
    return np.asarray(vecs * np.sqrt(np.clip(vals, 0.0, None)), dtype=np.float64)


@dataclass(frozen=True, repr=False)
class PlausibleValues:
    """Plausible values and the population model they came from.

    Attributes
    ----------
    values : ndarray, shape (n_persons, n_draws)
    posterior_mean, posterior_sd : ndarray, shape (n_persons,)
        EAP and SD under the population model.
    model : LatentRegression
    """

    values: FloatArray
    posterior_mean: FloatArray
    posterior_sd: FloatArray
    model: LatentRegression

    def __repr__(self) -> str:
        mdl = self.model
        return (
            f"PlausibleValues(n_persons={self.values.shape[0]}, "
            f"n_draws={self.values.shape[1]}, sigma={mdl.sigma_:.3f}, "
            f"n_features={mdl.coef_.size}, converged={mdl.converged_})"
        )


def plausible_values(
    responses: ArrayLike,
    params: ItemParameters,
    background: ArrayLike | None = None,
    *,
    groups: ArrayLike | None = None,
    covariates: ArrayLike | None = None,
    sample_weight: ArrayLike | None = None,
    n_draws: int = 10,
    n_quadrature: int = 61,
    rng: np.random.Generator | int | None = None,
    design: ArrayLike | None = None,
    **options: Any,
) -> PlausibleValues:
    """Fit a latent regression on one domain and draw plausible values.

    Parameters
    ----------
    responses : array_like, shape (n_persons, n_items)
        ``nan`` = not administered (booklets).
    params : ItemParameters
        Fixed (calibrated) item parameters.
    background : array_like, shape (n_persons, n_variables), optional
    groups : array_like, shape (n_persons,), optional
        Group dummies in the regression (district), so group means are not shrunk.
    covariates : array_like, shape (n_persons, k), optional
        Categorical design variables entered as dummies without PCA.
    sample_weight : array_like, shape (n_persons,), optional
    n_draws : int, default=10
    n_quadrature : int, default=61
        Nodes on ±6 (standard normal scale).
    rng : numpy.random.Generator or int, optional
    design : array_like, shape (n_persons, n_features), optional
        A design matrix built once by :func:`background_design` (see
        :meth:`LatentRegression.fit`).
    **options
        Passed to :class:`LatentRegression`.

    Returns
    -------
    PlausibleValues
    """

    nodes, _ = irt.normal_quadrature(n_quadrature)
    ll = irt.log_likelihood(responses, params, nodes)
    model = LatentRegression(**options).fit(
        ll,
        nodes,
        background=background,
        groups=groups,
        covariates=covariates,
        sample_weight=sample_weight,
        design=design,
    )
    values = model.sample(n_draws, rng=rng)
    return PlausibleValues(values, model.posterior_mean_, model.posterior_sd_, model)


__all__ = [
    "LatentRegression",
    "PlausibleValues",
    "background_design",
    "draw_from_posterior",
    "plausible_values",
]
