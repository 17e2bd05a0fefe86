"""Mantel–Haenszel and logistic-regression DIF."""

from __future__ import annotations

import numpy as np
import pytest

from psychometrics.dif import (
    dif_by_group,
    logistic_dif,
    mantel_haenszel,
    mantel_haenszel_dif,
)

DIF_ITEMS = (0, 1)


def _dif_data(seed: int = 0, n_per_group: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """20 2PL items; items 0 and 1 are 1 logit harder for the focal group "F"."""
    rng = np.random.default_rng(seed)
    n_items = 20
    a = rng.uniform(0.9, 1.8, n_items)
    b = np.linspace(-1.5, 1.5, n_items)
    groups = np.array(["R"] * n_per_group + ["F"] * n_per_group, dtype=object)
    # impact: the focal group is less able, which matching must absorb
    theta = np.concatenate(
        [rng.normal(0, 1, n_per_group), rng.normal(-0.5, 1, n_per_group)]
    )
    b_person = np.tile(b, (theta.size, 1))
    b_person[groups == "F", : len(DIF_ITEMS)] += 1.0
    p = 1 / (1 + np.exp(-a * (theta[:, None] - b_person)))
    return (rng.random(p.shape) < p).astype(float), groups


def test_textbook_two_strata_odds_ratio() -> None:
    """Two strata with hand-computable MH odds ratio 4 and chi-square."""
    tables = np.array([[[10, 5], [5, 10]], [[20, 10], [10, 20]]])
    odds, chi2, p, se = mantel_haenszel(tables)
    # sum(AD/N) = 100/30 + 400/60 = 10; sum(BC/N) = 25/30 + 100/60 = 2.5
    assert odds == pytest.approx(4.0)
    # E(A) = 15*15/30 + 30*30/60 = 22.5; Var(A) = 15^4/(900*29) + 30^4/(3600*59)
    var_a = 15**4 / (30**2 * 29) + 30**4 / (60**2 * 59)
    assert chi2 == pytest.approx((abs(30 - 22.5) - 0.5) ** 2 / var_a)
    assert 0 < p < 0.01
    assert se > 0


def test_equal_odds_give_odds_ratio_one() -> None:
    """Strata with no association give alpha_MH = 1 and a small chi-square."""
    tables = np.array([[[10, 10], [10, 10]], [[5, 15], [10, 30]]])
    odds, chi2, p, _ = mantel_haenszel(tables)
    assert odds == pytest.approx(1.0)
    assert p > 0.5


def test_mh_flags_dif_items_and_not_clean_ones() -> None:
    """Simulated DIF items get ETS class B/C with negative delta; clean items get A."""
    x, groups = _dif_data()
    res = mantel_haenszel_dif(x, groups, focal="F", reference="R")
    for j in DIF_ITEMS:
        assert res.ets_class[j] in ("B", "C")
        assert res.delta[j] < -1.0
        assert res.odds_ratio[j] > 1.0
    clean = [c for j, c in enumerate(res.ets_class) if j not in DIF_ITEMS]
    assert clean.count("A") >= len(clean) - 1
    assert set(res.flagged) >= {"0", "1"}
    assert "focal='F'" in repr(res)


def test_logistic_dif_flags_dif_items_and_not_clean_ones() -> None:
    """The likelihood-ratio tests and ΔR² single out the simulated DIF items."""
    x, groups = _dif_data(seed=1)
    res = logistic_dif(x, groups, focal="F")
    for j in DIF_ITEMS:
        assert res.p_uniform[j] < 1e-6
        assert res.delta_r2[j] > 0.01
    clean = np.setdiff1d(np.arange(x.shape[1]), DIF_ITEMS)
    assert (res.p_total[clean] < 0.01).sum() <= 2
    assert all(res.jodoin_gierl_class[j] == "A" for j in clean)
    assert res.delta_r2[clean].max() < 0.01


def test_logistic_dif_detects_nonuniform_dif() -> None:
    """An item whose discrimination differs between groups shows non-uniform DIF."""
    rng = np.random.default_rng(5)
    n = 3000
    groups = np.where(np.arange(n) < n // 2, "men", "women")
    theta = rng.standard_normal(n)
    a = np.full(15, 1.2)
    b = np.linspace(-1, 1, 15)
    a_person = np.tile(a, (n, 1))
    a_person[groups == "women", 0] = 0.3
    p = 1 / (1 + np.exp(-a_person * (theta[:, None] - b)))
    x = (rng.random(p.shape) < p).astype(float)
    res = logistic_dif(x, groups, focal="women", reference="men")
    assert res.p_nonuniform[0] < 1e-6
    assert np.median(res.p_nonuniform[1:]) > 0.05


def test_dif_by_group_runs_each_level_against_the_rest() -> None:
    """A three-level grouping (e.g. districts) gives one result per level."""
    x, _ = _dif_data(n_per_group=300)
    districts = np.array(["Huangpu", "Xuhui", "Pudong"] * 200, dtype=object)
    districts[0] = None
    out = dif_by_group(x, districts)
    assert sorted(out) == ["Huangpu", "Pudong", "Xuhui"]
    assert out["Xuhui"].reference == "rest"
    out_lr = dif_by_group(x[:, :3], districts, method="logistic")
    assert len(out_lr) == 3


def test_missing_responses_are_skipped() -> None:
    """nan cells do not count in the tables."""
    x, groups = _dif_data(n_per_group=400)
    x[::3, 5] = np.nan
    res = mantel_haenszel_dif(x, groups, focal="F")
    assert np.isfinite(res.odds_ratio).all()


def test_dif_bad_inputs() -> None:
    """Bad shapes, non-binary codes and empty groups raise clear errors."""
    x, groups = _dif_data(n_per_group=50)
    with pytest.raises(ValueError, match="groups must have shape"):
        mantel_haenszel_dif(x, groups[:-1], focal="F")
    with pytest.raises(ValueError, match="focal group 'Z'"):
        mantel_haenszel_dif(x, groups, focal="Z")
    with pytest.raises(ValueError, match="reference group 'Q'"):
        logistic_dif(x, groups, focal="F", reference="Q")
    bad = x.copy()
    bad[3, 4] = 2
    with pytest.raises(ValueError, match=r"responses\[3, 4\]"):
        mantel_haenszel_dif(bad, groups, focal="F")
    with pytest.raises(ValueError, match=r"shape \(K, 2, 2\)"):
        mantel_haenszel(np.ones((3, 2)))
    with pytest.raises(ValueError, match="method"):
        dif_by_group(x, groups, method="sibtest")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 2 levels"):
        dif_by_group(x, np.array(["F"] * x.shape[0]))
