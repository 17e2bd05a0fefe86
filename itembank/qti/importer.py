"""Import of a QTI 3.0 content package: this platform's own and other tools'.

What is read, from the standard's elements only:

* the manifest's ``imsqti_item_xmlv3p0`` resources (other resource types, such as a
  test or web content, are skipped; the plain IMS CP namespace is accepted too);
* one ``qti-choice-interaction`` or ``qti-order-interaction`` per item, bound to its
  ``qti-response-declaration`` by ``response-identifier``;
* the kind from the interaction and the declaration: an order interaction is an
  ordering item (its correct response gives each option's position); a choice
  interaction of ``multiple`` cardinality is multiple response (partial credit when the
  declaration has a ``qti-mapping``); of ``single`` cardinality with a correct response
  it is single choice; without one, and with 4 to 7 choices, it is a Likert item whose
  categories are the choices in document order;
* the stem: everything in ``qti-item-body`` outside the interaction (a block whose
  ``xml:lang`` is English, in a Chinese item, is the English stem); ``qti-prompt`` becomes
  the instructions, or the stem when the body has nothing else;
* images (``<img src>``) that the package carries, restored as Wagtail images.

The project's ``data-*`` attributes are read as hints when present (kind, domain and
scoring; English option texts and instructions). A package from another tool has no
domain: the caller names one (``default_domain``).

What cannot be read is refused with an error naming the file: other interactions
(text entry, extended text, inline choice, match, associate, gap match, hotspot,
slider, …), more than one interaction in an item, images outside the package, and QTI
2.x items. Response processing is not read: the platform scores each kind its own way
(``payloads.score_answer``), so a foreign item's own rules (say, a mapping with other
values than 1/-1) are not carried over.
"""

from __future__ import annotations

import io
import posixpath
from typing import Any

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

from ..models import Item
from .export import is_identifier
from .xhtml import XML_LANG, local, plain_text, q, qti_to_rich_text

# One small XML file per item, plus the images the items use.
QTI_LIMITS = ArchiveLimits(
    max_entries=5000, max_total_bytes=64 * MB, max_member_bytes=5 * MB
)
MANIFEST_MAX_BYTES = 2 * MB
ITEM_MAX_BYTES = 1 * MB
IMAGE_MAX_BYTES = 5 * MB
IMAGE_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "gif", "webp"})
ITEM_TYPES = frozenset({"imsqti_item_xmlv3p0"})
QTI2_NAMESPACES = (
    "http://www.imsglobal.org/xsd/imsqti_v2p1",
    "http://www.imsglobal.org/xsd/imsqti_v2p2",
)
SUPPORTED = frozenset({"qti-choice-interaction", "qti-order-interaction"})
INSTRUCTIONS_MAX = 255
OPTION_ID_MAX = 8


def _parse(data: bytes, name: str):
    try:
        return fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise ValidationError(
            _("%(name)s: refused hostile XML (%(e)s).")
            % {"name": name, "e": type(exc).__name__}
        ) from exc
    except Exception as exc:  # noqa: BLE001 - any parse error is the file's fault
        raise ValidationError(
            _("%(name)s: not well-formed XML (%(e)s).") % {"name": name, "e": exc}
        ) from exc


def _fail(href: str, message: str) -> ValidationError:
    return ValidationError(_("%(h)s: %(m)s") % {"h": href, "m": message})


class _PackageImages:
    """Images read from the archive under its caps, shared by every item that uses them."""

    def __init__(self, archive: BoundedZip) -> None:
        self.archive = archive
        self.by_path: dict[str, str] = {}
        self.files: dict[
            str, tuple[str, bytes, str]
        ] = {}  # token -> (name, data, title)

    def token(self, href: str, src: str, alt: str) -> str:
        if not src or ":" in src.split("/", 1)[0] or src.startswith("/"):
            raise _fail(
                href, _("the image “%(s)s” is not inside the package.") % {"s": src}
            )
        path = posixpath.normpath(posixpath.join(posixpath.dirname(href), src))
        if path.startswith("../") or path not in self.archive.names:
            raise _fail(
                href, _("the image “%(s)s” is not inside the package.") % {"s": src}
            )
        if path in self.by_path:
            return self.by_path[path]
        name = posixpath.basename(path)
        if name.rsplit(".", 1)[-1].lower() not in IMAGE_EXTENSIONS:
            raise _fail(
                href,
                _("the image “%(s)s” is not a PNG, JPEG, GIF or WebP file.")
                % {"s": src},
            )
        data = self.archive.read(path, max_bytes=IMAGE_MAX_BYTES)
        try:
            from PIL import Image as PILImage

            with PILImage.open(io.BytesIO(data)) as probe:
                probe.verify()
        except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds
            raise _fail(
                href, _("the image “%(s)s” cannot be read as an image.") % {"s": src}
            ) from exc
        token = f"qti-image-{len(self.files)}"
        self.by_path[path] = token
        self.files[token] = (name, data, (alt or name)[:255])
        return token


def parse_package(data: bytes) -> list[dict]:
    """Item specs (``services.item_save_draft`` keyword arguments) from a package.

    The zip is inflated through :class:`BoundedZip` (entry count, per-file and total
    caps counted on the bytes actually inflated); the manifest, each item file and each
    image have their own cap; rich text is sanitised; anything malformed or unsupported
    is a ``ValidationError`` naming the file and the problem. Images are returned, not
    saved: a spec's rich text refers to them by placeholder ids (``qti-image-N``), and
    ``spec["_images"]`` maps those to ``(file name, bytes, title)``.
    """
    try:
        archive = BoundedZip(data, QTI_LIMITS)
        if "imsmanifest.xml" not in archive.names:
            raise ValidationError(_("The package has no imsmanifest.xml."))
        manifest = _parse(
            archive.read("imsmanifest.xml", max_bytes=MANIFEST_MAX_BYTES),
            "imsmanifest.xml",
        )
        images = _PackageImages(archive)
        specs = []
        for res in manifest.iter():
            if local(res.tag) != "resource":
                continue
            if res.get("type") not in ITEM_TYPES:
                if (res.get("type") or "").startswith("imsqti_item_xmlv2"):
                    raise ValidationError(
                        _(
                            "imsmanifest.xml: %(h)s is a QTI 2.x item; only "
                            "QTI 3.0 items are read."
                        )
                        % {"h": res.get("href")}
                    )
                continue
            href = res.get("href")
            if not href or href not in archive.names:
                raise ValidationError(
                    _("imsmanifest.xml names a missing file %(h)s.") % {"h": href}
                )
            root = _parse(archive.read(href, max_bytes=ITEM_MAX_BYTES), href)
            specs.append(_item_spec(root, href, images))
    except ArchiveRefused as exc:
        raise ValidationError(str(exc)) from exc
    if not specs:
        raise ValidationError(_("imsmanifest.xml lists no item resources."))
    if images.files:
        specs[0]["_images"] = images.files
    return specs


def _language(root) -> str:
    lang = (root.get(XML_LANG) or "").lower()
    return "en" if lang.startswith("en") else "zh-hans"


def _stem_parts(body, interaction, language: str):
    """The body's content outside the interaction: (stem, English stem) as
    ``(text, [elements])`` pairs."""
    stem: list = []
    stem_en: list = []
    for child in body:
        if child is interaction:
            continue
        target = (
            stem_en
            if (
                language != "en"
                and (child.get(XML_LANG) or "").lower().startswith("en")
            )
            else stem
        )
        target.append(child)
    # Text directly in the body, before the first element (not valid QTI, but read).
    return ((body.text or "").strip(), stem), ("", stem_en)


def _unwrap(parts):
    """A lone ``<div>`` wrapper (``class="stem"``) adds nothing: read its content."""
    text, elements = parts
    if not text and len(elements) == 1 and local(elements[0].tag) == "div":
        div = elements[0]
        return (div.text or "").strip(), list(div)
    return parts


def _find_interaction(body, href: str):
    found = [el for el in body.iter() if local(el.tag).endswith("-interaction")]
    unsupported = [local(el.tag) for el in found if local(el.tag) not in SUPPORTED]
    if unsupported:
        raise _fail(
            href,
            _(
                "%(i)s is not supported; the item bank reads "
                "qti-choice-interaction and qti-order-interaction only."
            )
            % {"i": ", ".join(sorted(set(unsupported)))},
        )
    if not found:
        raise _fail(href, _("no choice or order interaction."))
    if len(found) > 1:
        raise _fail(
            href,
            _("the item has %(n)d interactions; the item bank reads items with one.")
            % {"n": len(found)},
        )
    return found[0]


def _short_ids(ids: list[str]) -> dict[str, str]:
    """Keep ids that fit the item bank; renumber all of an item's ids if one does not."""
    if all(len(i) <= OPTION_ID_MAX and is_identifier(i) for i in ids):
        return {i: i for i in ids}
    return {old: f"C{n}" for n, old in enumerate(ids, start=1)}


def _item_spec(root, href: str, images: _PackageImages) -> dict:
    if root.tag.startswith(tuple(f"{{{ns}}}" for ns in QTI2_NAMESPACES)):
        raise _fail(href, _("a QTI 2.x item; only QTI 3.0 items are read."))
    if root.tag != q("qti-assessment-item"):
        raise ValidationError(
            _("%(h)s: the root element is not qti-assessment-item.") % {"h": href}
        )
    code = root.get("identifier")
    if not code:
        raise ValidationError(_("%(h)s: the item has no identifier.") % {"h": href})
    body = root.find(q("qti-item-body"))
    if body is None:
        raise ValidationError(_("%(h)s: the item has no qti-item-body.") % {"h": href})
    interaction = _find_interaction(body, href)
    response_id = interaction.get("response-identifier") or "RESPONSE"
    decl = next(
        (
            d
            for d in root.findall(q("qti-response-declaration"))
            if d.get("identifier") == response_id
        ),
        None,
    )
    if decl is None:
        raise _fail(
            href, _("no qti-response-declaration for “%(r)s”.") % {"r": response_id}
        )
    correct_el = decl.find(q("qti-correct-response"))
    correct = (
        [(v.text or "").strip() for v in correct_el.findall(q("qti-value"))]
        if correct_el is not None
        else []
    )
    has_mapping = decl.find(q("qti-mapping")) is not None
    cardinality = decl.get("cardinality") or "single"
    choices = interaction.findall(q("qti-simple-choice"))
    hint = root.get("data-kind")

    if local(interaction.tag) == "qti-order-interaction":
        kind = "ordered"
        if not correct:
            raise _fail(href, _("the ordering item has no correct order."))
    elif cardinality == "multiple":
        kind = "multiple_response"
    elif cardinality == "single" and correct:
        kind = (
            "true_false"
            if hint == "true_false" and len(choices) == 2
            else "single_choice"
        )
    elif cardinality == "single":
        if not 4 <= len(choices) <= 7:
            raise _fail(
                href,
                _(
                    "a choice without a correct response is read as a Likert "
                    "scale, which has 4 to 7 categories; this one has %(n)d."
                )
                % {"n": len(choices)},
            )
        kind = "likert"
    else:
        raise _fail(
            href,
            _("a choice interaction of cardinality “%(c)s” is not supported.")
            % {"c": cardinality},
        )
    scoring = root.get("data-scoring")
    if scoring not in Item.Scoring.values:
        scoring = (
            "partial"
            if kind == "multiple_response" and has_mapping
            else "all_or_nothing"
        )

    def image(src: str, alt: str) -> str:
        return images.token(href, src, alt)

    language = _language(root)
    stem_image = _take_stem_image(body, href, images)
    stem_parts, stem_en_parts = _stem_parts(body, interaction, language)
    stem = qti_to_rich_text(_unwrap(stem_parts), image=image)
    stem_en = qti_to_rich_text(_unwrap(stem_en_parts), image=image)
    prompt = interaction.find(q("qti-prompt"))
    instructions = plain_text(prompt)
    if prompt is not None and (not stem or len(instructions) > INSTRUCTIONS_MAX):
        # Another tool's prompt is often the question itself.
        prompt_html = qti_to_rich_text((prompt.text or "", list(prompt)), image=image)
        stem += prompt_html if prompt_html.startswith("<") else f"<p>{prompt_html}</p>"
        instructions = ""

    id_map = _short_ids([c.get("identifier") or "" for c in choices])
    correct = [id_map.get(c, c) for c in correct]
    options = []
    for choice in choices:
        o: dict[str, Any] = {
            "option_id": id_map[choice.get("identifier") or ""],
            "text_en": sanitise_rich_text(choice.get("data-text-en", "")),
        }
        elements = list(choice)
        if (
            elements
            and local(elements[0].tag) == "img"
            and not (choice.text or "").strip()
        ):
            # A leading image is the option's image (the platform shows it above the text).
            img = elements.pop(0)
            o["image"] = image(img.get("src") or "", img.get("alt") or "")
            o["alt"] = img.get("alt") or ""
            o["text"] = qti_to_rich_text((img.tail or "", elements), image=image)
        else:
            o["text"] = qti_to_rich_text((choice.text or "", elements), image=image)
        if kind == "ordered":
            o["key_position"] = (
                correct.index(o["option_id"]) + 1 if o["option_id"] in correct else None
            )
        elif kind != "likert":
            o["is_key"] = o["option_id"] in correct
        options.append(o)

    return {
        "code": code,
        "domain_code": root.get("data-domain"),
        "kind": kind,
        "scoring": scoring,
        "stem": stem,
        "stem_en": stem_en,
        "language": language,
        "instructions": instructions,
        **stem_image,
        "instructions_en": (interaction.get("data-prompt-en") or "")[:INSTRUCTIONS_MAX],
        "options": options,
        "_href": href,
    }


def _take_stem_image(body, href: str, images: _PackageImages) -> dict:
    """Detach the project's own stem image (``<p class="stem-image">``) for its field."""
    for parent in body.iter():
        for child in list(parent):
            if (
                local(child.tag) == "p"
                and "stem-image" in (child.get("class") or "").split()
                and child.find(q("img")) is not None
            ):
                img = child.find(q("img"))
                parent.remove(child)
                return {
                    "stem_image": images.token(
                        href, img.get("src") or "", img.get("alt") or ""
                    ),
                    "stem_image_alt": img.get("alt") or "",
                }
    return {}
