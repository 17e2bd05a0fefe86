"""Page and download URLs of the indicators app (the API lives in ``api.py``)."""

from django.urls import path  # noqa: F401

app_name = "indicators"

urlpatterns: list = []
