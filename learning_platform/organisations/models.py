"""Learning organisations (seed 003): the four versioned indicator sets, the register of
organisations with their tiers, and the annual sampled monitoring that rates them.

The indicator sets are data the project keeps (``data/``), loaded like the district framework;
a later version changes items without rewriting the years already monitored against an earlier one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from learning_platform.districts.models import District
from learning_platform.private_files import private_storage


class OrganisationKind(models.TextChoices):
    # The four kinds of seed 003, attachments 1–4.
    AGENCY = (
        "agency",
        _("Learning agency (public institution)"),
    )  # 学习型机关（事业单位）
    ENTERPRISE = (
        "enterprise",
        _("Learning enterprise or institution"),
    )  # 学习型企事业单位
    COMMUNITY = "community", _("Learning community")  # 学习型社区
    FAMILY = "family", _("Learning family")  # 学习型家庭


class EvidenceKind(models.TextChoices):
    """How an indicator item is evidenced."""

    DOCUMENT = "document", _("Document")
    NUMBER = "number", _("Number against a threshold")
    QUESTIONNAIRE = "questionnaire", _("Questionnaire result")
    RATING = "rating", _("Expert rating")


class Comparison(models.TextChoices):
    AT_LEAST = "gte", _("at least")
    AT_MOST = "lte", _("at most")


class IndicatorSet(models.Model):
    """One edition of one kind's indicator set (e.g. the 2023 set for learning communities)."""

    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    version = models.PositiveSmallIntegerField(_("edition year"))
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    content_sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "version"], name="org_indicator_set_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title_zh


class SetIndicator(models.Model):
    """A first-level indicator (一级指标) of a set."""

    indicator_set = models.ForeignKey(
        IndicatorSet, on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.CharField(max_length=12)
    name_zh = models.CharField(max_length=100)
    name_en = models.CharField(max_length=200, blank=True)
    sort = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["indicator_set", "sort"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator_set", "code"], name="org_set_indicator_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"


class SetItem(models.Model):
    """An indicator item (指标项), verbatim from the seed, with how it is evidenced."""

    indicator = models.ForeignKey(
        SetIndicator, on_delete=models.CASCADE, related_name="items"
    )
    code = models.CharField(max_length=12)
    text_zh = models.TextField()
    text_en = models.TextField(blank=True)
    evidence = models.CharField(
        max_length=20, choices=EvidenceKind.choices, default=EvidenceKind.DOCUMENT
    )
    # For ``number`` items: the quantity measured, its unit and the threshold it must meet.
    measure = models.CharField(max_length=60, blank=True)
    unit_zh = models.CharField(max_length=30, blank=True)
    threshold = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )
    comparison = models.CharField(max_length=3, choices=Comparison.choices, blank=True)
    # For ``questionnaire`` items: the instrument slug whose result evidences the item.
    instrument_slug = models.SlugField(max_length=80, blank=True)
    max_score = models.PositiveSmallIntegerField(default=4)
    sort = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["indicator__indicator_set", "sort"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "code"], name="org_set_item_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text_zh[:30]}"


class Tier(models.TextChoices):
    # Seed 003's tiered cultivation: registered → selected (500–800) → model (100–200) → 标兵.
    REGISTERED = "registered", _("Registered")  # 登记
    SELECTED = "selected", _("Selected")  # 培育
    MODEL = "model", _("Model")  # 示范
    EXEMPLAR = "exemplar", _("Exemplar")  # 标兵


TIER_ORDER = [Tier.REGISTERED, Tier.SELECTED, Tier.MODEL, Tier.EXEMPLAR]


class Organisation(models.Model):
    """An entry of the register: one learning organisation of one kind in one district."""

    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    name = models.CharField(_("name"), max_length=120)
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("district"),
    )
    street = models.CharField(_("street or town"), max_length=60, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=60, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    # Communities: the resident population the per-resident funding rule divides by.
    residents = models.PositiveIntegerField(_("residents"), null=True, blank=True)
    # Families: the number of members.
    members = models.PositiveSmallIntegerField(_("members"), null=True, blank=True)
    tier = models.CharField(
        _("tier"), max_length=20, choices=Tier.choices, default=Tier.REGISTERED
    )
    slug = models.SlugField(max_length=80, unique=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="organisations",
        verbose_name=_("users who maintain it"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["district__code", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "kind", "name"], name="organisation_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TierChange(models.Model):
    """The history of an organisation's tier: every decision with its evidence."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="tier_changes"
    )
    from_tier = models.CharField(max_length=20, choices=Tier.choices, blank=True)
    to_tier = models.CharField(max_length=20, choices=Tier.choices)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "decided_at"]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.from_tier or '—'} → {self.to_tier}"


class OrganisationEvent(models.Model):
    """The register's history: who created, edited or imported an organisation, and what changed."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(max_length=20)
    changes = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "at"]

    # ---------------------------------------------------------------------------------------------
    # Annual sampled monitoring (年度抽样监测)
    # ---------------------------------------------------------------------------------------------

    def __str__(self) -> str:
        return f"{self.organisation}: {self.action}"


class MonitoringYear(models.Model):
    """One year's sampled monitoring: the draw (seed and allocation) and its window."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    seed = models.PositiveIntegerField(_("random seed"), null=True, blank=True)
    sample_size = models.PositiveIntegerField(_("sample size"), null=True, blank=True)
    # The allocation as drawn: [{"district": code, "kind": kind, "population": N_h, "sample": n_h}, ...]
    allocation = models.JSONField(default=list, blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opens_on = models.DateField(_("opens on"), null=True, blank=True)
    closes_on = models.DateField(_("closes on"), null=True, blank=True)
    # Two raters' scores further apart than this go to a third rater.
    disagreement_threshold = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class SampledOrganisation(models.Model):
    """An organisation drawn into a year's sample, with its design weight (N_h / n_h)."""

    monitoring_year = models.ForeignKey(
        MonitoringYear, on_delete=models.CASCADE, related_name="sampled"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="samplings"
    )
    stratum = models.CharField(max_length=40)  # "<district code>:<kind>"
    weight = models.FloatField()

    class Meta:
        ordering = ["monitoring_year", "stratum", "organisation"]
        constraints = [
            models.UniqueConstraint(
                fields=["monitoring_year", "organisation"], name="sampled_org_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.monitoring_year}: {self.organisation}"


class AssessmentStatus(models.TextChoices):
    # The same states as the district filing (indicators.Status).
    NOT_STARTED = "not_started", _("Not filled in")
    DRAFT = "draft", _("Filling in")
    FIRST_REVIEW = "first_review", _("First review")
    SECOND_REVIEW = "second_review", _("Second review")
    LETTER = "letter", _("Second review – confirmation letter")
    DONE = "done", _("Completed")


class SelfAssessment(models.Model):
    """A sampled organisation's self-assessment for a year against its kind's indicator set."""

    sampled = models.OneToOneField(
        SampledOrganisation, on_delete=models.CASCADE, related_name="assessment"
    )
    indicator_set = models.ForeignKey(
        IndicatorSet, on_delete=models.PROTECT, related_name="assessments"
    )
    status = models.CharField(
        max_length=20,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.NOT_STARTED,
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sampled"]

    def __str__(self) -> str:
        return f"{self.sampled}"


class ItemEvidence(models.Model):
    """One item of a self-assessment: the organisation's statement, number and evidence, and the
    score it earns (computed for numbers and questionnaires, agreed by raters for the rest)."""

    assessment = models.ForeignKey(
        SelfAssessment, on_delete=models.CASCADE, related_name="evidence"
    )
    item = models.ForeignKey(SetItem, on_delete=models.PROTECT, related_name="+")
    statement = models.TextField(_("statement"), blank=True)
    number = models.DecimalField(
        _("value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    # For per-resident rules: the amount divided by the resident population (stored as computed).
    computed = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True
    )
    meets_threshold = models.BooleanField(null=True)
    document = models.FileField(
        upload_to="organisations/evidence/%Y/", blank=True, storage=private_storage
    )
    score = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["assessment", "item__sort"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "item"], name="item_evidence_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment}: {self.item_id}"


class AssessmentEvent(models.Model):
    """The review chain of a self-assessment, as for the district filing."""

    assessment = models.ForeignKey(
        SelfAssessment, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    comment = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assessment", "at"]

    def __str__(self) -> str:
        return f"{self.assessment}: {self.action}"


class RaterAssignment(models.Model):
    """An expert rater assigned to a submission; round 1 and 2 are the two raters, round 3 the
    third rater called in on a disagreement."""

    assessment = models.ForeignKey(
        SelfAssessment, on_delete=models.CASCADE, related_name="raters"
    )
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    round = models.PositiveSmallIntegerField()
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assessment", "round"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "round"], name="rater_round_unique"
            ),
            models.UniqueConstraint(
                fields=["assessment", "rater"], name="rater_once_per_assessment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} · round {self.round}"


class Rating(models.Model):
    """One rater's score on one qualitative item, on the item's rubric (0 … max_score)."""

    assignment = models.ForeignKey(
        RaterAssignment, on_delete=models.CASCADE, related_name="ratings"
    )
    item = models.ForeignKey(SetItem, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["assignment", "item__sort"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "item"], name="rating_unique"
            ),
        ]

    # ---------------------------------------------------------------------------------------------
    # One space per organisation (一组织一空间)
    # ---------------------------------------------------------------------------------------------

    def __str__(self) -> str:
        return f"{self.assignment}: {self.item_id} = {self.score}"


class EntryKind(models.TextChoices):
    ACTIVITY = "activity", _("Activity")
    PHOTO = "photo", _("Photo")
    DOCUMENT = "document", _("Document")
    RESULT = "result", _("Yearly result")


class EntryStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Awaiting district approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


class SpaceEntry(models.Model):
    """A record in an organisation's space; public only once the district approves it."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="entries"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("description"), blank=True)
    happened_on = models.DateField(_("date"), null=True, blank=True)
    file = models.FileField(
        _("file"),
        upload_to="organisations/space/%Y/",
        blank=True,
        storage=private_storage,
    )  # served by a view that checks approval
    alt_text = models.CharField(_("alternative text"), max_length=200, blank=True)
    status = models.CharField(
        max_length=20, choices=EntryStatus.choices, default=EntryStatus.DRAFT
    )
    review_comment = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation", "-happened_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.title}"
