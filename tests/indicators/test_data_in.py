"""Data in: the XLSX template and its import, values through the API, platform-supplied values
that nobody edits, and 3.1.1 entered per member unit. Every refusal saves nothing."""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from learning_platform.indicators import datain, services, xlsx
from learning_platform.indicators.models import (
    ItemValue,
    ItemValuePart,
    ReviewEvent,
    Status,
)


@pytest.fixture
def sub(framework, hp):
    return services.submission_ensure(district=hp, year=2022)


@pytest.fixture
def supplied(sub):
    return services.platform_value_supply(
        district_code="310101",
        year=2022,
        item_code="info_literacy_rate",
        value=62.4,
        se=1.5,
        n=820,
        suppressed=False,
        source="survey roll-up #7 (2022 信息素养监测)",
        ci_low=59.4,
        ci_high=65.4,
    )


def _snapshot(sub):
    return (
        sorted(
            (v.item.code, v.value, v.text, v.detail)
            for v in sub.values.select_related("item")
        ),
        sorted(
            (p.unit_name, p.amount)
            for p in ItemValuePart.objects.filter(submission=sub)
        ),
        ReviewEvent.objects.filter(submission=sub).count(),
    )


def _template(sub) -> Workbook:
    return load_workbook(io.BytesIO(xlsx.template_build(submission=sub)))


def _fill(book: Workbook, values: dict[str, object]) -> None:
    sheet = book[str(xlsx.VALUES_SHEET)]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value in values:
            row[3].value = values[row[0].value]


def _bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _row_of(book: Workbook, code: str) -> int:
    sheet = book[str(xlsx.VALUES_SHEET)]
    return next(r[0].row for r in sheet.iter_rows(min_row=2) if r[0].value == code)


def _import(sub, user, data: bytes):
    values, parts, problems = xlsx.workbook_read(data, submission=sub)
    return datain.values_import(
        submission=sub,
        user=user,
        values=values,
        parts=parts,
        problems=problems,
        origin="test",
    )


# --- the template ---------------------------------------------------------------------


def test_template_lists_the_items_to_enter_with_current_values(
    sub, staff, full_form, supplied
):
    services.entry_save(submission=sub, user=staff["stat"], data=full_form)
    book = _template(sub)
    sheet = book[str(xlsx.VALUES_SHEET)]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["代码", "数据项", "单位", "数值", "备注"]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    assert rows["library_area"][1].value == "图书馆总建筑面积"
    assert rows["library_area"][3].value == 31000
    assert rows["teachers_bachelor_share"][3].value == 71.5
    assert rows["other_courses"][4].value.startswith("黄浦区工人文化宫")
    # computed and platform-supplied items are not in the sheet to fill
    assert "ce_area_per_10k" not in rows and "info_literacy_rate" not in rows
    fed = book[str(xlsx.SUPPLIED_SHEET)]
    fed_rows = {r[0].value: [c.value for c in r] for r in fed.iter_rows(min_row=2)}
    assert fed_rows["info_literacy_rate"][3] == 62.4
    assert fed_rows["info_literacy_rate"][4] == "59.4–65.4"
    assert "2022 信息素养监测" in fed_rows["info_literacy_rate"][5]
    assert book.properties.keywords == "indicators:310101:2022"


# --- a good file --------------------------------------------------------------------


def test_a_valid_file_saves_every_value_as_a_draft_with_an_event(sub, staff):
    book = _template(sub)
    _fill(
        book,
        {
            "library_area": 31000,
            "college_courses": "420",
            "teachers_bachelor_share": 71.5,
            "learning_teams_status": "学习团队640个",
        },
    )
    result = _import(sub, staff["stat"], _bytes(book))
    sub.refresh_from_db()
    assert sub.status == Status.DRAFT
    assert ItemValue.objects.get(
        submission=sub, item__code="library_area"
    ).value == Decimal("31000")
    assert ItemValue.objects.get(
        submission=sub, item__code="teachers_bachelor_share"
    ).value == Decimal("71.5")
    assert (
        ItemValue.objects.get(submission=sub, item__code="learning_teams_status").text
        == "学习团队640个"
    )
    assert "library_area" in result.saved
    event = sub.events.get()
    assert (
        event.action == "save_draft"
        and event.actor == staff["stat"]
        and event.to_status == Status.DRAFT
    )


# --- bad files: named, nothing saved -------------------------------------------------


@pytest.mark.parametrize(
    "code, raw, column, fragment",
    [
        ("senior_teams", -3, "D", "不能为负数"),
        ("teachers_bachelor_share", 100.5, "D", "不能超过100"),
        ("college_courses", 12.5, "D", "必须是整数"),
        ("library_area", "abc", "D", "不是数字"),
        ("library_area", 1e14, "D", "过大"),
    ],
)
def test_a_bad_row_is_named_and_nothing_from_the_file_is_saved(
    sub, staff, full_form, code, raw, column, fragment
):
    services.entry_save(submission=sub, user=staff["stat"], data=full_form)
    before = _snapshot(sub)
    book = _template(sub)
    _fill(
        book, {code: raw, "special_budget": 9999, "school_building_area": 1}
    )  # valid changes too
    row = _row_of(book, code)
    with pytest.raises(datain.DataInRefused) as refused:
        _import(sub, staff["stat"], _bytes(book))
    messages = [str(p) for p in refused.value.problems]
    assert len(messages) == 1
    assert (
        f"第{row}行" in messages[0]
        and f"{column}列" in messages[0]
        and fragment in messages[0]
    )
    assert _snapshot(sub) == before


def test_unknown_duplicate_supplied_and_computed_codes_are_each_named(sub, staff):
    book = _template(sub)
    sheet = book[str(xlsx.VALUES_SHEET)]
    first = _row_of(book, "library_area")
    sheet.append(["no_such_item", None, None, 5, None])
    sheet.append(["library_area", "图书馆总建筑面积", "m²", 4, None])
    sheet.append(["info_literacy_rate", None, None, 88, None])
    sheet.append(["ce_area_per_10k", None, None, 10, None])
    sheet.append([None, None, None, 10, None])
    n = sheet.max_row
    with pytest.raises(datain.DataInRefused) as refused:
        _import(sub, staff["stat"], _bytes(book))
    messages = [str(p) for p in refused.value.problems]
    assert any(
        f"第{n - 4}行" in m and "A列" in m and "no_such_item" in m and "不是" in m
        for m in messages
    )
    assert any(
        f"第{n - 3}行" in m and f"第{first}行" in m and "重复" in m for m in messages
    )
    assert any(
        f"第{n - 2}行" in m and "市民信息素养的达标率" in m and "平台提供" in m
        for m in messages
    )
    assert any(f"第{n - 1}行" in m and "计算" in m for m in messages)
    assert any(f"第{n}行" in m and "缺少数据项代码" in m for m in messages)
    assert not sub.values.exists() and not sub.events.exists()


def test_header_mismatch_and_extra_columns_are_named(sub, staff):
    book = _template(sub)
    sheet = book[str(xlsx.VALUES_SHEET)]
    sheet["D1"] = "金额"
    sheet["J5"] = "x"
    with pytest.raises(datain.DataInRefused) as refused:
        _import(sub, staff["stat"], _bytes(book))
    messages = [str(p) for p in refused.value.problems]
    assert any(
        "第1行" in m and "D列" in m and "金额" in m and "数值" in m for m in messages
    )
    assert not sub.values.exists()
    sheet["D1"] = "数值"
    with pytest.raises(datain.DataInRefused) as refused:
        _import(sub, staff["stat"], _bytes(book))
    assert any("第5行" in str(p) and "J列" in str(p) for p in refused.value.problems)


def test_a_moved_row_whose_name_does_not_match_its_code_is_refused(sub, staff):
    book = _template(sub)
    row = _row_of(book, "library_area")
    book[str(xlsx.VALUES_SHEET)].cell(row=row, column=2).value = "体育场馆总建筑面积"
    with pytest.raises(datain.DataInRefused) as refused:
        _import(sub, staff["stat"], _bytes(book))
    assert f"第{row}行" in str(refused.value.problems[0]) and "不符" in str(
        refused.value.problems[0]
    )


def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (40 * 1024 * 1024))
    return out.getvalue()


@pytest.mark.parametrize(
    "data, fragment",
    [
        (b"%PDF-1.4 not a workbook", "不是 Excel 工作簿"),
        (b"PK\x03\x04 broken", "不是 Excel 工作簿"),
        (b"PK\x03\x04" + b"0" * (3 * 1024 * 1024), "大于"),
        (_bomb(), "解压"),
    ],
)
def test_files_that_are_not_workbooks_or_are_bombs_are_refused_before_parsing(
    sub, data, fragment
):
    with pytest.raises(xlsx.NotAWorkbook) as refused:
        xlsx.workbook_read(data, submission=sub)
    assert fragment in str(refused.value)


def test_too_many_rows_are_refused(sub):
    book = _template(sub)
    sheet = book[str(xlsx.VALUES_SHEET)]
    for i in range(xlsx.MAX_ROWS + 5):
        sheet.append([f"x{i}", None, None, 1, None])
    _values, _parts, problems = xlsx.workbook_read(_bytes(book), submission=sub)
    assert any("行" in str(p) and str(xlsx.MAX_ROWS) in str(p) for p in problems)


def test_another_districts_template_is_refused(framework, xh, sub, staff):
    other = services.submission_ensure(district=xh, year=2022)
    with pytest.raises(xlsx.NotAWorkbook) as refused:
        xlsx.workbook_read(xlsx.template_build(submission=other), submission=sub)
    assert "310104" in str(refused.value)


def test_only_the_statistician_of_an_editable_filing_imports(sub, staff, full_form):
    data = _bytes(_template(sub))
    for who in ("liaison", "stat_xh", "researcher"):
        with pytest.raises(PermissionDenied):
            _import(sub, staff[who], data)
    services.entry_save(submission=sub, user=staff["stat"], data=full_form, submit=True)
    with pytest.raises(datain.FilingNotEditable):
        _import(sub, staff["stat"], data)


# --- the pages --------------------------------------------------------------------


def test_upload_page_shows_the_named_error_then_saves_the_fixed_file(
    client, sub, staff
):
    client.force_login(staff["stat"])
    client.cookies["django_language"] = "zh-hans"
    response = client.get("/indicators/310101/2022/template.xlsx")
    assert response.status_code == 200 and response["Content-Type"] == xlsx.CONTENT_TYPE
    book = load_workbook(io.BytesIO(response.content))
    _fill(book, {"library_area": "三万", "library_holdings": 3120000})
    row = _row_of(book, "library_area")
    upload = SimpleUploadedFile(
        "filled.xlsx", _bytes(book), content_type=xlsx.CONTENT_TYPE
    )
    response = client.post("/indicators/310101/2022/import/", {"xlsx": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert f"第{row}行" in page and "“三万”不是数字" in page
    assert not sub.values.exists()
    _fill(book, {"library_area": 31000})
    upload = SimpleUploadedFile(
        "filled.xlsx", _bytes(book), content_type=xlsx.CONTENT_TYPE
    )
    response = client.post(
        "/indicators/310101/2022/import/", {"xlsx": upload}, follow=True
    )
    assert response.status_code == 200
    assert ItemValue.objects.get(
        submission=sub, item__code="library_area"
    ).value == Decimal("31000")
    assert "已保存为草稿" in response.content.decode()


def test_other_districts_cannot_reach_the_template_or_the_upload(client, sub, staff):
    client.force_login(staff["stat_xh"])
    assert client.get("/indicators/310101/2022/template.xlsx").status_code == 404
    upload = SimpleUploadedFile("f.xlsx", _bytes(_template(sub)))
    assert (
        client.post("/indicators/310101/2022/import/", {"xlsx": upload}).status_code
        == 404
    )
    assert not sub.values.exists()


# --- platform-supplied values: form, XLSX, API ----------------------------------------


def test_supplied_values_are_read_only_in_the_form_with_source_and_interval(
    client, sub, staff, supplied
):
    client.force_login(staff["stat"])
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/indicators/310101/2022/").content.decode()
    assert 'name="v_info_literacy_rate"' not in page
    assert "59.4" in page and "65.4" in page and "2022 信息素养监测" in page
    # a forged field is refused by name and nothing is saved
    response = client.post(
        "/indicators/310101/2022/", {"action": "save", "v_info_literacy_rate": "99"}
    )
    assert response.status_code == 400
    assert "市民信息素养的达标率" in response.content.decode()
    assert ItemValue.objects.get(
        submission=sub, item__code="info_literacy_rate"
    ).value == Decimal("62.4")


def test_supplied_values_cannot_be_imported_from_xlsx(sub, staff, supplied):
    book = _template(sub)
    book[str(xlsx.VALUES_SHEET)].append(
        ["info_literacy_rate", "市民信息素养的达标率(%)", "%", 99, None]
    )
    with pytest.raises(datain.DataInRefused) as refused:
        _import(sub, staff["stat"], _bytes(book))
    assert "市民信息素养的达标率" in str(refused.value.problems[0])
    assert ItemValue.objects.get(
        submission=sub, item__code="info_literacy_rate"
    ).value == Decimal("62.4")


def test_supplied_values_cannot_be_sent_through_the_api(client, sub, staff, supplied):
    client.force_login(staff["stat"])
    client.cookies["django_language"] = "zh-hans"
    response = client.post(
        "/api/v1/indicators/submissions/310101/2022/values",
        data=json.dumps(
            {
                "values": [
                    {"code": "library_area", "value": 1},
                    {"code": "credit_bank_accounts", "value": 5},
                ]
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"][0]["field"] == "values.1.value"
    assert (
        "市民在学分银行的开户数" in body["errors"][0]["message"]
        and "第2项" in body["errors"][0]["message"]
    )
    assert not sub.values.exclude(item__code="info_literacy_rate").exists()


# --- API ---------------------------------------------------------------------------


def _post(client, code, year, body):
    return client.post(
        f"/api/v1/indicators/submissions/{code}/{year}/values",
        data=json.dumps({"values": body}),
        content_type="application/json",
    )


def test_api_saves_values_as_a_draft(client, framework, hp, staff):
    client.force_login(staff["stat"])
    response = _post(
        client,
        "310101",
        2022,
        [
            {"code": "library_area", "value": 31000},
            {"code": "other_courses", "value": "310", "note": "区图书馆 130门"},
            {"code": "learning_teams_status", "value": "640个团队"},
        ],
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "draft"
    assert sorted(response.json()["saved"]) == [
        "learning_teams_status",
        "library_area",
        "other_courses",
    ]
    value = ItemValue.objects.get(submission__district=hp, item__code="other_courses")
    assert value.value == Decimal("310") and value.detail == "区图书馆 130门"
    # the values read back through the submission API
    got = client.get("/api/v1/indicators/submissions/310101/2022").json()
    assert {v["code"]: v["value"] for v in got["values"]}["library_area"] == 31000.0


def test_api_is_all_or_nothing(client, sub, staff):
    client.force_login(staff["stat"])
    response = _post(
        client,
        "310101",
        2022,
        [
            {"code": "library_area", "value": 31000},
            {"code": "teachers_bachelor_share", "value": 120},
        ],
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "values.1.value"
    assert not sub.values.exists() and not sub.events.exists()


def test_api_forbidden_district_answers_404(client, sub, staff):
    client.force_login(staff["stat_xh"])
    assert (
        _post(
            client, "310101", 2022, [{"code": "library_area", "value": 1}]
        ).status_code
        == 404
    )
    assert (
        client.get(
            "/api/v1/indicators/submissions/310101/2022/template.xlsx"
        ).status_code
        == 404
    )
    client.force_login(staff["citizen"])
    assert (
        _post(
            client, "310101", 2022, [{"code": "library_area", "value": 1}]
        ).status_code
        == 404
    )
    assert not sub.values.exists()


def test_api_refuses_reviewers_and_submitted_filings(client, sub, staff, full_form):
    client.force_login(staff["liaison"])
    assert (
        _post(
            client, "310101", 2022, [{"code": "library_area", "value": 1}]
        ).status_code
        == 403
    )
    services.entry_save(submission=sub, user=staff["stat"], data=full_form, submit=True)
    client.force_login(staff["stat"])
    response = _post(client, "310101", 2022, [{"code": "library_area", "value": 1}])
    assert response.status_code == 409 and response.json()["code"] == "not_editable"


def test_api_template_is_the_xlsx(client, sub, staff):
    client.force_login(staff["stat"])
    response = client.get("/api/v1/indicators/submissions/310101/2022/template.xlsx")
    assert response.status_code == 200 and response["Content-Type"] == xlsx.CONTENT_TYPE
    assert (
        str(xlsx.VALUES_SHEET) in load_workbook(io.BytesIO(response.content)).sheetnames
    )


# --- 3.1.1 per member unit -------------------------------------------------------------


def _parts_sheet(book: Workbook, lines):
    sheet = book[str(xlsx.PARTS_SHEET)]
    for line in lines:
        sheet.append(line)


def test_text_that_looks_like_a_formula_comes_back_as_text(client, sub, staff):
    """A district's own text beginning with "=" (entered through the API) is written into
    the next template as text, never as a formula a spreadsheet would run."""
    evil = '=HYPERLINK("http://evil.example/","点此")'
    client.force_login(staff["stat"])
    body = {
        "values": [],
        "member_units": [
            {
                "unit_name": evil,
                "projects": "=1+1",
                "amount": 1200,
                "total_amount": 30000,
            }
        ],
    }
    response = client.post(
        "/api/v1/indicators/submissions/310101/2022/values",
        data=json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    again = _template(sub)[str(xlsx.PARTS_SHEET)]
    name, projects = again.cell(row=2, column=1), again.cell(row=2, column=2)
    assert (name.value, name.data_type) == (evil, "s")
    assert (projects.value, projects.data_type) == ("=1+1", "s")
    assert again.cell(row=2, column=3).value == 1200  # numbers stay numbers


def test_member_unit_lines_make_the_items_values(sub, staff):
    book = _template(sub)
    _fill(book, {"special_budget": None, "total_special_budget": None})
    _parts_sheet(
        book,
        [
            ["区文化旅游局", "市民文化艺术节", 1200, 30000],
            ["区科委", "科普讲座进社区；科技周", 650.5, 16200],
        ],
    )
    _import(sub, staff["stat"], _bytes(book))
    values = {v.item.code: v.value for v in sub.values.select_related("item")}
    assert values["special_budget"] == Decimal("1850.5")
    assert values["total_special_budget"] == Decimal("46200")
    lines = datain.value_parts(submission=sub)
    assert [(p.unit_name, p.projects) for p in lines] == [
        ("区文化旅游局", "市民文化艺术节"),
        ("区科委", "科普讲座进社区；科技周"),
    ]
    # the share is computed from the totals
    from learning_platform.indicators import selectors

    share = next(
        r
        for r in selectors.submission_rows(sub)
        if r.item.code == "special_budget_share"
    )
    assert share.value == Decimal("4.0054")
    # the template carries the lines back, and the item's row points to them
    again = _template(sub)
    assert [c.value for c in again[str(xlsx.PARTS_SHEET)][2]] == [
        "区文化旅游局",
        "市民文化艺术节",
        1200,
        30000,
    ]


def test_member_unit_lines_are_validated(sub, staff):
    book = _template(sub)
    _parts_sheet(
        book,
        [
            ["区文化旅游局", "", 1200, 30000],
            ["区文化旅游局", "科技周", 100, 50],
            [None, "某项目", "abc", None],
        ],
    )
    with pytest.raises(datain.DataInRefused) as refused:
        _import(sub, staff["stat"], _bytes(book))
    messages = [str(p) for p in refused.value.problems]
    assert any("第2行" in m and "专项" in m for m in messages)
    assert any("第3行" in m and "两次" in m for m in messages)
    assert any("第3行" in m and "超过" in m for m in messages)
    assert any("第4行" in m and "成员单位" in m for m in messages)
    assert any("第4行" in m and "不是数字" in m for m in messages)
    assert not ItemValuePart.objects.exists() and not sub.values.exists()


def test_a_typed_total_must_match_the_lines(sub, staff, client):
    book = _template(sub)
    _fill(book, {"special_budget": 2000})
    _parts_sheet(book, [["区文化旅游局", "市民文化艺术节", 1200, None]])
    with pytest.raises(datain.DataInRefused) as refused:
        _import(sub, staff["stat"], _bytes(book))
    assert "1200" in str(refused.value.problems[0]) and "2000" in str(
        refused.value.problems[0]
    )
    # with the lines stored, the API may not set the item apart from them either
    datain.values_import(
        submission=sub,
        user=staff["stat"],
        values=[],
        parts={
            "special_budget": [datain.PartIn("区文化旅游局", "市民文化艺术节", 1200)]
        },
        origin="test",
    )
    client.force_login(staff["stat"])
    assert (
        _post(
            client, "310101", 2022, [{"code": "special_budget", "value": 5}]
        ).status_code
        == 422
    )
    assert (
        _post(
            client, "310101", 2022, [{"code": "special_budget", "value": 1200}]
        ).status_code
        == 200
    )


def test_member_units_in_the_form(client, sub, staff, full_form):
    client.force_login(staff["stat"])
    client.cookies["django_language"] = "zh-hans"
    response = client.post(
        "/indicators/310101/2022/member-units/",
        {
            "mu_unit_0": "区文化旅游局",
            "mu_projects_0": "市民文化艺术节",
            "mu_amount_0": "1200",
            "mu_total_0": "30000",
            "mu_unit_1": "区科委",
            "mu_projects_1": "科技周",
            "mu_amount_1": "650",
            "mu_total_1": "16200",
            "mu_unit_2": "",
            "mu_projects_2": "",
            "mu_amount_2": "",
            "mu_total_2": "",
        },
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="区科委"' in page
    assert ItemValue.objects.get(
        submission=sub, item__code="special_budget"
    ).value == Decimal("1850")
    # the form shows the item's total read-only and refuses a different typed total
    assert 'name="v_special_budget" value="1850" readonly' in page
    response = client.post(
        "/indicators/310101/2022/",
        dict(full_form, action="save", v_special_budget="9999"),
    )
    assert response.status_code == 400
    assert "成员单位" in response.content.decode()
    response = client.post("/indicators/310101/2022/", dict(full_form, action="save"))
    assert response.status_code == 302
    # a bad line is named and keeps what was typed
    response = client.post(
        "/indicators/310101/2022/member-units/",
        {
            "mu_unit_0": "区文化旅游局",
            "mu_projects_0": "市民文化艺术节",
            "mu_amount_0": "-5",
            "mu_total_0": "",
        },
    )
    assert response.status_code == 400
    assert (
        "成员单位第1行" in response.content.decode()
        and "不能为负数" in response.content.decode()
    )
    assert len(datain.value_parts(submission=sub)) == 2


def test_api_member_units_make_the_items_values_and_are_validated(client, sub, staff):
    client.force_login(staff["stat"])
    client.cookies["django_language"] = "zh-hans"
    url = "/api/v1/indicators/submissions/310101/2022/values"
    bad = {
        "values": [],
        "member_units": [{"unit_name": "区科委", "projects": "", "amount": 10}],
    }
    response = client.post(url, data=json.dumps(bad), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "member_units.0"
    assert "成员单位第1行" in response.json()["errors"][0]["message"]
    good = {
        "values": [{"code": "library_area", "value": 31000}],
        "member_units": [
            {
                "unit_name": "区科委",
                "projects": "科技周",
                "amount": 650,
                "total_amount": 16200,
            },
            {
                "unit_name": "区文化旅游局",
                "projects": "市民文化艺术节",
                "amount": "1200",
                "total_amount": 30000,
            },
        ],
    }
    response = client.post(url, data=json.dumps(good), content_type="application/json")
    assert response.status_code == 200, response.content
    values = {v.item.code: v.value for v in sub.values.select_related("item")}
    assert values["special_budget"] == Decimal("1850") and values[
        "total_special_budget"
    ] == Decimal("46200")


def test_another_districts_submission_answers_like_a_missing_one(client, sub, staff):
    client.force_login(staff["stat_xh"])
    forbidden = client.get("/api/v1/indicators/submissions/310101/2022")
    missing = client.get("/api/v1/indicators/submissions/310101/1999")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()
    assert forbidden.json()["code"] == "not_found"
