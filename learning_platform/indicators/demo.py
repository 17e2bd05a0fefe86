"""Demo data: the framework loaded; 黄浦 with 2021 reviewed to the end and 2022 filled and submitted."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.management import call_command

from learning_platform.accounts.models import User
from learning_platform.districts.models import District
from learning_platform.indicators import services
from learning_platform.indicators.models import Status

HUANGPU_2022 = {
    "resident_population_10k": "66.20", "population_60_plus_10k": "24.10", "community_colleges": "1",
    "community_schools": "10", "enterprises_above_size": "612",
    "special_budget": "1850", "total_special_budget": "46200",
    "college_building_area": "12600", "school_building_area": "38400",
    "science_venue_area": "21000", "culture_venue_area": "96000", "library_area": "31000",
    "sports_venue_area": "154000", "library_holdings": "3120000",
    "district_experience_bases": "6", "city_experience_bases": "4",
    "district_walk_points": "18", "city_walk_points": "12", "senior_classroom_use": "9.5",
    "college_courses": "420", "school_courses": "2380", "other_courses": "310",
    "print_media_resources": "96", "online_courses_developed": "148", "learning_points_total": "286",
    "fulltime_teachers": "64", "parttime_teachers": "1120", "registered_volunteers": "5400",
    "other_volunteers": "820", "teachers_bachelor_share": "71.5", "all_teachers": "1184",
    "enrolled_learners": "39800", "teachers_total": "1184", "trained_teachers": "865",
    "certified_parttime_teachers": "702", "standard_schools": "10", "senior_institutions_total": "11",
    "content_standard_schools": "9", "excellent_schools": "4", "levy_funded_trainees": "5200",
    "subsidised_trainees": "8700", "senior_learners": "31500", "senior_other_learners": "2600",
    "senior_population": "251000", "senior_teams": "640", "senior_city_platform_users": "48200",
    "senior_district_platform_users": "9100", "unemployed_total": "9800", "unemployed_trained": "2150",
    "rural_labour": "0", "rural_trained": "0", "disabled_total": "11200", "disabled_trained": "1340",
    "learning_teams_status": "全区共有各类学习团队640个，学习型组织创建单位85家。",
    "member_training_attendances": "15400", "member_employees": "21800",
    "city_platform_users": "182000", "district_platform_users": "36000",
    "large_event_attendances": "212000", "experimental_projects": "9", "city_research_projects": "5",
    "association_projects": "7",
    "total_population_10k": "82.40", "subdistricts": "10", "ce_managers": "8",
    "community_operating_funding": "720",
}
DETAILS = {"other_courses": "黄浦区工人文化宫 180门；区图书馆 130门",
           "senior_district_platform_users": "黄浦终身学习网 9100人",
           "district_platform_users": "黄浦终身学习网 36000人",
           "special_budget": "区文化旅游局“市民文化艺术节”专项等"}


def _form(values: dict[str, str], factor: Decimal = Decimal(1)) -> dict[str, str]:
    out = {}
    for code, value in values.items():
        try:
            number = Decimal(value)
        except ArithmeticError:
            out[f"v_{code}"] = value
            continue
        scaled = number if code.endswith("_share") or "." in value else (number * factor).to_integral_value()
        out[f"v_{code}"] = str(scaled)
    out.update({f"d_{k}": v for k, v in DETAILS.items()})
    return out


def load_demo(*, stdout) -> None:
    call_command("load_indicator_framework", stdout=stdout)
    from learning_platform.indicators.target_services import collection_window_set

    for year in (2021, 2022):  # the spring after the data year, as attachment 3's platform runs
        collection_window_set(year=year, opens_on=date(year + 1, 3, 1), closes_on=date(year + 1, 4, 28))
    huangpu = District.objects.filter(code="310101").first()
    users = {u.username: u for u in User.objects.filter(username__in=["statistician", "liaison", "head"])}
    if huangpu is None or len(users) < 3:
        stdout.write("indicators demo: 黄浦 or its statistician/liaison/head missing; framework only")
        return
    earlier = services.submission_ensure(district=huangpu, year=2021)
    if earlier.status in (Status.NOT_STARTED, Status.DRAFT):
        check = services.entry_save(submission=earlier, user=users["statistician"],
                                    data=_form(HUANGPU_2022, Decimal("0.92")), submit=True)
        if check.errors:
            stdout.write(f"indicators demo: 2021 not saved: {check.errors}")
            return
        services.review_decide(submission=earlier, user=users["liaison"], approve=True, comment="数据完整，同意。")
        services.review_decide(submission=earlier, user=users["head"], approve=True, comment="同意上报。")
    current = services.submission_ensure(district=huangpu, year=2022)
    if current.status in (Status.NOT_STARTED, Status.DRAFT):
        check = services.entry_save(submission=current, user=users["statistician"], data=_form(HUANGPU_2022),
                                    submit=True)
        if check.errors or check.unconfirmed:
            stdout.write(f"indicators demo: 2022 not submitted: {check.errors or check.unconfirmed}")
            return
    services.monitoring_value_feed(district_code="310101", year=2022, item_code="info_literacy_rate",
                                   value=68.4, se=1.9, n=812, suppressed=False,
                                   source="demo: 市民终身学习需求与能力监测中心 2022 roll-up")
    services.monitoring_value_feed(district_code="310101", year=2022, item_code="service_satisfaction",
                                   value=88.1, se=1.2, n=812, suppressed=False,
                                   source="demo: 市民终身学习服务满意度问卷调查")
    stdout.write("indicators demo: 黄浦 2021 reviewed, 2022 submitted for first review")
    from learning_platform.indicators.field_demo import load_field_demo

    load_field_demo(stdout=stdout)
