from __future__ import annotations

from ninja import Router, Status

from learning_platform.accounts.schemas import MeOut, TokenCreatedOut, TokenIn
from learning_platform.accounts.selectors import user_roles
from learning_platform.accounts.services import api_token_create

router = Router(tags=["accounts"])


@router.get("/me", response=MeOut, url_name="accounts_me", operation_id="accounts_me")
def me(request):
    """Return the signed-in user with their roles."""
    user = request.auth
    return {
        "id": user.pk,
        "username": user.get_username(),
        "display_name": user.display_name,
        "roles": user_roles(user=user),
        "district_code": user.district.code if user.district_id else None,
    }


@router.post(
    "/tokens",
    response={201: TokenCreatedOut},
    url_name="accounts_token_create",
    operation_id="accounts_token_create",
)
def token_create(request, payload: TokenIn):
    """Create a personal API token; its secret is shown only in this answer.

    Every token expires (by default after 90 days, at most 732). A token created
    with another token neither outlives it nor holds a scope it lacks.
    """
    token, raw_key = api_token_create(
        user=request.auth,
        name=payload.name,
        expires_at=payload.expires_at,
        scopes=payload.scopes,
        parent=getattr(request, "api_token", None),
    )
    return Status(
        201,
        {
            "id": token.pk,
            "name": token.name,
            "prefix": token.prefix,
            "created_at": token.created_at,
            "expires_at": token.expires_at,
            "scopes": sorted(token.scope_set),
            "token": raw_key,
        },
    )
