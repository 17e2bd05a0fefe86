"""Pages of the expert rating: the rater's queue and form, the researchers' assignment page
and the agreement report. Each calls a selector or a service."""

from __future__ import annotations

import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from learning_platform.organisations.models import (
    MonitoringYear,
    RaterAssignment,
    SelfAssessment,
)
from learning_platform.organisations.selectors import rating as sel
from learning_platform.organisations.services import rating as services
from learning_platform.private_files import private_file_response

STATE_LABELS = {
    sel.RatingState.NEEDS_RATERS: gettext_lazy("Needs raters"),
    sel.RatingState.RATING: gettext_lazy("Being rated"),
    sel.RatingState.NEEDS_THIRD: gettext_lazy("Needs a third rater"),
    sel.RatingState.THIRD_RATING: gettext_lazy("With the third rater"),
    sel.RatingState.DONE: gettext_lazy("Rated"),
}


def _year(year: int) -> MonitoringYear:
    try:
        return MonitoringYear.objects.get(year=year)
    except MonitoringYear.DoesNotExist as exc:
        raise Http404(_("No monitoring in that year.")) from exc


def _require_city(request: HttpRequest) -> None:
    if not sel.is_city_user(request.user):
        raise PermissionDenied(
            _("Only researchers of the monitoring centre see this page.")
        )


def _own_assignment(request: HttpRequest, assignment_id: int) -> RaterAssignment:
    try:
        return sel.assignment_get_for_rater(
            user=request.user, assignment_id=assignment_id
        )
    except RaterAssignment.DoesNotExist as exc:
        raise Http404(_("No such rating assignment.")) from exc


def _messages_of(exc: ValidationError) -> list[str]:
    return [m for m in exc.messages]


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The expert's own assignments, open ones first; researchers go to the assignment page."""
    if not sel.is_expert(request.user):
        if sel.is_city_user(request.user):
            year = MonitoringYear.objects.order_by("-year").first()
            if year is not None:
                return redirect("organisations:rating_assign", year=year.year)
        raise PermissionDenied(_("Only expert raters have a rating queue."))
    rows = []
    for assignment in sel.assignments_of_rater(user=request.user):
        rows.append(
            {
                "assignment": assignment,
                "items": len(sel.assignment_items(assignment=assignment)),
            }
        )
    return render(
        request,
        "organisations/rating/queue.html",
        {
            "open_rows": [r for r in rows if not r["assignment"].submitted_at],
            "done_rows": [r for r in rows if r["assignment"].submitted_at],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def form(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """Score each item of the round on its rubric; save a draft or submit."""
    assignment = _own_assignment(request, assignment_id)
    items = sel.assignment_items(assignment=assignment)
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    posted = None
    if request.method == "POST":
        posted = request.POST
        scores = {i.pk: posted.get(f"score_{i.pk}", "") for i in items}
        comments = {i.pk: posted.get(f"comment_{i.pk}", "") for i in items}
        submit = "submit" in posted
        try:
            services.ratings_save(
                assignment=assignment,
                user=request.user,
                scores=scores,
                comments=comments,
                submit=submit,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                errors = exc.message_dict
            else:
                general = _messages_of(exc)
        else:
            if submit:
                messages.success(request, _("Your scores are submitted. Thank you."))
                return redirect("organisations:rating_queue")
            messages.success(request, _("Draft saved."))
            return redirect("organisations:rating_form", assignment_id=assignment.pk)
    own = sel.own_ratings(assignment=assignment)
    evidence = sel.evidence_by_item(assessment=assignment.assessment)
    rows = []
    for item in items:
        rating = own.get(item.pk)
        rows.append(
            {
                "item": item,
                "evidence": evidence.get(item.pk),
                "score": posted.get(f"score_{item.pk}", "")
                if posted is not None
                else (rating.score if rating else ""),
                "comment": posted.get(f"comment_{item.pk}", "")
                if posted is not None
                else (rating.comment if rating else ""),
                "errors": errors.get(f"score_{item.pk}", []),
                "choices": range(item.max_score + 1),
            }
        )
    status = 400 if (errors or general) else 200
    return render(
        request,
        "organisations/rating/form.html",
        {
            "assignment": assignment,
            "rows": rows,
            "general_errors": general,
            "error_count": sum(len(v) for v in errors.values()) + len(general),
            "editable": assignment.submitted_at is None,
            "organisation": assignment.assessment.sampled.organisation,
            "year": assignment.assessment.sampled.monitoring_year.year,
        },
        status=status,
    )


@login_required
def evidence_file(
    request: HttpRequest, assignment_id: int, item_id: int
) -> HttpResponse:
    """The organisation's evidence document for an item, for the item's own rater only."""
    assignment = _own_assignment(request, assignment_id)
    if item_id not in {i.pk for i in sel.assignment_items(assignment=assignment)}:
        raise Http404(_("No such document."))
    evidence = sel.evidence_by_item(assessment=assignment.assessment).get(item_id)
    if evidence is None or not evidence.document:
        raise Http404(_("No such document."))
    return private_file_response(
        evidence.document, filename=evidence.document.name.rsplit("/", 1)[-1]
    )


@login_required
@require_http_methods(["GET", "POST"])
def assign(request: HttpRequest, year: int) -> HttpResponse:
    """Researchers: assign two raters to each submission, randomly (with a seed) or by hand."""
    _require_city(request)
    monitoring_year = _year(year)
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "random":
                raw = request.POST.get("seed", "").strip()
                if not raw.isdigit():
                    raise ValidationError(
                        _("The random seed must be a whole number of at least 0.")
                    )
                made = services.raters_assign_randomly(
                    monitoring_year=monitoring_year, seed=int(raw), actor=request.user
                )
                messages.success(
                    request, _("%(n)s assignments made.") % {"n": len(made)}
                )
                return redirect("organisations:rating_assign", year=year)
            if action == "manual":
                assessment = sel.assessment_get_for_city(
                    user=request.user,
                    assessment_id=int(request.POST.get("assessment", "0") or 0),
                )
                if assessment.sampled.monitoring_year_id != monitoring_year.pk:
                    raise SelfAssessment.DoesNotExist
                rater = (
                    sel.expert_pool()
                    .filter(pk=int(request.POST.get("rater", "0") or 0))
                    .first()
                )
                if rater is None:
                    raise ValidationError(_("Choose an expert rater."))
                number = int(request.POST.get("round", "0") or 0)
                services.rater_assign(
                    assessment=assessment, rater=rater, round=number, actor=request.user
                )
                messages.success(request, _("Rater assigned."))
                return redirect("organisations:rating_assign", year=year)
            errors.append(_("Unknown action."))
        except (ValueError, SelfAssessment.DoesNotExist):
            errors.append(_("The submission, rater or round chosen is not valid."))
        except ValidationError as exc:
            errors.extend(_messages_of(exc))
    rows = []
    for assessment in sel.assessments_to_rate(monitoring_year=monitoring_year):
        state = sel.rating_state(assessment=assessment)
        raters = {a.round: a for a in assessment.raters.all()}
        rows.append(
            {
                "assessment": assessment,
                "state": state,
                "state_label": STATE_LABELS[state],
                "rounds": [(n, raters.get(n)) for n in (1, 2, sel.THIRD_ROUND)],
                "disputed": len(sel.disputed_item_ids(assessment=assessment)),
            }
        )
    loads = sel.rater_loads(monitoring_year=monitoring_year)
    pool = [{"user": u, "load": loads.get(u.pk, 0)} for u in sel.expert_pool()]
    return render(
        request,
        "organisations/rating/assign.html",
        {
            "monitoring_year": monitoring_year,
            "rows": rows,
            "pool": pool,
            "errors": errors,
            "years": sel.years_with_assessments(),
        },
        status=400 if errors else 200,
    )


def _percent(value: float | None) -> str:
    return "—" if value is None or math.isnan(value) else f"{100 * value:.1f}"


def _kappa(value: float | None) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.3f}"


@login_required
def agreement(request: HttpRequest, year: int) -> HttpResponse:
    """Researchers: quadratic weighted kappa, exact agreement and third-rater counts per set."""
    _require_city(request)
    monitoring_year = _year(year)
    rows = []
    for row in sel.agreement_report(monitoring_year=monitoring_year):
        result = row.agreement
        rows.append(
            {
                "set": row.indicator_set,
                "n": row.n,
                "submissions": row.submissions,
                "kappa": _kappa(result.kappa_quadratic if result else None),
                "exact": _percent(result.exact if result else None),
                "undefined": bool(result and result.undefined_reason),
                "error": row.error,
                "max_score": row.max_score,
                "third_items": row.to_third_items,
                "third_submissions": row.to_third_submissions,
            }
        )
    return render(
        request,
        "organisations/rating/agreement.html",
        {
            "monitoring_year": monitoring_year,
            "rows": rows,
            "years": sel.years_with_assessments(),
            "threshold": monitoring_year.disagreement_threshold,
        },
    )
