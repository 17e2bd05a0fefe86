"""The district indicator framework (versioned data), district submissions, their review chain
and documents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from learning_platform.private_files import private_storage


class FrameworkVersion(models.Model):
    """One edition of the framework (e.g. 2023), loaded from a JSON file the project keeps."""

    year = models.PositiveSmallIntegerField(_("edition year"), unique=True)
    data_year = models.PositiveSmallIntegerField(_("data year"))
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    content_sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year"]

    def __str__(self) -> str:
        return self.title_zh


class Indicator(models.Model):
    version = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.CharField(max_length=12)
    level = models.PositiveSmallIntegerField()
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    name_zh = models.CharField(max_length=300)
    name_en = models.CharField(max_length=300, blank=True)
    target_zh = models.CharField(_("monitored units"), max_length=200, blank=True)
    monitoring_points = models.JSONField(default=list, blank=True)
    quick_tags = models.JSONField(default=list, blank=True)
    sort = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["version", "sort"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"], name="indicator_code_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"


class ItemKind(models.TextChoices):
    BASE = "base", _("Base information")
    INPUT = "input", _("Entered")
    DERIVED = "derived", _("Computed")
    FED = "fed", _("Supplied by the platform")


class ValueType(models.TextChoices):
    COUNT = "count", _("Count")
    DECIMAL = "decimal", _("Number")
    PERCENT = "percent", _("Percentage")
    TEXT = "text", _("Text")


class DataItem(models.Model):
    version = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="items"
    )
    code = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=ItemKind.choices)
    value_type = models.CharField(max_length=10, choices=ValueType.choices)
    indicator = models.ForeignKey(
        Indicator,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="items",
    )
    parent_code = models.CharField(max_length=60, blank=True)
    name_zh = models.CharField(max_length=300)
    name_en = models.CharField(max_length=300, blank=True)
    unit = models.CharField(max_length=30, blank=True)
    unit_note = models.CharField(max_length=200, blank=True)
    responsible_unit = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    formula = models.CharField(max_length=500, blank=True)
    source = models.CharField(
        max_length=40, blank=True
    )  # monitoring_centre | credit_bank
    detail_label = models.CharField(max_length=60, blank=True)
    implied_by_formula = models.BooleanField(default=False)
    district_figure = models.CharField(max_length=60, blank=True)
    sort = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["version", "sort"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="item_code_unique")
        ]

    def __str__(self) -> str:
        return self.name_zh

    @property
    def display_name(self) -> str:
        """Return the name in the active language (Chinese when no English name exists)."""
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name_zh


class Status(models.TextChoices):
    NOT_STARTED = "not_started", _("Not filled in")  # 未填报
    DRAFT = "draft", _("Filling in")  # 填报
    FIRST_REVIEW = "first_review", _("First review")  # 初审
    SECOND_REVIEW = "second_review", _("Second review")  # 复审
    LETTER = "letter", _("Second review – confirmation letter")  # 复审-确认函
    DONE = "done", _("Completed")


class Submission(models.Model):
    """One district's data for one data year under one framework edition."""

    district = models.ForeignKey(
        "districts.District",
        on_delete=models.CASCADE,
        related_name="indicator_submissions",
    )
    version = models.ForeignKey(
        FrameworkVersion, on_delete=models.PROTECT, related_name="submissions"
    )
    year = models.PositiveSmallIntegerField(_("data year"))
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    confirmation_letter = models.FileField(
        upload_to="indicators/letters/", blank=True, storage=private_storage
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["district__sort_order", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "year"], name="submission_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.year}"


class ItemValue(models.Model):
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="values"
    )
    item = models.ForeignKey(DataItem, on_delete=models.CASCADE, related_name="values")
    value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    text = models.TextField(blank=True)
    detail = models.CharField(max_length=500, blank=True)
    confirmed_unusual = models.BooleanField(default=False)
    source = models.CharField(
        max_length=200, blank=True
    )  # empty = typed by the statistician
    se = models.FloatField(null=True, blank=True)
    # 95% interval of a figure the platform supplies (e.g. the attainment rate).
    ci_low = models.FloatField(
        _("lower limit of the 95 per cent interval"), null=True, blank=True
    )
    ci_high = models.FloatField(
        _("upper limit of the 95 per cent interval"), null=True, blank=True
    )
    n = models.IntegerField(null=True, blank=True)
    suppressed = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["submission", "item"], name="value_unique")
        ]

    def __str__(self) -> str:
        return f"{self.submission} {self.item.code}"


class ReviewAction(models.TextChoices):
    SAVE_DRAFT = "save_draft", _("Saved a draft")
    SUBMIT = "submit", _("Submitted")
    APPROVE = "approve", _("Approved")
    RETURN = "return", _("Returned")
    LETTER = "letter", _("Completed with the confirmation letter")


class ReviewEvent(models.Model):
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=20)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.submission} {self.action}"

    # Display only: the stored codes stay plain strings (no migration), the pages show labels.
    @property
    def action_label(self) -> str:
        return _label(ReviewAction, self.action)

    @property
    def from_status_label(self) -> str:
        return _label(Status, self.from_status)

    @property
    def to_status_label(self) -> str:
        return _label(Status, self.to_status)


def _label(choices: type[models.TextChoices], value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


class DocumentType(models.TextChoices):
    WORK_FILE = "work_file", _("Work file")  # 工作文件
    CHRONICLE = "chronicle", _("Chronicle of events")  # 大事记
    MINUTES = "minutes", _("Meeting minutes")  # 会议纪要
    PUBLICITY = "publicity", _("Publicity report")  # 宣传报道
    PUBLICATION = "publication", _("Publication")  # 成果出版


class Document(models.Model):
    district = models.ForeignKey(
        "districts.District",
        on_delete=models.CASCADE,
        related_name="indicator_documents",
    )
    doc_type = models.CharField(max_length=20, choices=DocumentType.choices)
    title = models.CharField(max_length=200)
    year = models.PositiveSmallIntegerField()
    occurred_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    summary = models.TextField(blank=True)
    category = models.CharField(
        max_length=60, blank=True
    )  # the form's “文档类型/类型” field
    agenda = models.TextField(blank=True)
    minutes = models.TextField(blank=True)
    indicator_l1 = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+"
    )
    indicator_l2 = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+"
    )
    tags = models.JSONField(default=list, blank=True)
    related = models.ManyToManyField("self", blank=True, symmetrical=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class DocumentFile(models.Model):
    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="files"
    )
    primary = models.BooleanField(default=True)
    file = models.FileField(upload_to="indicators/documents/", storage=private_storage)
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["-primary", "pk"]

    def __str__(self) -> str:
        return self.original_name


class Comparison(models.TextChoices):
    GTE = "gte", _("at least")
    NOT_BELOW_LAST_YEAR = "not_below_last_year", _("not below last year")


class Target(models.Model):
    """A threshold a seed document sets for a district, loaded from ``data/targets_*.json``."""

    version = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="targets"
    )
    code = models.CharField(max_length=60)
    name_zh = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    formula = models.CharField(max_length=500)
    item_codes = models.JSONField(default=list)
    comparison = models.CharField(max_length=30, choices=Comparison.choices)
    threshold = models.DecimalField(max_digits=12, decimal_places=4)
    unit = models.CharField(max_length=30, blank=True)
    indicator_code = models.CharField(max_length=12, blank=True)
    seed = models.CharField(max_length=10)
    source_zh = models.CharField(max_length=300)
    quote_zh = models.TextField()
    sort = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["version", "sort"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"], name="target_code_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name_zh


class CollectionWindow(models.Model):
    """When districts file one data year: opening and closing dates."""

    year = models.PositiveSmallIntegerField(_("data year"), unique=True)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("collection window")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="window_closes_after_opening",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.opens_on} – {self.closes_on}"


class ItemValuePart(models.Model):
    """One member unit's line of an item entered per unit (3.1.1: 成员单位 + 专项名称 + 预算).

    The lines' amounts add up to the item's value; ``total_amount`` (the unit's whole special
    budget) adds up to the denominator item when every line gives it.
    """

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="value_parts"
    )
    item = models.ForeignKey(DataItem, on_delete=models.CASCADE, related_name="+")
    sort = models.PositiveSmallIntegerField(default=0)
    unit_name = models.CharField(_("member unit"), max_length=100)
    projects = models.CharField(_("project names"), max_length=500)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=4)
    total_amount = models.DecimalField(
        _("the unit's total"), max_digits=18, decimal_places=4, null=True, blank=True
    )

    class Meta:
        ordering = ["submission", "item", "sort", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "item", "unit_name"],
                name="value_part_unit_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.submission} {self.unit_name}"


class PointValue(models.Model):
    """A figure the platform supplies for a monitoring point (seed 001), e.g. residents'
    awareness of local learning services (3.2.2) from the citizen strand questionnaires.

    ``point`` is the index of the monitoring point in ``indicator.monitoring_points``
    (null: the indicator as a whole). Only the platform writes these rows
    (``point_values.point_value_supply``); the filing shows them read-only with their
    source and 95 % interval.
    """

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="point_values"
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="point_values"
    )
    point = models.PositiveSmallIntegerField(
        _("monitoring point"), null=True, blank=True
    )
    measure = models.CharField(_("measure"), max_length=60)
    label_zh = models.CharField(_("label (Chinese)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    value = models.FloatField(_("value"), null=True, blank=True)
    se = models.FloatField(_("standard error"), null=True, blank=True)
    ci_low = models.FloatField(
        _("lower limit of the 95 per cent interval"), null=True, blank=True
    )
    ci_high = models.FloatField(
        _("upper limit of the 95 per cent interval"), null=True, blank=True
    )
    n = models.IntegerField(_("respondents"), null=True, blank=True)
    suppressed = models.BooleanField(_("withheld"), default=False)
    source = models.CharField(_("source"), max_length=300)
    sort = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["indicator__sort", "point", "sort", "measure"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "indicator", "measure"], name="point_value_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.submission} {self.indicator.code} {self.measure}"

    @property
    def display_label(self) -> str:
        """Return the label in the active language (Chinese when no English label exists)."""
        if self.label_en and (get_language() or "").startswith("en"):
            return self.label_en
        return self.label_zh


# Field monitoring (seed 001, attachment 4) lives in its own module.
from learning_platform.indicators.field_models import (  # noqa: E402,F401
    FieldDistrict,
    FieldPanelMember,
    FieldRating,
    FieldSampledSite,
    FieldSite,
    FieldYear,
    SiteType,
)
