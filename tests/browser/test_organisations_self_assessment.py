"""An organisation user fills in the year's self-assessment with evidence in Chromium, and the
district's liaison and head approve it through the review chain."""

from __future__ import annotations

import pytest

from tests.browser.axe import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Org-Test-2026!x"


def _login(page, live_server, username: str, next_url: str = "") -> None:
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "django_language", "value": "zh-hans", "url": live_server.url}]
    )
    page.goto(
        f"{live_server.url}/accounts/login/" + (f"?next={next_url}" if next_url else "")
    )
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def test_organisation_fills_in_and_district_approves(
    page, live_server, districts, make_user, screenshot_dir, tmp_path
):
    from learning_platform.organisations.models import (
        AssessmentStatus,
        ItemEvidence,
        OrganisationKind,
        SelfAssessment,
    )
    from learning_platform.organisations.services.monitoring import sample_draw
    from tests.organisations import fixtures_monitoring as fx

    # given: a community in Huangpu, sampled for 2026, with its user and the district's reviewers
    huangpu = next(d for d in districts if d.code == "310101")
    fx.indicator_set(OrganisationKind.COMMUNITY)
    member = make_user("organisation", username="shequ", password=PASSWORD)
    fx.organisation(huangpu, name="外滩街道学习型社区", residents=12000, users=[member])
    sample_draw(year=2026, size=1, seed=11, user=make_user("researcher"))
    make_user(
        "district_liaison", district=huangpu, username="lianluo", password=PASSWORD
    )
    make_user("district_head", district=huangpu, username="quzhang", password=PASSWORD)
    evidence_pdf = tmp_path / "规划.pdf"
    evidence_pdf.write_bytes(b"%PDF-1.4\n% plan of the learning community\n%%EOF\n")

    # when: the organisation user signs in and follows the links to the self-assessment
    _login(page, live_server, "shequ")
    page.wait_for_selector("text=学习型组织年度抽样监测")
    page.click("text=打开自评")
    page.wait_for_selector("[data-testid=status]")
    assert page.inner_text("[data-testid=status]") == "未填报"
    page.fill("#statement_1\\.1", "已成立创建领导小组，制定三年规划。")
    page.set_input_files("#document_1\\.1", str(evidence_pdf))
    page.fill("#number_2\\.1", "123456")
    page.click("button[value=submit]")  # 1.2 has no evidence yet
    page.wait_for_selector("#error-summary")
    assert "1.2" in page.inner_text(
        "#error-summary"
    ) and "请填写说明或上传佐证材料" in page.inner_text("#error-summary")
    assert page.input_value("#number_2\\.1") == "123456"  # what was typed is kept
    assert not ItemEvidence.objects.exists()
    page.set_input_files("#document_1\\.1", str(evidence_pdf))
    page.fill("#statement_1\\.2", "开展市民读书节等特色活动。")
    page.click("button[value=submit]")
    page.wait_for_selector("text=已提交，等待区初审")
    assert page.inner_text("[data-testid=status]") == "初审"
    assert "人均10.29元" in page.inner_text("[data-computed='2.1']")
    assert "达标" in page.inner_text("[data-computed='2.1']")
    page.screenshot(
        path=str(screenshot_dir / "organisations-self-assessment.png"), full_page=False
    )
    assert serious_violations(page) == []

    # then: the liaison and the head approve it, reaching it from the header link
    for username, expected in (("lianluo", "复审"), ("quzhang", "完成")):
        _login(
            page, live_server, username, next_url="/assessment/"
        )  # any page: the header leads on
        page.click("header >> text=学习型组织监测")
        page.click("text=打开自评")
        page.wait_for_selector("#id_comment")
        page.fill("#id_comment", "材料齐全，同意。")
        page.click("button[value=approve]")
        page.wait_for_selector("text=审核意见已记录")
        assert expected in page.inner_text(
            "[data-testid=status]"
        )  # 完成 or 已完成 (the filing says 已完成)
    history = page.inner_text("#history")
    assert "提交" in history and "通过" in history and "完成" in history
    assert "first_review" not in history and "approve" not in history
    assessment = SelfAssessment.objects.get()
    assert assessment.status == AssessmentStatus.DONE
    assert assessment.evidence.get(item__code="1.1").document
