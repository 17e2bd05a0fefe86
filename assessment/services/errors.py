"""Refusals that every delivery entry point answers alike."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from assessment.models import (
    Session,
    SessionStatus,
)
from learning_platform.errors import ApiError

logger = logging.getLogger(__name__)


def delivery_refusal(code: str, message: str, *, status: int = 409) -> ApiError:
    return ApiError(code, message, status=status)


def session_not_found() -> ApiError:
    # Someone else's session answers like a missing one.
    return delivery_refusal(
        "not_found", _("This test session does not exist."), status=404
    )


def session_closed_refusal(session: Session) -> ApiError:
    if session.status == SessionStatus.EXPIRED:
        return delivery_refusal(
            "session_expired", _("The time for this test is over; answers are closed.")
        )
    return delivery_refusal(
        "session_finished", _("This test is finished; answers are closed.")
    )


def _fenced_refusal() -> ApiError:
    return delivery_refusal(
        "fenced",
        _(
            "This test was opened in another window or on another device, so this "
            "one takes no more answers. Reload the page to continue here."
        ),
    )


def session_epoch_check(session: Session, epoch: int | None) -> None:
    """Refuse a request of a connection that a newer one has fenced."""
    if epoch is not None and int(epoch) != session.connection_epoch:
        raise _fenced_refusal()
