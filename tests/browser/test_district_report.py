"""An officer signs in from the login form, opens the year's district monitoring report from the
site header, sees their own district's section first and downloads its PDF (real Chromium)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Officer-2026!x"


def test_officer_opens_their_section_and_its_pdf(
    page, live_server, districts, make_user, _home_site, screenshot_dir, tmp_path
):
    from cms.models import DistrictMonitoringReportPage
    from learning_platform.indicators import services
    from learning_platform.indicators.demo import DETAILS, HUANGPU_2025

    call_command("load_indicator_framework", verbosity=0)
    form = {f"v_{k}": v for k, v in HUANGPU_2025.items()} | {
        f"d_{k}": v for k, v in DETAILS.items()
    }
    for code, managers in (("310101", "8"), ("310104", "0")):
        district = next(d for d in districts if d.code == code)
        stat = make_user(
            "district_statistician", district=district, username=f"s{code}"
        )
        liaison = make_user("district_liaison", district=district, username=f"l{code}")
        head = make_user("district_head", district=district, username=f"h{code}")
        sub = services.submission_ensure(district=district, year=2022)
        check = services.entry_save(
            submission=sub,
            user=stat,
            data=dict(form, v_ce_managers=managers),
            submit=True,
        )
        assert not check.errors
        services.review_decide(
            submission=sub, user=liaison, approve=True, comment="同意"
        )
        services.review_decide(submission=sub, user=head, approve=True, comment="同意")
    report = DistrictMonitoringReportPage(
        title="2022年度上海市学习型城区建设监测报告",
        slug="district-report-2022",
        year=2022,
        live=False,
    )
    _home_site.add_child(instance=report)
    report.save_revision().publish()
    xuhui = next(d for d in districts if d.code == "310104")
    make_user(
        "district_officer", district=xuhui, username="officer_xh", password=PASSWORD
    )

    page.context.add_cookies(
        [{"name": "django_language", "value": "zh-hans", "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "officer_xh")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    page.click(
        "header.site-header >> text=区监测年度报告"
    )  # reached from the header, never by typing its URL
    page.wait_for_selector("section.district")
    first = page.locator("section.district").first
    assert first.get_attribute("id") == "district-310104"
    assert (
        "徐汇区" in first.locator("h2").inner_text()
        and "本区" in first.locator("h2").inner_text()
    )
    missed = first.locator("[data-target=ce_staff_ratio]").inner_text()
    assert "未达标" in missed and "不低于 1 名/万人" in missed
    page.screenshot(
        path=str(screenshot_dir / "district-report-officer.png"), full_page=False
    )
    page.locator("#city-h").scroll_into_view_if_needed()
    assert (
        page.locator("figure.chart-figure svg").count() >= 2
    )  # district charts, the estimated rate's too
    page.locator("figure.chart-figure").first.screenshot(
        path=str(screenshot_dir / "district-report-chart.png")
    )

    with page.expect_download() as info:
        first.locator("[data-testid=pdf-310104]").click()
    download = info.value
    assert download.suggested_filename == "district-report-2022-310104.pdf"
    path = tmp_path / "section.pdf"
    download.save_as(path)
    assert path.read_bytes()[:4] == b"%PDF"
