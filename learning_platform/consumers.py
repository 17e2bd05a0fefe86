"""Platform-wide WebSocket consumers."""

from __future__ import annotations

from channels.generic.websocket import AsyncJsonWebsocketConsumer


class PingConsumer(AsyncJsonWebsocketConsumer):
    """Answer a ping with a pong naming the user, to check the WebSocket stack end to end."""

    async def connect(self) -> None:
        await self.accept()

    async def receive_json(self, content, **kwargs) -> None:
        user = self.scope.get("user")
        await self.send_json(
            {
                "type": "pong",
                "echo": content.get("echo"),
                "user": user.get_username() if user and user.is_authenticated else None,
            }
        )
