"""The survey API: roll-ups (city to everyone, a district to its officers), jobs, designs.

Microdata (respondent files) go to researchers only; a district officer asking for
another district's figures gets the same 404 as for a district that does not exist.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Router
from ninja.responses import Status

from assessment.survey import access, exports, selectors, services
from assessment.survey.job_control import job_expire_stale
from assessment.survey.models import Job, RollUp, SurveyData
from assessment.survey.schemas import (
    ApproveIn,
    CalibrationApprovedOut,
    ChangeOut,
    CutScoresIn,
    CutScoresOut,
    DesignCreatedOut,
    DesignIn,
    DesignOut,
    FreezePreviewOut,
    InvitationsOut,
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


def _out(r: RollUp, cells) -> dict:
    view = selectors._view(r, cells=False)
    return {**view.__dict__, "cells": [c.__dict__ for c in cells]}


@router.get(
    "/rollups",
    response=list[RollUpOut],
    auth=public,
    url_name="survey_rollup_list",
    operation_id="survey_rollup_list",
)
def rollup_list(request: HttpRequest):
    """Published roll-ups (without cells)."""
    return [{**v.__dict__, "cells": []} for v in selectors.rollups_available()]


@router.get(
    "/rollups/{rollup_id}",
    response=RollUpOut,
    auth=public,
    url_name="survey_rollup_get",
    operation_id="survey_rollup_get",
)
def rollup_detail(request: HttpRequest, rollup_id: int):
    """City figures for everyone; plus the caller's district (officers) or all (researchers)."""
    r = selectors.rollup_for(user=request.user, rollup_id=rollup_id)
    return _out(r, selectors.rollup_cells_visible_to(user=request.user, rollup=r))


@router.get(
    "/rollups/{rollup_id}/districts/{code}",
    response=RollUpOut,
    url_name="survey_rollup_district_get",
    operation_id="survey_rollup_district_get",
)
def rollup_district(request: HttpRequest, rollup_id: int, code: str):
    """One district's breakdowns: its own officers and researchers only (others: 404)."""
    r, cells = selectors.rollup_district_for(
        user=request.user, rollup_id=rollup_id, district_code=code
    )
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
    r, code, cells, names = selectors.rollup_needs_for(
        user=request.user, rollup_id=rollup_id, district_code=district
    )
    return {
        "rollup_id": r.pk,
        "year": r.year,
        "district_code": code,
        "option_names": names,
        "cells": [c.__dict__ for c in cells],
    }


@router.get(
    "/rollups/{rollup_id}/changes",
    response=list[ChangeOut],
    auth=public,
    url_name="survey_rollup_changes_list",
    operation_id="survey_rollup_changes_list",
)
def rollup_changes(request: HttpRequest, rollup_id: int):
    """Change since the last wave (city; plus the caller's district or all for researchers)."""
    return selectors.rollup_changes_visible_to(user=request.user, rollup_id=rollup_id)


@router.get(
    "/campaigns/{campaign_id}/design",
    response=DesignOut,
    url_name="survey_design_get",
    operation_id="survey_design_get",
)
def design_detail(request: HttpRequest, campaign_id: int):
    """A campaign's sample design and each stratum's progress (researchers)."""
    access.require_researcher(request.user)
    design = selectors.design_for(user=request.user, campaign_id=campaign_id)
    return {
        "method": design.method,
        "sample_size": design.sample_size,
        "minimum_per_district": design.minimum_per_district,
        "population_year": design.population_year,
        "strata": selectors.design_progress(design=design),
    }


@router.post(
    "/campaigns/{campaign_id}/design",
    response={201: DesignCreatedOut},
    url_name="survey_design_create",
    operation_id="survey_design_create",
)
def design_create(request: HttpRequest, campaign_id: int, data: DesignIn):
    """Draw up a campaign's sample design and its strata (researchers)."""
    access.require_researcher(request.user)
    campaign = selectors.campaign_for(user=request.user, campaign_id=campaign_id)
    design = services.design_create(
        campaign=campaign,
        method=data.method,
        sample_size=data.sample_size,
        minimum_per_district=data.minimum_per_district,
        population_year=data.population_year,
        created_by=request.user,
    )
    return Status(
        201,
        {
            "id": design.pk,
            "n_strata": design.strata.count(),
            "sample_size": design.sample_size,
        },
    )


@router.post(
    "/campaigns/{campaign_id}/invitations",
    response=InvitationsOut,
    url_name="survey_invitations_issue",
    operation_id="survey_invitations_issue",
)
def invitations_issue(request: HttpRequest, campaign_id: int):
    """Issue the one-time codes; the answer is the only copy of the plain codes."""
    access.require_researcher(request.user)
    campaign = selectors.campaign_for(user=request.user, campaign_id=campaign_id)
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
    campaign = selectors.campaign_for(user=request.user, campaign_id=campaign_id)
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
    campaign = selectors.campaign_for(user=request.user, campaign_id=campaign_id)
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
    campaign = selectors.campaign_for(user=request.user, campaign_id=campaign_id)
    return [_data_out(d) for d in selectors.survey_data_versions(campaign=campaign)]


@router.post(
    "/campaigns/{campaign_id}/jobs",
    response={202: JobOut},
    url_name="survey_job_start",
    operation_id="survey_job_start",
)
def job_start(request: HttpRequest, campaign_id: int, data: JobStartIn):
    """Start a job (weights, calibrate, score, rollup) of the campaign in the background."""
    access.require_researcher(request.user)
    campaign = selectors.campaign_for(user=request.user, campaign_id=campaign_id)
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

    access.require_researcher(request.user)
    job = selectors.job_for(user=request.user, job_id=job_id)
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
    """Ask a running job to stop at its next checkpoint."""
    access.require_researcher(request.user)
    job = selectors.job_for(user=request.user, job_id=job_id)
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
    rollup = selectors.rollup_managed_for(user=request.user, rollup_id=rollup_id)
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
    response=CalibrationApprovedOut,
    url_name="survey_calibration_approve",
    operation_id="survey_calibration_approve",
)
def calibration_approve(request: HttpRequest, calibration_id: int, data: ApproveIn):
    """Approve a calibration's parameters (through its item-bank parameter set if any)."""
    access.require_researcher(request.user)
    cal = selectors.calibration_for(user=request.user, calibration_id=calibration_id)
    cal = services.calibration_approve(
        calibration=cal, approved_by=request.user, comment=data.comment
    )
    return {
        "id": cal.pk,
        "parameter_set_id": cal.parameter_set_id,
        "approved_at": cal.approved_at.isoformat() if cal.approved_at else None,
    }


@router.post(
    "/cut-scores",
    response={201: CutScoresOut},
    url_name="survey_cut_scores_create",
    operation_id="survey_cut_scores_create",
)
def cut_scores(request: HttpRequest, data: CutScoresIn):
    """Record a new cut-score version of a domain, in review (researchers)."""
    access.require_researcher(request.user)
    row = services.cut_scores_set(
        domain_code=data.domain_code,
        cuts=data.cuts,
        labels=data.labels,
        attained=data.attained,
        note=data.note,
        created_by=request.user,
    )
    return Status(
        201,
        {
            "domain_code": row.domain.code,
            "version": row.version,
            "id": row.pk,
            "status": row.status,
        },
    )


@router.get(
    "/campaigns/{campaign_id}/export",
    url_name="survey_respondents_export",
    operation_id="survey_respondents_export",
)
def export(request: HttpRequest, campaign_id: int, format: str = "csv"):  # noqa: A002
    """The respondent file with weights, replicates and plausible values (researchers)."""
    access.require_researcher(request.user)
    campaign = selectors.campaign_for(user=request.user, campaign_id=campaign_id)
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
