"""API of the learning organisations (``/api/v1/organisations/``)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["organisations"])


# --- space --------------------------------------------------------------------------------
# Read API of the spaces: what the pages show, scoped by the same selectors (nothing pending
# reaches anyone but the organisation's users and its district's staff).

from django.http import Http404  # noqa: E402
from ninja import Schema  # noqa: E402

from learning_platform.auth import public  # noqa: E402
from learning_platform.organisations.models import Organisation as _Organisation  # noqa: E402
from learning_platform.organisations.models import SpaceEntry as _SpaceEntry  # noqa: E402
from learning_platform.organisations.selectors import results as _results  # noqa: E402
from learning_platform.organisations.selectors import space as _space  # noqa: E402


class SpaceSummaryOut(Schema):
    slug: str
    name: str
    kind: str
    kind_label: str
    district_code: str
    district_name: str
    street: str
    tier: str
    tier_label: str


class SpaceEntryOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    happened_on: str | None
    alt_text: str
    status: str
    file_url: str | None


class ProfileOut(Schema):
    code: str
    name_zh: str
    mean_score: float | None
    share_met: float | None
    met: bool | None
    change: float | None


class ItemScoreOut(Schema):
    indicator_code: str
    code: str
    score: float | None
    max_score: int
    met: bool | None


class YearResultOut(Schema):
    year: int
    set_title: str
    mean_score: float | None
    indicators_met: int
    profile: list[ProfileOut]
    items: list[ItemScoreOut]


class SpaceOut(SpaceSummaryOut):
    entries: list[SpaceEntryOut]
    results: list[YearResultOut]


def _summary(o: _Organisation) -> dict:
    return {"slug": o.slug, "name": o.name, "kind": o.kind, "kind_label": str(o.get_kind_display()),
            "district_code": o.district.code, "district_name": o.district.name_zh, "street": o.street,
            "tier": o.tier, "tier_label": str(o.get_tier_display())}


def _year_results(o: _Organisation) -> list[dict]:
    return [{"year": r.year, "set_title": r.set_title, "mean_score": r.mean_score,
             "indicators_met": r.indicators_met,
             "profile": [vars(p) for p in r.profile],
             "items": [{"indicator_code": i.indicator_code, "code": i.code, "score": i.score,
                        "max_score": i.max_score, "met": i.met} for i in r.items]}
            for r in _results.organisation_results(organisation=o)]


@router.get("/spaces", response=list[SpaceSummaryOut], url_name="organisations_spaces",
            operation_id="organisations_spaces", auth=public)
def spaces(request, district: str = "", kind: str = "", tier: str = "", q: str = ""):
    """The public spaces (something on them is approved), filtered."""
    return [_summary(o) for o in _space.space_index(district=district, kind=kind, tier=tier, q=q[:60])[:500]]


@router.get("/spaces/{slug}", response=SpaceOut, url_name="organisations_space",
            operation_id="organisations_space", auth=public)
def space(request, slug: str):
    """One space: its entries the caller may see and its approved yearly results."""
    try:
        o = _space.space_get_for_user(user=request.user, slug=slug)
    except _Organisation.DoesNotExist as exc:
        raise Http404("No such space") from exc
    entries = [{"id": e.pk, "kind": e.kind, "title": e.title, "body": e.body,
                "happened_on": e.happened_on.isoformat() if e.happened_on else None,
                "alt_text": e.alt_text, "status": e.status,
                "file_url": f"/api/v1/organisations/spaces/entries/{e.pk}/file" if e.file else None}
               for e in _space.space_entries_for_user(user=request.user, organisation=o)]
    return {**_summary(o), "entries": entries, "results": _year_results(o)}


@router.get("/spaces/entries/{entry_id}/file", url_name="organisations_space_file",
            operation_id="organisations_space_file", auth=public)
def space_file(request, entry_id: int):
    """An entry's file, under the same rule as the page."""
    from learning_platform.private_files import private_file_response

    try:
        entry = _space.space_entry_get_for_user(user=request.user, entry_id=entry_id)
    except _SpaceEntry.DoesNotExist as exc:
        raise Http404("No such file") from exc
    if not entry.file:
        raise Http404("No such file")
    return private_file_response(entry.file, filename=entry.file.name.rsplit("/", 1)[-1],
                                 as_attachment=entry.kind != "photo")


# --- results ------------------------------------------------------------------------------


class CellOut(Schema):
    district_code: str
    district_name: str
    kind: str
    indicator_code: str
    indicator_name: str
    n: int
    share: float | None
    se: float | None
    suppressed: bool


class ResultsTableOut(Schema):
    year: int | None
    suppression_threshold: int
    cells: list[CellOut]


@router.get("/results", response=ResultsTableOut, url_name="organisations_results",
            operation_id="organisations_results", auth=public)
def results_table(request, year: int | None = None, district: str = "", kind: str = ""):
    """Share of organisations meeting each first-level indicator per district × kind (and the
    city), with design-based SEs; cells under the suppression threshold carry no figure."""
    table = _results.district_kind_table(year=year, district_code=district[:12], kind=kind)
    return {"year": table.year, "suppression_threshold": table.threshold,
            "cells": [{"district_code": c.district_code, "district_name": c.district_name, "kind": c.kind,
                       "indicator_code": c.indicator_code, "indicator_name": c.indicator_name, "n": c.n,
                       "share": c.estimate, "se": c.se, "suppressed": c.suppressed} for c in table.cells]}


@router.get("/results/organisations/{slug}", response=list[YearResultOut],
            url_name="organisations_results_organisation", operation_id="organisations_results_organisation", auth=public)
def results_organisation(request, slug: str):
    """An organisation's approved yearly results (item scores, profiles, growth)."""
    try:
        o = _space.space_get_for_user(user=request.user, slug=slug)
    except _Organisation.DoesNotExist as exc:
        raise Http404("No such organisation") from exc
    return _year_results(o)
