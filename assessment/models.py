"""Rows of test delivery: instruments, campaigns, sessions, responses, results."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel


class InstrumentKind(models.TextChoices):
    ABILITY = "ability", _("Ability test")
    QUESTIONNAIRE = "questionnaire", _("Needs or satisfaction questionnaire")


class DeliveryMode(models.TextChoices):
    FIXED = "fixed", _("Fixed form")
    BOOKLET = "booklet", _("Booklet rotation")
    ADAPTIVE = "adaptive", _("Adaptive")
    MULTISTAGE = "multistage", _("Multistage adaptive")


class PrecisionRule(models.TextChoices):
    MIN_ITEMS = "min_items", _("A minimum number of items answered")
    SE_TARGET = "se_target", _("A standard-error target")


class Instrument(models.Model):
    """An ability test or a questionnaire with its blueprint and delivery settings.

    ``settings`` keys by mode (all optional unless said):

    - fixed: ``item_ids`` (required, in order);
    - booklet: ``booklets`` (required, a list of item-id lists);
    - adaptive: ``item_ids`` (the pool; default every deliverable item of the
      blueprint's domains), ``max_length`` (30), ``min_length`` (5),
      ``se_target`` (0.3), ``rule`` ("mfi"), ``exposure``
      (``{"method": "randomesque", "k": 5}`` or
      ``{"method": "sympson_hetter", "k_params": {item_id: K}}``);
    - multistage: ``panel_assignment`` ("round_robin" or "random"); the panels,
      their modules and routing rules are rows (:class:`MultistagePanel`).

    Every mode: ``time_limit_seconds`` (None = untimed).
    ``blueprint`` maps domain codes to target shares (CAT content balancing).
    ``item_blueprint``, when set, takes its place: the item bank's blueprint gives the
    content targets (counts or proportions per domain, scaled to the test length)
    and the difficulty range of the adaptive pool, and assembles a fixed form that
    lists no ``item_ids``.
    """

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    description_zh = models.TextField(_("Chinese description"), blank=True)
    description_en = models.TextField(_("English description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=InstrumentKind.choices)
    domain_code = models.CharField(_("main domain"), max_length=40)
    mode = models.CharField(
        _("delivery mode"), max_length=20, choices=DeliveryMode.choices
    )
    blueprint = models.JSONField(_("blueprint"), default=dict, blank=True)
    item_blueprint = models.ForeignKey(
        "itembank.Blueprint",
        verbose_name=_("item-bank blueprint"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="instruments",
    )
    settings = models.JSONField(_("delivery settings"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    # When a result measures (invariant 9): below it a session gets no level,
    # no credit and no badge. A fixed form or booklet shorter than the minimum
    # counts once every item of it is answered.
    precision_rule = models.CharField(
        _("precision rule"),
        max_length=20,
        choices=PrecisionRule.choices,
        default=PrecisionRule.MIN_ITEMS,
        help_text=_(
            "What a session must reach before it gives a level, a credit or a badge."
        ),
    )
    precision_min_items = models.PositiveSmallIntegerField(
        _("minimum items for a level"),
        default=5,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Items the main domain needs answered (a shorter form: all of it)."
        ),
    )
    precision_se_target = models.FloatField(
        _("standard-error target for a level"),
        default=0.5,
        validators=[MinValueValidator(0.05), MaxValueValidator(2.0)],
        help_text=_("The ability's standard error must be at or below this."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")

    def __str__(self) -> str:
        return self.name_zh

    @property
    def time_limit_seconds(self) -> int | None:
        value = (self.settings or {}).get("time_limit_seconds")
        return int(value) if value else None


class CampaignKind(models.TextChoices):
    PRACTICE = "practice", _("Open practice")
    THEMATIC = "thematic", _("Annual thematic survey")
    FIVE_YEARLY = "five_yearly", _("Five-yearly comprehensive survey")


class Audience(models.TextChoices):
    PUBLIC = "public", _("Every signed-in citizen")
    INVITED = "invited", _("Invited respondents with a one-time code")


class Campaign(models.Model):
    """An instrument opened for a period to a population."""

    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=CampaignKind.choices)
    instrument = models.ForeignKey(
        Instrument,
        verbose_name=_("instrument"),
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    audience = models.CharField(
        _("who may take it"),
        max_length=20,
        choices=Audience.choices,
        default=Audience.PUBLIC,
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    max_attempts = models.PositiveIntegerField(
        _("attempts per person"),
        null=True,
        blank=True,
        help_text=_("Empty for no limit."),
    )
    year = models.PositiveSmallIntegerField(_("survey year"), null=True, blank=True)
    # Booklet rotation counter, advanced by a single F() update per new session.
    rotation_counter = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-opens_at", "pk"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True)
                | Q(closes_at__gt=models.F("opens_at")),
                name="assessment_campaign_closes_after_opening",
            )
        ]

    def __str__(self) -> str:
        return self.name_zh

    def get_absolute_url(self) -> str:
        return reverse("assessment:campaign", args=[self.pk])


class Invitation(models.Model):
    """A sampled respondent's one-time code for an invited campaign."""

    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    code = models.CharField(_("one-time code"), max_length=40, unique=True)
    district_code = models.CharField(_("sampled district"), max_length=12, blank=True)
    stratum = models.CharField(_("sampling stratum"), max_length=80, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("used by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return self.code


def option_seed_new() -> int:
    """A session's secret seed of option orders (63 random bits, never sent to the client)."""
    return secrets.randbits(63)


class SessionStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    FINISHED = "finished", _("Finished")
    EXPIRED = "expired", _("Time ran out")


class Session(models.Model):
    """One attempt at a campaign's instrument.

    ``plan`` holds what the delivery mode needs to continue: the item order of a
    fixed form or booklet, the adaptive pool and seed. ``pending`` is the item now
    presented (``sequence``, ``item_id``, ``revision_id``, ``presented_at``, and the
    ``payload`` with its options in the order shown) or empty; only it may be answered.
    ``option_seed`` draws each item's option order (invariant 10): the same seed and
    item give the same order, and the order shown is kept in ``pending`` so a resumed
    session shows it again.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="assessment_sessions",
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    instrument = models.ForeignKey(
        Instrument,
        verbose_name=_("instrument"),
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    invitation = models.OneToOneField(
        Invitation,
        verbose_name=_("invitation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="session",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=SessionStatus.choices,
        default=SessionStatus.IN_PROGRESS,
    )
    background = models.JSONField(_("background answers"), default=dict, blank=True)
    consented_at = models.DateTimeField(_("consent given at"))
    started_at = models.DateTimeField(_("started at"))
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    booklet = models.PositiveSmallIntegerField(_("booklet"), null=True, blank=True)
    plan = models.JSONField(default=dict, blank=True)
    pending = models.JSONField(default=dict, blank=True)
    n_answered = models.PositiveIntegerField(_("answers"), default=0)
    stop_reason = models.CharField(_("why it stopped"), max_length=40, blank=True)
    outcome_ref = models.CharField(_("credit-bank outcome"), max_length=200, blank=True)
    outcome_error = models.CharField(max_length=200, blank=True)
    # Fencing token: raised each time a connection (a WebSocket, or an HTTP client
    # that starts or resumes) takes the session over; answers that carry an older
    # value come from a fenced connection and are refused.
    connection_epoch = models.PositiveIntegerField(_("connection epoch"), default=0)
    option_seed = models.BigIntegerField(
        _("option order seed"), default=option_seed_new, editable=False
    )
    # A multistage session's panel, fixed at start so resume and exposure counts
    # see it; its route through the panel's modules is in ``plan["route"]``.
    panel = models.ForeignKey(
        "MultistagePanel",
        verbose_name=_("multistage panel"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
    )

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [models.Index(fields=["user", "campaign", "status"])]

    def __str__(self) -> str:
        return f"{self.instrument} · {self.user} · {self.started_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("assessment:session", args=[self.pk])

    @property
    def source_ref(self) -> str:
        return f"assessment-session:{self.pk}"


class Response(models.Model):
    """One acknowledged answer; (session, sequence) is stored once."""

    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="responses",
    )
    sequence = models.PositiveIntegerField(_("sequence number"))
    item_id = models.PositiveIntegerField(_("item"))
    revision_id = models.PositiveIntegerField(_("item revision"))
    domain_code = models.CharField(_("domain"), max_length=40, blank=True)
    answer = models.JSONField(_("answer"), null=True)
    # Option ids in the order the test-taker saw them (null for answers stored before
    # options were shuffled, which were shown in the item's own order, and for rows the
    # survey simulation writes in bulk). The answer names option ids, never positions,
    # so scoring does not depend on it.
    presented_order = models.JSONField(
        _("options as presented"), default=list, blank=True, null=True
    )
    score = models.PositiveSmallIntegerField(_("score category"), null=True)
    seconds = models.FloatField(_("seconds spent"), null=True)
    client_ts = models.DateTimeField(_("client time"), null=True, blank=True)
    server_ts = models.DateTimeField(_("server time"))

    class Meta:
        ordering = ["session", "sequence"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "sequence"],
                name="assessment_response_once_per_sequence",
            ),
            models.UniqueConstraint(
                fields=["session", "item_id"], name="assessment_response_once_per_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} #{self.sequence}"


class Result(models.Model):
    """Ability (or a questionnaire scale) per domain of a finished session."""

    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="results",
    )
    domain_code = models.CharField(_("domain"), max_length=40)
    theta = models.FloatField(_("ability"), null=True, blank=True)
    se = models.FloatField(_("standard error"), null=True, blank=True)
    level_code = models.CharField(_("level"), max_length=40, blank=True)
    parameter_set_id = models.PositiveIntegerField(
        _("parameter set"), null=True, blank=True
    )
    # The cut-score version that gave ``level_code``; a later version never changes it.
    cut_score_set = models.ForeignKey(
        "itembank.CutScoreSet",
        verbose_name=_("cut-score set"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    n_items = models.PositiveIntegerField(_("items scored"), default=0)
    # Questionnaires: share of the highest categories per item and the mean category.
    profile = models.JSONField(_("profile"), default=dict, blank=True)
    created_at = models.DateTimeField(_("scored at"), auto_now_add=True)

    class Meta:
        ordering = ["session", "domain_code"]
        verbose_name = _("result")
        verbose_name_plural = _("results")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "domain_code"],
                name="assessment_result_once_per_domain",
            )
        ]

    def __str__(self) -> str:
        return f"{self.domain_code}: {self.theta}"


# ---------------------------------------------------------------- multistage designs


class PanelAssignment(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin")
    RANDOM = "random", _("At random")


class ModuleDifficulty(models.TextChoices):
    """A module's place among its stage's modules, easiest first (routing goes by it)."""

    EASY = "easy", _("Easy")
    MEDIUM = "medium", _("Medium")
    HARD = "hard", _("Hard")


MODULE_DIFFICULTY_RANK: dict[str, int] = {
    ModuleDifficulty.EASY: 0,
    ModuleDifficulty.MEDIUM: 1,
    ModuleDifficulty.HARD: 2,
}


class RoutingMethod(models.TextChoices):
    NUMBER_CORRECT = "number_correct", _("Number correct")
    THETA = "theta", _("Ability estimate (EAP)")


class MultistagePanel(ClusterableModel):
    """One parallel form of a multistage instrument: modules by stage and routing rules.

    Every session is assigned one panel at start (round robin or at random, by the
    instrument's ``settings["panel_assignment"]``) and takes the panel's stage-1
    module, then at each later stage the module its routing rule picks.
    """

    instrument = models.ForeignKey(
        Instrument,
        verbose_name=_("instrument"),
        on_delete=models.CASCADE,
        related_name="panels",
        limit_choices_to={"mode": DeliveryMode.MULTISTAGE},
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200, blank=True)
    active = models.BooleanField(
        _("assigned to new sessions"),
        default=True,
        help_text=_("An inactive panel keeps its sessions but is given to no new one."),
    )

    class Meta:
        ordering = ["instrument", "code"]
        verbose_name = _("multistage panel")
        verbose_name_plural = _("multistage panels")
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "code"], name="assessment_panel_code_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument.code} · {self.code}"


class MultistageModule(models.Model):
    """A block of items given together at one stage of a panel, in order."""

    panel = ParentalKey(
        MultistagePanel,
        verbose_name=_("panel"),
        on_delete=models.CASCADE,
        related_name="modules",
    )
    stage = models.PositiveSmallIntegerField(
        _("stage"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    difficulty = models.CharField(
        _("difficulty"),
        max_length=10,
        choices=ModuleDifficulty.choices,
        default=ModuleDifficulty.MEDIUM,
    )
    item_ids = models.JSONField(
        _("items"),
        default=list,
        help_text=_("Item ids in presentation order, e.g. [12, 7, 30]."),
    )

    class Meta:
        ordering = ["panel", "stage", "difficulty"]
        verbose_name = _("multistage module")
        verbose_name_plural = _("multistage modules")
        constraints = [
            models.UniqueConstraint(
                fields=["panel", "stage", "difficulty"],
                name="assessment_module_once_per_stage_difficulty",
            )
        ]

    def __str__(self) -> str:
        return f"{self.stage}-{self.difficulty}"


class MultistageRoutingRule(models.Model):
    """How a panel chooses the module of ``stage`` from what was answered before it.

    ``cut_points`` are increasing; a value below the first takes the easiest module,
    at or above the last the hardest. Number correct is the summed score of every
    item answered so far; ability is the EAP with the active parameter set.
    """

    panel = ParentalKey(
        MultistagePanel,
        verbose_name=_("panel"),
        on_delete=models.CASCADE,
        related_name="rules",
    )
    stage = models.PositiveSmallIntegerField(
        _("stage routed to"), validators=[MinValueValidator(2), MaxValueValidator(5)]
    )
    method = models.CharField(
        _("routing by"),
        max_length=20,
        choices=RoutingMethod.choices,
        default=RoutingMethod.NUMBER_CORRECT,
    )
    cut_points = models.JSONField(
        _("cut points"),
        default=list,
        help_text=_(
            "Increasing numbers, one fewer than the stage's modules, e.g. [3, 6]."
        ),
    )

    class Meta:
        ordering = ["panel", "stage"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(
                fields=["panel", "stage"], name="assessment_routing_rule_once_per_stage"
            )
        ]

    def __str__(self) -> str:
        return f"→ {self.stage}: {self.get_method_display()} {self.cut_points}"
