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
    response = client.post(
        "/api/v1/accounts/tokens",
        data=json.dumps({"name": "second"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 201, response.content


def test_a_session_post_without_csrf_is_still_refused(make_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("citizen"))
    response = client.post(
        "/api/v1/accounts/tokens",
        data=json.dumps({"name": "x"}),
        content_type="application/json",
    )
    assert response.status_code == 403


def _mint(raw: str, payload: dict):
    return Client().post(
        "/api/v1/accounts/tokens",
        data=json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )


def test_a_token_about_to_expire_cannot_mint_a_longer_lived_one(make_user):
    from datetime import timedelta

    from django.utils import timezone

    from learning_platform.accounts.models import ApiToken
    from learning_platform.accounts.services import api_token_create

    user = make_user("citizen")
    parent_expiry = timezone.now() + timedelta(minutes=5)
    parent, raw = api_token_create(user=user, name="dying", expires_at=parent_expiry)
    # No expiry asked for: the child gets one, and not past its parent's.
    response = _mint(raw, {"name": "child"})
    assert response.status_code == 201
    child = ApiToken.objects.get(name="child")
    assert child.expires_at is not None and child.expires_at <= parent.expires_at
    assert child.parent_id == parent.pk
    # An explicit later expiry is refused, naming the field.
    later = (timezone.now() + timedelta(days=30)).isoformat()
    response = _mint(raw, {"name": "longer", "expires_at": later})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "expires_at"
    assert not ApiToken.objects.filter(name="longer").exists()


def test_no_token_lives_without_an_expiry_or_past_the_cap(make_user):
    from datetime import timedelta

    from django.utils import timezone

    from learning_platform.accounts.services import TOKEN_MAX_DAYS, api_token_create

    token, _raw = api_token_create(user=make_user("citizen"), name="forever")
    assert token.expires_at is not None
    assert token.expires_at <= timezone.now() + timedelta(days=TOKEN_MAX_DAYS)


def test_a_token_cannot_mint_broader_scopes_and_its_scopes_are_enforced(make_user):
    from learning_platform.accounts.services import api_token_create

    user = make_user("citizen")
    _reader, read_only = api_token_create(user=user, name="reader", scopes=["read"])
    # Reading is allowed; writing (minting a token is a write) is not.
    assert (
        Client()
        .get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {read_only}")
        .status_code
        == 200
    )
    assert _mint(read_only, {"name": "x"}).status_code == 403
    # A read+write token cannot grant the credit-bank scope it lacks.
    _writer, writer = api_token_create(
        user=user, name="writer", scopes=["read", "write"]
    )
    response = _mint(writer, {"name": "wider", "scopes": ["read", "creditbank"]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "scopes"
    assert _mint(writer, {"name": "narrower", "scopes": ["read"]}).status_code == 201
    # Without the creditbank scope the credit-bank API is closed to the token.
    response = Client().get(
        "/api/v1/creditbank/account", HTTP_AUTHORIZATION=f"Bearer {writer}"
    )
    assert response.status_code == 403


def test_existing_tokens_keep_every_scope(make_user):
    from learning_platform.accounts.models import ALL_TOKEN_SCOPES, ApiToken, TokenScope

    field = ApiToken._meta.get_field("scopes")
    assert field.default == ALL_TOKEN_SCOPES
    assert set(ALL_TOKEN_SCOPES.split()) == set(TokenScope.values)
