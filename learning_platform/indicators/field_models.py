"""Field monitoring of sampled districts (seed 001, attachment 4): the sites districts offer,
the year's reproducible draw, the expert panel's ratings per monitoring point and the
sub-report with its feedback.

The satisfaction questionnaire runs in delivery (``assessment``), a higher layer; the year
keeps only the campaign's id, and ``assessment.survey`` registers the backend that creates
and reads it (see ``field_services.satisfaction_backend``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SiteType(models.TextChoices):
    STREET_TOWN = "street_town", _("Street or town")
    COMMUNITY_SCHOOL = "community_school", _("Community school")
    LEARNING_POINT = "learning_point", _("Learning point")
    VENUE = "venue", _("Cultural or sports venue")
    OTHER = "other", _("Other site")


class FieldSite(models.Model):
    """A place a district offers for a field visit (entering sites is how a district volunteers)."""

    district = models.ForeignKey(
        "districts.District",
        on_delete=models.CASCADE,
        related_name="field_sites",
        verbose_name=_("district"),
    )
    name = models.CharField(_("site name"), max_length=200)
    site_type = models.CharField(
        _("site type"), max_length=20, choices=SiteType.choices
    )
    address = models.CharField(_("address"), max_length=300)
    active = models.BooleanField(_("offered for the draw"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["district__sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "name"], name="field_site_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class FieldYear(models.Model):
    """One year's field monitoring: the draw (seed, who, when) and the satisfaction campaign."""

    year = models.PositiveSmallIntegerField(_("monitoring year"), unique=True)
    seed = models.BigIntegerField(_("random seed"), null=True, blank=True)
    districts_to_draw = models.PositiveSmallIntegerField(default=3)
    sites_per_district = models.PositiveSmallIntegerField(default=3)
    # The frame the draw read (district codes and site ids in order), so it can be re-run.
    frame = models.JSONField(default=dict, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    drawn_at = models.DateTimeField(null=True, blank=True)
    visits_started_at = models.DateTimeField(null=True, blank=True)
    campaign_id = models.PositiveIntegerField(
        null=True, blank=True
    )  # assessment.Campaign

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sites_per_district__gte=2, sites_per_district__lte=3),
                name="field_year_sites_2_to_3",
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)


class FieldDistrict(models.Model):
    """A sampled district of a year, with its sub-report's feedback and the district's answer."""

    field_year = models.ForeignKey(
        FieldYear, on_delete=models.CASCADE, related_name="districts"
    )
    district = models.ForeignKey(
        "districts.District", on_delete=models.PROTECT, related_name="+"
    )
    order = models.PositiveSmallIntegerField(default=0)
    selection_probability = models.FloatField()
    visit_date = models.DateField(_("visit date"), null=True, blank=True)
    feedback = models.TextField(_("feedback"), blank=True)
    feedback_approved_at = models.DateTimeField(null=True, blank=True)
    feedback_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    response = models.TextField(_("district's response"), blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["field_year", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["field_year", "district"], name="field_district_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.field_year} {self.district}"


class FieldSampledSite(models.Model):
    field_district = models.ForeignKey(
        FieldDistrict, on_delete=models.CASCADE, related_name="sites"
    )
    site = models.ForeignKey(FieldSite, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)
    # district probability × site probability; the questionnaire's weight is its inverse
    selection_probability = models.FloatField()

    class Meta:
        ordering = ["field_district", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["field_district", "site"], name="field_sampled_site_unique"
            )
        ]

    def __str__(self) -> str:
        return str(self.site)

    @property
    def weight(self) -> float:
        return 1.0 / self.selection_probability


class FieldPanelMember(models.Model):
    field_year = models.ForeignKey(
        FieldYear, on_delete=models.CASCADE, related_name="panel"
    )
    name = models.CharField(_("name"), max_length=100)
    organisation = models.CharField(_("organisation"), max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("user account"),
    )
    is_lead = models.BooleanField(_("panel lead"), default=False)

    class Meta:
        ordering = ["field_year", "-is_lead", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["field_year", "user"], name="field_panel_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class FieldRating(models.Model):
    """One expert's rating (rubric 1–5) and comment on one monitoring point of one district."""

    member = models.ForeignKey(
        FieldPanelMember, on_delete=models.CASCADE, related_name="ratings"
    )
    field_district = models.ForeignKey(
        FieldDistrict, on_delete=models.CASCADE, related_name="ratings"
    )
    indicator = models.ForeignKey(
        "indicators.Indicator", on_delete=models.PROTECT, related_name="+"
    )
    point = (
        models.PositiveSmallIntegerField()
    )  # 1-based position in the indicator's monitoring points
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["field_district", "indicator__sort", "point"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "field_district", "indicator", "point"],
                name="field_rating_unique",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="field_rating_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.indicator.code}-{self.point}"
