"""Survey models: sample designs, invitations, respondents, weights, jobs, roll-ups.

Large numeric arrays (replicate weights, plausible values, response matrices) are stored
as compressed ``.npz`` blobs next to the rows that describe them: 10,000 respondents ×
80 replicates would be 800,000 rows otherwise, and the statistics read them whole.
"""

from __future__ import annotations

import io
import uuid

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


def pack_arrays(**arrays: np.ndarray) -> bytes:
    """Return the arrays as one compressed ``.npz`` blob."""
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def unpack_arrays(blob: bytes | memoryview) -> dict[str, np.ndarray]:
    """Return the arrays of a blob made by :func:`pack_arrays` (no pickles allowed)."""
    with np.load(io.BytesIO(bytes(blob)), allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


class AllocationMethod(models.TextChoices):
    PROPORTIONAL = "proportional", _("Proportional to population")
    EQUAL = "equal", _("Equal per district")
    MINIMUM = "minimum", _("Proportional with a minimum per district")


class RakingVariables(models.TextChoices):
    """The margins a campaign's weights are raked to, beside the districts'."""

    AGE_SEX = "age_sex", _("Age band and sex")
    AGE_SEX_EDUCATION = "age_sex_education", _("Age band, sex and education")


class SampleDesign(models.Model):
    """The stratified sample of one survey campaign (district × age band × sex)."""

    campaign = models.OneToOneField(
        "assessment.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="sample_design",
    )
    method = models.CharField(
        _("allocation"), max_length=20, choices=AllocationMethod.choices
    )
    sample_size = models.PositiveIntegerField(_("sample size"))
    minimum_per_district = models.PositiveIntegerField(
        _("minimum per district"), default=0
    )
    population_year = models.PositiveSmallIntegerField(_("population year"))
    age_shares = models.JSONField(_("age-band shares used"), default=dict)
    raking_variables = models.CharField(
        _("raking variables"),
        max_length=30,
        choices=RakingVariables.choices,
        default=RakingVariables.AGE_SEX,
        help_text=_(
            "Margins the weights are raked to besides the district totals; "
            "education needs the census education figures of the population year."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sample design")
        verbose_name_plural = _("sample designs")

    def __str__(self) -> str:
        return f"{self.campaign} ({self.get_method_display()}, n={self.sample_size})"


class Stratum(models.Model):
    design = models.ForeignKey(
        SampleDesign, on_delete=models.CASCADE, related_name="strata"
    )
    district_code = models.CharField(_("district"), max_length=12)
    age_band = models.CharField(_("age band"), max_length=20)
    sex = models.CharField(_("sex"), max_length=10)
    population = models.PositiveIntegerField(_("population"))
    allocation = models.PositiveIntegerField(_("sample allocated"))
    inclusion_probability = models.FloatField(_("inclusion probability"))

    class Meta:
        ordering = ["design", "district_code", "age_band", "sex"]
        constraints = [
            models.UniqueConstraint(
                fields=["design", "district_code", "age_band", "sex"],
                name="survey_stratum_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.district_code}/{self.age_band}/{self.sex}"

    @property
    def key(self) -> str:
        return f"{self.district_code}|{self.age_band}|{self.sex}"


class SurveyInvitation(models.Model):
    """A sampled person's one-time code; only its keyed hash is stored."""

    stratum = models.ForeignKey(
        Stratum, on_delete=models.CASCADE, related_name="invitations"
    )
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    redeemed_at = models.DateTimeField(null=True, blank=True)
    session_id = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")

    def __str__(self) -> str:
        return f"invitation {self.pk} ({self.stratum})"


class DataSource(models.TextChoices):
    DELIVERY = "delivery", _("Sessions delivered by the platform")
    SIMULATION = "simulation", _("Simulated survey (known truth)")


class SurveyData(models.Model):
    """The campaign's response matrix as the statistics read it, frozen for the jobs.

    ``arrays`` holds ``responses_<domain>`` (persons × items, nan = not administered),
    ``items_<domain>`` (item ids), ``revisions_<domain>`` (the item revision each column
    was delivered as), ``background`` (persons × variables) and, for a simulation,
    ``truth_*`` arrays. ``meta`` names domains and background columns.

    A campaign's data is versioned: freezing it again adds version N + 1 and never
    changes an earlier version; the jobs read the latest. ``provenance`` says what was
    frozen (counts of sessions, responses, respondents), when and by whom.
    """

    campaign = models.ForeignKey(
        "assessment.Campaign",
        on_delete=models.CASCADE,
        related_name="survey_data_versions",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    source = models.CharField(max_length=20, choices=DataSource.choices)
    meta = models.JSONField(default=dict)
    arrays = models.BinaryField()
    provenance = models.JSONField(_("provenance"), default=dict, blank=True)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("frozen by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("frozen at"), auto_now_add=True)

    class Meta:
        ordering = ["campaign", "-version"]
        verbose_name = _("survey data")
        verbose_name_plural = _("survey data")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "version"], name="survey_data_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} v{self.version} ({self.source})"

    def save(self, *args, **kwargs):
        if self.pk and SurveyData.objects.filter(pk=self.pk).exists():
            raise ValidationError(
                _("Frozen survey data never changes: freeze a new version.")
            )
        super().save(*args, **kwargs)


class Respondent(models.Model):
    """One sampled person of a survey campaign, by pseudonymous id only."""

    campaign = models.ForeignKey(
        "assessment.Campaign",
        on_delete=models.CASCADE,
        related_name="survey_respondents",
    )
    pseudo_id = models.CharField(_("pseudonymous id"), max_length=20)
    row = models.PositiveIntegerField(_("row in the response matrix"), null=True)
    session_id = models.CharField(max_length=40, blank=True)
    district_code = models.CharField(_("district"), max_length=12)
    age_band = models.CharField(_("age band"), max_length=20)
    sex = models.CharField(_("sex"), max_length=10)
    education = models.CharField(_("education"), max_length=30, blank=True)
    responded = models.BooleanField(_("responded"), default=False)

    class Meta:
        ordering = ["campaign", "pseudo_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "pseudo_id"], name="survey_pseudo_unique"
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "district_code", "age_band", "sex"])
        ]

    def __str__(self) -> str:
        return self.pseudo_id


class WeightSet(models.Model):
    """Final and replicate weights of a campaign's respondents, with their report.

    ``arrays``: ``pseudo_id`` (respondents, in order), ``base``, ``nonresponse``,
    ``final``, ``replicates`` (n × R, float32), ``zone``, ``half``.
    """

    campaign = models.ForeignKey(
        "assessment.Campaign",
        on_delete=models.CASCADE,
        related_name="survey_weight_sets",
    )
    n_replicates = models.PositiveSmallIntegerField(default=80)
    report = models.JSONField(default=dict)
    arrays = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"weights {self.pk} of {self.campaign}"


# Cut scores live in the item bank (``itembank.CutScoreSet``): one versioned set per
# domain levels citizens' results, credit-bank outcomes and roll-ups alike. The survey's
# own table was migrated into it (migration 0003) and removed.


class JobKind(models.TextChoices):
    WEIGHTS = "weights", _("Weights and replicates")
    CALIBRATE = "calibrate", _("Calibration")
    SCORE = "score", _("Scoring and plausible values")
    ROLLUP = "rollup", _("Roll-up")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Job(models.Model):
    """A background job of the survey workflow and its progress."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=JobKind.choices)
    campaign = models.ForeignKey(
        "assessment.Campaign", on_delete=models.CASCADE, related_name="survey_jobs"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    progress = models.FloatField(_("progress"), default=0.0)
    stage = models.CharField(_("stage"), max_length=200, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    cancel_requested = models.BooleanField(default=False)
    task_id = models.CharField(max_length=64, blank=True)
    # The lease of the worker running the job: its owner token (host:pid:nonce), renewed
    # on every progress step and by a heartbeat thread; a lease that expired means the
    # worker died and the job is failed (``job_control.job_expire_stale``).
    lease_owner = models.CharField(_("lease owner"), max_length=120, blank=True)
    lease_expires_at = models.DateTimeField(
        _("lease expires at"), null=True, blank=True
    )
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("survey job")
        verbose_name_plural = _("survey jobs")

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} · {self.campaign} · {self.get_status_display()}"
        )

    @property
    def done(self) -> bool:
        return self.status in (
            JobStatus.FINISHED,
            JobStatus.FAILED,
            JobStatus.CANCELLED,
        )


class Calibration(models.Model):
    """Item parameters a calibration job estimated, per domain (for review)."""

    campaign = models.ForeignKey(
        "assessment.Campaign",
        on_delete=models.CASCADE,
        related_name="survey_calibrations",
    )
    job = models.OneToOneField(
        Job, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    domains = models.JSONField(
        default=dict
    )  # domain -> {"models", "item_ids", "a", ...}
    report = models.JSONField(default=dict)
    parameter_set_id = models.PositiveIntegerField(null=True, blank=True)
    # Review of a calibration whose items are not the bank's (no parameter set): a
    # bank-backed calibration is approved through its item-bank parameter set.
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"calibration {self.pk} of {self.campaign}"


class ScoreSet(models.Model):
    """Plausible values, EAP and posterior SD of every respondent per domain.

    ``arrays``: ``pseudo_id``, and per domain ``pv_<d>`` (n × M), ``eap_<d>``, ``sd_<d>``.
    """

    campaign = models.ForeignKey(
        "assessment.Campaign",
        on_delete=models.CASCADE,
        related_name="survey_score_sets",
    )
    calibration = models.ForeignKey(Calibration, on_delete=models.PROTECT, null=True)
    n_draws = models.PositiveSmallIntegerField(default=10)
    report = models.JSONField(default=dict)
    arrays = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"scores {self.pk} of {self.campaign}"


class RollUp(models.Model):
    """District and city figures of one campaign, frozen with their provenance."""

    name = models.CharField(_("name"), max_length=200)
    campaign = models.ForeignKey(
        "assessment.Campaign", on_delete=models.PROTECT, related_name="survey_rollups"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    score_set = models.ForeignKey(ScoreSet, on_delete=models.PROTECT)
    weight_set = models.ForeignKey(WeightSet, on_delete=models.PROTECT)
    parameter_set_id = models.PositiveIntegerField(null=True, blank=True)
    method = models.JSONField(default=dict)
    provenance = models.JSONField(default=dict)
    # The cut-score version of each domain the roll-up's levels and rates used.
    cut_score_sets = models.ManyToManyField(
        "itembank.CutScoreSet",
        blank=True,
        related_name="+",
        verbose_name=_("cut-score sets"),
    )
    published = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-year", "-created_at"]
        verbose_name = _("roll-up")
        verbose_name_plural = _("roll-ups")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if self.pk and RollUp.objects.filter(pk=self.pk, published=True).exists():
            raise ValidationError(_("A published roll-up never changes."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.published:
            raise ValidationError(_("A published roll-up never changes."))
        return super().delete(*args, **kwargs)


class RollUpCell(models.Model):
    rollup = models.ForeignKey(RollUp, on_delete=models.CASCADE, related_name="cells")
    district_code = models.CharField(max_length=12, blank=True)  # "" = whole city
    domain_code = models.CharField(max_length=40)
    indicator = models.CharField(max_length=30)
    category = models.CharField(max_length=40, blank=True)
    breakdown = models.CharField(
        max_length=20, blank=True
    )  # "", age_band, sex, education
    breakdown_value = models.CharField(max_length=40, blank=True)
    estimate = models.FloatField(null=True)
    se = models.FloatField(null=True)
    ci_low = models.FloatField(null=True)
    ci_high = models.FloatField(null=True)
    n = models.PositiveIntegerField()
    suppressed = models.BooleanField(default=False)
    suppression_reason = models.CharField(max_length=20, blank=True)
    # Linking error of the wave's scale in the cell's own units (theta for a mean,
    # percentage points for a percentage); null when not linked or withheld.
    linking_error = models.FloatField(_("linking error"), null=True, blank=True)

    class Meta:
        ordering = ["rollup", "domain_code", "indicator", "district_code", "category"]
        indexes = [models.Index(fields=["rollup", "district_code"])]

    def __str__(self) -> str:
        return f"{self.district_code or 'city'} {self.domain_code} {self.indicator}"

    def save(self, *args, **kwargs):
        if RollUp.objects.filter(pk=self.rollup_id, published=True).exists():
            raise ValidationError(_("A published roll-up never changes."))
        super().save(*args, **kwargs)
