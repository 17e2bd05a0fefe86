"""API authentication: the browser's session (with CSRF) or a bearer token."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth

from learning_platform.accounts.services import api_token_find, token_scopes_required


class TokenAuth(HttpBearer):
    openapi_description = (
        "A personal API token: `Authorization: Bearer <token>`. Its scopes (read, write, "
        "survey, creditbank) must cover the request."
    )

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = api_token_find(raw_key=token)
        if api_token is None:
            return None
        missing = (
            token_scopes_required(
                method=request.method or "GET", path=request.path_info
            )
            - api_token.scope_set
        )
        if missing:
            raise PermissionDenied(
                _("This token lacks the scopes %(scopes)s.")
                % {"scopes": ", ".join(sorted(missing))}
            )
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


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
