"""Rows of the credit bank: accounts, outcomes, conversion rules, the credit ledger, credentials."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a ledger entry."""


class AccountStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSURE_REQUESTED = "closure_requested", _("Closure requested")
    CLOSED = "closed", _("Closed")


class LearningAccount(models.Model):
    """A citizen's personal learning account and archive (one per user)."""

    class OpenedVia(models.TextChoices):
        EXPLICIT = "explicit", _("Opened by the citizen")
        FIRST_USE = "first_use", _("Opened on first use")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="learning_account",
    )
    number = models.CharField(_("account number"), max_length=16, unique=True)
    district = models.ForeignKey(
        "districts.District",
        verbose_name=_("district of residence"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="learning_accounts",
        db_index=False,  # led by the index cb_account_district_open
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AccountStatus.choices,
        default=AccountStatus.OPEN,
    )
    opened_via = models.CharField(
        _("opened via"), max_length=12, choices=OpenedVia.choices
    )
    opened_at = models.DateTimeField(_("opened at"))
    closure_requested_at = models.DateTimeField(
        _("closure requested at"), null=True, blank=True
    )
    closure_reason = models.TextField(_("reason for closure"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Denormalised balances, changed only by F() updates in the ledger service.
    credits_balance = models.DecimalField(
        _("credits balance"), max_digits=10, decimal_places=2, default=0
    )
    points_balance = models.IntegerField(_("learning points balance"), default=0)

    class Meta:
        ordering = ["opened_at"]
        verbose_name = _("learning account")
        verbose_name_plural = _("learning accounts")
        indexes = [
            # Accounts of a district (the foreign key's lookups, the admin's filter, the
            # tally's rebuild); the year-end counts read DistrictAccountTally instead.
            models.Index(
                fields=["district", "opened_at", "closed_at"],
                name="cb_account_district_open",
            ),
        ]
        permissions = [
            ("view_account_counts", _("Can see account counts per district"))
        ]

    def __str__(self) -> str:
        return self.number


class DistrictAccountTally(models.Model):
    """Accounts opened and closed in one district on one local day (settings.TIME_ZONE).

    The account services keep it in step with the accounts, in the same transaction,
    so the count of accounts open at a year's end reads days × districts rows instead
    of every account (whose rows the ledger rewrites, so no index-only scan stays cheap).
    ``account_tally_rebuild`` recomputes it from the accounts.
    """

    district = models.ForeignKey(
        "districts.District",
        verbose_name=_("district"),
        on_delete=models.CASCADE,
        related_name="account_tallies",
        db_index=False,  # led by the unique constraint cb_tally_district_day
    )
    day = models.DateField(_("day"))
    opened = models.IntegerField(_("accounts opened"), default=0)
    closed = models.IntegerField(_("accounts closed"), default=0)

    class Meta:
        verbose_name = _("district account tally")
        verbose_name_plural = _("district account tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "day"], name="cb_tally_district_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.day}: +{self.opened} -{self.closed}"


class OutcomeKind(models.TextChoices):
    ASSESSMENT = "assessment", _("Assessment result")
    COURSE = "course", _("Course")
    CERTIFICATE = "certificate", _("Certificate")
    VOCATIONAL_CERTIFICATE = "vocational_certificate", _("Vocational skill certificate")
    VENUE_LEARNING = "venue_learning", _("Museum or venue learning")
    DEGREE_CREDITS = "degree_credits", _("Academic course credits")


class LearningOutcome(models.Model):
    """One learning outcome in an account: a platform assessment or an institution's entry."""

    account = models.ForeignKey(
        LearningAccount,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="outcomes",
    )
    kind = models.CharField(_("kind"), max_length=24, choices=OutcomeKind.choices)
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    achieved_on = models.DateField(_("achieved on"))
    # Where the outcome comes from: the platform, or the institution that entered it.
    source = models.CharField(_("source"), max_length=200)
    source_ref = models.CharField(
        _("source reference"),
        max_length=200,
        blank=True,
        help_text=_("The source's own identifier, e.g. assessment-session:<uuid>."),
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="creditbank_outcomes_entered",
    )
    evidence_url = models.URLField(_("evidence URL"), blank=True)
    evidence_ref = models.CharField(
        _("evidence reference"),
        max_length=200,
        blank=True,
        help_text=_("Certificate number, transcript reference or similar."),
    )
    domain_code = models.CharField(_("domain"), max_length=40, blank=True)
    level_code = models.CharField(_("level"), max_length=40, blank=True)
    level_name = models.CharField(_("level name"), max_length=100, blank=True)
    hours = models.DecimalField(
        _("learning hours"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    # Assessment results from this platform.
    instrument_code = models.CharField(_("instrument code"), max_length=60, blank=True)
    instrument_name = models.CharField(_("instrument name"), max_length=200, blank=True)
    parameter_set_id = models.PositiveIntegerField(
        _("parameter set"), null=True, blank=True
    )
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_reason = models.TextField(_("reason for revocation"), blank=True)

    class Meta:
        ordering = ["-achieved_on", "-pk"]
        verbose_name = _("learning outcome")
        verbose_name_plural = _("learning outcomes")
        constraints = [
            models.UniqueConstraint(
                fields=["source_ref"],
                condition=~models.Q(source_ref=""),
                name="creditbank_outcome_source_ref_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.achieved_on})"


class OutcomeDomainScore(models.Model):
    """One domain's score within an assessment outcome."""

    outcome = models.ForeignKey(
        LearningOutcome,
        verbose_name=_("outcome"),
        on_delete=models.CASCADE,
        related_name="domain_scores",
    )
    domain_code = models.CharField(_("domain"), max_length=40)
    theta = models.FloatField(_("ability estimate (θ)"))
    se = models.FloatField(_("standard error"), null=True, blank=True)
    level_code = models.CharField(_("level"), max_length=40, blank=True)

    class Meta:
        ordering = ["domain_code"]
        verbose_name = _("domain score")
        verbose_name_plural = _("domain scores")
        constraints = [
            models.UniqueConstraint(
                fields=["outcome", "domain_code"], name="creditbank_domain_score_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(se__isnull=True) | models.Q(se__gte=0),
                name="creditbank_domain_score_se_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.domain_code}: {self.theta:.2f}"


class RulePeriod(models.TextChoices):
    NONE = "none", _("No cap")
    MONTH = "month", _("Calendar month")
    YEAR = "year", _("Calendar year")


class ConversionRule(models.Model):
    """A published rule: which outcome at which level earns how many credits or points.

    Every change is saved through ``conversion_rule_save``, which keeps a
    ``ConversionRuleVersion``; ledger entries name the version they applied.
    """

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    outcome_kind = models.CharField(
        _("outcome kind"), max_length=24, choices=OutcomeKind.choices
    )
    domain_code = models.CharField(
        _("domain"), max_length=40, blank=True, help_text=_("Blank: any domain.")
    )
    level_codes = models.JSONField(
        _("levels"),
        default=list,
        blank=True,
        help_text=_("Level codes that earn credit; empty: any level."),
    )
    credits = models.DecimalField(
        _("credits"),
        max_digits=7,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    points = models.PositiveIntegerField(_("learning points"), default=0)
    cap_period = models.CharField(
        _("cap period"),
        max_length=8,
        choices=RulePeriod.choices,
        default=RulePeriod.NONE,
    )
    cap_credits = models.DecimalField(
        _("credit cap per period"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    cap_points = models.PositiveIntegerField(
        _("point cap per period"), null=True, blank=True
    )
    valid_months = models.PositiveSmallIntegerField(
        _("months until credits expire"),
        null=True,
        blank=True,
        help_text=_("Blank: credits do not expire."),
    )
    valid_from = models.DateField(_("applies to outcomes from"), null=True, blank=True)
    valid_to = models.DateField(_("applies to outcomes until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=0)

    class Meta:
        ordering = ["code"]
        verbose_name = _("conversion rule")
        verbose_name_plural = _("conversion rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(credits__gte=0),
                name="creditbank_rule_credits_nonnegative",
                violation_error_message=_("Credits must not be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class ConversionRuleVersion(models.Model):
    """A rule as it stood after one change: the rule's history."""

    rule = models.ForeignKey(
        ConversionRule,
        verbose_name=_("rule"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    version = models.PositiveIntegerField(_("version"))
    data = models.JSONField(_("rule data"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    comment = models.CharField(_("comment"), max_length=300, blank=True)

    class Meta:
        ordering = ["rule", "-version"]
        verbose_name = _("conversion rule version")
        verbose_name_plural = _("conversion rule versions")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "version"], name="creditbank_rule_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule.code} v{self.version}"


class AppendOnlyQuerySet(models.QuerySet):
    """A queryset that refuses bulk updates and deletes."""

    def update(self, **kwargs):
        raise AppendOnlyError(
            "The credit ledger is append-only; write a correction entry."
        )

    def delete(self):
        raise AppendOnlyError(
            "The credit ledger is append-only; write a correction entry."
        )


class CreditEntry(models.Model):
    """One line of the append-only credit ledger; corrections are new lines.

    The application refuses updates and deletes here, and database triggers
    (migration 0002) refuse them for any other writer.
    """

    class Kind(models.TextChoices):
        AWARD = "award", _("Award")
        CORRECTION = "correction", _("Correction")
        REVERSAL = "reversal", _("Reversal (outcome revoked)")
        EXPIRY = "expiry", _("Expiry")

    account = models.ForeignKey(
        LearningAccount,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="credit_entries",
        db_index=False,  # led by the index cb_entry_account_latest
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    outcome = models.ForeignKey(
        LearningOutcome,
        verbose_name=_("outcome"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_entries",
    )
    rule = models.ForeignKey(
        ConversionRule,
        verbose_name=_("rule"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_entries",
    )
    rule_version = models.PositiveIntegerField(_("rule version"), null=True, blank=True)
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adjustments",
    )
    credits = models.DecimalField(
        _("credits"), max_digits=9, decimal_places=2, default=0
    )
    points = models.IntegerField(_("learning points"), default=0)
    period_key = models.CharField(_("cap period"), max_length=10, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("credit entry")
        verbose_name_plural = _("credit entries")
        indexes = [
            # An account's latest entries (the account page, keyset pages of the ledger)
            # read along the index, newest first; also the cap check (account, rule, period).
            models.Index(
                fields=["account", "-created_at", "-id"], name="cb_entry_account_latest"
            ),
            # The daily expiry job reads only awards that can expire, by date.
            models.Index(
                fields=["expires_on"],
                name="cb_award_expiry",
                condition=models.Q(kind="award", expires_on__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["outcome", "rule"],
                condition=models.Q(kind="award"),
                name="creditbank_one_award_per_outcome_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.credits} / {self.points}"

    def save(self, *args, **kwargs):
        # Appending is the only write the ledger allows.
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError(
                "The credit ledger is append-only; write a correction entry."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(
            "The credit ledger is append-only; write a correction entry."
        )


class ExpiryRun(models.Model):
    """One finished run of the daily expiry job: how far it reached, so the next starts there.

    The next run reads only awards expiring after ``through`` and awards appended after
    ``last_entry_id`` (an outcome entered late may carry a validity already past), so
    its work follows the days and entries since this run, not the size of the ledger.
    """

    through = models.DateField(_("expired through"))
    last_entry_id = models.BigIntegerField(
        _("last ledger entry when the run started"), default=0
    )
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), auto_now_add=True)
    written = models.PositiveIntegerField(_("expiry entries written"), default=0)

    class Meta:
        ordering = ["-finished_at", "-id"]
        verbose_name = _("expiry run")
        verbose_name_plural = _("expiry runs")

    def __str__(self) -> str:
        return f"{self.through} ({self.written})"


class IssuedCredential(models.Model):
    """A signed credential the platform issued: an Open Badge or a CLR document."""

    class Format(models.TextChoices):
        OPEN_BADGE = "ob3", _("Open Badges 3.0 credential")
        CLR = "clr2", _("Comprehensive Learner Record 2.0")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(
        LearningAccount,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="credentials",
    )
    outcome = models.ForeignKey(
        LearningOutcome,
        verbose_name=_("outcome"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credentials",
    )
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    issued_at = models.DateTimeField(_("issued at"))
    key_id = models.CharField(_("signing key"), max_length=120)
    document_sha256 = models.CharField(_("document hash"), max_length=64)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_reason = models.CharField(
        _("reason for revocation"), max_length=300, blank=True
    )

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("issued credential")
        verbose_name_plural = _("issued credentials")

    def __str__(self) -> str:
        return f"{self.get_format_display()} {self.id}"
