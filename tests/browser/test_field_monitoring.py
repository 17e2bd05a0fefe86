"""In Chromium: a researcher draws the year's field monitoring, an expert records a rating
(after a refused one), and the sampled district's officer opens and acknowledges their sub-report."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Field-2026!x"


def _login(page, live_server, username: str, next_url: str) -> None:
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "django_language", "value": "zh-hans", "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def test_draw_rate_and_open_the_sub_report(
    page, live_server, districts, make_user, screenshot_dir
):
    from django.utils import timezone

    from learning_platform.indicators import field_services as fsvc
    from learning_platform.indicators.models import FieldRating, FieldYear

    call_command("load_indicator_framework", verbosity=0)
    researcher = make_user("researcher", username="yanjiu", password=PASSWORD)
    expert = make_user("expert", username="zhuanjia", password=PASSWORD)
    for d in districts[:5]:
        for i in range(3):
            fsvc.field_site_add(
                user=researcher,
                district=d,
                name=f"{d.name_zh}监测点{i}",
                site_type="street_town",
                address=f"{d.name_zh}某路{i}号",
            )
    year = timezone.now().year

    # the researcher finds field monitoring from the indicators' city overview and draws the year
    _login(page, live_server, "yanjiu", "/indicators/")
    page.click("text=实地监测")
    page.click(f"text=打开{year}年实地监测")
    page.fill("input[name=seed]", "20231")
    page.click("#draw")
    page.wait_for_selector("text=已用随机种子20231抽取区和监测点")
    field_year = FieldYear.objects.get(year=year)
    assert field_year.seed == 20231 and field_year.drawn_by == researcher
    assert field_year.districts.count() == 3
    page.fill("input[name=name]", "周专家")
    page.fill("input[name=organisation]", "上海终身教育研究院")
    page.fill("input[name=username]", "zhuanjia")
    page.click("text=加入专家组")
    page.wait_for_selector("text=专家已加入专家组")
    page.screenshot(path=str(screenshot_dir / "field-year.png"), full_page=False)
    sampled = field_year.districts.select_related("district").first()
    officer = make_user(
        "district_officer",
        district=sampled.district,
        username="quguan",
        password=PASSWORD,
    )

    # the expert rates: a rating outside the rubric is refused with a clear error, then saved
    _login(page, live_server, "zhuanjia", "/indicators/field/")
    page.click(f"text=为{sampled.district.name_zh}评分")
    page.fill("input[name='r_1.1.1-1']", "9")
    page.click("text=保存我的评分")
    page.wait_for_selector("text=评分须为1至5的整数")
    assert not FieldRating.objects.exists()
    page.fill("input[name='r_1.1.1-1']", "4")
    page.fill("textarea[name='c_1.1.1-1']", "区级领导架构与市级基本一致。")
    page.click("text=保存我的评分")
    page.wait_for_selector("text=您的评分已保存")
    assert FieldRating.objects.get(member__user=expert).rating == 4

    # the centre releases the feedback; the officer opens their sub-report from the indicators page
    fsvc.field_feedback_save(
        user=researcher,
        field_district=sampled,
        approve=True,
        text="建议进一步完善会议决策记录制度。",
    )
    _login(page, live_server, "quguan", "/indicators/")
    page.click(f"text={year}年实地监测分报告：{sampled.district.name_zh}")
    page.wait_for_selector("text=建议进一步完善会议决策记录制度")
    assert "区级领导架构与市级基本一致" in page.inner_text("main")
    page.fill("textarea[name=response]", "已收到，将落实整改。")
    page.click("main button:has-text('确认')")
    page.wait_for_selector("text=谢谢，已记录您的确认")
    sampled.refresh_from_db()
    assert sampled.acknowledged_by == officer
    page.screenshot(path=str(screenshot_dir / "field-sub-report.png"), full_page=False)
