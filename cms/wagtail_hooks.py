"""Admin wiring of the cms: a PDF button on reports in the page header and listing menu."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.menus.pages import PageMenuItem

from cms.admin_panels import homepage_panels_add
from cms.models import SurveyReportPage


class ReportPdfButton(PageMenuItem):
    label = _("PDF of the latest draft")
    icon_name = "doc-full"

    @property
    def url(self):
        return reverse("cms:report_pdf", args=[self.page.pk]) + "?draft=1"


def _report_buttons(page, user):
    if (
        page.specific_class is SurveyReportPage
        and page.permissions_for_user(user).can_edit()
    ):
        yield ReportPdfButton(page=page, priority=66)


@hooks.register("register_page_header_buttons")
def report_header_buttons(page, user, view_name, next_url=None):
    yield from _report_buttons(page, user)


@hooks.register("register_page_listing_more_buttons")
def report_listing_buttons(page, user, next_url=None):
    yield from _report_buttons(page, user)


@hooks.register("construct_homepage_panels")
def add_attention_panels(request, panels):
    homepage_panels_add(request, panels)
