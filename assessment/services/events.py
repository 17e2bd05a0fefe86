"""Events to a session's open connections, sent after commit."""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def _group_send(session_id: str, event: dict) -> None:
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(f"session.{session_id}", event)
    except Exception:  # a broken channel layer must not fail the request
        logger.warning("Could not notify session group %s", session_id, exc_info=True)


def session_fenced_notify(*, session_id: str, epoch: int) -> None:
    """Tell connections older than ``epoch`` that a newer one took over (after commit).

    The message goes through the channel layer's per-session group, so it reaches
    connections held by any ASGI process; the database check of the epoch refuses
    their answers even if it never arrives.
    """
    event = {"type": "session.fenced", "session_id": session_id, "epoch": int(epoch)}
    transaction.on_commit(lambda: _group_send(session_id, event))


def session_changed_notify(*, session_id: str, origin: str = "") -> None:
    """Tell the session's other open connections that it changed (after commit)."""

    def send() -> None:
        from asgiref.sync import async_to_sync
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(
                f"session.{session_id}",
                {"type": "session.changed", "session_id": session_id, "origin": origin},
            )
        except Exception:  # a broken channel layer must not fail the answer
            logger.warning(
                "Could not notify session group %s", session_id, exc_info=True
            )

    transaction.on_commit(send)
