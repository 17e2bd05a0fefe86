"""The demo loads the framework and 黄浦's years, and running it twice changes nothing."""

from __future__ import annotations

import io

from learning_platform.indicators.demo import load_demo
from learning_platform.indicators.models import (
    ItemKind,
    ItemValue,
    ReviewEvent,
    Status,
    Submission,
)


def test_demo_twice(districts, make_user):
    hp = next(d for d in districts if d.code == "310101")
    for role, name in [
        ("district_statistician", "statistician"),
        ("district_liaison", "liaison"),
        ("district_head", "head"),
    ]:
        make_user(role, district=hp, username=name)
    load_demo(stdout=io.StringIO())
    counts = (
        Submission.objects.count(),
        ItemValue.objects.count(),
        ReviewEvent.objects.count(),
    )
    load_demo(stdout=io.StringIO())
    assert counts == (
        Submission.objects.count(),
        ItemValue.objects.count(),
        ReviewEvent.objects.count(),
    )
    states = dict(Submission.objects.filter(district=hp).values_list("year", "status"))
    assert states == {
        2020: Status.LETTER,
        2022: Status.FIRST_REVIEW,
        2025: Status.DRAFT,
    }
    # the platform's figures come only from a published survey roll-up, never typed in here
    assert not ItemValue.objects.filter(item__kind=ItemKind.FED).exists()


def test_demo_figures_grow_a_little_from_year_to_year(districts, make_user):
    hp = next(d for d in districts if d.code == "310101")
    for role, name in [
        ("district_statistician", "statistician"),
        ("district_liaison", "liaison"),
        ("district_head", "head"),
    ]:
        make_user(role, district=hp, username=name)
    load_demo(stdout=io.StringIO())

    def value(year: int, code: str):
        return ItemValue.objects.get(
            submission__district=hp, submission__year=year, item__code=code
        ).value

    holdings = [value(y, "library_holdings") for y in (2020, 2022, 2025)]
    assert holdings[0] < holdings[1] < holdings[2] <= holdings[0] * 2
    # shares and figures with decimals (population) are not scaled
    assert value(2020, "teachers_bachelor_share") == value(
        2025, "teachers_bachelor_share"
    )
    # the draft leaves the 学习团队 text to the learning-organisation register's offer
    texts = dict(
        ItemValue.objects.filter(
            submission__district=hp, item__code="learning_teams_status"
        ).values_list("submission__year", "text")
    )
    assert texts[2025] == "" and texts[2020].startswith("全区共有")
