"""A researcher writes a blueprint in the Wagtail admin (a bad one is refused on the
content field) and previews the form it assembles, in Chromium."""

from __future__ import annotations

import json

import pytest

from learning_platform.accounts.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_blueprint_is_validated_and_a_form_previewed(
    live_server, page, make_user, screenshot_dir
):
    from itembank.demo import domains_ensure
    from itembank.models import Blueprint
    from itembank.services import (
        item_create_published,
        parameter_set_activate,
        parameter_set_create,
    )
    from learning_platform.accounts.services import roles_sync

    roles_sync()
    domains_ensure()
    user = make_user(Role.RESEARCHER, username="researcher", password="Research-2026!")
    params = {}
    for domain, bs in (
        ("info.safety", [-1.5, -0.5, 0.5, 1.5]),
        ("science", [-1.0, 0.0, 1.0]),
    ):
        for k, b in enumerate(bs):
            item = item_create_published(
                code=f"{domain.upper().replace('.', '-')}-9{k}",
                domain_code=domain,
                kind="single_choice",
                stem=f"<p>题干 {domain} {k}</p>",
                options=[
                    {"option_id": "A", "text": "甲", "is_key": True},
                    {"option_id": "B", "text": "乙"},
                ],
            )
            params[item.pk] = {"a": 1.2, "b": b}
    pset = parameter_set_create(name="run", model="2pl", source="test", items=params)
    parameter_set_activate(parameter_set=pset, approved_by=user, comment="ok")

    add = "/admin/snippets/itembank/blueprint/add/"
    page.goto(live_server.url + "/admin/login/?next=" + add)
    page.fill("input[name=username]", "researcher")
    page.fill("input[name=password]", "Research-2026!")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + add)

    page.fill("input[name=code]", "info-form-a")
    page.fill("input[name=name_zh]", "信息安全 A 卷")
    page.fill("input[name=length]", "5")
    page.fill("textarea[name=content]", json.dumps({"info.safety": 3, "astrology": 2}))
    with page.expect_navigation():
        page.locator("#w-editor-form").evaluate("form => form.requestSubmit()")
    assert (
        "astrology" in page.locator(".w-field:has(textarea[name=content])").inner_text()
    )
    assert not Blueprint.objects.exists()

    page.fill("textarea[name=content]", json.dumps({"info.safety": 3, "science": 2}))
    with page.expect_navigation():
        page.locator("#w-editor-form").evaluate("form => form.requestSubmit()")
    bp = Blueprint.objects.get(code="info-form-a")

    page.goto(live_server.url + f"/admin/itembank/blueprint/{bp.pk}/assemble/")
    rows = page.locator("table.form-items tbody tr")
    assert rows.count() == 5
    counts = page.locator("table.domain-counts").inner_text()
    assert "info.safety" in counts and "science" in counts
    page.screenshot(
        path=str(screenshot_dir / "itembank-blueprint-assemble.png"), full_page=True
    )
