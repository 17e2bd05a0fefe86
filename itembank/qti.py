"""QTI 3.0 export and import of items as an IMS content package (zip with imsmanifest.xml).

choiceInteraction (single and multiple, Likert without a correct response) and
orderInteraction. Parsing goes through defusedxml, which refuses DTDs, entity expansion
and external entities.
"""

from __future__ import annotations

import io
import zipfile
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from learning_platform.security.archives import (
    MB,
    ArchiveLimits,
    ArchiveRefused,
    BoundedZip,
)
from learning_platform.security.html import sanitise_rich_text

from .models import Item

# A package holds one small XML file per item; the manifest lists them.
QTI_LIMITS = ArchiveLimits(max_entries=5000, max_total_bytes=64 * MB, max_member_bytes=2 * MB)
MANIFEST_MAX_BYTES = 2 * MB
ITEM_MAX_BYTES = 1 * MB

NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
CP = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
META_NS = "urn:x-learning-platform:itembank"


def _item_xml(item: Item) -> bytes:
    options = list(item.options.all())
    cardinality = {"multiple_response": "multiple", "ordered": "ordered"}.get(item.kind, "single")
    root = Element("qti-assessment-item", {
        "xmlns": NS, "identifier": item.code, "title": item.code, "adaptive": "false",
        "time-dependent": "false", "xml:lang": item.language,
        "data-kind": item.kind, "data-domain": item.domain.code, "data-scoring": item.scoring})
    decl = SubElement(root, "qti-response-declaration", {
        "identifier": "RESPONSE", "cardinality": cardinality, "base-type": "identifier"})
    if item.kind == "ordered":
        correct = SubElement(decl, "qti-correct-response")
        for o in sorted(options, key=lambda o: o.key_position or 0):
            SubElement(correct, "qti-value").text = o.option_id
    elif item.kind != "likert":
        correct = SubElement(decl, "qti-correct-response")
        for o in options:
            if o.is_key:
                SubElement(correct, "qti-value").text = o.option_id
    body = SubElement(root, "qti-item-body")
    SubElement(body, "div", {"class": "stem"}).text = item.stem
    if item.stem_en:
        SubElement(body, "div", {"class": "stem-en", "xml:lang": "en"}).text = item.stem_en
    tag = "qti-order-interaction" if item.kind == "ordered" else "qti-choice-interaction"
    inter = SubElement(body, tag, {"response-identifier": "RESPONSE", "shuffle": "false",
                                   "max-choices": "0" if cardinality == "multiple" else "1"})
    if item.instructions:
        SubElement(inter, "qti-prompt").text = item.instructions
    for o in options:
        choice = SubElement(inter, "qti-simple-choice", {"identifier": o.option_id})
        choice.text = o.text
        if o.text_en:
            choice.set("data-text-en", o.text_en)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="utf-8")


def export_package(items) -> bytes:
    buf = io.BytesIO()
    manifest = Element("manifest", {"xmlns": CP, "identifier": "itembank-export"})
    resources = SubElement(manifest, "resources")
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for item in items:
            href = f"items/{item.code}.xml"
            zf.writestr(href, _item_xml(item))
            res = SubElement(resources, "resource", {
                "identifier": item.code, "type": "imsqti_item_xmlv3p0", "href": href})
            SubElement(res, "file", {"href": href})
        zf.writestr("imsmanifest.xml", b'<?xml version="1.0" encoding="UTF-8"?>\n'
                    + tostring(manifest, encoding="utf-8"))
    return buf.getvalue()


def _parse(data: bytes, name: str):
    try:
        return fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise ValidationError(_("%(name)s: refused hostile XML (%(e)s).")
                              % {"name": name, "e": type(exc).__name__}) from exc
    except Exception as exc:  # noqa: BLE001 - any parse error is the file's fault
        raise ValidationError(_("%(name)s: not well-formed XML (%(e)s).")
                              % {"name": name, "e": exc}) from exc


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _text(el) -> str:
    return el.text or "" if el is not None else ""


def parse_package(data: bytes) -> list[dict]:
    """Item specs (``services.item_save_draft`` keyword arguments) from a package.

    The zip is inflated through :class:`BoundedZip` (entry count, per-file and total
    caps counted on the bytes actually inflated); the manifest and each item file have
    their own cap; rich text is sanitised; anything malformed is a ``ValidationError``
    naming the file and the problem.
    """
    try:
        archive = BoundedZip(data, QTI_LIMITS)
        if "imsmanifest.xml" not in archive.names:
            raise ValidationError(_("The package has no imsmanifest.xml."))
        manifest = _parse(archive.read("imsmanifest.xml", max_bytes=MANIFEST_MAX_BYTES),
                          "imsmanifest.xml")
        specs = []
        for res in manifest.iter(f"{{{CP}}}resource"):
            href = res.get("href")
            if not href or href not in archive.names:
                raise ValidationError(_("imsmanifest.xml names a missing file %(h)s.")
                                      % {"h": href})
            specs.append(_item_spec(_parse(archive.read(href, max_bytes=ITEM_MAX_BYTES), href),
                                    href))
    except ArchiveRefused as exc:
        raise ValidationError(str(exc)) from exc
    if not specs:
        raise ValidationError(_("imsmanifest.xml lists no item resources."))
    return specs


def _item_spec(root, href: str) -> dict:
    if root.tag != _q("qti-assessment-item"):
        raise ValidationError(_("%(h)s: the root element is not qti-assessment-item.")
                              % {"h": href})
    if not root.get("identifier"):
        raise ValidationError(_("%(h)s: the item has no identifier.") % {"h": href})
    kind = root.get("data-kind") or "single_choice"
    decl = root.find(_q("qti-response-declaration"))
    correct = [v.text for v in decl.iter(_q("qti-value"))] if decl is not None else []
    body = root.find(_q("qti-item-body"))
    if body is None:
        raise ValidationError(_("%(h)s: the item has no qti-item-body.") % {"h": href})
    stem = stem_en = ""
    for div in body.findall(_q("div")):
        if div.get("class") == "stem":
            stem = _text(div)
        elif div.get("class") == "stem-en":
            stem_en = _text(div)
    inter = body.find(_q("qti-choice-interaction"))
    if inter is None:
        inter = body.find(_q("qti-order-interaction"))
        kind = "ordered"
    if inter is None:
        raise ValidationError(_("%(h)s: no choice or order interaction.") % {"h": href})
    prompt = inter.find(_q("qti-prompt"))
    options = []
    for choice in inter.findall(_q("qti-simple-choice")):
        oid = choice.get("identifier") or ""
        o = {"option_id": oid, "text": sanitise_rich_text(_text(choice)),
             "text_en": sanitise_rich_text(choice.get("data-text-en", ""))}
        if kind == "ordered":
            o["key_position"] = correct.index(oid) + 1 if oid in correct else None
        elif kind != "likert":
            o["is_key"] = oid in correct
        options.append(o)
    return {"code": root.get("identifier"), "domain_code": root.get("data-domain"),
            "kind": kind, "scoring": root.get("data-scoring") or "all_or_nothing",
            "stem": sanitise_rich_text(stem), "stem_en": sanitise_rich_text(stem_en),
            "language": root.get("{http://www.w3.org/XML/1998/namespace}lang") or "zh-hans",
            "instructions": _text(prompt),
            "options": options}


def import_package(data: bytes, *, user=None) -> list[Item]:
    """Import every item of a package as a draft; all or nothing."""
    from django.db import transaction

    from .services import item_save_draft

    specs = parse_package(data)
    created = []
    with transaction.atomic():
        for spec in specs:
            try:
                created.append(item_save_draft(user=user, **spec))
            except ValidationError as exc:
                raise ValidationError(_("Item %(code)s: %(e)s") % {
                    "code": spec["code"], "e": " ".join(exc.messages)}) from exc
    return created
