"""Reads of the indicators app; every read that reaches a district's data is scoped here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from learning_platform.accounts.models import User
from learning_platform.accounts.roles import Role
from learning_platform.accounts.selectors import user_roles
from learning_platform.db_router import read_replica
from learning_platform.districts.models import District
from learning_platform.errors import NotFound
from learning_platform.indicators import formulas
from learning_platform.indicators.models import (
    DataItem,
    Document,
    DocumentFile,
    FrameworkVersion,
    Indicator,
    ItemKind,
    ReviewEvent,
    Status,
    Submission,
)

CITY_ROLES = {Role.RESEARCHER, Role.ADMINISTRATOR}
DISTRICT_STAFF = {
    Role.DISTRICT_STATISTICIAN,
    Role.DISTRICT_LIAISON,
    Role.DISTRICT_HEAD,
    Role.DISTRICT_OFFICER,
}
# The draft is the statistician's own: other roles see a form only once it is submitted.
HIDDEN_FROM_REVIEWERS = (Status.NOT_STARTED, Status.DRAFT)


def is_city_user(user) -> bool:
    return bool(CITY_ROLES & set(user_roles(user=user)))


def districts_visible_to(*, user) -> QuerySet[District]:
    if is_city_user(user):
        return District.objects.all()
    if DISTRICT_STAFF & set(user_roles(user=user)) and user.district_id:
        return District.objects.filter(pk=user.district_id)
    return District.objects.none()


def district_get_for_user(*, user, code: str) -> District:
    return districts_visible_to(user=user).get(code=code)


def values_visible(*, user, submission: Submission) -> bool:
    """Whether the user may read the typed values of this submission."""
    roles = set(user_roles(user=user))
    if submission.status not in HIDDEN_FROM_REVIEWERS:
        return True
    return (
        Role.DISTRICT_STATISTICIAN in roles
        and user.district_id == submission.district_id
    )


def submissions_visible_to(*, user: User | AnonymousUser) -> QuerySet[Submission]:
    return Submission.objects.filter(
        district__in=districts_visible_to(user=user)
    ).select_related("district", "version")


def submission_get_for_user(*, user, district_code: str, year: int) -> Submission:
    return submissions_visible_to(user=user).get(
        district__code=district_code, year=year
    )


def documents_visible_to(*, user) -> QuerySet[Document]:
    return (
        Document.objects.filter(district__in=districts_visible_to(user=user))
        .select_related("district", "indicator_l1", "indicator_l2")
        .prefetch_related("files", "related")
    )


def document_for(*, user, district: District, doc_id: int) -> Document:
    """Return a document of a district the user sees, or raise NotFound."""
    try:
        return documents_visible_to(user=user).get(pk=doc_id, district=district)
    except Document.DoesNotExist as exc:
        raise NotFound("no such document") from exc


def documents_of_district(
    *, user, district: District, doc_type: str | None = None
) -> QuerySet[Document]:
    """Return the district's documents the user sees, optionally of one type."""
    docs = documents_visible_to(user=user).filter(district=district)
    return docs if doc_type is None else docs.filter(doc_type=doc_type)


def document_file_for(*, user, file_id: int) -> DocumentFile:
    """Return a file of a document the user sees, or raise NotFound."""
    row = DocumentFile.objects.filter(
        pk=file_id, document__in=documents_visible_to(user=user)
    ).first()
    if row is None:
        raise NotFound("no such file")
    return row


def document_form_choices(
    *, district: District, document: Document | None
) -> tuple[QuerySet[Indicator], QuerySet[Indicator], QuerySet[Document]]:
    """Return the level-1 and level-2 indicators of the latest framework and the
    district's other documents (to relate), for the document form."""
    version = framework_latest()
    l1 = Indicator.objects.filter(version=version, level=1)
    l2 = Indicator.objects.filter(version=version, level=2).select_related("parent")
    others = Document.objects.filter(district=district).exclude(
        pk=document.pk if document else None
    )
    return l1, l2, others


def framework_latest() -> FrameworkVersion | None:
    """Return the newest framework version (the model's ordering), or None."""
    return FrameworkVersion.objects.first()


@dataclass(frozen=True)
class FrameworkVersionCounts:
    """A framework version with how many indicators and data items it defines."""

    year: int
    data_year: int
    title_zh: str
    indicators: int
    items: int


def framework_versions() -> list[FrameworkVersionCounts]:
    """Every framework version, newest first, with its indicator and item counts."""
    rows = FrameworkVersion.objects.annotate(
        indicator_count=Count("indicators", distinct=True),
        item_count=Count("items", distinct=True),
    ).values_list("year", "data_year", "title_zh", "indicator_count", "item_count")
    return [FrameworkVersionCounts(*row) for row in rows]


def framework_years() -> set[int]:
    """Return the data years that a framework version covers."""
    return {v.data_year for v in FrameworkVersion.objects.all()}


def submission_of_district(*, district: District, year: int) -> Submission | None:
    """Return a district's filing for the year, or None (the district is checked first)."""
    return Submission.objects.filter(district=district, year=year).first()


def submission_events(submission: Submission) -> QuerySet[ReviewEvent]:
    """Return a filing's review-chain events with their actors."""
    return submission.events.select_related("actor")


def comparison_item_choices() -> list[tuple[str, str]]:
    """Return (code, name) of the derived and fed items of the latest framework."""
    return [
        (i.code, i.name_zh)
        for v in FrameworkVersion.objects.all()[:1]
        for i in v.items.filter(kind__in=[ItemKind.DERIVED, ItemKind.FED])
    ]


def submission_years_visible_to(*, user) -> list[int]:
    """Return the years of the filings the user sees, ascending."""
    return sorted(set(submissions_visible_to(user=user).values_list("year", flat=True)))


@dataclass(frozen=True)
class Computed:
    item: DataItem
    value: Decimal | None
    reason: str = ""  # why not computable
    missing: tuple[str, ...] = ()


def compute(
    *, version: FrameworkVersion, values: dict[str, Decimal | None]
) -> dict[str, Computed]:
    """Evaluate every derived item from input values (by code); never a wrong number."""
    items = {i.code: i for i in version.items.all()}
    out: dict[str, Computed] = {}

    def lookup(code: str) -> Decimal:
        item = items.get(code)
        if item is not None and item.kind == ItemKind.DERIVED:
            result = one(code)
            if result.value is None:
                raise formulas.NotComputable(result.reason, missing=result.missing)
            return result.value
        value = values.get(code)
        if value is None:
            raise formulas.NotComputable("missing", missing=(code,))
        return value

    def one(code: str) -> Computed:
        if code in out:
            return out[code]
        item = items[code]
        try:
            value = formulas.evaluate(formulas.parse(item.formula), lookup)
            result = Computed(item, value.quantize(Decimal("0.0001")))
        except formulas.NotComputable as exc:
            if exc.missing:
                names = "、".join(
                    items[m].name_zh if m in items else m for m in exc.missing
                )
                result = Computed(item, None, f"缺少数据：{names}", exc.missing)
            else:
                reason = re.sub(
                    r"[A-Za-z_][A-Za-z0-9_]*",
                    lambda m: (
                        items[m.group(0)].name_zh if m.group(0) in items else m.group(0)
                    ),
                    exc.reason.replace("division by zero: ", ""),
                )
                if not reason.startswith("除数为零"):
                    reason = f"除数为零：{reason}"
                result = Computed(item, None, reason)
        out[code] = result
        return result

    for code, item in items.items():
        if item.kind == ItemKind.DERIVED:
            one(code)
    return out


def submission_values(submission: Submission) -> dict[str, Decimal | None]:
    return {v.item.code: v.value for v in submission.values.select_related("item")}


@dataclass(frozen=True)
class Row:
    item: DataItem
    value: Decimal | None
    text: str
    detail: str
    source: str
    reason: str
    se: float | None
    n: int | None
    suppressed: bool
    confirmed: bool
    ci_low: float | None = (
        None  # the supplied figure's own 95 % interval, when it has one
    )
    ci_high: float | None = None


def submission_rows(submission: Submission) -> list[Row]:
    stored = {v.item.code: v for v in submission.values.select_related("item")}
    computed = compute(
        version=submission.version, values={k: v.value for k, v in stored.items()}
    )
    rows = []
    for item in submission.version.items.select_related("indicator"):
        v = stored.get(item.code)
        c = computed.get(item.code)
        reason = (
            c.reason if c else ("" if v and (v.value is not None or v.text) else "")
        )
        if item.kind == ItemKind.FED and v is not None and v.suppressed:
            reason = "样本量不足，不公布数值"
        elif item.kind == ItemKind.FED and v is None:
            reason = "尚未由平台提供"
        rows.append(
            Row(
                item=item,
                value=c.value if c else (v.value if v else None),
                text=v.text if v else "",
                detail=v.detail if v else "",
                source=v.source if v else "",
                reason=reason,
                se=v.se if v else None,
                n=v.n if v else None,
                suppressed=v.suppressed if v else False,
                confirmed=v.confirmed_unusual if v else False,
                ci_low=v.ci_low if v else None,
                ci_high=v.ci_high if v else None,
            )
        )
    return rows


@read_replica()
def city_overview(*, year: int) -> list[tuple[District, str]]:
    states = dict(
        Submission.objects.filter(year=year).values_list("district_id", "status")
    )
    return [(d, states.get(d.pk, Status.NOT_STARTED)) for d in District.objects.all()]


@read_replica()
def comparison(
    *, user, codes: list[str] | None = None, years: list[int] | None = None
) -> dict:
    """Derived and fed items across the visible districts and years (submitted forms only)."""
    subs = [
        s
        for s in submissions_visible_to(user=user).exclude(
            status__in=HIDDEN_FROM_REVIEWERS
        )
        if not years or s.year in years
    ]
    if not subs:
        return {"columns": [], "rows": []}
    versions = {s.version_id: s.version for s in subs}
    newest = max(versions.values(), key=lambda v: v.year)
    items = [
        i
        for i in newest.items.filter(kind__in=[ItemKind.DERIVED, ItemKind.FED])
        if not codes or i.code in codes
    ]
    columns = [(s.district, s.year) for s in subs]
    table = []
    computed = {
        s.pk: compute(version=s.version, values=submission_values(s)) for s in subs
    }
    stored = {s.pk: submission_values(s) for s in subs}
    for item in items:
        cells = []
        for s in subs:
            if item.kind == ItemKind.DERIVED:
                c = computed[s.pk].get(item.code)
                cells.append((c.value, c.reason) if c else (None, "—"))
            else:
                value = stored[s.pk].get(item.code)
                cells.append((value, "" if value is not None else "—"))
        table.append((item, cells))
    return {"columns": columns, "rows": table}


_ROLLUP_SOURCE = re.compile(r"survey roll-up #(?P<pk>\d+)(?: \((?P<name>.*)\))?")
_CREDIT_SOURCE = re.compile(r"accounts open at the end of (?P<year>\d{4})")


def source_text(source: str) -> str:
    """Say in the reader's language where a platform-supplied value comes from."""
    match = _ROLLUP_SOURCE.search(source or "")
    if match and match.group("name"):
        return _("Monitoring centre sample survey: %(name)s") % {
            "name": match.group("name")
        }
    if match:
        return _("Monitoring centre sample survey no. %(pk)s") % {
            "pk": match.group("pk")
        }
    match = _CREDIT_SOURCE.search(source or "")
    if match:
        return _("Credit-bank learning accounts open at the end of %(year)s") % {
            "year": match.group("year")
        }
    if not source or source == "platform":
        return _("the platform")
    return source


def fed_interval(row: Row) -> tuple[str, str] | None:
    """The 95 % interval (low, high) of a platform-supplied survey value, or None."""
    if row.value is None or row.suppressed:
        return None
    low, high = getattr(row, "ci_low", None), getattr(row, "ci_high", None)
    if low is not None and high is not None:  # the roll-up's own (t) interval
        return f"{float(low):.1f}", f"{float(high):.1f}"
    if row.se is None:
        return None
    value, half = float(row.value), 1.96 * float(row.se)
    return f"{max(0.0, value - half):.1f}", f"{value + half:.1f}"


# The monitoring year's reads (targets, collection window, annual report) live in ``monitoring``.
from learning_platform.indicators.monitoring import district_report_figures  # noqa: E402, F401
