"""PNG charts (CairoSVG) and PDF reports (WeasyPrint)."""

from __future__ import annotations

import base64

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import get_language

from cms.charts import Chart, svg_to_png
from learning_platform.private_files import private_storage


def chart_png(chart: Chart, *, scale: float = 2.0) -> bytes:
    """Render a chart's SVG to PNG."""
    return svg_to_png(chart.svg, scale=scale)


def chart_png_data_uri(chart: Chart) -> str:
    return "data:image/png;base64," + base64.b64encode(chart_png(chart)).decode("ascii")


# Bump when the PDF template or chart drawing changes, so cached PDFs are redrawn.
PDF_LAYOUT_VERSION = 2
PDF_CACHE_SECONDS = 7 * 24 * 3600


def _stored_pdf_name(page, revision_id: int, language: str) -> str | None:
    """Name of a published revision's PDF in the private storage, unique to that revision.

    The revision's creation time is part of the name, so a database whose ids restart (a
    restored backup, a test database) never meets a PDF drawn for another revision.
    """
    from wagtail.models import Revision

    created = (
        Revision.objects.filter(pk=revision_id)
        .values_list("created_at", flat=True)
        .first()
    )
    if created is None:
        return None
    stamp = created.strftime("%Y%m%dT%H%M%S%f")
    return f"report-pdfs/v{PDF_LAYOUT_VERSION}/{page.pk}-{revision_id}-{stamp}-{language}.pdf"


def report_pdf_cached(*, page, request: HttpRequest | None = None) -> bytes:
    """Return the PDF of a published report, drawn once per revision and language.

    A published revision's figures are frozen, so its PDF never changes; WeasyPrint takes
    seconds to lay out a report, so it is drawn once (on the worker when the page is
    published, see :func:`report_pdf_prepare`, else by the first download), kept in the
    private storage that every web process shares, and in the cache in front of it.
    Drafts (no live revision of their own) are always drawn afresh.
    """

    revision_id = getattr(page, "live_revision_id", None)
    if not getattr(page, "live", False) or revision_id is None:
        return report_pdf(page=page, request=request)
    language = get_language() or "zh-hans"
    key = f"cms:report-pdf:v{PDF_LAYOUT_VERSION}:{page.pk}:{revision_id}:{language}"
    pdf = cache.get(key)
    if pdf is not None:
        return pdf
    storage = private_storage()
    name = _stored_pdf_name(page, revision_id, language)
    if name is not None and storage.exists(name):
        with storage.open(name, "rb") as f:
            pdf = f.read()
    else:
        pdf = report_pdf(page=page, request=request)
        if name is not None and not storage.exists(name):
            storage.save(name, ContentFile(pdf))
    cache.set(key, pdf, PDF_CACHE_SECONDS)
    return pdf


def report_pdf_prepare(*, page_id: int) -> list[str]:
    """Draw a published report's PDF in every site language ahead of the first download.

    Run on the worker after publication; returns the languages drawn (none when the page
    is no longer live or is not a report).
    """
    from django.conf import settings
    from django.utils import translation
    from wagtail.models import Page

    page = Page.objects.filter(pk=page_id, live=True).first()
    page = page.specific if page is not None else None
    if page is None or not hasattr(page, "rollup_snapshot"):
        return []
    drawn = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            report_pdf_cached(page=page)
        drawn.append(language)
    return drawn


def report_pdf(*, page, request: HttpRequest | None = None) -> bytes:
    """Render a survey report with its charts (as images) and tables to PDF for print."""
    from weasyprint import HTML

    figures = page.figures
    sections = []
    for block in page.body:
        context = {
            "figures": figures,
            "figures_error": page.figures_error(),
            "block_id": block.id,
            "page": page,
            "for_print": True,
        }
        item = {"html": block.render(context=context), "png": None, "chart": None}
        if figures is not None and hasattr(block.block, "chart"):
            try:
                chart = block.block.chart(
                    figures, block.value, slug=f"c-{block.id[:8]}"
                )
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
