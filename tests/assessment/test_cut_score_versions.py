"""One versioned cut-score set decides every level: a citizen's result and a roll-up use
the same version and the same function, and a new version never rewrites a past result."""

from __future__ import annotations

import numpy as np
import pytest
from django.utils import timezone

from assessment import services
from assessment.models import Result, SessionStatus
from assessment.selectors import results_payload
from itembank.models import CutScoreSet, Domain
from itembank.selectors import cut_score_sets_for_rollup, level_for
from itembank.services import (
    cut_score_set_activate,
    cut_score_set_create,
    cut_score_set_review,
)
from tests.assessment.fixtures import commits

pytestmark = pytest.mark.django_db


def _finish(user, campaign, answer="B"):
    session, _ = services.session_start(
        user=user, campaign=campaign, background={}, consent=True
    )
    while True:
        session.refresh_from_db()
        if session.status != SessionStatus.IN_PROGRESS:
            return session
        item = session.pending
        with commits():  # the closing answer's outcome is written after commit
            services.response_record(
                session_id=session.pk,
                user=user,
                sequence=item["sequence"],
                item_id=item["item_id"],
                answer=answer,
            )


def _new_version(*, cuts, attained_code, reviewer):
    info = Domain.objects.get(code="info")
    row = cut_score_set_create(
        domain=info,
        scale="test theta",
        set_by="panel 2",
        set_on=timezone.localdate(),
        method="bookmark",
        levels=[
            {"code": "L1"},
            {"code": "L2", "min_theta": cuts[0], "attained": attained_code == "L2"},
            {"code": "L3", "min_theta": cuts[1], "attained": attained_code == "L3"},
        ],
    )
    cut_score_set_review(cut_score_set=row, reviewer=reviewer, approve=True)
    return cut_score_set_activate(cut_score_set=row, activated_by=reviewer)


def test_result_and_rollup_use_the_same_version_and_level(
    make_user, fixed_campaign, item_bank
):
    session = _finish(make_user(), fixed_campaign)
    result = Result.objects.get(session=session)
    assert result.cut_score_set_id == item_bank.cut_score_set.pk
    levels, used = cut_score_sets_for_rollup(["info"])
    assert used["info"]["cut_score_set_id"] == result.cut_score_set_id
    assert (
        levels["info"].labels[int(levels["info"].classify([result.theta])[0])]
        == result.level_code
    )
    # the same theta on both sides of every cut: one function, one answer
    for theta in (-0.5, -0.5 - 1e-9, 0.8, 0.8 - 1e-9, -3.0, 3.0):
        decision = level_for(domain_code="info", theta=theta)
        in_rollup = levels["info"].labels[int(levels["info"].classify([theta])[0])]
        assert decision.level.code == in_rollup
        assert bool(levels["info"].attains([theta])[0]) == (decision.level.order >= 2)
    # a sub-domain is leveled by its parent's set
    assert (
        level_for(domain_code="info.data", theta=1.0).cut_score_set_id
        == item_bank.cut_score_set.pk
    )


def test_activating_a_new_version_never_changes_a_past_result(
    make_user, fixed_campaign, item_bank
):
    user = make_user()
    session = _finish(user, fixed_campaign)
    before = Result.objects.get(session=session)
    v1 = item_bank.cut_score_set
    payload_before = results_payload(session)[0]
    assert (
        payload_before["cut_score_set_id"] == v1.pk
        and payload_before["cut_score_version"]
    )
    # v2 puts every cut far above the citizen's theta
    reviewer = make_user()
    v2 = _new_version(
        cuts=[before.theta + 5, before.theta + 6], attained_code="L2", reviewer=reviewer
    )
    assert (
        v2.version == 2 and CutScoreSet.objects.filter(is_active=True).get().pk == v2.pk
    )
    v1.refresh_from_db()
    assert not v1.is_active
    after = Result.objects.get(pk=before.pk)
    assert (after.level_code, after.cut_score_set_id) == (before.level_code, v1.pk)
    payload = results_payload(session)[0]
    assert payload["level_code"] == before.level_code
    assert payload["level_name"] == payload_before["level_name"]
    assert payload["cut_score_set_id"] == v1.pk
    # the credit-bank outcome carries the result's own level and version
    from learning_platform.creditbank.models import LearningOutcome

    session.refresh_from_db()
    outcome = LearningOutcome.objects.get(source_ref=session.source_ref)
    assert outcome.level_code == before.level_code
    assert outcome.details["cut_score_set_id"] == v1.pk
    # a new result is leveled by v2
    fresh = Result.objects.get(session=_finish(make_user(), fixed_campaign))
    assert fresh.cut_score_set_id == v2.pk and fresh.level_code == "L1"
    assert np.isclose(fresh.theta, before.theta)
    _, used = cut_score_sets_for_rollup(["info"])
    assert used["info"]["version"] == 2
