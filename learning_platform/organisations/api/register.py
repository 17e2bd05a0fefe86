"""The register: organisations, their entries and tier decisions (``/register``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status

from learning_platform.accounts.selectors import user_roles
from learning_platform.organisations.models import Organisation, TierChange
from learning_platform.organisations.schemas import (
    OrganisationDetailOut,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatch,
    RegisterFilter,
    TierChangeIn,
    TierChangeOut,
)
from learning_platform.organisations.selectors import register as register_selectors
from learning_platform.organisations.services import register as register_services

router = Router()  # tagged "organisations" where the package mounts it

REGISTER_API_ROLES = (
    register_selectors.CITY_ROLES
    | register_selectors.DISTRICT_STAFF
    | register_selectors.MEMBER_ROLES
)


def _organisation_out(org: Organisation) -> dict:
    return {
        "id": org.pk,
        "slug": org.slug,
        "name": org.name,
        "kind": org.kind,
        "kind_label": str(org.get_kind_display()),
        "district_code": org.district.code,
        "district_name": org.district.name_zh,
        "street": org.street,
        "contact_name": org.contact_name,
        "contact_phone": org.contact_phone,
        "contact_email": org.contact_email,
        "residents": org.residents,
        "members": org.members,
        "tier": org.tier,
        "tier_label": str(org.get_tier_display()),
        "updated_at": org.updated_at,
    }


def _tier_change_out(change: TierChange) -> dict:
    return {
        "from_tier": change.from_tier,
        "to_tier": change.to_tier,
        "year": change.year,
        "evidence": change.evidence,
        "decided_by": change.decided_by.username if change.decided_by else None,
        "decided_at": change.decided_at,
    }


def _organisation_detail_out(user, org: Organisation) -> dict:
    manages = register_selectors.may_manage_district(user, org.district_id)
    return {
        **_organisation_out(org),
        "users": register_selectors.organisation_usernames(org) if manages else [],
        "tier_changes": [
            _tier_change_out(c) for c in register_selectors.tier_changes_of(org)
        ],
    }


def _require_register_role(request) -> None:
    if not REGISTER_API_ROLES & set(user_roles(user=request.user)):
        raise PermissionDenied(
            _(
                "The register of learning organisations is for districts, the monitoring "
                "centre and the organisations themselves."
            )
        )


@router.get(
    "/register",
    response=list[OrganisationOut],
    url_name="organisations_register_list",
    operation_id="organisations_register_list",
)
def register_list(request, filters: Query[RegisterFilter]):
    """Return the organisations the caller may see, filtered and paged (limit/offset)."""
    _require_register_role(request)
    queryset = register_selectors.organisations_filter(
        register_selectors.organisations_visible_to(request.user),
        district=filters.district,
        kind=filters.kind,
        tier=filters.tier,
        q=filters.q,
    )
    return [
        _organisation_out(o)
        for o in queryset[filters.offset : filters.offset + filters.limit]
    ]


@router.post(
    "/register",
    response={201: OrganisationDetailOut},
    url_name="organisations_register_create",
    operation_id="organisations_register_create",
)
def register_create(request, payload: OrganisationIn):
    """Register an organisation (district staff in their own district, or the city)."""
    org = register_services.organisation_create(
        user=request.user, data=payload.model_dump()
    )
    return Status(201, _organisation_detail_out(request.user, org))


@router.get(
    "/register/{org_id}",
    response=OrganisationDetailOut,
    url_name="organisations_register_detail",
    operation_id="organisations_register_detail",
)
def register_detail(request, org_id: int):
    """Return one organisation with its tier decisions; one the caller may not see is 404."""
    org = register_selectors.organisation_get_for_user(user=request.user, org_id=org_id)
    return _organisation_detail_out(request.user, org)


@router.patch(
    "/register/{org_id}",
    response=OrganisationDetailOut,
    url_name="organisations_register_update",
    operation_id="organisations_register_update",
)
def register_update(request, org_id: int, payload: OrganisationPatch):
    """Change an entry; the organisation's own users change only contact and size details."""
    org = register_selectors.organisation_get_for_user(user=request.user, org_id=org_id)
    org = register_services.organisation_update(
        user=request.user, org=org, data=payload.model_dump(exclude_unset=True)
    )
    return _organisation_detail_out(request.user, org)


@router.post(
    "/register/{org_id}/tier",
    response={201: TierChangeOut},
    url_name="organisations_register_tier",
    operation_id="organisations_register_tier",
)
def register_tier(request, org_id: int, payload: TierChangeIn):
    """Record a tier decision with its year and evidence (district or city only)."""
    org = register_selectors.organisation_get_for_user(user=request.user, org_id=org_id)
    change = register_services.organisation_tier_change(
        user=request.user,
        org=org,
        to_tier=payload.to_tier,
        year=payload.year,
        evidence=payload.evidence,
    )
    return Status(201, _tier_change_out(change))
