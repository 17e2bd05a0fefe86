"""End survey jobs whose worker died: running jobs whose lease expired become failed.

    manage.py survey_jobs_sweep            # once (cron, systemd timer)
    manage.py survey_jobs_sweep --every 15 # loop, sweeping every 15 s until stopped

A job whose cancel was asked for ends cancelled instead. The lease length is
``SURVEY_JOB_LEASE_SECONDS`` (default 60 s). Pages and the progress endpoint sweep the
jobs they show, and asking for a new job sweeps its kind; this command covers jobs
nobody looks at.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from assessment.survey.job_control import job_expire_stale, lease_seconds


class Command(BaseCommand):
    help = "Mark survey jobs whose worker stopped renewing its lease as failed."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=float,
            default=0.0,
            help="Sweep every this many seconds until stopped (default: once).",
        )

    def handle(self, *args, every: float = 0.0, **options):
        if every < 0:
            raise CommandError(
                f"--every {every}: must be 0 (once) or a positive number of seconds"
            )
        self.stdout.write(f"lease {lease_seconds():g} s")
        while True:
            ended = job_expire_stale()
            for job_id in ended:
                self.stdout.write(f"job {job_id}: worker stopped; marked failed")
            if options.get("verbosity", 1) >= 1:
                self.stdout.write(f"swept: {len(ended)} job(s) ended")
            if not every:
                return
            time.sleep(every)
