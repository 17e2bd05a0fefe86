"""The platform's roles: one Django group each, with the permissions apps declare."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    ITEM_AUTHOR = "item_author", _("Item author")
    # The item review workflow's three steps, one role each (itembank.workflows).
    ITEM_REVIEWER = "item_reviewer", _("Content reviewer")
    ITEM_FAIRNESS_REVIEWER = (
        "item_fairness_reviewer",
        _("Language and fairness reviewer"),
    )
    ITEM_PSYCHOMETRIC_REVIEWER = (
        "item_psychometric_reviewer",
        _("Psychometric reviewer"),
    )
    RESEARCHER = "researcher", _("Researcher")
    DISTRICT_OFFICER = "district_officer", _("District officer")
    DISTRICT_STATISTICIAN = "district_statistician", _("District statistician")
    DISTRICT_LIAISON = "district_liaison", _("District liaison")
    DISTRICT_HEAD = "district_head", _("District head")
    INSTITUTION = "institution", _("Learning institution")
    ORGANISATION = "organisation", _("Learning organisation")
    EXPERT = "expert", _("Expert rater")
    ADMINISTRATOR = "administrator", _("Administrator")


# Roles that act for one district and so need ``User.district``.
DISTRICT_ROLES = frozenset(
    {
        Role.DISTRICT_OFFICER,
        Role.DISTRICT_STATISTICIAN,
        Role.DISTRICT_LIAISON,
        Role.DISTRICT_HEAD,
    }
)

# Roles that work in the Wagtail admin.
ADMIN_ROLES = frozenset(
    {
        Role.ITEM_AUTHOR,
        Role.ITEM_REVIEWER,
        Role.ITEM_FAIRNESS_REVIEWER,
        Role.ITEM_PSYCHOMETRIC_REVIEWER,
        Role.RESEARCHER,
        Role.ADMINISTRATOR,
    }
)

# The administrator group holds every permission; this marker says so.
ALL_PERMISSIONS = "__all__"

# Permissions of the platform-wide apps. Each other app declares its own in a
# ``permissions.py`` module with a ``ROLE_PERMISSIONS`` dict of the same shape;
# ``roles_sync`` merges them all.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CITIZEN: [],
    Role.ITEM_AUTHOR: ["wagtailadmin.access_admin"],
    Role.ITEM_REVIEWER: ["wagtailadmin.access_admin"],
    Role.ITEM_FAIRNESS_REVIEWER: ["wagtailadmin.access_admin"],
    Role.ITEM_PSYCHOMETRIC_REVIEWER: ["wagtailadmin.access_admin"],
    Role.RESEARCHER: [
        "wagtailadmin.access_admin",
        "districts.view_district",
        "districts.view_districtyearfigure",
    ],
    Role.DISTRICT_OFFICER: ["districts.view_district"],
    Role.DISTRICT_STATISTICIAN: [
        "districts.view_district",
        "districts.view_districtyearfigure",
        "districts.add_districtyearfigure",
        "districts.change_districtyearfigure",
    ],
    Role.DISTRICT_LIAISON: [
        "districts.view_district",
        "districts.view_districtyearfigure",
    ],
    Role.DISTRICT_HEAD: [
        "districts.view_district",
        "districts.view_districtyearfigure",
    ],
    Role.INSTITUTION: [],
    Role.ORGANISATION: [],
    Role.EXPERT: [],
    Role.ADMINISTRATOR: [ALL_PERMISSIONS],
}
