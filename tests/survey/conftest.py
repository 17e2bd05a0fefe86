"""Fixtures of the survey tests: a five-yearly campaign and stored roll-ups."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone


def make_campaign(*, year: int = 2025, code: str = "survey-test"):
    from assessment.models import Campaign, Instrument

    instrument, _ = Instrument.objects.get_or_create(
        code=code,
        defaults={"name_zh": "市民素养调查", "name_en": "Citizen literacy survey",
                  "kind": "ability", "domain_code": "info", "mode": "booklet",
                  "settings": {"booklets": [[1, 2], [2, 3]]}},
    )
    return Campaign.objects.create(
        name_zh=f"{year}年市民终身学习素养调查", name_en=f"{year} survey", kind="five_yearly",
        instrument=instrument, audience="invited", opens_at=timezone.now() - timedelta(days=30),
        closes_at=timezone.now() - timedelta(days=1), year=year,
    )


@pytest.fixture
def campaign(db):
    return make_campaign()
