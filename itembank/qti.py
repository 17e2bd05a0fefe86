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

from .models import Item

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


def parse_package(data: bytes) -> list[dict]:
    """Item specs (``services.item_save_draft`` keyword arguments) from a package."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValidationError(_("The package is not a zip file.")) from exc
    if "imsmanifest.xml" not in zf.namelist():
        raise ValidationError(_("The package has no imsmanifest.xml."))
    manifest = _parse(zf.read("imsmanifest.xml"), "imsmanifest.xml")
    specs = []
    for res in manifest.iter(f"{{{CP}}}resource"):
        href = res.get("href")
        if not href or href not in zf.namelist() or zf.getinfo(href).file_size > 1_000_000:
            raise ValidationError(_("imsmanifest.xml names a missing or oversized file %(h)s.")
                                  % {"h": href})
        root = _parse(zf.read(href), href)
        kind = root.get("data-kind") or "single_choice"
        decl = root.find(_q("qti-response-declaration"))
        correct = [v.text for v in decl.iter(_q("qti-value"))] if decl is not None else []
        body = root.find(_q("qti-item-body"))
        stem = stem_en = ""
        for div in body.findall(_q("div")):
            if div.get("class") == "stem":
                stem = div.text or ""
            elif div.get("class") == "stem-en":
                stem_en = div.text or ""
        inter = body.find(_q("qti-choice-interaction"))
        if inter is None:
            inter = body.find(_q("qti-order-interaction"))
            kind = "ordered"
        if inter is None:
            raise ValidationError(_("%(h)s: no choice or order interaction.") % {"h": href})
        prompt = inter.find(_q("qti-prompt"))
        options = []
        for choice in inter.findall(_q("qti-simple-choice")):
            oid = choice.get("identifier")
            o = {"option_id": oid, "text": choice.text or "",
                 "text_en": choice.get("data-text-en", "")}
            if kind == "ordered":
                o["key_position"] = correct.index(oid) + 1 if oid in correct else None
            elif kind != "likert":
                o["is_key"] = oid in correct
            options.append(o)
        specs.append({"code": root.get("identifier"), "domain_code": root.get("data-domain"),
                      "kind": kind, "scoring": root.get("data-scoring") or "all_or_nothing",
                      "stem": stem, "stem_en": stem_en,
                      "language": root.get("{http://www.w3.org/XML/1998/namespace}lang")
                      or "zh-hans",
                      "instructions": prompt.text if prompt is not None else "",
                      "options": options})
    return specs


def import_package(data: bytes, *, user=None) -> list[Item]:
    """Import every item of a package as a draft; all or nothing."""
    from django.db import transaction

    from .services import item_save_draft

    specs = parse_package(data)
    with transaction.atomic():
        return [item_save_draft(user=user, **spec) for spec in specs]
