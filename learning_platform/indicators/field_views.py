"""Pages of field monitoring (``/indicators/field/…``); each calls a field selector or service."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from learning_platform.districts.models import District
from learning_platform.downloads import download_response
from learning_platform.indicators import field_selectors as fsel
from learning_platform.indicators import field_services as fsvc
from learning_platform.indicators import selectors
from learning_platform.indicators.field_models import (
    FieldDistrict,
    FieldPanelMember,
    FieldSite,
    FieldYear,
    SiteType,
)


def _errors(exc: ValidationError) -> dict[str, str]:
    if hasattr(exc, "error_dict"):
        return {k: " ".join(v) for k, v in exc.message_dict.items()}
    return {"__all__": " ".join(exc.messages)}


@login_required
def field_index(request: HttpRequest) -> HttpResponse:
    """Everyone's entry to field monitoring: the centre's years, an expert's panels, a district's sites."""
    user = request.user
    city = fsel.is_city(user)
    memberships = list(fsel.panel_memberships(user=user))
    districts = [] if city else list(selectors.districts_visible_to(user=user))
    if not (city or memberships or districts):
        raise Http404
    rated = [
        (m, list(m.field_year.districts.select_related("district")))
        for m in memberships
    ]
    return render(
        request,
        "indicators/field/index.html",
        {
            "city": city,
            "years": FieldYear.objects.all() if city else [],
            "rated": rated,
            "districts": districts,
            "reports": fsel.sub_reports_for_district_user(user=user),
            "next_year": timezone.now().year,
            "all_districts": District.objects.all() if city else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def field_sites(request: HttpRequest, code: str) -> HttpResponse:
    try:
        district = selectors.district_get_for_user(user=request.user, code=code)
    except District.DoesNotExist as exc:
        raise Http404 from exc
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "withdraw":
                site = FieldSite.objects.filter(
                    district=district, pk=request.POST.get("site") or 0
                ).first()
                if site is None:
                    raise Http404
                fsvc.field_site_withdraw(user=request.user, site=site)
                messages.success(
                    request, _("The site is no longer offered for the draw.")
                )
            else:
                fsvc.field_site_add(
                    user=request.user,
                    district=district,
                    name=request.POST.get("name", ""),
                    site_type=request.POST.get("site_type", ""),
                    address=request.POST.get("address", ""),
                )
                messages.success(request, _("Site added."))
            return redirect("indicators:field_sites", code=code)
        except ValidationError as exc:
            errors = _errors(exc)
        except PermissionDenied as exc:
            raise Http404 from exc
    editable = fsvc.district_sites_editable(request.user, district)
    return render(
        request,
        "indicators/field/sites.html",
        {
            "district": district,
            "sites": fsel.sites_of(district=district),
            "types": SiteType.choices,
            "errors": errors,
            "values": request.POST if errors else {},
            "editable": editable,
            "min_sites": fsvc.MIN_SITES,
        },
        status=400 if errors else 200,
    )


def _year_context(field_year: FieldYear | None, year: int) -> dict:
    districts = (
        list(field_year.districts.select_related("district")) if field_year else []
    )
    return {
        "field_year": field_year,
        "year": year,
        "districts": districts,
        "site_rows": fsel.site_rows(field_year=field_year) if field_year else [],
        "panel": list(field_year.panel.select_related("user")) if field_year else [],
        "started": fsvc.field_year_has_started(field_year) if field_year else False,
        "frame": fsvc.draw_frame(),
        "delivery": fsvc.satisfaction_backend() is not None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def field_year(request: HttpRequest, year: int) -> HttpResponse:
    """The centre's page of one year: draw, visits, questionnaire campaign and panel."""
    if not fsel.is_city(request.user):
        raise Http404
    field_year = FieldYear.objects.filter(year=year).first()
    errors: dict[str, str] = {}
    codes: list = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "draw":
                raw_seed = (request.POST.get("seed") or "").strip()
                if raw_seed and not raw_seed.isdigit():
                    raise ValidationError(
                        {
                            "seed": _(
                                "The seed must be a whole number, or empty for a new one."
                            )
                        }
                    )
                raw_k = request.POST.get("sites_per_district") or "3"
                field_year = fsvc.field_year_draw(
                    user=request.user,
                    year=year,
                    seed=int(raw_seed) if raw_seed else None,
                    sites_per_district=int(raw_k) if raw_k.isdigit() else 0,
                )
                messages.success(
                    request,
                    _("The districts and sites were drawn with seed %(seed)s.")
                    % {"seed": field_year.seed},
                )
            elif field_year is None:
                raise ValidationError({"year": _("Draw the districts first.")})
            elif action == "start":
                fsvc.field_year_start_visits(user=request.user, field_year=field_year)
                messages.success(request, _("Visits started: the draw is now fixed."))
            elif action == "campaign":
                raw = request.POST.get("per_site") or "30"
                codes = fsvc.field_satisfaction_campaign_create(
                    user=request.user,
                    field_year=field_year,
                    per_site=int(raw) if raw.isdigit() else 0,
                )
                messages.success(
                    request,
                    _(
                        "The satisfaction campaign is open. Hand the codes below to the "
                        "survey team now: they are shown only once."
                    ),
                )
            elif action == "panel":
                member_user = (
                    get_user_model()
                    .objects.filter(
                        username=(request.POST.get("username") or "").strip()
                    )
                    .first()
                )
                fsvc.field_panel_member_add(
                    user=request.user,
                    field_year=field_year,
                    name=request.POST.get("name", ""),
                    organisation=request.POST.get("organisation", ""),
                    member_user=member_user,
                    is_lead=bool(request.POST.get("is_lead")),
                )
                messages.success(request, _("Panel member added."))
            else:
                raise ValidationError({"action": _("Unknown action.")})
        except ValidationError as exc:
            errors = _errors(exc)
            for text in errors.values():
                messages.error(request, text)
        if not errors and not codes:
            return redirect("indicators:field_year", year=year)
        field_year = FieldYear.objects.filter(year=year).first()
    context = _year_context(field_year, year)
    context.update(
        {"errors": errors, "codes": codes, "values": request.POST if errors else {}}
    )
    return render(
        request, "indicators/field/year.html", context, status=400 if errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def field_rate(request: HttpRequest, year: int, code: str) -> HttpResponse:
    """An expert's own ratings and comments on every monitoring point of one sampled district."""
    try:
        member = fsel.member_get(user=request.user, year=year)
        field_district = fsel.field_district_for_member(member=member, code=code)
    except (FieldPanelMember.DoesNotExist, FieldDistrict.DoesNotExist) as exc:
        raise Http404 from exc
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            n = fsvc.field_ratings_save(
                member=member, field_district=field_district, data=request.POST
            )
            messages.success(
                request,
                _("Your ratings were saved (%(n)s monitoring points).") % {"n": n},
            )
            return redirect("indicators:field_rate", year=year, code=code)
        except ValidationError as exc:
            errors = _errors(exc)
            messages.error(
                request, _("Nothing was saved: please correct the points marked below.")
            )
    rows = fsel.rating_form_rows(
        member=member,
        field_district=field_district,
        posted=request.POST if errors else None,
    )
    keys = {row["key"] for row in rows}
    for row in rows:
        row["error"] = errors.get(row["key"], "")
    for key, text in errors.items():
        if key not in keys:
            messages.error(request, text)
    return render(
        request,
        "indicators/field/rate.html",
        {
            "member": member,
            "fd": field_district,
            "rows": rows,
            "scale": fsvc.RATING_SCALE,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _report_context(request, fd: FieldDistrict) -> dict:
    sub, filing = fsel.filing_rows(field_district=fd)
    return {
        "fd": fd,
        "city": fsel.is_city(request.user),
        "summary": fsel.panel_summary(field_district=fd),
        "satisfaction": fsel.satisfaction_result(field_district=fd),
        "submission": sub,
        "filing": filing,
        "sites": list(fd.sites.select_related("site")),
        "is_district": request.user.district_id == fd.district_id
        and not fsel.is_city(request.user),
    }


@login_required
@require_http_methods(["GET", "POST"])
def field_report(request: HttpRequest, year: int, code: str) -> HttpResponse:
    """A sampled district's sub-report: the centre writes and approves feedback, the district answers."""
    try:
        fd = fsel.sub_report_get_for_user(user=request.user, year=year, code=code)
    except FieldDistrict.DoesNotExist as exc:
        raise Http404 from exc
    errors: dict[str, str] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in ("feedback", "approve") and fsel.is_city(request.user):
                raw_date = (request.POST.get("visit_date") or "").strip()
                try:
                    visit = date.fromisoformat(raw_date) if raw_date else None
                except ValueError:
                    raise ValidationError(
                        {"visit_date": _("Enter the visit date as YYYY-MM-DD.")}
                    ) from None
                fsvc.field_feedback_save(
                    user=request.user,
                    field_district=fd,
                    text=request.POST.get("feedback", ""),
                    approve=action == "approve",
                    visit_date=visit,
                )
                messages.success(
                    request,
                    _("Feedback approved and released to the district.")
                    if action == "approve"
                    else _("Feedback saved."),
                )
            elif action == "acknowledge":
                fsvc.field_feedback_acknowledge(
                    user=request.user,
                    field_district=fd,
                    response=request.POST.get("response", ""),
                )
                messages.success(
                    request, _("Thank you: your acknowledgement was recorded.")
                )
            else:
                raise ValidationError({"action": _("Unknown action.")})
            return redirect("indicators:field_report", year=year, code=code)
        except ValidationError as exc:
            errors = _errors(exc)
            for text in errors.values():
                messages.error(request, text)
        except PermissionDenied as exc:
            raise Http404 from exc
    context = _report_context(request, fd)
    context["errors"] = errors
    return render(
        request, "indicators/field/report.html", context, status=400 if errors else 200
    )


@login_required
def field_report_pdf(request: HttpRequest, year: int, code: str) -> HttpResponse:
    try:
        fd = fsel.sub_report_get_for_user(user=request.user, year=year, code=code)
    except FieldDistrict.DoesNotExist as exc:
        raise Http404 from exc
    html = render_to_string(
        "indicators/field/report_pdf.html",
        _report_context(request, fd),
        request=request,
    )
    from weasyprint import HTML

    pdf = HTML(string=html).write_pdf()
    return download_response(pdf, filename=f"field-report-{code}-{year}.pdf")
