"""Reads of the districts app."""

from __future__ import annotations

from django.db.models import QuerySet

from learning_platform.districts.models import District, DistrictYearFigure


def district_list() -> QuerySet[District]:
    """Return all districts in their official order."""
    return District.objects.all()


def district_get(*, code: str) -> District:
    """Return one district by its division code."""
    return District.objects.get(code=code)


def district_figure_latest(
    *, district: District, year: int | None = None
) -> DistrictYearFigure:
    """Return the district's figures for a year, or the latest at or before it."""
    figures = DistrictYearFigure.objects.filter(district=district)
    if year is not None:
        figures = figures.filter(year__lte=year)
    return figures.order_by("-year").first() or figures.get()  # raises DoesNotExist
