"""Reads of the survey app; the roll-up views are the contract the CMS codes against."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from assessment.survey.models import Job, RollUp, SampleDesign, Stratum
from assessment.survey.models import RollUpCell as RollUpCellRow
from assessment.survey.schemas import RollUpCell
from learning_platform.db_router import read_replica


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
        raise Http404(f"roll-up {rollup_id!r} not found") from exc
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


def design_progress(*, design: SampleDesign) -> list[dict]:
    """Per stratum: population, allocation, invitations issued and redeemed, responded."""
    from assessment.survey.models import Respondent

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
    from assessment.survey.job_labels import stage_label, status_label

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
    from assessment.survey.pipeline import change_se

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

    from assessment.models import Response, Session, SessionStatus
    from assessment.survey.models import SurveyData, SurveyInvitation
    from assessment.survey.services.data import freeze_refusal

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

    from assessment.survey.models import Calibration

    cal = Calibration.objects.filter(campaign=campaign).first()
    if cal is None:
        return None
    if cal.parameter_set_id:
        from itembank.models import ItemParameterSet

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
