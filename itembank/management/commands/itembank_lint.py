"""Check that the bank's keys do not favour a position (ARCHITECTURE invariant 10)."""

from django.core.management.base import BaseCommand, CommandError

from itembank.selectors import (
    KEY_BALANCE_ALPHA,
    KEY_BALANCE_MIN_EXPECTED,
    KEY_ORDER_MAX_SHARE,
    key_position_balance,
)


class Command(BaseCommand):
    help = ("Report how the keys of published items fall by option position, per item kind; "
            "exit with an error when a kind is unbalanced (chi-square p < %s, or more than "
            "%d%% of ordering items stored in key order)."
            % (KEY_BALANCE_ALPHA, round(KEY_ORDER_MAX_SHARE * 100)))

    def add_arguments(self, parser):
        parser.add_argument("--language", default=None,
                            help="Only items in this language (e.g. zh-hans).")
        parser.add_argument("--include-drafts", action="store_true",
                            help="Also check items that are not published.")

    def handle(self, *args, language=None, include_drafts=False, **options):
        rows = key_position_balance(language=language, live_only=not include_drafts)
        flagged = []
        for r in rows:
            p = "p=%.4f" % r.p_value if r.p_value is not None else (
                "p=n/a (fewer than %g keys per position expected)" % KEY_BALANCE_MIN_EXPECTED)
            extra = " in-key-order=%d" % r.in_key_order if r.kind == "ordered" else ""
            line = "%-18s options=%d items=%-4d keys by position=%s modal=%d (%.0f%%) %s%s %s" % (
                r.kind, r.n_options, r.n_items, list(r.counts), r.modal_position,
                100 * r.modal_share, p, extra, "UNBALANCED" if r.flagged else "ok")
            self.stdout.write(line)
            if r.flagged:
                flagged.append("%s/%d" % (r.kind, r.n_options))
        if not rows:
            self.stdout.write("No keyed items to check.")
        if flagged:
            raise CommandError("Key positions are unbalanced: %s. Reorder options so that keys "
                               "fall evenly on every position." % ", ".join(flagged))
