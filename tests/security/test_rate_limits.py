"""Logins and API tokens are rate-limited per username and address."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from tests.security.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str, url: str = "/accounts/login/"):
    return client.post(url, {"username": username, "password": password})


@override_settings(LOGIN_RATE_LIMIT=(5, 900))
def test_five_wrong_passwords_block_the_sixth_attempt_even_if_right(make_user):
    make_user("citizen", username="alice", password=PASSWORD)
    client = Client()
    for _attempt in range(5):
        assert _login(client, "alice", "wrong-password").status_code == 200
    blocked = _login(client, "alice", PASSWORD)
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


@override_settings(LOGIN_RATE_LIMIT=(5, 900))
def test_the_limit_is_per_username_and_address(make_user):
    make_user("citizen", username="alice", password=PASSWORD)
    make_user("citizen", username="bob", password=PASSWORD)
    for _attempt in range(5):
        _login(Client(REMOTE_ADDR="10.0.0.1"), "alice", "wrong")
    # Another user from the same address, and the same user elsewhere, still get in.
    assert _login(Client(REMOTE_ADDR="10.0.0.1"), "bob", PASSWORD).status_code == 302
    assert _login(Client(REMOTE_ADDR="10.0.0.2"), "ALICE ", PASSWORD).status_code in (
        200,
        302,
    )
    assert _login(Client(REMOTE_ADDR="10.0.0.2"), "alice", PASSWORD).status_code == 302
    assert _login(Client(REMOTE_ADDR="10.0.0.1"), "alice", PASSWORD).status_code == 429


@override_settings(LOGIN_RATE_LIMIT=(3, 900))
def test_a_successful_login_resets_the_count(make_user):
    make_user("citizen", username="carol", password=PASSWORD)
    client = Client()
    _login(client, "carol", "wrong")
    _login(client, "carol", "wrong")
    assert _login(client, "carol", PASSWORD).status_code == 302
    _login(Client(), "carol", "wrong")
    _login(Client(), "carol", "wrong")
    assert _login(Client(), "carol", PASSWORD).status_code == 302


@override_settings(LOGIN_RATE_LIMIT=(100, 900), LOGIN_RATE_LIMIT_PER_ADDRESS=(8, 900))
def test_many_usernames_from_one_address_are_limited(make_user):
    make_user("citizen", username="dave", password=PASSWORD)
    for n in range(8):
        _login(Client(REMOTE_ADDR="10.9.9.9"), f"guess{n}", "wrong")
    assert _login(Client(REMOTE_ADDR="10.9.9.9"), "dave", PASSWORD).status_code == 429
    assert _login(Client(REMOTE_ADDR="10.9.9.10"), "dave", PASSWORD).status_code == 302


@override_settings(LOGIN_RATE_LIMIT=(3, 900))
@pytest.mark.parametrize("url", ["/admin/login/", "/django-admin/login/"])
def test_the_admin_logins_are_limited_too(make_user, url):
    make_user("researcher", username="erin", password=PASSWORD)
    for _attempt in range(3):
        assert _login(Client(), "erin", "wrong", url).status_code == 200
    assert _login(Client(), "erin", PASSWORD, url).status_code == 429


@override_settings(API_TOKEN_RATE_LIMIT=(4, 900))
def test_failed_api_tokens_are_limited_per_address(make_user):
    from learning_platform.accounts.services import api_token_create

    user = make_user("citizen")
    _token, raw = api_token_create(user=user, name="phone")
    guesser = Client(REMOTE_ADDR="10.1.1.1")
    for n in range(4):
        response = guesser.get(
            "/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer guess-{n}"
        )
        assert response.status_code == 401
    refused = guesser.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_requests"
    # The token's owner from elsewhere is unaffected.
    other = Client(REMOTE_ADDR="10.1.1.2")
    assert (
        other.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code
        == 200
    )


@override_settings(LOGIN_RATE_LIMIT=(5, 900))
@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/admin/login/", "/django-admin/login/"]
)
@pytest.mark.parametrize(
    "spelling", ["ｒｅｖｉｅｗｅｒ", "ＲＥＶＩＥＷＥＲ", "ｒｅｖｉｅｗｅｒ "]
)
def test_a_locked_username_stays_locked_in_any_spelling_that_signs_in(
    make_user, url, spelling
):
    """Full-width and other NFKC-equivalent spellings share the lock-out."""
    user = make_user("researcher", username="reviewer", password=PASSWORD)
    user.is_staff = True
    user.save()
    for _attempt in range(5):
        assert _login(Client(), "reviewer", "wrong", url).status_code == 200
    refused = _login(Client(), spelling, PASSWORD, url)
    assert refused.status_code == 429
    assert _login(Client(), "reviewer", PASSWORD, url).status_code == 429


@override_settings(LOGIN_RATE_LIMIT=(5, 900))
def test_failures_in_full_width_count_against_the_plain_username(make_user):
    make_user("citizen", username="reviewer", password=PASSWORD)
    for _attempt in range(5):
        assert _login(Client(), "ｒｅｖｉｅｗｅｒ", "wrong").status_code == 200
    assert _login(Client(), "reviewer", PASSWORD).status_code == 429
