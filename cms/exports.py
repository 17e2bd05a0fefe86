"""PNG charts (CairoSVG) and PDF reports (WeasyPrint)."""

from __future__ import annotations

import base64

from django.core.cache import cache
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import get_language

from cms.charts import Chart, svg_to_png


def chart_png(chart: Chart, *, scale: float = 2.0) -> bytes:
    """Render a chart's SVG to PNG."""
    return svg_to_png(chart.svg, scale=scale)


def chart_png_data_uri(chart: Chart) -> str:
    return "data:image/png;base64," + base64.b64encode(chart_png(chart)).decode("ascii")


# Bump when the PDF template or chart drawing changes, so cached PDFs are redrawn.
PDF_LAYOUT_VERSION = 2
PDF_CACHE_SECONDS = 7 * 24 * 3600


def report_pdf_cached(*, page, request: HttpRequest | None = None) -> bytes:
    """Return the PDF of a published report, drawn once per revision and language.

    A published revision's figures are frozen, so its PDF never changes; WeasyPrint takes
    seconds to lay out a report, so the first download draws it and later ones reuse it.
    Drafts (no live revision of their own) are always drawn afresh.
    """
    revision_id = getattr(page, "live_revision_id", None)
    if not getattr(page, "live", False) or revision_id is None:
        return report_pdf(page=page, request=request)
    key = f"cms:report-pdf:v{PDF_LAYOUT_VERSION}:{page.pk}:{revision_id}:{get_language()}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = report_pdf(page=page, request=request)
        cache.set(key, pdf, PDF_CACHE_SECONDS)
    return pdf


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
