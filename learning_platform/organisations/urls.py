"""Page URLs of the organisations app (the API lives in ``api.py``).

Each concern's views add their routes in their own list below, so parallel work stays apart."""

from django.urls import path  # noqa: F401

from learning_platform.organisations.views import monitoring as monitoring_views

app_name = "organisations"

register_urls: list = []
monitoring_urls: list = [
    path("monitoring/", monitoring_views.index, name="monitoring_index"),
    path("monitoring/<int:year>/sample/", monitoring_views.sample, name="monitoring_sample"),
    path("monitoring/assessments/<int:sampled_id>/", monitoring_views.assessment,
         name="monitoring_assessment"),
    path("monitoring/evidence/<int:evidence_id>/", monitoring_views.evidence_file,
         name="monitoring_evidence_file"),
]
space_urls: list = []

urlpatterns = register_urls + monitoring_urls + space_urls
