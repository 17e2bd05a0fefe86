"""Page URLs of the organisations app (the API lives in ``api.py``).

Each concern's views add their routes in their own list below, so parallel work stays apart."""

from django.urls import path  # noqa: F401

app_name = "organisations"

register_urls: list = []
monitoring_urls: list = []
from learning_platform.organisations.views import results as results_views  # noqa: E402
from learning_platform.organisations.views import space as space_views  # noqa: E402

space_urls: list = [
    path("space/", space_views.space_index, name="space_index"),
    path("space/review/", space_views.space_review_list, name="space_review"),
    path("space/entries/<int:entry_id>/review/", space_views.space_entry_review, name="space_entry_review"),
    path("space/files/<int:entry_id>/", space_views.space_file, name="space_file"),
    path("space/<slug:slug>/", space_views.space_detail, name="space_detail"),
    path("space/<slug:slug>/entries/new/", space_views.space_entry_edit, name="space_entry_new"),
    path("space/<slug:slug>/entries/<int:entry_id>/", space_views.space_entry_edit, name="space_entry_edit"),
]
results_urls: list = [
    path("results/", results_views.results_index, name="results"),
    path("results/export.<str:fmt>", results_views.results_export, name="results_export"),
    path("results/tiers/", results_views.tier_decisions, name="tier_decisions"),
]

urlpatterns = register_urls + monitoring_urls + space_urls + results_urls
