"""Reads of the accounts app."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from learning_platform.accounts.models import User
from learning_platform.accounts.roles import DISTRICT_ROLES, Role


def user_roles(*, user: User | AnonymousUser) -> list[str]:
    """Return the user's role names in the order roles are declared."""
    if not user.is_authenticated:
        return []
    names = set(user.groups.values_list("name", flat=True))
    if user.is_superuser:
        names.add(Role.ADMINISTRATOR)
    return [role for role in Role.values if role in names]


def user_has_role(*, user: User | AnonymousUser, role: str) -> bool:
    """Say whether the user holds a role (a superuser holds the administrator role)."""
    return role in user_roles(user=user)


def user_is_researcher(*, user: User | AnonymousUser) -> bool:
    """Say whether the user may do researchers' work (researchers and administrators)."""
    roles = user_roles(user=user)
    return Role.RESEARCHER in roles or Role.ADMINISTRATOR in roles


def user_acting_district_id(*, user: User | AnonymousUser) -> int | None:
    """Return the district a district role acts for, or None for other users."""
    if not user.is_authenticated:
        return None
    if any(role in DISTRICT_ROLES for role in user_roles(user=user)):
        return user.district_id
    return None
