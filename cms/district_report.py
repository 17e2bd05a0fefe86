"""The annual district monitoring report, read from its frozen figures: sections, tables, charts, PDF.

The figures come from ``learning_platform.indicators.selectors.district_report_figures`` and are
frozen in each revision of ``DistrictMonitoringReportPage``; everything here only reads them.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from cms.charts import Bar, Chart, bar_chart
from cms.exports import chart_png_data_uri
from cms.models import DistrictMonitoringReportPage
from learning_platform.indicators.monitoring import target_message

# Per first-level indicator, the item its district chart shows (the first with data otherwise).
HEADLINE = {"3": "ce_staff_per_10k", "4": "info_literacy_rate", "5": "large_event_rate"}


def fmt(value, unit: str = "") -> str:
    if value is None:
        return "—"
    text = (
        f"{value:,.2f}".rstrip("0").rstrip(".") if abs(value) < 1e6 else f"{value:,.0f}"
    )
    return f"{text} {unit}".strip() if unit else text


def fmt_change(value, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit == "%":
        unit = _("percentage points")
    sign = "+" if value > 0 else ""
    return f"{sign}{fmt(value)} {unit}".strip()


def _interval(cell: dict) -> str:
    if cell.get("low") is None or cell.get("high") is None:
        return ""
    return _("95%% interval %(low)s to %(high)s") % {
        "low": fmt(cell["low"]),
        "high": fmt(cell["high"]),
    }


def _value_text(cell: dict | None, unit: str) -> str:
    if cell is None:
        return _("not filed")
    if cell.get("suppressed"):
        return _("too few respondents to publish")
    return fmt(cell.get("value"), unit)


def district_chart(
    figures: dict, item: dict, *, highlight: str | None = None, slug: str
) -> Chart:
    """Bars of every filed district for one item, with 95% whiskers where the figure is estimated."""
    names = {d["code"]: d["name"] for d in figures["districts"]}
    bars, rows = [], []
    for code, cell in item["districts"].items():
        value = None if cell.get("suppressed") else cell.get("value")
        bars.append(
            Bar(
                label=names.get(code, code),
                value=value,
                low=cell.get("low"),
                high=cell.get("high"),
                note=_value_text(cell, "") if value is None else "",
                highlight=code == highlight,
            )
        )
        rows.append(
            [
                names.get(code, code),
                fmt(value),
                _interval(cell) or "—",
                fmt_change(cell.get("change")),
            ]
        )
    city = item["city"]["value"]
    chart = Chart(
        slug=slug,
        title=f"{item['name']}（{figures['year']}）",
        description=_(
            "Each district's value; whiskers show the 95 per cent interval of an estimated "
            "figure; the dashed line is the city value."
        ),
        columns=[
            _("District"),
            f"{_('Value')}（{item['unit']}）" if item["unit"] else _("Value"),
            _("95 per cent interval"),
            _("Change on last year"),
        ],
        rows=rows,
        source=_(
            "Approved district filings %(year)s; survey figures as supplied by the monitoring centre"
        )
        % {"year": figures["year"]},
    )
    unit = "%" if item["unit"] == "%" else ""
    return bar_chart(
        chart,
        bars,
        unit=unit,
        max_value=100.0 if unit == "%" else None,
        reference=city,
        reference_label=_("City") if city is not None else "",
    )


def taken_text(figures: dict) -> str:
    """When the figures were frozen, in local time without the ISO ``T`` and offset."""
    from datetime import datetime

    from django.utils import timezone

    try:
        return timezone.localtime(datetime.fromisoformat(figures["taken_at"])).strftime(
            "%Y-%m-%d %H:%M"
        )
    except (KeyError, TypeError, ValueError):
        return ""


def report_sections(figures: dict, *, own: str | None = None) -> dict:
    """The page's view of the frozen figures: city sections per first-level indicator, one section
    per district (the officer's own first), target flags and the UNESCO crosswalk."""
    names = {d["code"]: d["name"] for d in figures["districts"]}
    filed = [d["code"] for d in figures["districts"] if d["filed"]]
    by_code = {i["code"]: i for l1 in figures["indicators"] for i in l1["items"]}
    city_sections = []
    for l1 in figures["indicators"]:
        rows = [
            {
                "item": i,
                "city": fmt(i["city"]["value"], i["unit"]),
                "change": fmt_change(i["city"]["change"], i["unit"]),
                "estimated": i["estimated"],
            }
            for i in l1["items"]
        ]
        charts = []
        headline = by_code.get(HEADLINE.get(l1["code"], "")) or next(
            (
                i
                for i in l1["items"]
                if any(c.get("value") is not None for c in i["districts"].values())
            ),
            None,
        )
        chosen = [headline] if headline else []
        chosen += [i for i in l1["items"] if i["estimated"] and i is not headline]
        for item in chosen:
            if item and item["districts"]:
                charts.append(
                    district_chart(
                        figures,
                        item,
                        highlight=own,
                        slug=f"l1-{l1['code']}-{item['code']}",
                    )
                )
        city_sections.append(
            {
                "code": l1["code"],
                "name": l1["name"],
                "rows": rows,
                "charts": charts,
                "documents": sum(l1["documents"].values()),
                "has_items": bool(l1["items"]),
            }
        )
    order = [own] + [c for c in filed if c != own] if own in filed else filed
    districts = [district_section(figures, code, names=names) for code in order]
    targets = []
    for t in figures["targets"]:
        results = []
        for code in filed:
            r = t["results"].get(code)
            if r is None:
                continue
            results.append(
                {
                    "district": names[code],
                    "code": code,
                    "status": r["status"],
                    "text": target_message(
                        name=t["name"],
                        status=r["status"],
                        comparison=t["comparison"],
                        value=r["value"],
                        threshold=t["threshold"],
                        unit=t["unit"],
                        previous=r["previous"],
                        source=t["source"],
                    ),
                }
            )
        targets.append(
            {
                "target": t,
                "results": results,
                "missed": sum(1 for r in results if r["status"] == "missed"),
            }
        )
    unesco = []
    for area in figures["unesco"]["areas"]:
        focus = []
        for fa in area["focus_areas"]:
            items = [
                {
                    "name": by_code[c]["name"],
                    "city": fmt(by_code[c]["city"]["value"], by_code[c]["unit"]),
                }
                for c in fa["items"]
                if c in by_code
            ]
            focus.append(
                {
                    "code": fa["code"],
                    "name": fa["name_zh"],
                    "indicators": fa["indicators"],
                    "items": items,
                }
            )
        unesco.append(
            {"code": area["code"], "name": area["name_zh"], "focus_areas": focus}
        )
    return {
        "city_sections": city_sections,
        "districts": districts,
        "targets": targets,
        "unesco": unesco,
        "own": own if own in filed else None,
        "filed": len(filed),
        "total": len(figures["districts"]),
        "taken": taken_text(figures),
    }


def district_section(figures: dict, code: str, *, names: dict | None = None) -> dict:
    names = names or {d["code"]: d["name"] for d in figures["districts"]}
    groups = []
    for l1 in figures["indicators"]:
        rows = []
        for item in l1["items"]:
            cell = item["districts"].get(code)
            rows.append(
                {
                    "name": item["name"],
                    "unit": item["unit"],
                    "estimated": item["estimated"],
                    "value": _value_text(cell, item["unit"]),
                    "interval": _interval(cell or {}),
                    "change": fmt_change((cell or {}).get("change"), item["unit"]),
                    "city": fmt(item["city"]["value"], item["unit"]),
                    "code": item["code"],
                }
            )
        groups.append(
            {
                "code": l1["code"],
                "name": l1["name"],
                "rows": rows,
                "documents": l1["documents"].get(code, 0),
            }
        )
    flags = []
    for t in figures["targets"]:
        r = t["results"].get(code)
        if r is not None:
            flags.append(
                {
                    "status": r["status"],
                    "code": t["code"],
                    "text": target_message(
                        name=t["name"],
                        status=r["status"],
                        comparison=t["comparison"],
                        value=r["value"],
                        threshold=t["threshold"],
                        unit=t["unit"],
                        previous=r["previous"],
                        source=t["source"],
                    ),
                }
            )
    return {
        "code": code,
        "name": names.get(code, code),
        "groups": groups,
        "flags": flags,
        "missed": sum(1 for f in flags if f["status"] == "missed"),
    }


def district_pdf(*, page, code: str, request: HttpRequest | None = None) -> bytes:
    """One district's section of the report, with its charts as images, as PDF."""
    from weasyprint import HTML

    figures = page.figures_snapshot
    section = district_section(figures, code)
    charts = []
    for l1 in figures["indicators"]:
        for item in l1["items"]:
            if item["code"] in HEADLINE.values() or item["estimated"]:
                if item["districts"]:
                    chart = district_chart(
                        figures, item, highlight=code, slug=f"pdf-{item['code']}"
                    )
                    charts.append({"chart": chart, "png": chart_png_data_uri(chart)})
    html = render_to_string(
        "cms/district_report_pdf.html",
        {
            "page": page,
            "figures": figures,
            "section": section,
            "charts": charts,
            "taken": taken_text(figures),
        },
        request=request,
    )
    base_url = request.build_absolute_uri("/") if request is not None else None
    return HTML(string=html, base_url=base_url).write_pdf()


def dashboard_report_flags(*, district_code: str | None) -> dict | None:
    """For the district dashboard: the newest published report and the focus district's target flags."""

    page = (
        DistrictMonitoringReportPage.objects.live().public().order_by("-year").first()
    )
    if page is None or not page.figures_snapshot:
        return None
    flags = []
    if district_code and any(
        d["code"] == district_code and d["filed"]
        for d in page.figures_snapshot["districts"]
    ):
        flags = district_section(page.figures_snapshot, district_code)["flags"]
    return {"url": page.url, "title": page.title, "year": page.year, "flags": flags}
