"""An organisation user adds a photo to its space in Chromium (alt text required), the district
approves it, and only then does the public see it."""

from __future__ import annotations

import io

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_photo_added_approved_then_public(
    page, live_server, districts, make_user, tmp_path
):
    from PIL import Image

    from learning_platform.organisations.models import (
        EntryStatus,
        Organisation,
        SpaceEntry,
    )

    huangpu = next(d for d in districts if d.code == "310101")
    orguser = make_user("organisation", username="orguser", password="Org-2026!x")
    make_user(
        "district_officer", district=huangpu, username="officer", password="Off-2026!x"
    )
    org = Organisation.objects.create(
        kind="community", name="外滩社区", district=huangpu, slug="waitan"
    )
    org.users.add(orguser)
    photo = tmp_path / "reading.png"
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 200)).save(buf, format="PNG")
    photo.write_bytes(buf.getvalue())
    page.context.add_cookies(
        [{"name": "django_language", "value": "zh-hans", "url": live_server.url}]
    )

    def sign_in(username, password, next_url):
        page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("main button[type=submit]")

    # given: the organisation user on the new-record form
    sign_in("orguser", "Org-2026!x", "/organisations/space/waitan/entries/new/")
    page.select_option("select[name=kind]", "photo")
    page.fill("input[name=title]", "社区读书会现场")
    page.set_input_files("input[name=file]", str(photo))
    # when: the alt text is missing, nothing is saved and the error says so
    page.click("#entry-form button[type=submit]")
    page.wait_for_selector("[role=alert]")
    assert "替代文本" in page.inner_text("[role=alert]")
    assert not SpaceEntry.objects.exists()
    page.fill("input[name=alt_text]", "居民围坐长桌共读")
    page.set_input_files("input[name=file]", str(photo))
    page.click("#entry-form button[type=submit]")
    page.wait_for_selector("text=经区审核通过后公开")
    assert SpaceEntry.objects.get().status == EntryStatus.PENDING

    # then: the public cannot see it yet
    page.context.clear_cookies()
    response = page.goto(f"{live_server.url}/organisations/space/waitan/")
    assert response.status == 404

    # when: the district officer approves it
    page.context.add_cookies(
        [{"name": "django_language", "value": "zh-hans", "url": live_server.url}]
    )
    sign_in("officer", "Off-2026!x", "/organisations/space/review/")
    page.wait_for_selector("text=社区读书会现场")
    page.click("button[value=approve]")
    page.wait_for_selector("text=审核意见已记录")

    # then: the public sees the photo with its alt text
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/organisations/space/waitan/")
    assert page.get_attribute("img.photo", "alt") == "居民围坐长桌共读"
    assert page.evaluate("document.querySelector('img.photo').naturalWidth") == 8
