"""The one API: OpenAPI schema, docs, authentication and the error shape."""

from __future__ import annotations

import pytest
from django.test import Client

from learning_platform.accounts.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


def test_openapi_schema_lists_every_mounted_router(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    assert "/api/v1/system/health" in paths
    assert "/api/v1/districts/" in paths
    assert "/api/v1/accounts/me" in paths
    operation_ids = [
        op["operationId"]
        for item in paths.values()
        for op in item.values()
        if "operationId" in op
    ]
    assert len(operation_ids) == len(set(operation_ids))
    assert {"TokenAuth", "SessionAuth"} <= set(schema["components"]["securitySchemes"])


def test_docs_page_renders(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_health_is_public(client):
    response = client.get("/api/v1/system/health")
    assert response.json()["status"] == "ok"


def test_districts_are_public(client, districts):
    data = client.get("/api/v1/districts/").json()
    assert len(data) == 16
    assert data[0]["code"] == "310101"
    assert client.get("/api/v1/districts/310115").json()["name_en"] == "Pudong"


def test_missing_object_is_json_404(client, districts):
    response = client.get("/api/v1/districts/999999")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "未找到。", "errors": []}
    english = client.get("/api/v1/districts/999999", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["message"] == "Not found."


def test_anonymous_call_to_a_private_route_is_json_401(client):
    response = client.get("/api/v1/accounts/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_session_authentication(client, make_user):
    user = make_user("researcher")
    client.force_login(user)
    data = client.get("/api/v1/accounts/me").json()
    assert data["username"] == user.username
    assert data["roles"] == ["researcher"]


def test_session_post_requires_csrf(make_user):
    user = make_user()
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(user)
    response = csrf_client.post(
        "/api/v1/accounts/tokens", {"name": "x"}, content_type="application/json"
    )
    assert response.status_code in (401, 403)
    assert "code" in response.json()


def test_token_authentication_and_revocation(client, make_user):
    user = make_user("researcher")
    token, raw_key = api_token_create(user=user, name="notebook")
    headers = {"Authorization": f"Bearer {raw_key}"}
    assert (
        client.get("/api/v1/accounts/me", headers=headers).json()["username"]
        == user.username
    )
    assert (
        client.get(
            "/api/v1/accounts/me", headers={"Authorization": "Bearer nope"}
        ).status_code
        == 401
    )
    api_token_revoke(token=token)
    assert client.get("/api/v1/accounts/me", headers=headers).status_code == 401


def test_token_creation_returns_the_secret_once(client, make_user):
    user = make_user()
    client.force_login(user)
    response = client.post(
        "/api/v1/accounts/tokens", {"name": "phone"}, content_type="application/json"
    )
    assert response.status_code == 201
    body = response.json()
    assert len(body["token"]) > 30
    assert user.personal_tokens.get().key_hash != body["token"]


def test_invalid_body_names_the_field(client, make_user):
    client.force_login(make_user())
    response = client.post(
        "/api/v1/accounts/tokens",
        {"expires_at": "soon"},
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    fields = {e["field"] for e in body["errors"]}
    assert any(f.endswith("name") for f in fields)
    assert any(f.endswith("expires_at") for f in fields)


@pytest.mark.parametrize(
    "expires_at, fragment",
    [
        ("2001-01-01T00:00:00+00:00", "future"),
        ("6807-11-28T19:02:45-21:46", "at most"),
    ],
)
def test_token_expiry_out_of_range_is_refused_by_field(
    client, make_user, expires_at, fragment
):
    client.force_login(make_user())
    response = client.post(
        "/api/v1/accounts/tokens",
        {"name": "cli", "expires_at": expires_at},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and body["errors"][0]["field"] == "expires_at"
    assert fragment in body["message"]


def test_token_expiry_is_stored_in_utc(client, make_user):
    client.force_login(make_user())
    response = client.post(
        "/api/v1/accounts/tokens",
        {"name": "cli", "expires_at": "2027-06-01T12:00:00+08:00"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    from learning_platform.accounts.models import ApiToken

    assert (
        ApiToken.objects.get(name="cli").expires_at.isoformat()
        == "2027-06-01T04:00:00+00:00"
    )
