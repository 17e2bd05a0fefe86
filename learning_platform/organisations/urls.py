"""Page URLs of the organisations app (the API lives in ``api.py``).

Each concern's views add their routes in their own list below, so parallel work stays apart."""

from django.urls import path  # noqa: F401

app_name = "organisations"

register_urls: list = []
monitoring_urls: list = []
space_urls: list = []

urlpatterns = register_urls + monitoring_urls + space_urls
