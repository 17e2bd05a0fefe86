from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class District(models.Model):
    """One of the city's districts (Shanghai has 16)."""

    code = models.CharField(_("division code"), max_length=12, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=50, unique=True)
    name_en = models.CharField(_("English name"), max_length=50)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name_zh

    @property
    def name(self) -> str:
        """The district's name in the interface language (English where the site is English)."""
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name_zh


class DistrictYearFigure(models.Model):
    """A district's base figures for one year, the denominators of its indicators.

    Population figures are in units of 10,000 persons, as the statistician form asks.
    """

    district = models.ForeignKey(
        District,
        verbose_name=_("district"),
        on_delete=models.CASCADE,
        related_name="figures",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    resident_population_10k = models.DecimalField(
        _("resident population (10,000)"), max_digits=10, decimal_places=2
    )
    population_60_plus_10k = models.DecimalField(
        _("population aged 60+ (10,000)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
    )
    community_colleges = models.PositiveIntegerField(
        _("community colleges"), null=True, blank=True
    )
    community_schools = models.PositiveIntegerField(
        _("community schools"), null=True, blank=True
    )
    enterprises_above_size = models.PositiveIntegerField(
        _("enterprises above designated size"), null=True, blank=True
    )
    extra = models.JSONField(
        _("other base figures"),
        default=dict,
        blank=True,
        help_text=_("Further base figures the statistician form asks for, by key."),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["district__sort_order", "-year"]
        verbose_name = _("district year figure")
        verbose_name_plural = _("district year figures")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "year"], name="district_year_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(resident_population_10k__gt=0),
                name="district_population_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.year}"


class EducationLevel(models.TextChoices):
    """Attainment levels of the census tables (受教育程度), highest completed or attended."""

    TERTIARY = "tertiary", _("Junior college or above")
    UPPER_SECONDARY = (
        "upper_secondary",
        _("Senior secondary (incl. secondary vocational)"),
    )
    LOWER_SECONDARY = "lower_secondary", _("Junior secondary")
    PRIMARY = "primary", _("Primary")


CITY_CODE = "310000"  # Shanghai as a whole, for figures published only city-wide


class EducationFigure(models.Model):
    """Persons of an education level per 100,000 residents, as the census publishes them.

    ``area_code`` is a district's division code, or ``310000`` where the figure is only
    published for the whole city. The survey's weights rake to these shares when a
    campaign's sample design chooses education among its raking variables.
    """

    area_code = models.CharField(_("area (division code)"), max_length=12)
    year = models.PositiveSmallIntegerField(_("year"))
    level = models.CharField(
        _("education level"), max_length=20, choices=EducationLevel.choices
    )
    per_100k = models.PositiveIntegerField(_("persons per 100,000 residents"))
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["area_code", "-year", "level"]
        verbose_name = _("education figure")
        verbose_name_plural = _("education figures")
        constraints = [
            models.UniqueConstraint(
                fields=["area_code", "year", "level"], name="education_figure_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(per_100k__lte=100_000),
                name="education_per_100k_at_most_all",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_code} {self.year} {self.level}: {self.per_100k}/100k"
