"""Per-bank tables on a theta grid that make one adaptive step O(Q + n_items)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from psychometrics._typing import FloatArray, IntArray
from psychometrics.irt import ItemParameters, item_information, log_probability_table

__all__ = ["CATBank", "as_bank"]


class CATBank:
    """An item bank prepared for adaptive testing.

    Built once per parameter set (a few milliseconds for 1,000 items) and then shared
    by every session: all model evaluations happen here, so a step only adds one row
    to a log posterior and takes an argmax over one interpolated column.

    Parameters
    ----------
    params : ItemParameters
        Calibrated items (dichotomous and polytomous may be mixed).
    content_areas : sequence of str, optional
        Content area of each item, length n_items, for blueprint balancing.
    n_quadrature : int, default=81
        Points of the theta grid.
    bound : float, default=5.0
        The grid spans ``[-bound, bound]`` (logits).
    prior_mean, prior_sd : float
        Normal prior of a new session.

    Attributes
    ----------
    theta : ndarray of shape (Q,)
        Grid, equally spaced.
    log_prior : ndarray of shape (Q,)
    log_prob : ndarray of shape (n_items, max_categories, Q)
        ``log P_ik(theta_q)``; 0 for categories an item lacks.
    cum_log_prob : ndarray of shape (n_items, max_categories, Q + 1)
        Running sums of ``log_prob`` along the grid (for interval KL).
    prob : ndarray of shape (n_items, max_categories, Q)
    info_t : ndarray of shape (Q, n_items)
        Fisher information, grid-major so a grid column is contiguous.
    n_categories : ndarray of shape (n_items,)
    areas : tuple of str
        Distinct content areas (sorted); empty without ``content_areas``.
    item_area : ndarray of shape (n_items,)
        Index into ``areas`` per item (-1 without content areas).

    References
    ----------
    van der Linden, W. J., & Glas, C. A. W. (Eds.) (2010). *Elements of Adaptive
    Testing*. Springer, ch. 1-2.
    """

    def __init__(
        self,
        params: ItemParameters,
        *,
        content_areas: Sequence[str] | None = None,
        n_quadrature: int = 81,
        bound: float = 5.0,
        prior_mean: float = 0.0,
        prior_sd: float = 1.0,
    ) -> None:
        if not isinstance(params, ItemParameters):
            raise ValueError(
                f"CATBank needs ItemParameters; got {type(params).__name__}"
            )
        if params.n_items == 0:
            raise ValueError("the item bank is empty")
        bad = ~(np.isfinite(params.a) & np.isfinite(params.thresholds[:, 0]))
        if bad.any():
            raise ValueError(
                f"item {params.item_ids[int(np.flatnonzero(bad)[0])]!r} has no "
                "usable parameters"
            )
        if n_quadrature < 5:
            raise ValueError(f"n_quadrature must be >= 5; got {n_quadrature}")
        if not prior_sd > 0:
            raise ValueError(f"prior_sd must be > 0; got {prior_sd}")
        self.params = params
        self.theta: FloatArray = np.linspace(-bound, bound, n_quadrature)
        self.step = float(self.theta[1] - self.theta[0])
        self.theta_min = float(self.theta[0])
        # rows 1, theta, theta^2: one matrix-vector product gives all EAP moments
        self.theta_powers: FloatArray = np.vstack(
            [np.ones_like(self.theta), self.theta, self.theta**2]
        )
        self.log_prior: FloatArray = -0.5 * ((self.theta - prior_mean) / prior_sd) ** 2
        logp = log_probability_table(params, self.theta)  # (K, n, Q)
        self.log_prob: FloatArray = np.ascontiguousarray(np.moveaxis(logp, 0, 1))
        self.prob: FloatArray = np.exp(self.log_prob) * (
            np.arange(logp.shape[0])[None, :, None] < params.n_categories[:, None, None]
        )
        self.cum_log_prob: FloatArray = np.concatenate(
            [np.zeros(self.log_prob.shape[:2] + (1,)), self.log_prob.cumsum(axis=2)],
            axis=2,
        )
        self.info_t: FloatArray = np.ascontiguousarray(
            item_information(params, self.theta).T
        )
        self.n_categories: IntArray = params.n_categories.astype(np.int64)
        if content_areas is None:
            self.areas: tuple[str, ...] = ()
            self.item_area: IntArray = np.full(params.n_items, -1, dtype=np.int64)
        else:
            labels = [None if a is None else str(a) for a in content_areas]
            if len(labels) != params.n_items:
                raise ValueError(
                    f"content_areas has {len(labels)} entries for "
                    f"{params.n_items} items"
                )
            missing = [i for i, a in enumerate(labels) if a is None or a == ""]
            if missing:
                raise ValueError(
                    f"item {params.item_ids[missing[0]]!r} has no content area"
                )
            self.areas = tuple(sorted({a for a in labels if a is not None}))
            pos = {a: k for k, a in enumerate(self.areas)}
            self.item_area = np.array([pos[a] for a in labels], dtype=np.int64)
        for arr in (
            self.theta,
            self.theta_powers,
            self.log_prior,
            self.log_prob,
            self.prob,
            self.cum_log_prob,
            self.info_t,
            self.n_categories,
            self.item_area,
        ):
            arr.setflags(write=False)

    @property
    def n_items(self) -> int:
        """Number of items in the bank."""
        return self.params.n_items

    @property
    def n_quadrature(self) -> int:
        """Number of grid points Q."""
        return self.theta.size

    def index_of(self, item_id: str) -> int:
        """Return the bank position of ``item_id``."""
        try:
            return self.params.item_ids.index(str(item_id))
        except ValueError:
            raise ValueError(f"item {item_id!r} is not in the bank") from None

    def blueprint_targets(self, blueprint: Mapping[str, float]) -> FloatArray:
        """Target proportion per content area, aligned with :attr:`areas`.

        Parameters
        ----------
        blueprint : mapping of str to float
            Content area to target share; normalised to sum 1. Bank areas the
            blueprint leaves out get 0 and are never chosen.

        Returns
        -------
        ndarray of shape (n_areas,)

        Raises
        ------
        ValueError
            The bank has no content areas, a blueprint area has no items in the bank,
            or a share is negative / all shares are 0.
        """
        if not self.areas:
            raise ValueError(
                "a blueprint needs a bank built with content_areas=... per item"
            )
        pos = {a: k for k, a in enumerate(self.areas)}
        targets = np.zeros(len(self.areas))
        for area, share in blueprint.items():
            if str(area) not in pos:
                raise ValueError(f"blueprint area {area!r} has no items in the bank")
            if not (np.isfinite(share) and share >= 0):
                raise ValueError(
                    f"blueprint share of {area!r} must be >= 0; got {share}"
                )
            targets[pos[str(area)]] = share
        total = targets.sum()
        if total <= 0:
            raise ValueError("blueprint shares must not all be 0")
        return np.asarray(targets / total, dtype=np.float64)

    def __repr__(self) -> str:
        return (
            f"CATBank(n_items={self.n_items}, n_quadrature={self.n_quadrature}, "
            f"areas={len(self.areas)})"
        )


_CACHE: dict[int, tuple[ItemParameters, CATBank]] = {}


def as_bank(bank: CATBank | ItemParameters) -> CATBank:
    """Return ``bank`` itself, or a (cached) default :class:`CATBank` of parameters.

    The cache keeps the last few parameter objects by identity, so passing the same
    ``ItemParameters`` to every step builds the tables once.
    """
    if isinstance(bank, CATBank):
        return bank
    if not isinstance(bank, ItemParameters):
        raise ValueError(
            f"expected a CATBank or ItemParameters; got {type(bank).__name__}"
        )
    hit = _CACHE.get(id(bank))
    if hit is not None and hit[0] is bank:
        return hit[1]
    built = CATBank(bank)
    if len(_CACHE) >= 8:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[id(bank)] = (bank, built)
    return built
