"""Linking a new calibration to the reporting scale through common items.

The linear transformation maps the new scale onto the reference scale::

    theta_ref = A * theta_new + B
    a_ref = a_new / A,  b_ref = A * b_new + B,  thresholds_ref = A * thr_new + B

(``c`` is unchanged). ``A`` and ``B`` come from the items both calibrations share,
matched by item id: mean–sigma, mean–mean, Stocking–Lord (test characteristic curves)
or Haebara (item characteristic curves). The linking error is the jackknife standard
error over common items.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize

from psychometrics._typing import FloatArray
from psychometrics.irt import ItemParameters, category_probabilities, normal_quadrature

__all__ = [
    "LinkingResult",
    "link",
    "transform_parameters",
    "transform_theta",
]

LinkingMethod = Literal["mean_sigma", "mean_mean", "stocking_lord", "haebara"]
_METHODS = ("mean_sigma", "mean_mean", "stocking_lord", "haebara")


@dataclass(frozen=True, repr=False)
class LinkingResult:
    """Linking constants from a new calibration to the reference scale.

    Attributes
    ----------
    A, B : float
        Slope and intercept: ``theta_ref = A * theta_new + B``.
    se_A, se_B : float
        Jackknife standard errors over common items (nan without jackknife).
    linking_error : float
        Jackknife SE of the shift ``B``: the error a linked mean carries on top of its
        sampling error (nan without jackknife).
    method : str
    common_item_ids : tuple of str
    """

    A: float
    B: float
    se_A: float
    se_B: float
    linking_error: float
    method: str
    common_item_ids: tuple[str, ...]

    @property
    def n_common(self) -> int:
        """Number of common items."""
        return len(self.common_item_ids)

    def transform_parameters(self, params: ItemParameters) -> ItemParameters:
        """Put ``params`` (on the new scale) onto the reference scale."""
        return transform_parameters(params, self.A, self.B)

    def transform_theta(self, theta: ArrayLike) -> FloatArray:
        """Put abilities from the new scale onto the reference scale."""
        return transform_theta(theta, self.A, self.B)

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly form."""
        return {
            "A": self.A,
            "B": self.B,
            "se_A": _none(self.se_A),
            "se_B": _none(self.se_B),
            "linking_error": _none(self.linking_error),
            "method": self.method,
            "common_item_ids": list(self.common_item_ids),
        }

    def __repr__(self) -> str:
        return (
            f"LinkingResult(method={self.method!r}, A={self.A:.4f}, B={self.B:.4f}, "
            f"linking_error={self.linking_error:.4f}, n_common={self.n_common})"
        )


def _none(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def transform_parameters(params: ItemParameters, A: float, B: float) -> ItemParameters:
    """Transform item parameters with ``theta_ref = A * theta + B``.

    Parameters
    ----------
    params : ItemParameters
    A : float
        Slope, > 0.
    B : float

    Returns
    -------
    ItemParameters
        ``a / A``, ``A * b + B``, ``A * thresholds + B``; ``c`` unchanged.
    """
    if not (np.isfinite(A) and A > 0 and np.isfinite(B)):
        raise ValueError(f"linking constants need A > 0 and finite B; got {A}, {B}")
    return dataclasses.replace(
        params,
        a=params.a / A,
        b=A * params.b + B,
        thresholds=A * params.thresholds + B,
    )


def transform_theta(theta: ArrayLike, A: float, B: float) -> FloatArray:
    """Return ``A * theta + B`` (abilities, shape kept); SEs scale by ``A`` alone."""
    return A * np.asarray(theta, dtype=np.float64) + B


def _locations(params: ItemParameters) -> FloatArray:
    """All location parameters: ``b`` of dichotomous items, every threshold else."""
    thr = params.thresholds
    return thr[~np.isnan(thr)]


def _moments(
    new: ItemParameters, ref: ItemParameters, method: str
) -> tuple[float, float]:
    loc_new, loc_ref = _locations(new), _locations(ref)
    if method == "mean_sigma":
        sd_new = loc_new.std()
        if sd_new == 0:
            raise ValueError(
                "mean-sigma linking needs common items of unequal difficulty"
            )
        A = loc_ref.std() / sd_new
    else:
        A = new.a.mean() / ref.a.mean()
    return float(A), float(loc_ref.mean() - A * loc_new.mean())


def _expected_scores(params: ItemParameters, theta: FloatArray) -> FloatArray:
    """Expected item score, shape (n_items, n_theta)."""
    p = category_probabilities(params, theta)
    return p @ np.arange(p.shape[2], dtype=np.float64)


def _characteristic_curve(
    new: ItemParameters,
    ref: ItemParameters,
    method: str,
    start: tuple[float, float],
    n_quadrature: int,
) -> tuple[float, float]:
    """Minimise the squared TCC (Stocking–Lord) or ICC (Haebara) differences."""
    theta, weights = normal_quadrature(n_quadrature, bound=4.0)
    p_ref = category_probabilities(ref, theta)

    def loss(x: FloatArray) -> float:
        A, B = float(np.exp(x[0])), float(x[1])
        # Transformed new-scale curves at theta equal the new curves at (theta-B)/A.
        p_new = category_probabilities(new, (theta - B) / A)
        if method == "stocking_lord":
            k = np.arange(p_ref.shape[2], dtype=np.float64)
            diff = (p_ref @ k).sum(axis=0) - (p_new @ k).sum(axis=0)
            return float(weights @ diff**2)
        diff2 = ((p_ref - p_new) ** 2).sum(axis=2)  # (n_items, n_theta)
        return float((diff2 @ weights).sum())

    x0 = np.array([np.log(start[0]), start[1]])
    res = optimize.minimize(
        loss,
        x0,
        method="Nelder-Mead",
        options={"xatol": 1e-7, "fatol": 1e-12, "maxiter": 2000},
    )
    return float(np.exp(res.x[0])), float(res.x[1])


def _constants(
    new: ItemParameters, ref: ItemParameters, method: str, n_quadrature: int
) -> tuple[float, float]:
    start = _moments(new, ref, "mean_sigma" if method != "mean_mean" else method)
    if method in ("mean_sigma", "mean_mean"):
        return start
    return _characteristic_curve(new, ref, method, start, n_quadrature)


def link(
    new_params: ItemParameters,
    ref_params: ItemParameters,
    *,
    method: LinkingMethod = "stocking_lord",
    common_item_ids: Sequence[str] | None = None,
    jackknife: bool = True,
    n_quadrature: int = 41,
) -> LinkingResult:
    """Find the linking constants of a new calibration from common items.

    Parameters
    ----------
    new_params : ItemParameters
        The new calibration.
    ref_params : ItemParameters
        Parameters on the reporting (reference) scale.
    method : {"stocking_lord", "haebara", "mean_sigma", "mean_mean"}
        Stocking–Lord minimises the weighted squared difference of the common items'
        test characteristic curves over a normal quadrature grid on the reference
        scale; Haebara the summed squared differences of category curves; both start
        from mean–sigma. Mean–sigma uses the locations (``b``, or all thresholds);
        mean–mean the discriminations for ``A``.
    common_item_ids : sequence of str, optional
        Default every id found in both banks.
    jackknife : bool, default=True
        Estimate standard errors by leaving out one common item at a time.
    n_quadrature : int, default=41
        Grid points on ±4 SD for the characteristic-curve methods.

    Returns
    -------
    LinkingResult

    Raises
    ------
    ValueError
        Unknown method, fewer than 2 common items, an id missing from a bank, or a
        common item with different models or category counts in the two banks.

    References
    ----------
    Kolen, M. J., & Brennan, R. L. (2014). *Test Equating, Scaling, and Linking*
    (3rd ed.), ch. 6. Springer.
    Stocking, M. L., & Lord, F. M. (1983). Developing a common metric in item response
    theory. Applied Psychological Measurement, 7, 201-210.
    Haebara, T. (1980). Equating logistic ability scales by a weighted least squares
    method. Japanese Psychological Research, 22, 144-149.
    Monseur, C., & Berezner, A. (2007). The computation of equating errors in
    international surveys in education. Journal of Applied Measurement, 8, 323-335.
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; got {method!r}")
    new_pos = {i: j for j, i in enumerate(new_params.item_ids)}
    ref_pos = {i: j for j, i in enumerate(ref_params.item_ids)}
    if common_item_ids is None:
        ids = [i for i in ref_params.item_ids if i in new_pos]
    else:
        ids = [str(i) for i in common_item_ids]
        for i in ids:
            if i not in new_pos:
                raise ValueError(f"common item {i!r} is not in the new parameters")
            if i not in ref_pos:
                raise ValueError(
                    f"common item {i!r} is not in the reference parameters"
                )
    if len(ids) < 2:
        raise ValueError(f"linking needs at least 2 common items; found {len(ids)}")
    new = new_params.subset([new_pos[i] for i in ids])
    ref = ref_params.subset([ref_pos[i] for i in ids])
    for j, i in enumerate(ids):
        if new.models[j] != ref.models[j] or new.n_categories[j] != ref.n_categories[j]:
            raise ValueError(
                f"common item {i!r} is {new.models[j]} with {new.n_categories[j]} "
                f"categories in the new bank but {ref.models[j]} with "
                f"{ref.n_categories[j]} in the reference bank"
            )
    A, B = _constants(new, ref, method, n_quadrature)
    se_a = se_b = np.nan
    if jackknife and len(ids) >= 3:
        n = len(ids)
        reps = np.array(
            [
                _constants(
                    new.subset(np.delete(np.arange(n), k)),
                    ref.subset(np.delete(np.arange(n), k)),
                    method,
                    n_quadrature,
                )
                for k in range(n)
            ]
        )
        var = (n - 1) / n * ((reps - reps.mean(axis=0)) ** 2).sum(axis=0)
        se_a, se_b = (float(v) for v in np.sqrt(var))
    return LinkingResult(
        A=A,
        B=B,
        se_A=se_a,
        se_B=se_b,
        linking_error=se_b,
        method=method,
        common_item_ids=tuple(ids),
    )
