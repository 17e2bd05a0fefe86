"""Check or rebuild the per-district tally of accounts opened and closed each day."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from learning_platform.creditbank.selectors import account_tally_differences
from learning_platform.creditbank.services import account_tally_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the district account tally from the accounts; with --check, print "
        "where it disagrees with a live count and exit non-zero if it does."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Compare with a live count of the accounts; change nothing.",
        )

    def handle(self, *args, check: bool = False, **options):
        if check:
            differences = account_tally_differences()
            for difference in differences:
                self.stdout.write(str(difference))
            if differences:
                raise CommandError(
                    f"The tally disagrees with the accounts on {len(differences)} "
                    "district-days; run `manage.py creditbank_tally` to rebuild it."
                )
            self.stdout.write("The tally agrees with the accounts.")
            return
        rows = account_tally_rebuild()
        self.stdout.write(f"Tally rebuilt: {rows} district-days.")
