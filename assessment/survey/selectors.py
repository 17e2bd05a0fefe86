"""Reads of the survey app; the roll-up views are the contract the CMS codes against."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from assessment.models import Campaign, Response, Session, SessionStatus
from assessment.survey.access import is_researcher, visible_districts
from assessment.survey.job_labels import stage_label, status_label
from assessment.survey.models import (
    Calibration,
    Job,
    Respondent,
    RollUp,
    SampleDesign,
    Stratum,
    SurveyData,
    SurveyInvitation,
)
from assessment.survey.models import RollUpCell as RollUpCellRow
from assessment.survey.pipeline import change_se
from assessment.survey.schemas import RollUpCell
from assessment.survey.services.data import freeze_refusal
from itembank.models import ItemParameterSet
from learning_platform.db_router import read_replica
from learning_platform.errors import NotFound


@dataclass(frozen=True)
class RollUpView:
    id: int
    name: str
    campaign_name: str
    year: int
    created_at: datetime
    parameter_set_id: int | None
    method: dict
    cells: list[RollUpCell] = field(default_factory=list)
    provenance: dict = field(default_factory=dict)


def rollup_cell_from_row(row: RollUpCellRow) -> RollUpCell:
    """Return the cell a reader gets for one stored row (figures of a suppressed one hidden)."""
    return RollUpCell(
        district_code=row.district_code or None,
        domain_code=row.domain_code,
        indicator=row.indicator,
        category=row.category or None,
        estimate=row.estimate,
        se=row.se,
        ci_low=row.ci_low,
        ci_high=row.ci_high,
        n=row.n,
        suppressed=row.suppressed,
        suppression_reason=row.suppression_reason,
        breakdown=row.breakdown,
        breakdown_value=row.breakdown_value,
        linking_error=row.linking_error,
    )


def _view(r: RollUp, *, cells: bool, breakdowns: bool = False) -> RollUpView:
    cell_views: list[RollUpCell] = []
    if cells:
        qs = r.cells.all()
        if not breakdowns:
            qs = qs.filter(breakdown="")
        cell_views = [rollup_cell_from_row(c) for c in qs]
    return RollUpView(
        id=r.pk,
        name=r.name,
        campaign_name=r.campaign.name_zh,
        year=r.year,
        created_at=r.created_at,
        parameter_set_id=r.parameter_set_id,
        method=dict(r.method),
        cells=cell_views,
        provenance=dict(r.provenance),
    )


def rollups_published() -> QuerySet[RollUp]:
    return RollUp.objects.filter(published=True).select_related("campaign")


@read_replica()
def rollups_available() -> list[RollUpView]:
    """Finished (published) roll-ups, newest first, without their cells."""
    return [_view(r, cells=False) for r in rollups_published()]


@read_replica()
def rollup_get(rollup_id: int, *, breakdowns: bool = False) -> RollUpView:
    """One published roll-up with its headline cells (district and city, no breakdowns)."""
    try:
        r = rollups_published().get(pk=rollup_id)
    except (RollUp.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(f"roll-up {rollup_id!r} not found") from exc
    return _view(r, cells=True, breakdowns=breakdowns)


@read_replica()
def rollup_previous(rollup_id: int) -> RollUpView | None:
    """The latest published roll-up of an earlier wave of the same campaign kind."""
    r = rollups_published().get(pk=rollup_id)
    prev = (
        rollups_published()
        .filter(year__lt=r.year, campaign__kind=r.campaign.kind)
        .order_by("-year", "-created_at")
        .first()
    )
    return None if prev is None else _view(prev, cells=True)


@read_replica()
def rollup_cells(
    *,
    rollup: RollUp,
    district_code: str | None = None,
    city: bool = False,
    breakdowns: bool = True,
) -> list[RollUpCell]:
    """Cells of one roll-up, optionally only one district's and/or the city's."""
    qs = rollup.cells.all()
    if not breakdowns:
        qs = qs.filter(breakdown="")
    if district_code is not None or city:
        cond = Q(district_code="") if city else Q(pk__in=[])
        if district_code is not None:
            cond |= Q(district_code=district_code)
        qs = qs.filter(cond)
    return [rollup_cell_from_row(c) for c in qs]


@read_replica()
def rollup_needs(
    *,
    rollup: RollUp,
    district_code: str | None = None,
) -> tuple[list[RollUpCell], dict[str, dict[str, list[str]]]]:
    """Needs-profile and satisfaction cells of the city (and one district), with option names."""
    qs = rollup.cells.filter(breakdown="", domain_code__startswith="needs.")
    cond = Q(district_code="")
    if district_code is not None:
        cond |= Q(district_code=district_code)
    names = dict((rollup.method or {}).get("needs_options") or {})
    return [rollup_cell_from_row(c) for c in qs.filter(cond)], names


# -- scoped reads: who may see which roll-up and which district ---------------
# Every read of the API goes through these. A missing object and one the caller may
# not see raise the same NotFound, so a 404 never tells which districts have data.
def rollups_visible_to(*, user) -> QuerySet[RollUp]:
    """Return the roll-ups anyone may open: the published ones (city figures are public)."""
    return rollups_published()


def rollup_for(*, user, rollup_id: int) -> RollUp:
    """Return a roll-up the user may open, or raise NotFound."""
    try:
        return rollups_visible_to(user=user).get(pk=rollup_id)
    except RollUp.DoesNotExist as exc:
        raise NotFound("no such roll-up") from exc


@read_replica()
def rollup_cells_visible_to(*, user, rollup: RollUp) -> list[RollUpCell]:
    """Return the cells the user may read: all (researchers), the city plus their
    district (district roles), or the city only (everyone else)."""
    scope = visible_districts(user)
    if scope == "*":
        return rollup_cells(rollup=rollup)
    return rollup_cells(rollup=rollup, district_code=scope, city=True)


@read_replica()
def rollup_district_for(
    *, user, rollup_id: int, district_code: str
) -> tuple[RollUp, list[RollUpCell]]:
    """Return a roll-up and one district's cells with breakdowns, or raise NotFound
    alike for a missing roll-up, a district without cells and another's district."""
    rollup = rollup_for(user=user, rollup_id=rollup_id)
    scope = visible_districts(user)
    if scope != "*" and scope != district_code:
        raise NotFound("no such district roll-up")
    cells = rollup_cells(rollup=rollup, district_code=district_code)
    if not cells:
        raise NotFound("no such district roll-up")
    return rollup, cells


@read_replica()
def rollup_needs_for(
    *, user, rollup_id: int, district_code: str | None = None
) -> tuple[RollUp, str | None, list[RollUpCell], dict[str, dict[str, list[str]]]]:
    """Return a roll-up's needs cells for district roles and researchers.

    The district defaults to the caller's own; anyone without a district role or the
    researcher's (citizens read the city's profile in the published reports) and any
    other district gets the NotFound of a roll-up that does not exist.
    """
    scope = visible_districts(user)
    if scope is None:
        raise NotFound("no such roll-up")
    rollup = rollup_for(user=user, rollup_id=rollup_id)
    code = district_code or (scope if scope != "*" else None)
    if code is not None and scope != "*" and scope != code:
        raise NotFound("no such district roll-up")
    cells, names = rollup_needs(rollup=rollup, district_code=code)
    if code is not None and not any(c.district_code == code for c in cells):
        raise NotFound("no such district roll-up")
    return rollup, code, cells, names


def rollup_changes_visible_to(*, user, rollup_id: int) -> list[dict]:
    """Return the change since the last wave the user may read (as for cells)."""
    rollup_for(user=user, rollup_id=rollup_id)
    scope = visible_districts(user)
    return rollup_changes(
        rollup_id=rollup_id, district_code=None if scope == "*" else (scope or "")
    )


# Researchers' objects: the API refuses other roles first (403); these scope again so
# a selector alone never hands them out, and answer a missing object with NotFound.
def campaigns_managed_by(*, user) -> QuerySet[Campaign]:
    """Return the campaigns whose survey the user runs: all for researchers."""
    if not is_researcher(user):
        return Campaign.objects.none()
    return Campaign.objects.all()


def campaign_for(*, user, campaign_id: int) -> Campaign:
    """Return a campaign the user runs, or raise NotFound."""
    try:
        return campaigns_managed_by(user=user).get(pk=campaign_id)
    except Campaign.DoesNotExist as exc:
        raise NotFound("no such campaign") from exc


def design_for(*, user, campaign_id: int) -> SampleDesign:
    """Return a campaign's sample design, or raise NotFound (also when it has none)."""
    design = getattr(
        campaign_for(user=user, campaign_id=campaign_id), "sample_design", None
    )
    if design is None:
        raise NotFound("the campaign has no sample design")
    return design


def rollups_managed_by(*, user) -> QuerySet[RollUp]:
    """Return every roll-up, published or not, for researchers; none for others."""
    if not is_researcher(user):
        return RollUp.objects.none()
    return RollUp.objects.all()


def rollup_managed_for(*, user, rollup_id: int) -> RollUp:
    """Return any roll-up (for publication), or raise NotFound."""
    try:
        return rollups_managed_by(user=user).get(pk=rollup_id)
    except RollUp.DoesNotExist as exc:
        raise NotFound("no such roll-up") from exc


def jobs_visible_to(*, user) -> QuerySet[Job]:
    """Return the survey jobs the user may follow: all for researchers."""
    if not is_researcher(user):
        return Job.objects.none()
    return Job.objects.all()


def job_for(*, user, job_id: str) -> Job:
    """Return a job by its UUID text, or raise NotFound (also for text that is no UUID)."""
    try:
        pk = uuid.UUID(str(job_id))
    except ValueError as exc:
        raise NotFound("no such job") from exc
    try:
        return jobs_visible_to(user=user).get(pk=pk)
    except Job.DoesNotExist as exc:
        raise NotFound("no such job") from exc


def calibration_for(*, user, calibration_id: int) -> Calibration:
    """Return a calibration the user may review, or raise NotFound."""
    qs = (
        Calibration.objects.all() if is_researcher(user) else Calibration.objects.none()
    )
    try:
        return qs.get(pk=calibration_id)
    except Calibration.DoesNotExist as exc:
        raise NotFound("no such calibration") from exc


def survey_data_versions(*, campaign: Campaign) -> QuerySet[SurveyData]:
    """Return a campaign's frozen data versions, newest first, without their arrays."""
    return (
        SurveyData.objects.filter(campaign=campaign)
        .select_related("frozen_by")
        .defer("arrays")
        .order_by("-version")
    )


def design_progress(*, design: SampleDesign) -> list[dict]:
    """Per stratum: population, allocation, invitations issued and redeemed, responded."""

    strata = design.strata.annotate(
        issued=Count("invitations"),
        redeemed=Count("invitations", filter=Q(invitations__redeemed_at__isnull=False)),
    )
    done: dict[tuple[str, str, str], int] = {}
    for row in (
        Respondent.objects.filter(campaign=design.campaign, responded=True)
        .values("district_code", "age_band", "sex")
        .annotate(n=Count("pk"))
    ):
        done[(row["district_code"], row["age_band"], row["sex"])] = row["n"]
    out = []
    for s in strata:
        k = (s.district_code, s.age_band, s.sex)
        responded = done.get(k, 0)
        out.append(
            {
                "stratum": s.key,
                "district_code": s.district_code,
                "age_band": s.age_band,
                "sex": s.sex,
                "population": s.population,
                "allocation": s.allocation,
                "invited": s.issued,
                "redeemed": s.redeemed,
                "responded": responded,
                "response_rate": (responded / s.allocation) if s.allocation else None,
            }
        )
    return out


def strata_of(design: SampleDesign) -> QuerySet[Stratum]:
    return design.strata.all()


def jobs_recent(*, campaign_id: int | None = None, limit: int = 30) -> QuerySet[Job]:
    qs = Job.objects.select_related("campaign")
    if campaign_id is not None:
        qs = qs.filter(campaign_id=campaign_id)
    return qs[:limit]


def job_payload(job: Job) -> dict:
    return {
        "id": str(job.pk),
        "kind": job.kind,
        "status": job.status,
        "status_label": status_label(job.status),
        "stage_label": stage_label(job.stage),
        "progress": round(float(job.progress), 4),
        "stage": job.stage,
        "cancel_requested": job.cancel_requested,
        "error": job.error,
        "result": job.result if job.done else {},
    }


@read_replica()
def rollup_changes(*, rollup_id: int, district_code: str | None = None) -> list[dict]:
    """Change since the last wave for headline cells, with linking error in its SE.

    SE of a change = √(SE_now² + SE_before² + linking_error²). The linking error is the
    current wave's, in the cell's units: the roll-up stores it per cell (theta for means,
    percentage points for percentages, propagated from the scale to the cut). Roll-ups
    made before cells carried it fall back to the domain's linking error for means and
    none for percentages. Suppressed cells in either wave give no change.
    """

    r = rollups_published().get(pk=rollup_id)
    prev = rollup_previous(rollup_id)
    if prev is None:
        return []
    link = (r.method or {}).get("linking_error") or {}
    before = {
        (c.district_code, c.domain_code, c.indicator, c.category): c for c in prev.cells
    }
    out = []
    for c in rollup_get(rollup_id).cells:
        if district_code is not None and c.district_code not in (None, district_code):
            continue
        b = before.get((c.district_code, c.domain_code, c.indicator, c.category))
        if (
            b is None
            or c.suppressed
            or b.suppressed
            or c.estimate is None
            or b.estimate is None
        ):
            continue
        if c.linking_error is not None:
            le = float(c.linking_error)
        elif c.indicator == "mean_theta":
            le = float(link.get(c.domain_code) or 0.0)
        else:
            le = 0.0
        se = change_se(c.se or 0.0, b.se or 0.0, le)
        out.append(
            {
                "district_code": c.district_code,
                "domain_code": c.domain_code,
                "indicator": c.indicator,
                "category": c.category,
                "previous_rollup_id": prev.id,
                "previous_year": prev.year,
                "change": c.estimate - b.estimate,
                "se": se,
                "ci_low": c.estimate - b.estimate - 1.96 * se,
                "ci_high": c.estimate - b.estimate + 1.96 * se,
                "linking_error": le,
            }
        )
    return out


def freeze_preview(*, campaign) -> dict:
    """What a freeze of ``campaign`` would take now, and why it would be refused (or None).

    Counts: completed sessions (the respondents), their responses, sessions still in
    progress (left out), the sample's non-respondents, and the latest frozen version.
    """
    from django.db.models import Sum

    sessions = Session.objects.filter(campaign=campaign)
    completed = sessions.exclude(status=SessionStatus.IN_PROGRESS)
    n_completed = completed.count()
    design = getattr(campaign, "sample_design", None)
    non_respondents = 0
    if design is not None:
        allocated = design.strata.aggregate(n=Sum("allocation"))["n"] or 0
        redeemed = SurveyInvitation.objects.filter(
            stratum__design=design, redeemed_at__isnull=False
        ).count()
        non_respondents = max(allocated - redeemed, 0)
    latest = SurveyData.objects.filter(campaign=campaign).order_by("-version").first()
    return {
        "sessions": n_completed,
        "responses": Response.objects.filter(session__in=completed.values("pk")).count()
        if n_completed
        else 0,
        "in_progress": sessions.filter(status=SessionStatus.IN_PROGRESS).count(),
        "non_respondents": non_respondents,
        "latest_version": latest.version if latest else None,
        "latest_at": latest.created_at if latest else None,
        "next_version": (latest.version + 1) if latest else 1,
        "refusal": freeze_refusal(campaign),
        "refusal_new_version": freeze_refusal(campaign, new_version=True),
    }


def calibration_review(*, campaign) -> dict | None:
    """The latest calibration of a campaign and where its review stands (for the page)."""
    from django.urls import reverse

    cal = Calibration.objects.filter(campaign=campaign).first()
    if cal is None:
        return None
    if cal.parameter_set_id:
        pset = ItemParameterSet.objects.filter(pk=cal.parameter_set_id).first()
        return {
            "calibration": cal,
            "approved": bool(pset and pset.status == "approved"),
            "status": pset.get_status_display() if pset else "",
            "name": pset.name if pset else "",
            "url": reverse("itembank_admin:parameter_set", args=[pset.pk])
            if pset
            else "",
            "n_flagged": len((pset.evidence or {}).get("flagged", [])) if pset else 0,
        }
    ev = (cal.report or {}).get("evidence") or {}
    return {
        "calibration": cal,
        "approved": cal.approved_at is not None,
        "status": "",
        "name": "",
        "url": "",
        "n_flagged": len(ev.get("flagged", [])),
    }
