"""Reads of the organisations' spaces (一组织一空间): what is public, and who sees the rest.

Nothing an organisation adds is public before its district approves it: the public sees
approved entries only, and an organisation's page only once something on it is approved
(an entry or a completed self-assessment). The organisation's own users and the staff of
its district also see what is pending. Missing and forbidden answer alike (``DoesNotExist``).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from learning_platform.accounts.roles import DISTRICT_ROLES, Role
from learning_platform.accounts.selectors import user_roles
from learning_platform.organisations.models import (
    AssessmentStatus,
    EntryStatus,
    Organisation,
    SelfAssessment,
    SpaceEntry,
)


def user_maintains(*, user, organisation: Organisation) -> bool:
    """Say whether the user is one of the organisation's own users."""
    return (
        bool(user.is_authenticated) and organisation.users.filter(pk=user.pk).exists()
    )


def user_reviews_district(*, user, district_id: int) -> bool:
    """Say whether the user is district staff of that district (or an administrator)."""
    if not user.is_authenticated:
        return False
    roles = set(user_roles(user=user))
    if Role.ADMINISTRATOR in roles:
        return True
    return bool(roles & DISTRICT_ROLES) and user.district_id == district_id


def is_space_reviewer(*, user) -> bool:
    """Say whether the user reviews some district's spaces."""
    if not user.is_authenticated:
        return False
    roles = set(user_roles(user=user))
    return Role.ADMINISTRATOR in roles or bool(
        roles & DISTRICT_ROLES and user.district_id
    )


def organisations_maintained_by(*, user) -> QuerySet[Organisation]:
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(users=user).select_related("district")


def public_spaces() -> QuerySet[Organisation]:
    """Organisations whose page is public: something on it is approved."""
    approved_entry = SpaceEntry.objects.filter(
        organisation=OuterRef("pk"), status=EntryStatus.APPROVED
    )
    approved_result = SelfAssessment.objects.filter(
        sampled__organisation=OuterRef("pk"), status=AssessmentStatus.DONE
    )
    return Organisation.objects.select_related("district").filter(
        Q(Exists(approved_entry)) | Q(Exists(approved_result))
    )


def space_index(
    *, district: str = "", kind: str = "", tier: str = "", q: str = ""
) -> QuerySet[Organisation]:
    """The public index of spaces with its filters."""
    rows = public_spaces()
    if district:
        rows = rows.filter(district__code=district)
    if kind:
        rows = rows.filter(kind=kind)
    if tier:
        rows = rows.filter(tier=tier)
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(street__icontains=q))
    return rows.order_by("district__code", "kind", "name")


def space_sees_pending(*, user, organisation: Organisation) -> bool:
    return user_maintains(
        user=user, organisation=organisation
    ) or user_reviews_district(user=user, district_id=organisation.district_id)


def space_get_for_user(*, user, slug: str) -> Organisation:
    """Return the organisation whose space the user may open; else ``Organisation.DoesNotExist``."""
    organisation = Organisation.objects.select_related("district").get(slug=slug)
    if space_sees_pending(user=user, organisation=organisation):
        return organisation
    return public_spaces().get(pk=organisation.pk)


def space_entries_for_user(*, user, organisation: Organisation) -> QuerySet[SpaceEntry]:
    """Entries of a space: approved ones for everyone, all for its users and district staff."""
    rows = SpaceEntry.objects.filter(organisation=organisation)
    if not space_sees_pending(user=user, organisation=organisation):
        rows = rows.filter(status=EntryStatus.APPROVED)
    return rows.order_by("-happened_on", "-created_at")


def space_entry_get_for_user(*, user, entry_id: int) -> SpaceEntry:
    """Return an entry the user may see (its file included); else ``SpaceEntry.DoesNotExist``."""
    entry = SpaceEntry.objects.select_related("organisation").get(pk=entry_id)
    if entry.status == EntryStatus.APPROVED or space_sees_pending(
        user=user, organisation=entry.organisation
    ):
        return entry
    raise SpaceEntry.DoesNotExist


def space_entries_to_review(*, user) -> QuerySet[SpaceEntry]:
    """Pending entries of the districts the user reviews."""
    if not user.is_authenticated:
        return SpaceEntry.objects.none()
    rows = SpaceEntry.objects.filter(status=EntryStatus.PENDING).select_related(
        "organisation", "organisation__district"
    )
    roles = set(user_roles(user=user))
    if Role.ADMINISTRATOR in roles:
        return rows
    if roles & DISTRICT_ROLES and user.district_id:
        return rows.filter(organisation__district_id=user.district_id)
    return SpaceEntry.objects.none()
