"""Delivery keeps the item bank's classical statistics up to date after commit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from assessment import services
from assessment.models import Session
from itembank.models import ItemStatistics
from tests.assessment.fixtures import KEY

pytestmark = pytest.mark.django_db


def _answer(session, user, answer, at):
    session.refresh_from_db()
    item = session.pending
    return services.response_record(
        session_id=session.pk,
        user=user,
        sequence=item["sequence"],
        item_id=item["item_id"],
        answer=answer,
        now=at,
    )


def test_finished_sessions_update_exposure_p_value_omit_rate_and_mean_time(
    make_user, fixed_campaign, item_bank, django_capture_on_commit_callbacks
):
    # given: a three-item fixed form; two citizens answer everything, the third
    # answers the first item wrongly and ends the test while the second is on screen
    first, second, third = item_bank.ids[:3]
    t0 = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        for user_n, answers in enumerate([[KEY, KEY, KEY], [KEY, KEY, KEY], ["A"]]):
            user = make_user()
            session, _ = services.session_start(
                user=user, campaign=fixed_campaign, background={}, consent=True, now=t0
            )
            at = t0
            for k, answer in enumerate(answers):
                at = at + timedelta(seconds=10 * (k + 1) + user_n)
                _answer(session, user, answer, at)
            if len(answers) < 3:
                services.session_finish(
                    session_id=session.pk, user=user, now=at + timedelta(seconds=5)
                )
    # then
    stats = {
        s.item_id: s
        for s in ItemStatistics.objects.filter(item_id__in=[first, second, third])
    }
    assert stats[first].exposure_count == 3
    assert stats[first].p_value == pytest.approx(2 / 3)
    assert stats[first].omit_rate == pytest.approx(0.0)
    assert stats[first].mean_seconds == pytest.approx((10 + 11 + 12) / 3)
    # the second item was on screen when the third citizen stopped: an omission
    assert stats[second].exposure_count == 3
    assert stats[second].omit_rate == pytest.approx(1 / 3)
    assert stats[second].p_value == pytest.approx(1.0)
    assert stats[second].mean_seconds == pytest.approx((20 + 21) / 2)
    # the third item never reached the third citizen: not exposed, not omitted
    assert stats[third].exposure_count == 2
    assert stats[third].omit_rate == pytest.approx(0.0)
    assert stats[third].mean_seconds == pytest.approx((30 + 31) / 2)


def test_statistics_wait_for_commit_and_ignore_sessions_in_progress(
    make_user, fixed_campaign, item_bank, django_capture_on_commit_callbacks
):
    first = item_bank.ids[0]
    user = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        session, _ = services.session_start(
            user=user, campaign=fixed_campaign, background={}, consent=True
        )
        _answer(session, user, KEY, timezone.now())
    # an answer in a session still in progress counts for nothing yet
    assert not ItemStatistics.objects.filter(item_id=first).exists()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.session_finish(session_id=session.pk, user=user)
    # the close committed nothing to the statistics by itself: the recount waits
    assert not ItemStatistics.objects.filter(item_id=first).exists()
    assert callbacks
    for callback in callbacks:
        callback()
    assert ItemStatistics.objects.get(item_id=first).exposure_count == 1
    assert (
        Session.objects.get(pk=session.pk).plan["left_unanswered"] == item_bank.ids[1]
    )


def test_recount_is_idempotent(
    make_user, fixed_campaign, item_bank, django_capture_on_commit_callbacks
):
    user = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        session, _ = services.session_start(
            user=user, campaign=fixed_campaign, background={}, consent=True
        )
        for _k in range(3):
            _answer(session, user, KEY, timezone.now())
    before = list(
        ItemStatistics.objects.order_by("item_id").values_list(
            "item_id", "exposure_count", "p_value", "omit_rate"
        )
    )
    assert len(before) == 3
    assert services.item_statistics_refresh(item_ids=item_bank.ids[:3]) == 3
    after = list(
        ItemStatistics.objects.order_by("item_id").values_list(
            "item_id", "exposure_count", "p_value", "omit_rate"
        )
    )
    assert after == before
