"""Every role's first minutes in Chromium: from the login form to the role's main task.

Nobody types a URL after the home page: each journey clicks the header's 登录, signs
in and follows links. axe-core checks the citizen journey, the dashboard and the
filing pages for serious or critical WCAG 2.1 AA violations.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from learning_platform.accounts.roles import Role
from tests.assessment.fixtures import item_bank  # noqa: F401
from tests.browser.axe import serious_violations
from tests.browser.test_assessment_delivery import asgi_server  # noqa: F401
from tests.browser.test_cms_reports import published  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Journey-2026!x"


def _sign_in(page, base: str, username: str) -> None:
    """Open the home page, click 登录 in the header and sign in."""
    page.context.add_cookies(
        [{"name": "django_language", "value": "zh-hans", "url": base}]
    )
    page.goto(base + "/")
    page.locator("header.site-header").get_by_role("link", name="登录").click()
    page.wait_for_selector("#id_username")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("load")


def test_officer_lands_on_their_districts_dashboard(
    live_server,
    page,
    published,  # noqa: F811
    make_user,
    districts,
):
    huangpu = next(d for d in districts if d.code == "310101")
    make_user(
        Role.DISTRICT_OFFICER, district=huangpu, username="officer", password=PASSWORD
    )
    _sign_in(page, live_server.url, "officer")
    page.wait_for_url(live_server.url + published["dashboard"])
    focus = page.locator("#focus")
    assert "黄浦" in focus.locator("h2").inner_text()
    assert focus.get_attribute("data-district") == "310101"
    text = focus.inner_text()
    assert "95%" in text and re.search(r"\d+\.\d%", text)  # rate with its interval
    assert re.search("全市|城市|高于|低于|与全市", text)  # compared with the city
    assert focus.locator("figure svg").count() >= 1  # the trend across waves
    # choosing 全市 shows the whole city, and the header leads back to the dashboard
    page.select_option("#d-district", "")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_load_state("load")
    assert page.locator("#focus").get_attribute("data-district") == ""
    page.locator("header.site-header").get_by_role("link", name="各区看板").click()
    assert page.locator("#focus").get_attribute("data-district") == "310101"
    assert serious_violations(page) == []


@pytest.fixture
def filing(districts):
    call_command("load_indicator_framework", verbosity=0)
    from learning_platform.indicators.models import FrameworkVersion

    return next(
        d for d in districts if d.code == "310101"
    ), FrameworkVersion.objects.first()


def test_statistician_lands_on_this_years_filing(live_server, page, filing, make_user):
    huangpu, version = filing
    make_user(
        Role.DISTRICT_STATISTICIAN, district=huangpu, username="stat", password=PASSWORD
    )
    _sign_in(page, live_server.url, "stat")
    page.wait_for_url(f"{live_server.url}/indicators/310101/{version.data_year}/")
    assert "待您处理" in page.inner_text("#waiting")
    assert page.locator("#v_resident_population_10k").is_editable()
    page.fill("#v_resident_population_10k", "66.2")
    page.click("button[value=save]")
    page.wait_for_selector("text=草稿已保存")
    assert serious_violations(page) == []
    page.locator("header.site-header").get_by_role("link", name="区级指标").click()
    page.wait_for_load_state("load")
    assert serious_violations(page) == []


def test_liaison_and_head_land_on_the_filing_with_nothing_waiting(
    live_server, page, filing, make_user
):
    huangpu, version = filing
    make_user(
        Role.DISTRICT_LIAISON, district=huangpu, username="liaison", password=PASSWORD
    )
    _sign_in(page, live_server.url, "liaison")
    page.wait_for_url(f"{live_server.url}/indicators/310101/{version.data_year}/")
    assert "没有待您处理" in page.inner_text("#waiting")
    assert serious_violations(page) == []


def test_researcher_lands_in_the_admin(live_server, page, make_user):
    make_user(Role.RESEARCHER, username="researcher", password=PASSWORD)
    _sign_in(page, live_server.url, "researcher")
    page.wait_for_url(live_server.url + "/admin/")
    assert page.locator(
        ".w-sidebar, #wagtail-sidebar, [data-side-panel-toggle], aside"
    ).count()


@pytest.fixture
def practice(item_bank):  # noqa: F811
    from assessment.services import campaign_create, instrument_create

    instrument = instrument_create(
        code="info-journey",
        name_zh="信息素养测试",
        kind="ability",
        domain_code="info",
        mode="fixed",
        settings={"item_ids": item_bank.ids[:10]},
    )
    return campaign_create(
        instrument=instrument,
        name_zh="公开练习",
        kind="practice",
        opens_at=timezone.now() - timedelta(days=1),
    )


def test_citizen_ends_a_test_after_one_question_and_gets_no_level(
    asgi_server,
    phone_page,
    practice,
    make_user,  # noqa: F811
):
    from learning_platform.creditbank.models import LearningOutcome

    page = phone_page
    make_user(username="citizen", password=PASSWORD)
    violations: list[str] = []
    _sign_in(page, asgi_server, "citizen")
    assert page.url == asgi_server + "/"
    violations += serious_violations(page)
    page.locator("header.site-header").get_by_role("link", name="测试").click()
    page.wait_for_load_state("load")
    violations += serious_violations(page)
    page.get_by_role("link", name="信息素养测试").click()
    violations += serious_violations(page)
    page.get_by_role("link", name=re.compile("^开始")).click()
    page.wait_for_selector("input[name=consent]")
    violations += serious_violations(page)
    page.get_by_label(re.compile("我同意")).check()
    page.get_by_role("button", name="开始测试").click()
    page.wait_for_selector("#delivery")
    violations += serious_violations(page)
    page.locator("label.option").first.click()
    page.click("#submit")
    expect(page.locator("#progress")).to_contain_text("2")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="现在结束测试").click()
    page.wait_for_selector("#too-short")
    assert "太少" in page.inner_text("#too-short")
    assert page.locator("#level-name").count() == 0
    body = page.inner_text("main")
    assert "参数集" not in body and "标准误" not in body
    violations += serious_violations(page)
    assert not LearningOutcome.objects.exists()
    page.locator("header.site-header").get_by_role("link", name="我的学习账户").click()
    page.wait_for_load_state("load")
    violations += serious_violations(page)
    assert violations == []


def test_the_other_roles_land_on_their_start_pages(
    live_server, browser, filing, make_user
):
    huangpu, version = filing
    landing = {
        Role.DISTRICT_HEAD: f"/indicators/310101/{version.data_year}/",
        Role.ITEM_AUTHOR: "/admin/",
        Role.ITEM_REVIEWER: "/admin/",
        Role.INSTITUTION: "/creditbank/verify/",
    }
    for role, where in landing.items():
        make_user(role, district=huangpu, username=f"u-{role}", password=PASSWORD)
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        _sign_in(page, live_server.url, f"u-{role}")
        page.wait_for_url(live_server.url + where)
        if where == "/creditbank/verify/":
            assert serious_violations(page) == []
        context.close()
