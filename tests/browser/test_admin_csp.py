"""The Content-Security-Policy in Chromium: the Wagtail editor still works (no violation
breaks it), and a script stored in an item never runs."""

from __future__ import annotations

import pytest

from learning_platform.accounts.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
    e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sample || '')));
"""


def _violations(page):
    # Wagtail's upgrade notice fetches releases.wagtail.org; the policy blocks that
    # call home on purpose, and nothing of the editor depends on it.
    return [
        v
        for v in page.evaluate("window.__cspViolations")
        if "releases.wagtail.org" not in v
    ]


def test_wagtail_admin_works_under_the_policy_and_stored_scripts_stay_inert(
    live_server, page, make_user, home_site
):
    from itembank.demo import domains_ensure
    from itembank.models import Item
    from itembank.services import item_create_published
    from learning_platform.accounts.services import roles_sync

    roles_sync()
    domains_ensure()
    user = make_user(Role.RESEARCHER, username="admin1", password="Admin-2026-pw!")
    user.is_superuser = user.is_staff = True
    user.save()
    item = item_create_published(
        code="CSP-1",
        domain_code="info.safety",
        kind="single_choice",
        stem="<p>题干</p>",
        options=[
            {"option_id": "A", "text": "甲", "is_key": True},
            {"option_id": "B", "text": "乙"},
        ],
    )
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.add_init_script(WATCH)

    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", "admin1")
    page.fill("input[name=password]", "Admin-2026-pw!")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")
    assert _violations(page) == []

    # The item listing.
    page.goto(live_server.url + "/admin/snippets/itembank/item/")
    assert page.locator("text=CSP-1").first.is_visible()
    assert _violations(page) == []

    # The item editor: Draftail mounts, the options inline panel adds a form.
    page.goto(live_server.url + f"/admin/snippets/itembank/item/edit/{item.pk}/")
    page.locator(".Draftail-Editor").first.wait_for()
    total = page.locator("#id_options-TOTAL_FORMS")
    before = int(total.input_value())
    page.locator("#id_options-ADD").click()
    page.wait_for_function(
        f"document.querySelector('#id_options-TOTAL_FORMS').value == '{before + 1}'"
    )
    assert _violations(page) == []

    # The item detail page with a payload stored before sanitising existed (straight
    # into the row; the editor itself cannot store it): nothing runs.
    Item.objects.filter(pk=item.pk).update(
        stem='<p>题干<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script></p>'
    )
    page.goto(live_server.url + f"/admin/itembank/item/{item.pk}/")
    assert page.locator(".citizen-preview").is_visible()
    assert page.evaluate("window.__pwned === undefined")

    # A page editor.
    page.goto(live_server.url + f"/admin/pages/{home_site.pk}/edit/")
    page.locator("form#page-edit-form, form[data-edit-form]").first.wait_for()
    page.wait_for_timeout(500)
    assert _violations(page) == []
    assert dialogs == []
