"""Writes of the register: organisations created, edited and imported, and tier decisions.

Every change records an ``OrganisationEvent`` with what changed; every tier decision records a
``TierChange`` with its year and evidence. Access is checked here, so pages, the API and
commands behave alike: a refused object raises ``Organisation.DoesNotExist`` (as if missing)
when the user cannot see it, ``PermissionDenied`` when they see it but may not do this.
"""

from __future__ import annotations

import datetime
import io
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from learning_platform.accounts.models import User
from learning_platform.accounts.selectors import user_roles
from learning_platform.districts.models import District
from learning_platform.organisations.models import (
    Organisation,
    OrganisationEvent,
    OrganisationKind,
    Tier,
    TierChange,
)
from learning_platform.organisations.selectors import register as sel
from learning_platform.security.archives import (
    MB,
    ArchiveLimits,
    ArchiveRefused,
    BoundedZip,
)

# Fields an organisation's own users may change; the rest (name, kind, district, users) are the
# register's, kept by the district or the city.
MEMBER_FIELDS = (
    "street",
    "contact_name",
    "contact_phone",
    "contact_email",
    "residents",
    "members",
)
ALL_FIELDS = ("name", "kind", "district", *MEMBER_FIELDS, "users")
MAX_LENGTHS = {
    "name": 120,
    "street": 60,
    "contact_name": 60,
    "contact_phone": 30,
    "contact_email": 254,
}
PHONE = re.compile(r"^[0-9+\-() ]{5,30}$")
MAX_RESIDENTS = 2_000_000
MAX_MEMBERS = 30
EVIDENCE_MAX = 4000


def field_label(name: str) -> str:
    return {
        "name": _("Name"),
        "kind": _("Kind"),
        "district": _("District"),
        "street": _("Street or town"),
        "contact_name": _("Contact person"),
        "contact_phone": _("Contact phone"),
        "contact_email": _("Contact e-mail"),
        "residents": _("Residents"),
        "members": _("Family members"),
        "users": _("Maintaining accounts"),
        "tier": _("Tier"),
    }.get(name, name)


def _district_by(value: Any) -> District | None:
    if isinstance(value, District):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    return (
        District.objects.filter(code=text).first()
        or District.objects.filter(name_zh=text).first()
        or District.objects.filter(name_en__iexact=text).first()
    )


def _kind_by(value: Any) -> str | None:
    text = str(value or "").strip()
    if text in OrganisationKind.values:
        return text
    for kind in OrganisationKind:
        # The Chinese names the seed uses (学习型社区 …) and the labels in either language.
        if text in (KIND_ZH[kind], str(kind.label)):
            return kind.value
    return None


KIND_ZH = {
    OrganisationKind.AGENCY: "学习型机关（事业单位）",
    OrganisationKind.ENTERPRISE: "学习型企事业单位",
    OrganisationKind.COMMUNITY: "学习型社区",
    OrganisationKind.FAMILY: "学习型家庭",
}


def _int(
    value: Any, *, low: int, high: int, name: str, errors: dict[str, str]
) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if re.fullmatch(r"\d+(\.0+)?", text) is None:
        errors[name] = _("Enter a whole number.")
        return None
    number = int(float(text)) if "." in text else int(text)
    if not low <= number <= high:
        errors[name] = _("Enter a whole number from %(low)s to %(high)s.") % {
            "low": low,
            "high": high,
        }
        return None
    return number


def _users_by(value: Any, errors: dict[str, str]) -> list[User] | None:
    if value is None:
        return None
    names = (
        value
        if isinstance(value, (list, tuple))
        else re.split(r"[,，;；\s]+", str(value))
    )
    names = [str(n).strip() for n in names if str(n).strip()]
    if len(names) > 20:
        errors["users"] = _("At most 20 accounts may maintain an organisation.")
        return None
    users = list(User.objects.filter(username__in=names))
    unknown = sorted(set(names) - {u.username for u in users})
    if unknown:
        errors["users"] = _("No account named %(names)s.") % {
            "names": "、".join(unknown)
        }
        return None
    not_members = [
        u.username for u in users if not sel.MEMBER_ROLES & set(user_roles(user=u))
    ]
    if not_members:
        errors["users"] = _("%(names)s do not hold the learning-organisation role.") % {
            "names": "、".join(sorted(not_members))
        }
        return None
    return users


def organisation_clean(
    *, user, data: Mapping[str, Any], org: Organisation | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate fields for a new entry (``org`` None) or an edit; return values and errors.

    Only the fields present in ``data`` are read on an edit; a new entry needs name, kind and
    district. Errors name the field; messages are translated.
    """
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    creating = org is None
    for name in ALL_FIELDS:
        if name not in data and not (creating and name in ("name", "kind", "district")):
            continue
        raw = data.get(name)
        if isinstance(raw, str):
            raw = raw.strip()
        if (
            name in MAX_LENGTHS
            and raw is not None
            and len(str(raw)) > MAX_LENGTHS[name]
        ):
            errors[name] = _("At most %(n)s characters.") % {"n": MAX_LENGTHS[name]}
            continue
        if name == "name":
            if not raw:
                errors[name] = _("This field is required.")
            else:
                values[name] = str(raw)
        elif name == "kind":
            kind = _kind_by(raw)
            if kind is None:
                errors[name] = (
                    _("This field is required.")
                    if not raw
                    else _(
                        "Not one of the four kinds: learning agency, enterprise, community or family."
                    )
                )
            else:
                values[name] = kind
        elif name == "district":
            district = _district_by(raw)
            if district is None:
                errors[name] = (
                    _("This field is required.") if not raw else _("No such district.")
                )
            elif not sel.may_manage_district(user, district):
                errors[name] = _(
                    "You may only register organisations of your own district."
                )
            else:
                values[name] = district
        elif name in ("street", "contact_name"):
            values[name] = str(raw or "")
        elif name == "contact_phone":
            if raw and not PHONE.match(str(raw)):
                errors[name] = _(
                    "Enter a telephone number (digits, spaces, + - and brackets)."
                )
            else:
                values[name] = str(raw or "")
        elif name == "contact_email":
            if raw:
                try:
                    validate_email(str(raw))
                except ValidationError:
                    errors[name] = _("Enter a valid e-mail address.")
                    continue
            values[name] = str(raw or "")
        elif name == "residents":
            values[name] = _int(
                raw, low=1, high=MAX_RESIDENTS, name=name, errors=errors
            )
        elif name == "members":
            values[name] = _int(raw, low=1, high=MAX_MEMBERS, name=name, errors=errors)
        elif name == "users":
            users = _users_by(raw, errors)
            if users is not None:
                values[name] = users
    values = {k: v for k, v in values.items() if k not in errors}
    kind = values.get("kind", org.kind if org else None)
    if values.get("residents") is not None and kind != OrganisationKind.COMMUNITY:
        errors["residents"] = _("Only communities record their resident population.")
    if values.get("members") is not None and kind != OrganisationKind.FAMILY:
        errors["members"] = _("Only families record their number of members.")
    if not errors and ({"name", "kind", "district"} & set(values) or creating):
        name = values.get("name", org.name if org else "")
        district = values.get("district", org.district if org else None)
        clash = Organisation.objects.filter(name=name, kind=kind, district=district)
        if org is not None:
            clash = clash.exclude(pk=org.pk)
        if clash.exists():
            errors["name"] = _(
                "This district already registers an organisation of this kind with this name."
            )
    return values, errors


def _display(value: Any) -> Any:
    if isinstance(value, District):
        return value.code
    if isinstance(value, list):
        return sorted(u.username for u in value)
    return value


def _event(
    org: Organisation, *, action: str, changes: dict[str, Any], actor
) -> OrganisationEvent:
    return OrganisationEvent.objects.create(
        organisation=org,
        action=action,
        changes=changes,
        actor=actor if getattr(actor, "pk", None) else None,
    )


def _new_slug(district: District) -> str:
    return f"{district.code}-{uuid.uuid4().hex[:10]}"


@transaction.atomic
def organisation_create(
    *, user, data: Mapping[str, Any], action: str = "create"
) -> Organisation:
    """Register a new organisation (district staff in their district, or the city)."""
    if not sel.may_register(user):
        raise PermissionDenied(
            _("Only district staff and the monitoring centre register organisations.")
        )
    values, errors = organisation_clean(user=user, data=data)
    if errors:
        raise ValidationError(errors)
    users = values.pop("users", None)
    org = Organisation.objects.create(slug=_new_slug(values["district"]), **values)
    if users:
        org.users.set(users)
    changes = {k: [None, _display(v)] for k, v in values.items() if v not in (None, "")}
    if users:
        changes["users"] = [None, _display(users)]
    _event(org, action=action, changes=changes, actor=user)
    return org


@transaction.atomic
def organisation_update(
    *, user, org: Organisation, data: Mapping[str, Any]
) -> Organisation:
    """Change an entry; an organisation's own users change only its contact and size details."""
    org = sel.organisation_get_for_user(user=user, org_id=org.pk)
    if not sel.may_edit_organisation(user, org):
        raise PermissionDenied(_("You may not edit this organisation."))
    if not sel.may_manage_district(user, org.district_id):
        refused = [k for k in data if k in ALL_FIELDS and k not in MEMBER_FIELDS]
        if refused:
            raise ValidationError(
                {k: _("Only the district changes this field.") for k in refused}
            )
    if "tier" in data:
        raise ValidationError(
            {
                "tier": _(
                    "A tier changes only through a tier decision with its evidence."
                )
            }
        )
    values, errors = organisation_clean(user=user, data=data, org=org)
    if errors:
        raise ValidationError(errors)
    changes: dict[str, Any] = {}
    users = values.pop("users", None)
    for name, value in values.items():
        old = getattr(org, name)
        if old != value:
            changes[name] = [_display(old), _display(value)]
            setattr(org, name, value)
    if users is not None:
        before = list(org.users.all())
        if {u.pk for u in before} != {u.pk for u in users}:
            changes["users"] = [_display(before), _display(users)]
            org.users.set(users)
    if changes:
        org.save()
        _event(org, action="update", changes=changes, actor=user)
    return org


@transaction.atomic
def organisation_tier_change(
    *, user, org: Organisation, to_tier: str, year: Any, evidence: str
) -> TierChange:
    """Record a tier decision with its year and evidence: one step up the path, or back down."""
    org = sel.organisation_get_for_user(user=user, org_id=org.pk)
    if not sel.may_change_tier(user, org):
        raise PermissionDenied(
            _(
                "Only the district or the monitoring centre decides an organisation's tier."
            )
        )
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    errors: dict[str, str] = {}
    if to_tier not in Tier.values:
        errors["to_tier"] = _("Not a tier.")
    elif to_tier == org.tier:
        errors["to_tier"] = _("The organisation already has this tier.")
    elif to_tier not in sel.next_tiers(org):
        errors["to_tier"] = _(
            "A tier rises one step at a time: registered, selected, model, exemplar."
        )
    this_year = datetime.date.today().year
    try:
        year_number = int(str(year).strip())
    except (TypeError, ValueError):
        year_number = None
    if year_number is None or not 2000 <= year_number <= this_year + 1:
        errors["year"] = _("Enter the year of the decision (2000 to %(max)s).") % {
            "max": this_year + 1
        }
    evidence = (evidence or "").strip()
    if not evidence:
        errors["evidence"] = _("State the evidence the decision rests on.")
    elif len(evidence) > EVIDENCE_MAX:
        errors["evidence"] = _("At most %(n)s characters.") % {"n": EVIDENCE_MAX}
    if errors:
        raise ValidationError(errors)
    change = TierChange.objects.create(
        organisation=org,
        from_tier=org.tier,
        to_tier=to_tier,
        year=year_number,
        evidence=evidence,
        decided_by=user,
    )
    _event(
        org,
        action="tier",
        changes={"tier": [org.tier, to_tier], "year": year_number},
        actor=user,
    )
    org.tier = to_tier
    org.save(update_fields=["tier", "updated_at"])
    return change


# --- XLSX import -------------------------------------------------------------------------

# The template's columns: header (Chinese, as users see it) → field.
IMPORT_COLUMNS = [
    ("组织名称", "name"),
    ("类型", "kind"),
    ("所属区", "district"),
    ("街道（镇）", "street"),
    ("联系人", "contact_name"),
    ("联系电话", "contact_phone"),
    ("电子邮箱", "contact_email"),
    ("常住人口", "residents"),
    ("家庭成员数", "members"),
    ("维护账号", "users"),
]
REQUIRED_COLUMNS = ("组织名称", "类型", "所属区")
IMPORT_MAX_BYTES = 2 * MB
IMPORT_MAX_ROWS = 2000
IMPORT_MAX_COLUMNS = 40
XLSX_LIMITS = ArchiveLimits(
    max_entries=60, max_total_bytes=20 * MB, max_member_bytes=20 * MB
)
EXAMPLE_ROW = [
    "五里桥街道学习型社区",
    "学习型社区",
    "黄浦区",
    "五里桥街道",
    "王老师",
    "021-63010000",
    "wlq@example.cn",
    68000,
    "",
    "",
]


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.row <= 1 and not self.column:
            return self.message
        if not self.column:
            return _("Row %(row)s: %(message)s") % {
                "row": self.row,
                "message": self.message,
            }
        return _("Row %(row)s, column “%(column)s”: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ImportResult:
    created: list[Organisation] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def import_template_xlsx() -> bytes:
    """The XLSX template: the header row, an example row and a sheet explaining the columns."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "组织登记"
    sheet.append([h for h, _f in IMPORT_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append(EXAMPLE_ROW)
    for column, width in zip(
        "ABCDEFGHIJ", (28, 22, 10, 16, 10, 16, 22, 10, 10, 16), strict=True
    ):
        sheet.column_dimensions[column].width = width
    notes = book.create_sheet("填写说明")
    notes.append(["列", "说明"])
    notes.append(["组织名称", "必填，最多120字；同一区同一类型中不得重名。"])
    notes.append(["类型", "必填：" + "、".join(KIND_ZH.values()) + "。"])
    notes.append(
        [
            "所属区",
            "必填：区名（如 黄浦区）或区划代码（如 310101）；区级用户只能导入本区组织。",
        ]
    )
    notes.append(["常住人口", "仅学习型社区填写：整数，用于计算人均经费（元/人·年）。"])
    notes.append(["家庭成员数", "仅学习型家庭填写：1–30 的整数。"])
    notes.append(["维护账号", "可选：具有学习型组织角色的用户名，多个用逗号分隔。"])
    notes.append(
        [
            "",
            "第一行是表头，请勿修改；示例行（第2行）导入前请删除或改写。任何一行有误，整个文件都不导入。",
        ]
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value).strip()


def _read_rows(data: bytes) -> list[list[str]]:
    """The first sheet's rows as text, read within the size, row and column limits."""
    from openpyxl import load_workbook

    try:
        BoundedZip(data, XLSX_LIMITS)
    except ArchiveRefused as exc:
        raise ValidationError(
            _("The file is not a readable XLSX workbook: %(e)s") % {"e": exc}
        ) from exc
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a broken file
        raise ValidationError(_("The file is not a readable XLSX workbook.")) from exc
    try:
        sheet = book.worksheets[0]
        rows: list[list[str]] = []
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > IMPORT_MAX_ROWS + 1:
                raise ValidationError(
                    _("The file has more than %(n)s rows; split it into smaller files.")
                    % {"n": IMPORT_MAX_ROWS}
                )
            cells = list(row[: IMPORT_MAX_COLUMNS + 1])
            if len(cells) > IMPORT_MAX_COLUMNS and any(
                c not in (None, "") for c in row[IMPORT_MAX_COLUMNS:]
            ):
                raise ValidationError(
                    _("The file has more than %(n)s columns; use the template.")
                    % {"n": IMPORT_MAX_COLUMNS}
                )
            rows.append([_cell_text(c) for c in cells[:IMPORT_MAX_COLUMNS]])
        return rows
    finally:
        book.close()


def organisations_import_xlsx(*, user, data: bytes, filename: str = "") -> ImportResult:
    """Check every row of an uploaded XLSX, then register all rows or (if any row is bad) none."""
    if not sel.may_register(user):
        raise PermissionDenied(
            _("Only district staff and the monitoring centre register organisations.")
        )
    result = ImportResult()
    if filename and not filename.lower().endswith(".xlsx"):
        result.errors.append(
            RowError(
                0, "", _("Upload the register as an .xlsx file (use the template).")
            )
        )
        return result
    if len(data) > IMPORT_MAX_BYTES:
        result.errors.append(
            RowError(
                0,
                "",
                _("The file is larger than %(mb)s MB.")
                % {"mb": IMPORT_MAX_BYTES // MB},
            )
        )
        return result
    if not data:
        result.errors.append(RowError(0, "", _("The file is empty.")))
        return result
    try:
        rows = _read_rows(data)
    except ValidationError as exc:
        result.errors.append(RowError(0, "", exc.messages[0]))
        return result
    if not rows:
        result.errors.append(
            RowError(
                1,
                "",
                _("The sheet is empty; the first row must be the template's header."),
            )
        )
        return result
    header = [h.strip() for h in rows[0]]
    known = {h: f for h, f in IMPORT_COLUMNS}
    missing = [h for h in REQUIRED_COLUMNS if h not in header]
    if missing:
        result.errors.append(
            RowError(
                1,
                "",
                _("The header row lacks the column(s) %(names)s; use the template.")
                % {"names": "、".join(f"“{m}”" for m in missing)},
            )
        )
        return result
    unknown = [h for h in header if h and h not in known]
    if unknown:
        result.errors.append(
            RowError(
                1,
                "",
                _("The header row has unknown column(s) %(names)s; use the template.")
                % {"names": "、".join(f"“{u}”" for u in unknown)},
            )
        )
        return result
    duplicated = sorted({h for h in header if h and header.count(h) > 1})
    if duplicated:
        result.errors.append(
            RowError(
                1,
                "",
                _("The header row repeats the column(s) %(names)s.")
                % {"names": "、".join(f"“{d}”" for d in duplicated)},
            )
        )
        return result
    header_of = {f: h for h, f in IMPORT_COLUMNS}
    good: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        data_row = {
            known[h]: (row[i] if i < len(row) else "")
            for i, h in enumerate(header)
            if h
        }
        values, errors = organisation_clean(user=user, data=data_row)
        for name, message in errors.items():
            result.errors.append(RowError(number, header_of.get(name, name), message))
        if errors:
            continue
        key = (values["district"].pk, values["kind"], values["name"])
        if key in seen:
            result.errors.append(
                RowError(
                    number,
                    header_of["name"],
                    _("Repeats row %(row)s.") % {"row": seen[key]},
                )
            )
            continue
        seen[key] = number
        good.append((number, data_row))
    if not good and not result.errors:
        result.errors.append(
            RowError(2, "", _("The file has no rows under the header."))
        )
    if result.errors:
        return result
    with transaction.atomic():
        for _number, data_row in good:
            result.created.append(
                organisation_create(user=user, data=data_row, action="import")
            )
    return result
