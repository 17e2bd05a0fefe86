# ruff: noqa: F811 - the indicators fixtures are imported by name and used as arguments
"""The annual district monitoring report: figures equal the approved filings and supplied survey
figures, frozen on publish, the officer's district first, one PDF per district, the crosswalk."""

from __future__ import annotations

from decimal import Decimal

import pytest

from learning_platform.indicators import services
from learning_platform.indicators.models import ItemValue
from learning_platform.indicators.selectors import (
    compute,
    district_report_figures,
    submission_values,
)
from tests.indicators.conftest import framework, full_form, hp, staff, xh  # noqa: F401


def _approve(sub, stat, liaison, head, data):
    check = services.entry_save(submission=sub, user=stat, data=data, submit=True)
    assert not check.errors and not check.unconfirmed, (check.errors, check.unconfirmed)
    services.review_decide(submission=sub, user=liaison, approve=True, comment="同意")
    services.review_decide(submission=sub, user=head, approve=True, comment="同意")


@pytest.fixture
def filings(framework, hp, xh, staff, full_form):  # noqa: F811
    """黄浦 approved for 2021 and 2022, 徐汇 approved for 2022 without managers, survey rates supplied."""
    earlier = {k: v for k, v in full_form.items()}
    earlier.update(
        v_ce_managers="6", v_community_operating_funding="650", v_fulltime_teachers="60"
    )
    _approve(
        services.submission_ensure(district=hp, year=2021),
        staff["stat"],
        staff["liaison"],
        staff["head"],
        earlier,
    )
    _approve(
        services.submission_ensure(district=hp, year=2022),
        staff["stat"],
        staff["liaison"],
        staff["head"],
        full_form,
    )
    xh_form = dict(
        full_form,
        v_ce_managers="0",
        v_resident_population_10k="111.3",
        v_subdistricts="13",
        v_community_schools="13",
        v_fulltime_teachers="90",
    )
    _approve(
        services.submission_ensure(district=xh, year=2022),
        staff["stat_xh"],
        staff["liaison_xh"],
        staff["head_xh"],
        xh_form,
    )
    for code, value, low, high in (
        ("310101", 68.4, 64.7, 72.1),
        ("310104", 71.2, 67.0, 75.4),
    ):
        services.platform_value_supply(
            district_code=code,
            year=2022,
            item_code="info_literacy_rate",
            value=value,
            se=1.9,
            n=800,
            suppressed=False,
            source="survey roll-up #7 (2022)",
            ci_low=low,
            ci_high=high,
        )
    return {"hp": hp, "xh": xh}


def _item(figures, code):
    return next(
        i for l1 in figures["indicators"] for i in l1["items"] if i["code"] == code
    )


def test_figures_equal_the_approved_filings_and_the_supplied_rates(filings, framework):
    figures = district_report_figures(2022)
    assert [l1["code"] for l1 in figures["indicators"]] == [
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
    ]
    from learning_platform.indicators.models import Submission

    for district in (filings["hp"], filings["xh"]):
        sub = Submission.objects.get(district=district, year=2022)
        values = submission_values(sub)
        computed = compute(version=sub.version, values=values)
        for code in (
            "ce_staff_per_10k",
            "credit_bank_share",
            "ce_area_per_10k",
            "online_learning_rate",
        ):
            expected = computed[code].value
            got = _item(figures, code)["districts"][district.code]["value"]
            assert got == (None if expected is None else round(float(expected), 4)), (
                code
            )
        rate = ItemValue.objects.get(submission=sub, item__code="info_literacy_rate")
        cell = _item(figures, "info_literacy_rate")["districts"][district.code]
        assert (cell["value"], cell["low"], cell["high"], cell["n"]) == (
            float(rate.value),
            rate.ci_low,
            rate.ci_high,
            rate.n,
        )
    assert _item(figures, "info_literacy_rate")["estimated"] is True
    # the city figure: the formula on the summed inputs (full-time teachers + managers over residents)
    city = _item(figures, "ce_staff_per_10k")["city"]["value"]
    assert city == round((64 + 8 + 90 + 0) / (66.2 + 111.3), 4)
    # year on year: 黄浦 2021 had (60 + 6) / 66.2
    hp_cell = _item(figures, "ce_staff_per_10k")["districts"]["310101"]
    assert hp_cell["previous"] == round(66 / 66.2, 4)
    assert hp_cell["change"] == round(hp_cell["value"] - hp_cell["previous"], 4)
    # target flags: 徐汇 has no managers and misses the staff ratio, 黄浦 meets it and grew its funding
    staff_target = next(t for t in figures["targets"] if t["code"] == "ce_staff_ratio")
    assert staff_target["results"]["310104"]["status"] == "missed"
    assert staff_target["results"]["310101"]["status"] == "met"
    growth = next(
        t for t in figures["targets"] if t["code"] == "community_funding_growth"
    )
    assert (
        growth["results"]["310101"]["status"] == "met"
        and growth["results"]["310104"]["status"] == "no_data"
    )
    assert [d["code"] for d in figures["districts"] if d["filed"]] == [
        "310101",
        "310104",
    ]


def test_unapproved_filings_stay_out(framework, hp, staff, full_form):  # noqa: F811
    sub = services.submission_ensure(district=hp, year=2022)
    services.entry_save(
        submission=sub, user=staff["stat"], data=full_form, submit=True
    )  # first review only
    figures = district_report_figures(2022)
    assert not any(d["filed"] for d in figures["districts"])
    assert _item(figures, "ce_staff_per_10k")["districts"] == {}


def test_unesco_crosswalk_has_3_areas_and_12_focus_areas(framework):
    figures = district_report_figures(2022)
    areas = figures["unesco"]["areas"]
    assert len(areas) == 3 and sum(len(a["focus_areas"]) for a in areas) == 12
    codes = {i.code for i in framework.indicators.all()}
    items = set(framework.items.values_list("code", flat=True))
    for area in areas:
        for fa in area["focus_areas"]:
            assert set(fa["indicators"]) <= codes and set(fa["items"]) <= items, fa[
                "code"
            ]


@pytest.fixture
def report(filings, home_site):
    from cms.models import DistrictMonitoringReportPage

    page = DistrictMonitoringReportPage(
        title="2022年度上海市学习型城区建设监测报告",
        slug="district-report-2022",
        year=2022,
        live=False,
    )
    home_site.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def test_publishing_freezes_the_figures(report, filings, staff, client):
    assert report.figures_snapshot["year"] == 2022
    frozen = _item(report.figures_snapshot, "ce_staff_per_10k")["districts"]["310101"][
        "value"
    ]
    # a later change of the underlying value does not reach the published report
    ItemValue.objects.filter(
        submission__district=filings["hp"],
        submission__year=2022,
        item__code="ce_managers",
    ).update(value=Decimal(80))
    report.refresh_from_db()
    assert (
        _item(report.figures_snapshot, "ce_staff_per_10k")["districts"]["310101"][
            "value"
        ]
        == frozen
    )
    page = client.get(report.url).content.decode()
    assert "1.09 名/万人" in page and "未达标" in page
    # taking the figures again is a new revision
    report.refresh_figures = True
    report.save_revision().publish()
    report.refresh_from_db()
    assert _item(report.figures_snapshot, "ce_staff_per_10k")["districts"]["310101"][
        "value"
    ] == round(144 / 66.2, 4)


def test_the_officer_sees_their_district_first(report, make_user, client, xh):  # noqa: F811
    officer = make_user("district_officer", district=xh, username="officer_xh")
    client.force_login(officer)
    page = client.get(report.url).content.decode()
    assert page.index('id="district-310104"') < page.index('id="district-310101"')
    client.logout()
    page = client.get(report.url).content.decode()
    assert page.index('id="district-310101"') < page.index('id="district-310104"')
    # every first-level indicator, the targets and the crosswalk are on the page
    for name in (
        "建立领导和管理制度",
        "建立督查评价制度",
        "学习型城市关键特征",
        "可持续发展",
    ):
        assert name in page
    assert "95%区间" in page  # the estimated rate carries its interval


def test_a_second_report_for_the_same_year_is_refused(report, home_site):
    from django.core.exceptions import ValidationError

    from cms.models import DistrictMonitoringReportPage

    again = DistrictMonitoringReportPage(title="重复", slug="again", year=2022)
    with pytest.raises(ValidationError) as exc:
        again.full_clean()
    assert "2022" in str(exc.value)


def test_district_pdf(report, client):
    response = client.get(f"/reports/district-report/{report.pk}/310104.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content[:4] == b"%PDF"
    assert (
        client.get(f"/reports/district-report/{report.pk}/310105.pdf").status_code
        == 404
    )  # not filed
    assert (
        client.get(f"/reports/district-report/{report.pk + 999}/310104.pdf").status_code
        == 404
    )


def test_the_demo_publishes_a_report_for_a_year_with_data(
    home_site, districts, make_user, client
):
    import io

    from cms.demo import load_demo as cms_demo
    from cms.models import DistrictMonitoringReportPage
    from learning_platform.indicators.demo import load_demo as indicators_demo

    hp_ = next(d for d in districts if d.code == "310101")
    for role, name in [
        ("district_statistician", "statistician"),
        ("district_liaison", "liaison"),
        ("district_head", "head"),
    ]:
        make_user(role, district=hp_, username=name)
    indicators_demo(stdout=io.StringIO())
    cms_demo(stdout=io.StringIO())
    cms_demo(stdout=io.StringIO())
    report = DistrictMonitoringReportPage.objects.live().get()
    assert report.year == 2020 and [
        d["code"] for d in report.figures_snapshot["districts"] if d["filed"]
    ] == ["310101"]
    assert "310101" in report.figures_snapshot["targets"][0]["results"]
    officer = make_user("district_officer", district=hp_)
    client.force_login(officer)
    assert (
        f'href="{report.url}"' in client.get("/").content.decode()
    )  # the header and the home page link it
    assert client.get(report.url).status_code == 200


def test_the_dashboard_flags_the_focus_districts_missed_target(
    report, rollups, home_site, make_user, client, xh
):
    from cms.models import DistrictDashboardPage

    dashboard = DistrictDashboardPage(title="各区看板", slug="dashboard")
    home_site.add_child(instance=dashboard)
    dashboard.save_revision().publish()
    client.force_login(make_user("district_officer", district=xh))
    page = client.get("/dashboard/?district=310104").content.decode()
    assert 'data-testid="report-flags"' in page and report.title in page
    assert "未达标：每万常住人口社区教育专职教师和管理人员数" in page
