"""Researcher views of delivery in the Wagtail admin: instruments and campaigns.

Thin adapters on Wagtail's generic views: the create and edit forms save through
``assessment.services`` (never ``form.save()``), and a service's refusal is shown on
the field it names with nothing saved. Permissions are the model permissions that
``assessment.permissions`` gives researchers (administrators hold every one).
What the pages read comes from ``assessment.selectors``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from wagtail.admin.views import generic
from wagtail.log_actions import log

from assessment import services
from assessment.forms import INSTRUMENT_ERROR_FIELDS, form_add_service_errors
from assessment.models import Campaign, CampaignKind, DeliveryMode, Instrument
from assessment.selectors import (
    REPORT_DAYS,
    active_item_ids,
    campaign_report,
    campaign_status,
    campaigns_with_counts,
    instrument_calibration,
)
from assessment.services.multistage import multistage_exposure
from assessment.services.updates import campaign_update, instrument_update

SURVEY_KINDS = (CampaignKind.THEMATIC, CampaignKind.FIVE_YEARLY)


# ---------------------------------------------------------------- what the pages show


def instrument_length(instrument: Instrument) -> str:
    """Return how many items a test-taker sees, in words."""
    data = instrument.settings or {}
    if instrument.mode == DeliveryMode.FIXED:
        return _("%(n)s items") % {"n": len(data.get("item_ids") or [])}
    if instrument.mode == DeliveryMode.BOOKLET:
        sizes = sorted({len(b) for b in data.get("booklets") or []})
        size = "–".join(
            str(s) for s in (sizes[:1] + sizes[-1:] if len(sizes) > 1 else sizes)
        )
        return _("%(k)s booklets × %(n)s items") % {
            "k": len(data.get("booklets") or []),
            "n": size or 0,
        }
    if instrument.mode == DeliveryMode.MULTISTAGE:
        return _("%(k)s panels, %(s)s stages") % {
            "k": instrument.panels.count(),
            "s": max(
                (m.stage for p in instrument.panels.all() for m in p.modules.all()),
                default=0,
            ),
        }
    return _("%(min)s–%(max)s items") % {
        "min": data.get("min_length", 5),
        "max": data.get("max_length", 30),
    }


CAMPAIGN_STATUS_LABELS = {
    "open": pgettext_lazy("campaign status", "Open"),
    "upcoming": pgettext_lazy("campaign status", "Upcoming"),
    "closed": pgettext_lazy("campaign status", "Closed"),
}


def survey_admin_url(campaign: Campaign) -> str | None:
    """Return the survey workflow page of a survey campaign (None for practice)."""
    if campaign.kind not in SURVEY_KINDS:
        return None
    try:
        return reverse("survey_admin:index")
    except NoReverseMatch:  # the survey app is not installed
        return None


# ---------------------------------------------------------------- saving through services


class ServiceFormMixin:
    """Save a generic create/edit view's form through a service, not ``form.save()``.

    A ``ValidationError`` from the service goes back onto the form's fields; the
    surrounding transaction is rolled back, so nothing is saved.
    """

    error_fields: dict[str, str] = {}
    log_action = "wagtail.create"

    def call_service(self, form) -> Any:
        raise NotImplementedError

    def save_instance(self):
        instance = self.call_service(self.form)
        log(
            instance=instance,
            action=self.log_action,
            user=self.request.user,
            content_changed=True,
        )
        return instance

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as exc:
            form_add_service_errors(form, exc, self.error_fields)
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class InstrumentCreateView(ServiceFormMixin, generic.CreateView):
    error_fields = INSTRUMENT_ERROR_FIELDS

    def call_service(self, form):
        return services.instrument_create(**form.service_kwargs())


class InstrumentEditView(ServiceFormMixin, generic.EditView):
    error_fields = INSTRUMENT_ERROR_FIELDS
    log_action = "wagtail.edit"

    def call_service(self, form):
        return instrument_update(instrument=self.object, **form.service_kwargs())


class CampaignCreateView(ServiceFormMixin, generic.CreateView):
    def call_service(self, form):
        return services.campaign_create(**form.service_kwargs())

    def get_success_url(self):
        return reverse("assessment_campaigns:inspect", args=[self.object.pk])


class CampaignEditView(ServiceFormMixin, generic.EditView):
    log_action = "wagtail.edit"

    def call_service(self, form):
        return campaign_update(campaign=self.object, **form.service_kwargs())

    def get_success_url(self):
        return reverse("assessment_campaigns:inspect", args=[self.object.pk])


class ProtectedDeleteView(generic.DeleteView):
    """Refuse, with a message, to delete what campaigns or sessions still use."""

    def form_valid(self, form):
        try:
            if self.usage and self.usage.is_protected:
                raise ProtectedError("protected references", set())
            with transaction.atomic():
                return super().form_valid(form)
        except ProtectedError:
            messages.error(
                self.request,
                _(
                    "“%(object)s” is used by campaigns or sessions, so it cannot be "
                    "deleted; close its campaigns instead."
                )
                % {"object": self.object},
            )
            return redirect(self.get_success_url())


# ---------------------------------------------------------------- listings and pages


class InstrumentIndexView(generic.IndexView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        set_id, _ids = self.active
        context["active_set_id"] = set_id
        return context

    @property
    def active(self) -> tuple[int | None, set[int] | None]:
        if not hasattr(self, "_active"):
            self._active = active_item_ids()
        return self._active


class InstrumentInspectView(generic.InspectView):
    template_name = "assessment/admin/instrument_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        set_id, ids = active_item_ids()
        instrument = self.object
        context.update(
            {
                "instrument": instrument,
                "length": instrument_length(instrument),
                "calibration": instrument_calibration(instrument, ids),
                "active_set_id": set_id,
                "settings_rows": sorted((instrument.settings or {}).items()),
                "blueprint_rows": sorted((instrument.blueprint or {}).items()),
                "campaigns": list(campaigns_with_counts(instrument.campaigns.all())),
                "panels": _panel_rows(instrument),
            }
        )
        return context


def _panel_rows(instrument: Instrument) -> list[dict] | None:
    """Return a multistage instrument's panels with their session and module counts."""
    if instrument.mode != DeliveryMode.MULTISTAGE:
        return None

    exposure = multistage_exposure(instrument=instrument)
    return [
        {
            "panel": panel,
            "sessions": exposure["panels"].get(panel.code, 0),
            "modules": sorted(exposure["modules"].get(panel.code, {}).items()),
        }
        for panel in instrument.panels.order_by("code")
    ]


class CampaignIndexView(generic.IndexView):
    def get_base_queryset(self):
        return campaigns_with_counts(super().get_base_queryset())


class CampaignInspectView(generic.InspectView):
    template_name = "assessment/admin/campaign_inspect.html"
    page_title = gettext_lazy("Campaign report")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = self.object
        status = campaign_status(campaign)
        context.update(
            {
                "campaign": campaign,
                "status": status,
                "status_label": CAMPAIGN_STATUS_LABELS[status],
                "report": campaign_report(campaign),
                "survey_url": survey_admin_url(campaign),
                "instrument_url": reverse(
                    "assessment_instruments:inspect", args=[campaign.instrument_id]
                ),
                "public_url": campaign.get_absolute_url(),
                "report_days": REPORT_DAYS,
                "today": timezone.localdate(),
                "since": timezone.localdate() - timedelta(days=REPORT_DAYS),
            }
        )
        return context
