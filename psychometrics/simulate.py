"""Simulated data sets with known parameters: items, abilities, designs, responses.

Dichotomous responses come from girth's generator (``girth.synthetic``), which uses
the same logistic metric; polytomous responses are drawn here by inverse CDF from
:func:`psychometrics.irt.category_probabilities`, because girth codes categories from 1
and has no GPCM with free slopes. Designs decide which cells are administered:
complete, a balanced rotation of item clusters (booklets), or a two-stage adaptive
test whose second stage depends on the routing score. A two-stage test can be cut
from an existing bank by difficulty (:func:`two_stage_design`: the middle third
routes, the extreme thirds follow) or assembled from modules written for their
stage, as operational multistage tests are (:func:`mst_bank`: routing items around
the population mean, easy and hard modules centred one SD below and above, routing
at the population median of the routing score) [2]_.

References
----------
.. [1] Frey, A., Hartig, J., & Rupp, A. A. (2009). An NCME instructional module on
   booklet designs in large-scale assessments of student achievement.
   *Educational Measurement: Issues and Practice*, 28(3), 39-53.
.. [2] Yan, D., von Davier, A. A., & Lewis, C. (2014). *Computerized Multistage
   Testing: Theory and Applications*. CRC Press.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from girth.synthetic import create_synthetic_irt_dichotomous

from ._typing import ArrayLike, BoolArray, FloatArray, IntArray
from .irt import DICHOTOMOUS, ItemParameters, _groups, category_probabilities
from .scoring import summed_score_table


def _rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def random_item_parameters(
    n_items: int,
    model: str = "2pl",
    *,
    rng: np.random.Generator | int | None = None,
    n_categories: int = 4,
    item_ids: Sequence[str] | None = None,
) -> ItemParameters:
    """Draw a plausible item bank.

    ``a ~ LogNormal(0, 0.3)`` clipped to [0.5, 2.5] (1 for Rasch), ``b ~ N(0, 1)``,
    ``c ~ U(0.1, 0.3)`` for 3PL; polytomous thresholds ``b + sorted N(0, 0.8)`` spread.

    Parameters
    ----------
    n_items : int
    model : {"rasch", "2pl", "3pl", "grm", "gpcm"}
    rng : Generator or seed
    n_categories : int, default=4
        Categories of polytomous items.
    item_ids : sequence of str, optional

    Returns
    -------
    ItemParameters
    """
    g = _rng(rng)
    a = np.clip(g.lognormal(0.0, 0.3, n_items), 0.5, 2.5)
    b = g.normal(0.0, 1.0, n_items)
    if model in DICHOTOMOUS:
        c = g.uniform(0.1, 0.3, n_items) if model == "3pl" else None
        return ItemParameters.dichotomous(
            None if model == "rasch" else a, b, c, model=model, item_ids=item_ids
        )
    k = n_categories - 1
    spread = np.sort(g.normal(0.0, 0.8, (n_items, k)), axis=1)
    spread -= spread.mean(axis=1, keepdims=True)
    # keep neighbouring thresholds apart so every category gets used
    spread += np.linspace(-0.3 * (k - 1), 0.3 * (k - 1), k)[None, :]
    return ItemParameters.polytomous(
        a, b[:, None] + spread, model=model, item_ids=item_ids
    )


def complete_design(n_persons: int, n_items: int) -> BoolArray:
    """Every person answers every item: mask of shape (n_persons, n_items)."""
    return np.ones((n_persons, n_items), dtype=bool)


def booklet_design(
    n_persons: int,
    n_items: int,
    *,
    n_clusters: int = 6,
    clusters_per_booklet: int = 2,
    rng: np.random.Generator | int | None = None,
) -> tuple[BoolArray, IntArray]:
    """Balanced rotation of item clusters into booklets.

    Items are cut into ``n_clusters`` consecutive clusters; booklet ``k`` holds clusters
    ``k, k+1, ..., k+clusters_per_booklet-1`` (mod ``n_clusters``), so each cluster
    appears in ``clusters_per_booklet`` booklets and the design is connected. Persons
    get booklets in a random balanced order.

    Returns
    -------
    mask : ndarray of shape (n_persons, n_items), bool
    booklet : ndarray of shape (n_persons,), int
    """
    if not 1 <= clusters_per_booklet <= n_clusters <= n_items:
        raise ValueError("need 1 <= clusters_per_booklet <= n_clusters <= n_items")
    cluster = np.arange(n_items) * n_clusters // n_items
    booklets = np.zeros((n_clusters, n_items), dtype=bool)
    for k in range(n_clusters):
        chosen = [(k + v) % n_clusters for v in range(clusters_per_booklet)]
        booklets[k] = np.isin(cluster, chosen)
    booklet = _rng(rng).permutation(np.arange(n_persons) % n_clusters)
    return booklets[booklet], booklet


@dataclass(frozen=True)
class TwoStageDesign:
    """Two-stage adaptive test: a routing block, then an easy or a hard block.

    Persons whose routing summed score is below ``cut`` take ``easy``, the others
    ``hard``. Administration depends only on observed responses, so the design is
    ignorable for marginal maximum likelihood (but not for estimators that treat the
    stage-two blocks as separate samples).

    Attributes
    ----------
    routing, easy, hard : ndarray of int
        Item columns of each block.
    cut : float
        Routing summed score from which a person goes to ``hard``.
    """

    routing: IntArray
    easy: IntArray
    hard: IntArray
    cut: float

    def mask(self, responses: FloatArray) -> BoolArray:
        """Administered cells given complete potential responses (n_persons, n_items)."""
        score = responses[:, self.routing].sum(axis=1)
        high = score >= self.cut
        m = np.zeros(responses.shape, dtype=bool)
        m[:, self.routing] = True
        m[np.ix_(~high, self.easy)] = True
        m[np.ix_(high, self.hard)] = True
        return m


def two_stage_design(
    params: ItemParameters, *, n_routing: int | None = None
) -> TwoStageDesign:
    """Split a bank by difficulty: middle items route, easiest and hardest follow.

    Parameters
    ----------
    params : ItemParameters
    n_routing : int, optional
        Routing block size (default: a third of the bank).
    """
    n = params.n_items
    n_routing = n_routing or n // 3
    order = np.argsort(params.b)
    rest = n - n_routing
    easy = order[: rest // 2]
    hard = order[n - (rest - rest // 2) :]
    routing = order[rest // 2 : n - (rest - rest // 2)]
    cut = float(np.sum(params.n_categories[routing] - 1)) / 2.0
    return TwoStageDesign(np.sort(routing), np.sort(easy), np.sort(hard), cut)


def mst_bank(
    n_routing: int = 20,
    n_module: int = 20,
    model: str = "2pl",
    *,
    rng: np.random.Generator | int | None = None,
    module_shift: float = 1.0,
    b_sd: float = 0.5,
    a_sd: float = 0.3,
) -> tuple[ItemParameters, TwoStageDesign]:
    """Draw a two-stage test whose modules are targeted at their stage.

    Routing items have ``b ~ N(0, b_sd²)``, the easy module ``b ~ N(-module_shift,
    b_sd²)`` and the hard module ``b ~ N(module_shift, b_sd²)``; slopes ``a ~
    LogNormal(0, a_sd²)`` clipped to [0.5, 2.5], ``c ~ U(0.1, 0.3)`` for 3PL. The cut
    is the median routing score of an N(0, 1) population (computed from the drawn
    routing items by the Lord–Wingersky recursion), so about half the persons take
    each module. Item columns: routing first, then easy, then hard.

    This is how operational multistage tests are assembled, and the design the
    two-stage benchmark (``benchmarks/bench_calibration.py``) and
    ``python -m psychometrics simulate --design two-stage --targeted`` use;
    :func:`two_stage_design` instead cuts an existing bank by difficulty.

    Parameters
    ----------
    n_routing, n_module : int, default=20
        Items in the routing block and in each second-stage module.
    model : {"rasch", "2pl", "3pl"}
    rng : Generator or seed
    module_shift : float, default=1.0
        Distance of the easy and hard module centres from 0 (logits).
    b_sd : float, default=0.5
        Spread of difficulties within a block.
    a_sd : float, default=0.3
        SD of ``log a``.

    Returns
    -------
    params : ItemParameters
    design : TwoStageDesign
        Pass as ``design=`` to :func:`simulate_responses`; its ``mask`` decides the
        second-stage module from each person's routing score.

    Examples
    --------
    >>> import numpy as np
    >>> from psychometrics import TwoPL, mst_bank, simulate_responses
    >>> rng = np.random.default_rng(0)
    >>> true, design = mst_bank(10, 10, rng=rng)
    >>> x = simulate_responses(true, rng.normal(size=2_000), rng=rng, design=design)
    >>> x.shape, int(np.isfinite(x).sum(axis=1).max())
    ((2000, 30), 20)
    >>> fit = TwoPL().fit(x)  # nan cells are skipped: the design is ignorable
    """
    if model not in DICHOTOMOUS:
        raise ValueError(f"mst_bank draws dichotomous items; got model {model!r}")
    if n_routing < 1 or n_module < 1:
        raise ValueError("n_routing and n_module must be at least 1")
    g = _rng(rng)
    n = n_routing + 2 * n_module
    a = np.clip(g.lognormal(0.0, a_sd, n), 0.5, 2.5)
    centre = np.repeat(
        [0.0, -module_shift, module_shift], [n_routing, n_module, n_module]
    )
    b = g.normal(centre, b_sd)
    c = g.uniform(0.1, 0.3, n) if model == "3pl" else None
    params = ItemParameters.dichotomous(
        None if model == "rasch" else a, b, c, model=model
    )
    routing = np.arange(n_routing)
    dist = summed_score_table(params.subset(routing)).probability
    at_least = dist[::-1].cumsum()[::-1]  # P(score >= s), s = 0..n_routing
    cut = float(np.argmin(np.abs(at_least - 0.5)))
    design = TwoStageDesign(
        routing,
        np.arange(n_routing, n_routing + n_module),
        np.arange(n_routing + n_module, n),
        cut,
    )
    return params, design


def simulate_responses(
    params: ItemParameters,
    theta: ArrayLike,
    *,
    rng: np.random.Generator | int | None = None,
    design: BoolArray | TwoStageDesign | None = None,
) -> FloatArray:
    """Draw responses of persons with abilities ``theta`` to a bank.

    Parameters
    ----------
    params : ItemParameters
    theta : array_like of shape (n_persons,)
    rng : Generator or seed
    design : bool array of shape (n_persons, n_items), TwoStageDesign, or None
        Administered cells (``None``: complete).

    Returns
    -------
    ndarray of shape (n_persons, n_items)
        Codes as floats, ``nan`` where not administered.
    """
    g = _rng(rng)
    th = np.asarray(theta, dtype=np.float64).reshape(-1)
    out = np.empty((th.size, params.n_items))
    for m, idx in _groups(params.models).items():
        if m in DICHOTOMOUS:
            seed = int(g.integers(2**32))
            data = create_synthetic_irt_dichotomous(
                params.b[idx], params.a[idx], th, guessing=params.c[idx], seed=seed
            )
            out[:, idx] = data.T
            continue
        sub = params.subset(idx)
        for lo in range(0, th.size, 20_000):
            sl = slice(lo, min(th.size, lo + 20_000))
            cum = np.cumsum(category_probabilities(sub, th[sl]), axis=2)  # (J, n, K)
            u = g.random((idx.size, cum.shape[1], 1))
            out[sl, idx] = (u > cum[:, :, :-1]).sum(axis=2).T
    if design is not None:
        mask = (
            design.mask(out)
            if isinstance(design, TwoStageDesign)
            else np.asarray(design)
        )
        if mask.shape != out.shape:
            raise ValueError(
                f"design mask has shape {mask.shape}, expected {out.shape}"
            )
        out[~mask] = np.nan
    return out


__all__ = [
    "TwoStageDesign",
    "booklet_design",
    "complete_design",
    "mst_bank",
    "random_item_parameters",
    "simulate_responses",
    "two_stage_design",
]
