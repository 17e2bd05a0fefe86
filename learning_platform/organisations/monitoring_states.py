"""The review chain of a self-assessment: the district filing's states and who moves them.

An organisation fills in (未填报 → 填报) and submits for first review (初审, the district
liaison), then second review (复审, the district head); each reviewer approves or returns
the self-assessment to the organisation with a comment. The filing's confirmation-letter
step (复审-确认函) belongs to the district's own filing, so the head's approval completes a
self-assessment.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from learning_platform.accounts.roles import Role
from learning_platform.organisations.models import AssessmentStatus

EDITABLE = (AssessmentStatus.NOT_STARTED, AssessmentStatus.DRAFT)

# state -> (role that owns it, next state on approval)
REVIEW_STEPS: dict[str, tuple[str, str]] = {
    AssessmentStatus.FIRST_REVIEW: (
        Role.DISTRICT_LIAISON,
        AssessmentStatus.SECOND_REVIEW,
    ),
    AssessmentStatus.SECOND_REVIEW: (Role.DISTRICT_HEAD, AssessmentStatus.DONE),
}


class AssessmentAction(models.TextChoices):
    SAVE_DRAFT = "save_draft", _("Saved a draft")
    SUBMIT = "submit", _("Submitted")
    APPROVE = "approve", _("Approved")
    RETURN = "return", _("Returned")


def label(choices: type[models.TextChoices], value: str) -> str:
    """Return the translated label of a stored code (the code itself if unknown)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value
