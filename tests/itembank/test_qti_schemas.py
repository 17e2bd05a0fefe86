"""The QTI export validates against the official QTI 3.0 XSDs.

The schemas are byte-for-byte copies in ``tests/standards/qti3/`` (sources and licence
in ``tests/standards/README.md``):

* ``imsqti_asiv3p0p1_v1p0.xsd``: the QTI 3.0.1 ASI (item) XSD, from
  agencyenterprise/qti-3-player, ``packages/qti-renderer/assets/imsqti_asiv3p0p1_v1p0.xsd``
  (commit 3464b5e4, blob c75827f0), with its imports ``ssmlv1p1-core.xsd`` and
  ``synthesis-nonamespace.xsd`` from the same repository (``assets/schemas/``);
* ``imsqtiv3p0_imscpv1p2_v1p0.xsd``: the QTI 3.0 content-package (IMS CP 1.2 profile)
  XSD, with its imports (``imsqtiv3p0_cpextv1p2_v1p0.xsd``, ``imsqtiv3p0_csmv1p1_v1p0.xsd``,
  ``imsqti_metadatav3p0_v1p0.xsd``, ``imsqtiv3p0_afa3p0drd_v1p0.xsd``,
  ``imsmd_loose_v1p3p2.xsd``, ``xml.xsd``, ``xlink.xsd``, ``XInclude.xsd`` and the
  MathML 3 XSDs), from kennisnet/php-qti3, ``src/Package/Resources/Scheme/`` (commit
  15d63c23).

Licence: 1EdTech publishes its XSDs under the 1EdTech specification licence, which
permits copying the unmodified files; the W3C schemas (xml, xlink, XInclude, MathML,
SSML) under the W3C software and document licence.

lxml (libxml2) validates; it reads the imports from the same folder and never the network.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from itembank.qti import export_package

etree = pytest.importorskip("lxml.etree")

pytestmark = pytest.mark.django_db
SCHEMAS = Path(__file__).resolve().parents[1] / "standards" / "qti3"
KINDS = ("single_choice", "multiple_response", "true_false", "ordered", "likert")


@pytest.fixture
def image(db):
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file
    from wagtail.models import Collection

    if not Collection.objects.exists():  # created by Wagtail's migrations
        Collection.add_root(name="Root")
    return get_image_model().objects.create(title="图表", file=get_test_image_file())


def _schema(name: str):
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name), parser))


@pytest.fixture(scope="module")
def item_schema():
    return _schema("imsqti_asiv3p0p1_v1p0.xsd")


@pytest.fixture(scope="module")
def package_schema():
    return _schema("imsqtiv3p0_imscpv1p2_v1p0.xsd")


def _assert_valid(schema, data: bytes, name: str) -> None:
    doc = etree.fromstring(
        data, etree.XMLParser(no_network=True, resolve_entities=False)
    )
    if not schema.validate(doc):
        errors = "\n".join(f"{e.line}: {e.message}" for e in schema.error_log)
        pytest.fail(f"{name} does not validate:\n{errors}")


def _package(make_item, image):
    items = [
        make_item(
            kind=k,
            code=f"V-{k.upper().replace('_', '-')}",
            stem=f'<p data-block-key="a1">题干 <b>粗</b> <u>下划线</u> '
            f'<a href="https://example.org/x">链接</a> '
            f'<a linktype="page" id="3">页面</a></p>'
            f"<ul><li>一</li><li>二</li></ul>"
            f'<embed embedtype="image" id="{image.pk}" format="left" alt="图"/>',
            stem_en="<p>Stem <i>en</i></p>",
            instructions="请选择。",
            instructions_en="Choose.",
        )
        for k in KINDS
    ]
    items.append(
        make_item(kind="multiple_response", code="V-MR-PARTIAL", scoring="partial")
    )
    return export_package(items)


def test_every_item_kind_validates_against_the_qti3_item_xsd(
    make_item, image, item_schema
):
    with zipfile.ZipFile(io.BytesIO(_package(make_item, image))) as zf:
        names = [n for n in zf.namelist() if n.startswith("items/")]
        assert len(names) == len(KINDS) + 1
        for name in names:
            _assert_valid(item_schema, zf.read(name), name)


def test_the_manifest_validates_against_the_qti3_content_package_xsd(
    make_item, image, package_schema
):
    with zipfile.ZipFile(io.BytesIO(_package(make_item, image))) as zf:
        _assert_valid(package_schema, zf.read("imsmanifest.xml"), "imsmanifest.xml")


def test_the_schemas_reject_what_the_issue_found(item_schema, package_schema):
    """The validators can fail: a digit-led choice id and a bare manifest are refused."""
    ns = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
    bad_item = (
        f'<qti-assessment-item xmlns="{ns}" identifier="X" title="X" '
        'time-dependent="false"><qti-item-body><qti-choice-interaction '
        'response-identifier="RESPONSE" max-choices="1"><qti-simple-choice '
        'identifier="1">a</qti-simple-choice></qti-choice-interaction>'
        "</qti-item-body></qti-assessment-item>"
    ).encode()
    assert not item_schema.validate(etree.fromstring(bad_item))
    bare = (
        b'<manifest xmlns="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1" '
        b'identifier="M"><resources/></manifest>'
    )
    assert not package_schema.validate(etree.fromstring(bare))
