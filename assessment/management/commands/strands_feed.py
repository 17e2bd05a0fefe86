"""Supply the citizen strand questionnaires' weighted district figures to the monitoring points."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from assessment.strands.services import strand_values_supply


class Command(BaseCommand):
    help = (
        "Compute the strand questionnaires' district figures of a year with the published "
        "survey roll-up's weights and supply them to the district framework's monitoring points."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)

    def handle(self, *args, year: int, **options):
        try:
            report = strand_values_supply(year=year)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            f"strands {year}: roll-up #{report.rollup_id}, respondents "
            f"{report.respondents}, {report.supplied} figures supplied "
            f"({report.withheld} withheld)"
        )
        for error in report.errors:
            self.stderr.write(error)
