"""WebSocket routes of test delivery."""

from django.urls import path

from assessment.consumers import SessionConsumer

websocket_urlpatterns: list = [
    path("ws/assessment/sessions/<uuid:session_id>/", SessionConsumer.as_asgi()),
]
