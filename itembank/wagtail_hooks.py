"""Item bank in the Wagtail admin: the item snippet (listing with filters and search),
parameter sets, the item detail page and the bank overview."""

from __future__ import annotations

import django_filters
from django import forms
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import (
    Column,
    DateColumn,
    LiveStatusTagColumn,
    UserColumn,
)
from wagtail.models import Revision, WorkflowState
from wagtail.snippets.action_menu import ActionMenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import IndexView, SnippetViewSet

from . import admin_views
from .exporting import can_see_keys, item_row
from .importing import COLUMNS
from .models import Blueprint, Domain, Item, ItemParameter, ItemParameterSet
from .workflows import review_publish_check


class ItemFilterSet(WagtailFilterSet):
    domain = django_filters.ModelChoiceFilter(
        label=_("Domain"), queryset=Domain.objects.all(), method="filter_domain"
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        method="filter_status",
        choices=[
            ("live", _("Published")),
            ("draft", _("Draft only")),
            ("changes", _("Published with unpublished changes")),
            ("in_review", _("In review")),
        ],
    )
    has_parameters = django_filters.ChoiceFilter(
        label=_("Parameters"),
        method="filter_parameters",
        choices=[("yes", _("In the active set")), ("no", _("Not in the active set"))],
    )

    class Meta:
        model = Item
        fields = ["kind", "language", "target_population"]

    def filter_domain(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(domain__code__in=[value.code]) | queryset.filter(
            domain__code__startswith=value.code + "."
        )

    def filter_status(self, queryset, name, value):
        if value == "live":
            return queryset.filter(live=True)
        if value == "draft":
            return queryset.filter(live=False)
        if value == "changes":
            return queryset.filter(live=True, has_unpublished_changes=True)
        if value == "in_review":
            return queryset.filter(workflow_states__status="in_progress").distinct()
        return queryset

    def filter_parameters(self, queryset, name, value):
        ids = ItemParameter.objects.filter(parameter_set__is_active=True).values(
            "item_id"
        )
        if value == "yes":
            return queryset.filter(pk__in=ids)
        if value == "no":
            return queryset.exclude(pk__in=ids)
        return queryset


class DetailColumn(Column):
    def get_value(self, instance):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("itembank_admin:item_detail", args=[instance.pk]),
            _("Preview, curve and statistics"),
        )


class YesNoColumn(Column):
    """A boolean in words (是/否): Wagtail's BooleanColumn titles its icons "True"/"False"."""

    def get_value(self, instance):
        value = super().get_value(instance)
        return gettext("Yes") if value else gettext("No")


class ItemIndexView(IndexView):
    """The item listing; its CSV/XLSX download writes the import template's columns."""

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("domain")
            .prefetch_related("options", "tags")
        )

    def paginate_queryset(self, queryset, page_size):
        """Fill each listed item's scheduled revision and active workflow states from one query
        each: the status column and the row buttons read them, and Wagtail would otherwise ask
        for them once per row (as ``prefetch_workflow_states`` does for pages)."""
        paginator, page, object_list, is_paginated = super().paginate_queryset(
            queryset, page_size
        )
        items = list(object_list)
        scheduled: dict[str, Revision] = {}
        states: dict[str, list[WorkflowState]] = {}
        if items:
            content_type = items[0].get_base_content_type()
            ids = [str(item.pk) for item in items]
            revisions = Revision.objects.filter(
                base_content_type=content_type,
                object_id__in=ids,
                approved_go_live_at__isnull=False,
            ).order_by("id")  # as ``revisions.filter(...).first()`` picks
            for revision in revisions:
                scheduled.setdefault(revision.object_id, revision)
            active = (
                WorkflowState.objects.active()
                .filter(
                    base_content_type=content_type,
                    object_id__in=ids,
                )
                .select_related("current_task_state__task")
            )
            for state in active:
                states.setdefault(state.object_id, []).append(state)
        for item in items:
            item.__dict__["scheduled_revision"] = scheduled.get(str(item.pk))
            item._current_workflow_states = states.get(str(item.pk), [])
        page.object_list = items
        return paginator, page, items, is_paginated

    def to_row_dict(self, item):
        return item_row(item, with_keys=can_see_keys(self.request.user))


class ItemViewSet(SnippetViewSet):
    model = Item
    icon = "form"
    menu_label = _("Items")
    menu_order = 210
    add_to_admin_menu = True
    filterset_class = ItemFilterSet
    search_fields = ["code", "stem", "stem_en"]
    search_backend_name = None  # plain ORM search, so it combines with every filter
    list_display = [
        "code",
        Column("kind", accessor="get_kind_display", label=_("kind")),
        "domain",
        LiveStatusTagColumn(label=_("Status")),
        DetailColumn("detail", label=_("Detail")),
    ]
    index_view_class = ItemIndexView
    # the filtered listing downloads as CSV/XLSX that the import page takes back
    list_export = COLUMNS
    export_headings = {c: c for c in COLUMNS}
    export_filename = "items"
    ordering = ["code"]


class ParameterSetViewSet(SnippetViewSet):
    model = ItemParameterSet
    icon = "table"
    menu_label = _("Parameter sets")
    add_to_admin_menu = False
    list_display = [
        "name",
        "model",
        Column("status", label=_("Status"), accessor="get_status_display"),
        YesNoColumn("is_active", label=_("active")),
        YesNoColumn("is_demo", label=_("demonstration set")),
        DateColumn("created_at", label=_("Created")),
        UserColumn("approved_by", label=_("Approved by")),
    ]


class DomainViewSet(SnippetViewSet):
    model = Domain
    icon = "folder-open-inverse"
    list_display = ["code", "name_zh", "name_en", "parent", "kind"]
    # the mapping to DigComp / DLGF competences as checkboxes (itembank.taxonomies)
    panels = [
        FieldPanel("code"),
        FieldPanel("parent"),
        FieldPanel("kind"),
        FieldPanel("name_zh"),
        FieldPanel("name_en"),
        FieldPanel("description_zh"),
        FieldPanel("description_en"),
        FieldPanel("sort_order"),
        FieldPanel("reference_competences", widget=forms.CheckboxSelectMultiple),
    ]


class AssembleColumn(Column):
    def get_value(self, instance):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("itembank_admin:blueprint_assemble", args=[instance.pk]),
            _("Assemble a form"),
        )


class BlueprintViewSet(SnippetViewSet):
    """Blueprints; the model's ``clean`` names unknown domains and bad sums on the form."""

    model = Blueprint
    icon = "list-ul"
    menu_label = _("Blueprints")
    add_to_admin_menu = False
    list_display = [
        "code",
        "name_zh",
        "length",
        "difficulty_min",
        "difficulty_max",
        AssembleColumn("assemble", label=_("Preview")),
    ]
    search_fields = ["code", "name_zh", "name_en"]


register_snippet(ItemViewSet)
register_snippet(BlueprintViewSet)
register_snippet(ParameterSetViewSet)
register_snippet(DomainViewSet)


class ReviewEvidenceMenuItem(ActionMenuItem):
    """A link from the editor to what the psychometric review reads: curves and statistics."""

    name = "action-review-evidence"
    label = _("Curves and statistics")
    icon_name = "view"

    def get_url(self, parent_context):
        return reverse(
            "itembank_admin:item_detail", args=[parent_context["instance"].pk]
        )


@hooks.register("construct_snippet_action_menu")
def item_review_action_menu(menu_items, request, context):
    """Items are published by the review's last approval, never by the editor's button; the
    editor links the item's curves and statistics for the review."""
    if context.get("model") is not Item:
        return
    menu_items[:] = [m for m in menu_items if m.name != "action-publish"]
    if context.get("view") == "edit" and context.get("instance") is not None:
        menu_items.append(ReviewEvidenceMenuItem(order=900))


@hooks.register("before_publish")
def refuse_unreviewed_item_publish(request, instance):
    """A direct publish request (a crafted POST) keeps the draft and names the pending step."""
    if not isinstance(instance, Item):
        return None
    from django.contrib import messages
    from django.core.exceptions import ValidationError
    from django.shortcuts import redirect

    try:
        review_publish_check(
            item=instance, revision=instance.get_latest_revision(), user=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("wagtailsnippets_itembank_item:edit", instance.pk)
    return None


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path(
            "itembank/", (admin_views.urlpatterns, "itembank_admin", "itembank_admin")
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_overview_menu_item():
    return MenuItem(
        _("Item bank overview"),
        reverse("itembank_admin:overview"),
        icon_name="view",
        order=211,
    )


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return MenuItem(
        _("Import items"),
        reverse("itembank_admin:import"),
        icon_name="upload",
        order=212,
    )


@hooks.register("register_admin_menu_item")
def register_cut_scores_menu_item():
    return MenuItem(
        _("Cut-score sets"),
        reverse("itembank_admin:cut_score_sets"),
        icon_name="order",
        order=213,
    )
