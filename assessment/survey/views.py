"""Researcher pages of the survey in the Wagtail admin (thin: services do the work)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment.models import Campaign, CampaignKind
from assessment.survey import access, selectors, services
from assessment.survey.job_control import job_expire_stale, live_mode
from assessment.survey.models import Job, JobKind, RollUp


def _researcher(request: HttpRequest) -> None:
    access.require_researcher(request.user)


def survey_index(request: HttpRequest) -> HttpResponse:
    """Survey campaigns, their data, jobs with live progress, and roll-ups."""
    _researcher(request)

    job_expire_stale()  # jobs whose worker died show as failed, not running for ever
    campaigns = Campaign.objects.filter(
        kind__in=[CampaignKind.FIVE_YEARLY, CampaignKind.THEMATIC]
    ).order_by("-year", "-pk")
    rows = []
    for c in campaigns:
        design = getattr(c, "sample_design", None)
        progress = selectors.design_progress(design=design) if design else []
        rows.append(
            {
                "campaign": c,
                "design": design,
                "n_sampled": sum(p["allocation"] for p in progress),
                "n_responded": sum(p["responded"] for p in progress),
                "jobs": list(selectors.jobs_recent(campaign_id=c.pk, limit=8)),
                "rollups": list(RollUp.objects.filter(campaign=c)),
                "has_data": c.survey_data_versions.exists(),
                "freeze": selectors.freeze_preview(campaign=c),
                "calibration": selectors.calibration_review(campaign=c),
            }
        )
    return render(
        request,
        "survey/admin_index.html",
        {
            "rows": rows,
            "kinds": JobKind.choices,
            "live": live_mode(),
        },
    )


@require_POST
def job_start(request: HttpRequest, campaign_id: int) -> HttpResponse:
    _researcher(request)
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    kind = request.POST.get("kind", "")
    params = (
        {"publish": True}
        if kind == JobKind.ROLLUP and request.POST.get("publish")
        else {}
    )
    try:
        services.job_start(
            kind=kind, campaign=campaign, created_by=request.user, params=params
        )
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, _("Job started."))
    return redirect("survey_admin:index")


@require_POST
def survey_freeze(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Freeze the closed campaign's completed sessions (a new version if asked for)."""
    _researcher(request)
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    try:
        data = services.survey_data_freeze(
            campaign=campaign,
            frozen_by=request.user,
            new_version=request.POST.get("new_version") == "1",
        )
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(
            request,
            _(
                "Survey data version %(version)s frozen: %(sessions)s sessions, %(responses)s "
                "responses."
            )
            % {
                "version": data.version,
                "sessions": data.provenance["sessions"],
                "responses": data.provenance["responses"],
            },
        )
    return redirect("survey_admin:index")


@require_POST
def job_cancel(request: HttpRequest, job_id) -> HttpResponse:
    _researcher(request)
    job = get_object_or_404(Job, pk=job_id)
    try:
        services.job_cancel(job=job)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect("survey_admin:index")


@require_POST
def rollup_publish(request: HttpRequest, rollup_id: int) -> HttpResponse:
    _researcher(request)
    rollup = get_object_or_404(RollUp, pk=rollup_id)
    try:
        services.rollup_publish(rollup=rollup)
        feed = services.indicators_feed(rollup=rollup)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Roll-up published; %(n)s district figures sent to the indicators.")
            % {"n": feed["fed"]},
        )
    return redirect("survey_admin:index")
