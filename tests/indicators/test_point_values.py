"""Platform-supplied monitoring-point figures: stored with source and interval, shown read-only."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from learning_platform.indicators.models import PointValue, Submission
from learning_platform.indicators.point_values import point_context, point_value_supply

SOURCE = "监测中心：市民学习成效与获得感问卷（2025年），按调查区级汇总#3的最终权重与80个JK2重复权重加权"


def _supply(**kw):
    args = dict(
        district_code="310101",
        year=2025,
        indicator_code="3.2.2",
        point=1,
        measure="gain_rate",
        label_zh="学习获得感（同意或非常同意）",
        label_en="Sense of gain from learning",
        unit="%",
        value=71.234,
        se=2.1,
        ci_low=67.0,
        ci_high=75.4,
        n=412,
        source=SOURCE,
    )
    return point_value_supply(**{**args, **kw})


def test_a_figure_is_stored_with_source_interval_and_n_and_updated_in_place(
    framework, hp
):
    row = _supply()
    again = _supply(value=72.0)
    assert again.pk == row.pk and PointValue.objects.count() == 1
    assert (
        again.value == 72.0
        and again.ci_low == 67.0
        and again.n == 412
        and again.source == SOURCE
    )
    withheld = _supply(suppressed=True, n=12)
    assert withheld.value is None and withheld.ci_low is None and withheld.n == 12


def test_bad_input_names_the_field_in_chinese_and_saves_nothing(framework, hp):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        _supply(point=9)
    assert (
        "3.2.2" in exc.value.message_dict["point"][0]
        and "监测要点" in exc.value.message_dict["point"][0]
    )
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        _supply(se=float("inf"))
    assert "标准误" in exc.value.message_dict["se"][0]
    assert not PointValue.objects.exists()


@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [
        (
            "zh-hans",
            [
                "监测要点：由平台提供的数据",
                "学习获得感",
                "95% 置信区间 67.0–75.4",
                "412 名受访者",
                "由平台提供",
            ],
            ["Supplied by the platform", "Monitoring point"],
        ),
        (
            "en",
            [
                "Monitoring points: figures supplied by the platform",
                "Sense of gain from learning",
                "95% interval 67.0 to 75.4",
                "412 respondents",
            ],
            ["监测要点：由平台提供的数据"],
        ),
    ],
)
def test_the_partial_is_translated(framework, hp, language, expected, absent):
    _supply()
    submission = Submission.objects.get(district=hp, year=2025)
    with translation.override(language):
        html = render_to_string(
            "indicators/_point_values.html", {"point_values": point_context(submission)}
        )
    for text in expected:
        assert text in html, text
    for text in absent:
        assert text not in html, text


def test_the_filing_shows_the_figures_read_only(framework, hp, staff, client):
    _supply()
    _supply(
        indicator_code="6.2.2",
        point=0,
        measure="participation_rate",
        label_zh="过去12个月参加有组织学习的市民比例",
        suppressed=True,
        n=10,
    )
    client.force_login(staff["stat"])
    page = client.get(
        reverse("indicators:form", args=["310101", 2025])
    ).content.decode()
    section = page[page.index('id="point-values"') :].split("</table>")[0]
    assert "开展市民基本素养" in section and "样本量不足，不公布数值" in section
    assert SOURCE in section and "<input" not in section and "<textarea" not in section
    # other districts' officers do not see 黄浦's filing
    client.force_login(staff["stat_xh"])
    assert client.get(
        reverse("indicators:form", args=["310101", 2025])
    ).status_code in (403, 404)
