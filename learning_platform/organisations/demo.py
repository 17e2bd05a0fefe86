"""Demo data of the organisations app: the indicator sets of seed 003 (loaded like the district
framework in ``indicators.demo``); safe to run twice."""

from __future__ import annotations

from django.core.management import call_command


def load_demo(*, stdout) -> None:
    call_command("load_org_indicator_sets", stdout=stdout)
