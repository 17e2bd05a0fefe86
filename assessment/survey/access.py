"""Who may see what of the survey: microdata for researchers, districts for their officers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from learning_platform.accounts.roles import DISTRICT_ROLES
from learning_platform.accounts.selectors import user_is_researcher, user_roles


def is_researcher(user) -> bool:
    return user_is_researcher(user=user)


def require_researcher(user) -> None:
    if not is_researcher(user):
        raise PermissionDenied("Only researchers may do this.")


def acting_district_code(user) -> str | None:
    """The district a district role acts for (None for everyone else)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if any(r in DISTRICT_ROLES for r in user_roles(user=user)) and user.district_id:
        return user.district.code
    return None


def visible_districts(user) -> str | None:
    """``"*"`` for researchers, a district code for district roles, None = city only."""
    if is_researcher(user):
        return "*"
    return acting_district_code(user)
