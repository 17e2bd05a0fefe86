"""Reads of the delivery admin: an instrument's items and calibration, campaign status."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from assessment.models import Campaign, Instrument
from assessment.selectors import (
    active_item_ids,
    campaign_status,
    instrument_calibration,
    instrument_item_ids,
)

pytestmark = pytest.mark.django_db


def test_booklet_items_are_listed_once_in_first_use_order():
    instrument = Instrument(
        mode="booklet", settings={"booklets": [[3, 1, 2], [2, 5, 3]]}
    )
    assert instrument_item_ids(instrument) == [3, 1, 2, 5]


def test_calibration_of_a_fixed_form_needs_every_item(item_bank):
    set_id, active = active_item_ids()
    assert set_id == item_bank.parameter_set_id and active == set(item_bank.ids)
    calibrated = Instrument(mode="fixed", settings={"item_ids": item_bank.ids[:3]})
    part = Instrument(
        mode="fixed", settings={"item_ids": [item_bank.ids[0], item_bank.needs_ids[0]]}
    )
    assert instrument_calibration(calibrated, active) == {
        "ready": True,
        "calibrated": 3,
        "total": 3,
    }
    assert instrument_calibration(part, active) == {
        "ready": False,
        "calibrated": 1,
        "total": 2,
    }
    assert instrument_calibration(calibrated, None)["ready"] is False


def test_campaign_status_at_its_bounds():
    now = timezone.now()
    campaign = Campaign(opens_at=now, closes_at=now + timedelta(days=1))
    assert campaign_status(campaign, now - timedelta(seconds=1)) == "upcoming"
    assert campaign_status(campaign, now) == "open"
    assert campaign_status(campaign, now + timedelta(days=1)) == "closed"
    assert campaign_status(Campaign(opens_at=now), now + timedelta(days=999)) == "open"
