"""Close sessions whose time ran out, and every open session of a closed campaign.

Then write the credit-bank outcomes still pending: a closed session's outcome is
written after its commit, and one whose write failed waits here for its retry.
"""

from django.core.management.base import BaseCommand, CommandError

from assessment.models import Campaign
from assessment.services import session_outcomes_record, sessions_expire


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
        written = session_outcomes_record()
        self.stdout.write(f"Wrote {written} pending credit-bank outcome(s).")
