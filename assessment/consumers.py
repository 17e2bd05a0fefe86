"""The WebSocket that drives a test session: a thin adapter over the services.

Client messages (JSON): ``{"type": "state"}``, ``{"type": "answer", "sequence",
"item_id", "answer", "client_ts"}``, ``{"type": "finish"}``, ``{"type": "time"}``.
Server messages: ``state`` (the session and the item to answer), ``ack`` (sent only
after the answer is committed), ``time``, ``finished``, ``error`` (``code``,
``message``, ``errors``) and ``fenced``.

Connection fence: each connect takes the session over (``services.session_connect``
raises the session's ``connection_epoch`` under a row lock). Older connections, in
this process or any other, hear of it through the channel layer's group
``session.<id>``: they send ``{"type": "fenced", "code": "fenced", "message"}`` and
close with code 4409. Every answer and finish carries the connection's epoch, so an
answer from a fenced connection that arrives before the group message is refused by
the database check and stores nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from assessment import selectors, services
from assessment.models import SessionStatus
from learning_platform.errors import ApiError

NOT_FOUND_CLOSE_CODE = 4404
NOT_SIGNED_IN_CLOSE_CODE = 4401
FENCED_CLOSE_CODE = 4409


class SessionConsumer(AsyncJsonWebsocketConsumer):
    """One connection per open test page; the newest one of a session fences the others."""

    async def connect(self) -> None:
        self.user = self.scope.get("user")
        self.session_id = str(self.scope["url_route"]["kwargs"]["session_id"])
        self.language = _language(self.scope)
        await self.accept()
        if self.user is None or not self.user.is_authenticated:
            await self._error("not_authenticated", _("Sign in to use this."))
            await self.close(code=NOT_SIGNED_IN_CLOSE_CODE)
            return
        self.epoch = None
        self.fenced = False
        try:
            payload = await self._call(self._connect)
        except ApiError as exc:
            await self._error(exc.code, exc.message)
            await self.close(code=NOT_FOUND_CLOSE_CODE)
            return
        self.epoch = payload.get("connection_epoch")
        self.group = f"session.{uuid.UUID(self.session_id)}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self._send_state(payload)

    async def disconnect(self, code: int) -> None:
        group = getattr(self, "group", None)
        if group:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not getattr(self, "group", None):
            return
        if self.fenced:
            await self._fenced()
            return
        kind = content.get("type") if isinstance(content, dict) else None
        try:
            if kind == "answer":
                await self._answer(content)
            elif kind == "state":
                await self._send_state(await self._call(self._state))
            elif kind == "time":
                payload = await self._call(self._state)
                await self.send_json(
                    {
                        "type": "time",
                        "seconds_left": payload["seconds_left"],
                        "status": payload["status"],
                    }
                )
            elif kind == "finish":
                await self._call(self._finish)
                await self._send_state(await self._call(self._state))
            else:
                await self._error(
                    "unknown_message",
                    _("Unknown message type; send state, answer, time or finish."),
                )
        except ApiError as exc:
            await self._error(
                exc.code,
                exc.message,
                errors=exc.errors,
                sequence=_get(content, "sequence"),
            )
            if exc.code == "fenced":
                await self._fenced()
        except ValidationError as exc:
            errors = _validation_errors(exc)
            await self._error(
                "invalid",
                "; ".join(e["message"] for e in errors),
                errors=errors,
                sequence=_get(content, "sequence"),
            )
        except ObjectDoesNotExist:
            await self._error("not_found", _("This test session does not exist."))

    async def session_changed(self, event: dict[str, Any]) -> None:
        """Another connection changed the session: send the fresh state."""
        if event.get("origin") == self.channel_name or self.fenced:
            return
        await self._send_state(await self._call(self._state))

    async def session_fenced(self, event: dict[str, Any]) -> None:
        """A newer connection took the session over: say so and close."""
        epoch = event.get("epoch")
        if self.epoch is None or not isinstance(epoch, int) or epoch <= self.epoch:
            return  # this connection's own take-over, or an older one
        await self._fenced()

    # -- helpers

    async def _answer(self, content: dict[str, Any]) -> None:
        sequence, item_id = content.get("sequence"), content.get("item_id")
        if (
            not isinstance(sequence, int)
            or not isinstance(item_id, int)
            or "answer" not in content
        ):
            raise ValidationError(
                {
                    "answer": _(
                        "An answer needs an integer sequence, an integer item_id and an answer."
                    )
                }
            )
        ack = await self._call(
            services.response_record,
            session_id=self.session_id,
            user=self.user,
            sequence=sequence,
            item_id=item_id,
            answer=content["answer"],
            client_ts=content.get("client_ts"),
            origin=self.channel_name,
            epoch=self.epoch,
        )
        # The service returned, so the answer is committed: acknowledge it.
        await self.send_json({"type": "ack", **ack.payload()})
        if ack.session is not None:  # the session as the answer left it: no second read
            await self._send_state(await self._call(self._payload, session=ack.session))
        else:
            await self._send_state(await self._call(self._state))

    def _connect(self) -> dict[str, Any]:
        session = services.session_connect(session_id=self.session_id, user=self.user)
        return self._payload(session)

    def _state(self) -> dict[str, Any]:
        session = services.session_refresh(session_id=self.session_id, user=self.user)
        return self._payload(session)

    @staticmethod
    def _payload(session) -> dict[str, Any]:
        payload = selectors.session_payload(session)
        if session.status != SessionStatus.IN_PROGRESS:
            payload["results"] = selectors.results_payload(session)
        return payload

    def _finish(self) -> None:
        services.session_finish(
            session_id=self.session_id,
            user=self.user,
            origin=self.channel_name,
            epoch=self.epoch,
        )

    async def _call(self, func, **kwargs):
        language = self.language

        def run():
            with translation.override(language):
                return func(**kwargs)

        return await database_sync_to_async(run)()

    async def _send_state(self, payload: dict[str, Any]) -> None:
        kind = "state" if payload["status"] == SessionStatus.IN_PROGRESS else "finished"
        await self.send_json({"type": kind, "session": payload})

    async def _fenced(self) -> None:
        """Tell the page a newer connection took over, leave the group and close."""
        first = not self.fenced
        self.fenced = True
        if first:
            with translation.override(self.language):
                await self.send_json(
                    {
                        "type": "fenced",
                        "code": "fenced",
                        "message": str(
                            _(
                                "This test was opened in another window or on another device, so "
                                "this one takes no more answers. Reload the page to continue here."
                            )
                        ),
                    }
                )
        group = getattr(self, "group", None)
        if group:
            await self.channel_layer.group_discard(group, self.channel_name)
        await self.close(code=FENCED_CLOSE_CODE)

    async def _error(
        self, code: str, message: str, *, errors: Any = None, sequence: Any = None
    ) -> None:
        with translation.override(self.language):
            await self.send_json(
                {
                    "type": "error",
                    "code": code,
                    "message": str(message),
                    "errors": errors or [],
                    "sequence": sequence,
                }
            )


def _get(content: Any, key: str) -> Any:
    return content.get(key) if isinstance(content, dict) else None


def _validation_errors(exc: ValidationError) -> list[dict[str, Any]]:
    if hasattr(exc, "error_dict"):
        return [
            {"field": f, "message": m} for f, ms in exc.message_dict.items() for m in ms
        ]
    return [{"field": None, "message": m} for m in exc.messages]


def _language(scope: dict[str, Any]) -> str:
    """The page's language: the language cookie, else Chinese."""
    from django.conf import settings

    cookies = scope.get("cookies") or {}
    code = cookies.get(settings.LANGUAGE_COOKIE_NAME) or settings.LANGUAGE_CODE
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
