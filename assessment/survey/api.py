"""The survey API: roll-ups (city to everyone, a district to its officers), jobs, designs.

Microdata (respondent files) go to researchers only; a district officer asking for
another district's figures gets the same 404 as for a district that does not exist.
"""

from __future__ import annotations

from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.responses import Status

from assessment.models import Campaign
from assessment.survey import access, exports, selectors, services
from assessment.survey.models import Calibration, Job, RollUp, SurveyData
from assessment.survey.schemas import (
    FreezePreviewOut,
    JobOut,
    JobStartIn,
    NeedsOut,
    PublishOut,
    RollUpOut,
    SurveyDataOut,
)
from learning_platform.auth import public
from learning_platform.downloads import download_response

router = Router(tags=["survey"])


class DesignIn(Schema):
    method: str = Field(..., max_length=20)
    sample_size: int
    minimum_per_district: int = 0
    population_year: int


class ApproveIn(Schema):
    comment: str = Field("", max_length=2000)


class CutScoresIn(Schema):
    domain_code: str = Field(..., max_length=40)
    cuts: list[float] = Field(..., min_length=1, max_length=20)
    labels: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        ..., min_length=2, max_length=21
    )
    attained: str = Field(..., max_length=40)
    note: str = Field("", max_length=2000)


def _published(rollup_id: int) -> RollUp:
    return get_object_or_404(
        RollUp.objects.select_related("campaign"), pk=rollup_id, published=True
    )


def _out(r: RollUp, cells) -> dict:
    view = selectors._view(r, cells=False)
    return {**view.__dict__, "cells": [c.__dict__ for c in cells]}


@router.get("/rollups", response=list[RollUpOut], auth=public)
def rollup_list(request: HttpRequest):
    """Published roll-ups (without cells)."""
    return [{**v.__dict__, "cells": []} for v in selectors.rollups_available()]


@router.get("/rollups/{rollup_id}", response=RollUpOut, auth=public)
def rollup_detail(request: HttpRequest, rollup_id: int):
    """City figures for everyone; plus the caller's district (officers) or all (researchers)."""
    r = _published(rollup_id)
    scope = access.visible_districts(request.user)
    if scope == "*":
        cells = selectors.rollup_cells(rollup=r)
    else:
        cells = selectors.rollup_cells(rollup=r, district_code=scope, city=True)
    return _out(r, cells)


@router.get("/rollups/{rollup_id}/districts/{code}", response=RollUpOut)
def rollup_district(request: HttpRequest, rollup_id: int, code: str):
    """One district's breakdowns: its own officers and researchers only (others: 404)."""
    r = _published(rollup_id)
    scope = access.visible_districts(request.user)
    if scope != "*" and scope != code:
        raise Http404("no such district roll-up")
    cells = selectors.rollup_cells(rollup=r, district_code=code)
    if not cells:
        raise Http404("no such district roll-up")
    return _out(r, cells)


@router.get(
    "/rollups/{rollup_id}/needs",
    response=NeedsOut,
    url_name="survey_rollup_needs",
    operation_id="survey_rollup_needs",
)
def rollup_needs(request: HttpRequest, rollup_id: int, district: str | None = None):
    """Needs profiles and satisfaction index: the city plus a district, for its officers and researchers.

    Citizens read the city's profile in the published reports; here, as for every district
    read, anyone else gets the same 404 as for a roll-up that does not exist.
    """
    scope = access.visible_districts(request.user)
    if scope is None:
        raise Http404("no such roll-up")
    r = _published(rollup_id)
    code = district or (scope if scope not in (None, "*") else None)
    if code is not None and scope != "*" and scope != code:
        raise Http404("no such district roll-up")
    cells, names = selectors.rollup_needs(rollup=r, district_code=code)
    if code is not None and not any(c.district_code == code for c in cells):
        raise Http404("no such district roll-up")
    return {
        "rollup_id": r.pk,
        "year": r.year,
        "district_code": code,
        "option_names": names,
        "cells": [c.__dict__ for c in cells],
    }


@router.get("/rollups/{rollup_id}/changes", auth=public)
def rollup_changes(request: HttpRequest, rollup_id: int):
    """Change since the last wave (city; plus the caller's district or all for researchers)."""
    _published(rollup_id)
    scope = access.visible_districts(request.user)
    rows = selectors.rollup_changes(
        rollup_id=rollup_id, district_code=None if scope == "*" else (scope or "")
    )
    return rows


@router.get("/campaigns/{campaign_id}/design")
def design_detail(request: HttpRequest, campaign_id: int):
    access.require_researcher(request.user)
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    design = getattr(campaign, "sample_design", None)
    if design is None:
        raise Http404("the campaign has no sample design")
    return {
        "method": design.method,
        "sample_size": design.sample_size,
        "minimum_per_district": design.minimum_per_district,
        "population_year": design.population_year,
        "strata": selectors.design_progress(design=design),
    }


@router.post("/campaigns/{campaign_id}/design", response={201: dict})
def design_create(request: HttpRequest, campaign_id: int, data: DesignIn):
    access.require_researcher(request.user)
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    design = services.design_create(
        campaign=campaign,
        method=data.method,
        sample_size=data.sample_size,
        minimum_per_district=data.minimum_per_district,
        population_year=data.population_year,
        created_by=request.user,
    )
    return 201, {
        "id": design.pk,
        "n_strata": design.strata.count(),
        "sample_size": design.sample_size,
    }


@router.post("/campaigns/{campaign_id}/invitations")
def invitations_issue(request: HttpRequest, campaign_id: int):
    """Issue the one-time codes; the answer is the only copy of the plain codes."""
    access.require_researcher(request.user)
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    design = getattr(campaign, "sample_design", None)
    if design is None:
        raise ValidationError({"campaign": "the campaign has no sample design"})
    codes = services.invitations_issue(design=design)
    return {"count": len(codes), "codes": [{"stratum": s, "code": c} for s, c in codes]}


def _data_out(data: SurveyData) -> dict:
    return {
        "id": data.pk,
        "campaign_id": data.campaign_id,
        "version": data.version,
        "source": data.source,
        "created_at": data.created_at,
        "frozen_by": data.frozen_by.username if data.frozen_by_id else None,
        "domains": list(data.meta.get("domains", [])),
        "provenance": data.provenance,
    }


@router.get(
    "/campaigns/{campaign_id}/freeze",
    response=FreezePreviewOut,
    url_name="survey_freeze_preview",
    operation_id="survey_freeze_preview",
)
def freeze_preview(request: HttpRequest, campaign_id: int):
    """What a freeze would take now (counts) and, if it would be refused, why."""
    access.require_researcher(request.user)
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    return selectors.freeze_preview(campaign=campaign)


@router.post(
    "/campaigns/{campaign_id}/freeze",
    response={201: SurveyDataOut},
    url_name="survey_freeze",
    operation_id="survey_freeze",
)
def freeze(request: HttpRequest, campaign_id: int, new_version: bool = False):
    """Freeze the closed campaign's completed sessions into survey data (a new version).

    Refused (422, naming the reason) when the campaign is still open, has no completed
    session, or is already frozen and ``new_version`` (query parameter) is not set.
    """
    access.require_researcher(request.user)
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    frozen = services.survey_data_freeze(
        campaign=campaign, frozen_by=request.user, new_version=new_version
    )
    return Status(201, _data_out(frozen))


@router.get(
    "/campaigns/{campaign_id}/data",
    response=list[SurveyDataOut],
    url_name="survey_data_versions",
    operation_id="survey_data_versions",
)
def data_versions(request: HttpRequest, campaign_id: int):
    """The campaign's frozen survey data versions, newest first (provenance, no microdata)."""
    access.require_researcher(request.user)
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    rows = (
        SurveyData.objects.filter(campaign=campaign)
        .select_related("frozen_by")
        .defer("arrays")
        .order_by("-version")
    )
    return [_data_out(d) for d in rows]


@router.post(
    "/campaigns/{campaign_id}/jobs",
    response={202: JobOut},
    url_name="survey_job_start",
    operation_id="survey_job_start",
)
def job_start(request: HttpRequest, campaign_id: int, data: JobStartIn):
    """Start a job (weights, calibrate, score, rollup) of the campaign in the background."""
    access.require_researcher(request.user)
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    job = services.job_start(
        kind=data.kind, campaign=campaign, created_by=request.user, params=data.params
    )
    job.refresh_from_db()
    return Status(202, _job_out(job))


def _job_out(job: Job) -> dict:
    return {**selectors.job_payload(job), "status_label": str(job.get_status_display())}


@router.get(
    "/jobs/{job_id}",
    response=JobOut,
    url_name="survey_job",
    operation_id="survey_job_get",
)
def job_detail(request: HttpRequest, job_id: str):
    """A job's state and progress as stored (the jobs page polls it without a shared
    channel layer); a job whose worker died is failed here first."""
    from assessment.survey.job_control import job_expire_stale

    access.require_researcher(request.user)
    job = get_object_or_404(Job, pk=_uuid(job_id))
    if job_expire_stale(job_ids=[job.pk]):
        job.refresh_from_db()
    return _job_out(job)


@router.post(
    "/jobs/{job_id}/cancel",
    response=JobOut,
    url_name="survey_job_cancel",
    operation_id="survey_job_cancel",
)
def job_cancel(request: HttpRequest, job_id: str):
    access.require_researcher(request.user)
    job = get_object_or_404(Job, pk=_uuid(job_id))
    return _job_out(services.job_cancel(job=job))


@router.post(
    "/rollups/{rollup_id}/publish",
    response=PublishOut,
    url_name="survey_rollup_publish",
    operation_id="survey_rollup_publish",
)
def rollup_publish(request: HttpRequest, rollup_id: int):
    """Publish a roll-up (approved parameters only; it never changes after) and supply
    each district's rates to its filing for the survey year."""
    access.require_researcher(request.user)
    rollup = get_object_or_404(RollUp, pk=rollup_id)
    rollup = services.rollup_publish(rollup=rollup)
    feed = services.indicators_feed(rollup=rollup)
    return {
        "rollup_id": rollup.pk,
        "published": rollup.published,
        "published_at": rollup.published_at,
        "fed": feed["fed"],
        "errors": feed["errors"],
    }


@router.post(
    "/calibrations/{calibration_id}/approve",
    response={200: dict},
    url_name="survey_calibration_approve",
    operation_id="survey_calibration_approve",
)
def calibration_approve(request: HttpRequest, calibration_id: int, data: ApproveIn):
    """Approve a calibration's parameters (through its item-bank parameter set if any)."""
    access.require_researcher(request.user)
    cal = get_object_or_404(Calibration, pk=calibration_id)
    cal = services.calibration_approve(
        calibration=cal, approved_by=request.user, comment=data.comment
    )
    return {
        "id": cal.pk,
        "parameter_set_id": cal.parameter_set_id,
        "approved_at": cal.approved_at.isoformat() if cal.approved_at else None,
    }


@router.post("/cut-scores", response={201: dict})
def cut_scores(request: HttpRequest, data: CutScoresIn):
    access.require_researcher(request.user)
    row = services.cut_scores_set(
        domain_code=data.domain_code,
        cuts=data.cuts,
        labels=data.labels,
        attained=data.attained,
        note=data.note,
        created_by=request.user,
    )
    return 201, {
        "domain_code": row.domain.code,
        "version": row.version,
        "id": row.pk,
        "status": row.status,
    }


@router.get("/campaigns/{campaign_id}/export")
def export(request: HttpRequest, campaign_id: int, format: str = "csv"):  # noqa: A002
    """The respondent file with weights, replicates and plausible values (researchers)."""
    access.require_researcher(request.user)
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    if format not in exports.FORMATS:
        raise ValidationError(
            {
                "format": f"unknown format {format!r}; use one of "
                f"{', '.join(exports.FORMATS)}"
            }
        )
    try:
        f = exports.respondent_file(campaign=campaign)
    except LookupError as exc:
        raise Http404(str(exc)) from exc
    return download_response(
        exports.render(f, format),
        filename=f"survey-{campaign.pk}-respondents.{exports.EXTENSIONS[format]}",
    )


def _uuid(value: str):
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise Http404("no such job") from exc
