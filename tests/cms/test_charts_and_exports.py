"""Charts are accessible SVG with their data, downloadable as PNG and CSV; reports export to PDF."""

from __future__ import annotations

import csv
import io
import re
from xml.etree import ElementTree

import pytest

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def _chart_ids(page):
    return [b.id for b in page.chart_blocks()]


def test_svg_chart_contains_title_description_and_data_table(client, make_report):
    page = make_report()
    block_id = _chart_ids(page)[0]  # district bars
    response = client.get(f"/reports/{page.pk}/charts/{block_id}.svg")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    root = ElementTree.fromstring(response.content)
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title").text
    desc = root.find(f"{SVG}desc").text
    assert "95%" in title
    # the data table travels inside the SVG: one line per district with its figures
    assert "黄浦区 | 52.0 | 2.5 | 47.1 | 56.9 | 350" in desc
    assert "崇明区 |  |  |  |  | 20 |" in desc
    assert f"#{page.rollup_id}" in desc  # the roll-up it came from
    # and the page shows the same table beside the image
    html = client.get(page.url).content.decode()
    assert (
        '<details class="chart-data">' in html and '<th scope="row">黄浦区</th>' in html
    )


def test_suppressed_district_gets_no_bar(client, make_report):
    page = make_report()
    svg = client.get(
        f"/reports/{page.pk}/charts/{_chart_ids(page)[0]}.svg"
    ).content.decode()
    root = ElementTree.fromstring(svg)
    bars = [
        r
        for r in root.iter(f"{SVG}rect")
        if r.get("height") == "18" and r.get("fill") != "none"
    ]
    assert len(bars) == 15  # 16 districts, one suppressed
    assert "suppressed" in svg or "不予显示" in svg or "抑制" in svg


def test_png_download_is_a_rendered_image(client, make_report):
    from PIL import Image

    page = make_report()
    response = client.get(f"/reports/{page.pk}/charts/{_chart_ids(page)[2]}.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.size[0] == 1280  # 640 px drawn at 2×
    assert (
        len(image.convert("RGB").getcolors(maxcolors=1 << 20)) > 10
    )  # not a blank canvas


def test_csv_download_holds_the_chart_data(client, make_report):
    page = make_report()
    response = client.get(f"/reports/{page.pk}/charts/{_chart_ids(page)[1]}.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] in {"Category", "类别"}
    assert [r[1] for r in rows[1:5]] == ["10.0", "30.0", "40.0", "20.0"]
    assert f"#{page.rollup_id}" in rows[-1][0]


def test_unknown_chart_and_unpublished_report_answer_404(client, make_report):
    page = make_report()
    assert client.get(f"/reports/{page.pk}/charts/nope.svg").status_code == 404
    draft = make_report(slug="draft", publish=False)
    assert (
        client.get(f"/reports/{draft.pk}/charts/{_chart_ids(draft)[0]}.svg").status_code
        == 404
    )
    assert client.get(f"/reports/{draft.pk}/pdf/").status_code == 404


def test_pdf_export_has_the_charts(client, make_report):
    page = make_report()
    response = client.get(f"/reports/{page.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    # each of the four charts is embedded as an image XObject (streams stay outside object streams)
    assert len(re.findall(rb"/Subtype\s*/Image", pdf)) >= 4


def test_chart_svg_is_escaped():
    from cms.charts import Bar, Chart, bar_chart

    chart = bar_chart(
        Chart(
            slug="x",
            title="<script>",
            description="a & b",
            columns=["c"],
            rows=[["<b>"]],
        ),
        [Bar(label="<i>", value=10.0)],
    )
    ElementTree.fromstring(chart.svg)  # well-formed
    assert "<script>" not in chart.svg and "&lt;script&gt;" in chart.svg


def test_published_pdf_is_drawn_once_per_revision_and_language(
    client, make_report, monkeypatch
):
    """A published revision's figures are frozen, so its PDF is drawn once and then reused."""
    from django.core.cache import cache

    from cms import exports

    cache.clear()
    page = make_report()
    drawn = []
    real = exports.report_pdf
    monkeypatch.setattr(
        exports, "report_pdf", lambda **kw: drawn.append(1) or real(**kw)
    )
    first = client.get(f"/reports/{page.pk}/pdf/").content
    second = client.get(f"/reports/{page.pk}/pdf/").content
    assert first == second and len(drawn) == 1
    client.get(f"/reports/{page.pk}/pdf/", HTTP_ACCEPT_LANGUAGE="en")
    assert len(drawn) == 2  # another language is another drawing
    page.save_revision().publish()
    client.get(f"/reports/{page.pk}/pdf/")
    assert len(drawn) == 3  # a new revision is drawn afresh


def test_publishing_draws_the_pdf_on_the_worker_for_every_language(
    client, make_report, monkeypatch, django_capture_on_commit_callbacks
):
    """The worker draws a new revision's PDF in both languages when it is published and
    keeps it in the private storage, so the first reader (in any web process) waits for
    no drawing."""
    from django.core.cache import cache

    from cms import exports
    from learning_platform.private_files import private_storage

    cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        page = make_report()
    storage = private_storage()
    names = {
        lang: exports._stored_pdf_name(page, page.live_revision_id, lang)
        for lang in ("zh-hans", "en")
    }
    assert all(storage.exists(n) for n in names.values())
    cache.clear()  # another web process: only the shared storage is common
    monkeypatch.setattr(
        exports, "report_pdf", lambda **kw: pytest.fail("drawn again after publication")
    )
    for lang, name in names.items():
        body = client.get(f"/reports/{page.pk}/pdf/", HTTP_ACCEPT_LANGUAGE=lang).content
        with storage.open(name, "rb") as f:
            assert body == f.read() and body.startswith(b"%PDF")
    # a page that is not live is not drawn
    page.unpublish()
    assert exports.report_pdf_prepare(page_id=page.pk) == []
