"""Demo data: the framework loaded and 黄浦's filings in the years the demo survey measured.

黄浦 files 2020 (reviewed to the end: the annual district report is built on it), 2022 (the
framework's data year, submitted and waiting for first review) and 2025 (a saved draft). The
district's own figures grow a little from year to year (``YEAR_FACTORS``). The figures the
platform supplies, 市民信息素养的达标率 and the satisfaction index, are never typed in here:
the simulated five-yearly survey (``assessment.survey.demo``, waves 2020 and 2025) feeds
them into each district's filing of the wave's year when its roll-up is published, so a
filing shows exactly the published rate. 2022 falls between the waves and has none.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.management import call_command

from learning_platform.accounts.models import User
from learning_platform.districts.models import District
from learning_platform.indicators import services
from learning_platform.indicators.field_demo import load_field_demo
from learning_platform.indicators.models import Status
from learning_platform.indicators.target_services import collection_window_set

HUANGPU_2025 = {
    "resident_population_10k": "66.20",
    "population_60_plus_10k": "24.10",
    "community_colleges": "1",
    "community_schools": "10",
    "enterprises_above_size": "612",
    "special_budget": "1850",
    "total_special_budget": "46200",
    "college_building_area": "12600",
    "school_building_area": "38400",
    "science_venue_area": "21000",
    "culture_venue_area": "96000",
    "library_area": "31000",
    "sports_venue_area": "154000",
    "library_holdings": "3120000",
    "district_experience_bases": "6",
    "city_experience_bases": "4",
    "district_walk_points": "18",
    "city_walk_points": "12",
    "senior_classroom_use": "9.5",
    "college_courses": "420",
    "school_courses": "2380",
    "other_courses": "310",
    "print_media_resources": "96",
    "online_courses_developed": "148",
    "learning_points_total": "286",
    "fulltime_teachers": "64",
    "parttime_teachers": "1120",
    "registered_volunteers": "5400",
    "other_volunteers": "820",
    "teachers_bachelor_share": "71.5",
    "all_teachers": "1184",
    "enrolled_learners": "39800",
    "teachers_total": "1184",
    "trained_teachers": "865",
    "certified_parttime_teachers": "702",
    "standard_schools": "10",
    "senior_institutions_total": "11",
    "content_standard_schools": "9",
    "excellent_schools": "4",
    "levy_funded_trainees": "5200",
    "subsidised_trainees": "8700",
    "senior_learners": "31500",
    "senior_other_learners": "2600",
    "senior_population": "251000",
    "senior_teams": "640",
    "senior_city_platform_users": "48200",
    "senior_district_platform_users": "9100",
    "unemployed_total": "9800",
    "unemployed_trained": "2150",
    "rural_labour": "0",
    "rural_trained": "0",
    "disabled_total": "11200",
    "disabled_trained": "1340",
    "learning_teams_status": "全区共有各类学习团队640个，学习型组织创建单位85家。",
    "member_training_attendances": "15400",
    "member_employees": "21800",
    "city_platform_users": "182000",
    "district_platform_users": "36000",
    "large_event_attendances": "212000",
    "experimental_projects": "9",
    "city_research_projects": "5",
    "association_projects": "7",
    "total_population_10k": "82.40",
    "subdistricts": "10",
    "ce_managers": "8",
    "community_operating_funding": "720",
}
# The 2025 figures scaled for the other filed years: the district's provision grows slowly.
YEAR_FACTORS = {2020: Decimal("0.90"), 2022: Decimal("0.95"), 2025: Decimal("1")}
APPROVED_YEAR, SUBMITTED_YEAR, DRAFT_YEAR = 2020, 2022, 2025
# The text item the organisations app offers its register's summary for (in an open filing
# whose text the district has not typed): the draft leaves it blank so the offer lands.
REGISTER_TEXT_ITEM = "learning_teams_status"
DETAILS = {
    "other_courses": "黄浦区工人文化宫 180门；区图书馆 130门",
    "senior_district_platform_users": "黄浦终身学习网 9100人",
    "district_platform_users": "黄浦终身学习网 36000人",
    "special_budget": "区文化旅游局“市民文化艺术节”专项等",
}


def _form(values: dict[str, str], factor: Decimal = Decimal(1)) -> dict[str, str]:
    out = {}
    for code, value in values.items():
        try:
            number = Decimal(value)
        except ArithmeticError:
            out[f"v_{code}"] = value
            continue
        scaled = (
            number
            if code.endswith("_share") or "." in value
            else (number * factor).to_integral_value()
        )
        out[f"v_{code}"] = str(scaled)
    out.update({f"d_{k}": v for k, v in DETAILS.items()})
    return out


def load_demo(*, stdout) -> None:
    call_command("load_indicator_framework", stdout=stdout)

    # the spring after the data year, as attachment 3's platform runs; the draft year has none yet
    for year in (APPROVED_YEAR, SUBMITTED_YEAR):
        collection_window_set(
            year=year, opens_on=date(year + 1, 3, 1), closes_on=date(year + 1, 4, 28)
        )
    huangpu = District.objects.filter(code="310101").first()
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["statistician", "liaison", "head"])
    }
    if huangpu is None or len(users) < 3:
        stdout.write(
            "indicators demo: 黄浦 or its statistician/liaison/head missing; framework only"
        )
        return
    for year in (APPROVED_YEAR, SUBMITTED_YEAR, DRAFT_YEAR):
        submission = services.submission_ensure(district=huangpu, year=year)
        if submission.status not in (Status.NOT_STARTED, Status.DRAFT) or (
            year == DRAFT_YEAR and submission.status == Status.DRAFT
        ):
            continue
        data = _form(HUANGPU_2025, YEAR_FACTORS[year])
        if (
            year == DRAFT_YEAR
        ):  # left blank for the summary the learning-organisation register offers
            data.pop(f"v_{REGISTER_TEXT_ITEM}")
        check = services.entry_save(
            submission=submission,
            user=users["statistician"],
            data=data,
            submit=year != DRAFT_YEAR,
        )
        if check.errors or (year != DRAFT_YEAR and check.unconfirmed):
            stdout.write(
                f"indicators demo: {year} not saved: {check.errors or check.unconfirmed}"
            )
            return
        if year == APPROVED_YEAR:
            services.review_decide(
                submission=submission,
                user=users["liaison"],
                approve=True,
                comment="数据完整，同意。",
            )
            services.review_decide(
                submission=submission,
                user=users["head"],
                approve=True,
                comment="同意上报。",
            )
    stdout.write(
        f"indicators demo: 黄浦 {APPROVED_YEAR} reviewed, {SUBMITTED_YEAR} submitted for first "
        f"review, {DRAFT_YEAR} saved as a draft; the survey supplies the attainment rates"
    )

    load_field_demo(stdout=stdout)
