"""Page and download URLs of the creditbank app (the API lives in ``api.py``)."""

from django.urls import path  # noqa: F401

app_name = "creditbank"

urlpatterns: list = []
