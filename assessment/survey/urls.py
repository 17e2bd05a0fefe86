"""Page and download URLs of the survey app (the API lives in ``api.py``)."""

from django.urls import path  # noqa: F401

app_name = "survey"

urlpatterns: list = []
