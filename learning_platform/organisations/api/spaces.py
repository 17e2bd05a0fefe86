"""Public reads: the organisations' spaces (``/spaces``) and the monitoring results
(``/results``).

What the pages show, scoped by the same selectors: nothing pending reaches anyone but the
organisation's users and its district's staff, and a space the caller may not open
answers like a missing one (404).
"""

from __future__ import annotations

from django.http import Http404
from ninja import Router

from learning_platform.auth import public
from learning_platform.organisations.models import Organisation
from learning_platform.organisations.schemas import (
    ResultsTableOut,
    SpaceOut,
    SpaceSummaryOut,
    YearResultOut,
)
from learning_platform.organisations.selectors import results as results_selectors
from learning_platform.organisations.selectors import space as space_selectors
from learning_platform.private_files import private_file_response

router = Router()  # tagged "organisations" where the package mounts it


def _summary(o: Organisation) -> dict:
    return {
        "slug": o.slug,
        "name": o.name,
        "kind": o.kind,
        "kind_label": str(o.get_kind_display()),
        "district_code": o.district.code,
        "district_name": o.district.name_zh,
        "street": o.street,
        "tier": o.tier,
        "tier_label": str(o.get_tier_display()),
    }


def _year_results(o: Organisation) -> list[dict]:
    return [
        {
            "year": r.year,
            "set_title": r.set_title,
            "mean_score": r.mean_score,
            "indicators_met": r.indicators_met,
            "profile": [vars(p) for p in r.profile],
            "items": [
                {
                    "indicator_code": i.indicator_code,
                    "code": i.code,
                    "score": i.score,
                    "max_score": i.max_score,
                    "met": i.met,
                }
                for i in r.items
            ],
        }
        for r in results_selectors.organisation_results(organisation=o)
    ]


@router.get(
    "/spaces",
    response=list[SpaceSummaryOut],
    url_name="organisations_spaces",
    operation_id="organisations_spaces",
    auth=public,
)
def spaces(request, district: str = "", kind: str = "", tier: str = "", q: str = ""):
    """The public spaces (something on them is approved), filtered."""
    return [
        _summary(o)
        for o in space_selectors.space_index(
            district=district, kind=kind, tier=tier, q=q[:60]
        )[:500]
    ]


@router.get(
    "/spaces/{slug}",
    response=SpaceOut,
    url_name="organisations_space",
    operation_id="organisations_space",
    auth=public,
)
def space(request, slug: str):
    """One space: its entries the caller may see and its approved yearly results."""
    o = space_selectors.space_get_for_user(user=request.user, slug=slug)
    entries = [
        {
            "id": e.pk,
            "kind": e.kind,
            "title": e.title,
            "body": e.body,
            "happened_on": e.happened_on.isoformat() if e.happened_on else None,
            "alt_text": e.alt_text,
            "status": e.status,
            "file_url": f"/api/v1/organisations/spaces/entries/{e.pk}/file"
            if e.file
            else None,
        }
        for e in space_selectors.space_entries_for_user(
            user=request.user, organisation=o
        )
    ]
    return {**_summary(o), "entries": entries, "results": _year_results(o)}


@router.get(
    "/spaces/entries/{entry_id}/file",
    url_name="organisations_space_file",
    operation_id="organisations_space_file",
    auth=public,
)
def space_file(request, entry_id: int):
    """An entry's file, under the same rule as the page."""
    entry = space_selectors.space_entry_get_for_user(
        user=request.user, entry_id=entry_id
    )
    if not entry.file:
        raise Http404("No such file")
    return private_file_response(
        entry.file,
        filename=entry.file.name.rsplit("/", 1)[-1],
        as_attachment=entry.kind != "photo",
    )


# --- results ------------------------------------------------------------------------------


@router.get(
    "/results",
    response=ResultsTableOut,
    url_name="organisations_results",
    operation_id="organisations_results",
    auth=public,
)
def results_table(request, year: int | None = None, district: str = "", kind: str = ""):
    """Share of organisations meeting each first-level indicator per district × kind (and the
    city), with design-based SEs; cells under the suppression threshold carry no figure."""
    table = results_selectors.district_kind_table(
        year=year, district_code=district[:12], kind=kind
    )
    return {
        "year": table.year,
        "suppression_threshold": table.threshold,
        "cells": [
            {
                "district_code": c.district_code,
                "district_name": c.district_name,
                "kind": c.kind,
                "indicator_code": c.indicator_code,
                "indicator_name": c.indicator_name,
                "n": c.n,
                "share": c.estimate,
                "se": c.se,
                "suppressed": c.suppressed,
            }
            for c in table.cells
        ],
    }


@router.get(
    "/results/organisations/{slug}",
    response=list[YearResultOut],
    url_name="organisations_results_organisation",
    operation_id="organisations_results_organisation",
    auth=public,
)
def results_organisation(request, slug: str):
    """An organisation's approved yearly results (item scores, profiles, growth)."""
    o = space_selectors.space_get_for_user(user=request.user, slug=slug)
    return _year_results(o)
