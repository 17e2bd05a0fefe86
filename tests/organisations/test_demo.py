"""The organisations demo: a few hundred organisations, a monitoring year in progress, demo
users, public spaces; fast, deterministic and safe to run twice."""

from __future__ import annotations

import io
import time

import pytest

pytestmark = pytest.mark.django_db


def test_demo_loads_fast_and_twice(districts, make_user):
    from learning_platform.organisations.demo import load_demo
    from learning_platform.organisations.models import (
        AssessmentStatus,
        MonitoringYear,
        Organisation,
        SelfAssessment,
        SpaceEntry,
        TierChange,
    )
    from learning_platform.organisations.selectors.results import district_kind_table
    from learning_platform.organisations.selectors.space import public_spaces

    make_user("district_officer", district=districts[0], username="officer")
    start = time.monotonic()
    load_demo(stdout=io.StringIO())
    assert time.monotonic() - start < 10
    counts = (
        Organisation.objects.count(),
        SelfAssessment.objects.count(),
        SpaceEntry.objects.count(),
    )
    load_demo(stdout=io.StringIO())
    assert counts == (
        Organisation.objects.count(),
        SelfAssessment.objects.count(),
        SpaceEntry.objects.count(),
    )
    assert 300 <= counts[0] <= 500
    assert set(
        Organisation.objects.values_list("district__code", flat=True).distinct()
    ) == {d.code for d in districts}
    assert TierChange.objects.exclude(from_tier="").exists()
    current = MonitoringYear.objects.get(year=2025)
    states = set(
        SelfAssessment.objects.filter(sampled__monitoring_year=current).values_list(
            "status", flat=True
        )
    )
    assert {
        AssessmentStatus.NOT_STARTED,
        AssessmentStatus.DRAFT,
        AssessmentStatus.FIRST_REVIEW,
        AssessmentStatus.DONE,
    } <= states
    table = district_kind_table(year=2025)
    shown = [c for c in table.cells if not c.suppressed]
    assert any(c.district_code == "310101" for c in shown)
    assert any(c.suppressed for c in table.cells)
    assert public_spaces().count() >= 20
    from learning_platform.accounts.models import User

    orguser = User.objects.get(username="orguser")
    assert orguser.organisations.count() == 1 and orguser.check_password(
        "demo-pass-2026"
    )
    assert (
        User.objects.filter(
            username__in=["expert1", "expert2", "expert3"], groups__name="expert"
        ).count()
        == 3
    )


def test_every_page_shows_something_real_after_the_demo(client, districts, make_user):
    from django.urls import reverse

    from learning_platform.accounts.models import User
    from learning_platform.organisations.demo import load_demo

    make_user("district_officer", district=districts[0], username="officer")
    load_demo(stdout=io.StringIO())
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    index = client.get(reverse("organisations:space_index"), **zh).content.decode()
    assert "外滩街道中山东一路居民区" in index
    own = client.get(
        reverse("organisations:space_detail", args=["demo-310101-community-1"]), **zh
    )
    body = own.content.decode()
    assert (
        own.status_code == 200
        and "社区读书会现场" in body
        and "楼组学习沙龙" not in body
    )
    client.force_login(User.objects.get(username="orguser"))
    body = client.get(
        reverse("organisations:space_detail", args=["demo-310101-community-1"]), **zh
    ).content.decode()
    assert "楼组学习沙龙" in body and "请补充活动日期和参加人数。" in body
    client.logout()
    results_page = client.get(reverse("organisations:results"), **zh).content.decode()
    assert "黄浦区" in results_page and "数据不足" in results_page
    client.force_login(User.objects.get(username="officer"))
    assert (
        "待审核"
        in client.get(reverse("organisations:space_review"), **zh).content.decode()
    )
    tiers = client.get(reverse("organisations:tier_decisions"), **zh).content.decode()
    assert "示范" in tiers
