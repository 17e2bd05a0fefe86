"""Pages of the indicators app; each calls a selector or a service."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from learning_platform.accounts.roles import Role
from learning_platform.accounts.selectors import user_roles
from learning_platform.districts.models import District
from learning_platform.downloads import download_response
from learning_platform.errors import get_or_404
from learning_platform.indicators import (
    field_selectors,
    monitoring,
    selectors,
    services,
)
from learning_platform.indicators.models import (
    Document,
    DocumentType,
    ItemKind,
    Status,
    Submission,
)
from learning_platform.indicators.point_values import point_context
from learning_platform.indicators.views_datain import form_extra
from learning_platform.private_files import private_file_response
from learning_platform.security.spreadsheet import xlsx_safe_row


def _default_year() -> int:
    version = selectors.framework_latest()
    if version is None:
        raise Http404("No framework loaded")
    return version.data_year


def _district(request: HttpRequest, code: str) -> District:
    try:
        return selectors.district_get_for_user(user=request.user, code=code)
    except District.DoesNotExist as exc:
        raise Http404(_("No such district.")) from exc


@login_required
def index(request: HttpRequest) -> HttpResponse:
    if selectors.is_city_user(request.user):
        return redirect("indicators:overview", year=_default_year())
    districts = list(selectors.districts_visible_to(user=request.user))
    if not districts:
        raise PermissionDenied(
            _("Only district staff and researchers use the indicators.")
        )
    year = _default_year()
    subs = {
        (s.district_id, s.year): s
        for s in selectors.submissions_visible_to(user=request.user)
    }
    years = sorted({year} | {y for _d, y in subs}, reverse=True)
    windows = {y: monitoring.window_state(year=y) for y in years}
    rows = [
        (d, y, subs.get((d.pk, y)), _reminder(windows[y], subs.get((d.pk, y))))
        for d in districts
        for y in years
    ]
    return render(
        request,
        "indicators/index.html",
        {
            "rows": rows,
            "roles": user_roles(user=request.user),
            "field_reports": field_selectors.sub_reports_for_district_user(
                user=request.user
            ),
        },
    )


def _reminder(state: monitoring.WindowState, sub: Submission | None) -> dict:
    submitted = sub is not None and sub.status in monitoring.SUBMITTED
    overdue = state.state == "closed" and not submitted
    return {
        "text": monitoring.window_message(state, submitted=submitted),
        "overdue": overdue,
    }


def _form_context(request, submission: Submission, *, check=None, posted=None) -> dict:
    roles = set(user_roles(user=request.user))
    is_statistician = (
        Role.DISTRICT_STATISTICIAN in roles
        and request.user.district_id == submission.district_id
    )
    editable = is_statistician and submission.status in (
        Status.NOT_STARTED,
        Status.DRAFT,
    )
    show_values = selectors.values_visible(user=request.user, submission=submission)
    rows = selectors.submission_rows(submission) if show_values else []
    if not show_values:
        rows = [
            r
            for r in selectors.submission_rows(submission)
            if r.item.kind == ItemKind.FED
        ]
    prefill = services.base_figures_prefill(submission=submission) if editable else {}
    if posted is not None:
        entered = {k[2:]: v for k, v in posted.items() if k.startswith("v_")}
        details = {k[2:]: v for k, v in posted.items() if k.startswith("d_")}
        confirmed = {k[2:] for k in posted if k.startswith("c_")}
    else:
        entered, details, confirmed = {}, {}, set()
        for r in rows:
            if r.item.kind in (ItemKind.BASE, ItemKind.INPUT):
                if r.text:
                    entered[r.item.code] = r.text
                elif r.value is not None:
                    entered[r.item.code] = services.plain(r.value)
                details[r.item.code] = r.detail
                if r.confirmed:
                    confirmed.add(r.item.code)
        for code, value in prefill.items():
            entered.setdefault(code, value)
    if editable and check is None and entered:
        # flag stored values far from last year's on every load, not only right after a post
        stored = {f"v_{k}": v for k, v in entered.items()}
        stored.update({f"c_{k}": "1" for k in confirmed})
        check = services.entry_check(submission=submission, data=stored)
        check.errors = {}
    owner_role = {
        Status.FIRST_REVIEW: Role.DISTRICT_LIAISON,
        Status.SECOND_REVIEW: Role.DISTRICT_HEAD,
        Status.LETTER: Role.DISTRICT_HEAD,
    }.get(submission.status)
    can_review = (
        owner_role is not None
        and owner_role in roles
        and request.user.district_id == submission.district_id
    )
    view_rows = [
        {
            "row": r,
            "entered": entered.get(r.item.code, ""),
            "detail": details.get(r.item.code, ""),
            "confirmed": r.item.code in confirmed,
            "error": (check.errors.get(r.item.code) if check else ""),
            "warning": (check.warnings.get(r.item.code) if check else ""),
            "kind": r.item.kind,
            "source_text": selectors.source_text(r.source)
            if r.item.kind == ItemKind.FED
            else "",
            "interval": selectors.fed_interval(r)
            if r.item.kind == ItemKind.FED
            else None,
        }
        for r in rows
    ]
    target_results = (
        [
            {
                "status": r.status,
                "code": r.target.code,
                "text": monitoring.result_message(r),
            }
            for r in monitoring.submission_target_results(submission)
        ]
        if show_values
        else []
    )

    return {
        **form_extra(request, submission, editable=editable),
        "target_results": target_results,
        "window_text": monitoring.window_message(
            monitoring.window_state(year=submission.year),
            submitted=submission.status in monitoring.SUBMITTED,
        ),
        "submission": submission,
        "rows": view_rows,
        "editable": editable,
        "show_values": show_values,
        "can_review": can_review,
        "status": submission.status,
        "Status": Status,
        "events": selectors.submission_events(submission),
        "check": check,
        "base_rows": [v for v in view_rows if v["kind"] == ItemKind.BASE],
        "item_rows": [v for v in view_rows if v["kind"] != ItemKind.BASE],
        "point_values": point_context(submission) if submission.pk else [],
    }


@login_required
@require_http_methods(["GET", "POST"])
def submission_form(request: HttpRequest, code: str, year: int) -> HttpResponse:
    district = _district(request, code)
    if request.method == "GET":
        submission = selectors.submission_of_district(district=district, year=year)
        if submission is None:
            try:
                submission = Submission(
                    district=district,
                    year=year,
                    version=services.framework_for_year(year=year),
                )
            except ValidationError as exc:
                raise Http404(str(exc)) from exc
            if Role.DISTRICT_STATISTICIAN in user_roles(user=request.user):
                submission = services.submission_ensure(district=district, year=year)
            else:
                return render(
                    request,
                    "indicators/form.html",
                    {
                        "submission": submission,
                        "rows": [],
                        "status": Status.NOT_STARTED,
                        "Status": Status,
                        "events": [],
                    },
                )
        return render(
            request, "indicators/form.html", _form_context(request, submission)
        )
    submission = services.submission_ensure(district=district, year=year)
    action = request.POST.get("action", "")
    try:
        if action in ("save", "submit"):
            check = services.entry_save(
                submission=submission,
                user=request.user,
                data=request.POST,
                submit=action == "submit",
            )
            if check.errors or (action == "submit" and check.unconfirmed):
                submission.refresh_from_db()
                if check.errors:
                    messages.error(
                        request,
                        _("Nothing was saved: please correct the fields marked below."),
                    )
                else:
                    messages.warning(
                        request,
                        _(
                            "Not submitted: confirm the values marked as unusual, or correct them."
                        ),
                    )
                context = _form_context(
                    request, submission, check=check, posted=request.POST
                )
                return render(request, "indicators/form.html", context, status=400)
            messages.success(
                request,
                _("Submitted for first review.")
                if action == "submit"
                else _("Draft saved."),
            )
        elif action in ("approve", "return"):
            services.review_decide(
                submission=submission,
                user=request.user,
                approve=action == "approve",
                comment=request.POST.get("comment", ""),
            )
            messages.success(request, _("Review recorded."))
        elif action == "letter":
            upload = request.FILES.get("letter")
            if upload is None:
                raise ValidationError({"letter": _("Choose the scanned letter (PDF).")})
            services.confirmation_letter_upload(
                submission=submission,
                user=request.user,
                upload=upload,
                comment=request.POST.get("comment", ""),
            )
            messages.success(
                request, _("Confirmation letter uploaded; the review is complete.")
            )
        else:
            raise ValidationError({"action": _("Unknown action.")})
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        submission.refresh_from_db()
        return render(
            request,
            "indicators/form.html",
            _form_context(request, submission),
            status=400,
        )
    return redirect("indicators:form", code=code, year=year)


@login_required
def letter_pdf(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The confirmation letter to print, sign, stamp and scan (复审-确认函)."""
    district = _district(request, code)
    submission = selectors.submission_of_district(district=district, year=year)
    if submission is None or submission.status not in (Status.LETTER, Status.DONE):
        raise Http404(_("The letter is ready once the second review has passed."))
    rows = [
        r
        for r in selectors.submission_rows(submission)
        if r.item.kind != ItemKind.BASE or True
    ]
    html = render_to_string(
        "indicators/letter.html",
        {
            "submission": submission,
            "rows": rows,
            "events": selectors.submission_events(submission),
        },
    )
    from weasyprint import HTML

    pdf = HTML(string=html).write_pdf()
    return download_response(pdf, filename=f"confirmation-{code}-{year}.pdf")


@login_required
def signed_letter(request: HttpRequest, code: str, year: int) -> HttpResponse:
    district = _district(request, code)
    submission = selectors.submission_of_district(district=district, year=year)
    if submission is None or not submission.confirmation_letter:
        raise Http404
    return private_file_response(
        submission.confirmation_letter, filename=f"signed-{code}-{year}.pdf"
    )


@login_required
def overview(request: HttpRequest, year: int) -> HttpResponse:
    if not selectors.is_city_user(request.user):
        raise Http404
    missed = monitoring.missed_targets_by_district(year=year)
    rows = [
        (d, st, [monitoring.result_message(r) for r in missed.get(d.pk, [])])
        for d, st in selectors.city_overview(year=year)
    ]
    counts = {s: sum(1 for _d, st, _m in rows if st == s) for s in Status.values}
    state = monitoring.window_state(year=year)
    return render(
        request,
        "indicators/overview.html",
        {
            "rows": rows,
            "year": year,
            "window": state.window,
            "window_text": monitoring.window_message(state),
            "late": monitoring.late_filings(year=year),
            "Status": Status,
            "counts": [(Status(s).label, n) for s, n in counts.items()],
            "years": sorted(selectors.framework_years() | {year}),
        },
    )


@login_required
@require_POST
def credit_bank_feed(request: HttpRequest, year: int) -> HttpResponse:
    if not selectors.is_city_user(request.user):
        raise Http404
    n = services.credit_bank_accounts_feed(user=request.user, year=year)
    messages.success(
        request, _("Credit-bank account counts filled for %(n)s districts.") % {"n": n}
    )
    return redirect("indicators:overview", year=year)


@login_required
def compare(request: HttpRequest) -> HttpResponse:
    years = [int(y) for y in request.GET.getlist("year") if y.isdigit()]
    codes = [c for c in request.GET.getlist("item") if c]
    table = selectors.comparison(
        user=request.user, codes=codes or None, years=years or None
    )
    if request.GET.get("format") == "xlsx":
        return _compare_xlsx(table)
    choices = selectors.comparison_item_choices()
    all_years = selectors.submission_years_visible_to(user=request.user)
    return render(
        request,
        "indicators/compare.html",
        {
            "table": table,
            "years": years,
            "codes": codes,
            "choices": choices,
            "all_years": all_years,
        },
    )


def _compare_xlsx(table: dict) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "指标比较"
    sheet.append(
        xlsx_safe_row(
            sheet,
            ["数据项", "单位"] + [f"{d.name_zh} {y}" for d, y in table["columns"]],
        )
    )
    for item, cells in table["rows"]:
        sheet.append(
            xlsx_safe_row(
                sheet,
                [item.name_zh, item.unit]
                + [float(v) if v is not None else (r or "") for v, r in cells],
            )
        )
    out = io.BytesIO()
    book.save(out)
    return download_response(out.getvalue(), filename="indicator-comparison.xlsx")


# --- documents ---------------------------------------------------------------------


@login_required
def documents(request: HttpRequest, code: str) -> HttpResponse:
    district = _district(request, code)
    doc_type = request.GET.get("type")
    docs = selectors.documents_of_district(
        user=request.user,
        district=district,
        doc_type=doc_type if doc_type in DocumentType.values else None,
    )
    return render(
        request,
        "indicators/documents.html",
        {
            "district": district,
            "documents": docs,
            "types": DocumentType.choices,
            "current": doc_type,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_edit(
    request: HttpRequest, code: str, doc_id: int | None = None
) -> HttpResponse:
    district = _district(request, code)
    document = None
    if doc_id is not None:
        document = get_or_404(
            selectors.document_for,
            user=request.user,
            district=district,
            doc_id=doc_id,
        )
    doc_type = (
        document.doc_type
        if document
        else request.GET.get("type", request.POST.get("doc_type"))
    )
    if doc_type not in DocumentType.values:
        doc_type = DocumentType.WORK_FILE
    errors: dict = {}
    values = request.POST if request.method == "POST" else _document_initial(document)
    if request.method == "POST":
        try:
            related_ids = [
                int(x) for x in request.POST.getlist("related") if x.isdigit()
            ]
            document = services.document_save(
                user=request.user,
                district=district,
                fields={**request.POST.dict(), "doc_type": doc_type},
                main_file=request.FILES.get("file"),
                secondary_files=request.FILES.getlist("secondary_files"),
                related_ids=related_ids,
                document=document,
            )
            messages.success(request, _("Document saved."))
            return redirect("indicators:documents", code=code)
        except ValidationError as exc:
            errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
    l1, l2, others = selectors.document_form_choices(
        district=district, document=document
    )
    return render(
        request,
        "indicators/document_form.html",
        {
            "district": district,
            "document": document,
            "doc_type": doc_type,
            "doc_type_label": DocumentType(doc_type).label,
            "fields": services.DOCUMENT_FIELDS[DocumentType(doc_type)],
            "values": values,
            "errors": errors,
            "l1": l1,
            "l2": l2,
            "others": others,
            "related_selected": [
                str(x)
                for x in (
                    request.POST.getlist("related")
                    if request.method == "POST"
                    else ([d.pk for d in document.related.all()] if document else [])
                )
            ],
        },
        status=400 if errors else 200,
    )


def _document_initial(document: Document | None) -> dict:
    if document is None:
        return {}
    return {
        "title": document.title,
        "year": document.year,
        "occurred_on": document.occurred_on.isoformat(),
        "ended_on": document.ended_on.isoformat() if document.ended_on else "",
        "summary": document.summary,
        "category": document.category,
        "agenda": document.agenda,
        "minutes": document.minutes,
        "indicator_l1": str(document.indicator_l1_id),
        "indicator_l2": str(document.indicator_l2_id),
        "tags": " ".join(document.tags),
    }


@login_required
def document_file(request: HttpRequest, file_id: int) -> HttpResponse:
    row = get_or_404(selectors.document_file_for, user=request.user, file_id=file_id)
    return private_file_response(row.file, filename=row.original_name)
