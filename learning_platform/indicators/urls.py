"""Page and download URLs of the indicators app (the API lives in ``api.py``)."""

from django.urls import path

from learning_platform.indicators import field_views, views, views_datain

app_name = "indicators"

urlpatterns = [
    path("", views.index, name="index"),
    # field monitoring (seed 001, attachment 4): before "<code>/<year>/", which would take "field"
    path("field/", field_views.field_index, name="field_index"),
    path("field/sites/<str:code>/", field_views.field_sites, name="field_sites"),
    path("field/<int:year>/", field_views.field_year, name="field_year"),
    path(
        "field/<int:year>/rate/<str:code>/", field_views.field_rate, name="field_rate"
    ),
    path(
        "field/<int:year>/report/<str:code>/",
        field_views.field_report,
        name="field_report",
    ),
    path(
        "field/<int:year>/report/<str:code>/pdf/",
        field_views.field_report_pdf,
        name="field_report_pdf",
    ),
    path("overview/<int:year>/", views.overview, name="overview"),
    path(
        "overview/<int:year>/credit-bank/",
        views.credit_bank_feed,
        name="credit_bank_feed",
    ),
    path("compare/", views.compare, name="compare"),
    path("files/<int:file_id>/", views.document_file, name="document_file"),
    path("<str:code>/<int:year>/", views.submission_form, name="form"),
    path(
        "<str:code>/<int:year>/template.xlsx",
        views_datain.template_download,
        name="template",
    ),
    path("<str:code>/<int:year>/import/", views_datain.values_upload, name="import"),
    path(
        "<str:code>/<int:year>/member-units/",
        views_datain.member_units_save,
        name="member_units",
    ),
    path(
        "<str:code>/<int:year>/confirmation-letter.pdf", views.letter_pdf, name="letter"
    ),
    path(
        "<str:code>/<int:year>/signed-letter.pdf",
        views.signed_letter,
        name="signed_letter",
    ),
    path("<str:code>/documents/", views.documents, name="documents"),
    path("<str:code>/documents/new/", views.document_edit, name="document_new"),
    path(
        "<str:code>/documents/<int:doc_id>/", views.document_edit, name="document_edit"
    ),
]
