"""A statistician fills the 2023 form in Chromium, meets a validation error, saves a draft and submits."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_statistician_fills_and_submits(
    page, phone_page, live_server, districts, make_user, screenshot_dir
):
    from learning_platform.indicators.demo import DETAILS, HUANGPU_2025
    from learning_platform.indicators.models import ItemValue, Status, Submission

    call_command("load_indicator_framework", verbosity=0)
    huangpu = next(d for d in districts if d.code == "310101")
    make_user(
        "district_statistician",
        district=huangpu,
        username="tongji",
        password="Stat-2026!x",
    )

    for p in (
        page,
        phone_page,
    ):  # Chinese first, whatever the browser's Accept-Language
        p.context.add_cookies(
            [{"name": "django_language", "value": "zh-hans", "url": live_server.url}]
        )
    page.goto(f"{live_server.url}/accounts/login/?next=/indicators/")
    page.fill("#id_username", "tongji")
    page.fill("#id_password", "Stat-2026!x")
    page.click("main button[type=submit]")
    page.click("text=数据上报")
    page.wait_for_selector("#v_resident_population_10k")
    assert page.locator("h2").first.inner_text() == "基础信息表"

    for code, value in HUANGPU_2025.items():
        page.fill(f"#v_{code}", value)
    for code, value in DETAILS.items():
        page.fill(f"input[name=d_{code}]", value)
    page.fill("#v_teachers_bachelor_share", "171.5")  # a percentage over 100
    page.click("button[value=submit]")
    page.wait_for_selector("#error-summary")
    assert "百分比不能超过100" in page.inner_text("#error-summary")
    assert page.get_attribute("#v_teachers_bachelor_share", "aria-invalid") == "true"
    assert (
        page.input_value("#v_library_area") == "31000"
    )  # what was typed is still there
    assert not ItemValue.objects.exists()

    page.fill("#v_teachers_bachelor_share", "71.5")
    page.click("button[value=save]")
    page.wait_for_selector("text=草稿已保存")
    assert page.inner_text("[data-testid=status]") == "填报"
    assert page.input_value("#v_teachers_bachelor_share") == "71.5"
    page.screenshot(
        path=str(screenshot_dir / "indicators-entry-draft.png"), full_page=False
    )

    page.click("button[value=submit]")
    page.wait_for_selector("text=已提交，等待初审")
    assert page.inner_text("[data-testid=status]") == "初审"
    assert page.locator("#v_library_area").count() == 0  # no longer editable
    area = page.inner_text("[data-value=ce_area_per_10k]")
    assert area == "770.3927"
    assert "无法计算" in page.inner_text("[data-value=rural_training_rate]")
    submission = Submission.objects.get(district=huangpu, year=2022)
    assert submission.status == Status.FIRST_REVIEW

    # the phone layout shows the same read-only form
    phone_context_page = phone_page
    phone_context_page.goto(
        f"{live_server.url}/accounts/login/?next=/indicators/310101/2022/"
    )
    phone_context_page.fill("#id_username", "tongji")
    phone_context_page.fill("#id_password", "Stat-2026!x")
    phone_context_page.click("main button[type=submit]")
    phone_context_page.wait_for_selector("[data-testid=status]")
    assert phone_context_page.inner_text("[data-testid=status]") == "初审"
    phone_context_page.screenshot(
        path=str(screenshot_dir / "indicators-entry-phone.png")
    )
