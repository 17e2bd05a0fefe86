"""Freeze a closed survey campaign's completed sessions into survey data."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from assessment.models import Campaign
from assessment.survey.services import survey_data_freeze


class Command(BaseCommand):
    help = (
        "Freeze a closed campaign's completed sessions into survey data (responses by "
        "item revision, background answers, the sample's non-respondents). Refused for "
        "an open campaign, one without completed sessions, or one already frozen "
        "(--new-version adds a further version; an earlier one never changes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("campaign", type=int, help="the campaign's id")
        parser.add_argument(
            "--new-version",
            action="store_true",
            help="freeze an already frozen campaign again as version N + 1",
        )
        parser.add_argument(
            "--user", default="", help="username recorded as the one who froze it"
        )

    def handle(self, *args, campaign: int, new_version: bool, user: str, **options):
        found = Campaign.objects.filter(pk=campaign).first()
        if found is None:
            raise CommandError(f"No campaign with id {campaign}.")
        frozen_by = None
        if user:
            frozen_by = get_user_model().objects.filter(username=user).first()
            if frozen_by is None:
                raise CommandError(f"No user named {user!r}.")
        try:
            data = survey_data_freeze(
                campaign=found, frozen_by=frozen_by, new_version=new_version
            )
        except ValidationError as exc:
            raise CommandError(
                f"campaign {campaign}: " + "; ".join(exc.messages)
            ) from exc
        p = data.provenance
        self.stdout.write(
            self.style.SUCCESS(
                f"Campaign {campaign} ({found.name_zh}) frozen as survey data version "
                f"{data.version}: {p['sessions']} sessions, {p['responses']} responses, "
                f"{p['items']} items, {p['non_respondents']} non-respondents, "
                f"{p['in_progress_left_out']} sessions in progress left out, {p['seconds']:.1f} s."
            )
        )
