"""District counts (学分银行开户数占比), the profile's data and the suggestions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied

from learning_platform.creditbank.selectors import (
    account_counts_by_district,
    profile_for_account,
)
from learning_platform.creditbank.services import account_close, account_open
from learning_platform.creditbank.suggestions import suggestions_for
from learning_platform.districts.models import DistrictYearFigure

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(when):
    """Run the services at the scenario's moment (they stamp opened_at/closed_at with now)."""
    return mock.patch("django.utils.timezone.now", return_value=when)


def opened(user, district, when):
    with at(when):
        return account_open(user=user, district=district)


def test_counts_follow_opening_and_closing_dates(make_user, huangpu):
    researcher = make_user("researcher")
    a = opened(make_user("citizen"), huangpu, datetime(2024, 6, 1, tzinfo=TZ))
    opened(make_user("citizen"), huangpu, datetime(2025, 12, 31, 23, 0, tzinfo=TZ))
    opened(make_user("citizen"), huangpu, datetime(2026, 1, 1, 0, 30, tzinfo=TZ))
    with at(datetime(2025, 7, 1, tzinfo=TZ)):
        account_close(account=a)

    def count(year):
        rows = account_counts_by_district(user=researcher, year=year)
        return next(r for r in rows if r.district_code == "310101").accounts

    assert count(2023) == 0
    assert count(2024) == 1
    assert count(2025) == 1  # one closed mid-year, one opened on New Year's Eve
    assert count(2026) == 2


def test_share_uses_the_latest_population_at_or_before_the_year(make_user, huangpu):
    DistrictYearFigure.objects.update_or_create(
        district=huangpu,
        year=2025,
        defaults={"resident_population_10k": Decimal("50.00")},
    )
    researcher = make_user("researcher")
    for _ in range(3):
        opened(make_user("citizen"), huangpu, datetime(2025, 3, 1, tzinfo=TZ))
    row = next(
        r
        for r in account_counts_by_district(user=researcher, year=2025)
        if r.district_code == "310101"
    )
    assert row.resident_population == 500000 and row.population_year == 2025
    assert row.share_percent == Decimal("0.0006")  # 3 / 500,000 × 100
    earlier = next(
        r
        for r in account_counts_by_district(user=researcher, year=2024)
        if r.district_code == "310101"
    )
    assert earlier.population_year != 2025


def test_district_without_population_has_no_share(make_user, huangpu):
    DistrictYearFigure.objects.filter(district=huangpu).delete()
    row = next(
        r
        for r in account_counts_by_district(user=make_user("researcher"), year=2026)
        if r.district_code == "310101"
    )
    assert row.share_percent is None and row.resident_population is None


@pytest.mark.parametrize("role", ["citizen", "institution", "item_author"])
def test_other_roles_see_no_counts(make_user, districts, role):
    with pytest.raises(PermissionDenied):
        account_counts_by_district(user=make_user(role), year=2026)


def test_profile_series_and_expiring_credits(citizen, record, info_rule):
    record(theta=-0.5, day=(2025, 1, 1))
    record(theta=0.4, day=(2026, 1, 1))
    profile = profile_for_account(account=citizen.learning_account)
    assert [p.theta for p in profile.series["info"]] == [-0.5, 0.4]
    assert profile.latest[0][0] == "info" and profile.latest[0][1].theta == 0.4
    assert profile.credits_total == Decimal("2.00")
    assert profile.suggestions[0].domain_code == "info"


def test_suggestions_split_at_the_mean_and_name_needs_topics():
    low = suggestions_for(
        latest=[("health", -1.0, "")], needs_topics=[], language="zh-hans"
    )
    high = suggestions_for(
        latest=[("health", 1.0, "")], needs_topics=[], language="zh-hans"
    )
    assert low[0].text != high[0].text
    english = suggestions_for(
        latest=[("science", 0.2, "")], needs_topics=["摄影", "理财"], language="en"
    )
    assert english[0].domain_name == "Science literacy"
    assert "摄影, 理财" in english[1].text
    assert suggestions_for(latest=[("unknown", 0.0, "")], needs_topics=[]) == []


def test_needs_questionnaires_are_kept_out_of_the_ability_chart(citizen, record):
    record(domain="info")
    record(domain="needs", theta=1.2, level="")
    profile = profile_for_account(account=citizen.learning_account)
    assert set(profile.series) == {"info", "info.data"}
    assert all(s.domain_code != "needs" for s in profile.suggestions)
    assert len(profile.outcomes) == 2
