"""One rule from theta to level: the citizen's result, the credit bank's outcome and the
district rate agree exactly at a cut, just below it and just above it."""

from __future__ import annotations

import numpy as np
import pytest
from django.utils import timezone

from assessment import items as bank
from itembank.models import Domain
from itembank.selectors import cut_score_sets_for_rollup
from itembank.services import (
    cut_score_set_activate,
    cut_score_set_create,
    cut_score_set_review,
)
from psychometrics.survey import estimate_level_percentages, level_index

pytestmark = pytest.mark.django_db

CUTS = (-0.3, 0.9)
EPS = 1e-9


@pytest.fixture
def cut_set(make_user):
    domain = Domain.objects.create(code="science", name_zh="科学素养", kind="ability")
    row = cut_score_set_create(
        domain=domain,
        levels=[
            {"code": "L1"},
            {"code": "L2", "min_theta": CUTS[0], "attained": True},
            {"code": "L3", "min_theta": CUTS[1]},
        ],
        scale="θ",
        set_by="专家组",
        set_on=timezone.localdate(),
    )
    reviewer = make_user()
    cut_score_set_review(cut_score_set=row, reviewer=reviewer, approve=True)
    return cut_score_set_activate(cut_score_set=row, activated_by=reviewer)


@pytest.mark.parametrize("cut", CUTS)
@pytest.mark.parametrize("offset", [-EPS, 0.0, EPS])
def test_result_credit_and_district_rate_give_one_level(cut_set, cut, offset):
    theta = cut + offset
    expected = "L1" if theta < CUTS[0] else ("L2" if theta < CUTS[1] else "L3")
    # the citizen's result (scoring) levels with the active version
    decision = bank.level_decision("science", theta)
    assert decision.cut_score_set_id == cut_set.pk
    assert decision.level.code == expected and decision.level.name_zh
    # the credit bank's outcome takes the result's level under the version it recorded
    outcome_level = bank.level_for("science", theta, cut_score_set_id=cut_set.pk)
    assert outcome_level.code == expected
    # the district rate classifies plausible values with the same cut-score version
    levels, used = cut_score_sets_for_rollup(["science"])
    assert used["science"]["cut_score_set_id"] == cut_set.pk
    lv = levels["science"]
    assert lv.labels[int(lv.classify([theta])[0])] == expected
    assert bool(lv.attains([theta])[0]) == (expected != "L1")
    shares = estimate_level_percentages(
        np.array([theta]), np.ones(1), np.ones((1, 2)), cuts=lv.cuts
    )
    assert lv.labels[int(np.argmax(shares.estimate[0]))] == expected
    # and the engine's rule itself: at a cut is the higher level
    assert lv.labels[int(level_index(theta, CUTS))] == expected


def test_engine_rule_rejects_nan_and_unordered_cuts():
    with pytest.raises(ValueError, match="nan"):
        level_index([np.nan], CUTS)
    with pytest.raises(ValueError, match="increasing"):
        level_index([0.0], (0.9, -0.3))
