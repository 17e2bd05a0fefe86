"""Page URLs of the organisations app (the API lives in ``api.py``).

Each concern's views add their routes in their own list below, so parallel work stays apart."""

from django.urls import path  # noqa: F401

from learning_platform.organisations.views import monitoring as monitoring_views
from learning_platform.organisations.views import register as register_views

app_name = "organisations"

register_urls: list = [
    path("", register_views.register_list, name="register_list"),
    path("register/new/", register_views.register_new, name="register_new"),
    path("register/import/", register_views.register_import, name="register_import"),
    path(
        "register/import/template.xlsx",
        register_views.register_import_template,
        name="register_import_template",
    ),
    path(
        "register/<int:org_id>/", register_views.register_detail, name="register_detail"
    ),
    path(
        "register/<int:org_id>/edit/",
        register_views.register_edit,
        name="register_edit",
    ),
    path(
        "register/<int:org_id>/tier/",
        register_views.register_tier,
        name="register_tier",
    ),
]
monitoring_urls: list = [
    path("monitoring/", monitoring_views.index, name="monitoring_index"),
    path(
        "monitoring/<int:year>/sample/",
        monitoring_views.sample,
        name="monitoring_sample",
    ),
    path(
        "monitoring/assessments/<int:sampled_id>/",
        monitoring_views.assessment,
        name="monitoring_assessment",
    ),
    path(
        "monitoring/evidence/<int:evidence_id>/",
        monitoring_views.evidence_file,
        name="monitoring_evidence_file",
    ),
]

# Expert rating (issue 20, part 3): the rater's queue and form, assignment and agreement.
from learning_platform.organisations.views import rating as rating_views  # noqa: E402

monitoring_urls += [
    path("rating/", rating_views.queue, name="rating_queue"),
    path("rating/<int:assignment_id>/", rating_views.form, name="rating_form"),
    path(
        "rating/<int:assignment_id>/evidence/<int:item_id>/",
        rating_views.evidence_file,
        name="rating_evidence_file",
    ),
    path("rating/assign/<int:year>/", rating_views.assign, name="rating_assign"),
    path(
        "rating/agreement/<int:year>/", rating_views.agreement, name="rating_agreement"
    ),
]
from learning_platform.organisations.views import results as results_views  # noqa: E402
from learning_platform.organisations.views import space as space_views  # noqa: E402

space_urls: list = [
    path("space/", space_views.space_index, name="space_index"),
    path("space/review/", space_views.space_review_list, name="space_review"),
    path(
        "space/entries/<int:entry_id>/review/",
        space_views.space_entry_review,
        name="space_entry_review",
    ),
    path("space/files/<int:entry_id>/", space_views.space_file, name="space_file"),
    path("space/<slug:slug>/", space_views.space_detail, name="space_detail"),
    path(
        "space/<slug:slug>/entries/new/",
        space_views.space_entry_edit,
        name="space_entry_new",
    ),
    path(
        "space/<slug:slug>/entries/<int:entry_id>/",
        space_views.space_entry_edit,
        name="space_entry_edit",
    ),
]
results_urls: list = [
    path("results/", results_views.results_index, name="results"),
    path(
        "results/export.<str:fmt>", results_views.results_export, name="results_export"
    ),
    path("results/tiers/", results_views.tier_decisions, name="tier_decisions"),
]

urlpatterns = register_urls + monitoring_urls + space_urls + results_urls
