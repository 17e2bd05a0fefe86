"""Read API of the district indicators (``/api/v1/indicators/``); writes go through the pages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Router, Schema

from learning_platform.indicators import selectors
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
