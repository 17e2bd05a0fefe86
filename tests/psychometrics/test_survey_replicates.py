"""JK2 replicate weights and replicate variance, against known answers."""

import numpy as np
import pytest

from psychometrics.survey import (
    Margin,
    estimate_mean,
    estimate_total,
    jk2_replicate_weights,
    jk2_zones,
    rake,
    replicate_variance,
)

# A hand-worked design: three strata of two respondents each.
#   stratum 1: (w=10, y=2), (w=10, y=4)
#   stratum 2: (w=20, y=3), (w=20, y=5)
#   stratum 3: (w=5,  y=1), (w=5,  y=7)
# Total T = 260, Σw = 70, mean = 260/70. Replicate h doubles the first unit of zone h
# and zeroes the second: T_1 = 240, T_2 = 220, T_3 = 230, so
#   Var_JK2(T)    = 20² + 40² + 30² = 2900          -> SE 53.8516
#   Var_JK2(mean) = 2900 / 70²      = 0.591837      -> SE 0.769309
# which equals the textbook with-replacement estimator Σ_h (z_h1 − z_h2)² for two
# units per stratum (Wolter 2007, §4.3), with z = w·y for the total and
# z = w·(y − ȳ)/Σw for the mean.
W = np.array([10.0, 10.0, 20.0, 20.0, 5.0, 5.0])
Y = np.array([2.0, 4.0, 3.0, 5.0, 1.0, 7.0])
STRATA = np.array([1, 1, 2, 2, 3, 3])


def test_jk2_zones_pair_units_within_strata():
    zone, half = jk2_zones(STRATA)
    assert zone.tolist() == [0, 0, 1, 1, 2, 2]
    assert half.tolist() == [1, 2, 1, 2, 1, 2]


def test_jk2_se_of_a_total_and_a_mean_on_the_hand_worked_design():
    rw = jk2_replicate_weights(W, STRATA)
    assert rw.n_zones == 3 and rw.n_replicates == 80
    total = estimate_total(Y, W, rw)
    mean = estimate_mean(Y, W, rw)
    assert total.estimate[0] == pytest.approx(260.0)
    assert total.se[0] == pytest.approx(np.sqrt(2900.0), rel=1e-12)
    assert mean.estimate[0] == pytest.approx(260 / 70)
    assert mean.se[0] == pytest.approx(0.769309258, rel=1e-8)


def test_spare_replicates_equal_the_full_sample_weights():
    rw = jk2_replicate_weights(W, STRATA, n_replicates=80)
    np.testing.assert_array_equal(rw.weights[:, 3:], np.repeat(W[:, None], 77, axis=1))


def test_jk1_factor_gives_the_textbook_variance_of_a_mean():
    """Delete-one jackknife with factor (n−1)/n reproduces s²/n for a mean."""
    y = np.array([3.0, 7.0, 1.0, 4.0, 10.0])
    n = y.size
    theta = y.mean()
    reps = np.array([np.delete(y, i).mean() for i in range(n)])
    var = replicate_variance(theta, reps, factor=(n - 1) / n)
    assert var == pytest.approx(y.var(ddof=1) / n)


def test_jk2_se_agrees_with_linearisation_on_a_stratified_sample():
    """On a stratified element sample, JK2 with 80 combined zones is within 25 % of the
    Taylor-linearisation SE of a weighted mean (the JK2 SE itself has ~8 % noise)."""
    rng = np.random.default_rng(11)
    n_h = rng.integers(20, 60, 48)
    h = np.repeat(np.arange(48), n_h)
    w = np.repeat(rng.uniform(20, 200, 48), n_h)
    y = rng.normal(h % 5, 1.0 + (h % 3), h.size)
    rw = jk2_replicate_weights(w, h, rng=rng)
    est = estimate_mean(y, w, rw)
    ybar = np.average(y, weights=w)
    z = w * (y - ybar) / w.sum()
    var = 0.0
    for s in range(48):
        zs = z[h == s]
        var += zs.size / (zs.size - 1) * ((zs - zs.mean()) ** 2).sum()
    assert rw.n_zones > 80
    assert est.se[0] == pytest.approx(np.sqrt(var), rel=0.25)


def test_replicates_are_re_raked_to_the_margins():
    rng = np.random.default_rng(2)
    n = 1200
    district = rng.integers(0, 4, n)
    sex = rng.integers(0, 2, n)
    w = rng.uniform(50, 150, n)
    margins = [
        Margin("district", district, {0: 3e4, 1: 4e4, 2: 2e4, 3: 1e4}),
        Margin("sex", sex, {0: 5.2e4, 1: 4.8e4}),
    ]
    full = rake(w, margins).weights
    rw = jk2_replicate_weights(w, district * 2 + sex, margins=margins, rng=rng)
    assert rw.report is not None and rw.report.converged
    for r in range(rw.n_replicates):
        for d, t in margins[0].totals.items():
            assert rw.weights[district == d, r].sum() == pytest.approx(t, rel=1e-6)
    assert full.sum() == pytest.approx(rw.weights[:, 0].sum())


def test_psus_form_the_variance_units_and_odd_strata_are_handled():
    strata = np.array([0] * 6 + [1] * 3 + [2] * 2)
    psu = np.array([0, 0, 1, 1, 2, 2, 3, 4, 5, 6, 6])
    zone, half = jk2_zones(strata, psu)
    # respondents of one PSU share zone and half
    for p in np.unique(psu):
        assert (
            np.unique(zone[psu == p]).size == 1 and np.unique(half[psu == p]).size == 1
        )
    # stratum 0 has 3 PSUs -> one zone; stratum 2's single PSU joins stratum 1,
    # whose 4 PSUs then make two zones
    assert np.unique(zone[strata == 0]).size == 1
    assert np.unique(zone[strata >= 1]).size == 2
    assert zone.max() + 1 == 3


def test_replicate_errors():
    with pytest.raises(ValueError, match="spans more than one stratum"):
        jk2_zones([0, 1], psu=[5, 5])
    with pytest.raises(ValueError, match="at least two variance units"):
        jk2_zones([0, 0], psu=[1, 1])
    with pytest.raises(ValueError, match="non-positive weight"):
        jk2_replicate_weights([1.0, -1.0], [0, 0])
    with pytest.raises(ValueError, match="trailing replicate axis"):
        replicate_variance([1.0, 2.0], np.zeros((3, 4)))


def test_replicates_repeat_the_nonresponse_adjustment_and_the_raking():
    """Built on everyone sampled, each replicate is non-response adjusted within its
    classes (class totals of the replicate base weights are kept), then raked."""
    rng = np.random.default_rng(5)
    n = 1500
    stratum = rng.integers(0, 12, n)
    district = stratum // 3
    responded = rng.random(n) < 0.7
    wb = rng.uniform(50, 150, n)
    sex = rng.integers(0, 2, n)[responded]
    margins = [
        Margin("district", district[responded], {0: 3e4, 1: 4e4, 2: 2e4, 3: 1e4}),
        Margin("sex", sex, {0: 5.2e4, 1: 4.8e4}),
    ]
    unraked = jk2_replicate_weights(
        wb, stratum, responded=responded, nonresponse_classes=stratum, rng=rng
    )
    assert unraked.weights.shape == (responded.sum(), 80)
    zone, half = jk2_zones(stratum, rng=np.random.default_rng(0))
    assert zone.size == n
    # class totals of each replicate's base weights survive the adjustment
    base = jk2_replicate_weights(wb, stratum, rng=np.random.default_rng(9)).weights
    adj = jk2_replicate_weights(
        wb,
        stratum,
        responded=responded,
        nonresponse_classes=stratum,
        rng=np.random.default_rng(9),
    ).weights
    for h in range(12):
        np.testing.assert_allclose(
            adj[stratum[responded] == h].sum(axis=0), base[stratum == h].sum(axis=0)
        )
    raked = jk2_replicate_weights(
        wb,
        stratum,
        responded=responded,
        nonresponse_classes=stratum,
        margins=margins,
        rng=rng,
    )
    assert raked.report is not None and raked.report.converged
    np.testing.assert_allclose(raked.weights.sum(axis=0), 1e5)
    with pytest.raises(ValueError, match="both responded and nonresponse_classes"):
        jk2_replicate_weights(wb, stratum, responded=responded)
