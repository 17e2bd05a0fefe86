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
        user=user, campaign=campaign, instrument=campaign.instrument, status=status,
        background=background, consented_at=now, started_at=now,
    )
    for seq, (item_id, score) in enumerate(answers, start=1):
        Response.objects.create(session=session, sequence=seq, item_id=item_id, revision_id=1,
                                answer="x", score=score, server_ts=now)
    return session


def test_matrix_has_nan_for_items_not_administered(make_user):
    # given two closed sessions with different items and one session still in progress
    instrument = Instrument.objects.create(code="t", name_zh="测", kind="ability",
                                           domain_code="info", mode="adaptive")
    campaign = Campaign.objects.create(instrument=instrument, name_zh="c", kind="thematic",
                                       opens_at=timezone.now() - timedelta(days=1))
    a = _session(make_user(), campaign, SessionStatus.FINISHED,
                 {"district_code": "310101", "sex": "female"}, [(30, 1), (10, 0)])
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
    instrument = Instrument.objects.create(code="t2", name_zh="测", kind="ability",
                                           domain_code="info", mode="adaptive")
    campaign = Campaign.objects.create(instrument=instrument, name_zh="c", kind="thematic",
                                       opens_at=timezone.now())
    matrix = campaign_response_matrix(campaign_id=campaign.pk)
    assert matrix.scores.shape == (0, 0)
    assert matrix.session_ids == []
