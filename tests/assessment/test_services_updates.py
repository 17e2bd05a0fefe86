"""Checks shared by creating and changing instruments and campaigns."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessment.models import Campaign, Instrument
from assessment.services import (
    campaign_create,
    campaign_update,
    instrument_create,
    instrument_update,
    invitations_create,
)

pytestmark = pytest.mark.django_db


def _instrument_kwargs(item_bank, **overrides):
    return {
        "code": "info-new",
        "name_zh": "新测试",
        "kind": "ability",
        "domain_code": "info",
        "mode": "fixed",
        "settings": {"item_ids": item_bank.ids[:2]},
    } | overrides


def _campaign_kwargs(instrument, **overrides):
    now = timezone.now()
    return {
        "instrument": instrument,
        "name_zh": "专题调查",
        "kind": "thematic",
        "opens_at": now,
        "closes_at": now + timedelta(days=30),
        "max_attempts": 2,
    } | overrides


def test_instrument_update_checks_settings_like_create(fixed_campaign, item_bank):
    instrument = fixed_campaign.instrument
    same = _instrument_kwargs(item_bank, code=instrument.code, name_zh="x")
    bad_booklet = {
        "mode": "booklet",
        "settings": {"booklets": [[item_bank.ids[0], "two"]]},
    }
    with pytest.raises(ValidationError) as caught:
        instrument_update(instrument=instrument, **(same | bad_booklet))
    assert "settings.booklets[0]" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        instrument_update(instrument=instrument, **(same | {"blueprint": {"info": -1}}))
    assert "blueprint.info" in caught.value.message_dict
    instrument.refresh_from_db()
    assert instrument.name_zh == "信息素养固定卷"


def test_campaign_update_keeps_invited_audience_once_codes_exist(fixed_campaign):
    survey = _campaign_kwargs(
        fixed_campaign.instrument, kind="five_yearly", audience="invited"
    )
    invited = campaign_create(**survey)
    invitations_create(campaign=invited, count=2)
    with pytest.raises(ValidationError) as caught:
        campaign_update(campaign=invited, **(survey | {"audience": "public"}))
    assert "audience" in caught.value.message_dict
    invited.refresh_from_db()
    assert invited.audience == "invited"


@pytest.mark.parametrize("max_attempts", [0, -1, True, "3"])
def test_campaign_create_refuses_fewer_than_one_attempt_and_saves_nothing(
    fixed_campaign, max_attempts
):
    before = list(Campaign.objects.values_list("pk", flat=True))
    with pytest.raises(ValidationError) as caught:
        campaign_create(
            **_campaign_kwargs(fixed_campaign.instrument, max_attempts=max_attempts)
        )
    assert list(caught.value.message_dict) == ["max_attempts"]
    assert caught.value.message_dict["max_attempts"][0]
    assert list(Campaign.objects.values_list("pk", flat=True)) == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"max_attempts": 0}, "max_attempts"),
        ({"kind": "weekly"}, "kind"),
        ({"closes_at": timezone.now() - timedelta(days=400)}, "closes_at"),
    ],
)
def test_campaign_create_and_update_refuse_alike(fixed_campaign, overrides, field):
    instrument = fixed_campaign.instrument
    with pytest.raises(ValidationError) as on_create:
        campaign_create(**_campaign_kwargs(instrument, **overrides))
    with pytest.raises(ValidationError) as on_update:
        campaign_update(
            campaign=fixed_campaign, **_campaign_kwargs(instrument, **overrides)
        )
    assert on_create.value.message_dict == on_update.value.message_dict
    assert field in on_create.value.message_dict
    fixed_campaign.refresh_from_db()
    assert (fixed_campaign.name_zh, fixed_campaign.max_attempts) == ("练习", None)


def test_campaign_create_takes_no_limit_or_a_positive_one(fixed_campaign):
    unlimited = campaign_create(
        **_campaign_kwargs(fixed_campaign.instrument, max_attempts=None)
    )
    once = campaign_create(
        **_campaign_kwargs(fixed_campaign.instrument, max_attempts=1)
    )
    assert (unlimited.max_attempts, once.max_attempts) == (None, 1)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"blueprint": {"info.data": -1}}, "blueprint.info.data"),
        ({"blueprint": {"info.data": True}}, "blueprint.info.data"),
        ({"blueprint": {"info.data": "1"}}, "blueprint.info.data"),
        ({"kind": "exam"}, "kind"),
        ({"code": "info-cat"}, "code"),  # the adaptive campaign's instrument
    ],
)
def test_instrument_create_and_update_refuse_alike(
    fixed_campaign, adaptive_campaign, item_bank, overrides, field
):
    instrument = fixed_campaign.instrument
    codes = sorted(Instrument.objects.values_list("code", flat=True))
    with pytest.raises(ValidationError) as on_create:
        instrument_create(**_instrument_kwargs(item_bank, **overrides))
    with pytest.raises(ValidationError) as on_update:
        instrument_update(
            instrument=instrument,
            **_instrument_kwargs(item_bank, **({"code": instrument.code} | overrides)),
        )
    assert on_create.value.message_dict == on_update.value.message_dict
    assert field in on_create.value.message_dict
    assert sorted(Instrument.objects.values_list("code", flat=True)) == codes
    instrument.refresh_from_db()
    assert instrument.name_zh == "信息素养固定卷"


def test_instrument_update_keeps_its_own_code(fixed_campaign, item_bank):
    instrument = fixed_campaign.instrument
    updated = instrument_update(
        instrument=instrument,
        **_instrument_kwargs(
            item_bank, code=instrument.code, blueprint={"info.data": 1}
        ),
    )
    assert (updated.code, updated.blueprint) == ("info-fixed", {"info.data": 1})
