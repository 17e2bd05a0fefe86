"""Reference taxonomies (DigComp 2.2, UNESCO DLGF): the kept files load with the frameworks'
exact structure, idempotently and by version; bad files are refused by name; domains map to
competences; the Wright map and blueprint previews group by the reference areas."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from itembank.models import Blueprint, Domain, ReferenceCompetence, ReferenceFramework
from itembank.taxonomies import (
    DATA_DIR,
    blueprint_reference_coverage,
    demo_domains_map,
    domain_references_set,
    item_groups,
    reference_framework_get,
    reference_framework_load,
    reference_frameworks_load_kept,
)

pytestmark = pytest.mark.django_db

DIGCOMP = DATA_DIR / "digcomp_2.2.json"
DLGF = DATA_DIR / "dlgf_2018.json"


def _doc(path: Path = DIGCOMP) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write(tmp_path: Path, doc: dict, name: str = "framework.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _ids(framework: ReferenceFramework, level: str) -> list[str]:
    return list(
        framework.competences.filter(level=level)
        .order_by("sort_order")
        .values_list("ref_id", flat=True)
    )


@pytest.fixture
def loaded(db):
    reference_frameworks_load_kept()
    return reference_framework_get(key="digcomp:2.2"), reference_framework_get(
        key="dlgf:2018"
    )


# -- the kept files -------------------------------------------------------------------------


def test_digcomp_2_2_has_its_5_areas_and_21_competences(loaded):
    digcomp, _dlgf = loaded
    assert (digcomp.short_name, digcomp.year, digcomp.publisher) == (
        "DigComp",
        2022,
        "European Commission, Joint Research Centre (JRC)",
    )
    assert "JRC128415" in digcomp.citation and "EUR 31006 EN" in digcomp.citation
    assert "CC BY 4.0" in digcomp.licence
    assert _ids(digcomp, "area") == ["1", "2", "3", "4", "5"]
    competences = _ids(digcomp, "competence")
    assert len(competences) == 21
    assert competences == [
        "1.1",
        "1.2",
        "1.3",
        "2.1",
        "2.2",
        "2.3",
        "2.4",
        "2.5",
        "2.6",
        "3.1",
        "3.2",
        "3.3",
        "3.4",
        "4.1",
        "4.2",
        "4.3",
        "4.4",
        "5.1",
        "5.2",
        "5.3",
        "5.4",
    ]
    names = dict(digcomp.competences.values_list("ref_id", "name_en"))
    assert names["1"] == "Information and data literacy"
    assert names["5"] == "Problem solving"
    assert (
        names["1.1"]
        == "Browsing, searching and filtering data, information and digital content"
    )
    assert names["2.5"] == "Netiquette"
    assert names["5.4"] == "Identifying digital competence gaps"
    # every competence sits under the area its id names, and every row has a Chinese name
    for row in digcomp.competences.filter(level="competence"):
        assert row.parent.ref_id == row.ref_id.split(".")[0]
    assert not digcomp.competences.filter(name_zh="").exists()


def test_dlgf_has_areas_0_to_6_and_26_competences(loaded):
    _digcomp, dlgf = loaded
    assert "Information Paper No. 51" in dlgf.citation and "Law, N." in dlgf.citation
    assert _ids(dlgf, "area") == ["0", "1", "2", "3", "4", "5", "6"]
    competences = _ids(dlgf, "competence")
    assert len(competences) == 26
    names = dict(dlgf.competences.values_list("ref_id", "name_en"))
    assert names["0"] == "Devices and software operations"
    assert names["6"] == "Career-related competences"
    assert names["0.1"] == "Physical operations of digital devices"
    assert names["0.2"] == "Software operations in digital devices"
    assert names["5.5"] == "Computational thinking"
    assert (
        names["6.1"]
        == "Operating specialized digital technologies for a particular field"
    )
    assert names["6.2"] == (
        "Interpreting and manipulating data, information and digital "
        "content for a particular field"
    )
    # the DLGF's additions to DigComp are exactly 0.1, 0.2, 5.5, 6.1 and 6.2
    digcomp_ids = set(_ids(_digcomp, "competence"))
    assert sorted(set(competences) - digcomp_ids) == ["0.1", "0.2", "5.5", "6.1", "6.2"]
    # the shared competences carry the same titles in both files
    digcomp_names = dict(_digcomp.competences.values_list("ref_id", "name_en"))
    assert all(names[i] == digcomp_names[i] for i in digcomp_ids)


def test_loading_again_writes_nothing(loaded):
    digcomp, dlgf = loaded
    before = list(
        ReferenceCompetence.objects.order_by("pk").values_list("pk", "ref_id")
    )
    results = reference_frameworks_load_kept()
    assert [written for _fw, written in results] == [False, False]
    assert [fw.pk for fw, _w in results] == [digcomp.pk, dlgf.pk]
    assert (
        list(ReferenceCompetence.objects.order_by("pk").values_list("pk", "ref_id"))
        == before
    )
    assert ReferenceFramework.objects.count() == 2


def test_the_command_loads_and_reports(db):
    from io import StringIO

    out = StringIO()
    call_command("load_reference_taxonomies", stdout=out)
    call_command("load_reference_taxonomies", stdout=out)
    text = out.getvalue()
    assert "DigComp 2.2 (digcomp:2.2): 26 areas and competences, loaded" in text
    assert "DLGF 2018 (dlgf:2018): 33 areas and competences, unchanged" in text


def test_a_new_version_is_added_next_to_the_old(loaded, tmp_path):
    digcomp, _dlgf = loaded
    domain_references_set(domain=_domain("info.data"), refs={"digcomp:2.2": ["1.1"]})
    doc = _doc()
    doc["version"] = "2.3"
    doc["year"] = 2030
    doc["areas"][0]["competences"][0]["name_en"] = "Browsing and searching (changed)"
    framework, written = reference_framework_load(path=_write(tmp_path, doc))
    assert written and framework.pk != digcomp.pk
    assert ReferenceFramework.objects.filter(code="digcomp").count() == 2
    # the old version and its mapping are untouched
    old = ReferenceCompetence.objects.get(framework=digcomp, ref_id="1.1")
    assert old.name_en.startswith("Browsing, searching and filtering")
    assert list(old.domains.values_list("code", flat=True)) == ["info.data"]
    assert (
        framework.competences.get(ref_id="1.1").name_en
        == "Browsing and searching (changed)"
    )


def test_a_mapped_version_is_not_rewritten(loaded, tmp_path):
    domain_references_set(domain=_domain("info.data"), refs={"digcomp:2.2": ["1.1"]})
    doc = _doc()
    doc["areas"][0]["name_zh"] = "改过的名称"
    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="new 'version'"),
    ):
        reference_framework_load(path=_write(tmp_path, doc, "digcomp_fixed.json"))
    assert loaded[0].competences.get(ref_id="1").name_zh == "信息与数据素养"


def test_an_unmapped_version_is_corrected_in_place(db, tmp_path):
    doc = _doc()
    reference_framework_load(path=_write(tmp_path, doc))
    doc["areas"][4]["competences"].pop()  # 5.4 withdrawn
    doc["areas"][0]["name_zh"] = "信息和数据素养"
    framework, written = reference_framework_load(path=_write(tmp_path, doc))
    assert written
    assert framework.competences.count() == 25
    assert framework.competences.get(ref_id="1").name_zh == "信息和数据素养"
    assert not framework.competences.filter(ref_id="5.4").exists()


# -- bad files ------------------------------------------------------------------------------


def _break(doc: dict, how: str) -> dict:
    area, comp = doc["areas"][1], doc["areas"][1]["competences"][2]
    if how == "no_version":
        del doc["version"]
    elif how == "no_areas":
        doc["areas"] = []
    elif how == "bad_year":
        doc["year"] = "2022"
    elif how == "area_id":
        area["ref_id"] = "two"
    elif how == "duplicate_area":
        doc["areas"][2]["ref_id"] = "2"
    elif how == "competence_elsewhere":
        comp["ref_id"] = "3.9"
    elif how == "competence_id":
        comp["ref_id"] = "2-3"
    elif how == "duplicate_competence":
        comp["ref_id"] = "2.2"
    elif how == "no_name_zh":
        comp["name_zh"] = " "
    elif how == "no_competences":
        area["competences"] = []
    elif how == "newline_id":
        comp["ref_id"] = "2.3\n"
    elif how == "long_name":
        area["name_en"] = "x" * 201
    elif how == "bad_code":
        doc["framework"] = "Dig Comp"
    return doc


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("no_version", "framework.json: the framework has no 'version'."),
        ("no_areas", "framework.json: the framework has no 'areas'."),
        ("bad_year", "framework.json: the framework has no valid 'year'."),
        ("area_id", "framework.json, area 'two': the ref_id must be a number"),
        ("duplicate_area", "framework.json, area '2': the ref_id is listed twice."),
        (
            "competence_elsewhere",
            "framework.json, competence '3.9': it is listed under area '2'.",
        ),
        (
            "competence_id",
            "framework.json, competence '2-3': the ref_id must look like '2.1'.",
        ),
        (
            "duplicate_competence",
            "framework.json, competence '2.2': the ref_id is listed twice.",
        ),
        ("no_name_zh", "framework.json, competence '2.3': has no 'name_zh'."),
        ("no_competences", "framework.json, area '2': has no 'competences'."),
        ("bad_code", "framework.json: the framework code 'Dig Comp' is not a slug."),
        (
            "newline_id",
            "framework.json, competence '2.3\\n': the ref_id must look like '2.1'.",
        ),
        (
            "long_name",
            "framework.json, area '2': the 'name_en' is longer than 200 characters.",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_the_entry_and_nothing_is_saved(
    db, tmp_path, how, message
):
    path = _write(tmp_path, _break(_doc(), how))
    with pytest.raises(ValidationError) as exc:
        reference_framework_load(path=path)
    assert message in exc.value.messages[0]
    assert not ReferenceFramework.objects.exists()
    assert not ReferenceCompetence.objects.exists()


def test_a_file_that_is_not_json_is_refused_by_name(db, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{ not json", encoding="utf-8")
    with pytest.raises(
        ValidationError, match=r"broken\.json: not a readable JSON file"
    ):
        reference_framework_load(path=path)
    with pytest.raises(CommandError, match=r"broken\.json"):
        call_command("load_reference_taxonomies", str(path))


# -- domain mapping -------------------------------------------------------------------------


def _domain(code: str) -> Domain:
    from itembank.demo import domains_ensure

    if not Domain.objects.filter(code=code).exists():
        domains_ensure()
    return Domain.objects.get(code=code)


def test_the_demo_maps_the_information_domains_and_leaves_the_others_unmapped(loaded):
    _domain("info")
    demo_domains_map()
    demo_domains_map()  # idempotent
    data = _domain("info.data")
    assert sorted(str(c) for c in data.reference_competences.all()) == [
        "DLGF 2018 1.1 浏览、搜索和过滤数据、信息和数字内容",
        "DLGF 2018 1.2 评估数据、信息和数字内容",
        "DLGF 2018 1.3 管理数据、信息和数字内容",
        "DigComp 2.2 1.1 浏览、搜索和过滤数据、信息和数字内容",
        "DigComp 2.2 1.2 评估数据、信息和数字内容",
        "DigComp 2.2 1.3 管理数据、信息和数字内容",
    ]
    assert _domain("info.communication").reference_competences.count() == 12
    for code in ("science", "health", "learning", "needs.topics"):
        assert not _domain(code).reference_competences.exists(), code


def test_mapping_replaces_one_framework_and_refuses_unknown_ids(loaded):
    domain = _domain("info.safety")
    domain_references_set(
        domain=domain, refs={"digcomp:2.2": ["4.1"], "dlgf:2018": ["0.1"]}
    )
    domain_references_set(domain=domain, refs={"digcomp:2.2": ["4.2", "4"]})
    assert sorted(
        (c.framework.code, c.ref_id) for c in domain.reference_competences.all()
    ) == [("digcomp", "4"), ("digcomp", "4.2"), ("dlgf", "0.1")]
    with pytest.raises(
        ValidationError, match=r"info.safety: digcomp:2.2 has no competence \['9.9'\]"
    ):
        domain_references_set(domain=domain, refs={"digcomp:2.2": ["4.1", "9.9"]})
    with pytest.raises(ValidationError, match="no reference framework 'digcomp:9'"):
        domain_references_set(domain=domain, refs={"digcomp:9": ["4.1"]})
    assert domain.reference_competences.count() == 3


def test_the_domain_edit_page_maps_competences(loaded, client, make_user):
    from learning_platform.accounts.services import roles_sync

    roles_sync()
    client.force_login(make_user("administrator"))
    domain = _domain("info.problem")
    url = f"/admin/snippets/itembank/domain/edit/{domain.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'type="checkbox" name="reference_competences"' in html
    assert "DLGF 2018 6 职业相关胜任力" in html
    dlgf_55 = ReferenceCompetence.objects.get(framework__code="dlgf", ref_id="5.5")
    data = {
        "code": domain.code,
        "kind": domain.kind,
        "name_zh": domain.name_zh,
        "name_en": domain.name_en,
        "parent": domain.parent_id,
        "description_zh": "",
        "description_en": "",
        "sort_order": domain.sort_order,
        "reference_competences": [dlgf_55.pk],
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    assert list(domain.reference_competences.all()) == [dlgf_55]
    # a dotted code is a domain code; anything else is still refused on the form
    refused = client.post(url, {**data, "code": "info..problem"})
    assert refused.status_code == 200 and "code" in refused.context["form"].errors


# -- grouping: Wright map and blueprints ---------------------------------------------------


@pytest.fixture
def calibrated_bank(loaded, make_item, make_user):
    from itembank.services import parameter_set_activate, parameter_set_create

    demo_domains_map()
    items = {}
    for n, (code, b) in enumerate(
        [
            ("info.data", -1.0),
            ("info.data", 0.2),
            ("info.safety", 0.5),
            ("info.problem", 1.2),
            ("science", 0.0),
        ]
    ):
        items[n] = make_item(code=f"TAX-{n}", domain_code=code)
        items[n].b = b
    pset = parameter_set_create(
        name="tax",
        model="2pl",
        source="t",
        items={i.pk: {"a": 1.0, "b": i.b} for i in items.values()},
    )
    parameter_set_activate(parameter_set=pset, approved_by=make_user("researcher"))
    return items


def test_items_group_by_areas_with_empty_areas_and_the_unmapped(calibrated_bank):
    item_domains = {i.pk: i.domain_id for i in calibrated_bank.values()}
    with CaptureQueriesContext(connection) as queries:
        groups = item_groups(group_by="areas:dlgf:2018", item_domains=item_domains)
    assert len(queries) <= 3
    counts = {g.header: len(g.item_ids) for g in groups}
    assert counts == {"0": 0, "1": 2, "2": 0, "3": 0, "4": 1, "5": 1, "6": 0, "–": 1}
    assert groups[0].label == "0 设备与软件操作"
    by_domain = item_groups(group_by="domain", item_domains=item_domains)
    assert [g.key for g in by_domain] == [
        "info.data",
        "info.safety",
        "info.problem",
        "science",
    ]
    assert item_groups(group_by="", item_domains=item_domains) is None
    with pytest.raises(ValidationError):
        item_groups(group_by="areas:nope:1", item_domains=item_domains)


def test_the_wright_map_groups_by_a_framework_s_areas(
    calibrated_bank, client, make_user
):
    from learning_platform.accounts.services import roles_sync

    roles_sync()
    client.force_login(make_user("researcher"))
    plain = client.get("/admin/itembank/overview/").content.decode()
    assert 'value="areas:dlgf:2018"' in plain and "group-header" not in plain
    html = client.get(
        "/admin/itembank/overview/?group=areas:dlgf:2018"
    ).content.decode()
    svg = re.search(r'<svg[^>]*class="wright-map".*?</svg>', html, re.S).group(0)
    headers = re.findall(r'class="group-header"[^>]*><title>(.*?)</title>', svg)
    assert headers == [
        "0 设备与软件操作",
        "1 信息与数据素养",
        "2 交流与协作",
        "3 数字内容创作",
        "4 安全",
        "5 问题解决",
        "6 职业相关胜任力",
        "未映射",
    ]
    assert 'value="areas:dlgf:2018" selected' in html
    table = re.search(
        r'<table class="listing wright-groups">.*?</table>', html, re.S
    ).group(0)
    assert "<th>0 设备与软件操作</th><td>0</td>" in table
    assert "<th>1 信息与数据素养</th><td>2</td>" in table
    by_domain = client.get("/admin/itembank/overview/?group=domain").content.decode()
    assert "信息与数据素养 (info.data)" in by_domain
    # an unknown grouping falls back to the plain map
    assert client.get("/admin/itembank/overview/?group=areas:x:1").status_code == 200


def test_the_overview_query_count_does_not_grow_with_the_items(
    calibrated_bank, client, make_user, make_item
):
    from learning_platform.accounts.services import roles_sync

    roles_sync()
    client.force_login(make_user("researcher"))
    url = "/admin/itembank/overview/?group=areas:digcomp:2.2"
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for n in range(6):
        make_item(code=f"MORE-{n}", domain_code="info.creation")
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)


def test_blueprint_coverage_per_reference_area(calibrated_bank, client, make_user):
    from learning_platform.accounts.services import roles_sync

    blueprint = Blueprint.objects.create(
        code="tax",
        name_zh="覆盖测试",
        length=4,
        content={"info.data": 2, "info.safety": 1, "info.problem": 1},
    )
    item_domains = {i.pk: i.domain_id for i in list(calibrated_bank.values())[:4]}
    coverage = {
        c["framework"].key: c["rows"]
        for c in blueprint_reference_coverage(
            blueprint=blueprint, item_domains=item_domains
        )
    }
    dlgf = {r["header"]: r for r in coverage["dlgf:2018"]}
    assert dlgf["1"]["codes"] == ["info.data"] and dlgf["1"]["target"] == 2
    assert dlgf["1"]["chosen"] == 2 and dlgf["1"]["share"] == 50
    assert dlgf["0"]["chosen"] == 0 and dlgf["0"]["codes"] == []
    assert dlgf["6"]["chosen"] == 0
    assert {r["header"] for r in coverage["digcomp:2.2"]} == {
        "1",
        "2",
        "3",
        "4",
        "5",
        "–",
    }
    # the preview page shows it
    roles_sync()
    client.force_login(make_user("researcher"))
    html = client.get(
        f"/admin/itembank/blueprint/{blueprint.pk}/assemble/"
    ).content.decode()
    assert 'class="listing reference-coverage"' in html
    assert "DLGF 2018" in html and "6 职业相关胜任力" in html


# -- API ------------------------------------------------------------------------------------


def test_the_api_lists_the_taxonomies_with_their_mapped_domains(
    loaded, client, make_user
):
    from learning_platform.accounts.services import roles_sync

    _domain("info")
    demo_domains_map()
    roles_sync()
    client.force_login(make_user("citizen"))
    assert client.get("/api/v1/itembank/taxonomies").status_code == 403
    client.force_login(make_user("researcher"))
    response = client.get("/api/v1/itembank/taxonomies?code=dlgf")
    assert response.status_code == 200
    (dlgf,) = response.json()
    assert dlgf["key"] == "dlgf:2018"
    assert [a["ref_id"] for a in dlgf["areas"]] == ["0", "1", "2", "3", "4", "5", "6"]
    assert sum(len(a["competences"]) for a in dlgf["areas"]) == 26
    area1 = dlgf["areas"][1]
    assert area1["competences"][0]["domain_codes"] == ["info.data"]
    assert dlgf["areas"][6]["competences"][0]["domain_codes"] == []
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["paths"]["/api/v1/itembank/taxonomies"]["get"]["operationId"] == (
        "itembank_taxonomy_list"
    )
