"""Reads of field monitoring; who may see which year, district, rating and sub-report is decided here.

Missing and forbidden raise the same ``DoesNotExist`` (the pages and API answer 404).
"""

from __future__ import annotations

from collections import defaultdict
from statistics import mean
from typing import Any

from django.db.models import QuerySet

from learning_platform.accounts.selectors import user_roles
from learning_platform.indicators import selectors
from learning_platform.indicators.field_models import (
    FieldDistrict,
    FieldPanelMember,
    FieldRating,
    FieldSite,
    FieldYear,
)
from learning_platform.indicators.field_services import (
    framework_for_field_year,
    monitoring_points,
    satisfaction_backend,
)
from learning_platform.indicators.models import Indicator, ItemKind, Submission


def is_city(user) -> bool:
    return selectors.is_city_user(user)


def panel_memberships(*, user) -> QuerySet[FieldPanelMember]:
    if not getattr(user, "is_authenticated", False):
        return FieldPanelMember.objects.none()
    return FieldPanelMember.objects.filter(user=user).select_related("field_year")


def field_year_get_for_city(*, user, year: int) -> FieldYear:
    if not is_city(user):
        raise FieldYear.DoesNotExist
    return FieldYear.objects.get(year=year)


def member_get(*, user, year: int) -> FieldPanelMember:
    return panel_memberships(user=user).get(field_year__year=year)


def field_district_for_member(*, member: FieldPanelMember, code: str) -> FieldDistrict:
    return FieldDistrict.objects.select_related("district", "field_year").get(
        field_year=member.field_year, district__code=code
    )


def sub_report_get_for_user(*, user, year: int, code: str) -> FieldDistrict:
    """The city sees every sampled district; a district's staff only their own, once released."""
    qs = FieldDistrict.objects.select_related(
        "district", "field_year", "feedback_approved_by", "acknowledged_by"
    )
    if is_city(user):
        return qs.get(field_year__year=year, district__code=code)
    if selectors.DISTRICT_STAFF & set(user_roles(user=user)) and user.district_id:
        return qs.get(
            field_year__year=year,
            district__code=code,
            district_id=user.district_id,
            feedback_approved_at__isnull=False,
        )
    raise FieldDistrict.DoesNotExist


def sub_reports_for_district_user(*, user) -> QuerySet[FieldDistrict]:
    if not (selectors.DISTRICT_STAFF & set(user_roles(user=user)) and user.district_id):
        return FieldDistrict.objects.none()
    return FieldDistrict.objects.filter(
        district_id=user.district_id, feedback_approved_at__isnull=False
    ).select_related("field_year", "district")


def sites_of(*, district) -> QuerySet[FieldSite]:
    return FieldSite.objects.filter(district=district).order_by("-active", "pk")


def own_ratings(
    *, member: FieldPanelMember, field_district: FieldDistrict
) -> dict[str, FieldRating]:
    return {
        f"{r.indicator.code}-{r.point}": r
        for r in FieldRating.objects.filter(
            member=member, field_district=field_district
        ).select_related("indicator")
    }


def rating_form_rows(
    *,
    member: FieldPanelMember,
    field_district: FieldDistrict,
    posted: dict | None = None,
) -> list[dict[str, Any]]:
    version = framework_for_field_year(member.field_year)
    mine = own_ratings(member=member, field_district=field_district)
    rows = []
    for ind, n, text in monitoring_points(version):
        key = f"{ind.code}-{n}"
        r = mine.get(key)
        if posted is not None:
            rating, comment = posted.get(f"r_{key}", ""), posted.get(f"c_{key}", "")
        else:
            rating = str(r.rating) if r and r.rating else ""
            comment = r.comment if r else ""
        rows.append(
            {
                "key": key,
                "indicator": ind,
                "n": n,
                "text": text,
                "rating": rating,
                "comment": comment,
            }
        )
    return rows


def panel_summary(*, field_district: FieldDistrict) -> list[dict[str, Any]]:
    """Mean rating per first-level indicator, with the number of ratings and every comment."""
    version = framework_for_field_year(field_district.field_year)
    level1 = list(Indicator.objects.filter(version=version, level=1).order_by("sort"))
    l3_to_l1: dict[int, int] = {}
    for ind in Indicator.objects.filter(version=version, level=3).select_related(
        "parent"
    ):
        l3_to_l1[ind.pk] = ind.parent.parent_id if ind.parent else None
    ratings: dict[int, list[int]] = defaultdict(list)
    comments: dict[int, list[dict[str, str]]] = defaultdict(list)
    for r in (
        FieldRating.objects.filter(field_district=field_district)
        .select_related("indicator", "member")
        .order_by("indicator__sort", "point", "member__pk")
    ):
        top = l3_to_l1.get(r.indicator_id)
        if r.rating:
            ratings[top].append(r.rating)
        if r.comment:
            comments[top].append(
                {
                    "point": f"{r.indicator.code}-{r.point}",
                    "member": r.member.name,
                    "text": r.comment,
                }
            )
    return [
        {
            "indicator": ind,
            "mean": round(mean(ratings[ind.pk]), 2) if ratings[ind.pk] else None,
            "n": len(ratings[ind.pk]),
            "comments": comments[ind.pk],
        }
        for ind in level1
    ]


def site_rows(*, field_year: FieldYear) -> list[dict[str, Any]]:
    backend = satisfaction_backend()
    counts = (
        backend.site_counts(field_year=field_year)
        if backend and field_year.campaign_id
        else {}
    )
    out = []
    for fd in field_year.districts.select_related("district").prefetch_related(
        "sites__site"
    ):
        for s in fd.sites.all():
            c = counts.get(s.pk, {})
            out.append(
                {
                    "district": fd.district,
                    "site": s.site,
                    "p": s.selection_probability,
                    "weight": s.weight,
                    "issued": c.get("issued", 0),
                    "started": c.get("started", 0),
                    "completed": c.get("completed", 0),
                }
            )
    return out


def satisfaction_result(*, field_district: FieldDistrict) -> dict[str, Any] | None:
    backend = satisfaction_backend()
    if backend is None or not field_district.field_year.campaign_id:
        return None
    return backend.district_results(field_year=field_district.field_year).get(
        field_district.district_id
    )


def filing_rows(*, field_district: FieldDistrict) -> tuple[Submission | None, list]:
    """The district's published (reviewed or submitted) filing for the year, computed items only."""
    sub = (
        Submission.objects.filter(
            district=field_district.district, year__lte=field_district.field_year.year
        )
        .exclude(status__in=selectors.HIDDEN_FROM_REVIEWERS)
        .order_by("-year")
        .first()
    )
    if sub is None:
        return None, []
    rows = [
        r
        for r in selectors.submission_rows(sub)
        if r.item.kind in (ItemKind.DERIVED, ItemKind.FED)
    ]
    return sub, rows
