"""Needs shares and the satisfaction index: hand-worked values, replicate SEs, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from psychometrics.survey import (
    NEEDS_AREAS,
    estimate_needs_shares,
    estimate_satisfaction_index,
    jk2_replicate_weights,
    needs_arrays_from,
    satisfaction_scores,
    simulate_needs,
)

NAN = np.nan
# four respondents, two options; weights 1, 2, 3, 4; codes 0..4
ANSWERS = np.array([[4, 0], [3, NAN], [1, 4], [2, 3]], dtype=float)
W = np.array([1.0, 2.0, 3.0, 4.0])
# two replicates: the first doubles respondent 0 and zeroes 1, the second doubles 2, zeroes 3
REPS = np.array([[2.0, 1.0], [0.0, 2.0], [3.0, 6.0], [4.0, 0.0]])


def test_needs_share_counts_the_top_two_boxes_among_those_answering():
    """Option 0: chosen by respondents 0 and 1 (weights 1 + 2 of 10); option 1: 3 and 4 of 8."""
    e = estimate_needs_shares(ANSWERS, W, REPS, options=["a", "b"])
    assert e.columns == ("a", "b")
    assert e.estimate[0] == pytest.approx([30.0, 100 * 7 / 8])
    # replicate 1: option a (2+0)/(2+0+3+4) = 2/9, option b (3+4)/(2+3+4) = 7/9
    # replicate 2: option a (1+2)/(1+2+6) = 1/3, option b 6/(1+6) = 6/7
    var_a = (100 * 2 / 9 - 30) ** 2 + (100 / 3 - 30) ** 2
    var_b = (700 / 9 - 87.5) ** 2 + (600 / 7 - 87.5) ** 2
    assert e.se[0] == pytest.approx(np.sqrt([var_a, var_b]))
    assert e.n.tolist() == [4]


def test_satisfaction_index_is_the_weighted_mean_of_items_rescaled_to_100():
    scores = satisfaction_scores(ANSWERS)
    # respondent 1 answered one item (3 of 4) -> 75; respondent 0: (4 + 0) / 8 -> 50
    assert scores == pytest.approx([50.0, 75.0, 62.5, 62.5])
    e = estimate_satisfaction_index(ANSWERS, W, REPS)
    assert e.estimate[0] == pytest.approx(np.average(scores, weights=W))
    reps = [np.average(scores, weights=REPS[:, r]) for r in range(2)]
    assert e.se[0] == pytest.approx(
        np.sqrt(sum((r - e.estimate[0]) ** 2 for r in reps))
    )
    assert e.ci_low[0] < e.estimate[0] < e.ci_high[0]


def test_respondents_without_any_satisfaction_answer_are_left_out():
    answers = np.vstack([ANSWERS, [NAN, NAN]])
    e = estimate_satisfaction_index(
        answers, np.append(W, 100.0), np.vstack([REPS, [100, 100]])
    )
    assert e.estimate[0] == pytest.approx(
        np.average(satisfaction_scores(ANSWERS), weights=W)
    )
    assert e.n.tolist() == [4]


def test_groups_and_city_total():
    groups = np.array(["x", "x", "y", "y"])
    e = estimate_needs_shares(ANSWERS, W, REPS, groups=groups, include_total=True)
    assert e.groups == ("x", "y", "all")
    assert e.estimate[0, 0] == pytest.approx(100.0)  # both in x chose option 0
    assert e.estimate[1, 0] == pytest.approx(0.0)
    assert e.estimate[2, 0] == pytest.approx(30.0)
    assert e.n.tolist() == [2, 2, 4]


def test_bad_codes_are_refused_naming_the_cell():
    bad = ANSWERS.copy()
    bad[2, 1] = 7
    with pytest.raises(ValueError, match="respondent 2, item 1"):
        estimate_needs_shares(bad, W, REPS)
    with pytest.raises(ValueError, match="2 option codes for 3"):
        estimate_needs_shares(np.zeros((4, 3)), W, REPS, options=["a", "b"])


def test_simulated_needs_estimates_cover_the_truth():
    """On a simulated city the districts' 95% intervals hold the true shares and indices."""
    rng = np.random.default_rng(5)
    n = 6000
    district = rng.choice([f"d{k}" for k in range(6)], n)
    age = rng.choice(["15-34", "35-59", "60+"], n)
    sim = simulate_needs(district, age, rng=rng)
    w = rng.uniform(50, 150, n)
    rw = jk2_replicate_weights(w, district, n_replicates=40, rng=rng).weights
    sat = estimate_satisfaction_index(
        sim.answers["satisfaction"], w, rw, groups=district
    )
    topics = estimate_needs_shares(
        sim.answers["topics"], w, rw, groups=district, options=NEEDS_AREAS["topics"]
    )
    hits, total = 0, 0
    for g, label in enumerate(sat.groups):
        m = district == label
        true_sat = np.average(sim.expected_satisfaction[m], weights=w[m])
        hits += sat.ci_low[g] <= true_sat <= sat.ci_high[g]
        true_topics = 100 * np.average(
            sim.expected_choice["topics"][m], weights=w[m], axis=0
        )
        hits += int(
            (
                (topics.ci_low[g] <= true_topics) & (true_topics <= topics.ci_high[g])
            ).sum()
        )
        total += 1 + true_topics.size
    assert hits >= 0.88 * total
    # districts differ in satisfaction (a district effect is simulated)
    assert np.ptp(sat.estimate) > 3


def test_stored_arrays_round_trip():
    rng = np.random.default_rng(1)
    sim = simulate_needs(np.array(["a", "b"] * 10), np.array(["y"] * 20), rng=rng)
    keep = np.arange(20) % 3 != 0
    arrays = sim.to_arrays(keep)
    back = needs_arrays_from({**arrays, "responses_info": np.zeros((3, 3))})
    assert set(back) == set(NEEDS_AREAS)
    x, opts = back["barriers"]
    assert x.shape == (int(keep.sum()), len(NEEDS_AREAS["barriers"]))
    assert opts == NEEDS_AREAS["barriers"]
    with pytest.raises(
        ValueError, match="needs_times has 6 columns but 2 option codes"
    ):
        needs_arrays_from(
            {
                "needs_times": arrays["needs_times"],
                "needs_times_options": np.array(["a", "b"]),
            }
        )
