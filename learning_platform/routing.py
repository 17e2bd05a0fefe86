"""WebSocket URL routes of every app, gathered for the ASGI application."""

from django.urls import path

from assessment.routing import websocket_urlpatterns as assessment_ws
from assessment.survey.routing import websocket_urlpatterns as survey_ws
from learning_platform.consumers import PingConsumer


def websocket_urlpatterns() -> list:
    return [path("ws/ping/", PingConsumer.as_asgi()), *assessment_ws, *survey_ws]
