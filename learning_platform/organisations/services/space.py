"""Changes to the organisations' spaces: entries added by the organisation, approved by its district.

Every entry an organisation saves (new or changed) waits for the district: it is public only
after a district reviewer approves it. A returned entry carries the reason and can be changed
and sent again.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from learning_platform.organisations.models import (
    EntryKind,
    EntryStatus,
    Organisation,
    SpaceEntry,
)
from learning_platform.organisations.selectors.space import (
    user_maintains,
    user_reviews_district,
)

PHOTO_TYPES: dict[str, tuple[bytes, ...]] = {
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}
PHOTO_MAX_BYTES = 5 * 1024 * 1024
DOCUMENT_TYPES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".pptx": (b"PK\x03\x04",),
}
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
# Kinds an organisation adds itself; yearly results come from the monitoring.
ENTRY_KINDS = (EntryKind.ACTIVITY, EntryKind.PHOTO, EntryKind.DOCUMENT)


def _check_upload(upload: UploadedFile, *, kind: str) -> str | None:
    """Return an error for a bad upload, or None."""
    ext = os.path.splitext(upload.name or "")[1].lower()
    types, limit = (
        (PHOTO_TYPES, PHOTO_MAX_BYTES)
        if kind == EntryKind.PHOTO
        else (DOCUMENT_TYPES, DOCUMENT_MAX_BYTES)
    )
    allowed = " ".join(sorted(types))
    if ext not in types:
        return _("“%(name)s” is not an accepted file type (accepted: %(types)s).") % {
            "name": upload.name,
            "types": allowed,
        }
    if upload.size == 0:
        return _("“%(name)s” is empty.") % {"name": upload.name}
    if upload.size > limit:
        return _("“%(name)s” is larger than %(mb)s MB.") % {
            "name": upload.name,
            "mb": limit // (1024 * 1024),
        }
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in types[ext]):
        return _("“%(name)s” is not really a %(ext)s file.") % {
            "name": upload.name,
            "ext": ext,
        }
    if kind == EntryKind.PHOTO:
        from PIL import Image

        try:
            with Image.open(upload) as image:
                image.verify()
        except Exception:  # noqa: BLE001 - any decoder error means a broken image
            return _("“%(name)s” is not a readable image.") % {"name": upload.name}
        finally:
            upload.seek(0)
    return None


@transaction.atomic
def space_entry_save(
    *,
    user,
    organisation: Organisation,
    data: Mapping[str, Any],
    upload: UploadedFile | None = None,
    entry: SpaceEntry | None = None,
) -> SpaceEntry:
    """Create or change an entry of the user's own organisation; it then awaits approval.

    Every check runs before anything is written; errors name the field.
    """
    if not user_maintains(user=user, organisation=organisation):
        raise PermissionDenied(_("Only the organisation's own users add to its space."))
    if entry is not None and entry.organisation_id != organisation.pk:
        raise PermissionDenied(_("This entry belongs to another organisation."))
    errors: dict[str, str] = {}
    kind = entry.kind if entry is not None else str(data.get("kind") or "")
    if kind not in ENTRY_KINDS:
        errors["kind"] = _(
            "Choose what kind of record this is: activity, photo or document."
        )
    title = str(data.get("title") or "").strip()
    if not title:
        errors["title"] = _("Give the record a title.")
    elif len(title) > 120:
        errors["title"] = _("The title is longer than 120 characters.")
    body = str(data.get("body") or "").strip()
    if len(body) > 5000:
        errors["body"] = _("The description is longer than 5000 characters.")
    happened_on = None
    raw_date = str(data.get("happened_on") or "").strip()
    if raw_date:
        try:
            happened_on = parse_date(raw_date)
        except ValueError:
            happened_on = None
        if happened_on is None:
            errors["happened_on"] = _("Enter the date as YYYY-MM-DD.")
        elif happened_on > timezone.localdate():
            errors["happened_on"] = _("The date lies in the future.")
    alt_text = str(data.get("alt_text") or "").strip()
    has_file = upload is not None or (entry is not None and bool(entry.file))
    if kind == EntryKind.PHOTO:
        if not alt_text:
            errors["alt_text"] = _(
                "Describe the photo in the alternative text (for readers who cannot see it)."
            )
        elif len(alt_text) > 200:
            errors["alt_text"] = _(
                "The alternative text is longer than 200 characters."
            )
    if kind in (EntryKind.PHOTO, EntryKind.DOCUMENT) and not has_file:
        errors["file"] = _("Attach the file.")
    if upload is not None and kind in ENTRY_KINDS:
        if kind == EntryKind.ACTIVITY:
            errors["file"] = _(
                "An activity record has no file; choose photo or document."
            )
        else:
            problem = _check_upload(upload, kind=kind)
            if problem:
                errors["file"] = problem
    if errors:
        raise ValidationError(errors)
    if entry is None:
        entry = SpaceEntry(organisation=organisation, kind=kind, created_by=user)
    entry.title = title
    entry.body = body
    entry.happened_on = happened_on
    entry.alt_text = alt_text if kind == EntryKind.PHOTO else ""
    if upload is not None:
        entry.file.save(os.path.basename(upload.name), upload, save=False)
    entry.status = EntryStatus.PENDING
    entry.review_comment = ""
    entry.reviewed_by = None
    entry.reviewed_at = None
    entry.save()
    return entry


@transaction.atomic
def space_entry_review(
    *, user, entry: SpaceEntry, approve: bool, reason: str = ""
) -> SpaceEntry:
    """Approve a pending entry, or return it with a reason; only the district's staff decide."""
    entry = (
        SpaceEntry.objects.select_for_update()
        .select_related("organisation")
        .get(pk=entry.pk)
    )
    if not user_reviews_district(user=user, district_id=entry.organisation.district_id):
        raise PermissionDenied(
            _("Only the staff of the organisation's district review its space.")
        )
    if entry.status != EntryStatus.PENDING:
        raise ValidationError({"status": _("This entry is not awaiting approval.")})
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError({"reason": _("Say why the entry is returned.")})
    entry.status = EntryStatus.APPROVED if approve else EntryStatus.RETURNED
    entry.review_comment = reason
    entry.reviewed_by = user
    entry.reviewed_at = timezone.now()
    entry.save(update_fields=["status", "review_comment", "reviewed_by", "reviewed_at"])
    return entry
