"""One JSON shape for every API error: ``{"code", "message", "errors"}``."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    ValidationError,
)
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from learning_platform.jsonbounds import JsonInputError


class NotFound(ObjectDoesNotExist):
    """Raised by a selector for an object that is missing or that the caller may not see.

    Selectors live below the HTTP layer, so they raise this instead of ``Http404``; the
    API maps it to 404 with the same body whichever of the two it was, and views map it
    with ``get_or_404``.
    """


def get_or_404(selector, /, *args: Any, **kwargs: Any) -> Any:
    """Call ``selector`` and turn its ``NotFound`` into ``Http404`` (for Django views)."""
    try:
        return selector(*args, **kwargs)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


class ApiError(Exception):
    """An error a service raises with its own stable code and HTTP status."""

    def __init__(
        self, code: str, message: str, *, status: int = 400, errors: Any = None
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.errors = errors or []


def _respond(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    errors: Any = None,
) -> HttpResponse:
    return api.create_response(
        request,
        {"code": code, "message": str(message), "errors": errors or []},
        status=status,
    )


def _validation_errors(exc: ValidationError) -> list[dict[str, Any]]:
    if hasattr(exc, "error_dict"):
        return [
            {"field": field, "message": message}
            for field, errors in exc.message_dict.items()
            for message in errors
        ]
    return [{"field": None, "message": message} for message in exc.messages]


logger = logging.getLogger(__name__)


def install_error_handlers(api: NinjaAPI) -> None:
    """Map domain and framework exceptions to the platform's error JSON."""

    @api.exception_handler(ApiError)
    def api_error(request, exc: ApiError):
        return _respond(api, request, exc.status, exc.code, exc.message, exc.errors)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        errors = _validation_errors(exc)
        message = "; ".join(e["message"] for e in errors) or _(
            "The request is not valid."
        )
        return _respond(api, request, 422, "invalid", message, errors)

    @api.exception_handler(NinjaValidationError)
    def schema_error(request, exc: NinjaValidationError):
        errors = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ())),
                "message": e.get("msg", ""),
            }
            for e in exc.errors
        ]
        message = _("The request is not valid: %(details)s") % {
            "details": "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        }
        return _respond(api, request, 422, "invalid_input", message, errors)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request, exc):
        return _respond(
            api, request, 401, "not_authenticated", _("Sign in to use this.")
        )

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc):
        # Route-level refusals only: object-level access goes through selectors
        # that answer a forbidden object like a missing one.
        message = str(exc) or _("You do not have permission to do this.")
        return _respond(api, request, 403, "forbidden", message)

    @api.exception_handler(NotFound)
    @api.exception_handler(ObjectDoesNotExist)
    def does_not_exist(request, exc):
        # One body for missing and forbidden alike: the message names nothing.
        return _respond(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(Http404)
    def http_404(request, exc):
        return _respond(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        codes = {
            400: "bad_request",
            403: "forbidden",
            405: "method_not_allowed",
            409: "conflict",
            429: "too_many_requests",
        }
        return _respond(
            api, request, exc.status_code, codes.get(exc.status_code, "error"), str(exc)
        )

    @api.exception_handler(RequestDataTooBig)
    def too_large(request, exc):
        return _respond(
            api,
            request,
            413,
            "too_large",
            _("The request body is larger than the platform accepts."),
        )

    @api.exception_handler(JsonInputError)
    def json_input(request, exc):
        return _respond(api, request, 422, "invalid_input", str(exc))

    @api.exception_handler(Exception)
    def unexpected(request, exc: Exception):
        logger.exception("Unhandled API error on %s %s", request.method, request.path)
        return _respond(
            api, request, 500, "server_error", _("Something went wrong on our side.")
        )
