"""A statistician downloads the year's XLSX template in Chromium, uploads it with a bad row, reads
the Chinese error that names the row, fixes the file and sees the imported values."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_statistician_imports_the_template(
    page, live_server, districts, make_user, screenshot_dir, tmp_path
):
    from openpyxl import load_workbook

    from learning_platform.indicators.models import ItemValue, Submission

    call_command("load_indicator_framework", verbosity=0)
    huangpu = next(d for d in districts if d.code == "310101")
    make_user(
        "district_statistician",
        district=huangpu,
        username="tongji",
        password="Stat-2026!x",
    )
    page.context.add_cookies(
        [{"name": "django_language", "value": "zh-hans", "url": live_server.url}]
    )

    # given: signed in from the login form, on the year's filing
    page.goto(f"{live_server.url}/accounts/login/?next=/indicators/")
    page.fill("#id_username", "tongji")
    page.fill("#id_password", "Stat-2026!x")
    page.click("main button[type=submit]")
    page.click("text=数据上报")
    page.wait_for_selector("#datain-template")

    # when: the template is downloaded and filled, with one bad row
    with page.expect_download() as info:
        page.click("#datain-template")
    download = info.value
    assert download.suggested_filename == "indicators-310101-2022.xlsx"
    template = tmp_path / download.suggested_filename
    download.save_as(template)
    book = load_workbook(template)
    sheet = book["数据项"]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    rows["library_area"][3].value = 31000
    rows["college_courses"][3].value = 420
    rows["teachers_bachelor_share"][3].value = "七十"  # the bad row
    bad_row = rows["teachers_bachelor_share"][0].row
    book["3.1.1分成员单位"].append(["区文化旅游局", "市民文化艺术节", 1200, 30000])
    filled = tmp_path / "filled.xlsx"
    book.save(filled)
    page.set_input_files("#datain-file", str(filled))
    page.click("#datain-upload")

    # then: the error names the row in Chinese and nothing is saved
    page.wait_for_selector("#datain-errors")
    errors = page.inner_text("#datain-errors")
    assert f"第{bad_row}行D列（数值）" in errors and "“七十”不是数字" in errors
    assert "未保存任何数据" in errors
    assert not ItemValue.objects.exists()
    page.screenshot(
        path=str(screenshot_dir / "indicators-data-in-error.png"), full_page=False
    )

    # when: the row is fixed and the file uploaded again
    rows["teachers_bachelor_share"][3].value = 71.5
    book.save(filled)
    page.set_input_files("#datain-file", str(filled))
    page.click("#datain-upload")

    # then: the values are in the form, the draft is recorded, 3.1.1 is the lines' total
    page.wait_for_selector("text=已保存为草稿")
    assert page.input_value("#v_library_area") == "31000"
    assert page.input_value("#v_teachers_bachelor_share") == "71.5"
    assert page.input_value("#v_special_budget") == "1200"
    assert page.get_attribute("#v_special_budget", "readonly") is not None
    assert page.input_value("input[name=mu_unit_0]") == "区文化旅游局"
    assert page.inner_text("[data-testid=status]") == "填报"
    assert "从文件 filled.xlsx 导入" in page.inner_text(
        "body"
    )  # recorded in the history like a manual save
    submission = Submission.objects.get(district=huangpu, year=2022)
    assert submission.values.get(item__code="teachers_bachelor_share").value == 71.5
