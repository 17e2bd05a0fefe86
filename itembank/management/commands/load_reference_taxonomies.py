from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from itembank.taxonomies import reference_framework_load, reference_frameworks_load_kept


class Command(BaseCommand):
    help = (
        "Load the reference taxonomies (DigComp 2.2, UNESCO DLGF) kept in "
        "itembank/data/taxonomies/, or the files given. Safe to run again; a file with a "
        "new version adds a new framework version."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths",
            nargs="*",
            type=Path,
            help="reference files (default: every kept file)",
        )

    def handle(self, *args, paths, **options):
        try:
            if paths:
                results = [reference_framework_load(path=p) for p in paths]
            else:
                results = reference_frameworks_load_kept()
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        for framework, written in results:
            n = framework.competences.count()
            state = "loaded" if written else "unchanged"
            self.stdout.write(
                f"{framework} ({framework.key}): {n} areas and competences, {state}"
            )
