"""Item selection: information rules, exposure control and content balancing.

The kernels work on a batch of sessions (leading axis R) so that one code path
serves a live session (R = 1) and a simulation of thousands of simulees.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from psychometrics._typing import BoolArray, FloatArray, IntArray
from psychometrics.cat._bank import CATBank, as_bank
from psychometrics.cat._state import CATState
from psychometrics.irt import ItemParameters

__all__ = [
    "RULES",
    "Randomesque",
    "SympsonHetter",
    "select_next_item",
]

Rule = Literal["mfi", "kl", "weighted_info"]
RULES = ("mfi", "kl", "weighted_info")
#: Half-width of the Chang-Ying KL interval is KL_Z / sqrt(n).
KL_Z = 3.0


@dataclass(frozen=True)
class Randomesque:
    """Randomesque exposure control: pick at random among the ``k`` best items.

    References
    ----------
    Kingsbury, G. G., & Zara, A. R. (1989). Procedures for selecting items for
    computerized adaptive tests. Applied Measurement in Education, 2, 359-375.
    """

    k: int = 5

    def __post_init__(self) -> None:
        if int(self.k) != self.k or self.k < 1:
            raise ValueError(f"Randomesque k must be a positive integer; got {self.k}")


@dataclass(frozen=True, repr=False)
class SympsonHetter:
    """Sympson–Hetter exposure control with parameters ``K_i`` in (0, 1].

    The candidates are taken in order of the selection criterion; candidate ``i``
    passes a lottery with probability ``K_i`` and the first to pass is administered.
    A candidate that fails stays in the pool for later items, and
    :func:`sympson_hetter_calibrate` derives ``K`` for exactly this procedure.

    Parameters
    ----------
    k_params : array_like of shape (n_items,)

    References
    ----------
    Sympson, J. B., & Hetter, R. D. (1985). Controlling item-exposure rates in
    computerized adaptive testing. Proceedings of the 27th annual meeting of the
    Military Testing Association (pp. 973-977).
    """

    k_params: FloatArray

    def __post_init__(self) -> None:
        k = np.array(self.k_params, dtype=np.float64).reshape(-1)
        if k.size == 0 or not ((k > 0) & (k <= 1)).all():
            raise ValueError("Sympson-Hetter parameters must lie in (0, 1]")
        k.setflags(write=False)
        object.__setattr__(self, "k_params", k)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {"k_params": self.k_params.tolist()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SympsonHetter:
        """Inverse of :meth:`to_dict`."""
        return cls(np.asarray(d["k_params"], dtype=np.float64))

    def __repr__(self) -> str:
        return (
            f"SympsonHetter(n_items={self.k_params.size}, "
            f"n_controlled={int((self.k_params < 1).sum())}, "
            f"min_k={self.k_params.min():.3f})"
        )


Exposure = Randomesque | SympsonHetter | None


def _grid_position(bank: CATBank, theta: FloatArray) -> tuple[IntArray, FloatArray]:
    x = (theta - bank.theta[0]) / bank.step
    j = np.clip(np.floor(x).astype(np.int64), 0, bank.n_quadrature - 2)
    return j, np.clip(x - j, 0.0, 1.0)


def _criterion(
    bank: CATBank,
    rule: str,
    theta: FloatArray,
    log_post: FloatArray,
    n_adm: IntArray,
) -> FloatArray:
    """Selection criterion of every item for each session, shape (R, n_items).

    ``theta`` (R,), ``log_post`` (R, Q), ``n_adm`` (R,).
    """
    if rule == "mfi":
        j, w = _grid_position(bank, theta)
        lo_col, hi_col = bank.info_t[j], bank.info_t[j + 1]
        return np.asarray(lo_col * (1.0 - w)[:, None] + hi_col * w[:, None])
    if rule == "weighted_info":
        post = np.exp(log_post - log_post.max(axis=1, keepdims=True))
        post /= post.sum(axis=1, keepdims=True)
        return np.asarray(post @ bank.info_t)
    # Chang-Ying interval KL: int_{theta-d}^{theta+d} KL(P(theta_hat) || P(t)) dt
    # on the grid, with running sums of log P so each item costs O(K).
    q = bank.n_quadrature
    j0 = np.clip(
        np.rint((theta - bank.theta[0]) / bank.step).astype(np.int64), 0, q - 1
    )
    half = np.ceil(KL_Z / np.sqrt(np.maximum(n_adm, 1)) / bank.step).astype(np.int64)
    lo, hi = np.maximum(j0 - half, 0), np.minimum(j0 + half, q - 1)
    p0 = np.moveaxis(bank.prob[:, :, j0], 2, 0)  # (R, n, K)
    l0 = np.moveaxis(bank.log_prob[:, :, j0], 2, 0)
    window = np.moveaxis(
        bank.cum_log_prob[:, :, hi + 1] - bank.cum_log_prob[:, :, lo], 2, 0
    )
    width = (hi - lo + 1).astype(np.float64)[:, None, None]
    return np.asarray((p0 * (width * l0 - window)).sum(axis=2) * bank.step)


def _balance(
    bank: CATBank,
    targets: FloatArray,
    available: BoolArray,
    counts: IntArray,
    n_adm: IntArray,
) -> BoolArray:
    """Restrict each row to the most under-represented area that has items left.

    Kingsbury–Zara: the area with the largest ``target - share so far``; rows whose
    blueprint areas are all exhausted keep every available item.
    """
    onehot = np.zeros((bank.n_items, len(bank.areas)))
    onehot[np.arange(bank.n_items), bank.item_area] = 1.0
    has_items = np.asarray((available @ onehot) > 0)
    deficit = targets[None, :] - counts / np.maximum(n_adm, 1)[:, None]
    ok = has_items & (targets > 0)[None, :]
    area = np.argmax(np.where(ok, deficit, -np.inf), axis=1)
    restricted = available & (bank.item_area[None, :] == area[:, None])
    any_ok = np.asarray(ok.any(axis=1), dtype=bool)
    return np.where(any_ok[:, None], restricted, available)


def _choose(
    crit: FloatArray,
    available: BoolArray,
    exposure: Exposure,
    rng: np.random.Generator,
) -> IntArray:
    """Pick one item per row among the available ones."""
    masked = np.where(available, crit, -np.inf)
    if exposure is None:
        chosen = np.argmax(masked, axis=1)
    elif isinstance(exposure, Randomesque):
        n_avail = available.sum(axis=1)
        k = min(int(exposure.k), masked.shape[1])
        top = np.argpartition(-masked, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(masked, top, axis=1), axis=1)
        top = np.take_along_axis(top, order, axis=1)
        rank = (rng.random(masked.shape[0]) * np.minimum(n_avail, k)).astype(np.int64)
        chosen = top[np.arange(masked.shape[0]), rank]
    else:
        passed = available & (rng.random(masked.shape) < exposure.k_params[None, :])
        passed |= available & ~passed.any(axis=1, keepdims=True)
        chosen = np.argmax(np.where(passed, crit, -np.inf), axis=1)
    return np.asarray(chosen, dtype=np.int64)


def _resolve_rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _select_mfi_fast(
    state: CATState,
    bank: CATBank,
    exposure: Exposure,
    rng: np.random.Generator | int | None,
) -> int:
    """One session, maximum information: the same arithmetic as the batch kernels
    without their array bookkeeping (a step must stay far below 0.2 ms)."""
    if len(state.items) >= bank.n_items:
        raise ValueError("no item is left in the bank to administer")
    x = (state.theta - bank.theta_min) / bank.step
    j = min(max(math.floor(x), 0), bank.n_quadrature - 2)
    w = min(max(x - j, 0.0), 1.0)
    crit = bank.info_t[j] * (1.0 - w)
    crit += bank.info_t[j + 1] * w
    if state.items:
        crit[list(state.items)] = -np.inf
    if exposure is None:
        return int(np.argmax(crit))
    available = np.isfinite(crit)[None, :]
    chosen = _choose(crit[None, :], available, exposure, _resolve_rng(rng))
    return int(chosen[0])


def check_rule(rule: str, name: str = "rule") -> None:
    """Raise ValueError for an unknown selection rule."""
    if rule not in RULES:
        raise ValueError(f"{name} must be one of {RULES}; got {rule!r}")


def check_exposure(exposure: object, n_items: int) -> None:
    """Raise ValueError for an exposure control that does not fit the bank."""
    if exposure is None or isinstance(exposure, Randomesque):
        return
    if not isinstance(exposure, SympsonHetter):
        raise ValueError(
            "exposure must be None, Randomesque(k) or SympsonHetter(k_params); "
            f"got {type(exposure).__name__}"
        )
    if exposure.k_params.size != n_items:
        raise ValueError(
            f"SympsonHetter has {exposure.k_params.size} parameters for a bank of "
            f"{n_items} items"
        )


def select_next_item(
    state: CATState,
    bank: CATBank | ItemParameters,
    *,
    rule: Rule = "mfi",
    start_rule: Rule | None = None,
    n_start: int = 0,
    exposure: Randomesque | SympsonHetter | None = None,
    blueprint: Mapping[str, float] | None = None,
    rng: np.random.Generator | int | None = None,
    exclude: ArrayLike | None = None,
) -> int:
    """Choose the next item of a session.

    Parameters
    ----------
    state : CATState
    bank : CATBank or ItemParameters
    rule : {"mfi", "kl", "weighted_info"}, default="mfi"
        Maximum Fisher information at the EAP; Chang–Ying KL information over
        ``theta ± 3/sqrt(n)``; or Fisher information weighted by the posterior
        (van der Linden, 1998).
    start_rule : {"mfi", "kl", "weighted_info"}, optional
        Rule for the first ``n_start`` items, where the estimate is still poor.
    n_start : int, default=0
    exposure : Randomesque or SympsonHetter, optional
    blueprint : mapping of str to float, optional
        Target share per content area (Kingsbury–Zara balancing); the bank must
        have been built with ``content_areas``.
    rng : numpy.random.Generator or int, optional
        Source of randomness for exposure control.
    exclude : array_like of int, optional
        Bank positions that must not be chosen (e.g. items retired since the
        session started).

    Returns
    -------
    int
        Bank position of the next item.

    Raises
    ------
    ValueError
        Unknown rule, a blueprint that does not fit the bank, exposure parameters of
        the wrong length, or no item left to give.

    References
    ----------
    Chang, H.-H., & Ying, Z. (1996). A global information approach to computerized
    adaptive testing. Applied Psychological Measurement, 20, 213-229.
    van der Linden, W. J. (1998). Bayesian item selection criteria for adaptive
    testing. Psychometrika, 63, 201-216.
    """
    bk = as_bank(bank)
    check_rule(rule)
    if start_rule is not None:
        check_rule(start_rule, "start_rule")
        if state.n_administered < n_start:
            rule = start_rule
    check_exposure(exposure, bk.n_items)
    if state.log_posterior.size != bk.n_quadrature:
        raise ValueError(
            f"state has a {state.log_posterior.size}-point posterior but the bank "
            f"grid has {bk.n_quadrature} points"
        )
    if rule == "mfi" and blueprint is None and exclude is None:
        return _select_mfi_fast(state, bk, exposure, rng)
    available = np.ones((1, bk.n_items), dtype=bool)
    if state.items:
        available[0, list(state.items)] = False
    if exclude is not None:
        available[0, np.asarray(exclude, dtype=np.int64)] = False
    if not available.any():
        raise ValueError("no item is left in the bank to administer")
    n_adm = np.array([state.n_administered])
    if blueprint is not None:
        targets = bk.blueprint_targets(blueprint)
        counts = np.bincount(
            bk.item_area[list(state.items)], minlength=len(bk.areas)
        ).reshape(1, -1)
        available = _balance(bk, targets, available, counts, n_adm)
    crit = _criterion(
        bk, rule, np.array([state.theta]), state.log_posterior[None, :], n_adm
    )
    chosen = _choose(crit, available, exposure, _resolve_rng(rng))
    return int(chosen[0])
