"""Pages of the monitoring results: the district × kind table (public, small cells withheld),
its CSV/XLSX export, and the tier decisions with their evidence (staff only)."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from learning_platform.accounts.requests import AuthenticatedRequest
from learning_platform.accounts.roles import DISTRICT_ROLES, Role
from learning_platform.accounts.selectors import user_roles
from learning_platform.districts.models import District
from learning_platform.downloads import csv_bytes, download_response
from learning_platform.organisations.models import OrganisationKind
from learning_platform.organisations.selectors import results as selectors
from learning_platform.security.spreadsheet import xlsx_safe_row

INSUFFICIENT = "数据不足"


def _year(request: HttpRequest) -> int | None:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() else None


def _table(request: HttpRequest) -> selectors.ResultsTable:
    district = request.GET.get("district", "").strip()[:12]
    kind = request.GET.get("kind", "")
    kind = kind if kind in OrganisationKind.values else ""
    return selectors.district_kind_table(
        year=_year(request), district_code=district, kind=kind
    )


def results_index(request: HttpRequest) -> HttpResponse:
    """Share of organisations meeting each first-level indicator, per district × kind."""
    table = _table(request)
    return render(
        request,
        "organisations/results/index.html",
        {
            "table": table,
            "groups": table.by_district_kind(),
            "years": selectors.monitoring_years(),
            "districts": District.objects.all(),
            "kinds": OrganisationKind.choices,
            "filters": {
                k: request.GET.get(k, "") for k in ("district", "kind", "year")
            },
            "insufficient": INSUFFICIENT,
        },
    )


def _export_rows(table: selectors.ResultsTable) -> tuple[list[str], list[list]]:
    header = [
        "年度",
        "区",
        "组织类型",
        "一级指标",
        "n",
        "达标比例(%)",
        "标准误(%)",
        "说明",
    ]
    rows = []
    for c in table.cells:
        rows.append(
            [
                table.year,
                c.district_name,
                c.kind_label,
                f"{c.indicator_code} {c.indicator_name}",
                c.n,
                None if c.suppressed else round(c.estimate * 100, 1),
                None if c.suppressed else round(c.se * 100, 1),
                INSUFFICIENT if c.suppressed else "",
            ]
        )
    return header, rows


def results_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The district × kind table as CSV or XLSX (suppressed cells stay empty)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404(_("Unknown format."))
    header, rows = _export_rows(_table(request))
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "学习型组织监测"
        sheet.append(xlsx_safe_row(sheet, header))
        for row in rows:
            sheet.append(xlsx_safe_row(sheet, row))
        out = io.BytesIO()
        book.save(out)
        body = out.getvalue()
    else:
        body = csv_bytes(rows, header=header)
    return download_response(body, filename=f"organisation-results.{fmt}")


@login_required
def tier_decisions(request: AuthenticatedRequest) -> HttpResponse:
    """Tier decisions with their evidence: researchers see all, district staff their district."""
    roles = set(user_roles(user=request.user))
    if roles & {Role.RESEARCHER, Role.ADMINISTRATOR}:
        district = None
    elif roles & DISTRICT_ROLES and request.user.district_id:
        district = request.user.district
    else:
        raise PermissionDenied(
            _("Only researchers and district staff see the tier decisions.")
        )
    return render(
        request,
        "organisations/results/tiers.html",
        {
            "decisions": selectors.tier_decisions(
                district=district, year=_year(request)
            )[:500],
            "district": district,
            "counts": selectors.tier_kind_counts(district=district),
            "tiers": [label for _v, label in selectors.Tier.choices],
        },
    )
