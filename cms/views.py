"""Downloads of report and dashboard charts (SVG, PNG, CSV), PDF export, and dashboard context."""

from __future__ import annotations

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cms import exports
from cms.blocks import CHART_BLOCK_TYPES, district_bars_chart, trend_chart
from cms.charts import Chart, tile_grid
from cms.district_report import district_pdf
from cms.figures import Figures, FiguresUnavailable, domain_name
from cms.models import (
    DistrictDashboardPage,
    DistrictMonitoringReportPage,
    SurveyReportPage,
)
from cms.selectors import RollUpMissing, rollup_latest_id, rollup_snapshot
from learning_platform.accounts.selectors import user_acting_district_id
from learning_platform.districts.models import District
from learning_platform.downloads import download_response
from learning_platform.organisations.selectors.results import dashboard_section


def report_for_request(*, request: HttpRequest, page_id: int) -> SurveyReportPage:
    """Return the published report, or its latest draft for an editor asking ``?draft=1``.

    A page the caller may not see answers 404, as a missing one does.
    """
    page = SurveyReportPage.objects.filter(pk=page_id).first()
    if page is None:
        raise Http404("No such report.")
    if request.GET.get("draft") == "1" and request.user.is_authenticated:
        if page.permissions_for_user(request.user).can_edit():
            return page.get_latest_revision_as_object()
        raise Http404("No such report.")
    if not page.live or page.get_view_restrictions().exists():
        raise Http404("No such report.")
    return page.specific


def _download(chart: Chart, fmt: str, filename: str) -> HttpResponse:
    if fmt == "svg":
        body: bytes | str = chart.svg
    elif fmt == "png":
        body = exports.chart_png(chart)
    elif fmt == "csv":
        body = chart.csv_text()
    else:
        raise Http404("Unknown format.")
    return download_response(body, filename=f"{filename}.{fmt}")


def report_chart(
    request: HttpRequest, page_id: int, block_id: str, fmt: str
) -> HttpResponse:
    """Download one chart of a report as SVG, PNG or its data as CSV."""
    page = report_for_request(request=request, page_id=page_id)
    figures = page.figures
    for block in page.body:
        if block.id == block_id and block.block_type in CHART_BLOCK_TYPES:
            break
    else:
        raise Http404("No such chart in this report.")
    if figures is None:
        raise Http404(page.figures_error())
    try:
        chart = block.block.chart(figures, block.value, slug=f"c-{block_id[:8]}")
    except FiguresUnavailable as exc:
        raise Http404(str(exc)) from exc
    chart.source = figures.source_text
    return _download(chart, fmt, f"{page.slug}-{block.block_type}-{block_id[:8]}")


def report_pdf(request: HttpRequest, page_id: int) -> HttpResponse:
    """Export a report, charts included, as PDF for print."""
    page = report_for_request(request=request, page_id=page_id)
    if request.GET.get("draft") == "1":
        pdf = exports.report_pdf(page=page, request=request)
    else:
        pdf = exports.report_pdf_cached(page=page, request=request)
    return download_response(pdf, filename=f"{page.slug}.pdf")


# -- dashboard ---------------------------------------------------------------
def dashboard_figures(page: DistrictDashboardPage) -> Figures:
    """Return the dashboard's figures: its chosen roll-up, else the newest finished one."""
    rollup_id = page.rollup_id or rollup_latest_id()
    return Figures(rollup_snapshot(rollup_id))


def _user_district_code(request: HttpRequest) -> str | None:
    district_id = user_acting_district_id(user=request.user)
    if district_id is None:
        return None
    return (
        District.objects.filter(pk=district_id).values_list("code", flat=True).first()
    )


def _dashboard_choice(
    figures: Figures, request: HttpRequest
) -> tuple[str, str | None, list[str]]:
    domains = [d for d in figures.domains() if figures.has(d, "attainment_rate")]
    if not domains:
        raise FiguresUnavailable(_("This roll-up holds no attainment rates."))
    domain = request.GET.get("domain", "")
    if domain not in domains:
        domain = "info" if "info" in domains else domains[0]
    # A district officer's dashboard opens on their district; choosing 全市
    # (an empty ``district``) shows the whole city.
    if "district" in request.GET:
        district = request.GET["district"]
    else:
        district = _user_district_code(request)
    if district not in figures.district_order:
        district = None
    return domain, district, domains


def dashboard_chart_build(
    figures: Figures, kind: str, domain: str, district: str | None
) -> Chart:
    if kind == "bars":
        return district_bars_chart(
            figures, domain, "attainment_rate", slug="dash-bars", highlight=district
        )
    if kind == "trend":
        return trend_chart(
            figures, domain, "attainment_rate", district, slug="dash-trend"
        )
    if kind == "tiles":
        rows = figures.district_figures(domain, "attainment_rate")
        chart = Chart(
            slug="dash-tiles",
            source=figures.source_text,
            title=_("%(domain)s attainment rate by district")
            % {"domain": domain_name(domain)},
            description=_(
                "Districts placed roughly as on the map, darker for a higher rate; "
                "grey tiles are suppressed."
            ),
            columns=[_("District"), _("Attainment rate (%)"), _("95% CI"), "n"],
            rows=[
                [f.district_name, f.formatted(), f.interval_text, str(f.n)]
                for f in rows
            ],
        )
        return tile_grid(
            chart,
            [
                (
                    f.district_code or "",
                    f.district_name,
                    f.estimate,
                    _("suppressed") if f.suppressed else "",
                )
                for f in rows
            ],
            highlight=district,
        )
    raise Http404("Unknown chart.")


def dashboard_context(*, page: DistrictDashboardPage, request: HttpRequest) -> dict:
    try:
        figures = dashboard_figures(page)
        domain, district, domains = _dashboard_choice(figures, request)
    except (RollUpMissing, FiguresUnavailable) as exc:
        return {
            "error": str(exc),
            "organisations": _organisations_section(
                request.GET.get("district") or _user_district_code(request)
            ),
        }
    own = _user_district_code(request)
    order: list[str | None] = [None, *figures.district_order]
    if own in order:  # a district officer sees their own district first, then the city
        order.remove(own)
        order.insert(0, own)
    table = []
    for code in order:
        cells = []
        for d in domains:
            try:
                figure = figures.cell(d, "attainment_rate", code)
            except FiguresUnavailable:
                figure = None
            cells.append(
                {"figure": figure, "change": figures.change(figure) if figure else None}
            )
        name = figures.district_names.get(code, code) if code else _("Whole city")
        table.append(
            {"code": code, "name": name, "cells": cells, "own": code == own and own}
        )
    focus_rows = []
    for d in domains:
        try:
            figure = figures.cell(d, "attainment_rate", district)
        except FiguresUnavailable:
            continue
        focus_rows.append(
            {
                "domain": domain_name(d),
                "figure": figure,
                "change": figures.change(figure),
                "compared": figures.compared_with_city(figure),
            }
        )
    charts = {
        kind: dashboard_chart_build(figures, kind, domain, district)
        for kind in ("tiles", "bars", "trend")
    }
    for chart in charts.values():
        chart.source = figures.source_text
    return {
        "figures": figures,
        "domain": domain,
        "domain_label": domain_name(domain),
        "domains": [(d, domain_name(d)) for d in domains],
        "district": district,
        "district_name": figures.district_names.get(district, "")
        if district
        else _("Whole city"),
        "own_district": own,
        "districts": [
            (c, figures.district_names.get(c, c)) for c in figures.district_order
        ],
        "table": table,
        "focus_rows": focus_rows,
        "charts": charts,
        "organisations": _organisations_section(district),
    }


def _organisations_section(district_code: str | None) -> dict:
    """The 学习型组织 section of the dashboard (register by tier and kind, monitoring shares)."""

    return dashboard_section(district_code=district_code or None)


def dashboard_chart(
    request: HttpRequest, page_id: int, kind: str, fmt: str
) -> HttpResponse:
    """Download a dashboard chart as SVG, PNG or CSV."""
    page = DistrictDashboardPage.objects.live().public().filter(pk=page_id).first()
    if page is None:
        raise Http404("No such dashboard.")
    try:
        figures = dashboard_figures(page)
        domain, district, _domains = _dashboard_choice(figures, request)
        chart = dashboard_chart_build(figures, kind, domain, district)
    except (RollUpMissing, FiguresUnavailable) as exc:
        raise Http404(str(exc)) from exc
    chart.source = figures.source_text
    return _download(chart, fmt, f"dashboard-{kind}-{domain}")


# -- the annual district monitoring report ------------------------------------------------
def district_report_pdf(request: HttpRequest, page_id: int, code: str) -> HttpResponse:
    """One district's section of a published district monitoring report, as PDF."""

    page = (
        DistrictMonitoringReportPage.objects.live().public().filter(pk=page_id).first()
    )
    if page is None:
        raise Http404("No such report.")
    if not any(
        d["code"] == code and d["filed"]
        for d in page.figures_snapshot.get("districts", [])
    ):
        raise Http404("No such district in this report.")
    key = f"cms:district-report-pdf:{page.pk}:{page.live_revision_id}:{code}:{get_language()}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = district_pdf(page=page, code=code, request=request)
        cache.set(key, pdf, exports.PDF_CACHE_SECONDS)
    return download_response(pdf, filename=f"{page.slug}-{code}.pdf")
