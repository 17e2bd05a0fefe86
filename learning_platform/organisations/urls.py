"""Page URLs of the organisations app (the API lives in ``api.py``).

Each concern's views add their routes in their own list below, so parallel work stays apart."""

from django.urls import path  # noqa: F401

app_name = "organisations"

register_urls: list = []
monitoring_urls: list = []
space_urls: list = []

# Expert rating (issue 20, part 3): the rater's queue and form, assignment and agreement.
from learning_platform.organisations.views import rating as rating_views  # noqa: E402

monitoring_urls += [
    path("rating/", rating_views.queue, name="rating_queue"),
    path("rating/<int:assignment_id>/", rating_views.form, name="rating_form"),
    path("rating/<int:assignment_id>/evidence/<int:item_id>/", rating_views.evidence_file,
         name="rating_evidence_file"),
    path("rating/assign/<int:year>/", rating_views.assign, name="rating_assign"),
    path("rating/agreement/<int:year>/", rating_views.agreement, name="rating_agreement"),
]

urlpatterns = register_urls + monitoring_urls + space_urls
