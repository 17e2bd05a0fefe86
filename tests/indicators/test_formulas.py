"""The formula parser and every formula of attachment 2 on a worked example."""

from __future__ import annotations

from decimal import Decimal

import pytest

from learning_platform.indicators import formulas
from learning_platform.indicators.models import ItemKind
from learning_platform.indicators.selectors import compute


def ev(text: str, **values) -> Decimal:
    def lookup(name):
        if name not in values:
            raise formulas.NotComputable("missing", missing=(name,))
        return Decimal(str(values[name]))

    return formulas.evaluate(formulas.parse(text), lookup)


def test_precedence_parentheses_and_unary_minus():
    assert ev("1 + 2 * 3") == 7
    assert ev("(1 + 2) * 3") == 9
    assert ev("10 / 4 / 5") == Decimal("0.5")
    assert ev("-a + 3", a=5) == -2
    assert ev("a - -b", a=1, b=2) == 3
    assert (
        ev("x / (y * 10000) * 100", x=331, y="66.2")
        == Decimal(331) / Decimal("662000") * 100
    )


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "a ** 2",
        "a; b",
        "1 +",
        "(a + b",
        "a b",
        "",
        "open(x)",
        "a.b",
        "1e3",
        "a[0]",
    ],
)
def test_anything_outside_the_grammar_is_refused(text):
    with pytest.raises(formulas.FormulaError):
        formulas.parse(text)


def test_division_by_zero_and_missing_inputs_are_not_computable():
    with pytest.raises(formulas.NotComputable) as exc:
        ev("a / (b - c)", a=1, b=2, c=2)
    assert "b - c" in exc.value.reason
    with pytest.raises(formulas.NotComputable) as exc:
        ev("(a + b) / c", a=1)
    assert exc.value.missing == ("b", "c")


# Inputs of the worked example (黄浦 2022 demo figures) and each derived item's value computed
# here by hand from attachment 2's formula text, independently of the stored formulas.
P = Decimal("66.2")  # resident population, 10,000s
INPUTS = {
    "resident_population_10k": P,
    "community_colleges": 1,
    "community_schools": 10,
    "special_budget": 1850,
    "total_special_budget": 46200,
    "college_building_area": 12600,
    "school_building_area": 38400,
    "science_venue_area": 21000,
    "culture_venue_area": 96000,
    "library_area": 31000,
    "sports_venue_area": 154000,
    "library_holdings": 3120000,
    "district_experience_bases": 6,
    "city_experience_bases": 4,
    "district_walk_points": 18,
    "city_walk_points": 12,
    "college_courses": 420,
    "school_courses": 2380,
    "other_courses": 310,
    "print_media_resources": 96,
    "online_courses_developed": 148,
    "learning_points_total": 286,
    "fulltime_teachers": 64,
    "parttime_teachers": 1120,
    "registered_volunteers": 5400,
    "other_volunteers": 820,
    "all_teachers": 1184,
    "enrolled_learners": 39800,
    "teachers_total": 1184,
    "trained_teachers": 865,
    "certified_parttime_teachers": 702,
    "standard_schools": 10,
    "senior_institutions_total": 11,
    "content_standard_schools": 9,
    "excellent_schools": 4,
    "senior_learners": 31500,
    "senior_other_learners": 2600,
    "senior_population": 251000,
    "senior_teams": 640,
    "senior_city_platform_users": 48200,
    "senior_district_platform_users": 9100,
    "unemployed_total": 9800,
    "unemployed_trained": 2150,
    "rural_labour": 5000,
    "rural_trained": 1200,
    "disabled_total": 11200,
    "disabled_trained": 1340,
    "credit_bank_accounts": 52000,
    "member_training_attendances": 15400,
    "member_employees": 21800,
    "city_platform_users": 182000,
    "district_platform_users": 36000,
    "large_event_attendances": 212000,
    "experimental_projects": 9,
    "city_research_projects": 5,
    "association_projects": 7,
    "total_population_10k": Decimal("82.4"),
    "ce_managers": 8,
    "subdistricts": 10,
    "community_operating_funding": 720,
}
D = {k: Decimal(str(v)) for k, v in INPUTS.items()}
EXPECTED = {
    "special_budget_share": D["special_budget"] / D["total_special_budget"] * 100,
    "ce_area_per_10k": (12600 + 38400) / P,
    "venue_area_per_10k": (21000 + 96000 + 31000 + 154000) / P,
    "library_books_per_capita": 3120000 / (P * 10000),
    "experience_bases": Decimal(10),
    "humanities_walk_points": Decimal(30),
    "courses_per_100k": (420 + 2380 + 310) / (P / 10),
    "print_resources_per_school": Decimal(96) / 11,
    "online_resources_per_school": Decimal(148) / 11,
    "institutions_per_100k": 286 / (P / 10),
    "fulltime_teachers_per_10k": 64 / P,
    "parttime_teachers_per_10k": 1120 / P,
    "teachers_per_10k": 64 / P + 1120 / P,
    "volunteers_per_10k": (5400 + 820) / P,
    "student_teacher_ratio": Decimal(39800) / 1184,
    "teacher_training_rate": Decimal(865) / 1184 * 100,
    "parttime_certificate_share": Decimal(702) / 1120 * 100,
    "school_standard_rate": Decimal(10) / 11 * 100,
    "school_content_rate": Decimal(9) / 11 * 100,
    "excellent_school_rate": Decimal(4) / 11 * 100,
    "senior_participation_rate": Decimal(31500 + 2600) / 251000 * 100,
    "senior_teams_per_10k": Decimal(640) / (Decimal(251000) / 10000),
    "senior_online_rate": Decimal(48200 + 9100) / 251000 * 100,
    "unemployed_training_rate": Decimal(2150) / 9800 * 100,
    "rural_training_rate": Decimal(1200) / 5000 * 100,
    "disabled_training_rate": Decimal(1340) / 11200 * 100,
    # 附件2: 市民在学分银行的开户数 / 全区总人口 (the total population, not the resident one)
    "credit_bank_share": 52000 / (Decimal("82.4") * 10000) * 100,
    # 沪府办发〔2023〕24号: full-time teachers and management staff per 10,000 residents
    "ce_staff_per_10k": (64 + 8) / P,
    "member_training_share": Decimal(15400) / 21800 * 100,
    "online_learning_rate": (182000 + 36000) / (P * 10000) * 100,
    "large_event_rate": 212000 / (P * 10000) * 100,
    "projects_per_teacher": Decimal(9 + 5 + 7) / 64,
}


def test_every_derived_item_has_a_worked_example(framework):
    derived = set(
        framework.items.filter(kind=ItemKind.DERIVED).values_list("code", flat=True)
    )
    assert derived == set(EXPECTED)


def test_every_formula_on_the_worked_example(framework):
    out = compute(version=framework, values=D)
    wrong = {
        code: (out[code].value, out[code].reason, expected.quantize(Decimal("0.0001")))
        for code, expected in EXPECTED.items()
        if out[code].reason or abs(out[code].value - expected) > Decimal("0.00006")
    }
    assert wrong == {}


def test_missing_input_names_what_is_missing(framework):
    values = dict(D)
    del values["school_building_area"]
    result = compute(version=framework, values=values)["ce_area_per_10k"]
    assert result.value is None
    assert "街镇社区（老年）学校校舍面积" in result.reason
    # an item depending on another derived item that is not computable is not computable either
    values = dict(D)
    values["fulltime_teachers"] = None
    out = compute(version=framework, values=values)
    assert (
        out["teachers_per_10k"].value is None
        and "社区教育专职教师数" in out["teachers_per_10k"].reason
    )
    assert out["projects_per_teacher"].value is None


def test_division_by_zero_is_not_a_number(framework):
    values = dict(
        D,
        rural_labour=Decimal(0),
        community_colleges=Decimal(0),
        community_schools=Decimal(0),
    )
    out = compute(version=framework, values=values)
    assert out["rural_training_rate"].value is None
    assert out["rural_training_rate"].reason == "除数为零：农村劳动力总数 = 0"
    assert out["print_resources_per_school"].value is None
    assert "除数为零" in out["print_resources_per_school"].reason
    assert out["unemployed_training_rate"].value is not None  # others unaffected


def test_credit_bank_share_divides_by_the_total_population(framework):
    """Seed deviation fixed: 学分银行开户数占比 = 开户数 / 全区总人口, not the resident population."""
    item = framework.items.get(code="credit_bank_share")
    assert (
        "total_population_10k" in item.formula
        and "resident_population_10k" not in item.formula
    )
    assert framework.items.get(code="total_population_10k").name_zh == "全区总人口"
    out = compute(
        version=framework, values=dict(D, resident_population_10k=Decimal("1"))
    )
    assert out["credit_bank_share"].value == (
        Decimal(52000) / Decimal(824000) * 100
    ).quantize(Decimal("0.0001"))
    missing = compute(
        version=framework,
        values={k: v for k, v in D.items() if k != "total_population_10k"},
    )
    assert (
        missing["credit_bank_share"].value is None
        and "全区总人口" in missing["credit_bank_share"].reason
    )


def test_staff_ratio_counts_management_staff(framework):
    """Seed deviation fixed: the staff ratio of seed 002 counts full-time teachers and managers."""
    out = compute(version=framework, values=D)
    assert out["ce_staff_per_10k"].value == (Decimal(72) / P).quantize(
        Decimal("0.0001")
    )
    assert (
        out["ce_staff_per_10k"].value > 1 > Decimal(64) / P
    )  # teachers alone would miss the target
    no_managers = compute(
        version=framework, values={k: v for k, v in D.items() if k != "ce_managers"}
    )
    assert no_managers["ce_staff_per_10k"].value is None
    assert "社区教育管理人员数" in no_managers["ce_staff_per_10k"].reason
