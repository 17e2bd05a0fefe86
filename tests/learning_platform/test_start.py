"""Each role's start page after signing in, the header's links, the error pages and the
JSON 404 of unknown API paths."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from learning_platform.accounts.roles import Role

pytestmark = pytest.mark.django_db

PASSWORD = "Start-2026!x"


@pytest.fixture
def dashboard(home_site):
    from cms.models import DistrictDashboardPage

    page = DistrictDashboardPage(title="各区看板", slug="dashboard")
    home_site.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def framework():
    call_command("load_indicator_framework", verbosity=0)
    from learning_platform.indicators.models import FrameworkVersion

    return FrameworkVersion.objects.first()


def _login(client, username):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD})


@pytest.mark.parametrize(
    ("role", "where"),
    [
        (Role.CITIZEN, "/"),
        (Role.INSTITUTION, "/creditbank/verify/"),
        (Role.ITEM_AUTHOR, "/admin/"),
        (Role.ITEM_REVIEWER, "/admin/"),
        (Role.ITEM_FAIRNESS_REVIEWER, "/admin/"),
        (Role.ITEM_PSYCHOMETRIC_REVIEWER, "/admin/"),
        (Role.RESEARCHER, "/admin/"),
        (Role.ADMINISTRATOR, "/admin/"),
        (Role.DISTRICT_OFFICER, "/dashboard/"),
        (Role.DISTRICT_STATISTICIAN, "/indicators/310101/{year}/"),
        (Role.DISTRICT_LIAISON, "/indicators/310101/{year}/"),
        (Role.DISTRICT_HEAD, "/indicators/310101/{year}/"),
        (Role.ORGANISATION, "/organisations/"),
        (Role.EXPERT, "/organisations/rating/"),
    ],
)
def test_login_form_sends_each_role_to_its_start_page(
    client, make_user, districts, dashboard, framework, role, where
):
    huangpu = next(d for d in districts if d.code == "310101")
    make_user(role, district=huangpu, username="u", password=PASSWORD)
    response = _login(client, "u")
    assert response.status_code == 302 and response.url == "/start/"
    start = client.get(response.url)
    assert start.url == where.format(year=framework.data_year)
    assert client.get(start.url, follow=True).status_code == 200


def test_an_explicit_next_still_wins(client, make_user):
    make_user(username="u", password=PASSWORD)
    response = client.post(
        reverse("login") + "?next=/assessment/",
        {"username": "u", "password": PASSWORD, "next": "/assessment/"},
    )
    assert response.url == "/assessment/"


def test_the_header_links_each_roles_areas(
    client, make_user, districts, dashboard, framework
):
    huangpu = next(d for d in districts if d.code == "310101")
    make_user(Role.DISTRICT_OFFICER, district=huangpu, username="o", password=PASSWORD)
    client.force_login(make_user(Role.DISTRICT_OFFICER, district=huangpu))
    text = client.get("/assessment/").content.decode()
    assert 'href="/dashboard/"' in text and 'href="/indicators/"' in text
    client.force_login(make_user(Role.DISTRICT_STATISTICIAN, district=huangpu))
    text = client.get("/assessment/").content.decode()
    assert f'href="/indicators/310101/{framework.data_year}/"' in text
    client.force_login(make_user(Role.RESEARCHER))
    assert 'href="/admin/"' in client.get("/assessment/").content.decode()


def test_unknown_api_path_answers_the_json_error(client, make_user):
    client.force_login(make_user())
    for path in ("/api/v1/no-such-thing", "/api/v1/assessment/no/such/path/"):
        response = client.get(path)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
        body = response.json()
        assert (
            set(body) == {"code", "message", "errors"} and body["code"] == "not_found"
        )
    # the API's own routes still answer
    assert client.get("/api/v1/system/health").status_code == 200


def test_error_pages_are_in_the_sites_style_and_chinese(client, make_user):
    client.force_login(make_user())  # a citizen may not open the indicators
    response = client.get("/indicators/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 403
    text = response.content.decode()
    assert "您无法打开此页面" in text and 'class="site-header"' in text
    assert "Forbidden" not in text
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404 and "找不到页面" in response.content.decode()


def test_error_pages_speak_english_too(client):
    client.cookies["django_language"] = "en"
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "Page not found" in response.content.decode()


def test_the_500_page_renders_without_a_request_context():
    from django.template.loader import render_to_string

    text = render_to_string("500.html")
    assert "我们这边出了问题" in text or "Something went wrong" in text


def test_a_refused_form_explains_itself_in_chinese(make_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("login"),
        {"username": "x", "password": "y"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 403
    assert "表单已失效" in response.content.decode()
