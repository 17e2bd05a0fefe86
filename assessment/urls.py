"""Page and download URLs of the assessment app (the API lives in ``api.py``)."""

from django.urls import path

from assessment import views

app_name = "assessment"

urlpatterns = [
    path("", views.campaign_list, name="index"),
    path("history/", views.history, name="history"),
    path("c/<int:campaign_id>/", views.campaign_detail, name="campaign"),
    path("c/<int:campaign_id>/start/", views.session_begin, name="start"),
    path("s/<uuid:session_id>/", views.session_page, name="session"),
    path("s/<uuid:session_id>/answer/", views.session_answer, name="answer"),
    path("s/<uuid:session_id>/finish/", views.session_end, name="finish"),
    path("s/<uuid:session_id>/result/", views.result_page, name="result"),
]
