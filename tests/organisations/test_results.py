"""Results: per organisation (items, profiles, growth) and per district × kind (design-based
shares with SEs, small cells withheld as in the survey, only approved self-assessments)."""

from __future__ import annotations

import csv
import io
import math

import pytest
from django.urls import reverse

from learning_platform.organisations.models import MonitoringYear, TierChange
from learning_platform.organisations.selectors import results

pytestmark = pytest.mark.django_db


def test_threshold_is_the_surveys():
    from assessment.survey.pipeline.base import SUPPRESSION_THRESHOLD

    assert results.SUPPRESSION_THRESHOLD == SUPPRESSION_THRESHOLD


@pytest.fixture
def monitored(org_factory, assess, xh):
    """2025: 黄浦 communities N=40, 35 sampled, 32 approved (3 still under review);
    indicator 1 met by 24 of 32, indicator 2 by 16 of 32. 徐汇: 3 approved (too few)."""
    year = MonitoringYear.objects.create(
        year=2025,
        allocation=[
            {"district": "310101", "kind": "community", "population": 40, "sample": 35},
            {"district": "310104", "kind": "community", "population": 10, "sample": 3},
        ],
    )
    orgs = [org_factory(name=f"社区{i}", slug=f"c{i}") for i in range(40)]
    for i, org in enumerate(orgs[:35]):
        status = "done" if i < 32 else "first_review"
        assess(
            year=year,
            org=org,
            weight=40 / 35,
            funding_met=i < 24,
            activity=4 if i % 2 == 0 else 1,
            status=status,
        )
    for i in range(3):
        assess(
            year=year,
            org=org_factory(name=f"徐汇社区{i}", slug=f"x{i}", district=xh),
            weight=10 / 3,
        )
    return year, orgs


def test_district_kind_share_and_se_from_the_design(monitored):
    table = results.district_kind_table(year=2025)
    cells = {(c.district_code, c.indicator_code): c for c in table.cells}
    hp1 = cells[("310101", "1")]
    # m = 32 approved of N = 40: p = 24/32, SE = sqrt((1 - 32/40) p (1 - p) / 31)
    assert hp1.n == 32 and not hp1.suppressed
    assert hp1.estimate == pytest.approx(0.75)
    assert hp1.se == pytest.approx(math.sqrt((1 - 32 / 40) * 0.75 * 0.25 / 31))
    assert cells[("310101", "2")].estimate == pytest.approx(0.5)
    small = cells[("310104", "1")]
    assert (
        small.suppressed
        and small.estimate is None
        and small.se is None
        and small.n == 3
    )
    # The city row pools the strata (35 organisations ≥ 30).
    city = cells[("", "1")]
    assert city.n == 35 and not city.suppressed
    assert city.estimate == pytest.approx((40 * 0.75 + 10 * 1.0) / 50)


def test_results_page_shows_insufficient_data_in_chinese(client, monitored):
    body = client.get(
        reverse("organisations:results"), {"year": 2025}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "数据不足" in body and "75.0" in body


def test_csv_and_xlsx_export(client, monitored):
    response = client.get(
        reverse("organisations:results_export", args=["csv"]), {"year": 2025}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["年度", "区", "组织类型", "一级指标", "n"]
    hp = [r for r in rows if r[1] == "黄浦区" and r[3].startswith("1 ")][0]
    assert hp[5] == "75.0"
    xh = [r for r in rows if r[1] == "徐汇区"][0]
    assert xh[5] == "" and xh[7] == "数据不足"
    response = client.get(
        reverse("organisations:results_export", args=["xlsx"]), {"year": 2025}
    )
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(1, 1).value == "年度"
    assert (
        client.get(reverse("organisations:results_export", args=["pdf"])).status_code
        == 404
    )


def test_api_table(client, monitored):
    data = client.get("/api/v1/organisations/results", {"year": 2025}).json()
    assert data["suppression_threshold"] == 30
    small = [c for c in data["cells"] if c["district_code"] == "310104"]
    assert small and all(c["share"] is None and c["suppressed"] for c in small)


def test_organisation_profile_and_growth(org_factory, assess):
    org = org_factory(name="成长社区", slug="grow")
    y1 = MonitoringYear.objects.create(year=2024)
    y2 = MonitoringYear.objects.create(year=2025)
    assess(year=y1, org=org, weight=1, funding_met=False, rule=2, activity=2)
    assess(year=y2, org=org, weight=1, funding_met=True, rule=4, activity=3)
    years = results.organisation_results(organisation=org)
    assert [y.year for y in years] == [2024, 2025]
    first, second = years[0].profile, years[1].profile
    assert (
        first[0].mean_score == pytest.approx((0 + 2 / 4) / 2) and first[0].met is False
    )
    assert second[0].mean_score == pytest.approx(1.0) and second[0].met is True
    assert second[0].change == pytest.approx(1.0 - 0.25)
    assert second[1].met is True  # 3 of 4 reaches ITEM_MET_SHARE
    assert years[1].indicators_met == 2


def test_only_approved_self_assessments_count(org_factory, assess):
    org = org_factory(name="待审社区", slug="pending")
    year = MonitoringYear.objects.create(year=2025)
    assess(year=year, org=org, weight=1, status="second_review")
    assert results.organisation_results(organisation=org) == []
    assert results.district_kind_table(year=2025).cells == []


def test_tier_decisions_are_listed_with_evidence_for_staff_only(
    client, org_factory, make_user, hp, xh
):
    org = org_factory(name="示范社区", slug="model")
    other = org_factory(name="徐汇示范", slug="xh-model", district=xh)
    TierChange.objects.create(
        organisation=org,
        from_tier="selected",
        to_tier="model",
        year=2025,
        evidence="2025年监测全部一级指标达标",
    )
    TierChange.objects.create(
        organisation=other,
        from_tier="registered",
        to_tier="selected",
        year=2025,
        evidence="徐汇的证据",
    )
    assert client.get(reverse("organisations:tier_decisions")).status_code == 302
    client.force_login(make_user("citizen"))
    assert client.get(reverse("organisations:tier_decisions")).status_code == 403
    client.force_login(make_user("district_officer", district=hp))
    body = client.get(reverse("organisations:tier_decisions")).content.decode()
    assert "2025年监测全部一级指标达标" in body and "徐汇的证据" not in body
    client.force_login(make_user("researcher"))
    body = client.get(reverse("organisations:tier_decisions")).content.decode()
    assert "徐汇的证据" in body


def test_framework_feed_offers_the_summary_until_the_district_types_its_own(monitored):
    from django.core.management import call_command

    from learning_platform.indicators.models import ItemValue, Status, Submission
    from learning_platform.organisations.services.results import framework_feed

    call_command("load_indicator_framework", verbosity=0)
    assert framework_feed(year=2025, district_codes=["310101"]) == {"310101": True}
    row = ItemValue.objects.get(
        submission__district__code="310101",
        submission__year=2025,
        item__code="learning_teams_status",
    )
    assert row.text.startswith("全区登记学习型组织40家（学习型社区40家）")
    assert (
        "2025年度抽样监测抽取35家，经区审核的自评32家" in row.text
        and "达标75.0%" in row.text
    )
    assert row.source
    # The district's own text stands.
    ItemValue.objects.filter(pk=row.pk).update(text="区里自己写的情况", source="")
    assert framework_feed(year=2025, district_codes=["310101"]) == {"310101": False}
    assert ItemValue.objects.get(pk=row.pk).text == "区里自己写的情况"
    # A submitted filing is not touched.
    Submission.objects.filter(district__code="310104", year=2025).delete()
    framework_feed(year=2025, district_codes=["310104"])
    Submission.objects.filter(district__code="310104", year=2025).update(
        status=Status.FIRST_REVIEW
    )
    ItemValue.objects.filter(submission__district__code="310104").update(text="旧")
    assert framework_feed(year=2025, district_codes=["310104"]) == {"310104": False}
    assert (
        ItemValue.objects.get(
            submission__district__code="310104", item__code="learning_teams_status"
        ).text
        == "旧"
    )
