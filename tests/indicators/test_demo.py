"""The demo loads the framework and 黄浦's years, and running it twice changes nothing."""

from __future__ import annotations

import io
from decimal import Decimal

from learning_platform.indicators.demo import load_demo
from learning_platform.indicators.models import (
    ItemValue,
    ReviewEvent,
    Status,
    Submission,
)


def test_demo_twice(districts, make_user):
    hp = next(d for d in districts if d.code == "310101")
    for role, name in [("district_statistician", "statistician"), ("district_liaison", "liaison"),
                       ("district_head", "head")]:
        make_user(role, district=hp, username=name)
    load_demo(stdout=io.StringIO())
    counts = (Submission.objects.count(), ItemValue.objects.count(), ReviewEvent.objects.count())
    load_demo(stdout=io.StringIO())
    assert counts == (Submission.objects.count(), ItemValue.objects.count(), ReviewEvent.objects.count())
    states = dict(Submission.objects.filter(district=hp).values_list("year", "status"))
    assert states == {2021: Status.LETTER, 2022: Status.FIRST_REVIEW}
    fed = ItemValue.objects.get(submission__year=2022, item__code="info_literacy_rate")
    assert fed.value == Decimal("68.4") and fed.source.startswith("demo")
