"""Security headers on every kind of answer; WebSockets from a foreign origin are refused."""

from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from learning_platform.asgi import application

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/assessment/",
        "/api/v1/system/health",
        "/accounts/login/",
        "/no-such-page/",
    ],
)
def test_security_headers_are_set(path, home_site):
    response = Client().get(path, secure=True)
    assert response.status_code < 500
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in response["Strict-Transport-Security"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] in {"DENY", "SAMEORIGIN"}
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'self'",
        "base-uri 'self'",
    ):
        assert directive in csp
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.parametrize(
    "path",
    ["/admin/", "/admin/snippets/itembank/item/", "/admin/pages/", "/django-admin/"],
)
def test_admin_pages_send_a_nonce_policy_without_unsafe_inline_scripts(
    path, make_user, home_site
):
    client = Client()
    user = make_user("researcher")
    user.is_superuser = user.is_staff = True
    user.save()
    client.force_login(user)
    response = client.get(path, secure=True)
    assert response.status_code == 200, path
    policy = response["Content-Security-Policy"]
    script_src = next(
        d for d in policy.split(";") if d.strip().startswith("script-src")
    )
    assert "'unsafe-inline'" not in script_src and "'nonce-" in script_src
    assert "object-src 'none'" in policy
    assert response["X-Frame-Options"] in {"DENY", "SAMEORIGIN"}


def test_the_nonce_changes_per_request_and_site_pages_use_it(home_site):
    a = Client().get("/", secure=True)["Content-Security-Policy"]
    b = Client().get("/", secure=True)["Content-Security-Policy"]
    assert (
        "'nonce-" in a
        and a != b
        and "'unsafe-inline'" not in a.split("script-src")[1].split(";")[0]
    )


def test_only_known_wagtail_initialisers_get_the_nonce():
    from learning_platform.security.csp import nonce_known_initialisers

    html = (
        '<script>new ImageChooser("id_stem_image", {"modalUrl": "/admin/images/"});</script>'
        '<script>initDateChooser("id_go", {"dayOfWeekStart": 0});</script>'
        '<script>\n (function() {\n var panel = new InlinePanel(JSON.parse("{\\"a\\": 1}"));'
        "\n })();\n</script>"
        "<script>alert(document.cookie)</script>"
        '<script>new ImageChooser("x", {});alert(1);({})</script>'
        '<script>new ImageChooser("x", alert(1));</script>'
    )
    out = nonce_known_initialisers(html, "N")
    assert out.count('nonce="N"') == 3
    assert "<script>alert(document.cookie)</script>" in out
    assert '<script>new ImageChooser("x", {});alert(1);({})</script>' in out
    assert '<script>new ImageChooser("x", alert(1));</script>' in out


def test_session_cookie_is_http_only_and_secure_in_production(settings):
    from django.conf import settings as live

    assert live.SESSION_COOKIE_HTTPONLY is True
    # tests/settings.py turns secure cookies off for the plain-HTTP test client; the
    # production values come from learning_platform.settings with DEBUG off.
    import learning_platform.settings as production

    assert production.SESSION_COOKIE_SECURE and production.CSRF_COOKIE_SECURE
    assert production.SECURE_SSL_REDIRECT


async def _handshake(path: str, origin: bytes | None) -> bool:
    headers = [(b"host", b"localhost")]
    if origin is not None:
        headers.append((b"origin", origin))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _code = await communicator.connect()
    await communicator.disconnect()
    return connected


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "path",
    ["/ws/ping/", "/ws/assessment/sessions/00000000-0000-4000-8000-000000000001/"],
)
async def test_websocket_from_a_foreign_origin_is_refused(path):
    assert not await _handshake(path, b"https://evil.example.com")
    assert not await _handshake(path, b"http://localhost.evil.example.com")
    assert not await _handshake(path, None)


@pytest.mark.django_db(transaction=True)
async def test_websocket_from_the_site_itself_is_accepted():
    assert await _handshake("/ws/ping/", b"http://localhost")
