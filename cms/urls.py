"""Page and download URLs of the cms app (the API lives in ``api.py``)."""

from django.urls import path

from cms import views

app_name = "cms"

urlpatterns = [
    path(
        "<int:page_id>/charts/<str:block_id>.<str:fmt>",
        views.report_chart,
        name="report_chart",
    ),
    path("<int:page_id>/pdf/", views.report_pdf, name="report_pdf"),
    path(
        "district-report/<int:page_id>/<str:code>.pdf",
        views.district_report_pdf,
        name="district_report_pdf",
    ),
    path(
        "dashboard/<int:page_id>/<str:kind>.<str:fmt>",
        views.dashboard_chart,
        name="dashboard_chart",
    ),
]
