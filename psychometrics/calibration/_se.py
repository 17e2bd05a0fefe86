"""Item-parameter standard errors from the observed information matrix.

``louis`` (default): the exact observed information of the marginal log-likelihood by
Louis's (1982) identity, ``I = E[-∂²ℓ_c] - Σ_i w_i Cov_i(u_i)``, with the posterior
covariance of each person's complete-data score ``u_i`` taken on the quadrature grid.
The slope column of every model is θ times a linear combination of its intercept
columns, so the cross-item part needs only three weighted Gram matrices of the
intercept scores per node (weights ``1, θ, θ²``). The block-diagonal first term is the
finite-difference Jacobian of the M-step gradient. Group parameters are treated as
known. With case weights the matrix is the weighted (pseudo-)likelihood information.

``xpd``: the cross-product of per-person scores, ``Σ_i w_i s_i s_iᵀ`` (cheaper, less
accurate in small samples).

References
----------
.. [1] Louis, T. A. (1982). Finding the observed information matrix when using the EM
   algorithm. *Journal of the Royal Statistical Society B*, 44(2), 226-233.
.. [2] Oakes, D. (1999). Direct calculation of the information matrix via the EM
   algorithm. *Journal of the Royal Statistical Society B*, 61(2), 479-482.
"""

from __future__ import annotations

import numpy as np

from .._typing import FloatArray
from . import _blocks
from ._em import Design, State, block_counts, expected_counts, posterior


def _base_layout(block: _blocks.Block) -> tuple[list[int], FloatArray]:
    """Intercept columns and the combination giving the slope score (÷ θ)."""
    m = block.n_params
    if block.model == "rasch":
        return [0], np.zeros(0)
    if block.model in ("2pl", "3pl"):
        base = [1, 2] if block.model == "3pl" else [1]
        comb = np.array([1.0, 0.0]) if block.model == "3pl" else np.array([1.0])
        return base, comb
    base = list(range(1, m))
    comb = np.ones(m - 1) if block.model == "grm" else np.arange(1, m, dtype=float)
    return base, comb


def observed_information(
    design: Design,
    state: State,
    theta: FloatArray,
    *,
    method: str = "louis",
    chunk: int = 16384,
) -> FloatArray:
    """Observed information of the free item parameters (internal form).

    Parameters
    ----------
    design : Design
        Prepared responses (``design.x``, ``nan`` = not administered).
    state : State
        Converged parameters.
    theta : ndarray of shape (Q,)

    Returns
    -------
    ndarray of shape (n_free, n_free), in the order of ``State.pack`` (items only)
    """
    free = [b for b in state.blocks if not b.fixed]
    post, _ = posterior(design, state, theta)
    w = design.weights
    # layout: full index of each internal parameter, base columns, transform T
    offsets: list[int] = []
    pos = 0
    t_rows: list[
        tuple[int, int, float, bool]
    ] = []  # (full, base_idx, coef, times_theta)
    n_base = 0
    for b in free:
        base, comb = _base_layout(b)
        offsets.append(pos)
        for i in range(b.params.shape[0]):
            item_base = {}
            for p_ in base:
                item_base[p_] = n_base
                n_base += 1
            for p_ in range(b.n_params):
                full = pos + i * b.n_params + p_
                if p_ in item_base:
                    t_rows.append((full, item_base[p_], 1.0, False))
                else:  # slope: θ · Σ comb · base
                    for cf, bp in zip(comb, base, strict=True):
                        if cf != 0:
                            t_rows.append((full, item_base[bp], cf, True))
        pos += b.params.size
    n_full = pos
    tmat = np.zeros((n_full, 2 * n_base))
    for full, bi, cf, th in t_rows:
        tmat[full, bi + (n_base if th else 0)] += cf
    # score tables S[j, k, q, l] = dlogP/dparam for base params, per base column
    score_tab = np.zeros((design.max_categories, n_base, theta.size))
    col_item = np.zeros(n_base, dtype=np.int64)
    start = 0
    for b in free:
        p, dp = _blocks.probs_jac(b.model, b.n_categories, b.params, theta)
        base, _ = _base_layout(b)
        s = dp / np.maximum(p, 1e-300)[..., None]  # (n, Q, k, m)
        for i in range(b.params.shape[0]):
            for p_ in base:
                score_tab[: b.n_categories, start, :] = s[i, :, :, p_].T
                col_item[start] = b.columns[i]
                start += 1
    # first term: minus the Hessian of the expected complete-data log-likelihood
    counts = expected_counts(design, post * w[:, None])
    info = np.zeros((n_full, n_full))
    h = 1e-5
    for b, off in zip(free, offsets, strict=True):
        r = block_counts(b, counts)
        m = b.n_params
        hess = np.zeros((b.params.shape[0], m, m))
        for p_ in range(m):
            e = np.zeros_like(b.params)
            e[:, p_] = h * np.maximum(1.0, np.abs(b.params[:, p_]))
            gp = _blocks.gradient(b, b.params + e, r, theta)
            gm = _blocks.gradient(b, b.params - e, r, theta)
            hess[:, :, p_] = (gp - gm) / (2 * e[:, p_][:, None])
        hess = 0.5 * (hess + hess.transpose(0, 2, 1))
        for i in range(b.params.shape[0]):
            sl = slice(off + i * m, off + (i + 1) * m)
            info[sl, sl] -= hess[i]
    # second term: weighted posterior covariance of the complete-data scores
    x_fill = np.where(np.isnan(design.x), -1, design.x).astype(np.int64)
    g0 = np.zeros((n_base, n_base))
    g1 = np.zeros_like(g0)
    g2 = np.zeros_like(g0)
    sxs = np.zeros((2 * n_base, 2 * n_base))
    codes_cols = x_fill[:, col_item]  # (N, n_base)
    # persons of one part answer only its items: the Gram matrices touch only their
    # columns (a booklet design costs (items per booklet)² instead of (bank size)²)
    for part in design.parts:
        sel = np.flatnonzero(np.isin(col_item, part.columns))
        sel2 = np.concatenate([sel, sel + n_base])
        kmax = score_tab.shape[0]
        # category "kmax" (not administered) points at a row of zeros
        tabz = np.concatenate(
            [score_tab[:, sel, :], np.zeros((1, sel.size, theta.size))]
        )
        tab_q = np.ascontiguousarray(np.moveaxis(tabz, 2, 0)).reshape(theta.size, -1)
        ix = np.ix_(sel, sel)
        for lo in range(part.rows.start, part.rows.stop, chunk):
            sl = slice(lo, min(part.rows.stop, lo + chunk))
            codes = codes_cols[sl][:, sel]
            cidx = np.where(codes >= 0, codes, kmax)
            flat = cidx * sel.size + np.arange(sel.size)[None, :]
            p = post[sl]
            pt = p * theta[None, :]
            # posterior means of the scores: one matmul per category
            s_base = np.zeros((codes.shape[0], sel.size))
            s_theta = np.zeros_like(s_base)
            for k in range(kmax):
                hit = cidx == k
                s_base += np.where(hit, p @ tabz[k].T, 0.0)
                s_theta += np.where(hit, pt @ tabz[k].T, 0.0)
            s_all = np.concatenate([s_base, s_theta], axis=1)
            sxs[np.ix_(sel2, sel2)] += (s_all * w[sl, None]).T @ s_all
            if method != "louis":
                continue
            pw = p * w[sl, None]
            root = np.sqrt(pw)
            floor = 1e-12 * pw.max()
            gsum = [np.zeros((sel.size, sel.size)) for _ in range(3)]
            for q in range(theta.size):
                keep = pw[:, q] > floor
                n_keep = int(keep.sum())
                if n_keep == 0:
                    continue
                if n_keep < 0.6 * keep.size:
                    bs = np.take(tab_q[q], flat[keep]) * root[keep, q : q + 1]
                else:
                    bs = np.take(tab_q[q], flat) * root[:, q : q + 1]
                gq = bs.T @ bs
                gsum[0] += gq
                gsum[1] += theta[q] * gq
                gsum[2] += theta[q] ** 2 * gq
            g0[ix] += gsum[0]
            g1[ix] += gsum[1]
            g2[ix] += gsum[2]
    score_outer = tmat @ sxs @ tmat.T
    if method == "xpd":
        return score_outer
    eu = tmat @ np.block([[g0, g1], [g1, g2]]) @ tmat.T
    sandwich: FloatArray = info - (eu - score_outer)
    return sandwich


def covariance(info: FloatArray) -> FloatArray:
    """Inverse of the information (pseudo-inverse if singular)."""
    info = 0.5 * (info + info.T)
    try:
        return np.asarray(np.linalg.inv(info), dtype=np.float64)
    except np.linalg.LinAlgError:
        return np.asarray(np.linalg.pinv(info), dtype=np.float64)
