"""Items of one model and number of categories, in slope-intercept form.

Internal (estimation) parameters per item, all unconstrained except where noted:

* ``rasch``: ``[d]``, ``P(1) = σ(θ + d)``
* ``2pl``: ``[a, d]``, ``P(1) = σ(aθ + d)``
* ``3pl``: ``[a, d, c]``, ``P(1) = c + (1 - c) σ(aθ + d)``, ``0 <= c < 1``
* ``grm``: ``[a, d_1..d_{K-1}]``, ``P(x >= k) = σ(aθ + d_k)``, ``d`` decreasing
* ``gpcm``: ``[a, e_1..e_{K-1}]``, ``P(k) ∝ exp(k a θ + e_k)``, ``e_0 = 0``

Reported parameters: ``b = -d/a``, grm thresholds ``-d_k/a``, gpcm steps
``δ_v = -(e_v - e_{v-1})/a``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

from .._typing import BoolArray, FloatArray, IntArray

_TINY = 1e-300
A_MIN, A_MAX = 0.02, 30.0
C_MAX = 0.9


@dataclass
class Block:
    """All free items of one (model, n_categories) kind."""

    model: str
    n_categories: int
    columns: IntArray  # (n_block,) positions in the response matrix
    params: FloatArray  # (n_block, n_params)
    prior_a: tuple[float, float] | None = None  # lognormal (mean log a, sd log a)
    prior_c: tuple[float, float] | None = None  # beta(alpha, beta) on 3pl c
    fixed: bool = False
    base_map: FloatArray = field(default_factory=lambda: np.zeros(0))

    @property
    def n_params(self) -> int:
        return int(self.params.shape[1])


def n_params(model: str, k: int) -> int:
    return {"rasch": 1, "2pl": 2, "3pl": 3}.get(model, k)


# ------------------------------------------------------------------ probabilities
def probs(model: str, k: int, params: FloatArray, theta: FloatArray) -> FloatArray:
    """Category probabilities, shape (n_block, n_theta, k)."""
    return probs_jac(model, k, params, theta, jac=False)[0]


def probs_jac(
    model: str, k: int, params: FloatArray, theta: FloatArray, *, jac: bool = True
) -> tuple[FloatArray, FloatArray | None]:
    """Probabilities (n, Q, k) and their Jacobian (n, Q, k, n_params)."""
    n, q = params.shape[0], theta.size
    th = theta[None, :]
    if model in ("rasch", "2pl", "3pl"):
        if model == "rasch":
            a = np.ones((n, 1))
            d = params[:, 0:1]
        else:
            a, d = params[:, 0:1], params[:, 1:2]
        z = a * th + d
        s = expit(z)
        p = np.empty((n, q, 2))
        c = params[:, 2:3] if model == "3pl" else 0.0
        p1 = c + (1 - c) * s
        p[:, :, 1] = p1
        p[:, :, 0] = (1 - c) * expit(-z)
        if not jac:
            return p, None
        w = (1 - c) * s * (1 - s)
        m = n_params(model, 2)
        dp = np.empty((n, q, 2, m))
        if model == "rasch":
            dp[:, :, 1, 0] = w
        else:
            dp[:, :, 1, 0] = w * th
            dp[:, :, 1, 1] = w
            if model == "3pl":
                dp[:, :, 1, 2] = 1 - s
        dp[:, :, 0, :] = -dp[:, :, 1, :]
        return p, dp
    a = params[:, 0][:, None, None]
    if model == "grm":
        z = a * theta[None, :, None] + params[:, None, 1:]  # (n, Q, k-1)
        big = np.full((n, q, 1), 1e300)
        zf = np.concatenate([big, z, -big], axis=2)
        lo, hi = zf[:, :, :-1], zf[:, :, 1:]
        p = np.where(lo + hi > 0, expit(-hi) - expit(-lo), expit(lo) - expit(hi))
        p = np.maximum(p, 0.0)
        if not jac:
            return p, None
        s = expit(z)
        w = s * (1 - s)
        zero = np.zeros((n, q, 1))
        wf = np.concatenate([zero, w, zero], axis=2)
        dp = np.zeros((n, q, k, k))
        dp[:, :, :, 0] = theta[None, :, None] * (wf[:, :, :-1] - wf[:, :, 1:])
        for m in range(1, k):
            # P*_m = σ(aθ + d_m) enters P_m with + and P_{m-1} with -
            dp[:, :, m - 1, m] -= w[:, :, m - 1]
            dp[:, :, m, m] += w[:, :, m - 1]
        return p, dp
    # gpcm
    cat = np.arange(k, dtype=np.float64)
    e = np.concatenate([np.zeros((n, 1)), params[:, 1:]], axis=1)
    z = a * theta[None, :, None] * cat[None, None, :] + e[:, None, :]
    z -= z.max(axis=2, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=2, keepdims=True)
    if not jac:
        return p, None
    mean = p @ cat
    dp = np.empty((n, q, k, k))
    dp[:, :, :, 0] = p * theta[None, :, None] * (cat[None, None, :] - mean[:, :, None])
    for m in range(1, k):
        dp[:, :, :, m] = -p * p[:, :, m : m + 1]
        dp[:, :, m, m] += p[:, :, m]
    return p, dp


# ------------------------------------------------------------------ priors, checks
def log_prior(
    block: Block, params: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Log prior per item (n,), its gradient (n, p) and Hessian diagonal (n, p)."""
    n, m = params.shape
    lp, g, h = np.zeros(n), np.zeros((n, m)), np.zeros((n, m))
    if block.prior_a is not None and block.model != "rasch":
        mu, sd = block.prior_a
        a = np.maximum(params[:, 0], 1e-8)
        la = np.log(a)
        lp += -0.5 * ((la - mu) / sd) ** 2 - la
        g[:, 0] = -(la - mu) / (sd**2 * a) - 1 / a
        h[:, 0] = (-(1 / sd**2) + (la - mu) / sd**2 + 1) / a**2
    if block.prior_c is not None and block.model == "3pl":
        al, be = block.prior_c
        c = np.clip(params[:, 2], 1e-10, 1 - 1e-10)
        lp += (al - 1) * np.log(c) + (be - 1) * np.log1p(-c)
        g[:, 2] = (al - 1) / c - (be - 1) / (1 - c)
        h[:, 2] = -(al - 1) / c**2 - (be - 1) / (1 - c) ** 2
    return lp, g, h


def valid(model: str, params: FloatArray) -> BoolArray:
    """Items whose parameters are inside the admissible region, shape (n,)."""
    ok: BoolArray = np.all(np.isfinite(params), axis=1)
    if model != "rasch":
        ok &= (params[:, 0] > A_MIN) & (params[:, 0] < A_MAX)
    if model == "3pl":
        ok &= (params[:, 2] >= 0) & (params[:, 2] < C_MAX)
    if model == "grm" and params.shape[1] > 2:
        ok &= np.all(np.diff(params[:, 1:], axis=1) < 0, axis=1)
    return ok


def objective(
    block: Block, params: FloatArray, r: FloatArray, theta: FloatArray
) -> FloatArray:
    """Expected complete-data log-likelihood + log prior, per item (n,)."""
    p = probs(block.model, block.n_categories, params, theta)
    out: FloatArray = np.sum(r * np.log(np.maximum(p, _TINY)), axis=(1, 2))
    return out + log_prior(block, params)[0]


def gradient(
    block: Block, params: FloatArray, r: FloatArray, theta: FloatArray
) -> FloatArray:
    """Gradient of :func:`objective` per item, shape (n, p)."""
    p, dp = probs_jac(block.model, block.n_categories, params, theta)
    assert dp is not None
    ratio = r / np.maximum(p, _TINY)
    grad: FloatArray = np.einsum("nqk,nqkl->nl", ratio, dp)
    return grad + log_prior(block, params)[1]


def m_step(
    block: Block,
    r: FloatArray,
    theta: FloatArray,
    *,
    max_iter: int = 25,
    tol: float = 1e-7,
) -> FloatArray:
    """Maximise the expected log-likelihood of every item of a block at once.

    Fisher scoring with per-item step halving, vectorised over items.

    Parameters
    ----------
    r : ndarray of shape (n, Q, k)
        Expected number of responses in each category at each node.
    """
    params = block.params.copy()
    nq = r.sum(axis=2)
    cur = objective(block, params, r, theta)
    active = np.ones(params.shape[0], dtype=bool)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        sub = params[idx]
        p, dp = probs_jac(block.model, block.n_categories, sub, theta)
        assert dp is not None
        rr = r[idx]
        safe = np.maximum(p, _TINY)
        _, pg, ph = log_prior(block, sub)
        g = np.einsum("nqk,nqkl->nl", rr / safe, dp) + pg
        scaled = dp / np.sqrt(safe)[..., None]
        info = np.einsum("nq,nqkl,nqkm->nlm", nq[idx], scaled, scaled)
        info -= ph[:, :, None] * np.eye(sub.shape[1])[None]
        info += 1e-8 * np.eye(sub.shape[1])[None]
        try:
            step = np.linalg.solve(info, g[..., None])[..., 0]
        except np.linalg.LinAlgError:
            step = g / np.maximum(np.einsum("nll->nl", info), 1e-8)
        t = np.ones(idx.size)
        accepted = np.zeros(idx.size, dtype=bool)
        old = cur[idx]
        for _ in range(12):
            trial = sub + t[:, None] * step
            ok = valid(block.model, trial)
            val = np.full(idx.size, -np.inf)
            if ok.any():
                val[ok] = objective(block, trial[ok], rr[ok], theta)
            good = ok & (val >= old - 1e-12 * np.abs(old)) & ~accepted
            sub[good] = trial[good]
            cur[idx[good]] = val[good]
            accepted |= good
            if accepted.all():
                break
            t[~accepted] *= 0.5
        params[idx] = sub
        moved = np.max(np.abs(t[:, None] * step), axis=1)
        active[idx] = accepted & (moved > tol)
    return params


# ------------------------------------------------------------------ conversions
def to_reported(
    model: str, params: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Internal → ``(a, c, thresholds)``; thresholds (n, k-1)."""
    if model == "rasch":
        return np.ones(params.shape[0]), np.zeros(params.shape[0]), -params[:, :1]
    a = params[:, 0]
    if model in ("2pl", "3pl"):
        c = params[:, 2] if model == "3pl" else np.zeros(a.size)
        return a, c, (-params[:, 1] / a)[:, None]
    if model == "grm":
        return a, np.zeros(a.size), -params[:, 1:] / a[:, None]
    e = np.concatenate([np.zeros((a.size, 1)), params[:, 1:]], axis=1)
    return a, np.zeros(a.size), -np.diff(e, axis=1) / a[:, None]


def from_reported(
    model: str, a: FloatArray, c: FloatArray, thr: FloatArray
) -> FloatArray:
    """Inverse of :func:`to_reported`; ``thr`` (n, k-1) without nan padding."""
    if model == "rasch":
        return -thr[:, :1].copy()
    if model == "2pl":
        return np.column_stack([a, -a * thr[:, 0]])
    if model == "3pl":
        return np.column_stack([a, -a * thr[:, 0], c])
    if model == "grm":
        return np.column_stack([a, -a[:, None] * thr])
    return np.column_stack([a, -np.cumsum(a[:, None] * thr, axis=1)])


def reported_jacobian(model: str, params: FloatArray) -> FloatArray:
    """d(reported)/d(internal) per item: (n, n_reported, p).

    Reported vector order: ``[a, c, thresholds...]`` (rasch: ``[threshold]``).
    """
    n, m = params.shape
    if model == "rasch":
        return -np.ones((n, 1, 1))
    a = params[:, 0]
    if model in ("2pl", "3pl"):
        jac = np.zeros((n, 3, m))
        jac[:, 0, 0] = 1.0
        if model == "3pl":
            jac[:, 1, 2] = 1.0
        jac[:, 2, 0] = params[:, 1] / a**2
        jac[:, 2, 1] = -1.0 / a
        return jac
    k1 = m - 1
    jac = np.zeros((n, 2 + k1, m))
    jac[:, 0, 0] = 1.0
    if model == "grm":
        for v in range(k1):
            jac[:, 2 + v, 0] = params[:, 1 + v] / a**2
            jac[:, 2 + v, 1 + v] = -1.0 / a
        return jac
    e = np.concatenate([np.zeros((n, 1)), params[:, 1:]], axis=1)
    for v in range(k1):
        jac[:, 2 + v, 0] = (e[:, v + 1] - e[:, v]) / a**2
        jac[:, 2 + v, 1 + v] = -1.0 / a
        if v > 0:
            jac[:, 2 + v, v] = 1.0 / a
    return jac


def start_values(model: str, k: int, x: FloatArray, w: FloatArray) -> FloatArray:
    """Starting values from weighted category proportions; x is (N, n) for the block."""
    mask = ~np.isnan(x)
    tot = (w[:, None] * mask).sum(axis=0)
    props = np.stack([(w[:, None] * (x == c)).sum(axis=0) for c in range(k)], axis=1)
    props = (props + 0.5) / (tot[:, None] + 0.5 * k)
    cum = np.clip(np.cumsum(props[:, ::-1], axis=1)[:, ::-1][:, 1:], 1e-4, 1 - 1e-4)
    logit: FloatArray = np.log(cum / (1 - cum))  # P(x >= k), decreasing in k
    a0 = np.ones(x.shape[1])
    if model == "rasch":
        return logit[:, :1].copy()
    if model == "2pl":
        return np.column_stack([a0, 1.2 * logit[:, 0]])
    if model == "3pl":
        return np.column_stack([a0, 1.2 * logit[:, 0] - 0.5, np.full(a0.size, 0.15)])
    if model == "grm":
        d = 1.2 * logit
        d -= 1e-3 * np.arange(d.shape[1])[None, :]  # strictly decreasing
        return np.column_stack([a0, d])
    adj = np.log(props[:, 1:] / props[:, :-1])  # e_k - e_{k-1} at θ = 0
    return np.column_stack([a0, np.cumsum(adj, axis=1)])
