"""Delivered multistage sessions feed calibration: modules not routed to are missing by design."""

from __future__ import annotations

import uuid
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from assessment.models import (
    MultistageModule,
    MultistagePanel,
    MultistageRoutingRule,
    Response,
    Session,
    SessionStatus,
)
from assessment.selectors import campaign_response_matrix
from assessment.services import campaign_create, instrument_create
from assessment.services.multistage import route_index, routing_value
from psychometrics import TwoPL, mst_bank, simulate_responses

pytestmark = pytest.mark.django_db

N_PERSONS = 3000
FIRST_ID = 5001


def test_calibration_on_delivered_multistage_sessions_recovers_parameters(make_user):
    """3000 simulated 1-2 multistage sessions (10 routing items, easy/hard modules of
    10, number-correct cut 6): the response export has each session's 20 answers and
    nan for the module it was not routed to, and 2PL MML on it recovers b (RMSE ≤ 0.15)
    and a (RMSE ≤ 0.15) without bias."""
    # given: a targeted two-stage bank and the panel delivering it
    rng = np.random.default_rng(24)
    true, _design = mst_bank(10, 10, rng=rng)
    ids = list(range(FIRST_ID, FIRST_ID + true.n_items))
    instrument = instrument_create(
        code="mst-calib",
        name_zh="多阶段",
        kind="ability",
        domain_code="info",
        mode="multistage",
    )
    campaign = campaign_create(
        instrument=instrument,
        name_zh="模拟",
        kind="thematic",
        opens_at=timezone.now() - timedelta(days=2),
    )
    panel = MultistagePanel.objects.create(instrument=instrument, code="p1")
    routing = MultistageModule.objects.create(
        panel=panel, stage=1, difficulty="medium", item_ids=ids[:10]
    )
    easy = MultistageModule.objects.create(
        panel=panel, stage=2, difficulty="easy", item_ids=ids[10:20]
    )
    hard = MultistageModule.objects.create(
        panel=panel, stage=2, difficulty="hard", item_ids=ids[20:30]
    )
    rule = MultistageRoutingRule.objects.create(
        panel=panel, stage=2, method="number_correct", cut_points=[6]
    )
    # when: every simulee takes the routing module, is routed by the delivery's own
    # rule functions, and takes the module routed to
    theta = rng.normal(size=N_PERSONS)
    full = simulate_responses(true, theta, rng=rng)
    user = make_user()
    now = timezone.now()
    sessions, responses = [], []
    for person in range(N_PERSONS):
        answered = {ids[j]: int(full[person, j]) for j in range(10)}
        value = routing_value(method=rule.method, answered=answered)
        module = [easy, hard][route_index(rule.cut_points, value)]
        for item_id in module.item_ids:
            answered[item_id] = int(full[person, ids.index(item_id)])
        session = Session(
            id=uuid.uuid4(),
            user=user,
            campaign=campaign,
            instrument=instrument,
            status=SessionStatus.FINISHED,
            consented_at=now,
            started_at=now + timedelta(seconds=person),
            panel=panel,
            n_answered=20,
            stop_reason="route_complete",
            plan={"panel": panel.pk, "route": [routing.pk, module.pk]},
        )
        sessions.append(session)
        responses += [
            Response(
                session=session,
                sequence=k + 1,
                item_id=item_id,
                revision_id=1,
                domain_code="info",
                answer=None,
                score=score,
                server_ts=now,
            )
            for k, (item_id, score) in enumerate(answered.items())
        ]
    Session.objects.bulk_create(sessions)
    Response.objects.bulk_create(responses, batch_size=5000)
    matrix = campaign_response_matrix(campaign_id=campaign.pk)
    # then: missing by design, and recovered by the engine
    x = matrix.scores
    assert matrix.item_ids == ids and x.shape == (N_PERSONS, 30)
    assert (np.sum(~np.isnan(x), axis=1) == 20).all()
    assert not np.isnan(x[:, :10]).any()
    took_hard = ~np.isnan(x[:, 20])
    assert (took_hard == np.isnan(x[:, 10])).all()
    assert 0.2 < took_hard.mean() < 0.8
    # routing followed the rule: the hard module went to those with 6+ right
    assert (np.nansum(x[:, :10], axis=1)[took_hard] >= 6).all()
    fit = TwoPL().fit(x)
    assert fit.converged_
    b_err = fit.item_params_.b - true.b
    a_err = fit.item_params_.a - true.a
    assert np.sqrt(np.mean(b_err**2)) <= 0.15 and abs(b_err.mean()) <= 0.08
    assert np.sqrt(np.mean(a_err**2)) <= 0.15
