"""The campaign response matrix that calibration and survey scoring read."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from assessment.models import Campaign, Instrument, Response, Session, SessionStatus
from assessment.selectors import campaign_response_matrix

pytestmark = pytest.mark.django_db


def _session(user, campaign, status, background, answers):
    now = timezone.now()
    session = Session.objects.create(
        user=user,
        campaign=campaign,
        instrument=campaign.instrument,
        status=status,
        background=background,
        consented_at=now,
        started_at=now,
    )
    for seq, (item_id, score) in enumerate(answers, start=1):
        Response.objects.create(
            session=session,
            sequence=seq,
            item_id=item_id,
            revision_id=1,
            answer="x",
            score=score,
            server_ts=now,
        )
    return session


def test_matrix_has_nan_for_items_not_administered(make_user):
    # given two closed sessions with different items and one session still in progress
    instrument = Instrument.objects.create(
        code="t", name_zh="测", kind="ability", domain_code="info", mode="adaptive"
    )
    campaign = Campaign.objects.create(
        instrument=instrument,
        name_zh="c",
        kind="thematic",
        opens_at=timezone.now() - timedelta(days=1),
    )
    a = _session(
        make_user(),
        campaign,
        SessionStatus.FINISHED,
        {"district_code": "310101", "sex": "female"},
        [(30, 1), (10, 0)],
    )
    b = _session(make_user(), campaign, SessionStatus.EXPIRED, {}, [(20, 2), (10, 1)])
    _session(make_user(), campaign, SessionStatus.IN_PROGRESS, {}, [(40, 1)])
    # when
    matrix = campaign_response_matrix(campaign_id=campaign.pk)
    # then
    assert matrix.session_ids == [str(a.pk), str(b.pk)]
    assert matrix.item_ids == [10, 20, 30]
    np.testing.assert_array_equal(
        matrix.scores, np.array([[0.0, np.nan, 1.0], [1.0, 2.0, np.nan]])
    )
    assert matrix.district_codes == ["310101", ""]
    assert matrix.background[0]["sex"] == "female"


def test_matrix_of_an_empty_campaign_has_no_rows():
    instrument = Instrument.objects.create(
        code="t2", name_zh="测", kind="ability", domain_code="info", mode="adaptive"
    )
    campaign = Campaign.objects.create(
        instrument=instrument, name_zh="c", kind="thematic", opens_at=timezone.now()
    )
    matrix = campaign_response_matrix(campaign_id=campaign.pk)
    assert matrix.scores.shape == (0, 0)
    assert matrix.session_ids == []


def _matrix_cell_by_cell(campaign_id, *, include_in_progress=False):
    """The matrix built one response at a time, as it was before it was vectorised."""
    sessions = Session.objects.filter(campaign_id=campaign_id)
    if not include_in_progress:
        sessions = sessions.exclude(status=SessionStatus.IN_PROGRESS)
    pks = list(sessions.order_by("started_at", "pk").values_list("pk", flat=True))
    responses = list(
        Response.objects.filter(session_id__in=pks).values_list(
            "session_id", "item_id", "score"
        )
    )
    item_ids = sorted({item_id for _s, item_id, _score in responses})
    scores = np.full((len(pks), len(item_ids)), np.nan)
    for session_id, item_id, score in responses:
        if score is not None:
            scores[pks.index(session_id), item_ids.index(item_id)] = score
    return [str(pk) for pk in pks], item_ids, scores


@pytest.mark.parametrize("include_in_progress", [False, True])
def test_matrix_agrees_with_a_cell_by_cell_build(make_user, include_in_progress):
    # given 30 sessions of random status, each with a random subset of 12 items,
    # some answers unscored, and an item that only unscored answers reached
    rng = np.random.default_rng(3)
    instrument = Instrument.objects.create(
        code="t3", name_zh="测", kind="ability", domain_code="info", mode="booklet"
    )
    campaign = Campaign.objects.create(
        instrument=instrument,
        name_zh="c",
        kind="five_yearly",
        opens_at=timezone.now() - timedelta(days=1),
    )
    user = make_user()
    statuses = [
        SessionStatus.FINISHED,
        SessionStatus.EXPIRED,
        SessionStatus.IN_PROGRESS,
    ]
    for k in range(30):
        items = rng.choice(
            np.arange(101, 113), size=int(rng.integers(0, 8)), replace=False
        )
        answers = [
            (int(i), None if rng.random() < 0.15 else int(rng.integers(0, 3)))
            for i in items
        ]
        if k == 4:
            answers.append((999, None))
        _session(
            user, campaign, statuses[k % 3], {"district_code": f"31010{k % 5}"}, answers
        )
    # when
    matrix = campaign_response_matrix(
        campaign_id=campaign.pk, include_in_progress=include_in_progress
    )
    # then
    session_ids, item_ids, scores = _matrix_cell_by_cell(
        campaign.pk, include_in_progress=include_in_progress
    )
    assert matrix.session_ids == session_ids
    assert matrix.item_ids == item_ids and 999 in item_ids
    np.testing.assert_array_equal(matrix.scores, scores)
    assert np.isnan(matrix.scores[:, item_ids.index(999)]).all()
    assert len(matrix.district_codes) == len(session_ids)
