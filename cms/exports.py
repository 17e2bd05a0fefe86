"""PNG charts (CairoSVG) and PDF reports (WeasyPrint)."""

from __future__ import annotations

import base64

from django.http import HttpRequest
from django.template.loader import render_to_string

from cms.charts import Chart, svg_to_png


def chart_png(chart: Chart, *, scale: float = 2.0) -> bytes:
    """Render a chart's SVG to PNG."""
    return svg_to_png(chart.svg, scale=scale)


def chart_png_data_uri(chart: Chart) -> str:
    return "data:image/png;base64," + base64.b64encode(chart_png(chart)).decode("ascii")


def report_pdf(*, page, request: HttpRequest | None = None) -> bytes:
    """Render a survey report with its charts (as images) and tables to PDF for print."""
    from weasyprint import HTML

    figures = page.figures
    sections = []
    for block in page.body:
        context = {"figures": figures, "figures_error": page.figures_error(), "block_id": block.id,
                   "page": page, "for_print": True}
        item = {"html": block.render(context=context), "png": None, "chart": None}
        if figures is not None and hasattr(block.block, "chart"):
            try:
                chart = block.block.chart(figures, block.value, slug=f"c-{block.id[:8]}")
            except Exception:  # noqa: BLE001 - the block's own HTML already says why
                chart = None
            if chart is not None:
                item["chart"] = chart
                item["png"] = chart_png_data_uri(chart)
        sections.append(item)
    html = render_to_string(
        "cms/survey_report_pdf.html",
        {"page": page, "figures": figures, "sections": sections},
        request=request,
    )
    base_url = request.build_absolute_uri("/") if request is not None else None
    return HTML(string=html, base_url=base_url).write_pdf()
