"""The item bank: domains and their proficiency levels, items (Wagtail snippets with
drafts, revisions, locking and a review workflow), calibrated parameter sets, item
statistics and blueprints.

The answer key lives on the options (``ItemOption.is_key`` / ``key_position``) in the
database only; nothing that builds a test-taker payload reads those fields.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    Orderable,
    PreviewableMixin,
    RevisionMixin,
    WorkflowMixin,
)
from wagtail.search import index

from .forms import ItemAdminForm
from .payloads import build_payload
from .workflows import review_publish_check


class Domain(models.Model):
    """A node of the domain tree (ability literacies and needs areas)."""

    class Kind(models.TextChoices):
        ABILITY = "ability", _("Ability")
        NEEDS = "needs", _("Needs and satisfaction")

    # dotted (info.data): a SlugField refused every subdomain's own code on the edit form
    code = models.CharField(
        _("code"),
        max_length=64,
        unique=True,
        validators=[
            RegexValidator(
                r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*$",
                _(
                    "Lower-case letters, digits, “-” and “_”, in parts joined by dots (info.data)."
                ),
            )
        ],
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=Kind.choices, default=Kind.ABILITY
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    reference_competences = models.ManyToManyField(
        "ReferenceCompetence",
        blank=True,
        related_name="domains",
        verbose_name=_("reference competences"),
        help_text=_(
            "The DigComp / DLGF competences (or whole areas) this domain measures."
        ),
    )

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("domain")
        verbose_name_plural = _("domains")

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.code})"

    def clean(self) -> None:
        node, seen = self.parent, {self.pk}
        while node is not None:
            if node.pk in seen:
                raise ValidationError(
                    {"parent": _("A domain cannot be its own ancestor.")}
                )
            seen.add(node.pk)
            node = node.parent


class ProficiencyLevel(models.Model):
    """A proficiency level of a domain: the lowest theta (cut score) that reaches it."""

    domain = models.ForeignKey(
        Domain,
        on_delete=models.CASCADE,
        related_name="levels",
        verbose_name=_("domain"),
    )
    order = models.PositiveSmallIntegerField(_("order"))
    code = models.SlugField(_("code"), max_length=32)
    min_theta = models.FloatField(
        _("cut score (theta)"),
        null=True,
        blank=True,
        help_text=_("Empty for the lowest level."),
    )
    attained = models.BooleanField(
        _("attainment threshold"),
        default=False,
        help_text=_(
            "The level at and above which a citizen counts as attained (达标)."
        ),
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60, blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    suggestion_zh = models.TextField(_("suggestion (Chinese)"), blank=True)
    suggestion_en = models.TextField(_("suggestion (English)"), blank=True)

    class Meta:
        ordering = ["domain", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain", "order"], name="itembank_level_order_unique"
            ),
            models.UniqueConstraint(
                fields=["domain", "code"], name="itembank_level_code_unique"
            ),
            models.UniqueConstraint(
                fields=["domain"],
                condition=models.Q(attained=True),
                name="itembank_level_one_attained",
            ),
        ]
        verbose_name = _("proficiency level")
        verbose_name_plural = _("proficiency levels")

    def __str__(self) -> str:
        return f"{self.domain.code} {self.code} {self.name_zh}"


class ReviewStatus(models.TextChoices):
    """Where a parameter set or a cut-score set stands in its review."""

    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class CutScoreSet(models.Model):
    """One version of a domain's cut scores: the only source of proficiency levels.

    A standard setting (who set it, when, by which method, on which scale) produces a
    version *in review*; a researcher approves it, and activating it makes it the one
    version of its domain that levels citizens' results, credit-bank outcomes and every
    roll-up. Results and roll-ups keep the version they used, so activating a new one
    never changes a past figure. ``levels`` lists the levels lowest first:
    ``{"code", "min_theta" (None for the lowest), "attained"}``; their names and
    descriptions are the domain's :class:`ProficiencyLevel` rows of the same code.
    """

    domain = models.ForeignKey(
        Domain,
        on_delete=models.PROTECT,
        related_name="cut_score_sets",
        verbose_name=_("domain"),
    )
    version = models.PositiveIntegerField(_("version"))
    levels = models.JSONField(_("levels and cut scores"), default=list)
    scale = models.CharField(
        _("scale"),
        max_length=200,
        help_text=_(
            "The reporting scale the cut scores are on, e.g. the parameter set "
            "whose theta metric they use."
        ),
    )
    method = models.CharField(_("standard-setting method"), max_length=200, blank=True)
    set_by = models.CharField(
        _("set by"),
        max_length=200,
        help_text=_("The panel or person who set the cut scores."),
    )
    set_on = models.DateField(_("set on"))
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("review status"),
        max_length=16,
        choices=ReviewStatus.choices,
        default=ReviewStatus.IN_REVIEW,
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    is_active = models.BooleanField(_("active"), default=False)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("activated by"),
    )
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain", "version"], name="itembank_cut_score_version_unique"
            ),
            models.UniqueConstraint(
                fields=["domain"],
                condition=models.Q(is_active=True),
                name="itembank_one_active_cut_score_set",
            ),
        ]
        verbose_name = _("cut-score set")
        verbose_name_plural = _("cut-score sets")

    def __str__(self) -> str:
        return f"{self.domain.code} v{self.version}"

    @property
    def label(self) -> str:
        """How pages name the version, e.g. ``info 第3版``."""
        return _("%(domain)s cut scores, version %(version)s") % {
            "domain": self.domain.name_zh or self.domain.code,
            "version": self.version,
        }


class ItemTag(TaggedItemBase):
    content_object = ParentalKey(
        "itembank.Item", related_name="tagged_items", on_delete=models.CASCADE
    )


class Item(
    PreviewableMixin,
    WorkflowMixin,
    DraftStateMixin,
    LockableMixin,
    RevisionMixin,
    index.Indexed,
    ClusterableModel,
):
    """One test or questionnaire item. Only its published revision is ever delivered."""

    class Kind(models.TextChoices):
        SINGLE_CHOICE = "single_choice", _("Single choice")
        MULTIPLE_RESPONSE = "multiple_response", _("Multiple response")
        TRUE_FALSE = "true_false", _("True / false")
        ORDERED = "ordered", _("Ordering (partial credit)")
        LIKERT = "likert", _("Likert scale")

    class Scoring(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("All or nothing")
        PARTIAL = "partial", _("Partial credit")

    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", _("Simplified Chinese")
        EN = "en", _("English")

    class Population(models.TextChoices):
        ALL = "all", _("All adults")
        YOUTH = "youth", _("Young adults (18–34)")
        MIDDLE = "middle", _("Middle-aged (35–59)")
        ELDERLY = "elderly", _("Older adults (60+)")
        WORKERS = "workers", _("Employees")

    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("A stable identifier, e.g. INFO-DATA-001."),
    )
    kind = models.CharField(
        _("kind"), max_length=24, choices=Kind.choices, default=Kind.SINGLE_CHOICE
    )
    scoring = models.CharField(
        _("scoring"),
        max_length=16,
        choices=Scoring.choices,
        default=Scoring.ALL_OR_NOTHING,
        help_text=_("Multiple-response items only."),
    )
    domain = models.ForeignKey(
        Domain, on_delete=models.PROTECT, related_name="items", verbose_name=_("domain")
    )
    stem = RichTextField(
        _("stem"), features=["bold", "italic", "ol", "ul", "link", "image"]
    )
    stem_en = RichTextField(
        _("stem (English)"),
        blank=True,
        features=["bold", "italic", "ol", "ul", "link", "image"],
    )
    stem_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("stem image"),
    )
    stem_image_alt = models.CharField(
        _("stem image alt text"), max_length=255, blank=True
    )
    instructions = models.CharField(_("instructions"), max_length=255, blank=True)
    instructions_en = models.CharField(
        _("instructions (English)"), max_length=255, blank=True
    )
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.ZH_HANS
    )
    target_population = models.CharField(
        _("target population"),
        max_length=16,
        choices=Population.choices,
        default=Population.ALL,
    )
    estimated_seconds = models.PositiveIntegerField(
        _("estimated time (seconds)"), default=60
    )
    tags = ClusterTaggableManager(through=ItemTag, blank=True, verbose_name=_("tags"))
    author_note = models.TextField(
        _("author's note"),
        blank=True,
        help_text=_("Internal; never shown to test-takers."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="itembank_item",
        for_concrete_model=False,
    )
    revisions = GenericRelation(
        "wagtailcore.Revision",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="itembank_item",
        for_concrete_model=False,
    )

    panels = [
        # A plain text input: Wagtail's slug widget lower-cases the code as it is typed.
        MultiFieldPanel(
            [
                FieldPanel("code", widget=forms.TextInput),
                FieldPanel("kind"),
                FieldPanel("scoring"),
                FieldPanel("domain"),
            ],
            heading=_("Identity"),
        ),
        FieldPanel("stem"),
        FieldPanel("stem_en"),
        MultiFieldPanel(
            [FieldPanel("stem_image"), FieldPanel("stem_image_alt")],
            heading=_("Stem image"),
        ),
        FieldPanel("instructions"),
        FieldPanel("instructions_en"),
        InlinePanel("options", label=_("Options"), min_num=0),
        MultiFieldPanel(
            [
                FieldPanel("language"),
                FieldPanel("target_population"),
                FieldPanel("estimated_seconds"),
                FieldPanel("tags"),
            ],
            heading=_("Metadata"),
        ),
        FieldPanel("author_note"),
    ]

    base_form_class = ItemAdminForm

    search_fields = [
        index.SearchField("code"),
        index.SearchField("stem"),
        index.SearchField("stem_en"),
        index.AutocompleteField("code"),
        index.FilterField("kind"),
        index.FilterField("domain"),
        index.FilterField("live"),
    ]

    class Meta:
        ordering = ["code"]
        verbose_name = _("item")
        verbose_name_plural = _("items")
        permissions = [
            ("activate_parameterset", "Can activate an item parameter set"),
            ("view_item_key", "Can see answer keys (exports)"),
        ]
        # Codes keep the author's case (INFO-DATA-UX1) but two codes differing only in case
        # would be read as the same item by anyone, so uniqueness ignores case.
        constraints = [
            models.UniqueConstraint(
                Lower("code"),
                name="itembank_item_code_unique_ci",
                violation_error_message=_(
                    "An item with this code already exists (codes are compared "
                    "without regard to case)."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.code

    # -- preview -----------------------------------------------------------------------
    def get_preview_template(self, request, mode_name):
        return "itembank/item_preview.html"

    def get_preview_context(self, request, mode_name):
        context = super().get_preview_context(request, mode_name)
        context["payload"] = build_payload(self, list(self.options.all()))
        context["item"] = self
        return context

    # -- review ------------------------------------------------------------------------
    def publish(self, revision, user=None, **kwargs):
        """Publish only what the review let through (see ``itembank.workflows``)."""

        review_publish_check(item=self, revision=revision, user=user)
        return super().publish(revision, user=user, **kwargs)

    # -- validation --------------------------------------------------------------------
    def clean(self) -> None:
        super().clean()
        if self.stem_image_id and not self.stem_image_alt.strip():
            raise ValidationError({"stem_image_alt": _("An image needs alt text.")})


class ItemOption(Orderable):
    """An option of an item. ``is_key``/``key_position``/``score`` never leave the server."""

    item = ParentalKey(Item, on_delete=models.CASCADE, related_name="options")
    option_id = models.CharField(
        _("option id"),
        max_length=8,
        help_text=_("Shown to the scorer only, e.g. A, B, C."),
    )
    text = RichTextField(_("text"), blank=True, features=["bold", "italic"])
    text_en = RichTextField(
        _("text (English)"), blank=True, features=["bold", "italic"]
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("image"),
    )
    alt = models.CharField(_("image alt text"), max_length=255, blank=True)
    is_key = models.BooleanField(_("correct"), default=False)
    key_position = models.PositiveSmallIntegerField(
        _("correct position"),
        null=True,
        blank=True,
        help_text=_(
            "Ordering items: the option's place (1, 2, …) in the correct order."
        ),
    )

    panels = [
        FieldPanel("option_id"),
        FieldPanel("text"),
        FieldPanel("text_en"),
        FieldPanel("image"),
        FieldPanel("alt"),
        FieldPanel("is_key"),
        FieldPanel("key_position"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("option")
        verbose_name_plural = _("options")

    def __str__(self) -> str:
        return f"{self.item_id}:{self.option_id}"


class ItemParameterSet(models.Model):
    """One calibration run's parameters. Exactly one set at most is active."""

    name = models.CharField(_("name"), max_length=200)
    model = models.CharField(
        _("model"), max_length=16, help_text=_("2pl, 3pl, grm, gpcm, rasch or mixed")
    )
    source = models.CharField(
        _("source"),
        max_length=200,
        help_text=_("Calibration run or data the parameters came from."),
    )
    data_note = models.TextField(_("data"), blank=True)
    is_demo = models.BooleanField(_("demonstration set"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(_("active"), default=False)
    activated_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approval_comment = models.TextField(blank=True)
    status = models.CharField(
        _("review status"),
        max_length=16,
        choices=ReviewStatus.choices,
        default=ReviewStatus.IN_REVIEW,
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    # The calibration's evidence for the reviewer: fit, DIF, linking and drift, and
    # the ids of the items they flag (see itembank.services.parameter_set_evidence_store).
    evidence = models.JSONField(_("review evidence"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="itembank_one_active_parameter_set",
            )
        ]
        verbose_name = _("item parameter set")
        verbose_name_plural = _("item parameter sets")

    def __str__(self) -> str:
        return self.name


class ParameterSetActivation(models.Model):
    """History of activations: which set became active, who approved it and why."""

    parameter_set = models.ForeignKey(
        ItemParameterSet, on_delete=models.PROTECT, related_name="activations"
    )
    previous = models.ForeignKey(
        ItemParameterSet,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.parameter_set} @ {self.at:%Y-%m-%d}"


class ItemParameter(models.Model):
    parameter_set = models.ForeignKey(
        ItemParameterSet, on_delete=models.CASCADE, related_name="parameters"
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="parameters")
    model = models.CharField(max_length=8)
    a = models.FloatField(default=1.0)
    b = models.FloatField(null=True, blank=True)
    c = models.FloatField(default=0.0)
    thresholds = models.JSONField(default=list, blank=True)
    se = models.JSONField(default=dict, blank=True)
    fit = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["parameter_set", "item"]
        constraints = [
            models.UniqueConstraint(
                fields=["parameter_set", "item"], name="itembank_parameter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_id} in {self.parameter_set_id}"


class ItemStatistics(models.Model):
    item = models.OneToOneField(
        Item, on_delete=models.CASCADE, related_name="statistics"
    )
    exposure_count = models.PositiveIntegerField(default=0)
    p_value = models.FloatField(null=True, blank=True)
    item_rest_correlation = models.FloatField(null=True, blank=True)
    omit_rate = models.FloatField(null=True, blank=True)
    mean_seconds = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("item statistics")
        verbose_name_plural = _("item statistics")

    def __str__(self) -> str:
        return f"statistics of {self.item_id}"


class Blueprint(models.Model):
    """An instrument's content specification: domain shares, difficulty spread, length.

    ``content`` maps domain codes to counts (whole numbers summing to ``length``) or to
    proportions (0..1, summing to 1); a code covers its whole subtree of the domain tree.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    length = models.PositiveSmallIntegerField(_("length (items)"), default=20)
    content = models.JSONField(
        _("content"),
        default=dict,
        help_text=_("domain code -> count (integer) or proportion (0..1)"),
    )
    difficulty_min = models.FloatField(_("lowest difficulty (b)"), default=-2.5)
    difficulty_max = models.FloatField(_("highest difficulty (b)"), default=2.5)

    class Meta:
        ordering = ["code"]
        verbose_name = _("blueprint")
        verbose_name_plural = _("blueprints")

    def __str__(self) -> str:
        return self.name_zh

    def clean(self) -> None:
        # lazy: import cycle (itembank.selectors -> itembank.models)
        from .selectors import blueprint_errors

        super().clean()
        errors = blueprint_errors(
            content=self.content,
            length=self.length,
            difficulty_min=self.difficulty_min,
            difficulty_max=self.difficulty_max,
        )
        if errors:
            raise ValidationError(errors)


# -- reference taxonomies (DigComp 2.2, UNESCO DLGF) -------------------------------------


class ReferenceFramework(models.Model):
    """One version of an external competence framework, loaded from a kept reference file.

    Rows are written only by ``itembank.taxonomies.reference_framework_load``; a new edition
    of a framework is a new row (another ``version``), never an overwrite.
    """

    code = models.SlugField(_("code"), max_length=32)
    version = models.CharField(_("version"), max_length=16)
    short_name = models.CharField(_("short name"), max_length=32)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    publisher = models.CharField(_("publisher"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    citation = models.TextField(_("citation"))
    url = models.URLField(_("source"), max_length=300)
    licence = models.TextField(_("licence"))
    translation_note = models.TextField(_("note on the Chinese names"), blank=True)
    source_file = models.CharField(_("reference file"), max_length=120)
    content_sha256 = models.CharField(_("content digest"), max_length=64)
    loaded_at = models.DateTimeField(_("loaded"), auto_now_add=True)

    class Meta:
        ordering = ["code", "year", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"], name="itembank_refframework_version_unique"
            ),
        ]
        verbose_name = _("reference framework")
        verbose_name_plural = _("reference frameworks")

    def __str__(self) -> str:
        return f"{self.short_name} {self.version}"

    @property
    def key(self) -> str:
        """Return the ``code:version`` key that URLs and the API use."""
        return f"{self.code}:{self.version}"


class ReferenceCompetenceManager(models.Manager):
    def get_queryset(self):
        # every label names its framework; the admin's checkbox list would query per row
        return super().get_queryset().select_related("framework")


class ReferenceCompetence(models.Model):
    """A competence area (``parent`` empty) or a competence of a reference framework."""

    class Level(models.TextChoices):
        AREA = "area", _("Competence area")
        COMPETENCE = "competence", _("Competence")

    framework = models.ForeignKey(
        ReferenceFramework,
        on_delete=models.CASCADE,
        related_name="competences",
        verbose_name=_("framework"),
    )
    ref_id = models.CharField(_("reference id"), max_length=16)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        verbose_name=_("competence area"),
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    objects = ReferenceCompetenceManager()

    class Meta:
        ordering = [
            "framework__code",
            "framework__year",
            "framework__version",
            "sort_order",
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "ref_id"], name="itembank_refcompetence_id_unique"
            ),
        ]
        verbose_name = _("reference competence")
        verbose_name_plural = _("reference competences")

    def __str__(self) -> str:
        return f"{self.framework} {self.ref_id} {self.name_zh}"

    @property
    def area_id(self) -> int:
        """Return the pk of the competence area this row belongs to (itself for an area)."""
        return self.parent_id or self.pk
