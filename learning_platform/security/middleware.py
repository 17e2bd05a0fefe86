"""Rate-limit logins and failed API tokens; add the headers Django does not set."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from learning_platform.security import csp
from learning_platform.security.ratelimit import (
    client_address,
    login_limiters,
    token_limiter,
)

# Every view that checks a password: the site's, Wagtail admin's, Wagtail's private
# pages' and the Django admin's.
LOGIN_VIEW_NAMES = frozenset(
    {"login", "wagtailadmin_login", "wagtailcore_login", "admin:login"}
)

# Site and admin pages (Wagtail and Django admin) get the nonce policy; the API's Swagger
# page keeps its framework's default.
DEFAULT_CSP_EXEMPT_PREFIXES = ("/api/v1/docs",)
DEFAULT_CSP = csp.POLICY
# Wagtail's own inline initialisers are given the nonce on these paths (see csp.py).
WAGTAIL_ADMIN_PREFIX = "/admin/"
DEFAULT_PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
)

TOO_MANY_LOGINS = (
    "登录尝试次数过多，请稍后再试。 Too many sign-in attempts; please try again later."
)
TOO_MANY_TOKENS = (
    "API 令牌验证失败次数过多，请稍后再试。 Too many failed API tokens; try later."
)


def _view_name(request: HttpRequest) -> str | None:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return None


def _retry_after(seconds: int) -> str:
    return str(max(int(seconds), 1))


class SecurityMiddleware:
    """Refuse logins past the limit with 429, count failures, and set security headers.

    Place it after ``AuthenticationMiddleware`` so a successful login is visible on
    ``request.user`` when the response passes back through.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.csp_nonce = csp.new_nonce()
        refusal = None
        login_keys: tuple[str, str] | None = None
        token_key: str | None = None
        address = client_address(request)
        if request.method == "POST" and _view_name(request) in LOGIN_VIEW_NAMES:
            username = str(request.POST.get("username", "")).strip().lower()
            login_keys = (f"{username}|{address}", address)
            per_user, per_address = login_limiters()
            if per_user.blocked(login_keys[0]) or per_address.blocked(login_keys[1]):
                refusal = self._too_many(
                    TOO_MANY_LOGINS, per_user.limit.window_seconds, json_body=False
                )
        elif request.path_info.startswith("/api/") and request.META.get(
            "HTTP_AUTHORIZATION", ""
        ).lower().startswith("bearer "):
            token_key = address
            limiter = token_limiter()
            if limiter.blocked(token_key):
                refusal = self._too_many(
                    TOO_MANY_TOKENS, limiter.limit.window_seconds, json_body=True
                )
        response = refusal or self.get_response(request)
        if refusal is None and login_keys is not None:
            self._count_login(request, response, login_keys)
        if refusal is None and token_key is not None and response.status_code == 401:
            token_limiter().failure(token_key)
        self._headers(request, response)
        return response

    @staticmethod
    def _count_login(
        request: HttpRequest, response: HttpResponse, keys: tuple[str, str]
    ) -> None:
        per_user, per_address = login_limiters()
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and response.status_code in (301, 302, 303)
        ):
            per_user.reset(keys[0])
        elif response.status_code == 200:
            # The form came back: the password did not match.
            per_user.failure(keys[0])
            per_address.failure(keys[1])

    @staticmethod
    def _too_many(message: str, window: int, *, json_body: bool) -> HttpResponse:
        if json_body:
            body = json.dumps(
                {"code": "too_many_requests", "message": message, "errors": []},
                ensure_ascii=False,
            )
            response = HttpResponse(body, status=429, content_type="application/json")
        else:
            response = HttpResponse(
                message, status=429, content_type="text/plain; charset=utf-8"
            )
        response["Retry-After"] = _retry_after(window)
        return response

    @staticmethod
    def _headers(request: HttpRequest, response: HttpResponse) -> None:
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_CSP)
        exempt = tuple(
            getattr(settings, "CSP_EXEMPT_PREFIXES", DEFAULT_CSP_EXEMPT_PREFIXES)
        )
        if (
            policy
            and "Content-Security-Policy" not in response
            and not request.path_info.startswith(exempt)
        ):
            nonce = getattr(request, "csp_nonce", "") or csp.new_nonce()
            response["Content-Security-Policy"] = policy.replace("{nonce}", nonce)
            if (
                request.path_info.startswith(WAGTAIL_ADMIN_PREFIX)
                and response.get("Content-Type", "").startswith("text/html")
                and not response.streaming
                and b"<script>" in response.content
            ):
                charset = response.charset or "utf-8"
                response.content = csp.nonce_known_initialisers(
                    response.content.decode(charset), nonce
                ).encode(charset)
        permissions = getattr(
            settings, "PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY
        )
        if permissions and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = permissions
