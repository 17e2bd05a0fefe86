"""Demo of field monitoring: five districts offer sites, 2023 is drawn (黄浦 among the three),
an expert panel of two has rated 黄浦 and its feedback is released. Safe to run twice."""

from __future__ import annotations

from learning_platform.accounts.models import User
from learning_platform.accounts.services import user_create
from learning_platform.districts.models import District
from learning_platform.indicators import field_services as fsvc
from learning_platform.indicators.field_models import FieldSite, FieldYear

YEAR = 2023
SITES = {
    "310101": [
        ("南京东路街道", "street_town", "黄浦区南京东路街道社区学校，福州路"),
        ("黄浦区老年大学", "learning_point", "黄浦区西藏南路"),
        ("黄浦区图书馆", "venue", "黄浦区南昌路"),
    ],
    "310104": [
        ("徐家汇街道", "street_town", "徐汇区徐家汇街道"),
        ("徐汇区社区学院", "community_school", "徐汇区宛平南路"),
        ("徐汇区图书馆", "venue", "徐汇区南丹东路"),
    ],
    "310105": [
        ("华阳路街道", "street_town", "长宁区华阳路街道"),
        ("长宁区社区学校", "community_school", "长宁区愚园路"),
        ("长宁区文化馆", "venue", "长宁区长宁路"),
    ],
    "310106": [
        ("静安寺街道", "street_town", "静安区静安寺街道"),
        ("静安区社区学院", "community_school", "静安区共和新路"),
    ],
    "310107": [
        ("长风新村街道", "street_town", "普陀区长风新村街道"),
        ("普陀区图书馆", "venue", "普陀区铜川路"),
        ("普陀区老年大学", "learning_point", "普陀区曹杨路"),
    ],
}
RATINGS = {
    "r_1.1.1-1": "4",
    "c_1.1.1-1": "区学促委架构与市级基本一致，成员单位分工明确。",
    "r_1.1.1-3": "3",
    "r_1.2.1-1": "4",
    "r_2.1.1-1": "5",
    "c_2.1.1-1": "社区学校标准化建设成效明显。",
}


def load_field_demo(*, stdout) -> None:
    researcher = User.objects.filter(username="researcher").first()
    if researcher is None:
        stdout.write("field monitoring demo: no researcher user; skipped")
        return
    fy = FieldYear.objects.filter(year=YEAR).first()
    if fy is not None and fy.drawn_at:
        stdout.write("field monitoring demo: 2023 already drawn")
        return
    districts = {d.code: d for d in District.objects.filter(code__in=SITES)}
    for code, rows in SITES.items():
        for name, kind, address in rows:
            if (
                code in districts
                and not FieldSite.objects.filter(
                    district=districts[code], name=name
                ).exists()
            ):
                fsvc.field_site_add(
                    user=researcher,
                    district=districts[code],
                    name=name,
                    site_type=kind,
                    address=address,
                )
    seed = fsvc.draw_includes(code="310101", start=YEAR)
    fy = fsvc.field_year_draw(user=researcher, year=YEAR, seed=seed)
    expert = User.objects.filter(username="expert").first()
    if expert is None:
        expert = user_create(
            username="expert",
            password="demo-pass-2026",
            roles=["expert"],
            display_name="周专家",
        )
    lead = fsvc.field_panel_member_add(
        user=researcher,
        field_year=fy,
        name="周专家",
        organisation="上海终身教育研究院",
        member_user=expert,
        is_lead=True,
    )
    fsvc.field_panel_member_add(
        user=researcher,
        field_year=fy,
        name="研究员",
        organisation="市民终身学习监测中心",
        member_user=researcher,
    )
    huangpu = fy.districts.get(district__code="310101")
    fsvc.field_ratings_save(member=lead, field_district=huangpu, data=RATINGS)
    fsvc.field_feedback_save(
        user=researcher,
        field_district=huangpu,
        approve=True,
        text="黄浦区学习型城区建设领导机制健全，社区学校标准化建设成效明显。"
        "建议进一步完善重大事项和会议决策的记录制度，并加强学习点的数字化服务。",
    )
    stdout.write(
        f"field monitoring demo: 2023 drawn with seed {seed}, 黄浦 rated and its feedback released"
    )
