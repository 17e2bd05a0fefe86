"""The item bank's API: downloads for staff (the admin pages are the main interface)."""

from __future__ import annotations

from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status

from learning_platform.downloads import download_response

from . import selectors, services
from .exporting import XLSX_CONTENT_TYPE, can_see_keys, items_csv, items_xlsx
from .models import CutScoreSet, ItemParameterSet
from .schemas import (
    ActivateIn,
    CutScoreSetIn,
    CutScoreSetOut,
    ParameterSetOut,
    ReferenceFrameworkOut,
    ReviewIn,
)
from .taxonomies import reference_frameworks

router = Router(tags=["itembank"])


@router.get(
    "/items/export",
    url_name="itembank_items_export",
    operation_id="itembank_items_export",
    openapi_extra={
        "responses": {
            200: {
                "description": "The items file.",
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    XLSX_CONTENT_TYPE: {
                        "schema": {"type": "string", "format": "binary"}
                    },
                },
            }
        }
    },
)
def items_export(
    request,
    format: Literal["csv", "xlsx"] = "csv",
    domain: Annotated[str, Query(max_length=64)] = "",
    kind: Annotated[str, Query(max_length=16)] = "",
    live: bool = False,
):
    """Download items as CSV or XLSX in the import template's columns.

    Keys are filled only for callers allowed to see them (item authors, reviewers and
    researchers).
    """
    if not request.user.has_perm("itembank.view_item"):
        raise PermissionDenied
    if format not in ("csv", "xlsx"):
        raise ValidationError({"format": _("Choose csv or xlsx.")})
    items = selectors.items_for_export(
        domain_code=domain or None, kind=kind or None, live_only=live
    )
    with_keys = can_see_keys(request.user)
    body = (
        items_xlsx(items, with_keys=with_keys)
        if format == "xlsx"
        else items_csv(items, with_keys=with_keys)
    )
    return download_response(body, filename=f"items.{format}")


# -- review of parameter sets and cut-score sets (researchers) ------------------------------


def _pset_out(p: ItemParameterSet) -> dict:
    ev = p.evidence or {}
    return {
        "id": p.pk,
        "name": p.name,
        "model": p.model,
        "source": p.source,
        "status": p.status,
        "status_label": str(p.get_status_display()),
        "is_active": p.is_active,
        "reviewed_at": p.reviewed_at,
        "activated_at": p.activated_at,
        "approval_comment": p.approval_comment,
        "flagged_item_ids": [str(i) for i in ev.get("flagged", [])],
        "evidence_domains": ev.get("domains", {}),
    }


def _cut_out(c: CutScoreSet) -> dict:
    return {
        "id": c.pk,
        "domain_code": c.domain.code,
        "version": c.version,
        "label": c.label,
        "levels": c.levels,
        "scale": c.scale,
        "method": c.method,
        "set_by": c.set_by,
        "set_on": c.set_on,
        "status": c.status,
        "status_label": str(c.get_status_display()),
        "is_active": c.is_active,
        "reviewed_at": c.reviewed_at,
        "activated_at": c.activated_at,
    }


@router.get(
    "/parameter-sets/{set_id}",
    response={200: ParameterSetOut},
    url_name="itembank_parameter_set_get",
    operation_id="itembank_parameter_set_get",
)
def parameter_set_get(request, set_id: int):
    """A parameter set with its review status and the items its evidence flags."""
    return _pset_out(selectors.parameter_set_for(user=request.user, set_id=set_id))


@router.post(
    "/parameter-sets/{set_id}/review",
    response={200: ParameterSetOut},
    url_name="itembank_parameter_set_review",
    operation_id="itembank_parameter_set_review",
)
def parameter_set_review(request, set_id: int, data: ReviewIn):
    """Approve (or reject, with a reason) a parameter set in review."""
    pset = selectors.parameter_set_for(user=request.user, set_id=set_id)
    return _pset_out(
        services.parameter_set_review(
            parameter_set=pset,
            reviewer=request.user,
            approve=data.approve,
            comment=data.comment,
        )
    )


@router.post(
    "/parameter-sets/{set_id}/activate",
    response={200: ParameterSetOut},
    url_name="itembank_parameter_set_activate",
    operation_id="itembank_parameter_set_activate",
)
def parameter_set_activate(request, set_id: int, data: ActivateIn):
    """Make a parameter set the one scoring and adaptive tests use."""
    pset = selectors.parameter_set_for(user=request.user, set_id=set_id)
    return _pset_out(
        services.parameter_set_activate(
            parameter_set=pset, approved_by=request.user, comment=data.comment
        )
    )


@router.get(
    "/cut-score-sets",
    response={200: list[CutScoreSetOut]},
    url_name="itembank_cut_score_set_list",
    operation_id="itembank_cut_score_set_list",
)
def cut_score_set_list(request, domain: str = ""):
    """Every cut-score version, newest first per domain (optionally of one domain)."""
    rows = selectors.cut_score_sets_for(user=request.user, domain_code=domain)
    return [_cut_out(c) for c in rows]


@router.post(
    "/cut-score-sets",
    response={201: CutScoreSetOut},
    url_name="itembank_cut_score_set_create",
    operation_id="itembank_cut_score_set_create",
)
def cut_score_set_create(request, data: CutScoreSetIn):
    """Record a standard setting as a new cut-score version in review."""
    domain = selectors.cut_score_domain_for(user=request.user, code=data.domain_code)
    row = services.cut_score_set_create(
        domain=domain,
        levels=[lv.dict() for lv in data.levels],
        scale=data.scale,
        set_by=data.set_by,
        set_on=data.set_on,
        method=data.method,
        note=data.note,
        created_by=request.user,
    )
    return Status(201, _cut_out(row))


@router.post(
    "/cut-score-sets/{set_id}/review",
    response={200: CutScoreSetOut},
    url_name="itembank_cut_score_set_review",
    operation_id="itembank_cut_score_set_review",
)
def cut_score_set_review(request, set_id: int, data: ReviewIn):
    """Approve (or reject, with a reason) a cut-score version in review."""
    row = selectors.cut_score_set_for(user=request.user, set_id=set_id)
    return _cut_out(
        services.cut_score_set_review(
            cut_score_set=row,
            reviewer=request.user,
            approve=data.approve,
            comment=data.comment,
        )
    )


@router.post(
    "/cut-score-sets/{set_id}/activate",
    response={200: CutScoreSetOut},
    url_name="itembank_cut_score_set_activate",
    operation_id="itembank_cut_score_set_activate",
)
def cut_score_set_activate(request, set_id: int):
    """Make an approved version the one that levels new results and roll-ups."""
    row = selectors.cut_score_set_for(user=request.user, set_id=set_id)
    return _cut_out(
        services.cut_score_set_activate(cut_score_set=row, activated_by=request.user)
    )


# -- reference taxonomies (DigComp 2.2, UNESCO DLGF), read-only ------------------------------


def _framework_out(fw) -> dict:
    def node(c) -> dict:
        return {
            "ref_id": c.ref_id,
            "name_zh": c.name_zh,
            "name_en": c.name_en,
            "domain_codes": sorted(d.code for d in c.domains.all()),
        }

    rows = list(fw.competences.all())
    areas = []
    for area in (c for c in rows if c.parent_id is None):
        areas.append(
            {
                **node(area),
                "competences": [node(c) for c in rows if c.parent_id == area.pk],
            }
        )
    return {
        "key": fw.key,
        "code": fw.code,
        "version": fw.version,
        "short_name": fw.short_name,
        "name_zh": fw.name_zh,
        "name_en": fw.name_en,
        "publisher": fw.publisher,
        "year": fw.year,
        "citation": fw.citation,
        "url": fw.url,
        "licence": fw.licence,
        "translation_note": fw.translation_note,
        "areas": areas,
    }


@router.get(
    "/taxonomies",
    response={200: list[ReferenceFrameworkOut]},
    url_name="itembank_taxonomy_list",
    operation_id="itembank_taxonomy_list",
)
def taxonomy_list(request, code: Annotated[str, Query(max_length=32)] = ""):
    """Every loaded reference framework version with its areas, competences and the
    item-bank domains mapped to each (optionally of one framework code)."""
    if not request.user.has_perm("itembank.view_item"):
        raise PermissionDenied
    return [
        _framework_out(fw)
        for fw in reference_frameworks()
        if not code or fw.code == code
    ]
