"""The survey's researcher page in the Wagtail admin."""

from __future__ import annotations

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from assessment.survey import views
from assessment.survey.access import is_researcher


class ResearcherMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return is_researcher(request.user)


@hooks.register("register_admin_urls")
def register_survey_admin_urls():
    urls = [
        path("", views.survey_index, name="index"),
        path("campaigns/<int:campaign_id>/jobs/", views.job_start, name="job_start"),
        path("campaigns/<int:campaign_id>/freeze/", views.survey_freeze, name="freeze"),
        path("jobs/<uuid:job_id>/cancel/", views.job_cancel, name="job_cancel"),
        path(
            "rollups/<int:rollup_id>/publish/",
            views.rollup_publish,
            name="rollup_publish",
        ),
    ]
    return [path("survey/", include((urls, "survey_admin"), namespace="survey_admin"))]


@hooks.register("register_admin_menu_item")
def register_survey_menu_item():
    return ResearcherMenuItem(
        _("Survey jobs"), reverse("survey_admin:index"), icon_name="table", order=850
    )
