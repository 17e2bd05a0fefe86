"""API of the district indicators (``/api/v1/indicators/``): reads, and a filing's values in (all or nothing)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext
from ninja import Field, Router, Schema, Status

from learning_platform.accounts.roles import Role
from learning_platform.accounts.selectors import user_roles
from learning_platform.errors import ApiError
from learning_platform.indicators import selectors, xlsx
from learning_platform.indicators.models import FrameworkVersion, ItemKind, Submission

router = Router(tags=["indicators"])


class VersionOut(Schema):
    year: int
    data_year: int
    title_zh: str
    indicators: int
    items: int


class ValueOut(Schema):
    code: str
    name_zh: str
    kind: str
    unit: str
    value: float | None
    text: str
    not_computable: str
    source: str
    se: float | None
    n: int | None
    suppressed: bool


class SubmissionOut(Schema):
    district_code: str
    district_name: str
    year: int
    framework_year: int
    status: str
    status_label: str
    values: list[ValueOut]


class OverviewRow(Schema):
    district_code: str
    district_name: str
    status: str


@router.get("/frameworks", response=list[VersionOut], url_name="indicators_frameworks",
            operation_id="indicators_frameworks")
def frameworks(request):
    return [VersionOut(year=v.year, data_year=v.data_year, title_zh=v.title_zh,
                       indicators=v.indicators.count(), items=v.items.count())
            for v in FrameworkVersion.objects.all()]


@router.get("/submissions/{district_code}/{year}", response=SubmissionOut,
            url_name="indicators_submission", operation_id="indicators_submission")
def submission(request, district_code: str, year: int):
    """A district's year: typed values once submitted, computed and platform-supplied items."""
    try:
        sub = selectors.submission_get_for_user(user=request.user, district_code=district_code, year=year)
    except Submission.DoesNotExist as exc:
        raise Http404("No such submission") from exc
    show = selectors.values_visible(user=request.user, submission=sub)
    rows = [r for r in selectors.submission_rows(sub) if show or r.item.kind == ItemKind.FED]
    return SubmissionOut(
        district_code=sub.district.code, district_name=sub.district.name_zh, year=sub.year,
        framework_year=sub.version.year, status=sub.status, status_label=str(sub.get_status_display()),
        values=[ValueOut(code=r.item.code, name_zh=r.item.name_zh, kind=r.item.kind, unit=r.item.unit,
                         value=float(r.value) if r.value is not None else None, text=r.text,
                         not_computable=r.reason if r.value is None else "", source=r.source,
                         se=r.se, n=r.n, suppressed=r.suppressed) for r in rows],
    )


@router.get("/overview/{year}", response=list[OverviewRow], url_name="indicators_overview",
            operation_id="indicators_overview")
def overview(request, year: int):
    if not selectors.is_city_user(request.user):
        raise PermissionDenied("Only the monitoring centre and administrators see the city overview.")
    return [OverviewRow(district_code=d.code, district_name=d.name_zh, status=s)
            for d, s in selectors.city_overview(year=year)]


# --- data in (values through the API, the XLSX template) -----------------------------


class ValueIn(Schema):
    code: str
    value: Any = Field(None, description="A number (or numeric text), text for text items, or null to clear.")
    note: str | None = Field(None, description="The item's note (e.g. names of units); null keeps the stored one.")


class MemberUnitIn(Schema):
    unit_name: str = Field(..., max_length=200)
    projects: str = Field(..., max_length=1000)
    amount: Any = Field(None, description="The unit's learning-city special budget (10,000 yuan).")
    total_amount: Any = Field(None, description="The unit's total special budget (10,000 yuan), optional.")


class ValuesIn(Schema):
    """The API's bodies are JSON objects: the values in ``values``, in any order."""

    values: list[ValueIn] = Field(..., max_length=1000)
    member_units: list[MemberUnitIn] | None = Field(
        None, max_length=1000,
        description="3.1.1 by member unit: replaces the stored lines; their totals become the item's values.")


class ValuesSaved(Schema):
    district_code: str
    year: int
    status: str
    status_label: str
    saved: list[str]


def _filing_for_entry(request, district_code: str, year: int) -> Submission:
    """The filing of a district the caller sees (404 otherwise); a statistician's is created."""
    from learning_platform.indicators import services

    district = selectors.district_get_for_user(user=request.user, code=district_code)
    sub = Submission.objects.filter(district=district, year=year).first()
    if sub is None:
        if Role.DISTRICT_STATISTICIAN not in user_roles(user=request.user):
            raise Http404("No such submission")
        try:
            sub = services.submission_ensure(district=district, year=year)
        except ValidationError as exc:
            raise Http404("No framework covers the year") from exc
    return sub


@router.post("/submissions/{district_code}/{year}/values", response={200: ValuesSaved},
             url_name="indicators_values_import", operation_id="indicators_values_import")
def values_import(request, district_code: str, year: int, body: ValuesIn):
    """Save values into the filing as a draft, all or nothing (same checks as the XLSX import).

    Only the district's statistician, while the filing is not yet submitted (409 after).
    Platform-supplied and computed items are refused by name.
    """
    from learning_platform.indicators import datain

    sub = _filing_for_entry(request, district_code, year)
    entries = [datain.ValueIn(code=v.code, value=v.value, note=v.note,
                              where=gettext("Entry %(n)s") % {"n": i + 1}, field=f"values.{i}.value",
                              where_code=gettext("Entry %(n)s") % {"n": i + 1})
               for i, v in enumerate(body.values)]
    parts = None
    if body.member_units is not None:
        parts = {"special_budget": [
            datain.PartIn(unit_name=u.unit_name, projects=u.projects, amount=u.amount, total_amount=u.total_amount,
                          where=gettext("Member unit line %(n)s") % {"n": i + 1}, field=f"member_units.{i}")
            for i, u in enumerate(body.member_units)]}
    try:
        result = datain.values_import(submission=sub, user=request.user, values=entries, parts=parts,
                                      origin=gettext("Saved through the API"))
    except datain.FilingNotEditable as exc:
        raise ApiError("not_editable", str(exc), status=409) from exc
    except datain.DataInRefused as exc:
        raise ApiError("invalid", gettext("Nothing was saved: %(n)s problems.") % {"n": len(exc.problems)},
                       status=422, errors=[{"field": p.field, "message": str(p)} for p in exc.problems]) from exc
    sub = result.submission
    return Status(200, ValuesSaved(district_code=sub.district.code, year=sub.year, status=sub.status,
                                   status_label=str(sub.get_status_display()), saved=result.saved))


@router.get("/submissions/{district_code}/{year}/template.xlsx", url_name="indicators_template",
            operation_id="indicators_template",
            openapi_extra={"responses": {200: {"description": "The filing's XLSX template.",
                                               "content": {xlsx.CONTENT_TYPE: {}}}}})
def template(request, district_code: str, year: int):
    """The year's XLSX template with the filing's current values (who may read them)."""
    sub = _filing_for_entry(request, district_code, year)
    if not selectors.values_visible(user=request.user, submission=sub):
        raise Http404("No such submission")
    response = HttpResponse(xlsx.template_build(submission=sub), content_type=xlsx.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{xlsx.template_filename(sub)}"'
    return response
