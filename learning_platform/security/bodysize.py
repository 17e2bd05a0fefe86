"""Answer 413 to a request body larger than the platform reads, before anything reads it.

Django raises ``RequestDataTooBig`` only when a view touches the body, and the
API's catch-all handler turned that into a 500. Bodies announced with a
``Content-Length`` are measured here: form and JSON bodies against
``DATA_UPLOAD_MAX_MEMORY_SIZE``, multipart uploads against ``MAX_UPLOAD_BODY_BYTES``
(the largest file the platform accepts, a 20 MB district document, plus room for
the form). A chunked body without a length still meets Django's own limit, which
the API's error handlers answer with 413 as well.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

DEFAULT_MAX_UPLOAD_BODY_BYTES = 21 * 1024 * 1024


def body_limit(request: HttpRequest) -> int | None:
    """Return the largest body this request may carry, or None when unlimited."""
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith("multipart/form-data"):
        return int(
            getattr(settings, "MAX_UPLOAD_BODY_BYTES", DEFAULT_MAX_UPLOAD_BODY_BYTES)
        )
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return None if limit is None else int(limit)


def too_large_response(request: HttpRequest, limit: int) -> HttpResponse:
    """Return the 413 answer: the error JSON on the API, plain text elsewhere."""
    message = _("The request body is larger than %(limit)d bytes.") % {"limit": limit}
    if request.path_info.startswith("/api/"):
        body = json.dumps(
            {"code": "too_large", "message": message, "errors": []}, ensure_ascii=False
        )
        return HttpResponse(body, status=413, content_type="application/json")
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


class BodySizeMiddleware:
    """Refuse an announced body over its limit with 413."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = body_limit(request)
        if limit is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                return too_large_response(request, limit)
        return self.get_response(request)
