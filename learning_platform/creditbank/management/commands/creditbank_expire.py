"""Expire credits whose validity has run out (run daily, e.g. from cron)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from learning_platform.creditbank.services import credits_expire


class Command(BaseCommand):
    help = "Append expiry entries to the credit ledger for awards past their validity."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="Treat this date (YYYY-MM-DD) as today.")

    def handle(self, *args, today: str | None = None, **options):
        try:
            day = date.fromisoformat(today) if today else None
        except ValueError:
            raise CommandError(
                f"--today {today!r} is not a date (YYYY-MM-DD)."
            ) from None
        entries = credits_expire(today=day)
        self.stdout.write(f"{len(entries)} expiry entries written.")
