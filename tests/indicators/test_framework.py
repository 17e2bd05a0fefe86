"""Loading the framework from its kept file, idempotence and a new edition beside the old one."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from learning_platform.indicators.models import (
    DataItem,
    FrameworkVersion,
    Indicator,
    ItemKind,
)
from learning_platform.indicators.services import DATA_DIR, framework_load


def _seed(name: str) -> Path:
    """A seed document: under $PLATFORM_SHARED_DIR, beside the repository (``../shared``),
    or in the workplace's shared folder, which a clone made elsewhere still reaches."""
    repo = Path(__file__).resolve().parents[2]
    roots = (
        [Path(os.environ["PLATFORM_SHARED_DIR"])]
        if os.environ.get("PLATFORM_SHARED_DIR")
        else []
    )
    roots += [repo.parent / "shared", Path("/work/shared")]
    for root in roots:
        if (root / "seeds" / name).exists():
            return root / "seeds" / name
    return roots[0] / "seeds" / name


SEED = _seed("001_e7f0ebdf903373f4.txt")


def test_2023_framework_shape(framework):
    assert framework.data_year == 2022
    assert framework.indicators.filter(level=1).count() == 6
    assert framework.indicators.filter(level=2).count() == 15
    assert framework.indicators.filter(level=3).count() == 30
    first = list(framework.indicators.filter(level=1).values_list("name_zh", flat=True))
    assert first == [
        "建立领导和管理制度",
        "制定规划和计划",
        "提供资源保障",
        "扩大终身学习机会",
        "营造终身学习氛围",
        "建立督查评价制度",
    ]
    i = Indicator.objects.get(version=framework, code="1.1.1")
    assert i.name_zh == "确立区跨部门沟通、协商的领导机构和制度"
    assert i.parent.target_zh == "区学促委"
    assert i.monitoring_points[2] == "定期召开区学促委大会"
    assert (
        Indicator.objects.get(version=framework, code="4.3.1").monitoring_points[-1]
        == "市民在线学习资源的注册用户数及个人学习账户数"
    )
    assert (
        framework.items.filter(kind=ItemKind.BASE).count() == 7
    )  # 5 of seed 001 + 全区总人口 + 街镇数
    fed = set(
        framework.items.filter(kind=ItemKind.FED).values_list("name_zh", flat=True)
    )
    assert fed == {
        "市民信息素养的达标率(%)",
        "城区终身学习服务满意度调查数据",
        "市民在学分银行的开户数",
    }
    item = framework.items.get(code="ce_area_per_10k")
    assert item.unit == "m²/万人" and item.indicator.code == "3.2"
    assert (
        framework.items.get(code="levy_funded_trainees").responsible_unit
        == "区人力资源社会保障局"
    )


@pytest.mark.skipif(not SEED.exists(), reason="seed 001 is kept outside the repository")
def test_every_item_and_indicator_is_transcribed_from_the_seed(framework):
    """Every data item the seed lists (not only implied by a formula) and every indicator name
    appears verbatim in attachment 1 or 2."""
    text = SEED.read_text(encoding="utf-8")
    flat = re.sub(r"\s+", "", text)
    missing = [
        i.name_zh
        for i in framework.items.exclude(kind=ItemKind.BASE).filter(
            implied_by_formula=False
        )
        if re.sub(r"\s+", "", i.name_zh) not in flat
    ]
    missing += [
        i.name_zh
        for i in framework.indicators.all()
        if re.sub(r"\s+", "", i.name_zh) not in flat
    ]
    missing += [
        p
        for i in framework.indicators.filter(level=3)
        for p in i.monitoring_points
        if re.sub(r"\s+", "", p) not in flat
    ]
    assert missing == []


def test_loading_again_changes_nothing(framework):
    before = (
        FrameworkVersion.objects.count(),
        Indicator.objects.count(),
        DataItem.objects.count(),
        framework.content_sha256,
    )
    _version, changed = framework_load(path=DATA_DIR / "framework_2023.json")
    assert changed is False
    call_command("load_indicator_framework", verbosity=0)
    framework.refresh_from_db()
    assert before == (
        FrameworkVersion.objects.count(),
        Indicator.objects.count(),
        DataItem.objects.count(),
        framework.content_sha256,
    )


def _edition(tmp_path, mutate) -> Path:
    doc = json.loads((DATA_DIR / "framework_2023.json").read_text(encoding="utf-8"))
    mutate(doc)
    path = tmp_path / "framework_x.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_new_edition_loads_beside_the_old_one(framework, tmp_path):
    def next_year(doc):
        doc.update(
            year=2024, data_year=2023, title_zh="上海市学习型城区建设监测指标（2024版）"
        )
        doc["items"] = [i for i in doc["items"] if i["code"] != "senior_classroom_use"]
        doc["items"].append(
            {
                "code": "new_item",
                "indicator": "4.3",
                "name_zh": "新数据项",
                "unit": "个",
                "kind": "input",
                "value_type": "count",
            }
        )

    version, changed = framework_load(path=_edition(tmp_path, next_year))
    assert changed and version.year == 2024
    assert FrameworkVersion.objects.count() == 2
    assert framework.items.filter(code="senior_classroom_use").exists()
    assert not framework.items.filter(code="new_item").exists()
    assert version.items.filter(code="new_item").exists()
    assert not version.items.filter(code="senior_classroom_use").exists()
    from learning_platform.indicators.services import framework_for_year

    assert framework_for_year(year=2022) == framework
    assert framework_for_year(year=2023) == version


@pytest.mark.parametrize(
    "mutate, message",
    [
        (
            lambda d: d["items"][0].update(formula="special_budget / nobody"),
            "unknown items",
        ),
        (lambda d: d["items"][0].update(formula="__import__('os')"), "Unexpected"),
        (lambda d: d["items"][0].update(formula="special_budget_share + 1"), "cycle"),
        (lambda d: d["items"].append(dict(d["items"][1])), "Duplicate"),
        (
            lambda d: d["indicators"][0]["children"][0].update(
                quick_tags=["学习型街镇"]
            ),
            "quick tag",
        ),
    ],
)
def test_a_broken_edition_is_refused_and_changes_nothing(
    framework, tmp_path, mutate, message
):
    def bad(doc):
        doc.update(year=2025, data_year=2024)
        mutate(doc)

    with pytest.raises(ValidationError, match=message):
        framework_load(path=_edition(tmp_path, bad))
    assert not FrameworkVersion.objects.filter(year=2025).exists()


def test_the_api_lists_each_version_with_its_counts(client, framework, make_user):
    client.force_login(make_user())
    response = client.get("/api/v1/indicators/frameworks")
    assert response.status_code == 200
    rows = response.json()
    assert [r["year"] for r in rows] == list(
        FrameworkVersion.objects.values_list("year", flat=True)
    )
    row = next(r for r in rows if r["year"] == framework.year)
    assert row["indicators"] == framework.indicators.count() > 0
    assert row["items"] == framework.items.count() > 0
