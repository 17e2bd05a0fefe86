"""Instruments that take their content targets from an item-bank blueprint."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from assessment import services
from assessment.services.selection import pool_for_instrument
from itembank.models import Blueprint, Item
from tests.assessment.fixtures import KEY

pytestmark = pytest.mark.django_db


def _domain(item_id: int) -> str:
    return Item.objects.select_related("domain").get(pk=item_id).domain.code


def _blueprint(**kwargs):
    defaults = dict(
        code="bp-info",
        name_zh="信息素养蓝图",
        length=4,
        content={"info.data": 2, "info.safety": 2},
        difficulty_min=-1.6,
        difficulty_max=1.6,
    )
    defaults.update(kwargs)
    return Blueprint.objects.create(**defaults)


def _adaptive(bp, **settings):
    return services.instrument_create(
        code="info-cat-bp",
        name_zh="信息素养蓝图自适应",
        kind="ability",
        domain_code="info",
        mode="adaptive",
        item_blueprint=bp,
        settings={"min_length": 4, "se_target": 0.01, **settings},
    )


def test_adaptive_pool_keeps_the_blueprint_domains_and_difficulty_range(item_bank):
    bp = _blueprint()
    instrument = _adaptive(bp)
    assert instrument.settings["max_length"] == 4  # the blueprint's length
    shares, difficulty = services.instrument_content_targets(instrument)
    assert shares == {"info.data": 2.0, "info.safety": 2.0} and difficulty == (
        -1.6,
        1.6,
    )
    pool = pool_for_instrument(instrument)
    eligible = {
        i
        for i in item_bank.ids
        if _domain(i) in ("info.data", "info.safety") and -1.6 <= item_bank.b[i] <= 1.6
    }
    assert set(pool.item_ids) == eligible
    in_areas = {i for i in item_bank.ids if _domain(i) in ("info.data", "info.safety")}
    assert eligible < in_areas  # the range removed items


def test_adaptive_session_follows_the_blueprint_counts(make_user, item_bank):
    bp = _blueprint()
    instrument = _adaptive(bp)
    campaign = services.campaign_create(
        instrument=instrument,
        name_zh="练习",
        kind="practice",
        opens_at=timezone.now() - timedelta(days=1),
    )
    user = make_user()
    session, _ = services.session_start(
        user=user, campaign=campaign, background={}, consent=True
    )
    presented = []
    while session.status == "in_progress":
        item = session.pending
        presented.append(item["item_id"])
        services.response_record(
            session_id=session.pk,
            user=user,
            sequence=item["sequence"],
            item_id=item["item_id"],
            answer=KEY,
        )
        session.refresh_from_db()
    assert Counter(_domain(i) for i in presented) == {"info.data": 2, "info.safety": 2}
    assert all(-1.6 <= item_bank.b[i] <= 1.6 for i in presented)


def test_proportions_become_counts_over_the_test_length(item_bank):
    bp = _blueprint(
        code="bp-share",
        content={"info.data": 0.75, "info.problem": 0.25},
        difficulty_min=-3,
        difficulty_max=3,
    )
    instrument = _adaptive(bp, max_length=8)
    shares, _range = services.instrument_content_targets(instrument)
    assert shares == {"info.data": 6.0, "info.problem": 2.0}


def test_fixed_form_is_assembled_from_the_blueprint(item_bank):
    bp = _blueprint(code="bp-fixed", difficulty_min=-3, difficulty_max=3)
    instrument = services.instrument_create(
        code="info-fixed-bp",
        name_zh="信息素养蓝图固定卷",
        kind="ability",
        domain_code="info",
        mode="fixed",
        item_blueprint=bp,
    )
    ids = instrument.settings["item_ids"]
    assert instrument.settings["assembled_from"] == "bp-fixed"
    assert Counter(_domain(i) for i in ids) == {"info.data": 2, "info.safety": 2}


def test_a_blueprint_the_bank_cannot_fill_is_refused(item_bank):
    from django.core.exceptions import ValidationError

    bp = _blueprint(
        code="bp-thin",
        length=12,
        content={"info.data": 12},
        difficulty_min=-3,
        difficulty_max=3,
    )
    with pytest.raises(ValidationError) as exc:
        services.instrument_create(
            code="info-thin",
            name_zh="不足",
            kind="ability",
            domain_code="info",
            mode="fixed",
            item_blueprint=bp,
        )
    assert "item_blueprint" in exc.value.message_dict


def test_json_blueprint_keeps_working(adaptive_campaign):
    shares, difficulty = services.instrument_content_targets(
        adaptive_campaign.instrument
    )
    assert shares == {
        "info.data": 1,
        "info.communication": 1,
        "info.safety": 1,
        "info.problem": 1,
    }
    assert difficulty is None
