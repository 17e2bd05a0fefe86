"""Bock–Aitkin EM on a fixed quadrature grid, vectorised over persons and items.

Each E-step is a handful of matrix products: the log-likelihood of every person at every
node from indicator matrices and log-probability tables, then expected counts
``n = Mᵀ·W`` and ``r_k = I_kᵀ·W`` with ``W`` the case-weighted posterior. Responses that
were not administered have zero indicators, so they drop out of both (missing at random
by design is ignorable in the marginal likelihood). The M-step works on (items × nodes)
arrays only. SQUAREM extrapolation (Varadhan & Roland, 2008) cuts the number of EM
steps several-fold; an extrapolated point is kept only if it does not lower the
(penalised) marginal log-likelihood.

References
----------
.. [1] Bock, R. D., & Aitkin, M. (1981). Marginal maximum likelihood estimation of item
   parameters: Application of an EM algorithm. *Psychometrika*, 46(4), 443-459.
.. [2] Varadhan, R., & Roland, C. (2008). Simple and globally convergent methods for
   accelerating the convergence of any EM algorithm. *Scandinavian Journal of
   Statistics*, 35(2), 335-353.
.. [3] Bock, R. D., & Zimowski, M. F. (1997). Multiple group IRT. In *Handbook of Modern
   Item Response Theory* (pp. 433-448). Springer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._typing import FloatArray, IntArray
from . import _blocks
from ._blocks import Block


class CalibrationCancelled(RuntimeError):  # noqa: N818 - public name from the brief
    """Raised when a progress callback asks the calibration to stop."""


@dataclass
class Part:
    """Persons sharing one set of administered items (rows are contiguous)."""

    rows: slice
    columns: IntArray  # administered item columns
    mask: FloatArray | None  # (n_part, n_cols) administered indicator; None if all
    indicators: list[FloatArray]  # I_k for k = 1..Kmax-1, each (n_part, n_cols)


@dataclass
class Design:
    """Response data prepared once per fit.

    Persons are sorted by their pattern of administered items. When a design has
    few such patterns (booklets, multistage tests) every pattern becomes a
    :class:`Part` holding only its own items, so the E-step multiplies only
    administered cells; otherwise a single part carries the full mask.
    """

    x: FloatArray  # (N, J) responses in the internal person order
    order: IntArray  # (N,) internal position -> original row
    n_items: int
    max_categories: int
    weights: FloatArray  # (N,)
    group_index: IntArray  # (N,)
    n_groups: int
    parts: list[Part]
    group_onehot: FloatArray  # (N, G)

    @property
    def n_persons(self) -> int:
        return int(self.x.shape[0])

    @classmethod
    def build(
        cls,
        x: FloatArray,
        weights: FloatArray,
        group_index: IntArray,
        n_groups: int,
        *,
        max_patterns: int = 64,
    ) -> Design:
        n, n_items = x.shape
        missing = np.isnan(x)
        kmax = max(int(np.nanmax(x)) + 1, 2)
        order = np.arange(n)
        parts: list[Part] = []
        if missing.any():
            packed = np.packbits(~missing, axis=1)
            keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
            uniq, inverse, counts = np.unique(
                keys, return_inverse=True, return_counts=True
            )
            if uniq.size <= max_patterns and counts.min() >= 20:
                order = np.argsort(inverse, kind="stable")
                x = x[order]
                missing = missing[order]
                weights, group_index = weights[order], group_index[order]
                start = 0
                for cnt in counts:  # sorted by pattern, so parts are contiguous
                    rows = slice(start, start + int(cnt))
                    cols = np.flatnonzero(~missing[start])
                    parts.append(
                        Part(rows, cols, None, _indicators(x[rows][:, cols], kmax))
                    )
                    start += int(cnt)
        if not parts:
            cols = np.arange(n_items)
            mask = (~missing).astype(np.float64) if missing.any() else None
            parts.append(Part(slice(0, n), cols, mask, _indicators(x, kmax)))
        onehot = np.zeros((n, n_groups))
        onehot[np.arange(n), group_index] = 1.0
        return cls(
            x=x,
            order=order,
            n_items=n_items,
            max_categories=kmax,
            weights=weights,
            group_index=group_index,
            n_groups=n_groups,
            parts=parts,
            group_onehot=onehot,
        )


def _indicators(x: FloatArray, kmax: int) -> list[FloatArray]:
    if kmax == 2:
        return [np.fmax(x, 0.0)]  # fmax turns nan into 0
    return [(x == k).astype(np.float64) for k in range(1, kmax)]


@dataclass
class State:
    """Everything the EM map updates."""

    blocks: list[Block]
    means: FloatArray  # (G,)
    sds: FloatArray  # (G,)
    free_mean: np.ndarray  # (G,) bool
    free_sd: np.ndarray  # (G,) bool

    def pack(self) -> FloatArray:
        parts = [b.params.ravel() for b in self.blocks if not b.fixed]
        parts.append(self.means[self.free_mean])
        parts.append(np.log(self.sds[self.free_sd]))
        return np.concatenate(parts)

    def unpack(self, vec: FloatArray) -> State:
        blocks, pos = [], 0
        for b in self.blocks:
            if b.fixed:
                blocks.append(b)
                continue
            size = b.params.size
            new = Block(
                **{
                    **b.__dict__,
                    "params": vec[pos : pos + size].reshape(b.params.shape),
                }
            )
            blocks.append(new)
            pos += size
        means = self.means.copy()
        k = int(self.free_mean.sum())
        means[self.free_mean] = vec[pos : pos + k]
        pos += k
        sds = self.sds.copy()
        sds[self.free_sd] = np.exp(vec[pos : pos + int(self.free_sd.sum())])
        return State(blocks, means, sds, self.free_mean, self.free_sd)

    def is_valid(self) -> bool:
        return all(
            bool(_blocks.valid(b.model, b.params).all()) for b in self.blocks
        ) and bool(
            np.all(np.isfinite(self.means))
            and np.all((self.sds > 1e-3) & (self.sds < 1e3))
        )


def log_prob_table(
    state: State, theta: FloatArray, n_items: int, kmax: int
) -> FloatArray:
    """``log P_jk(θ_q)`` of every item, shape (kmax, n_items, Q); 0 where no category."""
    out = np.zeros((kmax, n_items, theta.size))
    for b in state.blocks:
        p = _blocks.probs(b.model, b.n_categories, b.params, theta)
        out[: b.n_categories, b.columns, :] = np.moveaxis(
            np.log(np.maximum(p, 1e-300)), 2, 0
        )
    return out


def log_group_prior(state: State, theta: FloatArray) -> FloatArray:
    """Discretised normal of each group on the grid, log weights (G, Q) summing to 1."""
    z = -0.5 * ((theta[None, :] - state.means[:, None]) / state.sds[:, None]) ** 2
    z -= z.max(axis=1, keepdims=True)
    logw: FloatArray = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return logw


def person_loglik(design: Design, logp: FloatArray) -> FloatArray:
    """Log-likelihood of each person at each node (N, Q)."""
    out = np.empty((design.n_persons, logp.shape[2]))
    for part in design.parts:
        lp = logp[:, part.columns, :]
        if part.mask is None:
            out[part.rows] = lp[0].sum(axis=0)[None, :]
        else:
            out[part.rows] = part.mask @ lp[0]
        for k, ind in enumerate(part.indicators, start=1):
            out[part.rows] += ind @ (lp[k] - lp[0])
    return out


def posterior(
    design: Design, state: State, theta: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Normalised posterior (N, Q) and marginal log-likelihood of each person (N,)."""
    logp = log_prob_table(state, theta, design.n_items, design.max_categories)
    ll = person_loglik(design, logp)
    ll += log_group_prior(state, theta)[design.group_index]
    top = ll.max(axis=1, keepdims=True)
    ll -= top
    np.exp(ll, out=ll)
    total = ll.sum(axis=1, keepdims=True)
    ll /= total
    return ll, top[:, 0] + np.log(total[:, 0])


def expected_counts(design: Design, wpost: FloatArray) -> list[FloatArray]:
    """``[r_0, r_1, ...]`` each (J, Q): expected responses per category and node."""
    q = wpost.shape[1]
    n = np.zeros((design.n_items, q))
    rs = [np.zeros((design.n_items, q)) for _ in range(design.max_categories - 1)]
    for part in design.parts:
        wp = wpost[part.rows]
        if part.mask is None:
            n[part.columns] += wp.sum(axis=0)[None, :]
        else:
            n[part.columns] += part.mask.T @ wp
        for r, ind in zip(rs, part.indicators, strict=True):
            r[part.columns] += ind.T @ wp
    r0 = n - sum(rs)
    return [np.maximum(r0, 0.0), *rs]


def block_counts(block: Block, counts: list[FloatArray]) -> FloatArray:
    """Counts of a block's items, shape (n_block, Q, k)."""
    return np.stack(
        [counts[k][block.columns] for k in range(block.n_categories)], axis=2
    )


def penalty(state: State) -> float:
    return float(
        sum(
            _blocks.log_prior(b, b.params)[0].sum() for b in state.blocks if not b.fixed
        )
    )


def em_map(design: Design, state: State, theta: FloatArray) -> tuple[State, float]:
    """One EM step; returns the new state and the penalised log-likelihood of ``state``."""
    post, ll_person = posterior(design, state, theta)
    wpost = post * design.weights[:, None]
    counts = expected_counts(design, wpost)
    blocks = []
    for b in state.blocks:
        if b.fixed:
            blocks.append(b)
            continue
        params = _blocks.m_step(b, block_counts(b, counts), theta)
        blocks.append(Block(**{**b.__dict__, "params": params}))
    gsum = design.group_onehot.T @ wpost  # (G, Q)
    tot = gsum.sum(axis=1)
    mean = gsum @ theta / tot
    var = gsum @ theta**2 / tot - mean**2
    means = np.where(state.free_mean, mean, state.means)
    # with the mean fixed, the SD update is the root mean square about that mean
    var_fixed = gsum @ theta**2 / tot - 2 * state.means * mean + state.means**2
    sd = np.sqrt(np.maximum(np.where(state.free_mean, var, var_fixed), 1e-6))
    sds = np.where(state.free_sd, sd, state.sds)
    ll = float(design.weights @ ll_person) + penalty(state)
    return State(blocks, means, sds, state.free_mean, state.free_sd), ll


@dataclass
class EMResult:
    state: State
    history: list[float]
    n_iter: int
    converged: bool


def run_em(
    design: Design,
    state: State,
    theta: FloatArray,
    *,
    max_iter: int,
    tol: float,
    accelerate: bool = True,
    callback: Callable[[int, float], object] | None = None,
) -> EMResult:
    """Iterate the EM map (with SQUAREM) until the largest parameter change < ``tol``.

    ``n_iter`` counts EM maps (E-steps); ``history`` holds the penalised marginal
    log-likelihood at each of them.
    """
    history: list[float] = []
    n_eval = 0

    def step(s: State) -> tuple[State, float]:
        nonlocal n_eval
        new, ll = em_map(design, s, theta)
        n_eval += 1
        history.append(ll)
        if callback is not None:
            answer = callback(n_eval, ll)
            if answer is False:
                raise CalibrationCancelled(
                    f"calibration cancelled at iteration {n_eval}"
                )
        return new, ll

    cur = state
    while n_eval < max_iter:
        s1, ll0 = step(cur)
        v0, v1 = cur.pack(), s1.pack()
        r = v1 - v0
        if np.max(np.abs(r), initial=0.0) < tol:
            return EMResult(s1, history, n_eval, True)
        if not accelerate or n_eval + 2 > max_iter:
            cur = s1
            continue
        s2, ll1 = step(s1)
        v2 = s2.pack()
        if np.max(np.abs(v2 - v1), initial=0.0) < tol:
            return EMResult(s2, history, n_eval, True)
        v = v2 - 2 * v1 + v0
        nv = np.linalg.norm(v)
        if nv == 0:
            cur = s2
            continue
        alpha = min(-float(np.linalg.norm(r)) / float(nv), -1.0)
        trial = cur.unpack(v0 - 2 * alpha * r + alpha**2 * v)
        if not trial.is_valid():
            cur = s2
            continue
        s3, ll_trial = step(trial)
        # keep the extrapolation only if it is at least as good as the plain EM steps
        cur = s3 if ll_trial >= ll1 - 1e-8 * abs(ll1) else s2
    return EMResult(cur, history, n_eval, False)
