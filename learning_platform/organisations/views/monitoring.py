"""Pages of the annual sampled monitoring; each calls a selector or a service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from learning_platform.organisations.models import (
    AssessmentStatus,
    ItemEvidence,
    MonitoringYear,
    OrganisationKind,
    SampledOrganisation,
    SelfAssessment,
)
from learning_platform.organisations.monitoring_states import label
from learning_platform.organisations.selectors import monitoring as selectors
from learning_platform.organisations.services import monitoring as services
from learning_platform.private_files import private_file_response


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The user's monitoring work: the draw (centre), the district's sample, own self-assessments."""
    user = request.user
    city = selectors.is_city_user(user)
    wanted = request.GET.get("year", "")
    if city and wanted.isdigit() and 2000 <= int(wanted) <= 2100:
        return redirect("organisations:monitoring_sample", year=int(wanted))
    sampled = list(
        selectors.sampled_visible_to(user=user).order_by(
            "-monitoring_year__year", "stratum", "pk"
        )
    )
    if not (city or selectors.is_district_staff(user) or sampled):
        raise PermissionDenied(
            _(
                "Only sampled organisations, district staff and the monitoring centre use the monitoring."
            )
        )
    rows = [
        {
            "sampled": s,
            "status": selectors.status_label(s),
            "kind": label(OrganisationKind, s.organisation.kind),
        }
        for s in sampled
    ]
    return render(
        request,
        "organisations/monitoring/index.html",
        {
            "rows": rows,
            "city": city,
            "years": selectors.monitoring_years(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def sample(request: HttpRequest, year: int) -> HttpResponse:
    """The centre draws a year's sample and sees its allocation."""
    if not selectors.is_city_user(request.user):
        raise Http404
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            size, seed, floor = (
                int(request.POST.get(k, "") or "x") for k in ("size", "seed", "floor")
            )
        except ValueError:
            errors["size"] = _(
                "Enter the sample size, the random seed and the minimum per stratum as whole numbers."
            )
        else:
            try:
                services.sample_draw(
                    year=year, size=size, seed=seed, floor=floor, user=request.user
                )
            except ValidationError as exc:
                errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
            else:
                messages.success(request, _("The sample is drawn."))
                return redirect("organisations:monitoring_sample", year=year)
    monitoring_year = MonitoringYear.objects.filter(year=year).first()
    allocation = [
        {**row, "kind_label": label(OrganisationKind, row["kind"])}
        for row in (monitoring_year.allocation if monitoring_year else [])
    ]
    sampled = (
        SampledOrganisation.objects.filter(
            monitoring_year=monitoring_year
        ).select_related("organisation__district", "assessment")
        if monitoring_year
        else []
    )
    return render(
        request,
        "organisations/monitoring/sample.html",
        {
            "year": year,
            "monitoring_year": monitoring_year,
            "allocation": allocation,
            "totals": {
                "population": sum(r["population"] for r in allocation),
                "sample": sum(r["sample"] for r in allocation),
            },
            "sampled": [
                {"sampled": s, "status": selectors.status_label(s)} for s in sampled
            ],
            "errors": errors,
            "posted": request.POST,
        },
        status=400 if errors else 200,
    )


def _sampled(request: HttpRequest, sampled_id: int) -> SampledOrganisation:
    try:
        return selectors.sampled_get_for_user(user=request.user, sampled_id=sampled_id)
    except SampledOrganisation.DoesNotExist as exc:
        raise Http404(_("No such sampled organisation.")) from exc


def _context(
    request: HttpRequest,
    sampled: SampledOrganisation,
    assessment: SelfAssessment | None,
    *,
    errors: dict[str, str] | None = None,
    posted=None,
) -> dict:
    user = request.user
    show = assessment is not None and selectors.evidence_visible(
        user=user, sampled=sampled
    )
    rows = []
    if show:
        for r in selectors.assessment_rows(assessment):
            ev = r.evidence
            rows.append(
                {
                    "row": r,
                    "item": r.item,
                    "evidence": ev,
                    "statement": posted.get(f"statement_{r.item.code}", "")
                    if posted is not None
                    else (ev.statement if ev else ""),
                    "number": posted.get(f"number_{r.item.code}", "")
                    if posted is not None
                    else (
                        f"{ev.number:f}".rstrip("0").rstrip(".")
                        if ev and ev.number is not None
                        else ""
                    ),
                    "computed": f"{ev.computed:.2f}"
                    if ev and ev.computed is not None
                    else "",
                    "error": (errors or {}).get(r.item.code, ""),
                }
            )
    status = assessment.status if assessment else AssessmentStatus.NOT_STARTED
    return {
        "sampled": sampled,
        "organisation": sampled.organisation,
        "assessment": assessment,
        "rows": rows,
        "show": show,
        "errors": errors or {},
        "status": status,
        "status_label": label(AssessmentStatus, status),
        "editable": selectors.may_fill(user=user, sampled=sampled),
        "can_review": selectors.may_review(user=user, assessment=assessment),
        "history": selectors.assessment_history(assessment) if assessment else [],
        "kind_label": label(OrganisationKind, sampled.organisation.kind),
    }


@login_required
@require_http_methods(["GET", "POST"])
def assessment(request: HttpRequest, sampled_id: int) -> HttpResponse:
    """Fill in (organisation users), review (district liaison and head) or read a self-assessment."""
    sampled = _sampled(request, sampled_id)
    member = selectors.is_member(user=request.user, organisation=sampled.organisation)
    current = SelfAssessment.objects.filter(sampled=sampled).first()
    if request.method == "GET":
        if current is None and member:
            try:
                current = services.assessment_ensure(sampled=sampled)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
        return render(
            request,
            "organisations/monitoring/assessment.html",
            _context(request, sampled, current),
        )
    if current is None:
        if not member:
            raise PermissionDenied(
                _("Only the organisation's own users fill in its self-assessment.")
            )
        current = services.assessment_ensure(sampled=sampled)
    action = request.POST.get("action", "")
    try:
        if action in ("save", "submit"):
            services.assessment_save(
                assessment=current,
                user=request.user,
                data=request.POST,
                files=request.FILES,
                submit=action == "submit",
            )
            messages.success(
                request,
                _("Submitted for the district's first review.")
                if action == "submit"
                else _("Draft saved."),
            )
        elif action in ("approve", "return"):
            services.assessment_review(
                assessment=current,
                user=request.user,
                approve=action == "approve",
                comment=request.POST.get("comment", ""),
            )
            messages.success(request, _("Review recorded."))
        else:
            raise ValidationError({"action": _("Unknown action.")})
    except ValidationError as exc:
        errors = (
            {k: " ".join(v) for k, v in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {"__all__": " ".join(exc.messages)}
        )
        messages.error(
            request, _("Nothing was saved: please correct the items marked below.")
        )
        current.refresh_from_db()
        return render(
            request,
            "organisations/monitoring/assessment.html",
            _context(
                request,
                sampled,
                current,
                errors=errors,
                posted=request.POST if action in ("save", "submit") else None,
            ),
            status=400,
        )
    return redirect("organisations:monitoring_assessment", sampled_id=sampled.pk)


@login_required
def evidence_file(request: HttpRequest, evidence_id: int) -> HttpResponse:
    """An evidence document, served only after the access check (never from /media/)."""
    try:
        row = selectors.evidence_file_get_for_user(
            user=request.user, evidence_id=evidence_id
        )
    except (ItemEvidence.DoesNotExist, SampledOrganisation.DoesNotExist) as exc:
        raise Http404 from exc
    return private_file_response(
        row.document, filename=row.document.name.rsplit("/", 1)[-1]
    )
