"""QTI 3.0 content package: round trip, and hostile XML refused."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from itembank.models import Item
from itembank.payloads import build_payload
from itembank.qti import export_package, import_package

pytestmark = pytest.mark.django_db


def _snapshot(item):
    opts = list(item.options.all())
    return (
        item.kind,
        item.scoring,
        item.domain.code,
        item.stem,
        item.stem_en,
        [(o.option_id, o.text, o.text_en, o.is_key, o.key_position) for o in opts],
        build_payload(item, opts)["options"],
    )


def test_round_trip_gives_back_the_same_items(make_item):
    items = [
        make_item(kind=k, stem_en="<p>Stem</p>")
        for k in (
            "single_choice",
            "true_false",
            "multiple_response",
            "ordered",
            "likert",
        )
    ]
    before = {i.code: _snapshot(i) for i in items}
    package = export_package(items)
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        assert "imsmanifest.xml" in zf.namelist()
        assert b"qti-choice-interaction" in zf.read(f"items/{items[0].code}.xml")
        assert b"qti-correct-response" not in zf.read(f"items/{items[4].code}.xml")
    Item.objects.all().delete()
    imported = import_package(package)
    assert {i.code: _snapshot(i) for i in imported} == before


HOSTILE = {
    "billion laughs": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><manifest>&lol2;</manifest>',
    "external entity": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM '
    b'"file:///etc/passwd">]><manifest>&xxe;</manifest>',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_xml_is_refused(domains, name):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("imsmanifest.xml", HOSTILE[name])
    with translation.override("en"), pytest.raises(ValidationError, match="hostile"):
        import_package(buf.getvalue())
    with pytest.raises(
        ValidationError, match="不安全的 XML"
    ):  # and in Chinese by default
        import_package(buf.getvalue())
    assert not Item.objects.exists()


def test_not_a_package_is_refused(domains):
    with pytest.raises(ValidationError):
        import_package(b"not a zip")


def test_admin_export_and_import_of_a_package(make_item, client, make_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from learning_platform.accounts.services import roles_sync

    roles_sync()
    make_item(code="Q-1")
    client.force_login(make_user("researcher"))
    package = client.get("/admin/itembank/export/qti/").content
    Item.objects.all().delete()
    client.post(
        "/admin/itembank/import/", {"file": SimpleUploadedFile("p.zip", package)}
    )
    assert Item.objects.filter(code="Q-1").exists()


def _item_root(package: bytes, code: str):
    from defusedxml.ElementTree import fromstring

    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        return fromstring(zf.read(f"items/{code}.xml"))


Q = "{http://www.imsglobal.org/xsd/imsqtiasi_v3p0}"
TEMPLATES = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/"


def test_each_kind_declares_its_outcomes_and_response_processing(make_item):
    from itembank.payloads import n_categories

    items = {
        k: make_item(kind=k, code=f"RP-{n}")
        for n, k in enumerate(
            ("single_choice", "true_false", "multiple_response", "ordered", "likert")
        )
    }
    items["partial"] = make_item(
        kind="multiple_response", scoring="partial", code="RP-P"
    )
    package = export_package(list(items.values()))
    expected = {
        "single_choice": "match_correct.xml",
        "true_false": "match_correct.xml",
        "multiple_response": "match_correct.xml",
        "partial": "map_response.xml",
        "likert": "map_response.xml",
        "ordered": None,
    }
    for kind, item in items.items():
        root = _item_root(package, item.code)
        outcomes = {
            d.get("identifier"): d.find(f"{Q}qti-default-value/{Q}qti-value").text
            for d in root.findall(f"{Q}qti-outcome-declaration")
        }
        top = n_categories(item, list(item.options.all())) - 1
        assert outcomes == {"SCORE": "0", "MAXSCORE": str(top)}, kind
        rp = root.find(f"{Q}qti-response-processing")
        template = expected[kind]
        assert rp.get("template") == (TEMPLATES + template if template else None), kind
        decl = root.find(f"{Q}qti-response-declaration")
        assert (decl.find(f"{Q}qti-correct-response") is None) == (kind == "likert"), (
            kind
        )
        if template == "map_response.xml":
            entries = {
                e.get("map-key"): float(e.get("mapped-value"))
                for e in decl.iter(f"{Q}qti-map-entry")
            }
            opts = list(item.options.all())
            if kind == "likert":  # the category the platform stores
                assert entries == {o.option_id: float(i) for i, o in enumerate(opts)}
            else:  # hits minus false alarms, bounded below by 0
                assert entries == {o.option_id: 1.0 if o.is_key else -1.0 for o in opts}
                assert decl.find(f"{Q}qti-mapping").get("lower-bound") == "0"


def test_the_ordering_item_asks_for_the_whole_order_and_its_rules_score_as_the_platform(
    make_item,
):
    import itertools

    from itembank.payloads import score_answer

    item = make_item(
        kind="ordered",
        code="ORD-1",
        options=[
            {"option_id": o, "text": o, "key_position": p}
            for o, p in zip("ABCD", (3, 1, 4, 2), strict=True)
        ],
    )
    root = _item_root(export_package([item]), "ORD-1")
    interaction = root.find(f"{Q}qti-item-body/{Q}qti-order-interaction")
    assert (
        interaction.get("max-choices") is None
        and interaction.get("min-choices") is None
    )
    pairs = [
        [
            v.text
            for v in cond.iter(f"{Q}qti-base-value")
            if v.get("base-type") == "identifier"
        ]
        for cond in root.iter(f"{Q}qti-response-condition")
    ]

    def qti_score(
        response,
    ):  # qti-contains on ordered containers: a gap-free sub-sequence
        return sum(
            1
            for a, b in pairs
            if any(response[i : i + 2] == [a, b] for i in range(len(response) - 1))
        )

    opts = list(item.options.all())
    for response in itertools.permutations("ABCD"):
        assert qti_score(list(response)) == score_answer(item, opts, list(response))
