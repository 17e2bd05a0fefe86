"""Derive Sympson–Hetter exposure control for an adaptive instrument by simulation."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from assessment.models import Instrument
from assessment.services import instrument_exposure_calibrate


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("instrument", help="The instrument's code.")
        parser.add_argument(
            "--target-rate",
            type=float,
            default=0.25,
            help="Exposure-rate ceiling (default 0.25).",
        )
        parser.add_argument(
            "--simulees",
            type=int,
            default=2000,
            help="Simulated test-takers (default 2000).",
        )
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, **options):
        instrument = Instrument.objects.filter(code=options["instrument"]).first()
        if instrument is None:
            raise CommandError(f"No instrument with code {options['instrument']!r}.")
        try:
            report = instrument_exposure_calibrate(
                instrument=instrument,
                target_rate=options["target_rate"],
                n_simulees=options["simulees"],
                seed=options["seed"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(
                f"Stored Sympson-Hetter parameters in {instrument.code}'s settings."
            )
        )
