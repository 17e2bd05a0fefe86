from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, HelpPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from cms.blocks import CHART_BLOCK_TYPES, ReportStreamBlock
from cms.figures import Figures, FiguresUnavailable
from learning_platform.indicators.selectors import district_report_figures
from learning_platform.indicators.services import framework_for_year


def title_en_field() -> models.CharField:
    return models.CharField(_("title (English)"), max_length=255, blank=True)


class EnglishContent:
    """A page whose citizen-facing text fields have an optional English version
    (``<field>_en``, the title's is ``title_en``).

    ``text_in_language(field)`` gives the English text in the English interface when the editor
    wrote one, and the Chinese text otherwise (templates use the ``loc`` filter).
    """

    def text_in_language(self, field: str):
        from django.utils.translation import get_language

        if (get_language() or "").startswith("en"):
            english = getattr(self, f"{field}_en", "")
            if english:
                return english
        return getattr(self, field)


def english_panel(*fields: str) -> MultiFieldPanel:
    """The admin panel of a page's English versions, folded below the Chinese fields."""
    return MultiFieldPanel(
        [FieldPanel(f) for f in fields],
        heading=_("English version"),
        classname="collapsed",
    )


class HomePage(Page, EnglishContent):
    """The public home page: what the monitoring is, open tests and latest reports."""

    title_en = title_en_field()

    intro = models.CharField(
        _("introduction"),
        max_length=300,
        blank=True,
        default="了解自己的终身学习能力，参与上海市民终身学习监测。",
    )
    body = RichTextField(_("body"), blank=True)
    intro_en = models.CharField(_("introduction (English)"), max_length=300, blank=True)
    body_en = RichTextField(_("body (English)"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("body"),
        english_panel("title_en", "intro_en", "body_en"),
    ]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        # lazy: import cycle (cms.selectors -> cms.models)
        from cms.selectors import instruments_open, reports_latest

        context = super().get_context(request, *args, **kwargs)
        context["open_tests"] = instruments_open()
        context["latest_reports"] = reports_latest()
        context["report_index"] = ReportIndexPage.objects.live().public().first()
        context["dashboard"] = DistrictDashboardPage.objects.live().public().first()
        context["district_report"] = (
            DistrictMonitoringReportPage.objects.live()
            .public()
            .order_by("-year")
            .first()
        )
        return context


class InstrumentPage(Page, EnglishContent):
    """A test or questionnaire's landing page: what it measures, how long, and a start button."""

    title_en = title_en_field()

    instrument_code = models.CharField(
        _("instrument code"),
        max_length=64,
        help_text=_("Code of the instrument in delivery; the start button opens it."),
    )
    summary = models.CharField(_("summary"), max_length=300)
    measures = RichTextField(_("what it measures"), blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("minutes it takes"), default=20
    )
    is_open = models.BooleanField(_("open for citizens"), default=True)
    start_url = models.CharField(
        _("start address"),
        max_length=300,
        blank=True,
        help_text=_("Leave blank to start the instrument by its code in delivery."),
    )
    summary_en = models.CharField(_("summary (English)"), max_length=300, blank=True)
    measures_en = RichTextField(_("what it measures (English)"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("instrument_code"),
        FieldPanel("summary"),
        FieldPanel("measures"),
        FieldPanel("duration_minutes"),
        FieldPanel("is_open"),
        FieldPanel("start_url"),
        english_panel("title_en", "summary_en", "measures_en"),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("instrument landing page")

    def start_link(self) -> str:
        """Return where the start button goes: the field, else delivery's open campaign."""
        if self.start_url:
            return self.start_url
        # lazy: import cycle (cms.selectors -> cms.models)
        from cms.selectors import instrument_start_url

        return instrument_start_url(self.instrument_code)


class ReportIndexPage(Page, EnglishContent):
    """Lists published survey reports, filtered by year and topic."""

    title_en = title_en_field()

    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    intro_en = models.CharField(_("introduction (English)"), max_length=300, blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        english_panel("title_en", "intro_en"),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.SurveyReportPage", "cms.DistrictMonitoringReportPage"]

    class Meta:
        verbose_name = _("report index")

    def get_context(self, request, *args, **kwargs):
        # lazy: import cycle (cms.selectors -> cms.models)
        from cms.selectors import reports_filtered

        context = super().get_context(request, *args, **kwargs)
        year = request.GET.get("year", "")
        topic = request.GET.get("topic", "")
        year_value = int(year) if year.isdigit() else None
        topic_value = topic if topic in Topic.values else None
        all_reports = reports_filtered(parent=self)
        context.update(
            reports=reports_filtered(parent=self, year=year_value, topic=topic_value),
            years=sorted({r.year for r in all_reports if r.year}, reverse=True),
            topics=Topic.choices,
            year=year_value,
            topic=topic_value,
        )
        return context


class Topic(models.TextChoices):
    INFORMATION = "information", _("Information literacy")
    SCIENCE = "science", _("Science literacy")
    HEALTH = "health", _("Health literacy")
    LEARNING = "learning", _("Learning to learn")
    NEEDS = "needs", _("Learning needs")
    COMPREHENSIVE = "comprehensive", _("Comprehensive survey")


class RollUpPageForm(WagtailAdminPageForm):
    """Offer the finished roll-ups as a choice and refuse an id that does not exist."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "rollup_id" in self.fields:
            # lazy: import cycle (cms.selectors -> cms.models)
            from cms.selectors import rollup_choices

            old = self.fields["rollup_id"]
            self.fields["rollup_id"] = forms.TypedChoiceField(
                label=old.label,
                help_text=old.help_text,
                required=old.required,
                coerce=int,
                empty_value=None,
                choices=[("", "—")]
                + [(str(i), label) for i, label in rollup_choices()],
            )


class SurveyReportPage(Page, EnglishContent):
    """A survey report whose figures come from one roll-up, frozen in each revision."""

    title_en = title_en_field()

    topic = models.CharField(
        _("topic"), max_length=20, choices=Topic.choices, default=Topic.INFORMATION
    )
    summary = models.CharField(_("summary"), max_length=400, blank=True)
    summary_en = models.CharField(_("summary (English)"), max_length=400, blank=True)
    rollup_id = models.PositiveIntegerField(
        _("roll-up"),
        null=True,
        blank=True,
        help_text=_("The survey roll-up every figure in this report comes from."),
    )
    refresh_figures = models.BooleanField(
        _("take the figures again"),
        default=False,
        help_text=_(
            "Tick after the roll-up was recalculated to copy its current figures into "
            "this revision. Otherwise the figures stay as first taken."
        ),
    )
    year = models.PositiveSmallIntegerField(
        _("year"), null=True, blank=True, editable=False
    )
    # The frozen figures: part of every revision's content, so publishing a revision
    # publishes exactly the numbers it was reviewed with.
    rollup_snapshot = models.JSONField(
        _("figures"), default=dict, blank=True, editable=False
    )
    body = StreamField(ReportStreamBlock(), blank=True, verbose_name=_("body"))

    base_form_class = RollUpPageForm
    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("topic"),
        MultiFieldPanel(
            [
                HelpPanel(
                    content=_(
                        "Figures are copied from the roll-up when it is first chosen "
                        "and kept in the revision; a published report never changes "
                        "when the survey recalculates."
                    )
                ),
                FieldPanel("rollup_id"),
                FieldPanel("refresh_figures"),
            ],
            heading=_("Figures"),
        ),
        FieldPanel("body"),
        english_panel("title_en", "summary_en"),
    ]
    parent_page_types = ["cms.ReportIndexPage", "cms.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("survey report")

    def clean(self):
        super().clean()
        # lazy: import cycle (cms.selectors -> cms.models)
        from cms.selectors import RollUpMissing, rollup_view

        if self.rollup_id is not None and self.snapshot_stale():
            try:
                rollup_view(self.rollup_id)
            except RollUpMissing as exc:
                raise ValidationError({"rollup_id": str(exc)}) from exc

    def snapshot_stale(self) -> bool:
        taken = (self.rollup_snapshot or {}).get("rollup", {}).get("id")
        return self.refresh_figures or taken != self.rollup_id

    def figures_take(self) -> None:
        """Copy the chosen roll-up's figures into this page (before saving a revision)."""
        # lazy: import cycle (cms.selectors -> cms.models)
        from cms.selectors import rollup_snapshot

        if self.rollup_id is None:
            self.rollup_snapshot = {}
            return
        self.rollup_snapshot = rollup_snapshot(self.rollup_id)
        self.year = self.rollup_snapshot["rollup"].get("year")
        self.refresh_figures = False
        self.__dict__.pop("figures", None)

    def save_revision(self, *args, **kwargs):
        if self.snapshot_stale():
            self.figures_take()
        return super().save_revision(*args, **kwargs)

    @cached_property
    def figures(self) -> Figures | None:
        try:
            return Figures(self.rollup_snapshot)
        except FiguresUnavailable:
            return None

    def figures_error(self) -> str:
        if self.figures is not None:
            return ""
        if self.rollup_id is None:
            return gettext("This report has no roll-up figures yet; choose a roll-up.")
        return gettext("The figures of roll-up #%(id)s have not been taken yet.") % {
            "id": self.rollup_id
        }

    def get_context(self, request, *args, **kwargs):
        # lazy: import cycle (cms.selectors -> cms.models)
        from cms.selectors import RollUpMissing

        if (
            getattr(request, "is_preview", False)
            and self.rollup_id
            and self.snapshot_stale()
        ):
            # A preview shows what saving would freeze; only saving a revision keeps it.
            try:
                self.figures_take()
            except RollUpMissing:
                pass
        context = super().get_context(request, *args, **kwargs)
        context["figures"] = self.figures
        context["figures_error"] = self.figures_error()
        return context

    def chart_blocks(self):
        return [b for b in self.body if b.block_type in CHART_BLOCK_TYPES]


class DistrictDashboardPage(Page, EnglishContent):
    """All districts' rates by domain, a tile grid, a district's own trend and what it means."""

    title_en = title_en_field()

    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    rollup_id = models.PositiveIntegerField(
        _("roll-up"),
        null=True,
        blank=True,
        help_text=_("Leave blank to show the newest finished roll-up."),
    )
    meaning = RichTextField(
        _("what it means"),
        blank=True,
        help_text=_("How to read the attainment rate and its interval."),
    )
    intro_en = models.CharField(_("introduction (English)"), max_length=300, blank=True)
    meaning_en = RichTextField(_("what it means (English)"), blank=True)

    base_form_class = RollUpPageForm
    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("rollup_id"),
        FieldPanel("meaning"),
        english_panel("title_en", "intro_en", "meaning_en"),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("district dashboard")

    def serve(self, request, *args, **kwargs):
        from django.template.response import TemplateResponse

        # lazy: import cycle (cms.views -> cms.models)
        from cms.views import dashboard_context

        context = self.get_context(request, *args, **kwargs)
        context.update(dashboard_context(page=self, request=request))
        # lazy: import cycle (cms.district_report -> cms.models)
        from cms.district_report import dashboard_report_flags

        context["report_flags"] = dashboard_report_flags(
            district_code=context.get("district")
        )
        return TemplateResponse(request, self.get_template(request), context)


class DistrictMonitoringReportPage(Page):
    """The annual district monitoring report: one per data year, built from the approved district
    filings and the survey figures supplied into them, frozen in each revision like a survey report."""

    year = models.PositiveSmallIntegerField(
        _("data year"),
        help_text=_("The data year whose approved district filings the report reads."),
    )
    summary = models.CharField(_("summary"), max_length=400, blank=True)
    refresh_figures = models.BooleanField(
        _("take the figures again"),
        default=False,
        help_text=_(
            "Tick after more filings were approved to copy the current figures into this "
            "revision. Otherwise the figures stay as first taken."
        ),
    )
    # The frozen figures: part of every revision's content, so publishing a revision
    # publishes exactly the numbers it was reviewed with.
    figures_snapshot = models.JSONField(
        _("figures"), default=dict, blank=True, editable=False
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                HelpPanel(
                    content=_(
                        "Figures are copied from the approved filings when the year is first "
                        "chosen and kept in the revision; a published report never changes "
                        "when a filing changes later."
                    )
                ),
                FieldPanel("year"),
                FieldPanel("refresh_figures"),
            ],
            heading=_("Figures"),
        ),
    ]
    parent_page_types = ["cms.ReportIndexPage", "cms.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("district monitoring report")

    def clean(self):
        super().clean()
        from django.core.exceptions import ValidationError as DjangoValidationError

        others = DistrictMonitoringReportPage.objects.filter(year=self.year)
        if self.pk:
            others = others.exclude(pk=self.pk)
        if self.year and others.exists():
            raise ValidationError(
                {
                    "year": gettext(
                        "There is already a district monitoring report for %(year)s."
                    )
                    % {"year": self.year}
                }
            )
        if self.year:
            try:
                framework_for_year(year=self.year)
            except DjangoValidationError as exc:
                raise ValidationError({"year": exc.messages}) from exc

    def snapshot_stale(self) -> bool:
        return (
            self.refresh_figures
            or (self.figures_snapshot or {}).get("year") != self.year
        )

    def figures_take(self) -> None:
        """Copy the year's figures into this page (before saving a revision)."""

        self.figures_snapshot = district_report_figures(self.year)
        self.refresh_figures = False

    def save_revision(self, *args, **kwargs):
        if self.snapshot_stale():
            self.figures_take()
        return super().save_revision(*args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        # lazy: import cycle (cms.district_report -> cms.models)
        from cms.district_report import report_sections

        # lazy: import cycle (cms.views -> cms.models)
        from cms.views import _user_district_code

        if getattr(request, "is_preview", False) and self.snapshot_stale():
            self.figures_take()  # a preview shows what saving would freeze
        context = super().get_context(request, *args, **kwargs)
        context["figures"] = self.figures_snapshot or None
        if self.figures_snapshot:
            context["report"] = report_sections(
                self.figures_snapshot, own=_user_district_code(request)
            )
        return context
