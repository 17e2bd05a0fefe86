"""Reads of the register of organisations; every read that reaches an organisation is scoped here.

Who sees what: a user who maintains an organisation (organisation or institution role, listed in
``Organisation.users``) sees only it; district staff see their district's organisations; the
monitoring centre (researchers) and administrators see all. Missing and forbidden look alike:
``organisation_get_for_user`` raises ``Organisation.DoesNotExist`` for both.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from learning_platform.accounts.roles import DISTRICT_ROLES, Role
from learning_platform.accounts.selectors import user_roles
from learning_platform.districts.models import District
from learning_platform.organisations.models import (
    TIER_ORDER,
    IndicatorSet,
    Organisation,
    Tier,
    TierChange,
)

CITY_ROLES = frozenset({Role.RESEARCHER, Role.ADMINISTRATOR})
DISTRICT_STAFF = frozenset(DISTRICT_ROLES)
MEMBER_ROLES = frozenset({Role.ORGANISATION, Role.INSTITUTION})


def _roles(user) -> set[str]:
    return set(user_roles(user=user)) if user is not None else set()


def is_city_user(user) -> bool:
    return bool(CITY_ROLES & _roles(user))


def staff_district_id(user) -> int | None:
    """The district a district-staff user manages organisations for, else None."""
    if DISTRICT_STAFF & _roles(user):
        return user.district_id
    return None


def organisations_visible_to(user) -> QuerySet[Organisation]:
    """Return the organisations the user may read."""
    base = Organisation.objects.select_related("district")
    roles = _roles(user)
    if not roles:
        return base.none()
    if roles & CITY_ROLES:
        return base.all()
    condition = Q(pk__in=[])
    district_id = staff_district_id(user)
    if district_id:
        condition |= Q(district_id=district_id)
    if roles & MEMBER_ROLES:
        condition |= Q(users=user)
    return base.filter(condition).distinct()


def organisation_get_for_user(*, user, org_id: int) -> Organisation:
    return organisations_visible_to(user).get(pk=org_id)


def organisation_usernames(org: Organisation) -> list[str]:
    """The usernames of those who maintain the organisation, sorted."""
    return sorted(org.users.values_list("username", flat=True))


def tier_changes_of(org: Organisation) -> QuerySet[TierChange]:
    """The organisation's tier decisions with who decided them."""
    return org.tier_changes.select_related("decided_by")


def may_manage_district(user, district: District | int | None) -> bool:
    """Whether the user registers and decides for organisations of this district."""
    if is_city_user(user):
        return True
    district_id = district.pk if isinstance(district, District) else district
    return district_id is not None and staff_district_id(user) == district_id


def may_edit_organisation(user, org: Organisation) -> bool:
    """Whether the user may edit the organisation's entry (its members: contact details only)."""
    if may_manage_district(user, org.district_id):
        return True
    return bool(MEMBER_ROLES & _roles(user)) and org.users.filter(pk=user.pk).exists()


def may_change_tier(user, org: Organisation) -> bool:
    """Tier decisions are the district's or the city's, never the organisation's own."""
    return may_manage_district(user, org.district_id)


def may_register(user) -> bool:
    """Whether the user may add organisations (to some district)."""
    return is_city_user(user) or staff_district_id(user) is not None


def districts_for_registering(user) -> QuerySet[District]:
    if is_city_user(user):
        return District.objects.all()
    district_id = staff_district_id(user)
    return (
        District.objects.filter(pk=district_id)
        if district_id
        else District.objects.none()
    )


def organisations_filter(
    queryset: QuerySet[Organisation],
    *,
    district: str = "",
    kind: str = "",
    tier: str = "",
    q: str = "",
) -> QuerySet[Organisation]:
    """Narrow a visible queryset by district code, kind, tier and a name/street search."""
    if district:
        queryset = queryset.filter(district__code=district)
    if kind:
        queryset = queryset.filter(kind=kind)
    if tier:
        queryset = queryset.filter(tier=tier)
    q = q.strip()[:60]
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(street__icontains=q))
    return queryset


def next_tiers(org: Organisation) -> list[str]:
    """The tiers a decision may move the organisation to: one step up, or back down."""
    position = TIER_ORDER.index(Tier(org.tier))
    allowed = TIER_ORDER[:position]
    if position + 1 < len(TIER_ORDER):
        allowed = allowed + [TIER_ORDER[position + 1]]
    return [t.value for t in allowed]


def indicator_set_for_year(*, kind: str, year: int) -> IndicatorSet:
    """The edition of a kind's indicator set in force for a year: the latest not after it."""
    found = (
        IndicatorSet.objects.filter(kind=kind, version__lte=year)
        .order_by("-version")
        .first()
    )
    if found is None:
        raise IndicatorSet.DoesNotExist(f"No {kind} indicator set covers {year}.")
    return found
