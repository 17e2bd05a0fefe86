"""Writes of the accounts app: roles, users and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learning_platform.accounts.models import ApiToken, TokenScope, User
from learning_platform.accounts.roles import (
    ADMIN_ROLES,
    ALL_PERMISSIONS,
    DISTRICT_ROLES,
    ROLE_PERMISSIONS,
    Role,
)
from learning_platform.districts.models import District
from learning_platform.modules import app_module

TOKEN_PREFIX_LENGTH = 8
TOKEN_MAX_DAYS = 366 * 2
# A token created without an expiry lives this long (never past TOKEN_MAX_DAYS).
TOKEN_DEFAULT_DAYS = 90
PROJECT_PACKAGES = {"learning_platform", "itembank", "assessment", "cms"}


def role_permissions() -> dict[str, set[str]]:
    """Return every role's permissions, merged from each app's ``permissions`` module."""
    merged: dict[str, set[str]] = {
        role: set(perms) for role, perms in ROLE_PERMISSIONS.items()
    }
    for config in apps.get_app_configs():
        if config.name.split(".")[0] not in PROJECT_PACKAGES:
            continue
        module = app_module(config.name, "permissions")
        if module is None:
            continue
        for role, perms in getattr(module, "ROLE_PERMISSIONS", {}).items():
            merged.setdefault(role, set()).update(perms)
    return merged


@transaction.atomic
def roles_sync(*, using: str = "default") -> dict[str, int]:
    """Create one group per role and set exactly its declared permissions.

    Running it again changes nothing. A declared permission that does not exist
    (an app not migrated yet) is skipped until the next run.
    """
    counts: dict[str, int] = {}
    for role, names in role_permissions().items():
        group, _created = Group.objects.using(using).get_or_create(name=role)
        if ALL_PERMISSIONS in names:
            wanted = list(Permission.objects.using(using).all())
        else:
            wanted = []
            for name in sorted(names):
                app_label, codename = name.split(".", 1)
                wanted.extend(
                    Permission.objects.using(using).filter(
                        content_type__app_label=app_label, codename=codename
                    )
                )
        current = set(group.permissions.values_list("pk", flat=True))
        if current != {p.pk for p in wanted}:
            group.permissions.set(wanted)
        counts[role] = len(wanted)
    return counts


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    email: str = "",
    display_name: str = "",
    roles: list[str] | tuple[str, ...] = (Role.CITIZEN,),
    district: District | None = None,
) -> User:
    """Create a user with roles; a district role without a district is refused."""
    user = User(
        username=username, email=email, display_name=display_name, district=district
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    for role in roles:
        user_role_assign(user=user, role=role)
    return user


@transaction.atomic
def user_role_assign(
    *, user: User, role: str, district: District | None = None
) -> User:
    """Give a user a role; district roles bind the user to one district."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role “%(role)s”.") % {"role": role}})
    if district is not None:
        user.district = district
    if role in DISTRICT_ROLES and user.district_id is None:
        raise ValidationError(
            {
                "district": _("The role “%(role)s” acts for one district; choose it.")
                % {"role": Role(role).label}
            }
        )
    group, _created = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    if role in ADMIN_ROLES and not user.is_staff:
        user.is_staff = True
    user.save()
    return user


@transaction.atomic
def user_role_remove(*, user: User, role: str) -> User:
    """Take a role away from a user."""
    user.groups.remove(*Group.objects.filter(name=role))
    if not user.groups.filter(name__in=[r for r in ADMIN_ROLES]).exists():
        user.is_staff = user.is_superuser
        user.save(update_fields=["is_staff"])
    return user


def _hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str,
    expires_at: datetime | None = None,
    scopes: list[str] | None = None,
    parent: ApiToken | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is shown only this once.

    Every token expires: at ``expires_at`` (in the future, at most ``TOKEN_MAX_DAYS``
    ahead; a naive time is read in the site's time zone, stored in UTC), or
    ``TOKEN_DEFAULT_DAYS`` from now. A token minted by another token (``parent``)
    neither outlives it nor holds a scope it lacks.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name.")})
    if len(name) > ApiToken._meta.get_field("name").max_length:
        raise ValidationError({"name": _("The name is longer than 100 characters.")})
    now = timezone.now()
    latest = now + timedelta(days=TOKEN_MAX_DAYS)
    if parent is not None and parent.expires_at is not None:
        latest = min(latest, parent.expires_at)
    if expires_at is None:
        expires_at = min(now + timedelta(days=TOKEN_DEFAULT_DAYS), latest)
    else:
        if timezone.is_naive(expires_at):
            expires_at = timezone.make_aware(expires_at)
        expires_at = expires_at.astimezone(UTC)
        if expires_at <= now:
            raise ValidationError(
                {"expires_at": _("The expiry time must lie in the future.")}
            )
        if expires_at > now + timedelta(days=TOKEN_MAX_DAYS):
            raise ValidationError(
                {
                    "expires_at": _("A token may be valid for at most %(days)d days.")
                    % {"days": TOKEN_MAX_DAYS}
                }
            )
        if expires_at > latest:
            raise ValidationError(
                {
                    "expires_at": _(
                        "A token cannot outlive the token that creates it "
                        "(which expires at %(when)s)."
                    )
                    % {"when": latest.isoformat(timespec="seconds")}
                }
            )
    allowed = parent.scope_set if parent is not None else frozenset(TokenScope.values)
    wanted = frozenset(scopes) if scopes is not None else allowed
    unknown = sorted(wanted - set(TokenScope.values))
    if unknown:
        raise ValidationError(
            {
                "scopes": _("Unknown scopes: %(scopes)s.")
                % {"scopes": ", ".join(unknown)}
            }
        )
    if not wanted:
        raise ValidationError({"scopes": _("A token needs at least one scope.")})
    broader = sorted(wanted - allowed)
    if broader:
        raise ValidationError(
            {
                "scopes": _(
                    "A token cannot grant scopes the token that creates "
                    "it lacks: %(scopes)s."
                )
                % {"scopes": ", ".join(broader)}
            }
        )
    raw_key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw_key[:TOKEN_PREFIX_LENGTH],
        key_hash=_hash_key(raw_key),
        expires_at=expires_at,
        scopes=" ".join(s for s in TokenScope.values if s in wanted),
        parent=parent,
    )
    return token, raw_key


def api_token_find(*, raw_key: str) -> ApiToken | None:
    """Return the live token with this secret (its user active), recording its use."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(
            key_hash=_hash_key(raw_key), revoked_at__isnull=True, user__is_active=True
        )
        .first()
    )
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def api_token_authenticate(*, raw_key: str) -> User | None:
    """Return the active user a live token belongs to, recording its use."""
    token = api_token_find(raw_key=raw_key)
    return token.user if token is not None else None


def token_scopes_required(*, method: str, path: str) -> frozenset[str]:
    """Return the scopes a token needs for a request."""
    needed = {
        TokenScope.READ
        if method.upper() in ("GET", "HEAD", "OPTIONS")
        else TokenScope.WRITE
    }
    if path.startswith("/api/v1/survey/"):
        needed.add(TokenScope.SURVEY)
    if path.startswith("/api/v1/creditbank/"):
        needed.add(TokenScope.CREDITBANK)
    return frozenset(str(s) for s in needed)


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token; revoking twice keeps the first time."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token.refresh_from_db()
    return token
