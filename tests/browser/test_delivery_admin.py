"""A researcher creates an instrument and a campaign in the Wagtail admin, in Chromium."""

from __future__ import annotations

import pytest

from learning_platform.accounts.roles import Role
from tests.assessment.fixtures import fixed_campaign, item_bank  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_researcher_fixes_a_bad_item_list_and_opens_a_campaign(
    live_server,
    page,
    make_user,
    item_bank,  # noqa: F811
    screenshot_dir,
):
    from assessment.models import Campaign, Instrument

    make_user(Role.RESEARCHER, username="researcher", password="Research-2026!")
    page.goto(live_server.url + "/admin/login/?next=/admin/delivery/instruments/new/")
    page.fill("input[name=username]", "researcher")
    page.fill("input[name=password]", "Research-2026!")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/delivery/instruments/new/")

    # given a fixed form whose second item id is mistyped
    page.fill("input[name=code]", "info-browser")
    page.fill("input[name=name_zh]", "浏览器建的固定卷")
    page.select_option("select[name=kind]", "ability")
    page.select_option("select[name=domain_code]", "info")
    page.select_option("select[name=mode]", "fixed")
    page.fill("textarea[name=item_ids]", f"{item_bank.ids[0]}, 9x")
    page.fill("input[name=time_limit_minutes]", "10")
    page.locator("#w-editor-form button[type=submit]").first.click()
    page.wait_for_load_state()

    # then the error names the field and the bad token, and nothing is saved
    error = page.locator(
        "[data-field-wrapper]:has(textarea[name=item_ids]) .error-message"
    )
    assert "9x" in error.inner_text()
    assert not Instrument.objects.filter(code="info-browser").exists()
    assert (
        page.input_value("input[name=code]") == "info-browser"
    )  # nothing typed is lost
    page.screenshot(
        path=str(screenshot_dir / "delivery-admin-error.png"), full_page=True
    )

    # when the list is fixed, the instrument is saved and listed
    page.fill("textarea[name=item_ids]", " ".join(str(i) for i in item_bank.ids[:3]))
    page.locator("#w-editor-form button[type=submit]").first.click()
    page.wait_for_url("**/admin/delivery/instruments/")
    instrument = Instrument.objects.get(code="info-browser")
    assert instrument.settings == {
        "item_ids": item_bank.ids[:3],
        "time_limit_seconds": 600,
    }
    assert "info-browser" in page.content() and "是（3/3）" in page.content()

    # and a campaign on it opens on the report page
    page.goto(live_server.url + "/admin/delivery/campaigns/new/")
    page.fill("input[name=name_zh]", "浏览器练习")
    page.select_option("select[name=kind]", "practice")
    page.select_option("select[name=instrument]", str(instrument.pk))
    page.fill("input[name=opens_at]", "2026-01-01 08:00")
    page.keyboard.press("Escape")  # close the date picker
    page.locator("#w-editor-form button[type=submit]").first.click()
    page.wait_for_url("**/admin/delivery/campaigns/inspect/*/")
    campaign = Campaign.objects.get(name_zh="浏览器练习")
    assert page.locator("[data-status]").get_attribute("data-status") == "open"
    assert "暂无作答" in page.content()
    page.screenshot(
        path=str(screenshot_dir / "delivery-admin-report.png"), full_page=True
    )
    assert campaign.instrument_id == instrument.pk
