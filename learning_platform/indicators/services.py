"""Writes of the indicators app: framework loading, entry, the review chain, feeds, documents."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from learning_platform.accounts.roles import Role
from learning_platform.accounts.selectors import user_roles
from learning_platform.creditbank.selectors import account_counts_by_district
from learning_platform.districts.models import District, DistrictYearFigure
from learning_platform.indicators import formulas
from learning_platform.indicators.models import (
    DataItem,
    Document,
    DocumentFile,
    DocumentType,
    FrameworkVersion,
    Indicator,
    ItemKind,
    ItemValue,
    ReviewEvent,
    Status,
    Submission,
    ValueType,
)

DATA_DIR = Path(__file__).resolve().parent / "data"

# How far from last year's value (as a ratio) a figure may move before it needs confirming.
UNUSUAL_RATIO = Decimal("2")


def plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros (5400, 66.2)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- the framework -----------------------------------------------------------------


def _framework_check(doc: Mapping[str, Any]) -> None:
    for key in ("year", "data_year", "title_zh", "indicators", "items"):
        if key not in doc:
            raise ValidationError(f"The framework file has no {key!r}.")
    codes = [b["code"] for b in doc.get("base_items", [])] + [
        i["code"] for i in doc["items"]
    ]
    duplicates = {c for c in codes if codes.count(c) > 1}
    if duplicates:
        raise ValidationError(f"Duplicate item codes: {sorted(duplicates)}")
    known = set(codes)

    def tags_ok(node: Mapping[str, Any]) -> None:
        for tag in node.get("quick_tags", []):
            if len(tag) > TAG_MAX_CHARS:
                raise ValidationError(
                    f"Indicator {node['code']}: quick tag {tag!r} is longer than {TAG_MAX_CHARS}"
                )
        for child in node.get("children", []):
            tags_ok(child)

    for node in doc["indicators"]:
        tags_ok(node)
    by_code = {i["code"]: i for i in doc["items"]}
    for item in doc["items"]:
        if item["kind"] == ItemKind.DERIVED:
            try:
                tree = formulas.parse(item["formula"])
            except formulas.FormulaError as exc:
                raise ValidationError(f"Item {item['code']}: {exc}") from exc
            unknown = formulas.names(tree) - known
            if unknown:
                raise ValidationError(
                    f"Item {item['code']}: the formula names unknown items {sorted(unknown)}"
                )
        elif item.get("formula"):
            raise ValidationError(
                f"Item {item['code']} has a formula but is not derived."
            )

    def visit(code: str, stack: tuple[str, ...]) -> None:
        if code in stack:
            raise ValidationError(f"Formula cycle: {' → '.join(stack + (code,))}")
        item = by_code.get(code)
        if item and item["kind"] == ItemKind.DERIVED:
            for name in formulas.names(formulas.parse(item["formula"])):
                visit(name, stack + (code,))

    for code in by_code:
        visit(code, ())


@transaction.atomic
def framework_load(*, path: Path) -> tuple[FrameworkVersion, bool]:
    """Load one edition from its JSON file; loading the same file again changes nothing.

    Returns the version and whether anything was written. An edition already used by a
    submission keeps its item rows (codes are updated in place, none removed).
    """
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    doc = json.loads(raw.decode("utf-8"))
    _framework_check(doc)
    version = FrameworkVersion.objects.filter(year=doc["year"]).first()
    if version and version.content_sha256 == digest:
        return version, False
    version, _created = FrameworkVersion.objects.update_or_create(
        year=doc["year"],
        defaults={
            "data_year": doc["data_year"],
            "title_zh": doc["title_zh"],
            "title_en": doc.get("title_en", ""),
            "source": doc.get("source", ""),
            "content_sha256": digest,
        },
    )
    sort = 0
    seen_indicators: set[str] = set()

    def put_indicator(node: Mapping[str, Any], parent: Indicator | None) -> None:
        nonlocal sort
        sort += 1
        indicator, _c = Indicator.objects.update_or_create(
            version=version,
            code=node["code"],
            defaults={
                "level": node["level"],
                "parent": parent,
                "name_zh": node["name_zh"],
                "name_en": node.get("name_en", ""),
                "target_zh": node.get("target_zh", ""),
                "monitoring_points": node.get("monitoring_points", []),
                "quick_tags": node.get("quick_tags", []),
                "sort": sort,
            },
        )
        seen_indicators.add(node["code"])
        for child in node.get("children", []):
            put_indicator(child, indicator)

    for node in doc["indicators"]:
        put_indicator(node, None)
    indicators = {i.code: i for i in version.indicators.all()}
    seen_items: set[str] = set()
    rows = [dict(b, kind=ItemKind.BASE) for b in doc.get("base_items", [])] + list(
        doc["items"]
    )
    for n, row in enumerate(rows):
        ind_code = row.get("indicator", "")
        if ind_code and ind_code not in indicators:
            raise ValidationError(f"Item {row['code']}: unknown indicator {ind_code}")
        DataItem.objects.update_or_create(
            version=version,
            code=row["code"],
            defaults={
                "kind": row["kind"],
                "value_type": row.get("value_type", ValueType.DECIMAL),
                "indicator": indicators.get(ind_code),
                "parent_code": row.get("parent", ""),
                "name_zh": row["name_zh"],
                "name_en": row.get("name_en", ""),
                "unit": "" if row.get("unit") == "text" else row.get("unit", ""),
                "unit_note": row.get("unit_note", ""),
                "responsible_unit": row.get("responsible_unit", ""),
                "note": row.get("note", ""),
                "formula": row.get("formula", ""),
                "source": row.get("source", ""),
                "detail_label": row.get("detail_label", ""),
                "implied_by_formula": bool(row.get("implied_by_formula")),
                "district_figure": row.get("district_figure", ""),
                "sort": n,
            },
        )
        seen_items.add(row["code"])
    if not version.submissions.exists():
        version.items.exclude(code__in=seen_items).delete()
        version.indicators.exclude(code__in=seen_indicators).filter(level=3).delete()
        version.indicators.exclude(code__in=seen_indicators).filter(level=2).delete()
        version.indicators.exclude(code__in=seen_indicators).delete()
    return version, True


def framework_for_year(*, year: int) -> FrameworkVersion:
    """The edition that collects data of ``year``: the newest whose data year is not later.

    Years before the oldest kept edition (back-filled history) use that oldest edition.
    """
    version = (
        FrameworkVersion.objects.filter(data_year__lte=year)
        .order_by("-data_year")
        .first()
    )
    if version is None and 2000 <= year <= 2100:
        version = FrameworkVersion.objects.order_by("data_year").first()
    if version is None:
        raise ValidationError(
            {
                "year": _("No indicator framework covers the year %(year)s.")
                % {"year": year}
            }
        )
    return version


# --- submissions and entry ---------------------------------------------------------


def submission_ensure(*, district: District, year: int) -> Submission:
    submission, _c = Submission.objects.get_or_create(
        district=district,
        year=year,
        defaults={"version": framework_for_year(year=year)},
    )
    return submission


@dataclass
class EntryCheck:
    """The outcome of checking a form: hard errors block saving, warnings need confirming."""

    values: dict[str, Decimal | None] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, str] = field(default_factory=dict)
    confirmed: set[str] = field(default_factory=set)

    @property
    def unconfirmed(self) -> dict[str, str]:
        return {k: v for k, v in self.warnings.items() if k not in self.confirmed}


def _last_year_values(submission: Submission) -> dict[str, Decimal]:
    previous = (
        Submission.objects.filter(
            district=submission.district, year__lt=submission.year
        )
        .order_by("-year")
        .first()
    )
    if previous is None:
        return {}
    return {
        v.item.code: v.value
        for v in previous.values.select_related("item").filter(value__isnull=False)
    }


def entry_check(*, submission: Submission, data: Mapping[str, Any]) -> EntryCheck:
    """Check posted form data (``v_<code>``, ``d_<code>``, ``c_<code>``) against units."""
    check = EntryCheck()
    last = _last_year_values(submission)
    for item in submission.version.items.filter(kind=ItemKind.FED):
        if f"v_{item.code}" in data:
            check.errors[item.code] = _(
                "%(item)s is supplied by the platform and cannot be edited here."
            ) % {"item": f"{item.name_zh}（{item.code}）"}
    items = submission.version.items.filter(kind__in=[ItemKind.BASE, ItemKind.INPUT])
    for item in items:
        raw = str(data.get(f"v_{item.code}", "") or "").strip()
        check.details[item.code] = str(data.get(f"d_{item.code}", "") or "").strip()[
            :500
        ]
        if data.get(f"c_{item.code}"):
            check.confirmed.add(item.code)
        label = item.display_name
        if item.value_type == ValueType.TEXT:
            check.texts[item.code] = raw
            continue
        if raw == "":
            check.values[item.code] = None
            continue
        try:
            value = Decimal(raw.replace(",", "").replace("，", ""))
            if not value.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            check.errors[item.code] = _("%(item)s: “%(raw)s” is not a number.") % {
                "item": label,
                "raw": raw[:40],
            }
            continue
        if value < 0:
            check.errors[item.code] = _(
                "%(item)s: a count or amount cannot be negative."
            ) % {"item": label}
        elif item.value_type == ValueType.COUNT and value != value.to_integral_value():
            check.errors[item.code] = _("%(item)s: a count must be a whole number.") % {
                "item": label
            }
        elif item.value_type == ValueType.PERCENT and value > 100:
            check.errors[item.code] = _("%(item)s: a percentage cannot exceed 100.") % {
                "item": label
            }
        elif (
            item.kind == ItemKind.BASE
            and item.code == "resident_population_10k"
            and value == 0
        ):
            check.errors[item.code] = _(
                "%(item)s: the resident population must be greater than 0."
            ) % {"item": label}
        elif abs(value) >= Decimal("1e13"):
            check.errors[item.code] = _("%(item)s: the number is too large.") % {
                "item": label
            }
        check.values[item.code] = value
        before = last.get(item.code)
        if (
            item.code not in check.errors
            and before is not None
            and before > 0
            and value >= 0
        ):
            if value > before * UNUSUAL_RATIO or value * UNUSUAL_RATIO < before:
                check.warnings[item.code] = _(
                    "%(item)s: %(value)s is far from last year's %(before)s; please confirm."
                ) % {"item": label, "value": plain(value), "before": plain(before)}
    # lazy: import cycle (learning_platform.indicators.datain -> learning_platform.indicators.services)
    from learning_platform.indicators import (
        datain,  # 3.1.1 is the total of its member-unit lines
    )

    for code, message in datain.form_conflicts(
        submission=submission, data=data
    ).items():
        check.errors.setdefault(code, message)
    return check


def submission_district_role_require(user, submission: Submission, role: str) -> None:
    """Refuse anyone but the submission's district holder of ``role``."""
    roles = user_roles(user=user)
    if role not in roles or user.district_id != submission.district_id:
        raise PermissionDenied(
            _("Only the district's %(role)s can do this.") % {"role": Role(role).label}
        )


def submission_event_record(
    submission: Submission, *, action: str, old: str, actor, comment: str = ""
) -> None:
    """Record one step of the submission's review chain (from ``old`` to its status)."""
    ReviewEvent.objects.create(
        submission=submission,
        action=action,
        from_status=old,
        to_status=submission.status,
        actor=actor,
        comment=comment,
    )


@transaction.atomic
def entry_save(
    *, submission: Submission, user, data: Mapping[str, Any], submit: bool = False
) -> EntryCheck:
    """Save the statistician's form as a draft, or submit it for first review.

    With any error nothing is written. Submitting also needs every warning confirmed.
    """
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    submission_district_role_require(user, submission, Role.DISTRICT_STATISTICIAN)
    if submission.status not in (Status.NOT_STARTED, Status.DRAFT):
        raise PermissionDenied(
            _("This form has been submitted and can no longer be edited.")
        )
    check = entry_check(submission=submission, data=data)
    if check.errors or (submit and check.unconfirmed):
        return check
    items = {
        i.code: i
        for i in submission.version.items.filter(
            kind__in=[ItemKind.BASE, ItemKind.INPUT]
        )
    }
    for code, item in items.items():
        defaults = {
            "value": check.values.get(code),
            "text": check.texts.get(code, ""),
            "detail": check.details.get(code, ""),
            "confirmed_unusual": code in check.confirmed,
            "updated_by": user,
            "source": "",
        }
        ItemValue.objects.update_or_create(
            submission=submission, item=item, defaults=defaults
        )
    old = submission.status
    submission.status = Status.FIRST_REVIEW if submit else Status.DRAFT
    submission.save(update_fields=["status", "updated_at"])
    submission_event_record(
        submission, action="submit" if submit else "save_draft", old=old, actor=user
    )
    return check


# --- the review chain ----------------------------------------------------------------

# state -> (role that owns it, next state on approval)
REVIEW_STEPS = {
    Status.FIRST_REVIEW: (Role.DISTRICT_LIAISON, Status.SECOND_REVIEW),
    Status.SECOND_REVIEW: (Role.DISTRICT_HEAD, Status.LETTER),
}


@transaction.atomic
def review_decide(
    *, submission: Submission, user, approve: bool, comment: str
) -> Submission:
    """The liaison (初审) or the head (复审) approves with a comment or returns to draft."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    step = REVIEW_STEPS.get(submission.status)
    if step is None:
        raise PermissionDenied(_("This form is not waiting for a review."))
    role, next_status = step
    submission_district_role_require(user, submission, role)
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("Say why the form is returned.")})
    old = submission.status
    submission.status = next_status if approve else Status.DRAFT
    submission.save(update_fields=["status", "updated_at"])
    submission_event_record(
        submission,
        action="approve" if approve else "return",
        old=old,
        actor=user,
        comment=comment,
    )
    return submission


LETTER_MAX_BYTES = 10 * 1024 * 1024


def _file_head(upload: UploadedFile, n: int = 8) -> bytes:
    upload.seek(0)
    head = upload.read(n)
    upload.seek(0)
    return head


@transaction.atomic
def confirmation_letter_upload(
    *, submission: Submission, user, upload: UploadedFile, comment: str = ""
) -> Submission:
    """The head uploads the signed, scanned letter (PDF); the review ends."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.status != Status.LETTER:
        raise PermissionDenied(
            _("This form is not waiting for its confirmation letter.")
        )
    submission_district_role_require(user, submission, Role.DISTRICT_HEAD)
    if upload.size > LETTER_MAX_BYTES:
        raise ValidationError({"letter": _("The letter is larger than 10 MB.")})
    if not upload.name.lower().endswith(".pdf") or _file_head(upload, 5) != b"%PDF-":
        raise ValidationError(
            {"letter": _("The confirmation letter must be a PDF file.")}
        )
    submission.confirmation_letter.save(
        f"{submission.district.code}-{submission.year}.pdf", upload, save=False
    )
    old = submission.status
    submission.status = Status.DONE
    submission.save(update_fields=["status", "confirmation_letter", "updated_at"])
    submission_event_record(
        submission, action="letter", old=old, actor=user, comment=comment
    )
    return submission


# --- figures the platform supplies ---------------------------------------------------


def monitoring_value_feed(
    *,
    district_code: str,
    year: int,
    item_code: str,
    value: float | None,
    se: float | None,
    n: int | None,
    suppressed: bool,
    source: str,
) -> ItemValue:
    """A supplied figure without an interval (the credit bank's counts)."""
    return platform_value_supply(
        district_code=district_code,
        year=year,
        item_code=item_code,
        value=value,
        se=se,
        n=n,
        suppressed=suppressed,
        source=source,
    )


@transaction.atomic
def platform_value_supply(
    *,
    district_code: str,
    year: int,
    item_code: str,
    value: float | None,
    se: float | None,
    n: int | None,
    suppressed: bool,
    source: str,
    ci_low: float | None = None,
    ci_high: float | None = None,
) -> ItemValue:
    """Write a figure the platform supplies (a survey's published rate, the credit bank's
    counts) into a district's filing for ``year``.

    Higher layers (the survey's publication) call this; the indicators never import them.
    Only items marked ``fed`` in the framework accept it; the value is stored with its
    source line, n and 95% interval and shown read-only to the district (``entry_save``
    refuses edits). Supplying the same figure again updates it in place.
    """
    district = District.objects.filter(code=district_code).first()
    if district is None:
        raise ValidationError({"district_code": f"Unknown district {district_code!r}"})
    submission = submission_ensure(district=district, year=year)
    item = submission.version.items.filter(code=item_code).first()
    if item is None or item.kind != ItemKind.FED:
        raise ValidationError(
            {
                "item_code": f"{item_code!r} is not an item the platform supplies in {submission.version.year}"
            }
        )
    if suppressed:
        value = None
    if value is not None:
        value_d = Decimal(str(value))
        if value_d < 0 or (item.value_type == ValueType.PERCENT and value_d > 100):
            raise ValidationError(
                {"value": f"{item_code}: {value} is outside the item's range"}
            )
    else:
        value_d = None
    row, _c = ItemValue.objects.update_or_create(
        submission=submission,
        item=item,
        defaults={
            "value": value_d,
            "se": se,
            "n": n,
            "suppressed": suppressed,
            "ci_low": None if suppressed else ci_low,
            "ci_high": None if suppressed else ci_high,
            "source": (source or "platform")[:200],
            "updated_by": None,
        },
    )
    return row


@transaction.atomic
def platform_text_suggest(
    *, district_code: str, year: int, item_code: str, text: str, source: str
) -> ItemValue | None:
    """Offer a text the platform knows (e.g. the learning-organisation monitoring) for an
    input text item of a district's filing for ``year``.

    The district stays responsible for the item: the text lands only while the filing is
    open and the district has typed nothing of its own there; the statistician then sees it
    in the form and keeps or changes it. Returns None when the district's own text stands.
    """
    district = District.objects.filter(code=district_code).first()
    if district is None:
        raise ValidationError({"district_code": f"Unknown district {district_code!r}"})
    submission = submission_ensure(district=district, year=year)
    item = submission.version.items.filter(code=item_code).first()
    if item is None or item.kind != ItemKind.INPUT or item.value_type != ValueType.TEXT:
        raise ValidationError(
            {
                "item_code": f"{item_code!r} is not a text item in {submission.version.year}"
            }
        )
    if submission.status not in (Status.NOT_STARTED, Status.DRAFT):
        return None
    row = ItemValue.objects.filter(submission=submission, item=item).first()
    if row is not None and row.text.strip() and not row.source:
        return None
    row, _c = ItemValue.objects.update_or_create(
        submission=submission,
        item=item,
        defaults={
            "text": text,
            "value": None,
            "source": (source or "platform")[:200],
            "updated_by": None,
        },
    )
    return row


def credit_bank_accounts_feed(*, user, year: int) -> int:
    """Fill 市民在学分银行的开户数 from the credit bank for every district the user may see."""

    rows = account_counts_by_district(user=user, year=year)
    for row in rows:
        monitoring_value_feed(
            district_code=row.district_code,
            year=year,
            item_code="credit_bank_accounts",
            value=row.accounts,
            se=None,
            n=None,
            suppressed=False,
            source=f"学分银行 accounts open at the end of {year}",
        )
    return len(rows)


def base_figures_prefill(*, submission: Submission) -> dict[str, str]:
    """Suggest base figures from the districts app's yearly figures (not saved)."""
    figure = DistrictYearFigure.objects.filter(
        district=submission.district, year=submission.year
    ).first()
    if figure is None:
        return {}
    out = {}
    for item in submission.version.items.filter(kind=ItemKind.BASE).exclude(
        district_figure=""
    ):
        value = getattr(figure, item.district_figure, None)
        if value is not None:
            out[item.code] = str(value)
    return out


# --- documents -------------------------------------------------------------------------

DOCUMENT_EXTENSIONS = {
    ".pdf": (b"%PDF-",),
    ".doc": (b"\xd0\xcf\x11\xe0",),
    ".xls": (b"\xd0\xcf\x11\xe0",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".pptx": (b"PK\x03\x04",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
TAG_MAX_CHARS = 4

# Fields each document type asks for, in the seed's order (attachment 3).
DOCUMENT_FIELDS = {
    DocumentType.WORK_FILE: ["title", "year", "occurred_on", "summary", "category"],
    DocumentType.CHRONICLE: [
        "title",
        "year",
        "occurred_on",
        "ended_on",
        "summary",
        "category",
    ],
    DocumentType.MINUTES: ["title", "year", "occurred_on", "agenda", "minutes"],
    DocumentType.PUBLICITY: ["title", "year", "occurred_on", "summary", "category"],
    DocumentType.PUBLICATION: ["title", "year", "occurred_on", "summary", "category"],
}


def file_check(upload: UploadedFile, *, field_name: str = "file") -> None:
    name = upload.name or ""
    ext = Path(name).suffix.lower()
    if ext not in DOCUMENT_EXTENSIONS:
        raise ValidationError(
            {
                field_name: _(
                    "%(name)s: only PDF, Word, Excel, PowerPoint, JPEG and PNG files are accepted."
                )
                % {"name": name}
            }
        )
    if upload.size > DOCUMENT_MAX_BYTES:
        raise ValidationError(
            {field_name: _("%(name)s is larger than 20 MB.") % {"name": name}}
        )
    if upload.size == 0:
        raise ValidationError({field_name: _("%(name)s is empty.") % {"name": name}})
    head = _file_head(upload)
    if not any(head.startswith(magic) for magic in DOCUMENT_EXTENSIONS[ext]):
        raise ValidationError(
            {
                field_name: _("%(name)s is not really a %(ext)s file.")
                % {"name": name, "ext": ext}
            }
        )


def tags_parse(text: str) -> list[str]:
    tags = []
    for tag in (text or "").replace("\u3000", " ").split():
        if len(tag) > TAG_MAX_CHARS:
            raise ValidationError(
                {
                    "tags": _("The tag “%(tag)s” is longer than 4 characters.")
                    % {"tag": tag}
                }
            )
        if tag not in tags:
            tags.append(tag)
    return tags


def _require_document_editor(user, district: District) -> None:
    roles = user_roles(user=user)
    district_roles = {
        Role.DISTRICT_STATISTICIAN,
        Role.DISTRICT_LIAISON,
        Role.DISTRICT_HEAD,
    }
    if not (district_roles & set(roles)) or user.district_id != district.pk:
        raise PermissionDenied(_("Only the district's own staff upload its documents."))


@transaction.atomic
def document_save(
    *,
    user,
    district: District,
    fields: Mapping[str, Any],
    main_file: UploadedFile | None,
    secondary_files: Sequence[UploadedFile] = (),
    related_ids: Sequence[int] = (),
    document: Document | None = None,
) -> Document:
    """Create or change a document; every check runs before anything is written."""
    _require_document_editor(user, district if document is None else document.district)
    doc_type = fields.get("doc_type") if document is None else document.doc_type
    if doc_type not in DocumentType.values:
        raise ValidationError({"doc_type": _("Choose a document type.")})
    errors: dict[str, str] = {}
    wanted = DOCUMENT_FIELDS[DocumentType(doc_type)]
    values: dict[str, Any] = {}
    for name in wanted:
        value = fields.get(name)
        value = value.strip() if isinstance(value, str) else value
        if name in ("title", "year", "occurred_on") and not value:
            errors[name] = _("This field is required.")
        values[name] = value or (None if name in ("ended_on",) else "")
    if values.get("year"):
        try:
            values["year"] = int(values["year"])
            if not 2000 <= values["year"] <= 2100:
                raise ValueError
        except (TypeError, ValueError):
            errors["year"] = _("Enter a year between 2000 and 2100.")
    from django.utils.dateparse import parse_date

    for name in ("occurred_on", "ended_on"):
        if values.get(name) and isinstance(values[name], str):
            try:
                parsed = parse_date(values[name])
            except ValueError:
                parsed = None
            if parsed is None:
                errors[name] = _("Enter a date as YYYY-MM-DD.")
            values[name] = parsed
    if (
        values.get("ended_on")
        and values.get("occurred_on")
        and values["ended_on"] < values["occurred_on"]
    ):
        errors["ended_on"] = _("The end date is before the start date.")
    if len(values.get("title") or "") > 200:
        errors["title"] = _("The title is longer than 200 characters.")
    try:
        values["tags"] = tags_parse(fields.get("tags", ""))
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    version = (
        framework_for_year(year=values["year"])
        if isinstance(values.get("year"), int)
        else FrameworkVersion.objects.first()
    )
    l1 = Indicator.objects.filter(
        pk=fields.get("indicator_l1") or 0, level=1, version=version
    ).first()
    l2 = Indicator.objects.filter(
        pk=fields.get("indicator_l2") or 0, level=2, version=version
    ).first()
    if l1 is None:
        errors["indicator_l1"] = _("Choose a first-level indicator.")
    if l2 is None or (l1 is not None and l2.parent_id != l1.pk):
        errors["indicator_l2"] = _(
            "Choose a second-level indicator under the first-level one."
        )
    if main_file is None and (
        document is None or not document.files.filter(primary=True).exists()
    ):
        errors["file"] = _("Attach the document file.")
    for upload, name in [(main_file, "file")] + [
        (f, "secondary_files") for f in secondary_files
    ]:
        if upload is not None:
            try:
                file_check(upload, field_name=name)
            except ValidationError as exc:
                errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if secondary_files and doc_type != DocumentType.CHRONICLE:
        errors["secondary_files"] = _(
            "Only a chronicle entry has secondary attachments."
        )
    target_district = district if document is None else document.district
    related = list(
        Document.objects.filter(pk__in=list(related_ids), district=target_district)
    )
    if len(related) != len(set(related_ids)):
        errors["related"] = _(
            "A related document is not one of this district's documents."
        )
    if errors:
        raise ValidationError(errors)
    if document is None:
        document = Document(district=district, doc_type=doc_type, uploaded_by=user)
    for name, value in values.items():
        setattr(document, name, value)
    document.indicator_l1, document.indicator_l2 = l1, l2
    document.save()
    document.related.set([r for r in related if r.pk != document.pk])
    if main_file is not None:
        document.files.filter(primary=True).delete()
        _attach(document, main_file, primary=True)
    for upload in secondary_files:
        _attach(document, upload, primary=False)
    return document


def _attach(document: Document, upload: UploadedFile, *, primary: bool) -> DocumentFile:
    row = DocumentFile(
        document=document,
        primary=primary,
        original_name=Path(upload.name).name[:200],
        size=upload.size,
    )
    row.file.save(Path(upload.name).name, upload, save=False)
    row.save()
    return row
