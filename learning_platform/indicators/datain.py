"""Data in: a district's values from an XLSX file, the API or the per-unit lines of 3.1.1.

Every entry point builds ``ValueIn``/``PartIn`` rows and calls ``values_import``, which checks
all of them first and writes nothing when any is wrong (all or nothing). A valid batch is saved
as a draft of the filing, under the same rules and review chain as the statistician's form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from learning_platform.accounts.roles import Role
from learning_platform.indicators import services
from learning_platform.indicators.models import (
    DataItem,
    ItemKind,
    ItemValue,
    ItemValuePart,
    ReviewAction,
    Status,
    Submission,
    ValueType,
)

EDITABLE_STATES = (Status.NOT_STARTED, Status.DRAFT)
NOTE_MAX_CHARS = 500
TEXT_MAX_CHARS = 5000
UNIT_MAX_CHARS = 100
PROJECTS_MAX_CHARS = 500
MAX_VALUES = 500
MAX_PARTS = 200
TOO_LARGE = Decimal("1e13")

# Items entered per member unit: item -> the item the units' own totals add up to.
PER_UNIT_ITEMS = {"special_budget": "total_special_budget"}


@dataclass(frozen=True)
class ValueIn:
    """One value to store; ``where`` says where it came from (row, list index) in words."""

    code: str
    value: Any
    note: str | None = None  # None keeps the stored note
    where: str = ""
    field: str | None = None
    where_code: str = ""  # where the code stands, when not at ``where``
    where_note: str = ""


@dataclass(frozen=True)
class PartIn:
    """One member unit's line of an item entered per unit."""

    unit_name: str
    projects: str
    amount: Any
    total_amount: Any = None
    where: str = ""
    field: str | None = None


@dataclass(frozen=True)
class Problem:
    where: str
    message: str
    field: str | None = None

    def __str__(self) -> str:
        return (
            _("%(where)s: %(problem)s") % {"where": self.where, "problem": self.message}
            if self.where
            else self.message
        )


class DataInRefused(ValidationError):
    """The batch has errors; nothing was saved. ``problems`` names each one."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__([str(p) for p in problems])


class FilingNotEditable(PermissionDenied):
    """The filing is under review or done: values can no longer change."""


@dataclass
class DataInResult:
    submission: Submission
    saved: list[str] = field(default_factory=list)
    parts: int | None = None


# --- checks ------------------------------------------------------------------------


def _number(raw: Any) -> Decimal | None:
    """Return the cell or JSON value as a decimal, None when blank; raise when not a number."""
    if raw is None:
        return None
    if isinstance(raw, bool) or isinstance(raw, (dt.date, dt.time, dt.timedelta)):
        raise InvalidOperation
    if isinstance(raw, (int, Decimal)):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(repr(raw))
    else:
        text = str(raw).strip().replace(",", "").replace("，", "")
        if text == "":
            return None
        value = Decimal(text)
    if not value.is_finite():
        raise InvalidOperation
    return value


def _shown(raw: Any) -> str:
    return str(raw)[:40]


def value_check(item: DataItem, raw: Any) -> tuple[Decimal | None, str, str]:
    """Check one value against its item's type and range: (number, text, error)."""
    label = item.name_zh
    if item.value_type == ValueType.TEXT:
        text = "" if raw is None else str(raw).strip()
        if len(text) > TEXT_MAX_CHARS:
            return (
                None,
                "",
                _("%(item)s: the text is longer than %(n)s characters.")
                % {"item": label, "n": TEXT_MAX_CHARS},
            )
        return None, text, ""
    try:
        value = _number(raw)
    except (InvalidOperation, ValueError, TypeError):
        return (
            None,
            "",
            _("%(item)s: “%(raw)s” is not a number.")
            % {"item": label, "raw": _shown(raw)},
        )
    if value is None:
        return None, "", ""
    error = ""
    if value < 0:
        error = _("%(item)s: a count or amount cannot be negative.") % {"item": label}
    elif item.value_type == ValueType.COUNT and value != value.to_integral_value():
        error = _("%(item)s: a count must be a whole number.") % {"item": label}
    elif item.value_type == ValueType.PERCENT and value > 100:
        error = _("%(item)s: a percentage cannot exceed 100.") % {"item": label}
    elif (
        item.kind == ItemKind.BASE
        and item.code == "resident_population_10k"
        and value == 0
    ):
        error = _("%(item)s: the resident population must be greater than 0.") % {
            "item": label
        }
    elif abs(value) >= TOO_LARGE:
        error = _("%(item)s: the number is too large.") % {"item": label}
    else:
        value = value.quantize(
            Decimal("0.0001")
        )  # the stored precision, as the form rounds
    return value, "", error


def supplied_refusal(item: DataItem) -> str:
    """The message that refuses a change to a platform-supplied value, naming the item."""
    return _("%(item)s is supplied by the platform and cannot be edited here.") % {
        "item": f"{item.name_zh}（{item.code}）"
    }


@dataclass
class _Checked:
    values: dict[str, tuple[Decimal | None, str, str | None]] = field(
        default_factory=dict
    )
    parts: dict[str, list[ItemValuePart]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _parts_sum(lines: Iterable[ItemValuePart]) -> tuple[Decimal, Decimal | None]:
    lines = list(lines)
    amount = sum((p.amount for p in lines), Decimal(0))
    totals = [p.total_amount for p in lines]
    total = (
        sum(totals, Decimal(0))
        if lines and all(t is not None for t in totals)
        else None
    )
    return amount, total


def _check_parts(
    items: dict[str, DataItem], code: str, parts: list[PartIn], out: _Checked
) -> None:
    item = items.get(code)
    if item is None:
        return
    if len(parts) > MAX_PARTS:
        out.problems.append(
            Problem("", _("More than %(n)s member-unit lines.") % {"n": MAX_PARTS})
        )
        return
    lines: list[ItemValuePart] = []
    seen: dict[str, str] = {}
    for part in parts:
        unit = str(part.unit_name or "").strip()
        projects = str(part.projects or "").strip()
        blank = (
            not unit
            and not projects
            and part.amount in (None, "")
            and part.total_amount in (None, "")
        )
        if blank:
            continue
        errors = []
        if not unit:
            errors.append(_("the member unit is missing."))
        elif len(unit) > UNIT_MAX_CHARS:
            errors.append(
                _("the member unit's name is longer than %(n)s characters.")
                % {"n": UNIT_MAX_CHARS}
            )
        elif unit in seen:
            errors.append(
                _("the member unit “%(unit)s” is listed twice (also at %(first)s).")
                % {"unit": unit[:40], "first": seen[unit]}
            )
        if not projects:
            errors.append(_("name the special projects of the budget."))
        elif len(projects) > PROJECTS_MAX_CHARS:
            errors.append(
                _("the project names are longer than %(n)s characters.")
                % {"n": PROJECTS_MAX_CHARS}
            )
        amount, _t, error = value_check(item, part.amount)
        if error:
            errors.append(error)
        elif amount is None:
            errors.append(
                _("%(item)s: the amount is missing.") % {"item": item.name_zh}
            )
        total = None
        total_item = items.get(PER_UNIT_ITEMS[code])
        if total_item is not None:
            total, _t, error = value_check(total_item, part.total_amount)
            if error:
                errors.append(error)
            elif total is not None and amount is not None and total < amount:
                errors.append(
                    _(
                        "the unit's budget for the learning city (%(amount)s) exceeds its total special budget (%(total)s)."
                    )
                    % {"amount": services.plain(amount), "total": services.plain(total)}
                )
        if unit:
            seen.setdefault(unit, part.where)
        for error in errors:
            out.problems.append(Problem(part.where, error, part.field))
        if not errors:
            lines.append(
                ItemValuePart(
                    item=item,
                    unit_name=unit,
                    projects=projects,
                    amount=amount,
                    total_amount=total,
                    sort=len(lines),
                )
            )
    out.parts[code] = lines


def values_check(
    *,
    submission: Submission,
    values: list[ValueIn],
    parts: dict[str, list[PartIn]] | None = None,
) -> _Checked:
    """Check a batch: codes, kinds, duplicates, types, ranges and per-unit totals."""
    items = {i.code: i for i in submission.version.items.all()}
    out = _Checked()
    if len(values) > MAX_VALUES:
        out.problems.append(
            Problem("", _("More than %(n)s values in one batch.") % {"n": MAX_VALUES})
        )
        return out
    first_seen: dict[str, str] = {}
    for entry in values:
        code = str(entry.code or "").strip()
        if not code:
            out.problems.append(
                Problem(
                    entry.where_code or entry.where,
                    _("the data item code is missing."),
                    entry.field,
                )
            )
            continue
        item = items.get(code)
        if item is None:
            out.problems.append(
                Problem(
                    entry.where_code or entry.where,
                    _("“%(code)s” is not a data item of the %(year)s framework.")
                    % {"code": code[:60], "year": submission.version.year},
                    entry.field,
                )
            )
            continue
        if item.kind == ItemKind.FED:
            out.problems.append(
                Problem(
                    entry.where_code or entry.where, supplied_refusal(item), entry.field
                )
            )
            continue
        if item.kind == ItemKind.DERIVED:
            out.problems.append(
                Problem(
                    entry.where_code or entry.where,
                    _("%(item)s is computed by its formula and cannot be entered.")
                    % {"item": item.name_zh},
                    entry.field,
                )
            )
            continue
        if code in first_seen:
            out.problems.append(
                Problem(
                    entry.where_code or entry.where,
                    _("%(item)s appears twice (also at %(first)s).")
                    % {"item": item.name_zh, "first": first_seen[code]},
                    entry.field,
                )
            )
            continue
        first_seen[code] = entry.where_code or entry.where
        value, text, error = value_check(item, entry.value)
        note = entry.note
        if error:
            out.problems.append(Problem(entry.where, error, entry.field))
            continue
        if note is not None:
            note = str(note).strip()
            if len(note) > NOTE_MAX_CHARS:
                out.problems.append(
                    Problem(
                        entry.where_note or entry.where,
                        _("%(item)s: the note is longer than %(n)s characters.")
                        % {"item": item.name_zh, "n": NOTE_MAX_CHARS},
                        entry.field,
                    )
                )
                continue
        out.values[code] = (value, text, note)
    for code, lines in (parts or {}).items():
        _check_parts(items, code, lines, out)
    # Per-unit items: the item's value is the total of its lines.
    for code, total_code in PER_UNIT_ITEMS.items():
        if code not in items:
            continue
        if code in out.parts:
            lines = out.parts[code]
            if not lines:
                continue
            pairs = [(code, _parts_sum(lines)[0])]
            if _parts_sum(lines)[1] is not None:
                pairs.append((total_code, _parts_sum(lines)[1]))
        else:
            stored = list(
                ItemValuePart.objects.filter(submission=submission, item=items[code])
            )
            if not stored:
                continue
            pairs = [(code, _parts_sum(stored)[0])]
            if _parts_sum(stored)[1] is not None:
                pairs.append((total_code, _parts_sum(stored)[1]))
        for target, total in pairs:
            given = out.values.get(target)
            if given is not None and given[0] is not None and given[0] != total:
                entry = next((v for v in values if str(v.code).strip() == target), None)
                out.problems.append(
                    Problem(
                        entry.where if entry else "",
                        _(
                            "%(item)s is the total of the member-unit lines (%(total)s), not %(value)s; change the lines instead."
                        )
                        % {
                            "item": items[target].name_zh,
                            "total": services.plain(total),
                            "value": services.plain(given[0]),
                        },
                        entry.field if entry else None,
                    )
                )
            else:
                note = given[2] if given else None
                out.values[target] = (total, "", note)
    return out


def form_conflicts(*, submission: Submission, data) -> dict[str, str]:
    """Errors for the form: a per-unit item typed differently from its lines' total."""
    errors: dict[str, str] = {}
    if submission.pk is None:
        return errors
    items = {
        i.code: i
        for i in submission.version.items.filter(
            code__in=list(PER_UNIT_ITEMS) + list(PER_UNIT_ITEMS.values())
        )
    }
    for code, total_code in PER_UNIT_ITEMS.items():
        if code not in items:
            continue
        stored = list(
            ItemValuePart.objects.filter(submission=submission, item=items[code])
        )
        if not stored:
            continue
        amount, total = _parts_sum(stored)
        for target, expected in ((code, amount), (total_code, total)):
            if expected is None or target not in items:
                continue
            raw = str(data.get(f"v_{target}", "") or "").strip()
            try:
                typed = _number(raw)
            except (InvalidOperation, ValueError):
                continue  # entry_check names the bad number
            if typed != expected:
                errors[target] = _(
                    "%(item)s is the total of the member-unit lines (%(total)s), not %(value)s; change the lines instead."
                ) % {
                    "item": items[target].name_zh,
                    "total": services.plain(expected),
                    "value": raw[:40] or "—",
                }
    return errors


# --- the write ---------------------------------------------------------------------


def filing_editable_check(*, user, submission: Submission) -> None:
    """Raise unless the user may change the filing's values now (the form's own rules)."""
    services.submission_district_role_require(
        user, submission, Role.DISTRICT_STATISTICIAN
    )
    if submission.status not in EDITABLE_STATES:
        raise FilingNotEditable(
            _("This form has been submitted and can no longer be edited.")
        )


@transaction.atomic
def values_import(
    *,
    submission: Submission,
    user,
    values: list[ValueIn],
    parts: dict[str, list[PartIn]] | None = None,
    origin: str,
    problems: list[Problem] | None = None,
) -> DataInResult:
    """Check every value, then save them all as a draft of the filing, or nothing.

    ``parts`` replaces the member-unit lines of the items it names (an empty list clears
    them); items it does not name keep theirs. ``problems`` are earlier ones (file layout)
    reported together with the values' own.
    """
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    filing_editable_check(user=user, submission=submission)
    checked = values_check(submission=submission, values=values, parts=parts)
    all_problems = list(problems or []) + checked.problems
    if all_problems:
        raise DataInRefused(all_problems)
    items = {
        i.code: i
        for i in submission.version.items.filter(code__in=list(checked.values))
    }
    stored = {
        v.item_id: v
        for v in ItemValue.objects.filter(
            submission=submission, item__in=items.values()
        )
    }
    for code, (value, text, note) in checked.values.items():
        item = items[code]
        before = stored.get(item.pk)
        defaults = {"value": value, "text": text, "updated_by": user, "source": ""}
        if note is not None:
            defaults["detail"] = note
        # A confirmed unusual value stays confirmed while it does not change.
        defaults["confirmed_unusual"] = bool(
            before and before.confirmed_unusual and before.value == value
        )
        ItemValue.objects.update_or_create(
            submission=submission, item=item, defaults=defaults
        )
    part_count = None
    for code, lines in checked.parts.items():
        item = submission.version.items.get(code=code)
        ItemValuePart.objects.filter(submission=submission, item=item).delete()
        for line in lines:
            line.submission = submission
        ItemValuePart.objects.bulk_create(lines)
        part_count = (part_count or 0) + len(lines)
    old = submission.status
    submission.status = Status.DRAFT
    submission.save(update_fields=["status", "updated_at"])
    services.submission_event_record(
        submission, action=ReviewAction.SAVE_DRAFT, old=old, actor=user, comment=origin
    )
    return DataInResult(
        submission=submission, saved=sorted(checked.values), parts=part_count
    )


def value_parts(
    *, submission: Submission, code: str = "special_budget"
) -> list[ItemValuePart]:
    """The member-unit lines of an item, in their order."""
    return list(
        ItemValuePart.objects.filter(
            submission=submission, item__code=code, item__version=submission.version_id
        )
    )
