"""Pages of data in: the filing's XLSX template, its upload and the 3.1.1 member-unit lines."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from learning_platform.accounts.roles import Role
from learning_platform.accounts.selectors import user_roles
from learning_platform.downloads import download_response
from learning_platform.indicators import datain, selectors, services, xlsx
from learning_platform.indicators.models import Submission

PART_ROWS_BLANK = 3  # empty lines the form offers below the stored ones


def _submission(
    request: HttpRequest, code: str, year: int, *, create: bool
) -> Submission:
    # lazy: import cycle (learning_platform.indicators.views -> learning_platform.indicators.views_datain)
    from learning_platform.indicators.views import _district

    district = _district(request, code)
    submission = Submission.objects.filter(district=district, year=year).first()
    if (
        submission is None
        and create
        and Role.DISTRICT_STATISTICIAN in user_roles(user=request.user)
    ):
        try:
            submission = services.submission_ensure(district=district, year=year)
        except Exception as exc:  # no framework covers the year
            raise Http404(str(exc)) from exc
    if submission is None:
        raise Http404(_("No such filing."))
    return submission


def form_extra(request: HttpRequest, submission: Submission, *, editable: bool) -> dict:
    """What the form's data-in block needs (``indicators/_data_in.html``)."""
    if submission.pk is None:
        return {}
    lines = datain.value_parts(submission=submission)
    locked = set()
    if lines:
        locked.add("special_budget")
        if all(p.total_amount is not None for p in lines):
            locked.add("total_special_budget")
    return {
        "datain_lines": lines,
        "datain_blank_lines": range(len(lines), len(lines) + PART_ROWS_BLANK),
        "datain_locked": locked,
        "datain_template": selectors.values_visible(
            user=request.user, submission=submission
        ),
        "datain_editable": editable,
        "datain_limits": {
            "mb": xlsx.MAX_UPLOAD_BYTES // (1024 * 1024),
            "rows": xlsx.MAX_ROWS,
        },
    }


@login_required
@require_GET
def template_download(request: HttpRequest, code: str, year: int) -> HttpResponse:
    submission = _submission(request, code, year, create=True)
    if not selectors.values_visible(user=request.user, submission=submission):
        raise Http404
    return download_response(
        xlsx.template_build(submission=submission),
        filename=xlsx.template_filename(submission),
    )


def _refused(
    request, submission: Submission, problems: list[str], lines=None
) -> HttpResponse:
    # lazy: import cycle (learning_platform.indicators.views -> learning_platform.indicators.views_datain)
    from learning_platform.indicators.views import _form_context

    messages.error(
        request, _("Nothing was saved: please correct the fields marked below.")
    )
    context = _form_context(request, submission)
    context["datain_problems"] = problems
    if lines is not None:  # show what was typed, not the stored lines
        context["datain_lines"] = lines
        context["datain_blank_lines"] = range(len(lines), len(lines) + PART_ROWS_BLANK)
    return render(request, "indicators/form.html", context, status=400)


@login_required
@require_POST
def values_upload(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """Save a filled template as a draft; with any error, save nothing and name each one."""
    submission = _submission(request, code, year, create=True)
    upload = request.FILES.get("xlsx")
    try:
        datain.filing_editable_check(user=request.user, submission=submission)
        if upload is None:
            return _refused(
                request,
                submission,
                [_("Choose the filled-in template (.xlsx) to upload.")],
            )
        if upload.size > xlsx.MAX_UPLOAD_BYTES:
            return _refused(
                request,
                submission,
                [
                    _("The file is larger than %(mb)s MB.")
                    % {"mb": xlsx.MAX_UPLOAD_BYTES // (1024 * 1024)}
                ],
            )
        try:
            values, parts, problems = xlsx.workbook_read(
                upload.read(), submission=submission
            )
        except xlsx.NotAWorkbook as exc:
            return _refused(
                request, submission, [str(datain.Problem(upload.name[:80], str(exc)))]
            )
        result = datain.values_import(
            submission=submission,
            user=request.user,
            values=values,
            parts=parts,
            problems=problems,
            origin=_("Imported from the file %(name)s") % {"name": upload.name[:100]},
        )
    except datain.DataInRefused as exc:
        submission.refresh_from_db()
        return _refused(request, submission, [str(p) for p in exc.problems])
    except PermissionDenied:
        raise
    messages.success(
        request,
        _("%(n)s values imported from %(name)s and saved as a draft.")
        % {"n": len(result.saved), "name": upload.name[:100]},
    )
    return redirect("indicators:form", code=code, year=year)


@login_required
@require_POST
def member_units_save(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """Save 3.1.1's member-unit lines; their totals become the item's values."""
    submission = _submission(request, code, year, create=True)
    indexes = sorted(
        {
            int(k.split("_")[-1])
            for k in request.POST
            if k.startswith("mu_unit_") and k.split("_")[-1].isdigit()
        }
    )[: datain.MAX_PARTS + 1]
    lines = [
        datain.PartIn(
            unit_name=request.POST.get(f"mu_unit_{i}", ""),
            projects=request.POST.get(f"mu_projects_{i}", ""),
            amount=request.POST.get(f"mu_amount_{i}", ""),
            total_amount=request.POST.get(f"mu_total_{i}", ""),
            where=_("Member unit line %(n)s") % {"n": n},
        )
        for n, i in enumerate(indexes, start=1)
    ]
    try:
        datain.values_import(
            submission=submission,
            user=request.user,
            values=[],
            parts={"special_budget": lines},
            origin=_("Member-unit lines of 3.1.1 saved"),
        )
    except datain.DataInRefused as exc:
        submission.refresh_from_db()
        return _refused(
            request, submission, [str(p) for p in exc.problems], lines=lines
        )
    messages.success(request, _("Member-unit lines saved."))
    return redirect("indicators:form", code=code, year=year)
