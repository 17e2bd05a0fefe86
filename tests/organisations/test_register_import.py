"""The register's XLSX import: the template round-trips, every row is checked, a bad row is named
with its row and column, nothing is saved from a file with any error, hostile files are refused."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation
from openpyxl import Workbook, load_workbook

from learning_platform.organisations.models import Organisation, OrganisationEvent
from learning_platform.organisations.services.register import (
    IMPORT_COLUMNS,
    IMPORT_MAX_ROWS,
    import_template_xlsx,
    organisations_import_xlsx,
)

pytestmark = pytest.mark.django_db
HEADER = [h for h, _f in IMPORT_COLUMNS]


def _xlsx(rows: list[list], header: list[str] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _errors(result) -> list[str]:
    with translation.override("zh-hans"):
        return [str(e) for e in result.errors]


GOOD = [
    [
        "南京东路街道",
        "学习型社区",
        "黄浦区",
        "南京东路街道",
        "张老师",
        "021-63200000",
        "njdl@example.cn",
        52000,
        "",
        "org_hp",
    ],
    ["黄浦区税务局", "学习型机关（事业单位）", "310101", "", "", "", "", "", "", ""],
    ["陈家", "family", "黄浦区", "外滩街道", "", "", "", "", 4, ""],
]


def test_the_template_has_the_header_and_an_example_that_imports(people):
    book = load_workbook(io.BytesIO(import_template_xlsx()))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert "填写说明" in book.sheetnames
    result = organisations_import_xlsx(
        user=people["officer"], data=import_template_xlsx(), filename="t.xlsx"
    )
    assert result.errors == [] and [o.name for o in result.created] == [
        "五里桥街道学习型社区"
    ]


def test_good_rows_are_all_registered_with_their_history(people, hp):
    result = organisations_import_xlsx(
        user=people["stat"], data=_xlsx(GOOD), filename="名单.xlsx"
    )
    assert result.errors == []
    assert sorted(o.kind for o in result.created) == ["agency", "community", "family"]
    community = Organisation.objects.get(name="南京东路街道")
    assert (community.district, community.residents, list(community.users.all())) == (
        hp,
        52000,
        [people["org_user"]],
    )
    assert Organisation.objects.get(name="陈家").members == 4
    assert OrganisationEvent.objects.filter(action="import").count() == 3


def test_one_bad_row_is_named_and_nothing_is_saved(people):
    rows = GOOD + [
        ["", "学习型社区", "黄浦区", "", "", "", "", "", "", ""],
        ["某单位", "学习型俱乐部", "黄浦区", "", "", "", "", "", "", ""],
        ["某家庭", "学习型家庭", "黄浦区", "", "", "电话", "", 100, "", ""],
        ["徐汇某街道", "学习型社区", "徐汇区", "", "", "", "", "", "", ""],
        ["南京东路街道", "学习型社区", "黄浦区", "", "", "", "", "", "", ""],
    ]
    result = organisations_import_xlsx(
        user=people["stat"], data=_xlsx(rows), filename="名单.xlsx"
    )
    messages = _errors(result)
    assert result.created == []
    assert "第 5 行「组织名称」列：此项必填。" in messages
    assert any(m.startswith("第 6 行「类型」列：不是四类之一") for m in messages)
    assert any(m.startswith("第 7 行「联系电话」列") for m in messages)
    assert "第 7 行「常住人口」列：只有学习型社区填写常住人口。" in messages
    assert "第 8 行「所属区」列：只能登记本区的组织。" in messages
    assert "第 9 行「组织名称」列：与第 2 行重复。" in messages
    assert not Organisation.objects.exists()


def test_an_already_registered_organisation_is_a_row_error(people, orgs):
    rows = [["五里桥街道", "学习型社区", "黄浦区", "", "", "", "", "", "", ""]]
    result = organisations_import_xlsx(
        user=people["officer"], data=_xlsx(rows), filename="x.xlsx"
    )
    assert _errors(result) == ["第 2 行「组织名称」列：本区已登记同类型同名的组织。"]
    assert Organisation.objects.count() == 3


@pytest.mark.parametrize(
    "header, expected",
    [
        (["组织名称", "类型"], "表头缺少 “所属区” 列"),
        (HEADER + ["备注"], "表头有无法识别的列 “备注”"),
        (HEADER[:3] + ["组织名称"], "表头中 “组织名称” 列重复"),
    ],
)
def test_the_header_row_is_checked(people, header, expected):
    result = organisations_import_xlsx(
        user=people["officer"],
        data=_xlsx([GOOD[0][: len(header)]], header),
        filename="x.xlsx",
    )
    assert len(result.errors) == 1 and expected.replace(" ", "") in _errors(result)[
        0
    ].replace(" ", "")
    assert not Organisation.objects.exists()


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", "0" * (40 * 1024 * 1024))
    return out.getvalue()


@pytest.mark.parametrize(
    "data, filename, expected",
    [
        (b"name,kind\n", "x.csv", ".xlsx"),
        (b"", "x.xlsx", "空"),
        (b"not a zip at all", "x.xlsx", "XLSX"),
        (b"x" * (2 * 1024 * 1024 + 1), "x.xlsx", "2 MB"),
        (None, "x.xlsx", "XLSX"),
    ],
)
def test_hostile_or_broken_files_are_refused(people, data, filename, expected):
    result = organisations_import_xlsx(
        user=people["officer"],
        data=_zip_bomb() if data is None else data,
        filename=filename,
    )
    assert result.created == [] and expected in _errors(result)[0]


def test_too_many_rows_are_refused(people):
    rows = [[f"家庭{n}", "学习型家庭", "黄浦区"] for n in range(IMPORT_MAX_ROWS + 1)]
    result = organisations_import_xlsx(
        user=people["officer"], data=_xlsx(rows), filename="x.xlsx"
    )
    assert f"超过 {IMPORT_MAX_ROWS} 行" in _errors(result)[0]
    assert not Organisation.objects.exists()


def test_only_register_keepers_import(people):
    with pytest.raises(PermissionDenied):
        organisations_import_xlsx(
            user=people["org_user"], data=_xlsx(GOOD), filename="x.xlsx"
        )


def test_the_import_page_lists_row_errors_and_saves_nothing(client, people):
    client.force_login(people["stat"])
    assert client.get("/organisations/register/import/").status_code == 200
    template = client.get("/organisations/register/import/template.xlsx")
    assert template.status_code == 200 and template["Content-Type"].startswith(
        "application/vnd.openxml"
    )
    bad = GOOD + [["", "学习型社区", "黄浦区"]]
    upload = io.BytesIO(_xlsx(bad))
    upload.name = "名单.xlsx"
    response = client.post("/organisations/register/import/", {"file": upload})
    text = response.content.decode()
    assert (
        response.status_code == 400
        and "未导入任何数据" in text
        and "第 5 行「组织名称」列" in text
    )
    assert not Organisation.objects.exists()
    upload = io.BytesIO(_xlsx(GOOD))
    upload.name = "名单.xlsx"
    response = client.post("/organisations/register/import/", {"file": upload})
    assert response.status_code == 302 and Organisation.objects.count() == 3
    client.force_login(people["org_user"])
    assert client.get("/organisations/register/import/").status_code == 403
