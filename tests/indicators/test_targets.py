"""Targets as data: every target on a worked example, the pure evaluator, loading and flags."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from learning_platform.indicators import monitoring, services
from learning_platform.indicators import targets as rules
from learning_platform.indicators.models import Target
from learning_platform.indicators.target_services import DATA_DIR, targets_load

D = Decimal


def spec(code, formula, threshold, comparison=rules.GTE):
    return rules.TargetSpec(
        code=code,
        name_zh=code,
        formula=formula,
        comparison=comparison,
        threshold=D(threshold),
    )


def test_the_kept_targets_name_their_seed_clause_and_items(framework):
    targets = {t.code: t for t in Target.objects.filter(version=framework)}
    assert set(targets) == {
        "ce_staff_ratio",
        "school_per_subdistrict",
        "community_funding_per_resident",
        "community_funding_growth",
    }
    staff = targets["ce_staff_ratio"]
    assert staff.threshold == 1 and staff.unit == "名/万人" and staff.seed == "002"
    assert "专职教师和管理人员" in staff.quote_zh and "ce_managers" in staff.item_codes
    assert (
        targets["school_per_subdistrict"].quote_zh
        == "确保每个街镇至少设立一所社区(老年)学校"
    )
    funding = targets["community_funding_per_resident"]
    assert funding.threshold == 10 and funding.unit == "元/人" and funding.seed == "003"
    assert "人均经费不少于10元" in funding.quote_zh


@pytest.mark.parametrize("seed", ["002", "003"])
def test_every_quote_is_verbatim_in_its_seed(framework, seed):
    import re

    from tests.indicators.test_framework import _seed

    names = {"002": "002_ec4741d4dcd9d85b.txt", "003": "003_a941090eb9e5e941.txt"}
    path = _seed(names[seed])
    if not path.exists():
        pytest.skip("seeds are kept outside the repository")
    flat = re.sub(r"[\s.,，。]", "", path.read_text(encoding="utf-8"))
    for target in Target.objects.filter(version=framework, seed=seed):
        assert re.sub(r"[\s.,，。]", "", target.quote_zh) in flat, target.code


def _specs(framework):
    return {s.code: s for s in monitoring.target_specs(framework)}


def test_staff_target_counts_management_staff(framework):
    """黄浦: 64 full-time teachers + 8 managers for 66.2 (10,000) residents = 1.0876 ≥ 1;
    the teachers alone (0.9668) would miss it."""
    staff = _specs(framework)["ce_staff_ratio"]
    values = {
        "fulltime_teachers": D(64),
        "ce_managers": D(8),
        "resident_population_10k": D("66.2"),
        "parttime_teachers": D(1120),
    }
    result = rules.target_evaluate(staff, values)
    assert result.status == rules.MET and result.value == D("1.0876")
    result = rules.target_evaluate(staff, dict(values, ce_managers=D(0)))
    assert result.status == rules.MISSED and result.value == D("0.9668")
    # part-time teachers never count towards it
    assert (
        rules.target_evaluate(
            staff, dict(values, ce_managers=D(0), parttime_teachers=D(99999))
        ).status
        == rules.MISSED
    )
    assert (
        rules.target_evaluate(staff, {"fulltime_teachers": D(64)}).status
        == rules.NO_DATA
    )


def test_school_per_street_target(framework):
    target = _specs(framework)["school_per_subdistrict"]
    assert (
        rules.target_evaluate(
            target, {"community_schools": D(10), "subdistricts": D(10)}
        ).status
        == rules.MET
    )
    missed = rules.target_evaluate(
        target, {"community_schools": D(9), "subdistricts": D(10)}
    )
    assert missed.status == rules.MISSED and missed.value == D("0.9")
    zero = rules.target_evaluate(
        target, {"community_schools": D(9), "subdistricts": D(0)}
    )
    assert zero.status == rules.NO_DATA


def test_funding_per_resident_target(framework):
    """720 万元 for 66.2 万 residents = 10.88 元 each ≥ 10; 650 万元 = 9.82 元 misses."""
    target = _specs(framework)["community_funding_per_resident"]
    met = rules.target_evaluate(
        target,
        {"community_operating_funding": D(720), "resident_population_10k": D("66.2")},
    )
    assert met.status == rules.MET and met.value == D("10.8761")
    missed = rules.target_evaluate(
        target,
        {"community_operating_funding": D(650), "resident_population_10k": D("66.2")},
    )
    assert missed.status == rules.MISSED and missed.value == D("9.8187")


def test_funding_growth_target_reads_last_year(framework):
    target = _specs(framework)["community_funding_growth"]
    now = {"community_operating_funding": D(720), "resident_population_10k": D("66.2")}
    assert rules.target_evaluate(target, now).status == rules.NO_DATA  # no last year
    grew = rules.target_evaluate(
        target,
        now,
        previous={
            "community_operating_funding": D(662),
            "resident_population_10k": D("66.2"),
        },
    )
    assert grew.status == rules.MET and grew.previous == D(10)
    fell = rules.target_evaluate(
        target,
        now,
        previous={
            "community_operating_funding": D(800),
            "resident_population_10k": D("66.2"),
        },
    )
    assert fell.status == rules.MISSED


def test_targets_evaluate_over_districts_and_years():
    s = spec("x", "a / b", "1")
    out = rules.targets_evaluate(
        [s],
        {
            ("310101", 2022): {"a": D(2), "b": D(1)},
            ("310104", 2022): {"a": D(1), "b": D(2)},
        },
    )
    assert [r.status for r in out[("310101", 2022)]] == [rules.MET]
    assert [r.status for r in out[("310104", 2022)]] == [rules.MISSED]
    with pytest.raises(ValueError, match="Unknown comparison"):
        rules.target_evaluate(spec("y", "a", "1", comparison="lte"), {"a": D(1)})


def test_a_target_reading_an_unknown_item_is_refused_whole(framework, tmp_path):
    doc = json.loads((DATA_DIR / "targets_2023.json").read_text(encoding="utf-8"))
    doc["targets"][0]["threshold"] = "5"
    doc["targets"][1]["formula"] = "community_schools / nobody"
    path = tmp_path / "targets_x.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValidationError, match="unknown items"):
        targets_load(path=path)
    assert (
        Target.objects.get(version=framework, code="ce_staff_ratio").threshold == 1
    )  # nothing half-saved


def test_submission_flags_the_missed_target(framework, hp, staff, full_form):
    sub = services.submission_ensure(district=hp, year=2022)
    services.entry_save(
        submission=sub,
        user=staff["stat"],
        data=dict(full_form, v_ce_managers="0"),
        submit=True,
    )
    results = {r.target.code: r for r in monitoring.submission_target_results(sub)}
    assert results["ce_staff_ratio"].status == rules.MISSED
    assert results["school_per_subdistrict"].status == rules.MET
    assert results["community_funding_per_resident"].status == rules.MET
    assert results["community_funding_growth"].status == rules.NO_DATA
    assert list(monitoring.missed_targets_by_district(year=2022)) == [hp.pk]
