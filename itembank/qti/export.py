"""Export of items as a QTI 3.0 content package (a zip with ``imsmanifest.xml``).

Each item is one ``qti-assessment-item`` file under ``items/`` that validates against the
QTI 3.0 ASI XSD, and the manifest validates against the QTI 3.0 content-package XSD
(``tests/itembank/test_qti_schemas.py`` checks both against the official files):

* stems, the English stem, options and images are XHTML content (:mod:`.xhtml`);
* a response declaration with the correct response, and the outcomes ``SCORE`` and
  ``MAXSCORE``, with response processing another delivery engine can run:

  ============================ ======================= ======================================
  kind                         response processing     SCORE
  ============================ ======================= ======================================
  single choice, true/false    ``match_correct``       1 if the key is chosen, else 0
  multiple response (all or    ``match_correct``       1 if exactly the keys are chosen
  nothing)
  multiple response (partial)  ``map_response``        keys map to 1, other options to -1,
                                                       lower bound 0 (as ``score_answer``)
  ordering                     rules (below)           1 per neighbouring pair of the
                                                       correct order found next to each
                                                       other in the response
  Likert                       ``map_response``, no    the category: 0 for the first option
                               correct response        … n-1 for the last
  ============================ ======================= ======================================

  An ordering item is scored as the platform scores it (``payloads.score_answer``): one
  point per pair of options that are neighbours in the correct order and stand next to
  each other, in that order, in the response. No standard template does this, so the
  item carries the rules: one ``qti-contains`` test per neighbouring pair of the key (an
  ordered container contains another when the other is a strict, gap-free
  sub-sequence). A Likert item has no correct answer; its ``SCORE`` is the category
  code the platform stores and calibrates (GRM), so another engine records the same
  value, and ``MAXSCORE`` is the top category;
* ordering items ask for the whole order (no ``min-choices``/``max-choices``: QTI then
  requires every choice to be ordered);
* images (in the stem HTML, the stem image and option images) are packaged under
  ``images/`` and listed as files of the item's resource in the manifest.

The project's own ``data-kind``, ``data-domain`` and ``data-scoring`` attributes (and
``data-text-en``/``data-prompt-en`` for the English option texts and instructions) ride
along as hints for a faithful round trip; the import does not need them.
"""

from __future__ import annotations

import io
import logging
import posixpath
import re
import zipfile
from xml.etree.ElementTree import Element, SubElement, tostring

from django.utils.text import get_valid_filename

from ..models import Item
from .xhtml import NS, XML_LANG, rich_text_to_qti

logger = logging.getLogger(__name__)

CP = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
RP_TEMPLATES = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/"
MATCH_CORRECT = RP_TEMPLATES + "match_correct.xml"
MAP_RESPONSE = RP_TEMPLATES + "map_response.xml"
TOOL_NAME = "learning-platform itembank"
MANIFEST_ID = "MANIFEST-itembank-export"
# Kinds whose options a delivery engine may shuffle (assessment.services.presentation):
# a Likert scale is ordered, and true/false keeps "true" first.
SHUFFLED_KINDS = frozenset({"single_choice", "multiple_response", "ordered"})
_NCNAME = re.compile(r"[^\W\d][\w.\-]*")
_XML_DECL = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def is_identifier(value: str) -> bool:
    """Whether ``value`` is a valid QTI identifier (an XML NCName: no leading digit)."""
    return bool(_NCNAME.fullmatch(value or ""))


def item_identifier(item: Item) -> str:
    return item.code if is_identifier(item.code) else f"item-{item.code}"


class _Images:
    """The images a package carries: one file per image, however many items use it."""

    def __init__(self) -> None:
        self.paths: dict[int, str] = {}
        self.files: dict[str, bytes] = {}

    def path(self, image_id: int | None) -> str:
        """The image's path in the package ("" when it cannot be read)."""
        if not image_id:
            return ""
        if image_id in self.paths:
            return self.paths[image_id]
        from wagtail.images import get_image_model

        image = get_image_model().objects.filter(pk=image_id).first()
        path = ""
        if image is not None:
            name = get_valid_filename(posixpath.basename(image.file.name)) or "image"
            try:
                with image.file.open("rb") as fh:
                    data = fh.read()
            except (OSError, ValueError):
                logger.warning(
                    "QTI export: image %s has no readable file; left out", image_id
                )
            else:
                path = f"images/{image_id}-{name}"
                self.files[path] = data
        self.paths[image_id] = path
        return path


def _decl(
    parent: Element,
    tag: str,
    identifier: str,
    cardinality: str,
    base_type: str,
    default: str | None = None,
) -> Element:
    el = SubElement(
        parent,
        tag,
        {"identifier": identifier, "cardinality": cardinality, "base-type": base_type},
    )
    if default is not None:
        SubElement(SubElement(el, "qti-default-value"), "qti-value").text = default
    return el


def _ordered_pair_rules(rp: Element, key_order: list[str]) -> None:
    for first, second in zip(key_order, key_order[1:], strict=False):
        cond = SubElement(rp, "qti-response-condition")
        branch = SubElement(cond, "qti-response-if")
        contains = SubElement(branch, "qti-contains")
        SubElement(contains, "qti-variable", {"identifier": "RESPONSE"})
        pair = SubElement(contains, "qti-ordered")
        for oid in (first, second):
            SubElement(pair, "qti-base-value", {"base-type": "identifier"}).text = oid
        set_score = SubElement(branch, "qti-set-outcome-value", {"identifier": "SCORE"})
        total = SubElement(set_score, "qti-sum")
        SubElement(total, "qti-variable", {"identifier": "SCORE"})
        SubElement(total, "qti-base-value", {"base-type": "float"}).text = "1"


def item_xml(item: Item, images: _Images | None = None) -> tuple[bytes, list[str]]:
    """The item's QTI 3.0 XML and the package paths of the images it uses."""
    images = images or _Images()
    used: list[str] = []
    here = "items"

    def image_src(image_id: int) -> str:
        path = images.path(image_id)
        if not path:
            return ""
        if path not in used:
            used.append(path)
        return posixpath.relpath(path, here)

    options = list(item.options.all())
    kind = item.kind
    cardinality = {"multiple_response": "multiple", "ordered": "ordered"}.get(
        kind, "single"
    )
    root = Element(
        "qti-assessment-item",
        {
            "xmlns": NS,
            "identifier": item_identifier(item),
            "title": item.code,
            "adaptive": "false",
            "time-dependent": "false",
            XML_LANG: item.language,
            "tool-name": TOOL_NAME,
            "data-kind": kind,
            "data-domain": item.domain.code,
            "data-scoring": item.scoring,
        },
    )

    decl = _decl(
        root, "qti-response-declaration", "RESPONSE", cardinality, "identifier"
    )
    key_order = [
        o.option_id
        for o in sorted(
            (o for o in options if o.key_position), key=lambda o: o.key_position
        )
    ]
    partial = kind == "multiple_response" and item.scoring == "partial"
    if kind == "ordered":
        correct = SubElement(decl, "qti-correct-response")
        for oid in key_order:
            SubElement(correct, "qti-value").text = oid
    elif kind != "likert":
        correct = SubElement(decl, "qti-correct-response")
        for o in options:
            if o.is_key:
                SubElement(correct, "qti-value").text = o.option_id
    if partial or kind == "likert":
        mapping = SubElement(
            decl, "qti-mapping", {"lower-bound": "0", "default-value": "0"}
        )
        for pos, o in enumerate(options):
            value = pos if kind == "likert" else (1 if o.is_key else -1)
            SubElement(
                mapping,
                "qti-map-entry",
                {"map-key": o.option_id, "mapped-value": str(value)},
            )

    if kind == "likert":
        max_score = len(options) - 1
    elif kind == "ordered":
        max_score = max(len(options) - 1, 0)
    elif partial:
        max_score = sum(1 for o in options if o.is_key)
    else:
        max_score = 1
    _decl(root, "qti-outcome-declaration", "SCORE", "single", "float", "0")
    _decl(
        root, "qti-outcome-declaration", "MAXSCORE", "single", "float", str(max_score)
    )

    body = SubElement(root, "qti-item-body")
    stem = SubElement(body, "div", {"class": "stem"})
    rich_text_to_qti(item.stem, stem, image_src=image_src)
    if item.stem_image_id:
        src = image_src(item.stem_image_id)
        if src:
            SubElement(
                SubElement(stem, "p", {"class": "stem-image"}),
                "img",
                {"src": src, "alt": item.stem_image_alt or ""},
            )
    if item.stem_en and item.language != "en":
        stem_en = SubElement(body, "div", {"class": "stem-en", XML_LANG: "en"})
        rich_text_to_qti(item.stem_en, stem_en, image_src=image_src)

    attrs = {
        "response-identifier": "RESPONSE",
        "shuffle": "true" if kind in SHUFFLED_KINDS else "false",
    }
    if kind == "ordered":
        tag = "qti-order-interaction"
    else:
        tag = "qti-choice-interaction"
        attrs["max-choices"] = "0" if cardinality == "multiple" else "1"
    if item.instructions_en:
        attrs["data-prompt-en"] = item.instructions_en
    interaction = SubElement(body, tag, attrs)
    if item.instructions:
        SubElement(interaction, "qti-prompt").text = item.instructions
    for o in options:
        choice = SubElement(
            interaction, "qti-simple-choice", {"identifier": o.option_id}
        )
        if o.text_en:
            choice.set("data-text-en", o.text_en)
        if o.image_id:
            src = image_src(o.image_id)
            if src:
                SubElement(choice, "img", {"src": src, "alt": o.alt or ""})
        rich_text_to_qti(o.text, choice, image_src=image_src)

    rp = SubElement(root, "qti-response-processing")
    if kind == "ordered":
        _ordered_pair_rules(rp, key_order)
    else:
        rp.set(
            "template", MAP_RESPONSE if partial or kind == "likert" else MATCH_CORRECT
        )
    return _XML_DECL + tostring(root, encoding="utf-8"), used


def manifest_xml(resources: list[tuple[str, str, list[str]]]) -> bytes:
    """The manifest listing ``(identifier, href, image paths)`` per item."""
    manifest = Element("manifest", {"xmlns": CP, "identifier": MANIFEST_ID})
    metadata = SubElement(manifest, "metadata")
    SubElement(metadata, "schema").text = "QTI Package"
    SubElement(metadata, "schemaversion").text = "3.0.0"
    SubElement(manifest, "organizations")
    listed = SubElement(manifest, "resources")
    for identifier, href, image_paths in resources:
        res = SubElement(
            listed,
            "resource",
            {"identifier": identifier, "type": "imsqti_item_xmlv3p0", "href": href},
        )
        SubElement(res, "file", {"href": href})
        for path in image_paths:
            SubElement(res, "file", {"href": path})
    return _XML_DECL + tostring(manifest, encoding="utf-8")


def export_package(items) -> bytes:
    """Return the items as a QTI 3.0 content package (zip bytes)."""
    buf = io.BytesIO()
    images = _Images()
    resources = []
    written: set[str] = set()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for item in items:
            identifier = item_identifier(item)
            href = f"items/{identifier}.xml"
            data, used = item_xml(item, images)
            zf.writestr(href, data)
            for path in used:
                if path not in written:
                    zf.writestr(path, images.files[path])
                    written.add(path)
            resources.append((identifier, href, used))
        zf.writestr("imsmanifest.xml", manifest_xml(resources))
    return buf.getvalue()
