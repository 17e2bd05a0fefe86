"""Where each role starts after signing in, and the areas the site header links.

The top layer may know every app's pages; the apps below it do not know each other.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cms.models import DistrictDashboardPage, DistrictMonitoringReportPage
from learning_platform.accounts.roles import ADMIN_ROLES, Role
from learning_platform.accounts.selectors import user_roles
from learning_platform.indicators.models import FrameworkVersion
from learning_platform.organisations.models import SampledOrganisation
from learning_platform.organisations.selectors.register import (
    organisations_visible_to,
)

FILING_ROLES = (Role.DISTRICT_STATISTICIAN, Role.DISTRICT_LIAISON, Role.DISTRICT_HEAD)


def _dashboard_url() -> str | None:
    page = DistrictDashboardPage.objects.live().public().order_by("path").first()
    return page.url if page is not None else None


def _district_report_url() -> str | None:
    page = (
        DistrictMonitoringReportPage.objects.live().public().order_by("-year").first()
    )
    return page.url if page is not None else None


def _filing_url(user: Any) -> str:
    version = FrameworkVersion.objects.first()
    district = getattr(user, "district", None)
    if version is None or district is None:
        return reverse("indicators:index")
    return reverse("indicators:form", args=[district.code, version.data_year])


def _organisation_url(user: Any) -> str:
    orgs = organisations_visible_to(user).filter(users=user).order_by("pk")[:2]
    if len(orgs) == 1:
        return reverse("organisations:register_detail", args=[orgs[0].pk])
    return reverse("organisations:register_list")


def start_url(*, user: Any) -> str:
    """The page where the user's work is: one per role, the first role that has one wins."""
    roles = set(user_roles(user=user))
    if roles & ADMIN_ROLES:
        return reverse("wagtailadmin_home")
    if Role.DISTRICT_OFFICER in roles:
        return _dashboard_url() or reverse("indicators:index")
    if roles & set(FILING_ROLES):
        return _filing_url(user)
    if Role.ORGANISATION in roles:
        # in a monitoring year their self-assessment is the work; otherwise their organisation
        if SampledOrganisation.objects.filter(organisation__users=user).exists():
            return reverse("organisations:monitoring_index")
        return _organisation_url(user)
    if Role.INSTITUTION in roles:
        return reverse("creditbank:verify")
    if Role.EXPERT in roles:
        return reverse("organisations:rating_queue")
    return "/"


def header_links(*, user: Any) -> list[dict[str, str]]:
    """The site header's links to the areas of the user's roles, in a stable order."""
    if not user.is_authenticated:
        return [{"url": reverse("assessment:index"), "label": str(_("Tests"))}]
    roles = set(user_roles(user=user))
    links = []
    if roles & ADMIN_ROLES:
        links.append({"url": reverse("wagtailadmin_home"), "label": str(_("Admin"))})
    if Role.DISTRICT_OFFICER in roles or roles & ADMIN_ROLES:
        dashboard = _dashboard_url()
        if dashboard:
            links.append({"url": dashboard, "label": str(_("District dashboard"))})
    if roles & set(FILING_ROLES):
        links.append({"url": _filing_url(user), "label": str(_("This year's filing"))})
    if roles & (
        {Role.DISTRICT_OFFICER, Role.RESEARCHER, Role.ADMINISTRATOR} | set(FILING_ROLES)
    ):
        links.append(
            {"url": reverse("indicators:index"), "label": str(_("District indicators"))}
        )
        report = _district_report_url()
        if report:
            links.append({"url": report, "label": str(_("District monitoring report"))})
    if roles & (
        {Role.ORGANISATION, Role.EXPERT, Role.DISTRICT_OFFICER, Role.RESEARCHER}
        | set(FILING_ROLES)
    ):
        links.append(
            {
                "url": reverse("organisations:register_list"),
                "label": str(_("Learning organisations")),
            }
        )
    if roles & {
        Role.ORGANISATION,
        Role.DISTRICT_LIAISON,
        Role.DISTRICT_HEAD,
        Role.RESEARCHER,
        Role.ADMINISTRATOR,
    }:
        links.append(
            {
                "url": reverse("organisations:monitoring_index"),
                "label": str(_("Learning organisation monitoring")),
            }
        )
    if roles & {
        Role.EXPERT,
        Role.RESEARCHER,
        Role.ADMINISTRATOR,
        Role.DISTRICT_OFFICER,
    } | set(FILING_ROLES):
        links.append(
            {
                "url": reverse("indicators:field_index"),
                "label": str(_("Field monitoring")),
            }
        )
    if Role.INSTITUTION in roles:
        links.append(
            {"url": reverse("creditbank:verify"), "label": str(_("Verify a record"))}
        )
    if Role.EXPERT in roles:
        links.append(
            {
                "url": reverse("organisations:rating_queue"),
                "label": str(_("My rating queue")),
            }
        )
    links.append({"url": reverse("assessment:index"), "label": str(_("Tests"))})
    links.append({"url": reverse("assessment:history"), "label": str(_("My results"))})
    links.append(
        {"url": reverse("creditbank:profile"), "label": str(_("My learning account"))}
    )
    return links


def header(request: HttpRequest) -> dict[str, Any]:
    """Context processor: the header's links for the signed-in user (lazily, once a page)."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    cache: dict[str, Any] = {}

    def links() -> list[dict[str, str]]:
        if "links" not in cache:
            cache["links"] = header_links(user=user)
        return cache["links"]

    return {"header_links": links}


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Send a signed-in user to their role's start page."""
    return redirect(start_url(user=request.user))
