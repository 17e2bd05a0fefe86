"""Simulate a five-yearly survey through the real delivery models, with known truth.

    manage.py simulate_survey --respondents 10000 [--seed 2025] [--year 2025]
                              [--allocation equal|minimum|proportional] [--run-jobs]

Creates a new five-yearly campaign on the booklet instrument (information, science and
health literacy in rotated booklets, then the needs questionnaire), its sample design and
invitations, one finished session per respondent with its responses, and freezes them as
the campaign's survey data (source "delivery", true abilities stored alongside). With
``--run-jobs`` the weights, calibration, scoring and roll-up jobs run too, and the
roll-up is measured against the truth per domain (district-mean RMSE, RMSE of the share
at or above the attained cut, districts whose true attainment rate is inside the 95%
interval) — the figures of the survey's precision bar, from one command.
"""

from __future__ import annotations

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assessment.services import campaign_create
from assessment.survey.demo import run_pipeline
from assessment.survey.models import RollUp
from assessment.survey.services import survey_data_latest
from assessment.survey.simulation import (
    instrument_ensure,
    survey_recovery,
    survey_simulate,
)


class Command(BaseCommand):
    help = "Simulate a five-yearly survey end to end through the delivery models (known truth)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--respondents",
            type=int,
            default=10_000,
            help="Expected number of respondents (default 10000).",
        )
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument(
            "--year", type=int, default=None, help="Survey year (default: this year)."
        )
        parser.add_argument(
            "--instrument",
            default="five-yearly-literacy-demo",
            help="Code of the booklet instrument (created if missing).",
        )
        parser.add_argument(
            "--allocation",
            choices=("equal", "minimum", "proportional"),
            default="equal",
            help="Sample allocation over the districts (default equal).",
        )
        parser.add_argument(
            "--run-jobs",
            action="store_true",
            help="Then run the weights, calibration, scoring and roll-up jobs.",
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="With --run-jobs: publish the roll-up.",
        )

    def handle(
        self,
        *args,
        respondents: int,
        seed: int,
        year: int | None,
        instrument: str,
        run_jobs: bool,
        publish: bool,
        allocation: str = "equal",
        **options,
    ):
        from datetime import timedelta

        if respondents < 100:
            raise CommandError("--respondents must be at least 100.")
        year = year or timezone.now().year
        now = timezone.now()
        try:
            inst = instrument_ensure(code=instrument)
            campaign = campaign_create(
                instrument=inst,
                kind="five_yearly",
                audience="invited",
                year=year,
                name_zh=f"{year}年市民终身学习素养调查(模拟,{respondents}人)",
                name_en=f"{year} citizen literacy survey (simulated, {respondents} respondents)",
                opens_at=now - timedelta(days=120),
                closes_at=now - timedelta(days=30),
            )
            sim = survey_simulate(
                campaign=campaign,
                n_respondents=respondents,
                seed=seed,
                method=allocation,
                stdout=self.stdout,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Campaign {campaign.pk}: {sim.n_respondents} sessions of {sim.n_sampled} invited "
                f"persons, {sim.n_responses} responses, frozen in {sim.timings['total']:.1f} s "
                f"(CPU {sim.timings['total_cpu']:.1f} s)."
            )
        )
        if run_jobs:
            t0 = time.perf_counter()
            results = run_pipeline(
                campaign,
                reference=sim.reference_parameters(),
                publish=publish,
                stdout=self.stdout,
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"Jobs finished in {time.perf_counter() - t0:.1f} s; roll-up "
                    f"#{results['rollup']['rollup_id']}."
                )
            )
            self._write_recovery(campaign, results["rollup"]["rollup_id"])

    def _write_recovery(self, campaign, rollup_id: int) -> None:
        recovery = survey_recovery(
            campaign=campaign, rollup=RollUp.objects.get(pk=rollup_id)
        )

        n = survey_data_latest(campaign).meta["simulation"]["n_respondents"]
        self.stdout.write(
            f"Recovery of the truth at {n} respondents (the bar is stated for "
            "10,000): errors against the respondents' weighted true "
            "abilities, coverage of the true population figures:"
        )
        for rec in recovery.values():
            style = self.style.SUCCESS if rec.meets_bar else self.style.WARNING
            self.stdout.write(style(f"  {rec}"))
