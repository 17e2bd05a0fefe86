"""The four indicator sets of seed 003: transcribed verbatim, loaded idempotently, versioned."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from learning_platform.organisations.models import (
    EvidenceKind,
    IndicatorSet,
    SetIndicator,
    SetItem,
)
from learning_platform.organisations.services.indicator_sets import (
    DATA_DIR,
    load_indicator_sets,
)

KEPT = DATA_DIR / "indicator_sets_2023.json"
KINDS = ["agency", "enterprise", "community", "family"]
COUNTS = {
    "agency": (6, 12),
    "enterprise": (7, 19),
    "community": (6, 19),
    "family": (5, 16),
}


def _seed(name: str) -> Path:
    """A seed document: under $PLATFORM_SHARED_DIR, beside the repository (``../shared``),
    or in the workplace's shared folder."""
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


SEED = _seed("003_a941090eb9e5e941.txt")


def _seed_tables(text: str) -> list[list[tuple[str, list[str]]]]:
    """The attachments' tables: rows of tab-led cells, (一级指标, 指标项) pairs, where an empty
    first cell continues the indicator above."""
    tables: list[list[tuple[str, list[str]]]] = []
    pending: str | None = None
    for line in text.splitlines():
        if not line.startswith("\t"):
            continue
        cell = line.strip()
        if cell == "一级指标":
            tables.append([])
            pending = None
            continue
        if not tables or (cell == "指标项" and not tables[-1] and pending is None):
            continue
        if pending is None:
            pending = cell
            continue
        if pending:
            tables[-1].append((pending, []))
        tables[-1][-1][1].append(cell)
        pending = None
    return tables


def _doc() -> dict:
    return json.loads(KEPT.read_text(encoding="utf-8"))


@pytest.fixture
def loaded(db):
    call_command("load_org_indicator_sets", verbosity=0)
    return {s.kind: s for s in IndicatorSet.objects.filter(version=2023)}


@pytest.mark.skipif(not SEED.exists(), reason="seed 003 is kept outside the repository")
def test_every_indicator_and_item_is_verbatim_from_the_seed():
    """Each kind's first-level indicators and items equal the seed's attachment, in order."""
    text = SEED.read_text(encoding="utf-8")
    tables = _seed_tables(text)
    assert [(len(t), sum(len(items) for _n, items in t)) for t in tables] == [
        COUNTS[k] for k in KINDS
    ]
    doc = _doc()
    assert [s["kind"] for s in doc["sets"]] == KINDS
    for kind_set, table in zip(doc["sets"], tables, strict=True):
        assert kind_set["title_zh"] in text
        kept = [
            (i["name_zh"], [item["text_zh"] for item in i["items"]])
            for i in kind_set["indicators"]
        ]
        assert kept == table, kind_set["kind"]


def test_the_kept_file_counts(loaded):
    for kind, (n_indicators, n_items) in COUNTS.items():
        indicator_set = loaded[kind]
        assert indicator_set.indicators.count() == n_indicators
        assert (
            SetItem.objects.filter(indicator__indicator_set=indicator_set).count()
            == n_items
        )
        assert all(i.name_en for i in indicator_set.indicators.all())
        assert not SetItem.objects.filter(
            indicator__indicator_set=indicator_set, text_en=""
        ).exists()


def test_measurable_items_say_how_they_are_measured(loaded):
    def item(kind: str, measure: str) -> SetItem:
        return SetItem.objects.get(
            indicator__indicator_set=loaded[kind], measure=measure
        )

    funding = item("community", "funding_per_resident")
    assert funding.evidence == EvidenceKind.NUMBER
    assert (funding.threshold, funding.comparison, funding.unit_zh) == (
        Decimal("10"),
        "gte",
        "元/人·年",
    )
    assert "人均经费不少于10元" in funding.text_zh
    hours = item("family", "hours_per_day")
    assert (hours.threshold, hours.comparison, hours.instrument_slug) == (
        Decimal("1"),
        "gte",
        "family-learning",
    )
    books = item("family", "books_per_member")
    assert (books.threshold, books.comparison, books.unit_zh) == (
        Decimal("8"),
        "gte",
        "本/人·年",
    )
    residents = SetItem.objects.get(
        indicator__indicator_set=loaded["community"],
        evidence=EvidenceKind.QUESTIONNAIRE,
    )
    assert residents.instrument_slug == "community-residents"
    assert "知晓度、参与率和满意率较高" in residents.text_zh


def test_loading_again_changes_nothing(loaded):
    before = (
        IndicatorSet.objects.count(),
        SetIndicator.objects.count(),
        SetItem.objects.count(),
        sorted(IndicatorSet.objects.values_list("content_sha256", flat=True)),
    )
    results = load_indicator_sets(KEPT)
    assert [changed for _s, changed in results] == [False] * 4
    call_command("load_org_indicator_sets", verbosity=0)
    after = (
        IndicatorSet.objects.count(),
        SetIndicator.objects.count(),
        SetItem.objects.count(),
        sorted(IndicatorSet.objects.values_list("content_sha256", flat=True)),
    )
    assert before == after


def _edition(tmp_path: Path, mutate) -> Path:
    doc = _doc()
    mutate(doc)
    path = tmp_path / "indicator_sets_x.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_new_edition_loads_beside_the_old_one(loaded, tmp_path):
    def next_edition(doc):
        doc["year"] = 2025
        community = doc["sets"][2]
        community["indicators"][3]["items"][1]["threshold"] = 12
        community["indicators"][0]["items"].pop()

    results = load_indicator_sets(_edition(tmp_path, next_edition))
    assert all(changed for _s, changed in results)
    assert IndicatorSet.objects.filter(kind="community").count() == 2
    old = SetItem.objects.get(
        indicator__indicator_set=loaded["community"], measure="funding_per_resident"
    )
    new = SetItem.objects.get(
        indicator__indicator_set__version=2025,
        indicator__indicator_set__kind="community",
        measure="funding_per_resident",
    )
    assert (old.threshold, new.threshold) == (Decimal("10"), Decimal("12"))
    assert (
        SetItem.objects.filter(indicator__indicator_set=loaded["community"]).count()
        == 19
    )
    assert (
        SetItem.objects.filter(
            indicator__indicator_set__version=2025,
            indicator__indicator_set__kind="community",
        ).count()
        == 18
    )


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["sets"][0].update(kind="club"), "Unknown organisation kind"),
        (
            lambda d: d["sets"][0]["indicators"][0]["items"][0].update(
                evidence="hearsay"
            ),
            "unknown evidence",
        ),
        (
            lambda d: d["sets"][0]["indicators"][0]["items"][1].pop("measure"),
            "needs a measure",
        ),
        (
            lambda d: d["sets"][2]["indicators"][3]["items"][1].pop("comparison"),
            "needs a comparison",
        ),
        (
            lambda d: d["sets"][1]["indicators"][0]["items"].append(
                dict(d["sets"][1]["indicators"][0]["items"][0])
            ),
            "duplicate item codes",
        ),
        (lambda d: d["sets"].append(dict(d["sets"][0])), "lists a kind twice"),
    ],
)
def test_a_broken_edition_is_refused_and_changes_nothing(db, tmp_path, mutate, message):
    def bad(doc):
        doc["year"] = 2026
        mutate(doc)

    with pytest.raises(ValidationError, match=message):
        load_indicator_sets(_edition(tmp_path, bad))
    assert not IndicatorSet.objects.filter(version=2026).exists()


def test_a_used_set_is_never_rewritten(loaded, tmp_path, districts):
    from learning_platform.organisations.models import (
        MonitoringYear,
        Organisation,
        SampledOrganisation,
        SelfAssessment,
    )

    org = Organisation.objects.create(
        kind="community", name="测试社区", district=districts[0], slug="t-1"
    )
    year = MonitoringYear.objects.create(year=2024)
    sampled = SampledOrganisation.objects.create(
        monitoring_year=year, organisation=org, stratum="x", weight=1
    )
    SelfAssessment.objects.create(sampled=sampled, indicator_set=loaded["community"])

    def reworded(doc):
        doc["sets"][2]["indicators"][0]["items"][0]["text_zh"] = "改写"

    with pytest.raises(ValidationError, match="new edition year"):
        load_indicator_sets(_edition(tmp_path, reworded))
    assert not SetItem.objects.filter(text_zh="改写").exists()


def test_the_edition_in_force_is_the_latest_not_after_the_year(loaded, tmp_path):
    from learning_platform.organisations.selectors.register import (
        indicator_set_for_year,
    )

    def later(doc):
        doc["year"] = 2025

    load_indicator_sets(_edition(tmp_path, later))
    assert indicator_set_for_year(kind="family", year=2024) == loaded["family"]
    assert indicator_set_for_year(kind="family", year=2026).version == 2025
    with pytest.raises(IndicatorSet.DoesNotExist):
        indicator_set_for_year(kind="family", year=2022)
