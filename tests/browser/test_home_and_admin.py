"""A person opens the home page and signs into the Wagtail admin in real Chromium."""

from __future__ import annotations

import pytest

from learning_platform.accounts.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_shows_the_monitoring(live_server, phone_page, screenshot_dir):
    phone_page.goto(live_server.url + "/")
    assert phone_page.locator("h1").first.inner_text() == "市民终身学习监测"
    assert "终身学习" in phone_page.locator(".lead").inner_text()
    phone_page.screenshot(path=str(screenshot_dir / "home-phone.png"), full_page=True)


def test_researcher_logs_into_the_admin(live_server, page, make_user, screenshot_dir):
    make_user(Role.RESEARCHER, username="researcher", password="Research-2026!")
    page.goto(live_server.url + "/admin/")
    assert "/admin/login/" in page.url
    page.fill("input[name=username]", "researcher")
    page.fill("input[name=password]", "Research-2026!")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")
    assert page.locator("#wagtail-sidebar, [data-side-panel], .sidebar").count() > 0
    page.screenshot(path=str(screenshot_dir / "admin-dashboard.png"))


def test_wrong_password_keeps_the_user_out(live_server, page, make_user):
    make_user(Role.RESEARCHER, username="researcher2", password="Research-2026!")
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", "researcher2")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/admin/login/" in page.url


def test_citizen_cannot_enter_the_admin(live_server, page, make_user):
    make_user(Role.CITIZEN, username="citizen", password="Citizen-2026!")
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", "citizen")
    page.fill("input[name=password]", "Citizen-2026!")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/admin/login/" in page.url
