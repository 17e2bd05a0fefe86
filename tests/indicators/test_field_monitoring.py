"""Field monitoring (seed 001, attachment 4): draw, panel ratings, sub-reports and access."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from learning_platform.indicators import field_selectors as fsel
from learning_platform.indicators import field_services as fsvc
from learning_platform.indicators.models import FieldRating, FieldSite, FieldYear


@pytest.fixture
def sites(districts, make_user):
    """Six districts offer three sites each, one offers one (too few for the draw)."""
    owner = make_user("researcher", username="site_owner")
    for d in districts[:6]:
        for i in range(3):
            fsvc.field_site_add(
                user=owner,
                district=d,
                name=f"{d.name_zh}街道{i}",
                site_type="street_town",
                address=f"{d.name_zh}路{i}号",
            )
    fsvc.field_site_add(
        user=owner,
        district=districts[6],
        name="唯一",
        site_type="venue",
        address="某路1号",
    )
    return FieldSite.objects.all()


@pytest.fixture
def people(make_user, districts):
    return {
        "res": make_user("researcher", username="res"),
        "ex1": make_user("expert", username="ex1"),
        "ex2": make_user("expert", username="ex2"),
        "citizen": make_user("citizen", username="cit"),
    }


def _drawn(people, year=2023, seed=42):
    fy = fsvc.field_year_draw(user=people["res"], year=year, seed=seed)
    m1 = fsvc.field_panel_member_add(
        user=people["res"],
        field_year=fy,
        name="王专家",
        organisation="终身教育研究院",
        member_user=people["ex1"],
        is_lead=True,
    )
    m2 = fsvc.field_panel_member_add(
        user=people["res"],
        field_year=fy,
        name="李专家",
        organisation="某大学",
        member_user=people["ex2"],
    )
    return fy, m1, m2


def _draw_signature(fy: FieldYear):
    return [
        (fd.district.code, [s.site_id for s in fd.sites.all()])
        for fd in fy.districts.all()
    ]


def test_draw_is_reproducible_from_the_seed(framework, sites, people):
    """The same seed over the same frame draws the same districts and sites; it is recorded."""
    fy = fsvc.field_year_draw(user=people["res"], year=2023, seed=7)
    first = _draw_signature(fy)
    assert len(first) == 3 and all(len(ids) == 3 for _c, ids in first)
    assert fy.drawn_by == people["res"] and fy.drawn_at and fy.seed == 7
    fy = fsvc.field_year_draw(user=people["res"], year=2023, seed=7)
    assert _draw_signature(fy) == first
    # the frame: only districts with at least two sites, the one-site district left out
    assert len(fy.frame["districts"]) == 6
    # weights: the inverse of P(district) × P(site | district)
    site = fy.districts.first().sites.first()
    assert site.selection_probability == pytest.approx(3 / 6 * 3 / 3)
    assert site.weight == pytest.approx(2.0)
    other = _draw_signature(fsvc.field_year_draw(user=people["res"], year=2023, seed=8))
    assert {c for c, _ids in other} <= {c for c, _ids in fy.frame["districts"]}


def test_two_sites_per_district(framework, sites, people):
    fy = fsvc.field_year_draw(
        user=people["res"], year=2023, seed=3, sites_per_district=2
    )
    for fd in fy.districts.all():
        assert fd.sites.count() == 2
        assert fd.sites.first().selection_probability == pytest.approx(3 / 6 * 2 / 3)


def test_redraw_refused_once_visits_started(framework, sites, people):
    fy, m1, _m2 = _drawn(people)
    fd = fy.districts.first()
    fsvc.field_ratings_save(member=m1, field_district=fd, data={"r_1.1.1-1": "4"})
    with pytest.raises(ValidationError) as exc:
        fsvc.field_year_draw(user=people["res"], year=2023, seed=99)
    assert "不能再重新抽取" in " ".join(exc.value.messages) or "no longer" in " ".join(
        exc.value.messages
    )
    assert FieldYear.objects.get(year=2023).seed == 42


def test_redraw_refused_after_start_of_visits(framework, sites, people):
    fy = fsvc.field_year_draw(user=people["res"], year=2023, seed=1)
    fsvc.field_year_start_visits(user=people["res"], field_year=fy)
    with pytest.raises(ValidationError):
        fsvc.field_year_draw(user=people["res"], year=2023, seed=2)


def test_draw_needs_three_districts_with_sites(framework, districts, people):
    with pytest.raises(ValidationError) as exc:
        fsvc.field_year_draw(user=people["res"], year=2023, seed=1)
    assert "year" in exc.value.message_dict
    assert not FieldYear.objects.exists()


def test_only_the_centre_draws(framework, sites, people):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        fsvc.field_year_draw(user=people["ex1"], year=2023, seed=1)


def test_site_entry_errors_name_the_field(districts, make_user):
    hp = next(d for d in districts if d.code == "310101")
    stat = make_user("district_statistician", district=hp, username="stat")
    with pytest.raises(ValidationError) as exc:
        fsvc.field_site_add(
            user=stat, district=hp, name="", site_type="castle", address=""
        )
    assert set(exc.value.message_dict) == {"name", "site_type", "address"}
    assert not FieldSite.objects.exists()


def test_panel_member_needs_a_rating_role(framework, sites, people):
    fy = fsvc.field_year_draw(user=people["res"], year=2023, seed=1)
    with pytest.raises(ValidationError) as exc:
        fsvc.field_panel_member_add(
            user=people["res"],
            field_year=fy,
            name="张",
            organisation="某单位",
            member_user=people["citizen"],
        )
    assert "username" in exc.value.message_dict


def test_bad_ratings_are_refused_with_a_clear_error_and_nothing_saved(
    framework, sites, people
):
    fy, m1, _m2 = _drawn(people)
    fd = fy.districts.first()
    with pytest.raises(ValidationError) as exc:
        fsvc.field_ratings_save(
            member=m1,
            field_district=fd,
            data={"r_1.1.1-1": "4", "r_1.1.1-2": "7", "r_9.9.9-1": "3"},
        )
    errors = exc.value.message_dict
    assert "1.1.1-2" in errors and "7" in errors["1.1.1-2"][0]
    assert "9.9.9-1" in errors
    assert not FieldRating.objects.exists()


def test_bad_rating_page_answers_400_in_chinese(client, framework, sites, people):
    fy, _m1, _m2 = _drawn(people)
    code = fy.districts.first().district.code
    client.force_login(people["ex1"])
    url = reverse("indicators:field_rate", args=[2023, code])
    response = client.post(url, {"r_1.1.1-1": "六"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert "1.1.1-1" in response.content.decode()
    assert not FieldRating.objects.exists()


def test_each_expert_sees_and_edits_only_their_own(client, framework, sites, people):
    fy, m1, m2 = _drawn(people)
    fd = fy.districts.first()
    fsvc.field_ratings_save(
        member=m1,
        field_district=fd,
        data={"r_1.1.1-1": "5", "c_1.1.1-1": "领导架构完整"},
    )
    fsvc.field_ratings_save(
        member=m2,
        field_district=fd,
        data={"r_1.1.1-1": "2", "c_1.1.1-1": "会议记录不全"},
    )
    client.force_login(people["ex2"])
    url = reverse("indicators:field_rate", args=[2023, fd.district.code])
    page = client.get(url).content.decode()
    assert "会议记录不全" in page and "领导架构完整" not in page
    client.post(url, {"r_1.1.1-1": "3", "c_1.1.1-1": "改后"})
    assert FieldRating.objects.get(member=m1).rating == 5
    assert FieldRating.objects.get(member=m2).rating == 3
    # an expert outside the panel, a citizen, a district not drawn: 404
    for user, path in [
        (people["citizen"], url),
        (people["ex2"], reverse("indicators:field_rate", args=[2023, "999999"])),
        (
            people["ex2"],
            reverse("indicators:field_rate", args=[2022, fd.district.code]),
        ),
    ]:
        client.force_login(user)
        assert client.get(path).status_code == 404
    # experts do not reach the centre's pages or the sub-report
    client.force_login(people["ex1"])
    assert client.get(reverse("indicators:field_year", args=[2023])).status_code == 404
    assert (
        client.get(
            reverse("indicators:field_report", args=[2023, fd.district.code])
        ).status_code
        == 404
    )


def test_panel_summary_means_per_first_level_indicator(framework, sites, people):
    fy, m1, m2 = _drawn(people)
    fd = fy.districts.first()
    fsvc.field_ratings_save(
        member=m1,
        field_district=fd,
        data={"r_1.1.1-1": "5", "r_1.2.1-1": "4", "c_1.1.1-1": "好"},
    )
    fsvc.field_ratings_save(member=m2, field_district=fd, data={"r_1.1.1-1": "3"})
    summary = {s["indicator"].code: s for s in fsel.panel_summary(field_district=fd)}
    assert summary["1"]["mean"] == pytest.approx(4.0) and summary["1"]["n"] == 3
    assert summary["1"]["comments"][0]["text"] == "好"
    assert summary["2"]["mean"] is None


def test_officer_sees_only_their_districts_released_sub_report(
    client, framework, sites, people, make_user
):
    fy, m1, _m2 = _drawn(people)
    fd = fy.districts.first()
    other = fy.districts.all()[1]
    officer = make_user("district_officer", district=fd.district, username="off")
    outsider = make_user("district_officer", district=other.district, username="off2")
    url = reverse("indicators:field_report", args=[2023, fd.district.code])
    client.force_login(officer)
    assert client.get(url).status_code == 404  # not released yet
    fsvc.field_ratings_save(
        member=m1, field_district=fd, data={"r_1.1.1-1": "4", "c_1.1.1-1": "亮点突出"}
    )
    client.force_login(people["res"])
    assert (
        client.post(url, {"action": "approve", "feedback": ""}).status_code == 400
    )  # empty refused
    client.post(
        url,
        {
            "action": "approve",
            "feedback": "建议加强社区学校建设。",
            "visit_date": "2023-10-20",
        },
    )
    client.force_login(officer)
    page = client.get(url).content.decode()
    assert "建议加强社区学校建设" in page and "亮点突出" in page
    assert (
        client.get(
            reverse("indicators:field_report_pdf", args=[2023, fd.district.code])
        )["Content-Type"]
        == "application/pdf"
    )
    client.post(url, {"action": "acknowledge", "response": "已收到，将整改。"})
    fd.refresh_from_db()
    assert fd.acknowledged_by == officer and fd.response == "已收到，将整改。"
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert (
        client.get(
            reverse("indicators:field_report_pdf", args=[2023, fd.district.code])
        ).status_code
        == 404
    )


def test_pages_link_to_field_monitoring(client, framework, sites, people, make_user):
    fy, _m1, _m2 = _drawn(people)
    fd = fy.districts.first()
    fsvc.field_feedback_save(
        user=people["res"], field_district=fd, text="反馈", approve=True
    )
    officer = make_user("district_officer", district=fd.district, username="off")
    client.force_login(officer)
    page = client.get(reverse("indicators:field_index")).content.decode()
    assert reverse("indicators:field_report", args=[2023, fd.district.code]) in page
    client.force_login(people["ex1"])
    page = client.get(reverse("indicators:field_index")).content.decode()
    assert reverse("indicators:field_rate", args=[2023, fd.district.code]) in page
    client.force_login(people["res"])
    page = client.get(reverse("indicators:field_year", args=[2023])).content.decode()
    assert (
        "42" in page
        and reverse("indicators:field_report", args=[2023, fd.district.code]) in page
    )


def _satisfaction_instrument():
    from assessment.models import Instrument

    return Instrument.objects.create(
        code="service-satisfaction",
        name_zh="满意度问卷",
        kind="questionnaire",
        domain_code="needs",
        mode="fixed",
        settings={"item_ids": []},
    )


def test_satisfaction_campaign_per_site_codes_and_weights(
    client, framework, sites, people
):
    """The year's campaign is invited, with one stratum and codes per sampled site, weight 1/p."""
    from assessment.models import Campaign
    from assessment.survey.models import Stratum
    from assessment.survey.services import invitation_redeem

    _satisfaction_instrument()
    fy, _m1, _m2 = _drawn(people)
    codes = fsvc.field_satisfaction_campaign_create(
        user=people["res"], field_year=fy, per_site=4
    )
    fy.refresh_from_db()
    campaign = Campaign.objects.get(pk=fy.campaign_id)
    assert campaign.audience == "invited" and campaign.year == 2023
    assert len(codes) == 9 * 4
    strata = list(Stratum.objects.filter(design__campaign=campaign))
    assert len(strata) == 9 and all(
        s.inclusion_probability == pytest.approx(0.5) for s in strata
    )
    invitation_redeem(campaign=campaign, code=codes[0][1], session_id="not-a-session")
    rows = fsel.site_rows(field_year=fy)
    assert sum(r["issued"] for r in rows) == 36 and sum(r["started"] for r in rows) == 1
    assert all(r["weight"] == pytest.approx(2.0) for r in rows)
    with pytest.raises(ValidationError):
        fsvc.field_satisfaction_campaign_create(
            user=people["res"], field_year=fy, per_site=4
        )
    with pytest.raises(ValidationError):  # the campaign exists: no redraw
        fsvc.field_year_draw(user=people["res"], year=2023, seed=5)
    client.force_login(people["res"])
    page = client.get(reverse("indicators:field_year", args=[2023])).content.decode()
    assert "满意度" in page or "satisfaction" in page.lower()


def test_site_jackknife_matches_a_hand_computation():
    """Weighted mean over sites and the delete-one-site JK1 standard error."""
    from assessment.survey.field_satisfaction import site_jackknife

    per_site = [(2.0, [50.0, 100.0]), (2.0, [75.0]), (4.0, [25.0])]
    out = site_jackknife(per_site, threshold=1)
    theta = (2 * 150 + 2 * 75 + 4 * 25) / (2 * 2 + 2 + 4)  # 55.0
    reps = [(2 * 75 + 4 * 25) / 6, (2 * 150 + 4 * 25) / 8, (2 * 150 + 2 * 75) / 6]
    se = ((3 - 1) / 3 * sum((r - theta) ** 2 for r in reps)) ** 0.5
    assert (
        out["mean"] == pytest.approx(theta)
        and out["se"] == pytest.approx(se)
        and out["n"] == 4
    )
    assert site_jackknife(per_site, threshold=30)["mean"] is None  # too few: suppressed


def test_field_demo_draws_huangpu_and_runs_twice(framework, districts, make_user):
    import io

    from learning_platform.indicators.field_demo import load_field_demo

    make_user("researcher", username="researcher")
    load_field_demo(stdout=io.StringIO())
    load_field_demo(stdout=io.StringIO())
    fy = FieldYear.objects.get(year=2023)
    assert (
        fy.districts.count() == 3
        and fy.districts.filter(district__code="310101").exists()
    )
    hp = fy.districts.get(district__code="310101")
    assert (
        hp.feedback_approved_at
        and FieldRating.objects.filter(field_district=hp).count() >= 4
    )


def test_api_field_year_ratings_and_report(client, framework, sites, people, make_user):
    fy, _m1, _m2 = _drawn(people)
    fd = fy.districts.first()
    code = fd.district.code
    client.force_login(people["res"])
    body = client.get("/api/v1/indicators/field/2023").json()
    assert (
        body["seed"] == 42
        and len(body["districts"]) == 3
        and body["districts"][0]["sites"][0]["weight"] == 2.0
    )
    client.force_login(people["ex1"])
    assert client.get("/api/v1/indicators/field/2023").status_code == 404
    url = f"/api/v1/indicators/field/2023/ratings/{code}"
    bad = client.put(
        url,
        data='{"ratings": [{"point": "1.1.1-1", "rating": 9}]}',
        content_type="application/json",
    )
    assert (
        bad.status_code == 422
        and "1.1.1-1" in bad.content.decode()
        and not FieldRating.objects.exists()
    )
    ok = client.put(
        url,
        data='{"ratings": [{"point": "1.1.1-1", "rating": 4, "comment": "好"}]}',
        content_type="application/json",
    )
    assert ok.status_code == 200, ok.content.decode()
    assert ok.json() == [{"point": "1.1.1-1", "rating": 4, "comment": "好"}]
    client.force_login(people["ex2"])
    assert client.get(url).json() == []
    officer = make_user("district_officer", district=fd.district, username="off")
    client.force_login(officer)
    report = f"/api/v1/indicators/field/2023/reports/{code}"
    assert client.get(report).status_code == 404
    fsvc.field_feedback_save(
        user=people["res"], field_district=fd, text="反馈", approve=True
    )
    data = client.get(report).json()
    assert data["feedback"] == "反馈" and data["panel"][0]["mean_rating"] == 4.0


def test_district_staff_enter_their_own_sites_only(client, districts, make_user):
    hp = next(d for d in districts if d.code == "310101")
    xh = next(d for d in districts if d.code == "310104")
    stat = make_user("district_statistician", district=hp, username="stat")
    officer = make_user("district_officer", district=hp, username="off")
    client.force_login(stat)
    url = reverse("indicators:field_sites", args=["310101"])
    bad = client.post(
        url,
        {
            "action": "add",
            "name": "",
            "site_type": "street_town",
            "address": "福州路1号",
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert bad.status_code == 400 and "请填写监测点名称" in bad.content.decode()
    client.post(
        url,
        {
            "action": "add",
            "name": "南京东路街道",
            "site_type": "street_town",
            "address": "福州路1号",
        },
    )
    assert FieldSite.objects.filter(district=hp).count() == 1
    assert (
        client.get(reverse("indicators:field_sites", args=["310104"])).status_code
        == 404
    )
    assert (
        client.post(
            reverse("indicators:field_sites", args=["310104"]),
            {"action": "add", "name": "x", "site_type": "venue", "address": "y"},
        ).status_code
        == 404
    )
    client.force_login(officer)  # an officer reads the list but does not edit it
    page = client.get(url).content.decode()
    assert "南京东路街道" in page and 'name="address"' not in page
    assert not FieldSite.objects.filter(district=xh).exists()
