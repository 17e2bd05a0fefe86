"""API authentication: the browser's session (with CSRF) or a bearer token."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from learning_platform.accounts.services import api_token_authenticate


class TokenAuth(HttpBearer):
    openapi_description = "A personal API token: `Authorization: Bearer <token>`."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(raw_key=token)
        if user is None:
            return None
        request.user = user
        return user


class OptionalSessionAuth(SessionAuth):
    """Let anonymous visitors through; routes then decide what they may see."""

    def __call__(self, request: HttpRequest) -> Any:
        return super().__call__(request) or request.user


session_auth = SessionAuth()
token_auth = TokenAuth()
# Routes that require a signed-in user.
# Token first: a bearer-token client sends no CSRF cookie, and session auth would
# refuse its writes before the token was looked at.
authenticated = [token_auth, session_auth]
# Routes open to everyone that answer more to a signed-in user.
public = [token_auth, OptionalSessionAuth()]
