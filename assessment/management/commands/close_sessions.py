"""Close sessions whose time ran out, and every open session of a closed campaign."""

from django.core.management.base import BaseCommand, CommandError

from assessment.models import Campaign
from assessment.services import sessions_expire


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--campaign", type=int, help="Also close this ended campaign's sessions."
        )

    def handle(self, *args, **options):
        campaign = None
        if options["campaign"] is not None:
            campaign = Campaign.objects.filter(pk=options["campaign"]).first()
            if campaign is None:
                raise CommandError(f"No campaign {options['campaign']}.")
        closed = sessions_expire(campaign=campaign)
        self.stdout.write(f"Closed {closed} session(s).")
