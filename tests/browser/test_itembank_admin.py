"""The item detail page in Chromium: citizen preview without the key, and the item curve."""

from __future__ import annotations

import pytest

from learning_platform.accounts.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_item_preview_and_curve_render(live_server, page, make_user, screenshot_dir):
    from itembank.demo import domains_ensure
    from itembank.services import (
        item_create_published,
        parameter_set_activate,
        parameter_set_create,
    )
    from learning_platform.accounts.services import roles_sync

    roles_sync()
    domains_ensure()
    user = make_user(Role.RESEARCHER, username="researcher", password="Research-2026!")
    item = item_create_published(
        code="INFO-SAFETY-900",
        domain_code="info.safety",
        kind="single_choice",
        stem="<p>收到“医保卡异常”的短信，应该怎么做？</p>",
        options=[
            {"option_id": "A", "text": "点击链接验证", "is_key": False},
            {"option_id": "B", "text": "通过官方电话核实", "is_key": True},
            {"option_id": "C", "text": "转发给亲友"},
        ],
    )
    pset = parameter_set_create(
        name="run", model="2pl", source="test", items={item.pk: {"a": 1.4, "b": -0.3}}
    )
    parameter_set_activate(parameter_set=pset, approved_by=user, comment="ok")

    page.goto(live_server.url + f"/admin/login/?next=/admin/itembank/item/{item.pk}/")
    page.fill("input[name=username]", "researcher")
    page.fill("input[name=password]", "Research-2026!")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + f"/admin/itembank/item/{item.pk}/")

    preview = page.locator(".citizen-preview")
    assert preview.is_visible()
    assert "医保卡异常" in preview.inner_text()
    assert page.locator(".citizen-preview input[type=radio]").count() == 3
    assert "is_key" not in preview.inner_html()

    svg = page.locator("svg.item-curves")
    assert svg.is_visible()
    box = svg.bounding_box()
    assert box["width"] > 200 and box["height"] > 100
    icc = page.locator("svg.item-curves polyline.icc")
    assert len(icc.get_attribute("points").split()) == 81
    assert "INFO-SAFETY-900" in page.locator("svg.item-curves title").text_content()
    page.screenshot(
        path=str(screenshot_dir / "itembank-item-detail.png"), full_page=True
    )

    page.goto(live_server.url + "/admin/itembank/overview/")
    assert page.locator("svg.wright-map").is_visible()
    assert page.locator("svg.wright-map rect.difficulty").count() > 0
