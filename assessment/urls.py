"""Page and download URLs of the assessment app (the API lives in ``api.py``)."""

from django.urls import path  # noqa: F401

app_name = "assessment"

urlpatterns: list = []
