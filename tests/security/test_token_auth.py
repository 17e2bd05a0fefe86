"""An API client with a bearer token can write without a browser's CSRF cookie."""

from __future__ import annotations

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_bearer_token_post_needs_no_csrf_cookie(make_user):
    from learning_platform.accounts.services import api_token_create

    user = make_user("citizen")
    _token, raw = api_token_create(user=user, name="script")
    client = Client(enforce_csrf_checks=True)  # as a real server does
    response = client.post("/api/v1/accounts/tokens", data=json.dumps({"name": "second"}),
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 201, response.content


def test_a_session_post_without_csrf_is_still_refused(make_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("citizen"))
    response = client.post("/api/v1/accounts/tokens", data=json.dumps({"name": "x"}),
                           content_type="application/json")
    assert response.status_code == 403
