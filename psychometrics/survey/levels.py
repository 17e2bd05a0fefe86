"""Proficiency levels from cut scores, and attainment.

Cut scores per domain split the reporting scale into levels; a score at or above a cut
belongs to the higher level. The attainment rate is the weighted share at or above the
"attained" level.

References
----------
.. [1] OECD (2019). *Technical Report of the Survey of Adult Skills (PIAAC)*, 3rd ed.,
   ch. 21 (describing proficiency levels).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from psychometrics.survey._common import BoolArray, IntArray


def level_index(scores: ArrayLike, cuts: ArrayLike) -> IntArray:
    """Return the level index of each score under increasing cut scores.

    The one rule from a score to a level: level ``l`` holds
    ``cuts[l-1] <= score < cuts[l]``, so a score exactly at a cut belongs to the
    higher level and ``0`` is the level below the first cut. A citizen's result, a
    credit and a district's rate all reach their level through this function.

    Parameters
    ----------
    scores : array_like
        Abilities (theta) or scale scores, any shape; no ``nan``.
    cuts : array_like of float
        Increasing cut scores, shape (n_levels - 1,).

    Returns
    -------
    ndarray of intp
        Level indices in ``0 .. len(cuts)``, shape of ``scores``.
    """
    s = np.asarray(scores, dtype=np.float64)
    if np.isnan(s).any():
        raise ValueError("scores contain nan")
    c = np.asarray(cuts, dtype=np.float64)
    if c.ndim != 1 or (np.diff(c) <= 0).any():
        raise ValueError(f"cuts must be increasing, got {list(c)}")
    return np.searchsorted(c, s, side="right").astype(np.intp)


@dataclass(frozen=True)
class ProficiencyLevels:
    """Cut scores of one domain.

    Parameters
    ----------
    domain : str
    cuts : tuple of float
        Increasing cut scores; ``len(labels) == len(cuts) + 1``.
    labels : tuple
        Level labels, lowest first (e.g. ``("below 1", "1", "2", "3")``).
    attained : hashable
        Label of the lowest level that counts as attained.
    """

    domain: str
    cuts: tuple[float, ...]
    labels: tuple[Hashable, ...]
    attained: Hashable

    def __post_init__(self) -> None:
        c = np.asarray(self.cuts, dtype=np.float64)
        if (
            c.ndim != 1
            or c.size == 0
            or not np.isfinite(c).all()
            or (np.diff(c) <= 0).any()
        ):
            raise ValueError(
                f"{self.domain}: cuts must be finite and increasing, got {self.cuts}"
            )
        if len(self.labels) != c.size + 1:
            raise ValueError(
                f"{self.domain}: {len(self.labels)} labels for {c.size} cuts "
                f"(need {c.size + 1})"
            )
        if self.attained not in self.labels:
            raise ValueError(
                f"{self.domain}: attained level {self.attained!r} is not a label"
            )
        if self.attained == self.labels[0]:
            raise ValueError(
                f"{self.domain}: the lowest level cannot be the attained level"
            )

    @property
    def attained_cut(self) -> float:
        """Cut score of the attained level."""
        return float(self.cuts[self.labels.index(self.attained) - 1])

    def classify(self, scores: ArrayLike) -> IntArray:
        """Return the level index (0 = lowest) of each score; shape of ``scores``."""
        try:
            return level_index(scores, self.cuts)
        except ValueError as exc:
            raise ValueError(f"{self.domain}: {exc}") from exc

    def attains(self, scores: ArrayLike) -> BoolArray:
        """Return whether each score is at or above the attained level's cut."""
        attained = self.labels.index(self.attained)
        return level_index(scores, self.cuts) >= attained


def levels_by_domain(
    spec: dict[str, tuple[Sequence[float], Sequence[Hashable], Hashable]],
) -> dict[str, ProficiencyLevels]:
    """Build ``{domain: ProficiencyLevels}`` from ``{domain: (cuts, labels, attained)}``."""
    return {
        d: ProficiencyLevels(d, tuple(float(c) for c in cuts), tuple(labels), attained)
        for d, (cuts, labels, attained) in spec.items()
    }
