"""API of the district indicators (``/api/v1/indicators/``): reads, and a filing's values in (all or nothing)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext
from ninja import Router, Status

from learning_platform.accounts.roles import Role
from learning_platform.accounts.selectors import user_roles
from learning_platform.downloads import download_response
from learning_platform.errors import ApiError
from learning_platform.indicators import (
    datain,
    field_selectors,
    field_services,
    selectors,
    services,
    xlsx,
)
from learning_platform.indicators.field_models import (
    FieldDistrict,
    FieldPanelMember,
    FieldYear,
)
from learning_platform.indicators.models import ItemKind, Submission
from learning_platform.indicators.schemas import (
    FieldDistrictOut,
    FieldRatingOut,
    FieldRatingsIn,
    FieldReportOut,
    FieldSiteOut,
    FieldSummaryOut,
    FieldYearOut,
    OverviewRow,
    SubmissionOut,
    ValueOut,
    ValuesIn,
    ValuesSaved,
    VersionOut,
)

router = Router(tags=["indicators"])


@router.get(
    "/frameworks",
    response=list[VersionOut],
    url_name="indicators_frameworks",
    operation_id="indicators_frameworks",
)
def frameworks(request):
    return [
        VersionOut(
            year=v.year,
            data_year=v.data_year,
            title_zh=v.title_zh,
            indicators=v.indicators,
            items=v.items,
        )
        for v in selectors.framework_versions()
    ]


@router.get(
    "/submissions/{district_code}/{year}",
    response=SubmissionOut,
    url_name="indicators_submission",
    operation_id="indicators_submission",
)
def submission(request, district_code: str, year: int):
    """A district's year: typed values once submitted, computed and platform-supplied items."""
    try:
        sub = selectors.submission_get_for_user(
            user=request.user, district_code=district_code, year=year
        )
    except Submission.DoesNotExist as exc:
        raise Http404("No such submission") from exc
    show = selectors.values_visible(user=request.user, submission=sub)
    rows = [
        r for r in selectors.submission_rows(sub) if show or r.item.kind == ItemKind.FED
    ]
    return SubmissionOut(
        district_code=sub.district.code,
        district_name=sub.district.name_zh,
        year=sub.year,
        framework_year=sub.version.year,
        status=sub.status,
        status_label=str(sub.get_status_display()),
        values=[
            ValueOut(
                code=r.item.code,
                name_zh=r.item.name_zh,
                kind=r.item.kind,
                unit=r.item.unit,
                value=float(r.value) if r.value is not None else None,
                text=r.text,
                not_computable=r.reason if r.value is None else "",
                source=r.source,
                se=r.se,
                n=r.n,
                suppressed=r.suppressed,
            )
            for r in rows
        ],
    )


@router.get(
    "/overview/{year}",
    response=list[OverviewRow],
    url_name="indicators_overview",
    operation_id="indicators_overview",
)
def overview(request, year: int):
    if not selectors.is_city_user(request.user):
        raise PermissionDenied(
            "Only the monitoring centre and administrators see the city overview."
        )
    return [
        OverviewRow(district_code=d.code, district_name=d.name_zh, status=s)
        for d, s in selectors.city_overview(year=year)
    ]


# --- data in (values through the API, the XLSX template) -----------------------------


def _filing_for_entry(request, district_code: str, year: int) -> Submission:
    """The filing of a district the caller sees (404 otherwise); a statistician's is created."""

    district = selectors.district_get_for_user(user=request.user, code=district_code)
    sub = selectors.submission_of_district(district=district, year=year)
    if sub is None:
        if Role.DISTRICT_STATISTICIAN not in user_roles(user=request.user):
            raise Http404("No such submission")
        try:
            sub = services.submission_ensure(district=district, year=year)
        except ValidationError as exc:
            raise Http404("No framework covers the year") from exc
    return sub


@router.post(
    "/submissions/{district_code}/{year}/values",
    response={200: ValuesSaved},
    url_name="indicators_values_import",
    operation_id="indicators_values_import",
)
def values_import(request, district_code: str, year: int, body: ValuesIn):
    """Save values into the filing as a draft, all or nothing (same checks as the XLSX import).

    Only the district's statistician, while the filing is not yet submitted (409 after).
    Platform-supplied and computed items are refused by name.
    """

    sub = _filing_for_entry(request, district_code, year)
    entries = [
        datain.ValueIn(
            code=v.code,
            value=v.value,
            note=v.note,
            where=gettext("Entry %(n)s") % {"n": i + 1},
            field=f"values.{i}.value",
            where_code=gettext("Entry %(n)s") % {"n": i + 1},
        )
        for i, v in enumerate(body.values)
    ]
    parts = None
    if body.member_units is not None:
        parts = {
            "special_budget": [
                datain.PartIn(
                    unit_name=u.unit_name,
                    projects=u.projects,
                    amount=u.amount,
                    total_amount=u.total_amount,
                    where=gettext("Member unit line %(n)s") % {"n": i + 1},
                    field=f"member_units.{i}",
                )
                for i, u in enumerate(body.member_units)
            ]
        }
    try:
        result = datain.values_import(
            submission=sub,
            user=request.user,
            values=entries,
            parts=parts,
            origin=gettext("Saved through the API"),
        )
    except datain.FilingNotEditable as exc:
        raise ApiError("not_editable", str(exc), status=409) from exc
    except datain.DataInRefused as exc:
        raise ApiError(
            "invalid",
            gettext("Nothing was saved: %(n)s problems.") % {"n": len(exc.problems)},
            status=422,
            errors=[{"field": p.field, "message": str(p)} for p in exc.problems],
        ) from exc
    sub = result.submission
    return Status(
        200,
        ValuesSaved(
            district_code=sub.district.code,
            year=sub.year,
            status=sub.status,
            status_label=str(sub.get_status_display()),
            saved=result.saved,
        ),
    )


@router.get(
    "/submissions/{district_code}/{year}/template.xlsx",
    url_name="indicators_template",
    operation_id="indicators_template",
    openapi_extra={
        "responses": {
            200: {
                "description": "The filing's XLSX template.",
                "content": {xlsx.CONTENT_TYPE: {}},
            }
        }
    },
)
def template(request, district_code: str, year: int):
    """The year's XLSX template with the filing's current values (who may read them)."""
    sub = _filing_for_entry(request, district_code, year)
    if not selectors.values_visible(user=request.user, submission=sub):
        raise Http404("No such submission")
    return download_response(
        xlsx.template_build(submission=sub), filename=xlsx.template_filename(sub)
    )


# --- field monitoring (seed 001, attachment 4) ---------------------------------------------


def _field_year_out(fy) -> FieldYearOut:
    return FieldYearOut(
        year=fy.year,
        seed=fy.seed,
        drawn_by=fy.drawn_by.get_username() if fy.drawn_by else "",
        drawn_at=fy.drawn_at.isoformat() if fy.drawn_at else None,
        visits_started=bool(fy.visits_started_at),
        campaign_id=fy.campaign_id,
        districts=[
            FieldDistrictOut(
                district_code=fd.district.code,
                district_name=fd.district.name_zh,
                selection_probability=fd.selection_probability,
                feedback_released=fd.feedback_approved_at is not None,
                sites=[
                    FieldSiteOut(
                        name=s.site.name,
                        site_type=s.site.site_type,
                        site_type_label=str(s.site.get_site_type_display()),
                        selection_probability=s.selection_probability,
                        weight=s.weight,
                    )
                    for s in fd.sites.select_related("site")
                ],
            )
            for fd in fy.districts.select_related("district")
        ],
    )


@router.get(
    "/field/{year}",
    response=FieldYearOut,
    url_name="indicators_field_year",
    operation_id="indicators_field_year",
)
def field_year(request, year: int):
    """The year's draw (seed, who, when) with the sampled districts, sites and weights; the centre only."""

    try:
        fy = field_selectors.field_year_get_for_city(user=request.user, year=year)
    except FieldYear.DoesNotExist as exc:
        raise Http404("No such field year") from exc
    return _field_year_out(fy)


@router.get(
    "/field/{year}/ratings/{district_code}",
    response=list[FieldRatingOut],
    url_name="indicators_field_ratings",
    operation_id="indicators_field_ratings",
)
def field_ratings(request, year: int, district_code: str):
    """The calling expert's own ratings of a sampled district."""

    try:
        member = field_selectors.member_get(user=request.user, year=year)
        fd = field_selectors.field_district_for_member(
            member=member, code=district_code
        )
    except (FieldPanelMember.DoesNotExist, FieldDistrict.DoesNotExist) as exc:
        raise Http404("No such district in your panel") from exc
    return [
        FieldRatingOut(point=key, rating=r.rating, comment=r.comment)
        for key, r in field_selectors.own_ratings(
            member=member, field_district=fd
        ).items()
    ]


@router.put(
    "/field/{year}/ratings/{district_code}",
    response=list[FieldRatingOut],
    url_name="indicators_field_ratings_put",
    operation_id="indicators_field_ratings_put",
)
def field_ratings_put(request, year: int, district_code: str, payload: FieldRatingsIn):
    """Save the calling expert's ratings (rubric 1–5) and comments; a bad point refuses them all."""

    try:
        member = field_selectors.member_get(user=request.user, year=year)
        fd = field_selectors.field_district_for_member(
            member=member, code=district_code
        )
    except (FieldPanelMember.DoesNotExist, FieldDistrict.DoesNotExist) as exc:
        raise Http404("No such district in your panel") from exc
    data: dict[str, str] = {}
    for row in payload.ratings:
        data[f"r_{row.point}"] = "" if row.rating is None else str(row.rating)
        data[f"c_{row.point}"] = row.comment
    field_services.field_ratings_save(member=member, field_district=fd, data=data)
    return [
        FieldRatingOut(point=key, rating=r.rating, comment=r.comment)
        for key, r in field_selectors.own_ratings(
            member=member, field_district=fd
        ).items()
    ]


@router.get(
    "/field/{year}/reports/{district_code}",
    response=FieldReportOut,
    url_name="indicators_field_report",
    operation_id="indicators_field_report",
)
def field_report(request, year: int, district_code: str):
    """A sampled district's sub-report: the centre's for every district, a district's own once released."""

    try:
        fd = field_selectors.sub_report_get_for_user(
            user=request.user, year=year, code=district_code
        )
    except FieldDistrict.DoesNotExist as exc:
        raise Http404("No such sub-report") from exc
    sat = field_selectors.satisfaction_result(field_district=fd) or {}
    return FieldReportOut(
        year=year,
        district_code=fd.district.code,
        district_name=fd.district.name_zh,
        satisfaction_mean=sat.get("mean"),
        satisfaction_se=sat.get("se"),
        satisfaction_n=sat.get("n"),
        panel=[
            FieldSummaryOut(
                indicator_code=s["indicator"].code,
                indicator_name=s["indicator"].name_zh,
                mean_rating=s["mean"],
                n=s["n"],
                comments=[f"{c['point']}：{c['text']}" for c in s["comments"]],
            )
            for s in field_selectors.panel_summary(field_district=fd)
        ],
        feedback=fd.feedback
        if fd.feedback_approved_at or field_selectors.is_city(request.user)
        else "",
        feedback_released=fd.feedback_approved_at is not None,
        response=fd.response,
        acknowledged=fd.acknowledged_at is not None,
    )
