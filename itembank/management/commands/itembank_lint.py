"""Check that the bank's keys do not favour a position (ARCHITECTURE invariant 10)."""

from django.core.management.base import BaseCommand, CommandError

from itembank.selectors import (
    KEY_BALANCE_ALPHA,
    KEY_BALANCE_MIN_EXPECTED,
    KEY_ORDER_MAX_SHARE,
    key_position_balance,
)


class Command(BaseCommand):
    help = (
        f"Report how the keys of published items fall by option position, per item kind; "
        f"exit with an error when a kind is unbalanced (chi-square p < {KEY_BALANCE_ALPHA}, "
        f"or more than {round(KEY_ORDER_MAX_SHARE * 100)}% of ordering items stored in "
        f"key order)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--language",
            default=None,
            help="Only items in this language (e.g. zh-hans).",
        )
        parser.add_argument(
            "--include-drafts",
            action="store_true",
            help="Also check items that are not published.",
        )

    def handle(self, *args, language=None, include_drafts=False, **options):
        rows = key_position_balance(language=language, live_only=not include_drafts)
        flagged = []
        for r in rows:
            p = (
                f"p={r.p_value:.4f}"
                if r.p_value is not None
                else f"p=n/a (fewer than {KEY_BALANCE_MIN_EXPECTED:g} keys per position expected)"
            )
            extra = f" in-key-order={r.in_key_order}" if r.kind == "ordered" else ""
            verdict = "UNBALANCED" if r.flagged else "ok"
            self.stdout.write(
                f"{r.kind:<18} options={r.n_options} items={r.n_items:<4} "
                f"keys by position={list(r.counts)} modal={r.modal_position} "
                f"({100 * r.modal_share:.0f}%) {p}{extra} {verdict}"
            )
            if r.flagged:
                flagged.append(f"{r.kind}/{r.n_options}")
        if not rows:
            self.stdout.write("No keyed items to check.")
        if flagged:
            raise CommandError(
                f"Key positions are unbalanced: {', '.join(flagged)}. Reorder "
                f"options so that keys fall evenly on every position."
            )
