"""Malformed and oversized input gets a 4xx naming the problem, never a 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

TOKENS = "/api/v1/accounts/tokens"


def _signed_in(make_user, *roles):
    client = Client()
    user = make_user(*roles)
    client.force_login(user)
    return client, user


def test_a_body_over_the_limit_gets_413_on_the_api_and_on_pages(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"x": "a" * 2000})
    response = Client().post(
        "/api/v1/creditbank/verify", body, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    page = Client().post(
        "/accounts/login/",
        "username=" + "a" * 2000,
        content_type="application/x-www-form-urlencoded",
    )
    assert page.status_code == 413


def test_a_body_over_the_real_limit_gets_413_not_500():
    body = json.dumps({"name": "a" * (2_621_440 + 10)})
    response = Client().post(TOKENS, body, content_type="application/json")
    assert response.status_code == 413


def test_a_body_the_middleware_did_not_measure_gets_413_from_the_api(
    settings, make_user
):
    """A body without a usable length trips Django's own limit inside the API: still 413."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if not m.endswith("BodySizeMiddleware")
    ]
    client, _user = _signed_in(make_user, "citizen")
    response = client.post(
        TOKENS, json.dumps({"name": "a" * 2000}), content_type="application/json"
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    "body", ['{"name": "\\ud800"}', '{"name": "ok", "\\udc00": 1}']
)
def test_a_lone_surrogate_gets_4xx(make_user, body):
    client, _user = _signed_in(make_user, "citizen")
    response = client.post(TOKENS, body, content_type="application/json")
    assert 400 <= response.status_code < 500
    from learning_platform.accounts.models import ApiToken

    assert not ApiToken.objects.exists()


def test_deep_nesting_gets_4xx_on_schema_endpoints(make_user):
    client, _user = _signed_in(make_user, "citizen")
    body = '{"name": "x", "extra": ' + "[" * 50_000 + "]" * 50_000 + "}"
    response = client.post(TOKENS, body, content_type="application/json")
    assert 400 <= response.status_code < 500


def test_a_megabyte_token_name_is_refused_with_422_naming_the_field(make_user):
    client, _user = _signed_in(make_user, "citizen")
    response = client.post(
        TOKENS, {"name": "a" * 1_000_000}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].endswith("name")


def test_a_megabyte_cut_score_code_is_refused_with_422(make_user):
    client, _user = _signed_in(make_user, "researcher")
    response = client.post(
        "/api/v1/survey/cut-scores",
        {
            "domain_code": "x" * 1_000_000,
            "cuts": [0.0],
            "labels": ["L1", "L2"],
            "attained": "L2",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "domain_code" in response.json()["errors"][0]["field"]
