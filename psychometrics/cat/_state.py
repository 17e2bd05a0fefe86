"""Immutable adaptive-test state, its incremental EAP update and the stopping rule."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from psychometrics._typing import FloatArray
from psychometrics.cat._bank import CATBank, as_bank
from psychometrics.irt import ItemParameters

__all__ = [
    "CATState",
    "StopDecision",
    "cat_replay",
    "cat_start",
    "cat_update",
    "should_stop",
]

_STATE_VERSION = 1


def _eap(log_post: FloatArray, powers: FloatArray) -> tuple[float, float]:
    """Posterior mean and SD of a (shifted) log posterior; ``powers`` is (3, Q)."""
    s, m1, m2 = (powers @ np.exp(log_post)).tolist()
    m = m1 / s
    return m, math.sqrt(max(m2 / s - m * m, 0.0))


@dataclass(frozen=True, repr=False)
class CATState:
    """State of one adaptive session; never changed in place.

    Attributes
    ----------
    items : tuple of int
        Bank positions of the administered items, in order.
    responses : tuple of int
        Category codes (0..K-1) of the responses, aligned with ``items``.
    log_posterior : ndarray of shape (Q,)
        Log posterior on the bank's grid, shifted so its maximum is 0; read-only.
    theta : float
        EAP estimate (posterior mean).
    se : float
        Posterior standard deviation.
    content_counts : tuple of int
        Items administered per content area of the bank (empty without areas).
    """

    items: tuple[int, ...]
    responses: tuple[int, ...]
    log_posterior: FloatArray
    theta: float
    se: float
    content_counts: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if len(self.items) != len(self.responses):
            raise ValueError(
                f"CATState has {len(self.items)} items but "
                f"{len(self.responses)} responses"
            )
        lp = np.asarray(self.log_posterior, dtype=np.float64)
        if lp.ndim != 1 or lp.size < 2:
            raise ValueError("log_posterior must be a 1-D array")
        if lp.flags.writeable:  # a private read-only copy keeps the state frozen
            lp = lp.copy()
            lp.setflags(write=False)
        object.__setattr__(self, "log_posterior", lp)

    @property
    def n_administered(self) -> int:
        """Number of items answered so far."""
        return len(self.items)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (plain lists and floats)."""
        return {
            "version": _STATE_VERSION,
            "items": list(self.items),
            "responses": list(self.responses),
            "log_posterior": self.log_posterior.tolist(),
            "theta": self.theta,
            "se": self.se,
            "content_counts": list(self.content_counts),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CATState:
        """Inverse of :meth:`to_dict`."""
        missing = {"items", "responses", "log_posterior", "theta", "se"} - set(d)
        if missing:
            raise ValueError(f"CATState dict lacks {sorted(missing)}")
        if d.get("version", _STATE_VERSION) != _STATE_VERSION:
            raise ValueError(f"unsupported CATState version {d['version']!r}")
        lp = np.asarray(d["log_posterior"], dtype=np.float64)
        if not np.isfinite(lp).all():
            raise ValueError("CATState dict has a non-finite log_posterior")
        return cls(
            items=tuple(int(i) for i in d["items"]),
            responses=tuple(int(r) for r in d["responses"]),
            log_posterior=lp,
            theta=float(d["theta"]),
            se=float(d["se"]),
            content_counts=tuple(int(c) for c in d.get("content_counts", ())),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CATState):
            return NotImplemented
        return (
            self.items == other.items
            and self.responses == other.responses
            and self.content_counts == other.content_counts
            and self.theta == other.theta
            and self.se == other.se
            and np.array_equal(self.log_posterior, other.log_posterior)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"CATState(n_administered={self.n_administered}, "
            f"theta={self.theta:.3f}, se={self.se:.3f})"
        )


@dataclass(frozen=True)
class StopDecision:
    """Whether to stop, and why ("max_length", "se_target", "bank_exhausted" or "")."""

    stop: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.stop


def cat_start(
    bank: CATBank | ItemParameters,
    *,
    prior_mean: float | None = None,
    prior_sd: float | None = None,
) -> CATState:
    """Start a session: the prior, no items.

    Parameters
    ----------
    bank : CATBank or ItemParameters
    prior_mean, prior_sd : float, optional
        Override the bank's normal prior (e.g. a district's mean).

    Returns
    -------
    CATState
    """
    bk = as_bank(bank)
    if prior_mean is None and prior_sd is None:
        lp = bk.log_prior
    else:
        mean = 0.0 if prior_mean is None else prior_mean
        sd = 1.0 if prior_sd is None else prior_sd
        if not sd > 0:
            raise ValueError(f"prior_sd must be > 0; got {sd}")
        lp = -0.5 * ((bk.theta - mean) / sd) ** 2
    lp = lp - lp.max()
    theta, se = _eap(lp, bk.theta_powers)
    return CATState((), (), lp, theta, se, (0,) * len(bk.areas))


def cat_update(
    state: CATState,
    item: int,
    response: int,
    bank: CATBank | ItemParameters,
) -> CATState:
    """Return the state after ``response`` to ``item``: O(Q) incremental EAP.

    Parameters
    ----------
    state : CATState
    item : int
        Bank position of the answered item (not yet administered).
    response : int
        Category code 0..K-1 of that item.
    bank : CATBank or ItemParameters

    Returns
    -------
    CATState
        A new state; ``state`` is unchanged.

    Notes
    -----
    The log posterior gains the row ``log P_item,response(theta_q)``; the EAP and
    posterior SD are sums over the Q grid points (Bock & Mislevy, 1982).

    References
    ----------
    Bock, R. D., & Mislevy, R. J. (1982). Adaptive EAP estimation of ability in a
    microcomputer environment. Applied Psychological Measurement, 6, 431-444.
    """
    bk = as_bank(bank)
    if state.log_posterior.size != bk.n_quadrature:
        raise ValueError(
            f"state has a {state.log_posterior.size}-point posterior but the bank "
            f"grid has {bk.n_quadrature} points"
        )
    j = int(item)
    if j != item or not 0 <= j < bk.n_items:
        raise ValueError(f"item {item!r} is not a position in a bank of {bk.n_items}")
    if j in state.items:
        raise ValueError(f"item {bk.params.item_ids[j]!r} was already administered")
    r = int(response)
    if r != response or not 0 <= r < bk.n_categories[j]:
        raise ValueError(
            f"response {response!r} to item {bk.params.item_ids[j]!r} is not a "
            f"category 0..{bk.n_categories[j] - 1}"
        )
    lp = state.log_posterior + bk.log_prob[j, r]
    lp -= lp.max()
    lp.setflags(write=False)
    theta, se = _eap(lp, bk.theta_powers)
    counts = state.content_counts
    if bk.areas:
        if len(counts) != len(bk.areas):
            counts = (0,) * len(bk.areas)
        area = int(bk.item_area[j])
        counts = counts[:area] + (counts[area] + 1,) + counts[area + 1 :]
    return CATState(state.items + (j,), state.responses + (r,), lp, theta, se, counts)


def cat_replay(
    bank: CATBank | ItemParameters,
    items: Sequence[int],
    responses: Sequence[int],
    *,
    prior_mean: float | None = None,
    prior_sd: float | None = None,
) -> CATState:
    """Rebuild a state from the stored items and responses of a session."""
    if len(items) != len(responses):
        raise ValueError(f"{len(items)} items but {len(responses)} responses")
    state = cat_start(bank, prior_mean=prior_mean, prior_sd=prior_sd)
    for item, response in zip(items, responses, strict=True):
        state = cat_update(state, item, response, bank)
    return state


def should_stop(
    state: CATState,
    *,
    se_target: float | None = 0.3,
    max_length: int = 30,
    min_length: int = 1,
    bank: CATBank | ItemParameters | None = None,
) -> StopDecision:
    """Decide whether the session ends after the current item.

    Parameters
    ----------
    state : CATState
    se_target : float or None, default=0.3
        Stop once the posterior SD is at or below this (None: fixed length).
    max_length : int, default=30
        Stop after this many items whatever the SE.
    min_length : int, default=1
        Never stop on the SE before this many items.
    bank : CATBank or ItemParameters, optional
        When given, stop as well once every item has been administered.

    Returns
    -------
    StopDecision
        Truthy when the session should stop.
    """
    if max_length < 1 or min_length < 0 or min_length > max_length:
        raise ValueError(
            f"need 0 <= min_length <= max_length and max_length >= 1; got "
            f"min_length={min_length}, max_length={max_length}"
        )
    n = state.n_administered
    if n >= max_length:
        return StopDecision(True, "max_length")
    if se_target is not None and n >= min_length and state.se <= se_target:
        return StopDecision(True, "se_target")
    if bank is not None and n >= as_bank(bank).n_items:
        return StopDecision(True, "bank_exhausted")
    return StopDecision(False, "")
