"""Import of QTI 3.0 packages written by other tools: hand-written standard items
(``fixtures/qti3_foreign``: choice, order, a 5-point Likert scale) without any of the
project's ``data-*`` attributes, and the round trip through the platform's own export;
unsupported content refused with an error naming the file and the interaction."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from itembank.models import Item
from itembank.payloads import score_answer
from itembank.qti import export_package, import_package, parse_package

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures" / "qti3_foreign"
NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"


@pytest.fixture
def root_collection(db):
    from wagtail.models import Collection

    if not Collection.objects.exists():  # created by Wagtail's migrations
        Collection.add_root(name="Root")


def _png() -> bytes:
    from wagtail.images.tests.utils import get_test_image_file

    return get_test_image_file().file.getvalue()


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _foreign_files() -> dict[str, bytes]:
    files = {
        str(p.relative_to(FIXTURES)): p.read_bytes() for p in FIXTURES.rglob("*.xml")
    }
    files["items/images/chart.png"] = _png()
    return files


def test_the_hand_written_items_are_standard_and_carry_no_project_attributes():
    etree = pytest.importorskip("lxml.etree")
    schemas = Path(__file__).resolve().parents[1] / "standards" / "qti3"
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    item_xsd = etree.XMLSchema(
        etree.parse(str(schemas / "imsqti_asiv3p0p1_v1p0.xsd"), parser)
    )
    cp_xsd = etree.XMLSchema(
        etree.parse(str(schemas / "imsqtiv3p0_imscpv1p2_v1p0.xsd"), parser)
    )
    for name, data in _foreign_files().items():
        if not name.endswith(".xml"):
            continue
        assert b"data-" not in data, name
        schema = cp_xsd if name == "imsmanifest.xml" else item_xsd
        assert schema.validate(etree.fromstring(data, parser)), (name, schema.error_log)


def test_a_foreign_package_imports_faithfully(domains, root_collection):
    # when
    items = {
        i.code: i
        for i in import_package(_zip(_foreign_files()), default_domain="needs.topics")
    }
    # then: the kinds come from the interactions and declarations alone
    choice, order, likert = (
        items["foreign-choice"],
        items["foreign-order"],
        items["foreign-likert"],
    )
    assert (choice.kind, order.kind, likert.kind) == (
        "single_choice",
        "ordered",
        "likert",
    )
    assert {i.domain.code for i in items.values()} == {"needs.topics"}

    # the stem is the body's XHTML, kept as markup; the image is restored and embedded
    assert (
        "<strong>转发次数</strong>" in choice.stem and "<em>最可靠</em>" in choice.stem
    )
    assert (
        '<embed embedtype="image"' in choice.stem
        and 'alt="转发次数柱状图"' in choice.stem
    )
    from wagtail.images import get_image_model

    image = get_image_model().objects.get()
    assert f'id="{image.pk}"' in choice.stem and image.file.read() == _png()
    assert choice.instructions == "请选择一个答案。" and choice.language == "zh-hans"
    options = list(choice.options.all())
    assert [o.option_id for o in options] == ["ChoiceA", "ChoiceB", "ChoiceC"]
    assert [o.is_key for o in options] == [False, True, False]
    assert options[2].text == "朋友转发的<b>截图</b>"

    # ordering: the prompt is the question; long ids renumbered, the order kept
    assert order.stem == "<p>Put the steps of an online search in order.</p>"
    assert order.language == "en" and order.instructions == ""
    texts = {o.text: o.key_position for o in order.options.all()}
    assert texts == {
        "Open a search engine": 1,
        "Type the key words": 2,
        "Compare the results": 3,
        "Save the best page": 4,
    }
    opts = list(order.options.all())
    by_text = {o.text: o.option_id for o in opts}
    right = [
        by_text[t]
        for t in (
            "Open a search engine",
            "Type the key words",
            "Compare the results",
            "Save the best page",
        )
    ]
    assert score_answer(order, opts, right) == 3

    # Likert: categories in document order, the English block as the English stem
    assert likert.stem == "<p>我愿意每周花时间学习新的数字技能。</p>"
    assert likert.stem_en.startswith("<p>I am willing")
    opts = list(likert.options.all())
    assert [o.option_id for o in opts] == ["sd", "d", "n", "a", "sa"]
    assert not any(o.is_key or o.key_position for o in opts)
    assert score_answer(likert, opts, "a") == 3


def test_a_foreign_item_round_trips_through_the_export(domains, root_collection):
    imported = import_package(_zip(_foreign_files()), default_domain="needs.topics")

    def snapshot(item):
        return (
            item.kind,
            item.scoring,
            item.domain.code,
            item.stem,
            item.stem_en,
            item.language,
            item.instructions,
            [
                (o.option_id, o.text, o.is_key, o.key_position)
                for o in item.options.all()
            ],
        )

    before = {i.code: snapshot(i) for i in imported}
    package = export_package(Item.objects.filter(pk__in=[i.pk for i in imported]))
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        images = [n for n in zf.namelist() if n.startswith("images/")]
        assert len(images) == 1 and zf.read(images[0]) == _png()
    Item.objects.all().delete()
    again = {i.code: snapshot(i) for i in import_package(package)}
    # the stems embed the restored image under a new id
    for code in again:
        if code == "foreign-choice":
            assert (
                again[code][3].count("<embed") == before[code][3].count("<embed") == 1
            )
            again[code] = again[code][:3] + (before[code][3],) + again[code][4:]
    assert again == before


def _item(body: str, decl: str = "") -> bytes:
    return (
        f'<qti-assessment-item xmlns="{NS}" identifier="odd" title="odd" '
        f'time-dependent="false">{decl}<qti-item-body>{body}</qti-item-body>'
        "</qti-assessment-item>"
    ).encode()


def _package_of(item: bytes) -> bytes:
    manifest = (
        b'<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="M">'
        b'<resources><resource identifier="r" type="imsqti_item_xmlv3p0" '
        b'href="odd.xml"><file href="odd.xml"/></resource></resources></manifest>'
    )
    return _zip({"imsmanifest.xml": manifest, "odd.xml": item})


UNSUPPORTED = {
    "text entry": (
        _item('<p>答：<qti-text-entry-interaction response-identifier="R"/></p>'),
        "qti-text-entry-interaction is not supported",
    ),
    "extended text": (
        _item('<qti-extended-text-interaction response-identifier="R"/>'),
        "qti-extended-text-interaction is not supported",
    ),
    "match": (
        _item('<qti-match-interaction response-identifier="R"/>'),
        "qti-match-interaction is not supported",
    ),
    "two interactions": (
        _item(
            '<qti-choice-interaction response-identifier="R1"><qti-simple-choice identifier="a">'
            "a</qti-simple-choice></qti-choice-interaction><qti-order-interaction "
            'response-identifier="R2"/>'
        ),
        "2 interactions",
    ),
    "Likert of 3": (
        _item(
            '<qti-choice-interaction response-identifier="RESPONSE">'
            + "".join(
                f'<qti-simple-choice identifier="c{i}">{i}</qti-simple-choice>'
                for i in range(3)
            )
            + "</qti-choice-interaction>",
            '<qti-response-declaration identifier="RESPONSE" cardinality="single" '
            'base-type="identifier"/>',
        ),
        "4 to 7 categories",
    ),
    "image outside": (
        _item(
            '<p><img src="https://example.org/x.png" alt="x"/></p><qti-choice-interaction '
            'response-identifier="RESPONSE"><qti-simple-choice identifier="a">a</qti-simple-choice>'
            '<qti-simple-choice identifier="b">b</qti-simple-choice></qti-choice-interaction>',
            '<qti-response-declaration identifier="RESPONSE" cardinality="single" '
            'base-type="identifier"><qti-correct-response><qti-value>a</qti-value>'
            "</qti-correct-response></qti-response-declaration>",
        ),
        "not inside the package",
    ),
}


@pytest.mark.parametrize("case", sorted(UNSUPPORTED))
def test_unsupported_content_is_refused_naming_the_file_and_the_interaction(
    domains, case
):
    item, message = UNSUPPORTED[case]
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        import_package(_package_of(item), default_domain="info.data")
    assert "odd.xml" in str(exc.value) and message in str(exc.value)
    assert not Item.objects.exists()


def test_an_item_without_a_domain_needs_one_chosen(domains):
    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="items/choice.xml: .*domain"),
    ):
        import_package(_zip(_foreign_files()))
    assert not Item.objects.exists()


def test_an_image_over_the_cap_is_refused(domains, monkeypatch):
    import itembank.qti.importer as importer

    monkeypatch.setattr(importer, "IMAGE_MAX_BYTES", 100)
    with translation.override("en"), pytest.raises(ValidationError, match="chart.png"):
        parse_package(_zip(_foreign_files()))


def test_a_file_that_is_not_an_image_is_refused(domains):
    files = _foreign_files()
    files["items/images/chart.png"] = b"<svg onload=alert(1)/>"
    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="cannot be read as an image"),
    ):
        parse_package(_zip(files))


def test_an_interaction_nested_in_a_block_is_read_and_kept_out_of_the_stem(domains):
    item = _item(
        '<div><p>哪个是<em>官方</em>来源？</p><qti-choice-interaction response-identifier="R" '
        'max-choices="1"><qti-simple-choice identifier="a">官网</qti-simple-choice>'
        '<qti-simple-choice identifier="b">传言</qti-simple-choice></qti-choice-interaction>'
        '<qti-feedback-block outcome-identifier="FB" identifier="x"><p>答案是官网</p>'
        "</qti-feedback-block></div>",
        '<qti-response-declaration identifier="R" cardinality="single" base-type="identifier">'
        "<qti-correct-response><qti-value>a</qti-value></qti-correct-response>"
        "</qti-response-declaration>",
    )
    spec = parse_package(_package_of(item))[0]
    assert spec["stem"] == "<p>哪个是<em>官方</em>来源？</p>"
    assert [(o["option_id"], o["text"], o["is_key"]) for o in spec["options"]] == [
        ("a", "官网", True),
        ("b", "传言", False),
    ]


def test_the_admin_imports_a_foreign_package_into_the_chosen_domain(
    domains, root_collection, client, make_user
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from learning_platform.accounts.services import roles_sync

    roles_sync()
    client.force_login(make_user("researcher"))
    page = client.get("/admin/itembank/import/").content.decode()
    assert 'name="default_domain"' in page and 'value="needs.topics"' in page
    client.post(
        "/admin/itembank/import/",
        {
            "file": SimpleUploadedFile("foreign.zip", _zip(_foreign_files())),
            "default_domain": "needs.topics",
        },
    )
    assert sorted(Item.objects.values_list("code", "domain__code")) == [
        ("foreign-choice", "needs.topics"),
        ("foreign-likert", "needs.topics"),
        ("foreign-order", "needs.topics"),
    ]
