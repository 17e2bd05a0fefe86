"""A reader opens a published report and the district dashboard in real Chromium."""

from __future__ import annotations

import json

import pytest

from learning_platform.accounts.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def published(_home_site, districts):
    """A published report and a dashboard on factory roll-ups (2020 and 2025)."""
    from cms.models import DistrictDashboardPage, ReportIndexPage, SurveyReportPage
    from cms.services import report_rollup_set
    from tests.cms.conftest import REPORT_BODY
    from tests.cms.factories import rollup_make

    rollup_make(year=2020, shift=-6.0)
    rollup = rollup_make(year=2025)
    home = _home_site
    index = ReportIndexPage(title="监测报告", slug="reports")
    home.add_child(instance=index)
    report = SurveyReportPage(
        title="2025 年市民信息素养监测报告",
        slug="r2025",
        live=False,
        body=json.dumps(REPORT_BODY),
    )
    index.add_child(instance=report)
    report_rollup_set(page=report, rollup_id=rollup.pk).publish()
    dashboard = DistrictDashboardPage(title="各区看板", slug="dashboard")
    home.add_child(instance=dashboard)
    dashboard.save_revision().publish()
    return {"report": "/reports/r2025/", "dashboard": "/dashboard/"}


def test_published_report_at_phone_and_desktop_width(
    live_server, page, phone_page, screenshot_dir, published
):
    for browser_page, width in ((page, "desktop"), (phone_page, "phone")):
        browser_page.goto(live_server.url + published["report"])
        assert (
            browser_page.locator("h1").first.inner_text()
            == "2025 年市民信息素养监测报告"
        )
        headline = browser_page.locator(".headline-value").first
        assert headline.inner_text() == "60.0%"
        charts = browser_page.locator("figure.chart-figure svg[role=img]")
        assert charts.count() == 4
        # charts scale to the column: none wider than the viewport
        viewport = browser_page.viewport_size["width"]
        for i in range(charts.count()):
            assert charts.nth(i).bounding_box()["width"] <= viewport
        # the data table opens without JavaScript-dependent widgets
        browser_page.locator("details.chart-data summary").first.click()
        assert browser_page.locator("details.chart-data table").first.is_visible()
        browser_page.screenshot(
            path=str(screenshot_dir / f"cms-report-{width}.png"), full_page=True
        )
    # the PNG download is served as an image
    href = page.locator(".downloads a").first.get_attribute("href")
    response = page.request.get(live_server.url + href)
    assert response.ok and response.headers["content-type"] == "image/png"


def test_dashboard_shows_an_officer_their_district_first(
    live_server, page, phone_page, screenshot_dir, published, make_user, districts
):
    huangpu = next(d for d in districts if d.code == "310101")
    make_user(
        Role.DISTRICT_OFFICER, district=huangpu, username="hp", password="Officer-2026!"
    )
    for browser_page, width in ((page, "desktop"), (phone_page, "phone")):
        browser_page.goto(
            live_server.url + "/accounts/login/?next=" + published["dashboard"]
        )
        browser_page.fill("input[name=username]", "hp")
        browser_page.fill("input[name=password]", "Officer-2026!")
        browser_page.click("main button[type=submit]")
        browser_page.wait_for_url(live_server.url + published["dashboard"])
        assert "黄浦" in browser_page.locator("#focus h2").inner_text()
        first_row = browser_page.locator("table.dashboard-table tbody tr").first
        assert first_row.get_attribute("data-district") == "310101"
        assert browser_page.locator("svg g.tile").count() == 16
        browser_page.screenshot(
            path=str(screenshot_dir / f"cms-dashboard-{width}.png"), full_page=True
        )
