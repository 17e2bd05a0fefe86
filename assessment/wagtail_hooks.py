"""Delivery in the Wagtail admin: instruments and campaigns for researchers.

Both are ``ModelViewSet``s in one "Delivery" menu group. Their create and edit views
save through ``assessment.services`` (see ``admin_views``); who may use them is the
model permissions ``assessment.permissions`` gives researchers, so the menu is
hidden from everyone else and the URLs answer 403 (or send to the login page
whoever may not use the admin at all).
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
)
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from assessment import admin_views
from assessment.forms import CampaignForm, InstrumentForm, MultistagePanelForm
from assessment.models import Campaign, Instrument, MultistagePanel
from assessment.selectors import campaign_abilities


def _active_ids(request):
    # One read of the active parameter set per listing, not one per row.
    if request is None:
        return admin_views.active_item_ids()[1]
    if not hasattr(request, "_assessment_active_ids"):
        request._assessment_active_ids = admin_views.active_item_ids()[1]
    return request._assessment_active_ids


class ChoiceColumn(Column):
    def get_value(self, instance):
        return getattr(instance, f"get_{self.accessor}_display")()


class LengthColumn(Column):
    def get_value(self, instance):
        return admin_views.instrument_length(instance)


class CalibrationColumn(Column):
    cell_template_name = "assessment/admin/calibration_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["calibration"] = admin_views.instrument_calibration(
            instance, _active_ids(parent_context.get("request"))
        )
        return context

    def get_value(self, instance):
        return ""


class LinkColumn(Column):
    def __init__(self, name, *, url_name, text, **kwargs):
        super().__init__(name, **kwargs)
        self.url_name = url_name
        self.text = text

    def get_value(self, instance):
        return format_html(
            '<a href="{}">{}</a>', reverse(self.url_name, args=[instance.pk]), self.text
        )


class StatusColumn(Column):
    def get_value(self, instance):
        return admin_views.CAMPAIGN_STATUS_LABELS[admin_views.campaign_status(instance)]


class PeriodColumn(Column):
    def get_value(self, instance):
        opens = timezone.localtime(instance.opens_at).strftime("%Y-%m-%d")
        if instance.closes_at is None:
            return _("from %(opens)s") % {"opens": opens}
        closes = timezone.localtime(instance.closes_at).strftime("%Y-%m-%d")
        return f"{opens} – {closes}"


class InstrumentViewSet(ModelViewSet):
    model = Instrument
    icon = "form"
    menu_order = 100
    url_prefix = "delivery/instruments"
    name = "assessment_instruments"
    index_view_class = admin_views.InstrumentIndexView
    add_view_class = admin_views.InstrumentCreateView
    delete_view_class = admin_views.ProtectedDeleteView
    edit_view_class = admin_views.InstrumentEditView
    inspect_view_class = admin_views.InstrumentInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_filter = ["kind", "mode", "language"]
    search_fields = ["code", "name_zh", "name_en"]
    search_backend_name = None  # plain ORM search: instruments are few
    ordering = ["code"]
    list_display = [
        "code",
        "name_zh",
        ChoiceColumn("kind", label=_("Kind")),
        ChoiceColumn("mode", label=_("Delivery mode")),
        Column("domain_code", label=_("Main domain")),
        Column("language", label=_("Language")),
        LengthColumn("length", label=_("Length")),
        CalibrationColumn("calibration", label=_("Active parameters")),
        LinkColumn(
            "detail",
            label=_("Detail"),
            url_name="assessment_instruments:inspect",
            text=_("Settings and campaigns"),
        ),
    ]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldPanel("code"),
                    FieldRowPanel([FieldPanel("name_zh"), FieldPanel("name_en")]),
                    FieldPanel("description_zh"),
                    FieldPanel("description_en"),
                ],
                heading=_("Name and description"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [
                            FieldPanel("kind"),
                            FieldPanel("domain_code"),
                            FieldPanel("language"),
                        ]
                    ),
                    FieldPanel("blueprint_text"),
                ],
                heading=_("What it measures"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("mode"),
                    FieldPanel("time_limit_minutes"),
                    FieldPanel("item_ids"),
                    FieldPanel("booklets"),
                    FieldPanel("panel_assignment"),
                ],
                heading=_("Delivery"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [
                            FieldPanel("min_length"),
                            FieldPanel("max_length"),
                            FieldPanel("se_target"),
                        ]
                    ),
                    FieldPanel("rule"),
                    FieldPanel("exposure_method"),
                    FieldPanel("exposure_k"),
                    FieldPanel("exposure_k_params"),
                ],
                heading=_("Adaptive tests: length, stopping and exposure control"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("precision_rule"),
                    FieldRowPanel(
                        [
                            FieldPanel("precision_min_items"),
                            FieldPanel("precision_se_target"),
                        ]
                    ),
                ],
                heading=_("When a result gives a level"),
            ),
        ],
        base_form_class=InstrumentForm,
    )


class CampaignFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        method="filter_status",
        choices=list(admin_views.CAMPAIGN_STATUS_LABELS.items()),
    )

    class Meta:
        model = Campaign
        fields = ["kind", "audience", "instrument"]

    def filter_status(self, queryset, name, value):
        now = timezone.now()
        if value == "upcoming":
            return queryset.filter(opens_at__gt=now)
        if value == "closed":
            return queryset.filter(closes_at__lte=now)
        if value == "open":
            return queryset.filter(opens_at__lte=now).filter(
                Q(closes_at__isnull=True) | Q(closes_at__gt=now)
            )
        return queryset


class CampaignViewSet(ModelViewSet):
    model = Campaign
    icon = "date"
    menu_order = 110
    url_prefix = "delivery/campaigns"
    name = "assessment_campaigns"
    index_view_class = admin_views.CampaignIndexView
    add_view_class = admin_views.CampaignCreateView
    delete_view_class = admin_views.ProtectedDeleteView
    edit_view_class = admin_views.CampaignEditView
    inspect_view_class = admin_views.CampaignInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    filterset_class = CampaignFilterSet
    search_fields = ["name_zh", "name_en"]
    search_backend_name = None
    ordering = ["-opens_at", "pk"]
    list_display = [
        "name_zh",
        ChoiceColumn("kind", label=_("Kind")),
        "instrument",
        ChoiceColumn("audience", label=_("Who may take it")),
        StatusColumn("status", label=_("Status")),
        PeriodColumn("period", label=_("Period")),
        Column("n_started", label=_("Sessions started"), sort_key="n_started"),
        Column("n_finished", label=_("Sessions finished"), sort_key="n_finished"),
        LinkColumn(
            "report",
            label=_("Report"),
            url_name="assessment_campaigns:inspect",
            text=_("Sessions per day"),
        ),
    ]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("name_zh"), FieldPanel("name_en")]),
            FieldRowPanel([FieldPanel("kind"), FieldPanel("year")]),
            FieldPanel("instrument"),
            FieldRowPanel(
                [FieldPanel("opens_at"), FieldPanel("closes_at")], heading=_("Period")
            ),
            FieldRowPanel(
                [FieldPanel("audience"), FieldPanel("max_attempts")],
                heading=_("Who may take it, how often"),
            ),
        ],
        base_form_class=CampaignForm,
    )


class MultistagePanelViewSet(ModelViewSet):
    """Panels of multistage instruments, their modules and routing rules inline."""

    model = MultistagePanel
    icon = "list-ol"
    menu_order = 105
    url_prefix = "delivery/multistage-panels"
    name = "assessment_multistage_panels"
    delete_view_class = admin_views.ProtectedDeleteView
    copy_view_enabled = False
    list_filter = ["instrument", "active"]
    search_fields = ["code", "name"]
    search_backend_name = None
    ordering = ["instrument", "code"]
    list_display = ["code", "name", "instrument", "active"]
    edit_handler = ObjectList(
        [
            FieldPanel("instrument"),
            FieldRowPanel(
                [FieldPanel("code"), FieldPanel("name"), FieldPanel("active")]
            ),
            InlinePanel(
                "modules",
                panels=[
                    FieldRowPanel([FieldPanel("stage"), FieldPanel("difficulty")]),
                    FieldPanel("item_ids"),
                ],
                heading=_("Modules"),
                label=_("Module"),
            ),
            InlinePanel(
                "rules",
                panels=[
                    FieldRowPanel([FieldPanel("stage"), FieldPanel("method")]),
                    FieldPanel("cut_points"),
                ],
                heading=_("Routing rules"),
                label=_("Routing rule"),
            ),
        ],
        base_form_class=MultistagePanelForm,
    )


class DeliveryViewSetGroup(ViewSetGroup):
    menu_label = _("Delivery")
    menu_icon = "tasks"
    menu_order = 300
    items = (InstrumentViewSet, MultistagePanelViewSet, CampaignViewSet)


@hooks.register("register_admin_viewset")
def register_delivery_viewsets():
    return DeliveryViewSetGroup()


@hooks.register("itembank_wright_map_abilities")
def wright_map_abilities(chosen: str | None):
    """Give the item bank's Wright map one campaign's abilities (results are ours)."""
    return campaign_abilities(chosen=chosen)
