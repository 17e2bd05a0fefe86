"""WebSocket routes of the survey: job progress for researchers."""

from django.urls import path

from assessment.survey.consumers import JobProgressConsumer

websocket_urlpatterns: list = [
    path("ws/survey/jobs/", JobProgressConsumer.as_asgi()),
    path("ws/survey/jobs/<uuid:job_id>/", JobProgressConsumer.as_asgi()),
]
