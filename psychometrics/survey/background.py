"""Design matrix of a latent regression from the background questionnaire.

References
----------
.. [1] OECD (2019). *Technical Report of the Survey of Adult Skills (PIAAC)*, 3rd ed.,
   ch. 17 (principal components of the background questionnaire as conditioning
   variables).
.. [2] Jolliffe, I. T. (2002). *Principal Component Analysis*, 2nd ed. Springer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from psychometrics.survey._common import FloatArray

if TYPE_CHECKING:
    from sklearn.decomposition import PCA


def background_design(
    background: ArrayLike | None,
    *,
    categorical: Sequence[int] = (),
    n_components: float | int | None = 0.85,
    groups: ArrayLike | None = None,
    covariates: ArrayLike | None = None,
    n: int | None = None,
    random_state: int | None = 0,
) -> tuple[FloatArray, PCA | None]:
    """Build the latent-regression design matrix from the background questionnaire.

    Categorical columns are one-hot coded (a missing answer is its own category); numeric
    columns get mean imputation plus a missingness indicator, then every column is
    standardised and reduced by PCA.

    Parameters
    ----------
    background : array_like, shape (n, p), optional
        Background answers, ``nan`` for missing.
    categorical : sequence of int
        Columns to one-hot code.
    n_components : float in (0, 1), int or None, default=0.85
        Share of variance the kept components explain, or their number; ``None`` keeps
        them all.
    groups : array_like, shape (n,), optional
        Group of each person (district): dummies for all groups but the first.
    covariates : array_like, shape (n, k), optional
        Categorical design variables (age band, sex, ...) entered as dummies (all
        categories but the first of each), not reduced by the PCA: the population
        model keeps every design contrast, as PIAAC's conditioning does.
    n : int, optional
        Number of persons when ``background`` and ``groups`` are both ``None``.
    random_state : int, optional
        For the PCA solver.

    Returns
    -------
    X : ndarray, shape (n, 1 + n_pcs + n_groups - 1 + n_covariate_dummies)
        Intercept, principal components (standardised), group dummies, covariate
        dummies.
    pca : sklearn.decomposition.PCA or None
    """
    cols: list[FloatArray] = []
    pca = None
    if background is not None:
        z = np.asarray(background, dtype=np.float64)
        if z.ndim != 2:
            raise ValueError(
                f"background must be (n_persons, n_variables), got {z.shape}"
            )
        n = z.shape[0]
        feats = []
        cat = set(int(c) for c in categorical)
        if any(c < 0 or c >= z.shape[1] for c in cat):
            raise ValueError(
                f"categorical columns {sorted(cat)} outside 0..{z.shape[1] - 1}"
            )
        for j in range(z.shape[1]):
            x = z[:, j]
            miss = np.isnan(x)
            if j in cat:
                levels = np.unique(np.where(miss, -np.inf, x))
                feats.append(
                    (np.where(miss, -np.inf, x)[:, None] == levels).astype(float)
                )
            else:
                if miss.all():
                    raise ValueError(f"background column {j} is entirely missing")
                filled = np.where(miss, np.nanmean(x), x)
                feats.append(filled[:, None])
                if miss.any():
                    feats.append(miss[:, None].astype(float))
        f = np.hstack(feats)
        sd = f.std(axis=0)
        f = (f[:, sd > 0] - f[:, sd > 0].mean(axis=0)) / sd[sd > 0]
        if f.shape[1] > 0:
            from sklearn.decomposition import PCA  # heavy: imported when used

            pca = PCA(
                n_components=n_components, svd_solver="full", random_state=random_state
            )
            pcs = pca.fit_transform(f)
            cols.append(pcs / pcs.std(axis=0))
    if groups is not None:
        g = np.asarray(groups)
        if g.ndim != 1 or (n is not None and g.shape[0] != n):
            raise ValueError(f"groups must have shape ({n},), got {g.shape}")
        n = g.shape[0]
        labels = np.unique(g)
        cols.append((g[:, None] == labels[1:]).astype(float))
    if covariates is not None:
        c = np.asarray(covariates)
        c = c.reshape(-1, 1) if c.ndim == 1 else c
        if c.ndim != 2 or (n is not None and c.shape[0] != n):
            raise ValueError(f"covariates must have ({n}, k) rows, got {c.shape}")
        n = c.shape[0]
        for j in range(c.shape[1]):
            col = c[:, j].astype(str)
            labels = np.unique(col)
            cols.append((col[:, None] == labels[1:]).astype(float))
    if n is None:
        raise ValueError("give background, groups or n")
    return np.hstack([np.ones((n, 1)), *cols]), pca
