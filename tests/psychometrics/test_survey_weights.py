"""Weights: base weights, non-response adjustment, raking with trimming."""

import numpy as np
import pytest

from psychometrics._validation import ConvergenceWarning
from psychometrics.survey import (
    Margin,
    base_weights,
    margin_totals,
    nonresponse_adjust,
    rake,
)

TOTAL = 1_000_000.0


def _sample(seed: int = 0, n: int = 3000):
    rng = np.random.default_rng(seed)
    district = rng.integers(0, 16, n)
    age = rng.choice(3, n, p=[0.2, 0.5, 0.3])  # the young are under-represented
    sex = rng.integers(0, 2, n)
    w = rng.lognormal(4.0, 0.5, n)
    w *= TOTAL / w.sum()  # base weights add up to the population
    size = np.linspace(1.0, 2.0, 16)
    margins = [
        Margin("district", district, dict(enumerate(TOTAL * size / size.sum()))),
        Margin("age_band", age, {0: 0.3 * TOTAL, 1: 0.45 * TOTAL, 2: 0.25 * TOTAL}),
        Margin("sex", sex, {0: 0.52 * TOTAL, 1: 0.48 * TOTAL}),
    ]
    return w, margins


def test_base_weights_are_inverse_inclusion_probabilities():
    np.testing.assert_allclose(base_weights([0.5, 0.01, 1.0]), [2.0, 100.0, 1.0])
    with pytest.raises(ValueError, match="not in \\(0, 1\\]"):
        base_weights([0.5, 0.0])


def test_nonresponse_adjustment_keeps_each_class_total():
    w = np.array([10.0, 10.0, 20.0, 5.0, 5.0, 5.0])
    responded = np.array([True, False, True, True, True, False])
    cls = np.array(["a", "a", "a", "b", "b", "b"])
    adj = nonresponse_adjust(w, responded, cls)
    # class a: 40 spread over respondents weighing 30 -> factor 4/3
    np.testing.assert_allclose(adj, [40 / 3, 0.0, 80 / 3, 7.5, 7.5, 0.0])
    assert adj[cls == "a"].sum() == pytest.approx(40.0)


def test_nonresponse_adjustment_rejects_a_class_without_respondents():
    with pytest.raises(ValueError, match=r"\['b'\] have no respondents"):
        nonresponse_adjust([1.0, 1.0], np.array([True, False]), ["a", "b"])


def test_raked_weights_reproduce_every_population_margin():
    """After raking, weighted margins equal the population margins (rel. tol 1e-8)."""
    w, margins = _sample()
    result = rake(w, margins, tol=1e-10)
    assert result.report.converged
    for m in margins:
        got = margin_totals(result.weights, m.values)
        for key, target in m.totals.items():
            assert got[key] == pytest.approx(target, rel=1e-8)


def test_trimming_caps_weights_and_the_margins_still_hold():
    """Trim-and-re-rake: no weight above 3.5 × median, margins within 1e-8."""
    w, margins = _sample(seed=1)
    w[:20] *= 30  # a few extreme weights
    result = rake(w, margins, max_ratio=3.5, tol=1e-10, max_iter=1000)
    med = np.median(result.weights)
    assert result.report.converged
    assert result.report.n_trimmed > 0
    assert result.weights.max() <= 3.5 * med * (1 + 1e-6)
    for m in margins:
        got = margin_totals(result.weights, m.values)
        for key, target in m.totals.items():
            assert got[key] == pytest.approx(target, rel=1e-8)


def test_raking_bounds_on_adjustment_factors():
    w, margins = _sample(seed=2)
    result = rake(w, margins, bounds=(0.3, 3.0), tol=1e-9, max_iter=2000)
    g = result.weights / w
    assert result.report.converged
    assert g.min() >= 0.3 - 1e-12 and g.max() <= 3.0 + 1e-12


def test_raking_that_cannot_converge_warns_and_says_so():
    w, margins = _sample()
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        result = rake(w, margins, bounds=(0.99, 1.01), max_iter=20)
    assert not result.report.converged
    assert result.report.max_discrepancy > 1e-3
    assert "converged=False" in repr(result.report)


def test_raking_columns_at_once_matches_raking_each_column():
    """2-D input (replicates) is raked column by column, in one pass."""
    w, margins = _sample(seed=4, n=800)
    rng = np.random.default_rng(0)
    cols = w[:, None] * rng.choice([0.0, 1.0, 2.0], (w.size, 3), p=[0.1, 0.8, 0.1])
    both = rake(cols, margins, tol=1e-11).weights
    for j in range(3):
        alone = rake(np.where(cols[:, j] > 0, cols[:, j], 1.0), margins, tol=1e-11)
        keep = cols[:, j] > 0
        # a zero weight stays zero
        assert (both[~keep, j] == 0).all()
        # the positive weights of the column satisfy the margins like a 1-D rake
        for m in margins:
            got = margin_totals(both[:, j], m.values)
            for key, target in m.totals.items():
                assert got[key] == pytest.approx(target, rel=1e-8)
        assert alone.report.converged


def test_raking_errors_name_what_is_wrong():
    w, margins = _sample(n=300)
    d = margins[0]
    no_cover = Margin(
        "district", d.values, {k: v for k, v in d.totals.items() if k != 3}
    )
    with pytest.raises(ValueError, match="sample category 3 has no population total"):
        rake(w, [no_cover, margins[1]])
    extra = Margin(
        "sex", margins[2].values, {0: 0.5 * TOTAL, 1: 0.4 * TOTAL, 2: 0.1 * TOTAL}
    )
    with pytest.raises(ValueError, match="category 2 has no respondents"):
        rake(w, [extra])
    mismatch = Margin("sex", margins[2].values, {0: 1.0, 1: 1.0})
    with pytest.raises(ValueError, match="margin totals do not match"):
        rake(w, [margins[0], mismatch])
    bad = w.copy()
    bad[7] = 0.0
    with pytest.raises(
        ValueError, match="non-positive weight 0.0 at position \\(7,\\)"
    ):
        rake(bad, margins)
    with pytest.raises(ValueError, match="has 299 entries, expected 300"):
        rake(w, [Margin("x", np.zeros(299), {0: 1.0})])
    with pytest.raises(ValueError, match="no margins"):
        rake(w, [])
