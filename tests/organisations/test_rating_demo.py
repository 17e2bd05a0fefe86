"""The rating demo assigns and rates a year's submissions and is safe to run twice."""

from __future__ import annotations

import io

import pytest

from learning_platform.organisations.demo_rating import load_rating_demo
from learning_platform.organisations.models import ItemEvidence, RaterAssignment
from learning_platform.organisations.selectors import rating as sel
from tests.organisations.rating_fixtures import make_assessment, make_set, make_year

pytestmark = pytest.mark.django_db


def test_rating_demo_rates_most_submissions_and_runs_twice(districts, make_user):
    make_user("researcher", username="researcher")
    indicator_set = make_set()
    year = make_year()
    for district in districts[:8]:
        make_assessment(
            district=district, indicator_set=indicator_set, monitoring_year=year
        )
    out = io.StringIO()
    load_rating_demo(monitoring_year=year, stdout=out)
    assert "rating rounds submitted" in out.getvalue()
    assert RaterAssignment.objects.filter(round__in=(1, 2)).count() == 16
    assert RaterAssignment.objects.filter(submitted_at__isnull=False).exists()
    assert ItemEvidence.objects.filter(score__isnull=False).exists()
    before = list(
        RaterAssignment.objects.order_by("pk").values_list("pk", "submitted_at")
    )
    load_rating_demo(monitoring_year=year, stdout=io.StringIO())
    after = list(
        RaterAssignment.objects.order_by("pk").values_list("pk", "submitted_at")
    )
    assert after == before
    [row] = sel.agreement_report(monitoring_year=year)
    assert row.n > 0 and row.agreement is not None
