from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from learning_platform.districts.services import education_figures_load_csv

DEFAULT_CSV = (
    Path(__file__).resolve().parents[2] / "data" / "shanghai_education_2020.csv"
)


class Command(BaseCommand):
    help = (
        "Load census education figures (persons per 100,000 residents by level, per "
        "district or city-wide) from a CSV file; the survey's weights rake to them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--csv", type=Path, default=None, help="CSV file to load.")
        parser.add_argument(
            "--year", type=int, default=2020, help="Year of the figures."
        )
        parser.add_argument(
            "--source", default="2020 census (shanghai_education_2020.csv)"
        )

    def handle(self, *args, csv: Path | None, year: int, source: str, **options):
        path = csv or DEFAULT_CSV
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        try:
            report = education_figures_load_csv(path=path, year=year, source=source)
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from None
        self.stdout.write(f"Education figures from {path.name}: {report}.")
