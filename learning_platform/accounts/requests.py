"""The request type of views and API operations that only signed-in users reach.

The API's default authentication (``learning_platform.auth.authenticated``) and
``login_required`` let no anonymous request through, so ``request.user`` there is a
:class:`~learning_platform.accounts.models.User`. Annotating ``request`` with
:class:`AuthenticatedRequest` says so to the type checker; it changes nothing at run time.
"""

from __future__ import annotations

from django.http import HttpRequest

from learning_platform.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """An ``HttpRequest`` whose ``user`` is a signed-in :class:`User`."""

    user: User
