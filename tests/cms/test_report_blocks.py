"""Report blocks render live figures from the report's roll-up snapshot."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def test_blocks_render_figures_from_the_rollup(client, make_report):
    page = make_report()
    html = client.get(page.url).content.decode()
    # headline: the city's info attainment rate 60.0% with 95% interval 58.4–61.6
    assert "60.0%" in html
    assert "58.4–61.6%" in html
    # change since the 2020 wave (54.0 → 60.0) is named with its year
    assert "2020" in html and "6.0" in html
    # every figure names its roll-up and parameter set
    # header, headline, table, four charts, methodology (twice: source and roll-up line)
    assert html.count("2025 信息素养专项调查汇总") >= 8
    assert "#7" in html  # parameter set
    # charts are inline SVG with title and desc
    assert html.count("<svg") == 4
    assert "<title" in html and "<desc" in html
    assert "加权方法说明" in html


def test_methods_are_sentences_and_a_table_not_a_record_dump(client, make_report):
    """The methods section states design, response rate, weighting, scaling, linking and
    suppression in Chinese words with rounded numbers; no raw key or float reaches the page."""
    html = client.get(make_report().url).content.decode()
    section = html[html.index('class="methodology') :]
    for words in (
        "分层随机抽样",
        "应答率 80.0%",
        "共邀请 7,500 人，6,000 人作答",
        "校准经 4 次迭代收敛",
        "10 个合理值",
        "80 组刀切法",
        "信息素养 0.008",
        "作答人数少于 30 人",
        "参数集 #7",
    ):
        assert words in section, words
    assert '<table class="methods-table">' in section
    for raw in (
        "response_rate",
        "max_discrepancy",
        "0.7999",
        "8.7e-16",
        "True",
        "converged",
        "n_trimmed",
        "replicates:",
    ):
        assert raw not in section, raw


def test_methods_read_in_english_when_asked(client, make_report):
    html = client.get(make_report().url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    section = html[html.index('class="methodology') :]
    assert "a response rate of 80.0%" in section
    assert "Figures resting on fewer than 30 respondents are not shown." in section


def test_source_line_gives_the_freeze_moment_in_shanghai_time(client, make_report):
    """The roll-up's UTC timestamp is shown as Asia/Shanghai time and stays put across loads."""
    from cms.figures import moment_display

    assert moment_display("2026-03-01T23:10:00+00:00") == "2026-03-02 07:10"
    page = make_report()
    frozen = moment_display(page.rollup_snapshot["rollup"]["created_at"])
    first = client.get(page.url).content.decode()
    second = client.get(page.url).content.decode()
    assert f"数据冻结于 {frozen}（北京时间）" in first
    assert first.count("数据冻结于") == second.count("数据冻结于") and frozen in second


def test_suppressed_cells_never_show_a_figure(client, make_report, snapshot):
    page = make_report()
    html = client.get(page.url).content.decode()
    # 崇明 (310151) is suppressed: its row in the table carries no rate, SE or interval
    row = re.search(
        r'<tr class="suppressed">\s*<th scope="row">崇明区?</th>(.*?)</tr>', html, re.S
    )
    assert row is not None, "the suppressed district is listed"
    assert re.search(r"\d+\.\d", row.group(1)) is None
    # the snapshot itself holds no figure for a suppressed cell
    for cell in snapshot["cells"]:
        if cell["suppressed"]:
            assert (
                cell["estimate"] is None
                and cell["se"] is None
                and cell["ci_low"] is None
            )


def test_suppressed_flag_wins_over_a_stray_estimate(snapshot):
    from cms.figures import Figures

    cell = next(c for c in snapshot["cells"] if c["suppressed"])
    cell.update(estimate=12.3, se=1.0, ci_low=10.0, ci_high=14.0)
    figure = Figures(snapshot).cell(
        cell["domain_code"], cell["indicator"], cell["district_code"], cell["category"]
    )
    assert (
        figure.estimate is None
        and figure.formatted() == "—"
        and figure.interval_text == "—"
    )


def test_block_for_a_domain_the_rollup_lacks_says_so(client, make_report):
    page = make_report(
        body=[
            {
                "type": "headline",
                "value": {
                    "domain": "health",
                    "indicator": "attainment_rate",
                    "district": "",
                    "label": "",
                },
            }
        ]
    )
    html = client.get(page.url).content.decode()
    assert "figure-error" in html
    assert "health" in html and f"#{page.rollup_id}" in html


def test_report_without_a_rollup_refuses_with_a_clear_message(client, make_report):
    page = make_report(data={}, slug="no-rollup")
    response = client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "figure-error" in html
    assert "<svg" not in html


def test_missing_rollup_is_refused_when_saving(make_report):
    from django.core.exceptions import ValidationError

    page = make_report()
    page.rollup_id = 999_999
    with pytest.raises(ValidationError) as excinfo:
        page.full_clean()
    assert "999999" in str(excinfo.value) or "999,999" in str(excinfo.value)


def test_image_block_renders_with_its_alternative_text(client, make_report):
    import io

    from django.core.files.images import ImageFile
    from PIL import Image as PILImage
    from wagtail.images import get_image_model

    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), "#0b5cab").save(buffer, format="PNG")
    image = get_image_model().objects.create(
        title="示意图", file=ImageFile(io.BytesIO(buffer.getvalue()), name="demo.png")
    )
    page = make_report(
        slug="with-image",
        body=[
            {
                "type": "image",
                "value": {
                    "image": image.pk,
                    "alt": "调查流程示意",
                    "caption": "图1 调查流程",
                },
            }
        ],
    )
    html = client.get(page.url).content.decode()
    assert 'alt="调查流程示意"' in html and "图1 调查流程" in html


def test_a_change_between_waves_counts_the_linking_error():
    """SE of a change = √(SE_now² + SE_before² + linking error²): 2² + 1.5² + 2² = 10.25."""
    from cms.figures import Figures

    def cell(estimate, se, linking_error=None):
        return {
            "district_code": "310101",
            "domain_code": "info",
            "indicator": "attainment_rate",
            "category": None,
            "estimate": estimate,
            "se": se,
            "ci_low": None,
            "ci_high": None,
            "n": 400,
            "suppressed": False,
            "suppression_reason": "",
            "linking_error": linking_error,
        }

    snapshot = {
        "rollup": {"id": 2, "name": "2026", "year": 2026},
        "cells": [cell(60.0, 2.0, 2.0)],
        "waves": [{"id": 1, "year": 2021, "cells": [cell(55.0, 1.5)]}],
    }
    figures = Figures(snapshot)
    change = figures.change(figures.cell("info", "attainment_rate", "310101"))
    assert change.se == pytest.approx(10.25**0.5)
    assert change.difference == pytest.approx(5.0)
    assert (
        change.significant is False
    )  # 5 < 1.96 × 3.2; without the link it would be 5 > 4.9
