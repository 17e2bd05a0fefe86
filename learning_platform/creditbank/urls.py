"""Page and download URLs of the credit bank (the API lives in ``api.py``)."""

from django.urls import path

from learning_platform.creditbank import views

app_name = "creditbank"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("open/", views.account_open, name="open"),
    path("closure/", views.closure_request, name="closure"),
    path("my-data.json", views.data_download, name="data"),
    path("record.clr.json", views.clr_download, name="clr"),
    path("outcomes/<int:outcome_id>/badge.json", views.badge_download, name="badge"),
    path("verify/", views.verify, name="verify"),
    path("districts/", views.district_counts, name="district_counts"),
]
