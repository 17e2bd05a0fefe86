"""API of the learning organisations (``/api/v1/organisations/``)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["organisations"])


# =============================================================================================
# register: organisations, their entries and tier decisions (``/register``)
# =============================================================================================

from datetime import datetime  # noqa: E402

from django.core.exceptions import PermissionDenied  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402
from ninja import Field, Query  # noqa: E402
from ninja import Schema as _Schema  # noqa: E402
from ninja.responses import Status  # noqa: E402

from learning_platform.accounts.selectors import user_roles  # noqa: E402
from learning_platform.organisations.models import Organisation, TierChange  # noqa: E402
from learning_platform.organisations.selectors import register as register_selectors  # noqa: E402
from learning_platform.organisations.services import register as register_services  # noqa: E402

REGISTER_API_ROLES = (register_selectors.CITY_ROLES | register_selectors.DISTRICT_STAFF
                      | register_selectors.MEMBER_ROLES)


class TierChangeOut(_Schema):
    from_tier: str
    to_tier: str
    year: int | None
    evidence: str
    decided_by: str | None
    decided_at: datetime


class OrganisationOut(_Schema):
    id: int
    slug: str
    name: str
    kind: str
    kind_label: str
    district_code: str
    district_name: str
    street: str
    contact_name: str
    contact_phone: str
    contact_email: str
    residents: int | None
    members: int | None
    tier: str
    tier_label: str
    updated_at: datetime


class OrganisationDetailOut(OrganisationOut):
    users: list[str]
    tier_changes: list[TierChangeOut]


class OrganisationIn(_Schema):
    name: str = Field(..., max_length=120)
    kind: str = Field(..., max_length=40)
    district: str = Field(..., max_length=20, description="District code (310101) or Chinese name.")
    street: str = Field("", max_length=60)
    contact_name: str = Field("", max_length=60)
    contact_phone: str = Field("", max_length=30)
    contact_email: str = Field("", max_length=254)
    residents: int | None = None
    members: int | None = None
    users: list[str] | None = Field(None, max_length=20)


class OrganisationPatch(_Schema):
    name: str | None = Field(None, max_length=120)
    kind: str | None = Field(None, max_length=40)
    district: str | None = Field(None, max_length=20)
    street: str | None = Field(None, max_length=60)
    contact_name: str | None = Field(None, max_length=60)
    contact_phone: str | None = Field(None, max_length=30)
    contact_email: str | None = Field(None, max_length=254)
    residents: int | None = None
    members: int | None = None
    users: list[str] | None = Field(None, max_length=20)


class TierChangeIn(_Schema):
    to_tier: str = Field(..., max_length=20)
    year: int
    evidence: str = Field(..., max_length=4000)


class RegisterFilter(_Schema):
    district: str = Field("", max_length=20)
    kind: str = Field("", max_length=20)
    tier: str = Field("", max_length=20)
    q: str = Field("", max_length=60)
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


def _organisation_out(org: Organisation) -> dict:
    return {
        "id": org.pk, "slug": org.slug, "name": org.name, "kind": org.kind,
        "kind_label": str(org.get_kind_display()), "district_code": org.district.code,
        "district_name": org.district.name_zh, "street": org.street, "contact_name": org.contact_name,
        "contact_phone": org.contact_phone, "contact_email": org.contact_email,
        "residents": org.residents, "members": org.members, "tier": org.tier,
        "tier_label": str(org.get_tier_display()), "updated_at": org.updated_at,
    }


def _tier_change_out(change: TierChange) -> dict:
    return {"from_tier": change.from_tier, "to_tier": change.to_tier, "year": change.year,
            "evidence": change.evidence,
            "decided_by": change.decided_by.username if change.decided_by else None,
            "decided_at": change.decided_at}


def _organisation_detail_out(user, org: Organisation) -> dict:
    manages = register_selectors.may_manage_district(user, org.district_id)
    return {
        **_organisation_out(org),
        "users": sorted(org.users.values_list("username", flat=True)) if manages else [],
        "tier_changes": [_tier_change_out(c) for c in org.tier_changes.select_related("decided_by")],
    }


def _require_register_role(request) -> None:
    if not REGISTER_API_ROLES & set(user_roles(user=request.user)):
        raise PermissionDenied(_("The register of learning organisations is for districts, the monitoring "
                                 "centre and the organisations themselves."))


@router.get("/register", response=list[OrganisationOut], url_name="organisations_register_list",
            operation_id="organisations_register_list")
def register_list(request, filters: Query[RegisterFilter]):
    """Return the organisations the caller may see, filtered and paged (limit/offset)."""
    _require_register_role(request)
    queryset = register_selectors.organisations_filter(
        register_selectors.organisations_visible_to(request.user),
        district=filters.district, kind=filters.kind, tier=filters.tier, q=filters.q)
    return [_organisation_out(o) for o in queryset[filters.offset:filters.offset + filters.limit]]


@router.post("/register", response={201: OrganisationDetailOut}, url_name="organisations_register_create",
             operation_id="organisations_register_create")
def register_create(request, payload: OrganisationIn):
    """Register an organisation (district staff in their own district, or the city)."""
    org = register_services.organisation_create(user=request.user, data=payload.model_dump())
    return Status(201, _organisation_detail_out(request.user, org))


@router.get("/register/{org_id}", response=OrganisationDetailOut, url_name="organisations_register_detail",
            operation_id="organisations_register_detail")
def register_detail(request, org_id: int):
    """Return one organisation with its tier decisions; one the caller may not see is 404."""
    org = register_selectors.organisation_get_for_user(user=request.user, org_id=org_id)
    return _organisation_detail_out(request.user, org)


@router.patch("/register/{org_id}", response=OrganisationDetailOut, url_name="organisations_register_update",
              operation_id="organisations_register_update")
def register_update(request, org_id: int, payload: OrganisationPatch):
    """Change an entry; the organisation's own users change only contact and size details."""
    org = register_selectors.organisation_get_for_user(user=request.user, org_id=org_id)
    org = register_services.organisation_update(user=request.user, org=org,
                                                data=payload.model_dump(exclude_unset=True))
    return _organisation_detail_out(request.user, org)


@router.post("/register/{org_id}/tier", response={201: TierChangeOut}, url_name="organisations_register_tier",
             operation_id="organisations_register_tier")
def register_tier(request, org_id: int, payload: TierChangeIn):
    """Record a tier decision with its year and evidence (district or city only)."""
    org = register_selectors.organisation_get_for_user(user=request.user, org_id=org_id)
    change = register_services.organisation_tier_change(user=request.user, org=org, to_tier=payload.to_tier,
                                                        year=payload.year, evidence=payload.evidence)
    return Status(201, _tier_change_out(change))


# ============================================================================ end of register
