"""Live progress of survey jobs for researchers, and cancel.

``ws/survey/jobs/`` follows every job, ``ws/survey/jobs/<uuid>/`` one job. The server
sends ``{"type": "job", "job": {...}}`` on connect (one job) and on every update; the
client may send ``{"type": "cancel", "job_id": ...}`` (``job_id`` optional on a one-job
connection).
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import ValidationError

from assessment.survey import access, selectors, services
from assessment.survey.job_control import job_expire_stale
from assessment.survey.jobs import group_name
from assessment.survey.models import Job

FORBIDDEN_CLOSE_CODE = 4403
NOT_FOUND_CLOSE_CODE = 4404


class JobProgressConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        await self.accept()
        allowed = (
            user is not None
            and user.is_authenticated
            and await database_sync_to_async(access.is_researcher)(user)
        )
        if not allowed:
            await self.send_json(
                {
                    "type": "error",
                    "code": "forbidden",
                    "message": "Only researchers follow survey jobs.",
                }
            )
            await self.close(code=FORBIDDEN_CLOSE_CODE)
            return
        self.job_id = self.scope["url_route"]["kwargs"].get("job_id")
        if self.job_id is not None:
            payload = await self._payload(self.job_id)
            if payload is None:
                await self.close(code=NOT_FOUND_CLOSE_CODE)
                return
            self.group = group_name(self.job_id)
        else:
            payload, self.group = None, "survey-jobs"
        await self.channel_layer.group_add(self.group, self.channel_name)
        if payload is not None:
            await self.send_json({"type": "job", "job": payload})

    async def disconnect(self, code: int) -> None:
        group = getattr(self, "group", None)
        if group:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not getattr(self, "group", None):
            return
        if not isinstance(content, dict) or content.get("type") != "cancel":
            await self.send_json(
                {
                    "type": "error",
                    "code": "bad_message",
                    "message": 'Send {"type": "cancel"}.',
                }
            )
            return
        job_id = content.get("job_id") or self.job_id
        try:
            payload = await database_sync_to_async(self._cancel)(str(job_id))
        except (Job.DoesNotExist, ValidationError, ValueError) as exc:
            message = (
                "; ".join(exc.messages)
                if isinstance(exc, ValidationError)
                else "no such job"
            )
            await self.send_json(
                {"type": "error", "code": "cancel_refused", "message": message}
            )
            return
        await self.send_json({"type": "job", "job": payload})

    async def job_update(self, event: dict) -> None:
        await self.send_json({"type": "job", "job": event["job"]})

    @database_sync_to_async
    def _payload(self, job_id) -> dict | None:
        try:
            job_expire_stale(job_ids=[job_id])  # a dead worker's job shows as failed
        except ValidationError:
            return None
        job = Job.objects.filter(pk=job_id).first()
        return None if job is None else selectors.job_payload(job)

    @staticmethod
    def _cancel(job_id: str) -> dict:
        job = Job.objects.get(pk=job_id)
        return selectors.job_payload(services.job_cancel(job=job))
