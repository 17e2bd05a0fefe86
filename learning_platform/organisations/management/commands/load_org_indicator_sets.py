"""Load every indicator-set edition kept in ``organisations/data/indicator_sets_*.json`` (or the
files given)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from learning_platform.organisations.services.indicator_sets import (
    DATA_DIR,
    load_indicator_sets,
)


class Command(BaseCommand):
    help = (
        "Load the learning-organisation indicator sets (seed 003); safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="*", help="edition JSON files (default: all kept ones)"
        )

    def handle(self, *args, paths, **options):
        files = [Path(p) for p in paths] or sorted(
            DATA_DIR.glob("indicator_sets_*.json")
        )
        for path in files:
            for indicator_set, changed in load_indicator_sets(path):
                state = "loaded" if changed else "unchanged"
                items = sum(i.items.count() for i in indicator_set.indicators.all())
                self.stdout.write(
                    f"{indicator_set.version} {indicator_set.kind}: {state} "
                    f"({indicator_set.indicators.count()} indicators, {items} items)"
                )
