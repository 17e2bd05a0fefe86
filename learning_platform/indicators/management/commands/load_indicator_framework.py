"""Load every framework edition kept in ``indicators/data/framework_*.json`` (or one file)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from learning_platform.indicators.services import DATA_DIR, framework_load
from learning_platform.indicators.target_services import targets_load_all


class Command(BaseCommand):
    help = "Load the district indicator framework editions; safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="*", help="framework JSON files (default: all kept ones)"
        )

    def handle(self, *args, paths, **options):
        files = [Path(p) for p in paths] or sorted(DATA_DIR.glob("framework_*.json"))
        for path in files:
            version, changed = framework_load(path=path)
            state = "loaded" if changed else "unchanged"
            self.stdout.write(
                f"{version.year}: {state} ({version.indicators.count()} indicators, "
                f"{version.items.count()} data items)"
            )
        if not paths:
            self.stdout.write(f"targets: {targets_load_all()} loaded")
