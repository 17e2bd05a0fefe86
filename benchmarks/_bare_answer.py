"""The floor for one answer: a bare Django + django-ninja endpoint and a bare consumer.

Used by ``bench_answer_cost.py`` only. Both do what any answer endpoint must do and no
more: authenticate from the session cookie, lock the session row, store the response
row, move the session to the next item (taken from a list read once per process) and
reply with the acknowledgement and that item. No selection, no scoring, no checks
beyond the presented item; this is the framework's cost, not a delivery engine.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db import transaction
from django.urls import path
from django.utils import timezone
from ninja import NinjaAPI, Schema
from ninja.security import django_auth

from assessment.models import Response, Session
from learning_platform.urls import urlpatterns as project_urlpatterns

_ITEMS: list[dict[str, Any]] = []


def items_set(items: list[dict[str, Any]]) -> None:
    """The items the bare endpoint presents (id, revision_id, payload)."""
    _ITEMS[:] = items


def _next_item(sequence: int) -> dict[str, Any]:
    return _ITEMS[sequence % len(_ITEMS)]  # distinct within a session of < len items


def session_reset(session_id: str) -> dict[str, Any]:
    """Present the bare endpoint's first item in a session the project started."""
    item = _next_item(1)
    Session.objects.filter(pk=session_id).update(
        pending={
            "sequence": 1,
            "item_id": item["id"],
            "revision_id": item["revision_id"],
            "presented_at": timezone.now().isoformat(),
        }
    )
    return {"sequence": 1, "item_id": item["id"], "payload": item["payload"]}


def bare_answer(
    *, session_id: str, user_id: int, sequence: int, item_id: int, answer: Any
) -> dict[str, Any]:
    now = timezone.now()
    with transaction.atomic():
        session = (
            Session.objects.select_for_update()
            .only("id", "pending", "n_answered")
            .get(pk=session_id, user_id=user_id)
        )
        pending = session.pending
        if pending.get("sequence") != sequence or pending.get("item_id") != item_id:
            raise ValueError("not the presented item")
        response = Response.objects.create(
            session_id=session.pk,
            sequence=sequence,
            item_id=item_id,
            revision_id=pending["revision_id"],
            answer=answer,
            presented_order=[],
            score=None,
            seconds=0.0,
            server_ts=now,
        )
        item = _next_item(sequence + 1)
        session.n_answered += 1
        session.pending = {
            "sequence": sequence + 1,
            "item_id": item["id"],
            "revision_id": item["revision_id"],
            "presented_at": now.isoformat(),
        }
        session.save(update_fields=["n_answered", "pending"])
    return {
        "ack": {
            "session_id": str(session.pk),
            "sequence": response.sequence,
            "item_id": response.item_id,
            "received_at": now.isoformat(),
        },
        "item": {
            "sequence": sequence + 1,
            "item_id": item["id"],
            "payload": item["payload"],
        },
    }


class AnswerIn(Schema):
    sequence: int
    item_id: int
    answer: Any = None


api = NinjaAPI(urls_namespace="bare_answer", docs_url=None, openapi_url=None)


@api.post("/sessions/{session_id}/responses", auth=django_auth)
def answer(request, session_id: str, body: AnswerIn):
    return bare_answer(
        session_id=session_id,
        user_id=request.user.pk,
        sequence=body.sequence,
        item_id=body.item_id,
        answer=body.answer,
    )


class BareConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.user = self.scope.get("user")
        await self.accept()

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        reply = await database_sync_to_async(bare_answer)(
            session_id=self.scope["url_route"]["kwargs"]["session_id"],
            user_id=self.user.pk,
            sequence=content["sequence"],
            item_id=content["item_id"],
            answer=content.get("answer"),
        )
        await self.send_json({"type": "ack", **reply["ack"]})
        await self.send_json({"type": "state", "item": reply["item"]})


urlpatterns = [path("bare/", api.urls), *project_urlpatterns]
