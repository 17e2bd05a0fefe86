"""QTI 3.0 export and import of items as an IMS content package (zip with imsmanifest.xml).

:mod:`.export` writes items that validate against the official QTI 3.0 item and
content-package XSDs; :mod:`.importer` reads this platform's packages and other tools'
(choice and order interactions); :mod:`.xhtml` converts rich text to and from QTI XHTML.
Parsing goes through defusedxml, which refuses DTDs, entity expansion and external
entities, and archives are inflated under :mod:`learning_platform.security.archives` caps.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..models import Item
from ..services import item_save_draft
from .export import export_package, is_identifier, item_xml, manifest_xml
from .importer import (
    IMAGE_MAX_BYTES,
    ITEM_MAX_BYTES,
    MANIFEST_MAX_BYTES,
    QTI_LIMITS,
    _fail,
    parse_package,
)

__all__ = [
    "IMAGE_MAX_BYTES",
    "ITEM_MAX_BYTES",
    "MANIFEST_MAX_BYTES",
    "QTI_LIMITS",
    "export_package",
    "import_package",
    "is_identifier",
    "item_xml",
    "manifest_xml",
    "parse_package",
]


def _save_images(files: dict[str, tuple[str, bytes, str]], user) -> dict[str, int]:
    from django.core.files.images import ImageFile
    from wagtail.images import get_image_model

    model = get_image_model()
    saved = {}
    for token, (name, data, title) in files.items():
        image = model(
            title=title,
            file=ImageFile(_named_bytes(data, name), name=name),
            uploaded_by_user=user if getattr(user, "is_authenticated", False) else None,
        )
        image.save()
        saved[token] = image.pk
    return saved


def _named_bytes(data: bytes, name: str):
    import io

    buf = io.BytesIO(data)
    buf.name = name
    return buf


def _resolve(value, ids: dict[str, int]):
    """Replace image placeholders (``qti-image-N``) by the saved images' ids."""
    if isinstance(value, str):
        for token, pk in ids.items():
            value = value.replace(f'id="{token}"', f'id="{pk}"')
        return value
    return value


def import_package(
    data: bytes, *, user=None, default_domain: str | None = None
) -> list[Item]:
    """Import every item of a package as a draft; all or nothing.

    Items without the project's ``data-domain`` (another tool's package) go to
    ``default_domain``; without one, the import stops with an error naming the file.
    """
    from django.db import transaction
    from wagtail.images import get_image_model

    specs = parse_package(data)
    files = specs[0].pop("_images", {}) if specs else {}
    for spec in specs:
        if not spec.get("domain_code"):
            if not default_domain:
                raise _fail(
                    spec["_href"],
                    _(
                        "the item names no domain of this item bank; "
                        "choose the domain to import it into."
                    ),
                )
            spec["domain_code"] = default_domain
    created = []
    with transaction.atomic():
        ids = _save_images(files, user) if files else {}
        images = get_image_model().objects.in_bulk(list(ids.values())) if ids else {}
        for spec in specs:
            href = spec.pop("_href")
            for field in ("stem", "stem_en"):
                spec[field] = _resolve(spec[field], ids)
            if spec.get("stem_image"):
                spec["stem_image"] = images[ids[spec["stem_image"]]]
            for o in spec["options"]:
                o["text"] = _resolve(o["text"], ids)
                o["text_en"] = _resolve(o["text_en"], ids)
                if o.get("image"):
                    o["image"] = images[ids[o["image"]]]
            try:
                created.append(item_save_draft(user=user, **spec))
            except ValidationError as exc:
                raise ValidationError(
                    _("Item %(code)s (%(h)s): %(e)s")
                    % {"code": spec["code"], "h": href, "e": " ".join(exc.messages)}
                ) from exc
    return created
